//! soundmind-remote against real HTTP servers on 127.0.0.1 (no mocked traits):
//!
//! - `openai_stt`: the OpenAI-compatible transcriber — the multipart upload the server really receives (a valid
//!   16 kHz WAV, `model`, `language`, `prompt`), status mapping, retries (429 with `Retry-After`, 5xx, dropped
//!   connections), permanent errors that are not retried (401, HTML), timeouts and cancellation.
//! - `openai_chat`, `ollama_chat`, `anthropic_chat`: the three chat engines against `FakeChat` speaking each real wire
//!   format — deltas in order, the request body the server received, usage and finish reasons, retries before the
//!   first delta and `Interrupted` (never retried) after it, HTML and in-stream errors, keys, cancellation, probes
//!   and privacy mode.
//! - `privacy`: the guard in the one HTTP client — loopback and `localhost` allowed, every other host refused before
//!   any network I/O, redirects checked on every hop.

#[path = "remote/anthropic_chat.rs"]
mod anthropic_chat;
#[path = "remote/ollama_chat.rs"]
mod ollama_chat;
#[path = "remote/openai_chat.rs"]
mod openai_chat;
#[path = "remote/openai_stt.rs"]
mod openai_stt;
#[path = "remote/privacy.rs"]
mod privacy;

mod util {
    use std::time::Duration;

    use soundmind_engine::{
        CancelToken, ChatMessage, ChatModel, ChatRequest, ChatResult, EngineError, Role, Sampling,
    };
    use soundmind_remote::{
        AnthropicChat, AnthropicConfig, Http, HttpPolicy, OllamaChat, OllamaConfig, OpenAiChat,
        OpenAiChatConfig, OpenAiSttConfig, OpenAiTranscriber, RetryPolicy,
    };

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

    /// The key the chat engines are configured with.
    pub(crate) const KEY: &str = "sk-test-secret-key";

    pub(crate) fn openai_chat(base_url: &str, http: Http, attempts: u32) -> OpenAiChat {
        OpenAiChat::new(
            OpenAiChatConfig {
                base_url: base_url.to_string(),
                model: "gpt-4o-mini".into(),
                api_key: Some(KEY.into()),
                retry: fast_retry(attempts),
            },
            http,
        )
    }

    pub(crate) fn ollama_chat(base_url: &str, http: Http, attempts: u32) -> OllamaChat {
        OllamaChat::new(
            OllamaConfig {
                base_url: base_url.to_string(),
                retry: fast_retry(attempts),
                ..OllamaConfig::new("qwen2.5:7b-instruct")
            },
            http,
        )
    }

    pub(crate) fn anthropic_chat(base_url: &str, http: Http, attempts: u32, thinking: bool) -> AnthropicChat {
        AnthropicChat::new(
            AnthropicConfig {
                base_url: base_url.to_string(),
                thinking,
                retry: fast_retry(attempts),
                ..AnthropicConfig::new("claude-sonnet-4-20250514", Some(KEY.into()))
            },
            http,
        )
    }

    /// A journal turn: instructions and a past summary (stable), then today's words.
    pub(crate) fn journal_request() -> ChatRequest {
        ChatRequest {
            messages: vec![
                ChatMessage::stable(
                    Role::System,
                    "You are a calm journaling companion. Ask one short question.",
                ),
                ChatMessage::stable(Role::User, "Earlier sessions: walks by the Donaukanal help."),
                ChatMessage::new(
                    Role::User,
                    "Today I felt tired after work, but the walk home was nice.",
                ),
            ],
            sampling: Sampling {
                temperature: 0.7,
                max_tokens: 200,
                stop: vec!["\n\n".into()],
                top_p: Some(0.9),
                seed: Some(42),
            },
            thinking_budget: None,
        }
    }

    /// The fake server's prompt count for `request`: all message characters / 4.
    pub(crate) fn prompt_tokens(request: &ChatRequest) -> u32 {
        let chars: usize = request.messages.iter().map(|m| m.content.chars().count()).sum();
        (chars / 4) as u32
    }

    /// One chat call; returns the result and every delta `on_delta` received.
    pub(crate) fn chat(
        model: &dyn ChatModel,
        request: &ChatRequest,
    ) -> (Result<ChatResult, EngineError>, Vec<String>) {
        let mut deltas = Vec::new();
        let result = model.chat(request, &mut |d| deltas.push(d.to_string()), &CancelToken::new());
        (result, deltas)
    }

    /// One chat call that cancels itself as soon as the first delta arrives.
    pub(crate) fn chat_cancelled_after_first_delta(
        model: &dyn ChatModel,
        request: &ChatRequest,
    ) -> (Result<ChatResult, EngineError>, Vec<String>) {
        let cancel = CancelToken::new();
        let mut deltas = Vec::new();
        let result = model.chat(
            request,
            &mut |d| {
                deltas.push(d.to_string());
                cancel.cancel();
            },
            &cancel,
        );
        (result, deltas)
    }

    /// Long deltas, so a cancelled stream visibly stops early.
    pub(crate) fn many_deltas() -> Vec<String> {
        (0..20).map(|i| format!("word{i} ")).collect()
    }

    /// A loopback port nothing listens on (bound, then released).
    pub(crate) fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    }
}
