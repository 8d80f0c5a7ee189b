//! The small traits every engine implements ([`Transcriber`], [`ChatModel`], [`Embedder`]), and the plain data they
//! pass.
//!
//! Consumers (the application layer) know only these traits; each implementation lives in its own crate
//! (`soundmind-local` for whisper.cpp and llama.cpp, `soundmind-remote` for HTTP engines). This crate must stay
//! tiny: no async runtime, no HTTP client, no native code, so every crate can depend on it cheaply.
//!
//! Design decision: the traits are *blocking* and report progress through callbacks. Local inference is
//! CPU-bound and runs on a thread that owns the model; remote engines block on their HTTP client. The app runs
//! each engine call on a worker thread and forwards the callbacks to async front ends over channels. The cost
//! is one thread per in-flight call; the gain is one simple contract that local and remote engines share.
#![warn(missing_docs)]

mod cancel;
pub mod chat;
mod embed;
mod error;
pub mod spec;
pub mod stt;

pub use cancel::CancelToken;
pub use chat::{ChatMessage, ChatModel, ChatRequest, ChatResult, Role, Sampling, fit_to_context};
pub use embed::Embedder;
pub use error::EngineError;
pub use spec::{ModelSpec, Provider, SpecError};
pub use stt::{Preset, Segment, SttEvent, SttOptions, Transcriber, Transcript};

/// The sample rate every engine takes: 16 kHz mono `f32` in `[-1, 1]`.
pub const SAMPLE_RATE: u32 = 16_000;
