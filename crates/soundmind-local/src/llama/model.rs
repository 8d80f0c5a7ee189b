//! A loaded llama.cpp model and context, and one chat turn on it: prompt evaluation that reuses the KV cache of
//! the previous turn, then sampling with streamed text. Lives and dies on the engine thread.

use std::ffi::{CString, c_char};
use std::path::Path;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use soundmind_engine::{CancelToken, ChatMessage, ChatRequest, ChatResult, EngineError, fit_to_context};

use super::memory::{self, ModelShape};
use super::stream::TextStream;
use super::template::ChatTemplate;
use super::{LlamaConfig, ModelInfo};
use crate::model_file;
use crate::sys::llama as ffi;

/// Tokens evaluated per `llama_decode` call while reading a prompt (also the context's batch size).
const BATCH: u32 = 512;
/// Repetition penalty over the last tokens, as HSJ used with llama.cpp (small models loop without it).
const REPEAT_PENALTY: f32 = 1.05;
const REPEAT_WINDOW: i32 = 64;
/// llama.cpp's `LLAMA_DEFAULT_SEED`: a different seed on every call.
const RANDOM_SEED: u32 = 0xFFFF_FFFF;

/// The model, its context and what the context's KV cache holds.
pub(super) struct LoadedModel {
    // Field order is drop order: the context goes before the model it was made from.
    ctx: Context,
    /// Owned here so it outlives the context and the vocabulary pointer.
    _model: Model,
    vocab: *const ffi::llama_vocab,
    template: ChatTemplate,
    /// The tokens whose keys and values are in the KV cache (sequence 0), in order.
    cached: Vec<ffi::llama_token>,
    n_ctx: u32,
    pub(super) info: ModelInfo,
}

impl LoadedModel {
    pub(super) fn load(config: &LlamaConfig) -> Result<Self, EngineError> {
        let started = Instant::now();
        let path = config.model_path.as_path();
        model_file::check_gguf_file(path)?;
        let file_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let shape = ModelShape::read(path)?;
        let needed = memory::bytes_needed(file_len, &shape, config.context_length);
        if let Some(available) = config.available_memory.or_else(memory::available_bytes)
            && needed > available
        {
            return Err(EngineError::InsufficientMemory {
                name: config.display_name(),
                needed,
                available,
            });
        }
        super::backend_init();
        let c_path = path_to_cstring(path)?;
        let load = |gpu_layers: i32| {
            // SAFETY: returns a plain struct by value.
            let mut params = unsafe { ffi::llama_model_default_params() };
            params.n_gpu_layers = gpu_layers;
            // SAFETY: `c_path` is a valid C string for the call; params by value. Null means failure.
            NonNull::new(unsafe { ffi::llama_model_load_from_file(c_path.as_ptr(), params) })
        };
        // GPU builds offload every layer and fall back to the CPU if that fails.
        let gpu_build = cfg!(any(feature = "cuda", feature = "metal", feature = "vulkan"));
        let raw = if gpu_build {
            load(config.gpu_layers.unwrap_or(999) as i32).or_else(|| load(0))
        } else {
            load(0)
        };
        let model = raw.map(Model).ok_or_else(|| EngineError::InvalidModel {
            path: path.to_path_buf(),
            reason:
                "llama.cpp could not load it; it may be truncated or of an unsupported architecture (set \
                     SOUNDMIND_ENGINE_LOG=1 to see why)"
                    .into(),
        })?;

        // SAFETY: the model is live.
        let n_ctx_train = unsafe { ffi::llama_model_n_ctx_train(model.0.as_ptr()) };
        let n_ctx = config
            .context_length
            .min(u32::try_from(n_ctx_train).unwrap_or(u32::MAX).max(256));
        let threads = config.effective_threads() as i32;
        // SAFETY: returns a plain struct by value.
        let mut params = unsafe { ffi::llama_context_default_params() };
        params.n_ctx = n_ctx;
        params.n_batch = BATCH;
        params.n_ubatch = BATCH;
        params.n_threads = threads;
        params.n_threads_batch = threads;
        params.no_perf = true;
        // SAFETY: the model is live; null means failure.
        let ctx = NonNull::new(unsafe { ffi::llama_init_from_model(model.0.as_ptr(), params) })
            .map(Context)
            .ok_or_else(|| EngineError::Internal("llama.cpp could not create a context".into()))?;
        // SAFETY: the model is live; the vocab and template live as long as it.
        let (vocab, template, params_count) = unsafe {
            (
                ffi::llama_model_get_vocab(model.0.as_ptr()),
                ChatTemplate::for_model(model.0.as_ptr()),
                ffi::llama_model_n_params(model.0.as_ptr()),
            )
        };
        let info = ModelInfo {
            name: config.display_name(),
            parameters: params_count,
            context_length: n_ctx,
            threads: threads as usize,
            template: template.describe(),
            load_time: started.elapsed(),
            memory_needed: needed,
        };
        Ok(Self {
            ctx,
            _model: model,
            vocab,
            template,
            cached: Vec::new(),
            n_ctx,
            info,
        })
    }

    /// One chat turn. `on_delta` gets text as it is sampled.
    pub(super) fn chat(
        &mut self,
        request: &ChatRequest,
        cancel: &CancelToken,
        on_delta: &mut dyn FnMut(&str),
    ) -> Result<ChatResult, EngineError> {
        let started = Instant::now();
        let max_tokens = request.sampling.max_tokens.max(1);
        // Room for the answer is reserved up front; the prompt gets the rest of the context.
        let budget = (self.n_ctx as usize).saturating_sub(max_tokens as usize);
        let mut needed = 0;
        let fitted = fit_to_context(&request.messages, |messages| {
            let prompt = self.template.render(messages)?;
            needed = self.tokenize(&prompt)?.len();
            Ok::<_, EngineError>(needed <= budget)
        })?;
        let Some(messages) = fitted else {
            return Err(EngineError::ContextTooLong {
                needed: needed + max_tokens as usize,
                limit: self.n_ctx as usize,
            });
        };
        let prompt = self.tokenize(&self.template.render(&messages)?)?;

        let reused = self.evaluate_prompt(&prompt, cancel)?;
        let prompt_eval = started.elapsed();
        let sampler = Sampler::new(request, self.n_vocab())?;
        let mut stream = TextStream::new(&request.sampling.stop);
        let mut first_token_at = None;
        let mut completion_tokens = 0u32;
        let mut finish = "length";
        let mut deliver = |text: &str, first: &mut Option<Duration>| {
            if !text.is_empty() {
                first.get_or_insert_with(|| started.elapsed());
                on_delta(text);
            }
        };
        while completion_tokens < max_tokens {
            if cancel.is_cancelled() {
                return Err(EngineError::Cancelled);
            }
            if self.cached.len() >= self.n_ctx as usize {
                break;
            }
            // SAFETY: sampler and context are live; -1 reads the logits of the last token decoded.
            let token = unsafe { ffi::llama_sampler_sample(sampler.0.as_ptr(), self.ctx.0.as_ptr(), -1) };
            completion_tokens += 1;
            // SAFETY: the vocab is live.
            if unsafe { ffi::llama_vocab_is_eog(self.vocab, token) } {
                finish = "stop";
                break;
            }
            deliver(stream.push(&self.piece(token)), &mut first_token_at);
            if stream.stopped() {
                finish = "stop";
                break;
            }
            self.decode(&[token])?;
        }
        deliver(stream.finish(), &mut first_token_at);
        Ok(ChatResult {
            text: stream.text().to_string(),
            prompt_tokens: (prompt.len() - reused) as u32,
            cached_prompt_tokens: reused as u32,
            completion_tokens,
            time_to_first_token: first_token_at,
            prompt_eval: Some(prompt_eval),
            total: started.elapsed(),
            finish_reason: Some(finish.to_string()),
        })
    }

    /// Evaluates the prompt of `messages` into the KV cache (no answer), so a request that starts the same way
    /// reuses it. A prompt that would not leave room for an answer is skipped.
    pub(super) fn warm(&mut self, messages: &[ChatMessage]) -> Result<(), EngineError> {
        let prompt = self.tokenize(&self.template.render(messages)?)?;
        if prompt.len() + 512 > self.n_ctx as usize {
            return Ok(());
        }
        self.evaluate_prompt(&prompt, &CancelToken::new()).map(|_| ())
    }

    /// Brings the KV cache to exactly `prompt`: keeps the longest prefix it already holds, drops the rest, and
    /// evaluates only the new tokens. Returns how many tokens were reused.
    fn evaluate_prompt(
        &mut self,
        prompt: &[ffi::llama_token],
        cancel: &CancelToken,
    ) -> Result<usize, EngineError> {
        let common = self.cached.iter().zip(prompt).take_while(|(a, b)| a == b).count();
        // At least the last prompt token is evaluated again: its logits start the answer.
        let mut keep = common.min(prompt.len().saturating_sub(1));
        // SAFETY: the context is live; its memory handle lives as long as it.
        let kept = unsafe {
            let memory = ffi::llama_get_memory(self.ctx.0.as_ptr());
            ffi::llama_memory_seq_rm(memory, 0, keep as i32, -1)
        };
        if !kept {
            // Some architectures (recurrent, sliding window) cannot cut their cache part-way: start again.
            // SAFETY: as above.
            unsafe { ffi::llama_memory_clear(ffi::llama_get_memory(self.ctx.0.as_ptr()), true) };
            keep = 0;
        }
        self.cached.truncate(keep);
        for chunk in prompt[keep..].chunks(BATCH as usize) {
            if cancel.is_cancelled() {
                return Err(EngineError::Cancelled);
            }
            self.decode(chunk)?;
        }
        Ok(keep)
    }

    /// Evaluates `tokens` after the cached ones, and records them as cached.
    fn decode(&mut self, tokens: &[ffi::llama_token]) -> Result<(), EngineError> {
        let mut owned = tokens.to_vec();
        // SAFETY: `owned` outlives the call (the batch only borrows it); the context is live. A batch from
        // llama_batch_get_one continues the sequence after the cached tokens and outputs the last token's logits.
        let rc = unsafe {
            let batch = ffi::llama_batch_get_one(owned.as_mut_ptr(), owned.len() as i32);
            ffi::llama_decode(self.ctx.0.as_ptr(), batch)
        };
        if rc != 0 {
            // The cache may now hold part of the batch: forget it all rather than trust it.
            // SAFETY: the context is live.
            unsafe { ffi::llama_memory_clear(ffi::llama_get_memory(self.ctx.0.as_ptr()), true) };
            self.cached.clear();
            return Err(EngineError::Internal(format!("llama_decode failed (code {rc})")));
        }
        self.cached.extend_from_slice(tokens);
        Ok(())
    }

    /// Tokens of a rendered prompt (special tokens such as `<|im_start|>` are parsed as such).
    pub(super) fn tokenize(&self, text: &str) -> Result<Vec<ffi::llama_token>, EngineError> {
        tokenize(self.vocab, text, true)
    }

    fn piece(&self, token: ffi::llama_token) -> Vec<u8> {
        piece(self.vocab, token)
    }

    /// The model's vocabulary size (used by benchmarks to make synthetic prompts).
    pub(super) fn n_vocab(&self) -> i32 {
        // SAFETY: the vocab is live.
        unsafe { ffi::llama_vocab_n_tokens(self.vocab) }
    }

    /// Forgets the KV cache (the next turn evaluates its whole prompt).
    pub(super) fn clear_cache(&mut self) {
        // SAFETY: the context is live.
        unsafe { ffi::llama_memory_clear(ffi::llama_get_memory(self.ctx.0.as_ptr()), true) };
        self.cached.clear();
    }
}

/// `parse_special`: read text such as `<|im_start|>` as the special token it names (prompts we render), or as
/// plain text (what a person said).
pub(super) fn tokenize(
    vocab: *const ffi::llama_vocab,
    text: &str,
    parse_special: bool,
) -> Result<Vec<ffi::llama_token>, EngineError> {
    let len = i32::try_from(text.len()).map_err(|_| EngineError::ContextTooLong {
        needed: text.len(),
        limit: i32::MAX as usize,
    })?;
    let mut tokens = vec![0 as ffi::llama_token; text.len() + 8];
    // SAFETY: `text` is valid for `len` bytes (it need not be NUL-terminated); `tokens` has room for its length.
    // BOS is added when the vocabulary asks for it.
    let n = unsafe {
        ffi::llama_tokenize(
            vocab,
            text.as_ptr().cast::<c_char>(),
            len,
            tokens.as_mut_ptr(),
            tokens.len() as i32,
            true,
            parse_special,
        )
    };
    if n < 0 {
        return Err(EngineError::Internal(format!(
            "llama_tokenize needs {} tokens",
            -n
        )));
    }
    tokens.truncate(n as usize);
    Ok(tokens)
}

fn piece(vocab: *const ffi::llama_vocab, token: ffi::llama_token) -> Vec<u8> {
    let mut buf = vec![0u8; 64];
    for _ in 0..2 {
        // SAFETY: `buf` is writable for its length; the vocab is live. Control tokens render as nothing.
        let n = unsafe {
            ffi::llama_token_to_piece(
                vocab,
                token,
                buf.as_mut_ptr().cast::<c_char>(),
                buf.len() as i32,
                0,
                false,
            )
        };
        if n >= 0 {
            buf.truncate(n as usize);
            return buf;
        }
        buf.resize((-n) as usize, 0);
    }
    Vec::new()
}

pub(super) fn path_to_cstring(path: &Path) -> Result<CString, EngineError> {
    CString::new(path.to_string_lossy().into_owned()).map_err(|_| EngineError::InvalidModel {
        path: path.to_path_buf(),
        reason: "the path contains a NUL byte".into(),
    })
}

pub(super) struct Model(pub(super) NonNull<ffi::llama_model>);
impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: created by llama_model_load_from_file, freed once, after the context using it (field order).
        unsafe { ffi::llama_model_free(self.0.as_ptr()) }
    }
}

pub(super) struct Context(pub(super) NonNull<ffi::llama_context>);
impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: created by llama_init_from_model, freed once.
        unsafe { ffi::llama_free(self.0.as_ptr()) }
    }
}

/// A sampler chain for one request: top-k, a light repetition penalty, then greedy (temperature 0) or
/// top-p/temperature.
struct Sampler(NonNull<ffi::llama_sampler>);

impl Sampler {
    fn new(request: &ChatRequest, n_vocab: i32) -> Result<Self, EngineError> {
        let sampling = &request.sampling;
        // SAFETY: returns a plain struct by value; the chain takes ownership of every sampler added to it, and
        // `Sampler` frees the chain (and them) once.
        unsafe {
            let chain = NonNull::new(ffi::llama_sampler_chain_init(
                ffi::llama_sampler_chain_default_params(),
            ))
            .ok_or_else(|| EngineError::Internal("llama.cpp could not create a sampler".into()))?;
            let sampler = Sampler(chain);
            let add = |s: *mut ffi::llama_sampler| ffi::llama_sampler_chain_add(chain.as_ptr(), s);
            // Top-k first: the penalty sampler is slow over the whole vocabulary.
            add(ffi::llama_sampler_init_top_k(40));
            add(ffi::llama_sampler_init_penalties(
                n_vocab,
                REPEAT_WINDOW,
                REPEAT_PENALTY,
                0.0,
                0.0,
            ));
            if sampling.temperature <= 0.0 {
                add(ffi::llama_sampler_init_greedy());
            } else {
                add(ffi::llama_sampler_init_top_p(sampling.top_p.unwrap_or(0.95), 1));
                add(ffi::llama_sampler_init_temp(sampling.temperature));
                add(ffi::llama_sampler_init_dist(sampling.seed.unwrap_or(RANDOM_SEED)));
            }
            Ok(sampler)
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        // SAFETY: created by llama_sampler_chain_init, freed once (this frees the samplers it owns).
        unsafe { ffi::llama_sampler_free(self.0.as_ptr()) }
    }
}
