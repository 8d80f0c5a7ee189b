//! Speech-to-text over any OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI, Groq, local servers).

use std::fmt;

use soundmind_engine::{
    CancelToken, EngineError, SAMPLE_RATE, Segment, SttEvent, SttOptions, Transcriber, Transcript,
};

use crate::http::multipart::{Form, Part};
use crate::status::{Service, check_status, excerpt};
use crate::{Http, RetryPolicy, wav_pcm16_mono, with_retry};

/// The service name in errors.
pub const SERVICE: &str = "OpenAI-compatible STT";
/// The environment variable that holds the key.
pub const API_KEY_ENV: &str = "OPENAI_API_KEY";

/// Where and how to transcribe.
#[derive(Clone, PartialEq)]
pub struct OpenAiSttConfig {
    /// The API root, up to and including the version: `https://api.openai.com/v1`,
    /// `https://api.groq.com/openai/v1`, `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    /// The model id (`gpt-4o-transcribe`, `whisper-1`, `whisper-large-v3-turbo`).
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set (local servers usually need none).
    pub api_key: Option<String>,
    /// Retries for rate limits, 5xx and dropped connections.
    pub retry: RetryPolicy,
}

impl OpenAiSttConfig {
    /// OpenAI's own endpoint with `model` and `api_key`.
    pub fn openai(model: impl Into<String>, api_key: Option<String>) -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            model: model.into(),
            api_key,
            retry: RetryPolicy::default(),
        }
    }

    /// The transcription endpoint.
    pub fn endpoint(&self) -> String {
        format!("{}/audio/transcriptions", self.base_url.trim_end_matches('/'))
    }
}

/// Hand-written so the key never reaches a log.
impl fmt::Debug for OpenAiSttConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiSttConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("retry", &self.retry)
            .finish()
    }
}

/// A [`Transcriber`] that uploads each clip as a 16 kHz 16-bit WAV.
#[derive(Debug, Clone)]
pub struct OpenAiTranscriber {
    config: OpenAiSttConfig,
    http: Http,
}

impl OpenAiTranscriber {
    /// A transcriber that sends its requests through `http` (and so through its privacy guard).
    pub fn new(config: OpenAiSttConfig, http: Http) -> Self {
        Self { config, http }
    }

    /// The configuration.
    pub fn config(&self) -> &OpenAiSttConfig {
        &self.config
    }

    fn service(&self) -> Service<'_> {
        Service {
            name: SERVICE,
            env_var: API_KEY_ENV,
            api_key: self.config.api_key.as_deref(),
        }
    }

    fn form(&self, wav: &[u8], options: &SttOptions) -> Result<Form, EngineError> {
        let file = Part::bytes(wav.to_vec())
            .file_name("audio.wav")
            .mime_str("audio/wav")
            .map_err(|e| EngineError::Internal(format!("multipart: {e}")))?;
        let mut form = Form::new()
            .part("file", file)
            .text("model", self.config.model.clone())
            .text("response_format", "json");
        if let Some(language) = options
            .language
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            form = form.text("language", language.to_string());
        }
        if let Some(prompt) = options.vocabulary_prompt() {
            form = form.text("prompt", prompt);
        }
        Ok(form)
    }

    fn attempt(&self, wav: &[u8], options: &SttOptions) -> Result<Transcript, EngineError> {
        let mut request = self
            .http
            .post(&self.config.endpoint())
            .multipart(self.form(wav, options)?);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = check_status(request.send()?, &self.service())?;
        let content_type = response.header("content-type").unwrap_or("").to_string();
        let body = response.text()?;
        parse_transcript(&body, &content_type, options, self.config.api_key.as_deref())
    }
}

impl Transcriber for OpenAiTranscriber {
    fn name(&self) -> &str {
        "openai"
    }

    fn model(&self) -> String {
        self.config.model.clone()
    }

    fn transcribe(
        &self,
        audio: &[f32],
        options: &SttOptions,
        on_event: &mut dyn FnMut(SttEvent),
        cancel: &CancelToken,
    ) -> Result<Transcript, EngineError> {
        if audio.is_empty() {
            return Err(EngineError::BadAudio("no samples to transcribe".into()));
        }
        let wav = wav_pcm16_mono(audio, SAMPLE_RATE);
        let transcript = with_retry(&self.config.retry, cancel, |_attempt| self.attempt(&wav, options))?;
        for segment in &transcript.segments {
            on_event(SttEvent::Segment(segment.clone()));
        }
        on_event(SttEvent::Progress(1.0));
        Ok(transcript)
    }
}

/// Reads `{"text": …}` (plus `segments` and `language` when the server sends verbose fields). Anything that is not
/// a JSON object with a string `text` is a [`EngineError::BadResponse`] naming what arrived instead.
fn parse_transcript(
    body: &str,
    content_type: &str,
    options: &SttOptions,
    api_key: Option<&str>,
) -> Result<Transcript, EngineError> {
    let bad = |reason: String| EngineError::BadResponse {
        service: SERVICE.to_string(),
        reason,
    };
    let raw: serde_json::Value = serde_json::from_str(body).map_err(|e| {
        let kind = if content_type.is_empty() {
            "no content type"
        } else {
            content_type
        };
        bad(format!(
            "expected JSON, got {kind} ({e}): {}",
            excerpt(body, api_key)
        ))
    })?;
    let text = raw
        .get("text")
        .and_then(|t| t.as_str())
        .ok_or_else(|| {
            bad(format!(
                "no \"text\" string in the answer: {}",
                excerpt(body, api_key)
            ))
        })?
        .trim()
        .to_string();
    let segments = raw
        .get("segments")
        .and_then(|s| s.as_array())
        .map(|items| items.iter().filter_map(segment_from_json).collect())
        .unwrap_or_default();
    let language = raw
        .get("language")
        .and_then(|l| l.as_str())
        .map(str::to_string)
        .or_else(|| options.language.clone());
    Ok(Transcript {
        text,
        segments,
        language,
        raw,
    })
}

/// A verbose-JSON segment: `{"start": seconds, "end": seconds, "text": …}`.
fn segment_from_json(value: &serde_json::Value) -> Option<Segment> {
    let seconds = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_f64())
            .filter(|s| s.is_finite() && *s >= 0.0)
    };
    let start = seconds("start")?;
    let end = seconds("end")?;
    Some(Segment {
        start_ms: (start * 1000.0).round() as u64,
        end_ms: (end * 1000.0).round() as u64,
        text: value.get("text")?.as_str()?.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let config = OpenAiSttConfig::openai("whisper-1", Some("sk-very-secret".into()));
        let shown = format!("{config:?}");
        assert!(
            shown.contains("[redacted]") && !shown.contains("sk-very-secret"),
            "{shown}"
        );
        assert_eq!(
            config.endpoint(),
            "https://api.openai.com/v1/audio/transcriptions"
        );
    }

    #[test]
    fn parses_plain_and_verbose_answers() {
        let options = SttOptions {
            language: Some("en".into()),
            ..Default::default()
        };
        let plain = parse_transcript(
            r#"{"text":"  Hello there. ","usage":{"seconds":2}}"#,
            "",
            &options,
            None,
        )
        .unwrap();
        assert_eq!(plain.text, "Hello there.");
        assert_eq!(plain.language.as_deref(), Some("en"));
        assert_eq!(plain.raw["usage"]["seconds"], 2);

        let verbose = r#"{"text":"a b","language":"english","segments":[{"start":0.0,"end":1.5,"text":" a"},{"start":1.5,"end":2.25,"text":"b"}]}"#;
        let verbose = parse_transcript(verbose, "application/json", &options, None).unwrap();
        assert_eq!(verbose.language.as_deref(), Some("english"));
        assert_eq!(verbose.segments[1].start_ms, 1500);
        assert_eq!(verbose.segments[1].end_ms, 2250);
        assert_eq!(verbose.segments[0].text, "a");

        let html = parse_transcript("<html>oops</html>", "text/html", &options, None).unwrap_err();
        assert!(matches!(html, EngineError::BadResponse { .. }));
        assert!(html.to_string().contains("text/html"), "{html}");
        let no_text = parse_transcript(r#"{"error":"x"}"#, "application/json", &options, None).unwrap_err();
        assert!(matches!(no_text, EngineError::BadResponse { .. }));
    }
}
