//! HTTP status → [`EngineError`], shared by every remote engine so that a 429 or a 503 means the same everywhere.

use std::time::Duration;

use soundmind_engine::EngineError;

use crate::HttpResponse;

/// Who is being called, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Service<'a> {
    /// The service name shown to the user (`OpenAI-compatible STT`).
    pub name: &'a str,
    /// The environment variable that can hold its API key (`OPENAI_API_KEY`).
    pub env_var: &'a str,
    /// The key in use, so that an echo of it in an error body is blanked out.
    pub api_key: Option<&'a str>,
}

/// Passes 2xx responses through and turns every other status into the matching error: 401/403 →
/// [`EngineError::Auth`], 429 → [`EngineError::RateLimited`] (with `Retry-After` in seconds), anything else →
/// [`EngineError::Server`] with the start of the body (5xx and 408 are transient).
pub fn check_status(response: HttpResponse, service: &Service<'_>) -> Result<HttpResponse, EngineError> {
    let status = response.status();
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let retry_after = response.header("retry-after").and_then(parse_retry_after);
    // The body is only for the message; a body that cannot be read leaves the message shorter, nothing more.
    let body = response.text().unwrap_or_default();
    let body = excerpt(&body, service.api_key);
    Err(match status {
        401 | 403 => EngineError::Auth {
            service: service.name.to_string(),
            reason: if body.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {body}")
            },
            env_var: service.env_var.to_string(),
        },
        429 => EngineError::RateLimited {
            service: service.name.to_string(),
            retry_after,
        },
        _ => EngineError::Server {
            service: service.name.to_string(),
            status,
            body,
        },
    })
}

/// `Retry-After` as delay-seconds. (The HTTP-date form is rare for APIs; it is ignored and the backoff applies.)
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(86_400.0)))
}

/// The start of a body for a message: whitespace collapsed, at most 300 characters, the API key blanked out.
pub fn excerpt(body: &str, api_key: Option<&str>) -> String {
    let mut text = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(key) = api_key.filter(|k| k.len() >= 8) {
        text = text.replace(key, "[redacted]");
    }
    const MAX: usize = 300;
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.25 "), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn excerpts_are_short_and_never_hold_the_key() {
        let body = format!("bad key  sk-secret-123456\n{}", "x".repeat(400));
        let shown = excerpt(&body, Some("sk-secret-123456"));
        assert!(shown.starts_with("bad key [redacted] x"));
        assert!(!shown.contains("sk-secret"));
        assert_eq!(shown.chars().count(), 301);
    }
}
