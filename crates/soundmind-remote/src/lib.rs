//! Soundmind's remote engines and the one HTTP client they share.
//!
//! This crate owns every byte Soundmind sends over the network: [`Http`] (the only HTTP client, with the privacy
//! guard that allows nothing but loopback when privacy mode is on), [`with_retry`] (the only retry layer), the
//! status-to-error mapping every engine uses ([`check_status`]), and the HTTP engines themselves
//! ([`OpenAiTranscriber`] today; OpenAI-compatible chat, Anthropic, Ollama and cloud TTS belong here too).
//! `soundmind-models` borrows [`Http`] for downloads, so the guard has one door.
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

mod http;
mod openai_stt;
mod retry;
mod status;
mod wav;

pub use http::{Http, HttpPolicy, HttpRequest, HttpResponse, MAX_REDIRECTS, is_loopback_url, multipart};
pub use openai_stt::{API_KEY_ENV, OpenAiSttConfig, OpenAiTranscriber, SERVICE as OPENAI_STT_SERVICE};
pub use retry::{RetryPolicy, with_retry};
pub use status::{Service, check_status, excerpt, parse_retry_after};
pub use wav::wav_pcm16_mono;

/// URLs as the guard sees them.
pub use reqwest::Url;
