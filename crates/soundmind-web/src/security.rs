//! Who may talk to the server, after Jupyter's model: a one-time token in the opening URL becomes an HttpOnly,
//! SameSite=Strict cookie; the `Host` header must name our loopback port (DNS rebinding); every state change
//! needs a same-origin `Origin` and the launch's CSRF token; every response carries a strict CSP.
//!
//! HSJ's server had none of this, so any web page could post to it and overwrite the user's API keys.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};

use crate::{AppState, WebError};

/// The cookie that proves the browser was opened with this launch's token.
const COOKIE: &str = "soundmind_access";
/// Where a page puts the CSRF token for scripts; forms send it as the `csrf` field.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";
/// The largest form body read to find its CSRF field (settings forms are a few hundred bytes).
const FORM_LIMIT: usize = 64 * 1024;

/// The secrets of one launch. None of them is ever written to disk or logged.
#[derive(Clone)]
pub struct Access {
    port: u16,
    /// Exchanged once for the cookie.
    token: String,
    /// The cookie's value (not the token: a token seen in a shell history cannot be replayed as a cookie).
    cookie: String,
    /// Sent back with every state change.
    csrf: String,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Access {
    /// Fresh secrets for a server on `port`.
    pub fn new(port: u16) -> Result<Self, WebError> {
        Ok(Self {
            port,
            token: random_hex()?,
            cookie: random_hex()?,
            csrf: random_hex()?,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/?token=…`: what the person opens.
    pub fn opening_url(&self) -> String {
        format!("http://127.0.0.1:{}/?token={}", self.port, self.token)
    }

    /// The CSRF token pages embed.
    pub(crate) fn csrf(&self) -> &str {
        &self.csrf
    }

    fn host_allowed(&self, host: Option<&str>) -> bool {
        let port = self.port.to_string();
        host.and_then(|h| h.rsplit_once(':'))
            .is_some_and(|(name, p)| p == port && matches!(name, "127.0.0.1" | "localhost"))
    }

    fn origin_allowed(&self, origin: Option<&str>) -> bool {
        origin
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|host| self.host_allowed(Some(host)))
    }

    fn has_cookie(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(name, value)| name == COOKIE && same(value, &self.cookie))
    }
}

/// Compares secrets without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_hex() -> Result<String, WebError> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Wraps `routes` in the checks.
pub(crate) fn protect(routes: axum::Router<AppState>, state: AppState) -> axum::Router<AppState> {
    routes.layer(middleware::from_fn_with_state(state, guard))
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{why}\n"),
    )
        .into_response()
}

async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = check(&state, request, next).await;
    add_headers(response.headers_mut(), state.access().port);
    response
}

async fn check(state: &AppState, request: Request, next: Next) -> Response {
    let access = state.access();
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !access.host_allowed(host) {
        return refuse(
            StatusCode::FORBIDDEN,
            "This server only answers requests for 127.0.0.1 or localhost on its own port.",
        );
    }

    if let Some(token) = query_value(request.uri().query(), "token") {
        if request.method() != Method::GET || !same(&token, &access.token) {
            return refuse(
                StatusCode::FORBIDDEN,
                "This link is not valid for the running Soundmind.",
            );
        }
        // The token becomes the cookie, and the address bar loses the token.
        let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", access.cookie);
        let mut response = Redirect::to(request.uri().path()).into_response();
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        return response;
    }
    if !access.has_cookie(headers) {
        return refuse(
            StatusCode::FORBIDDEN,
            "Open Soundmind with the address `soundmind web` printed; it carries a one-time key.",
        );
    }

    let upgrade = headers.contains_key(header::UPGRADE);
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state || upgrade {
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        if !access.origin_allowed(origin) {
            return refuse(StatusCode::FORBIDDEN, "Cross-site requests are refused.");
        }
    }
    if !changes_state {
        return next.run(request).await;
    }
    let header_token = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if header_token.is_some_and(|t| same(t, access.csrf())) {
        return next.run(request).await;
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if header_token.is_some() || !is_form {
        return refuse(StatusCode::FORBIDDEN, "Missing or invalid CSRF token.");
    }
    // A plain form: its `csrf` field decides. The body is small and read once, then handed on.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.");
    };
    let field = form_urlencoded_value(&bytes, "csrf");
    if !field.is_some_and(|t| same(&t, access.csrf())) {
        return refuse(StatusCode::FORBIDDEN, "Missing or invalid CSRF token.");
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded_value(query?.as_bytes(), name)
}

fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body).find_map(|(k, v)| (k == name).then(|| v.into_owned()))
}

/// HSJ's strict policy, with our own port for the WebSocket.
fn add_headers(headers: &mut HeaderMap, port: u16) {
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; \
         connect-src 'self' ws://127.0.0.1:{port} ws://localhost:{port}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    let fixed = [
        (
            "permissions-policy",
            "microphone=(self), camera=(), geolocation=(), usb=()",
        ),
        ("x-content-type-options", "nosniff"),
        // Not `no-referrer`: under it Chromium sends `Origin: null` with our own form posts, which the
        // Origin check must refuse. `same-origin` still tells other sites nothing.
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    ];
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// A path parameter that names one file or session: no separators, no `..`, no control characters.
pub(crate) fn safe_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name != "."
        && !name.contains("..")
        && !name
            .chars()
            .any(|c| matches!(c, '/' | '\\' | ':') || c.is_control());
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access() -> Access {
        Access::new(4321).unwrap()
    }

    #[test]
    fn only_our_loopback_host_and_port_are_accepted() {
        let a = access();
        assert!(a.host_allowed(Some("127.0.0.1:4321")));
        assert!(a.host_allowed(Some("localhost:4321")));
        for bad in [
            "evil.example:4321",
            "127.0.0.1:80",
            "127.0.0.1",
            "localhost.evil:4321",
            "",
        ] {
            assert!(!a.host_allowed(Some(bad)), "{bad}");
        }
        assert!(!a.host_allowed(None));
        assert!(a.origin_allowed(Some("http://localhost:4321")));
        assert!(!a.origin_allowed(Some("http://127.0.0.1:9999")));
        assert!(!a.origin_allowed(Some("null")));
        assert!(!a.origin_allowed(None));
    }

    #[test]
    fn secrets_are_distinct_and_long() {
        let a = access();
        assert_eq!(a.token.len(), 48);
        assert_ne!(a.token, a.cookie);
        assert_ne!(a.cookie, a.csrf);
        assert_ne!(a.token, access().token);
    }

    #[test]
    fn names_with_separators_or_dots_are_refused() {
        for bad in ["", "..", "../x", "a/b", "a\\b", "c:", "a\0b", "x..y"] {
            assert!(safe_name(bad).is_none(), "{bad:?}");
        }
        assert_eq!(safe_name("250101_0900"), Some("250101_0900"));
    }

    #[test]
    fn form_fields_are_percent_decoded() {
        assert_eq!(
            form_urlencoded_value(b"a=1&csrf=x%2By", "csrf").as_deref(),
            Some("x+y")
        );
        assert_eq!(form_urlencoded_value(b"a=1", "csrf"), None);
    }
}
