//! Soundmind's remote engines and the one HTTP client they share.
//!
//! This crate owns every byte Soundmind sends over the network: [`Http`] (the only HTTP client, with the guard that
//! keeps journal content on loopback in privacy mode and everything on loopback in offline mode), [`with_retry`] (the only retry layer), the
//! status-to-error mapping every engine uses ([`check_status`]), and the HTTP engines themselves: speech-to-text
//! ([`OpenAiTranscriber`]) and the chat models [`OpenAiChat`] (any OpenAI-compatible server), [`OllamaChat`] and
//! [`AnthropicChat`] (cloud TTS belongs here too). `soundmind-models` borrows [`Http`] for downloads, so the guard
//! has one door.
//!
//! The chat engines share one way of streaming (`chat_stream`): the body is read line by line as it arrives
//! (server-sent events for OpenAI and Anthropic, JSON lines for Ollama), each text delta goes to the caller at
//! once, and a failure is retried by [`with_retry`] only while no text has been shown; after that it is
//! [`soundmind_engine::EngineError::Interrupted`], so the caller never sees text twice.
//!
//! It must not import anything from the workspace but `soundmind-engine`: no store, no app, no local engines, and
//! no async runtime in its API (engines are blocking, see `soundmind-engine`).
//!
//! Design decision: the client is `reqwest::blocking` over rustls, built once and cloned. The engine traits are
//! blocking, so a blocking client keeps each engine a straight-line function with no runtime to thread through.
//! The cost: reqwest's blocking client runs a private single-threaded tokio runtime on a background thread (about
//! 2 MB of stack and one idle thread for the life of the client), and an in-flight request cannot be cancelled —
//! [`soundmind_engine::CancelToken`] is honoured between attempts and between chunks, and the timeouts of
//! [`HttpPolicy`] bound the rest.
#![warn(missing_docs)]

mod anthropic;
mod chat_stream;
mod http;
mod ollama;
mod openai_chat;
mod openai_stt;
mod retry;
mod status;
mod wav;

pub use anthropic::{
    API_KEY_ENV as ANTHROPIC_API_KEY_ENV, API_VERSION as ANTHROPIC_API_VERSION, AnthropicChat,
    AnthropicConfig, DEFAULT_THINKING_BUDGET, DEFAULT_URL as ANTHROPIC_DEFAULT_URL, MIN_THINKING_BUDGET,
    SERVICE as ANTHROPIC_SERVICE,
};
pub use http::{
    Http, HttpPolicy, HttpRequest, HttpResponse, MAX_REDIRECTS, Purpose, is_loopback_url, multipart,
};
pub use ollama::{
    DEFAULT_NUM_CTX as OLLAMA_DEFAULT_NUM_CTX, DEFAULT_URL as OLLAMA_DEFAULT_URL, OllamaChat, OllamaConfig,
    SERVICE as OLLAMA_SERVICE,
};
pub use openai_chat::{OPENAI_BASE_URL, OpenAiChat, OpenAiChatConfig, SERVICE as OPENAI_CHAT_SERVICE};
pub use openai_stt::{API_KEY_ENV, OpenAiSttConfig, OpenAiTranscriber, SERVICE as OPENAI_STT_SERVICE};
pub use retry::{RetryPolicy, with_retry};
pub use status::{Service, check_status, excerpt, parse_retry_after};
pub use wav::wav_pcm16_mono;

/// URLs as the guard sees them.
pub use reqwest::Url;
