//! whisper.cpp and llama.cpp in-process, on ONE shared ggml.
//!
//! This crate owns the native inference engines: [`WhisperTranscriber`] implements
//! [`soundmind_engine::Transcriber`] with whisper.cpp, and [`LlamaChat`] implements
//! [`soundmind_engine::ChatModel`] with llama.cpp. It imports only `soundmind-engine` from the workspace, and it is the only
//! crate with a native build and with `unsafe` code.
//!
//! # Design decision: one ggml, built by llama-cpp-sys-2
//!
//! whisper.cpp and llama.cpp each bundle ggml. Linking `whisper-rs-sys` and `llama-cpp-sys-2` as they come puts
//! two *different* ggml versions into one program, which fails with duplicate symbols (and hiding that with
//! `--allow-multiple-definition` would call one version's functions with the other's structs). So:
//!
//! - `llama-cpp-sys-2` builds llama.cpp and ggml (portable, `GGML_NATIVE=OFF`) and publishes ggml's CMake package
//!   as `DEP_LLAMA_GGML_CMAKE_DIR`, which Cargo passes to our build script because it is a direct dependency.
//! - `build.rs` compiles only whisper.cpp 1.8.3 (the source shipped inside `whisper-rs-sys` 0.15.0, which Cargo
//!   downloads and checksums but never builds: it is declared for the impossible target `cfg(any())`) with
//!   `WHISPER_USE_SYSTEM_GGML=ON` against that package, and links `libwhisper.a` alone.
//! - `tests/one_ggml.rs` checks the linked test binary: every core ggml symbol is defined exactly once.
//!
//! The cost: we own a ~150-line build script and must bump `whisper-rs-sys` and `llama-cpp-sys-2` together (a
//! whisper.cpp release must compile against the ggml llama.cpp ships), and `cargo metadata` runs once inside the
//! build to find the whisper.cpp source. See `README.md` for the alternatives and why they were rejected.
//!
//! # Threads
//!
//! Each model is owned by one dedicated std thread (never an async worker). Callers send a request over a
//! channel and wait on a reply channel; progress and segments come back over that channel and are handed to the
//! caller's callback on the caller's own thread. A panic in the engine is caught on the engine thread and turned
//! into [`EngineError::Internal`](soundmind_engine::EngineError::Internal); the model is dropped and reloaded.
//!
//! # Logs
//!
//! whisper.cpp, llama.cpp and ggml print to stderr by default. [`quiet_native_logs`] (called before any model
//! loads) routes them to a callback that drops them, unless `SOUNDMIND_ENGINE_LOG=1` is set.

mod log;
mod model_file;
mod sys;
mod worker;

pub mod llama;
pub mod whisper;

pub use llama::{LlamaChat, LlamaConfig, LlamaEmbedder, ModelInfo};
pub use log::quiet_native_logs;
pub use whisper::{WhisperConfig, WhisperTranscriber, system_info};
