//! soundmind-local's integration tests, one binary (linking whisper.cpp + llama.cpp once is slow):
//!
//! - `one_ggml`: the linked test binary holds exactly one ggml, and both engines.
//! - `whisper`: [`WhisperTranscriber`](soundmind_local::WhisperTranscriber) on real speech, silence, bad and
//!   missing models, cancellation, panics, idle unloading.
//! - `llama`: [`LlamaChat`](soundmind_local::LlamaChat) on a real model: streaming, KV reuse, context trimming,
//!   stop strings, cancellation, idle unloading, bad model files.
//! - `semantic`: [`LlamaEmbedder`](soundmind_local::LlamaEmbedder) and the crisis screen's semantic layer on the
//!   blind corpus (prints its table).
//!
//! Real models come from `./scripts/test-models` (in `~/.cache/soundmind/test-models`, or `$SOUNDMIND_TEST_MODELS`);
//! a missing model fails the test, it never skips.

mod llama;
mod one_ggml;
mod semantic;
mod util;
mod whisper;
