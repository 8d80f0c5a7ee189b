//! soundmind-remote against real HTTP servers on 127.0.0.1 (no mocked traits):
//!
//! - `openai_stt`: the OpenAI-compatible transcriber — the multipart upload the server really receives (a valid
//!   16 kHz WAV, `model`, `language`, `prompt`), status mapping, retries (429 with `Retry-After`, 5xx, dropped
//!   connections), permanent errors that are not retried (401, HTML), timeouts and cancellation.
//! - `privacy`: the guard in the one HTTP client — loopback and `localhost` allowed, every other host refused before
//!   any network I/O, redirects checked on every hop.

#[path = "remote/openai_stt.rs"]
mod openai_stt;
#[path = "remote/privacy.rs"]
mod privacy;

mod util {
    use std::time::Duration;

    use soundmind_remote::{Http, HttpPolicy, OpenAiSttConfig, OpenAiTranscriber, RetryPolicy};

    /// A client with short timeouts, for tests.
    pub(crate) fn http(privacy: bool) -> Http {
        Http::new(HttpPolicy {
            privacy,
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(5),
            ..HttpPolicy::default()
        })
        .expect("http client")
    }

    /// Millisecond backoff, so retry tests stay fast.
    pub(crate) fn fast_retry(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            base: Duration::from_millis(5),
            max_jitter_fraction: 0.3,
            max_retry_after: Duration::from_secs(5),
        }
    }

    pub(crate) fn transcriber(base_url: &str, http: Http, attempts: u32) -> OpenAiTranscriber {
        OpenAiTranscriber::new(
            OpenAiSttConfig {
                base_url: base_url.to_string(),
                model: "gpt-4o-transcribe".into(),
                api_key: Some("sk-test-secret-key".into()),
                retry: fast_retry(attempts),
            },
            http,
        )
    }

    /// One second of a 440 Hz tone at half scale.
    pub(crate) fn tone() -> Vec<f32> {
        (0..16_000)
            .map(|i| 0.5 * (i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin())
            .collect()
    }
}
