//! [`LlamaEmbedder`]: mean-pooled hidden states of a GGUF model, for the semantic layer of the crisis screen.
//!
//! Each piece is evaluated on its own, from an empty cache: batching several pieces as sequences of one
//! `llama_decode` changed their vectors (measured: the pooled vectors of a 16-piece batch differed from the same
//! pieces alone), and the screen's weights were trained on pieces alone. The model is loaded on first use and
//! kept; calls are serialised by a mutex (the screen calls it once per answer).

use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::Mutex;

use soundmind_engine::{CancelToken, Embedder, EngineError};

use super::model::{Context, Model, path_to_cstring, tokenize};
use crate::model_file;
use crate::sys::llama as ffi;

/// The longest piece, in tokens: longer ones are cut (the screen sends sentence-sized pieces). Also the context.
const MAX_PIECE_TOKENS: u32 = 512;

/// llama.cpp as an [`Embedder`]: mean pooling over each piece's tokens (with the model's BOS token, as the
/// screen's weights were trained).
pub struct LlamaEmbedder {
    path: PathBuf,
    threads: usize,
    loaded: Mutex<Option<Loaded>>,
}

impl std::fmt::Debug for LlamaEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlamaEmbedder")
            .field("path", &self.path)
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

struct Loaded {
    // Field order is drop order: the context goes before the model.
    ctx: Context,
    _model: Model,
    vocab: *const ffi::llama_vocab,
    width: usize,
}

// SAFETY: the model and context are used by one thread at a time (the mutex); llama.cpp objects are not tied to
// the thread that created them.
unsafe impl Send for Loaded {}

impl LlamaEmbedder {
    /// An embedder for the GGUF file at `path`, on `threads` threads. Nothing is loaded until the first call.
    pub fn new(path: impl Into<PathBuf>, threads: usize) -> Self {
        Self {
            path: path.into(),
            threads: threads.max(1),
            loaded: Mutex::new(None),
        }
    }

    fn load(&self) -> Result<Loaded, EngineError> {
        model_file::check_gguf_file(&self.path)?;
        super::backend_init();
        let c_path = path_to_cstring(&self.path)?;
        // SAFETY: returns a plain struct by value; `c_path` is valid for the call. Null means failure.
        let model = unsafe {
            let mut params = ffi::llama_model_default_params();
            params.n_gpu_layers = 0;
            NonNull::new(ffi::llama_model_load_from_file(c_path.as_ptr(), params))
        }
        .map(Model)
        .ok_or_else(|| EngineError::InvalidModel {
            path: self.path.clone(),
            reason: "llama.cpp could not load it as an embedding model".into(),
        })?;
        // SAFETY: returns a plain struct by value.
        let mut params = unsafe { ffi::llama_context_default_params() };
        params.n_ctx = MAX_PIECE_TOKENS;
        params.n_batch = MAX_PIECE_TOKENS;
        // Pooling needs every token of a piece in one micro-batch.
        params.n_ubatch = MAX_PIECE_TOKENS;
        params.n_threads = self.threads as i32;
        params.n_threads_batch = self.threads as i32;
        params.embeddings = true;
        params.pooling_type = ffi::LLAMA_POOLING_TYPE_MEAN;
        params.no_perf = true;
        // SAFETY: the model is live; null means failure.
        let ctx = NonNull::new(unsafe { ffi::llama_init_from_model(model.0.as_ptr(), params) })
            .map(Context)
            .ok_or_else(|| EngineError::Internal("llama.cpp could not create an embedding context".into()))?;
        // SAFETY: the model is live; the vocabulary lives as long as it.
        let (vocab, width) = unsafe {
            (
                ffi::llama_model_get_vocab(model.0.as_ptr()),
                ffi::llama_model_n_embd(model.0.as_ptr()),
            )
        };
        Ok(Loaded {
            ctx,
            _model: model,
            vocab,
            width: usize::try_from(width).unwrap_or(0),
        })
    }
}

impl Embedder for LlamaEmbedder {
    fn model(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn embed(&self, texts: &[&str], cancel: &CancelToken) -> Result<Vec<Vec<f32>>, EngineError> {
        let mut guard = self
            .loaded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.is_none() {
            *guard = Some(self.load()?);
        }
        let loaded = guard.as_mut().expect("loaded above");
        texts
            .iter()
            .map(|text| {
                if cancel.is_cancelled() {
                    return Err(EngineError::Cancelled);
                }
                let mut tokens = tokenize(loaded.vocab, text, false)?;
                tokens.truncate(MAX_PIECE_TOKENS as usize);
                loaded.pooled(&mut tokens)
            })
            .collect()
    }
}

impl Loaded {
    /// Evaluates one piece from an empty cache and returns its mean-pooled vector (zeros for no tokens).
    fn pooled(&mut self, tokens: &mut [ffi::llama_token]) -> Result<Vec<f32>, EngineError> {
        if tokens.is_empty() {
            return Ok(vec![0.0; self.width]);
        }
        let ctx = self.ctx.0.as_ptr();
        // SAFETY: the context is live; the batch borrows `tokens` for the call only (at most the context's size);
        // the pooled vector is `width` floats owned by the context and copied before the next call.
        unsafe {
            ffi::llama_memory_clear(ffi::llama_get_memory(ctx), true);
            let batch = ffi::llama_batch_get_one(tokens.as_mut_ptr(), tokens.len() as i32);
            let status = ffi::llama_decode(ctx, batch);
            if status != 0 {
                return Err(EngineError::Internal(format!(
                    "llama_decode failed ({status}) while embedding"
                )));
            }
            let pooled = ffi::llama_get_embeddings_seq(ctx, 0);
            if pooled.is_null() {
                return Err(EngineError::Internal(
                    "llama.cpp returned no pooled embedding".into(),
                ));
            }
            Ok(std::slice::from_raw_parts(pooled, self.width).to_vec())
        }
    }
}
