//! [`LlamaChat`]: llama.cpp behind [`ChatModel`], on a thread that owns the model.
//!
//! The model is loaded on the first request (or [`LlamaChat::load`]) and freed after an idle timeout. Each turn is
//! rendered with the model's own chat template (ChatML when it has none), trimmed to fit the context (oldest
//! exchanges first; stable messages are never cut), and evaluated on top of the KV cache of the previous turn:
//! the shared prefix (instructions, past summaries, earlier exchanges) is not evaluated again. Tokens stream to the
//! caller as they are sampled.

mod embed;
mod memory;
mod model;
mod stream;
mod template;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use soundmind_engine::{CancelToken, ChatMessage, ChatModel, ChatRequest, ChatResult, EngineError};

use crate::sys::llama as ffi;
use crate::worker::{Next, Worker, next_request, panic_message};
pub use embed::LlamaEmbedder;
use model::LoadedModel;

/// The engine name reported by [`ChatModel::name`].
pub const ENGINE_NAME: &str = "llama.cpp";

/// How long a loaded model may sit unused before it is freed.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The default context window: a session's instructions, summaries and a long answer fit with room to spare.
pub const DEFAULT_CONTEXT_LENGTH: u32 = 4096;

/// The most threads used when none are configured (more rarely helps token generation, which is memory-bound).
const MAX_DEFAULT_THREADS: usize = 8;

/// Settings for a [`LlamaChat`].
#[derive(Debug, Clone)]
pub struct LlamaConfig {
    /// The GGUF model file.
    pub model_path: PathBuf,
    /// The name reported in `model_llm` (`local:<name>`); `None` = the file name without `.gguf`.
    pub model_name: Option<String>,
    /// Context window in tokens (capped at what the model was trained for).
    pub context_length: u32,
    /// Threads; `None` = available parallelism, at most 8.
    pub threads: Option<usize>,
    /// Layers to offload in GPU builds; `None` = all. CPU builds ignore it.
    pub gpu_layers: Option<u32>,
    /// Free the model after this long unused; `None` keeps it loaded.
    pub idle_timeout: Option<Duration>,
    /// Bytes of memory free for the model; `None` = ask the system. A model that needs more is refused before it
    /// is loaded.
    pub available_memory: Option<u64>,
}

impl LlamaConfig {
    /// Defaults for `model_path`.
    pub fn new(model_path: impl Into<PathBuf>) -> Self {
        Self {
            model_path: model_path.into(),
            model_name: None,
            context_length: DEFAULT_CONTEXT_LENGTH,
            threads: None,
            gpu_layers: None,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            available_memory: None,
        }
    }

    /// Uses `threads` threads (at least 1).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// A context window of `tokens`.
    pub fn context_length(mut self, tokens: u32) -> Self {
        self.context_length = tokens.max(256);
        self
    }

    /// Reports `name` as the model.
    pub fn model_name(mut self, name: impl Into<String>) -> Self {
        self.model_name = Some(name.into());
        self
    }

    /// Frees the model after `timeout` unused (`None`: never).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    fn effective_threads(&self) -> usize {
        self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(4)
                .min(MAX_DEFAULT_THREADS)
        })
    }

    fn display_name(&self) -> String {
        self.model_name.clone().unwrap_or_else(|| {
            self.model_path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    }
}

/// What loading a model found.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// The model's name.
    pub name: String,
    /// Parameters.
    pub parameters: u64,
    /// The context window in use.
    pub context_length: u32,
    /// Threads in use.
    pub threads: usize,
    /// Which chat template is applied.
    pub template: &'static str,
    /// How long loading took.
    pub load_time: Duration,
    /// The memory estimate the pre-load check used.
    pub memory_needed: u64,
}

/// llama.cpp chat. Cheap to share (`Send + Sync`); calls are served one at a time by its engine thread.
#[derive(Debug)]
pub struct LlamaChat {
    config: Arc<LlamaConfig>,
    status: Arc<Status>,
    worker: Worker<Request>,
}

#[derive(Debug, Default)]
struct Status {
    loaded: AtomicBool,
    loads: AtomicUsize,
}

enum Request {
    Chat {
        request: ChatRequest,
        cancel: CancelToken,
        reply: Sender<Reply>,
    },
    Load(Sender<Result<ModelInfo, EngineError>>),
    CountTokens(String, Sender<Option<usize>>),
    Warm(Vec<ChatMessage>),
    ClearCache,
}

enum Reply {
    Delta(String),
    Done(Result<ChatResult, EngineError>),
}

impl LlamaChat {
    /// Starts the engine thread; the model loads on the first request.
    pub fn new(config: LlamaConfig) -> Self {
        let config = Arc::new(config);
        let status = Arc::new(Status::default());
        let (thread_config, thread_status) = (Arc::clone(&config), Arc::clone(&status));
        let worker = Worker::new("llama-engine", 8 * 1024 * 1024, move |rx| {
            engine_loop(&thread_config, &thread_status, &rx);
        });
        Self {
            config,
            status,
            worker,
        }
    }

    /// Loads the model now if it is not loaded, and waits. Errors are those of the first chat call: a missing or
    /// invalid file, or not enough free memory.
    pub fn load(&self) -> Result<ModelInfo, EngineError> {
        let (tx, rx) = mpsc::channel();
        self.worker.send(Request::Load(tx))?;
        rx.recv()
            .unwrap_or_else(|_| Err(EngineError::Internal("the llama engine thread stopped".into())))
    }

    /// True while the model is in memory.
    pub fn is_loaded(&self) -> bool {
        self.status.loaded.load(Ordering::Acquire)
    }

    /// How many times the model was loaded (a test hook for the idle timeout).
    #[doc(hidden)]
    pub fn load_count(&self) -> usize {
        self.status.loads.load(Ordering::Acquire)
    }

    /// Forgets the KV cache, so the next turn evaluates its whole prompt (for benchmarks of prefix reuse).
    #[doc(hidden)]
    pub fn clear_cache(&self) {
        self.worker.send(Request::ClearCache).ok();
    }

    /// The settings in use.
    pub fn config(&self) -> &LlamaConfig {
        &self.config
    }
}

impl ChatModel for LlamaChat {
    fn name(&self) -> &str {
        ENGINE_NAME
    }

    fn context_window(&self) -> Option<usize> {
        Some(self.config.context_length as usize)
    }

    fn warm(&self, messages: &[ChatMessage]) {
        let _ = self.worker.send(Request::Warm(messages.to_vec()));
    }

    fn model(&self) -> String {
        format!("local:{}", self.config.display_name())
    }

    fn chat(
        &self,
        request: &ChatRequest,
        on_delta: &mut dyn FnMut(&str),
        cancel: &CancelToken,
    ) -> Result<ChatResult, EngineError> {
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        if request.messages.is_empty() {
            return Err(EngineError::Internal(
                "a chat request needs at least one message".into(),
            ));
        }
        let (reply, replies) = mpsc::channel();
        self.worker.send(Request::Chat {
            request: request.clone(),
            cancel: cancel.clone(),
            reply,
        })?;
        loop {
            match replies.recv() {
                Ok(Reply::Delta(text)) => on_delta(&text),
                Ok(Reply::Done(result)) => return result,
                Err(_) => return Err(EngineError::Internal("the llama engine thread stopped".into())),
            }
        }
    }

    fn count_tokens(&self, text: &str) -> Option<usize> {
        let (tx, rx) = mpsc::channel();
        self.worker
            .send(Request::CountTokens(text.to_string(), tx))
            .ok()?;
        rx.recv().ok().flatten()
    }

    fn probe(&self) -> Result<String, EngineError> {
        let info = self.load()?;
        Ok(format!(
            "{} loaded ({:.0} M parameters, {} tokens of context, {} threads, {})",
            info.name,
            info.parameters as f64 / 1e6,
            info.context_length,
            info.threads,
            info.template
        ))
    }
}

static BACKEND: Once = Once::new();

/// Initialises llama.cpp's backends once per process.
fn backend_init() {
    crate::log::quiet_native_logs();
    // SAFETY: llama_backend_init has no preconditions; `Once` keeps it to one call. We never call
    // llama_backend_free: whisper.cpp shares the same ggml backends for the life of the process.
    BACKEND.call_once(|| unsafe { ffi::llama_backend_init() });
}

/// The engine thread: owns the model, serves requests one at a time, frees the model when idle.
fn engine_loop(config: &LlamaConfig, status: &Status, rx: &Receiver<Request>) {
    let mut model: Option<LoadedModel> = None;
    loop {
        let request = match next_request(rx, model.is_some(), config.idle_timeout) {
            Next::Serve(request) => request,
            Next::Unload => {
                model = None;
                status.loaded.store(false, Ordering::Release);
                continue;
            }
            Next::Stop => break,
        };
        match request {
            Request::Load(reply) => {
                let result = match model.take() {
                    Some(m) => Ok(m),
                    None => load_guarded(config, status),
                };
                match result {
                    Ok(m) => {
                        let _ = reply.send(Ok(m.info.clone()));
                        model = Some(m);
                    }
                    Err(err) => {
                        let _ = reply.send(Err(err));
                    }
                }
            }
            Request::CountTokens(text, reply) => {
                if model.is_none() {
                    model = load_guarded(config, status).ok();
                }
                let count = model
                    .as_ref()
                    .and_then(|m| m.tokenize(&text).ok())
                    .map(|t| t.len());
                let _ = reply.send(count);
            }
            Request::Warm(messages) => {
                // Only a loaded model is warmed: loading is the first question's job, not a background one.
                if let Some(m) = model.as_mut() {
                    let _ = m.warm(&messages);
                }
            }
            Request::ClearCache => {
                if let Some(m) = model.as_mut() {
                    m.clear_cache();
                }
            }
            Request::Chat {
                request,
                cancel,
                reply,
            } => {
                let loaded = match model.take() {
                    Some(m) => Ok(m),
                    None => load_guarded(config, status),
                };
                let result = match loaded {
                    Err(err) => Err(err),
                    Ok(mut m) => {
                        // After a panic the model's state is unknown: it is freed and reloaded next time.
                        let call = catch_unwind(AssertUnwindSafe(|| {
                            m.chat(&request, &cancel, &mut |text| {
                                let _ = reply.send(Reply::Delta(text.to_string()));
                            })
                        }));
                        match call {
                            Ok(result) => {
                                model = Some(m);
                                result
                            }
                            Err(panic) => Err(EngineError::Internal(format!(
                                "llama.cpp call panicked: {}",
                                panic_message(panic.as_ref())
                            ))),
                        }
                    }
                };
                status.loaded.store(model.is_some(), Ordering::Release);
                let _ = reply.send(Reply::Done(result));
            }
        }
        status.loaded.store(model.is_some(), Ordering::Release);
    }
    drop(model);
    status.loaded.store(false, Ordering::Release);
}

fn load_guarded(config: &LlamaConfig, status: &Status) -> Result<LoadedModel, EngineError> {
    let model = catch_unwind(|| LoadedModel::load(config)).unwrap_or_else(|panic| {
        Err(EngineError::Internal(format!(
            "loading the llama model panicked: {}",
            panic_message(panic.as_ref())
        )))
    })?;
    status.loads.fetch_add(1, Ordering::AcqRel);
    Ok(model)
}
