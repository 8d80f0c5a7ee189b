//! [`WhisperTranscriber`]: whisper.cpp behind [`Transcriber`], on a thread that owns the model.
//!
//! One engine thread per transcriber owns the `whisper_context`. [`Transcriber::transcribe`] copies the samples
//! into a request, sends it, and then forwards the events that come back (progress, final segments) to the
//! caller's callback until the result arrives. The engine thread unloads the model after an idle timeout and
//! loads it again on the next request.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use serde_json::json;
use soundmind_engine::{
    CancelToken, EngineError, Preset, Segment, SttEvent, SttOptions, Transcriber, Transcript,
};

use crate::model_file;
use crate::sys::whisper as ffi;
use crate::worker::{Next, Worker, next_request, panic_message};

/// The engine name reported by [`Transcriber::name`] and in `raw.engine`.
pub const ENGINE_NAME: &str = "whisper.cpp";

/// How long a loaded model may sit unused before the engine thread frees it.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The most threads used when none are configured (more rarely helps whisper.cpp on CPU).
const MAX_DEFAULT_THREADS: usize = 8;

/// Settings for a [`WhisperTranscriber`].
#[derive(Debug, Clone)]
pub struct WhisperConfig {
    /// The whisper.cpp model file (`ggml-*.bin`).
    pub model_path: PathBuf,
    /// Threads for whisper.cpp; `None` = available parallelism, at most 8.
    pub threads: Option<usize>,
    /// Unload the model after this long unused; `None` keeps it loaded.
    pub idle_timeout: Option<Duration>,
    /// The name reported by [`Transcriber::model`]; `None` = the file name without `ggml-` and `.bin`.
    pub model_name: Option<String>,
}

impl WhisperConfig {
    /// Defaults for `model_path`: automatic threads, 5 minute idle timeout.
    pub fn new(model_path: impl Into<PathBuf>) -> Self {
        Self {
            model_path: model_path.into(),
            threads: None,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            model_name: None,
        }
    }

    /// Uses `threads` threads (at least 1).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Unloads the model after `timeout` unused (`None`: never).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Reports `name` as the model.
    pub fn model_name(mut self, name: impl Into<String>) -> Self {
        self.model_name = Some(name.into());
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
        if let Some(name) = &self.model_name {
            return name.clone();
        }
        let stem = self
            .model_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        stem.strip_prefix("ggml-").unwrap_or(&stem).to_string()
    }
}

/// whisper.cpp speech-to-text. Cheap to share (`Send + Sync`); calls are served one at a time by its engine thread.
#[derive(Debug)]
pub struct WhisperTranscriber {
    config: Arc<WhisperConfig>,
    status: Arc<Status>,
    worker: Worker<Request>,
}

/// What the engine thread shares with the handle.
#[derive(Debug, Default)]
struct Status {
    loaded: AtomicBool,
    loads: AtomicUsize,
    panic_next_call: AtomicBool,
}

enum Request {
    Transcribe {
        audio: Vec<f32>,
        options: SttOptions,
        cancel: CancelToken,
        reply: Sender<Reply>,
    },
    Preload,
}

enum Reply {
    Event(SttEvent),
    Done(Result<Transcript, EngineError>),
}

impl WhisperTranscriber {
    /// Starts the engine thread. The model loads on the first request (or [`preload`](Self::preload)); a
    /// missing or invalid model file is reported then, as [`EngineError::ModelMissing`] or
    /// [`EngineError::InvalidModel`].
    pub fn new(config: WhisperConfig) -> Self {
        let config = Arc::new(config);
        let status = Arc::new(Status::default());
        let (thread_config, thread_status) = (Arc::clone(&config), Arc::clone(&status));
        // whisper.cpp keeps some large structures on the stack; the default 2 MiB is tight.
        let worker = Worker::new("whisper-engine", 16 * 1024 * 1024, move |rx| {
            engine_loop(&thread_config, &thread_status, &rx);
        });
        Self {
            config,
            status,
            worker,
        }
    }

    /// Convenience for `new(WhisperConfig::new(model_path))`.
    pub fn from_path(model_path: impl Into<PathBuf>) -> Self {
        Self::new(WhisperConfig::new(model_path))
    }

    /// Checks the model file now (cheap: headers only), without loading it.
    pub fn check_model(&self) -> Result<(), EngineError> {
        model_file::check_whisper_file(&self.config.model_path).map(|_| ())
    }

    /// Asks the engine thread to load the model in the background (a UI can show "loading" meanwhile).
    pub fn preload(&self) {
        self.worker.send(Request::Preload).ok();
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

    /// Makes the next transcription panic inside the engine call (a test hook for panic isolation).
    #[doc(hidden)]
    pub fn inject_panic_for_test(&self) {
        self.status.panic_next_call.store(true, Ordering::Release);
    }

    /// The settings in use.
    pub fn config(&self) -> &WhisperConfig {
        &self.config
    }
}

impl Transcriber for WhisperTranscriber {
    fn name(&self) -> &str {
        ENGINE_NAME
    }

    fn model(&self) -> String {
        self.config.display_name()
    }

    fn transcribe(
        &self,
        audio: &[f32],
        options: &SttOptions,
        on_event: &mut dyn FnMut(SttEvent),
        cancel: &CancelToken,
    ) -> Result<Transcript, EngineError> {
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        if let Some(i) = audio.iter().position(|s| !s.is_finite()) {
            return Err(EngineError::BadAudio(format!(
                "sample {i} is not a finite number"
            )));
        }
        if audio.len() > i32::MAX as usize {
            return Err(EngineError::BadAudio("the audio is too long for one call".into()));
        }
        let (reply, replies) = mpsc::channel();
        self.worker.send(Request::Transcribe {
            audio: audio.to_vec(),
            options: options.clone(),
            cancel: cancel.clone(),
            reply,
        })?;
        loop {
            match replies.recv() {
                Ok(Reply::Event(event)) => on_event(event),
                Ok(Reply::Done(result)) => return result,
                Err(_) => return Err(EngineError::Internal("the whisper engine thread stopped".into())),
            }
        }
    }
}

/// The engine thread: owns the model, serves requests one at a time, unloads when idle.
fn engine_loop(config: &WhisperConfig, status: &Status, rx: &Receiver<Request>) {
    let mut model: Option<WhisperModel> = None;
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
            Request::Preload => {
                if model.is_none() {
                    model = load_guarded(config, status).ok();
                }
            }
            Request::Transcribe {
                audio,
                options,
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
                        // Take the model out of its slot for the call, and put it back only if the call did not
                        // panic: after a panic its state is unknown, so it is freed and reloaded next time.
                        let call = catch_unwind(AssertUnwindSafe(|| {
                            if status.panic_next_call.swap(false, Ordering::AcqRel) {
                                panic!("injected panic (test hook)");
                            }
                            m.transcribe(config, &audio, &options, &cancel, &reply)
                        }));
                        match call {
                            Ok(result) => {
                                model = Some(m);
                                result
                            }
                            Err(panic) => {
                                drop(m);
                                Err(EngineError::Internal(format!(
                                    "whisper.cpp call panicked: {}",
                                    panic_message(panic.as_ref())
                                )))
                            }
                        }
                    }
                };
                status.loaded.store(model.is_some(), Ordering::Release);
                // The caller may have gone away (its callback panicked); nothing to do then.
                let _ = reply.send(Reply::Done(result));
            }
        }
    }
    drop(model);
    status.loaded.store(false, Ordering::Release);
}

fn load_guarded(config: &WhisperConfig, status: &Status) -> Result<WhisperModel, EngineError> {
    let model = catch_unwind(|| WhisperModel::load(&config.model_path)).unwrap_or_else(|panic| {
        Err(EngineError::Internal(format!(
            "loading the whisper model panicked: {}",
            panic_message(panic.as_ref())
        )))
    })?;
    status.loads.fetch_add(1, Ordering::AcqRel);
    status.loaded.store(true, Ordering::Release);
    Ok(model)
}

/// An owned `whisper_context`. Lives and dies on the engine thread.
struct WhisperModel {
    ctx: NonNull<ffi::whisper_context>,
    path: PathBuf,
    multilingual: bool,
}

impl Drop for WhisperModel {
    fn drop(&mut self) {
        // SAFETY: `ctx` came from `whisper_init_from_file_with_params`, is freed only here, and no call on it is
        // in flight (we own it on this thread).
        unsafe { ffi::whisper_free(self.ctx.as_ptr()) }
    }
}

impl WhisperModel {
    fn load(path: &Path) -> Result<Self, EngineError> {
        model_file::check_whisper_file(path)?;
        crate::log::quiet_native_logs();
        let c_path = path_to_cstring(path)?;
        let init = |use_gpu: bool| {
            // SAFETY: returns a plain struct by value.
            let mut params = unsafe { ffi::whisper_context_default_params() };
            params.use_gpu = use_gpu;
            // SAFETY: `c_path` is a valid NUL-terminated string for the duration of the call; params are by value.
            NonNull::new(unsafe { ffi::whisper_init_from_file_with_params(c_path.as_ptr(), params) })
        };
        // GPU builds (features cuda/metal/vulkan) try the GPU first and fall back to the CPU if that fails.
        let gpu_build = cfg!(any(feature = "cuda", feature = "metal", feature = "vulkan"));
        let ctx = if gpu_build {
            init(true).or_else(|| init(false))
        } else {
            init(false)
        };
        let ctx = ctx.ok_or_else(|| EngineError::InvalidModel {
            path: path.to_path_buf(),
            reason: "whisper.cpp could not load it (set SOUNDMIND_ENGINE_LOG=1 to see why)".into(),
        })?;
        // SAFETY: `ctx` is a live context.
        let multilingual = unsafe { ffi::whisper_is_multilingual(ctx.as_ptr()) } != 0;
        Ok(Self {
            ctx,
            path: path.to_path_buf(),
            multilingual,
        })
    }

    fn transcribe(
        &mut self,
        config: &WhisperConfig,
        audio: &[f32],
        options: &SttOptions,
        cancel: &CancelToken,
        reply: &Sender<Reply>,
    ) -> Result<Transcript, EngineError> {
        // English-only models have no language token: whatever was asked, they transcribe English.
        let language = if !self.multilingual {
            Some("en".to_string())
        } else {
            match options
                .language
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty() && *l != "auto")
            {
                Some(code) => {
                    let code = code.to_ascii_lowercase();
                    let c = CString::new(code.clone())
                        .map_err(|_| EngineError::Internal(format!("bad language code {code:?}")))?;
                    // SAFETY: `c` is a valid C string; the function only looks it up in a static table.
                    if unsafe { ffi::whisper_lang_id(c.as_ptr()) } < 0 {
                        return Err(EngineError::Internal(format!(
                            "whisper.cpp does not know the language code {code:?}"
                        )));
                    }
                    Some(code)
                }
                None => None,
            }
        };
        let c_language = language
            .as_deref()
            .map(|l| CString::new(l).expect("checked above"))
            .unwrap_or_else(|| c"auto".to_owned());
        let prompt = options
            .vocabulary_prompt()
            .map(|p| CString::new(p.replace('\0', " ")).expect("NULs removed"));

        let strategy = match options.preset {
            Preset::Fast | Preset::Default => ffi::WHISPER_SAMPLING_GREEDY,
            Preset::Accuracy => ffi::WHISPER_SAMPLING_BEAM_SEARCH,
        };
        // SAFETY: returns a plain struct by value.
        let mut params = unsafe { ffi::whisper_full_default_params(strategy) };
        params.n_threads = config.effective_threads().min(c_int::MAX as usize) as c_int;
        params.language = c_language.as_ptr();
        params.detect_language = false;
        params.translate = false;
        params.no_context = true;
        params.print_special = false;
        params.print_progress = false;
        params.print_realtime = false;
        params.print_timestamps = false;
        params.initial_prompt = prompt.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
        match options.preset {
            Preset::Fast => {
                params.greedy.best_of = 1;
                // No temperature fallback: one decoding pass per window, even when it looks uncertain.
                params.temperature_inc = 0.0;
            }
            Preset::Default => params.greedy.best_of = 1,
            Preset::Accuracy => {
                params.beam_search.beam_size = 5;
                params.greedy.best_of = 5;
            }
        }

        let mut hooks = Hooks {
            reply,
            cancel,
            sent_segments: 0,
            last_progress: -1,
            failed: false,
        };
        let hooks_ptr = (&raw mut hooks).cast::<c_void>();
        params.new_segment_callback = Some(on_new_segment);
        params.new_segment_callback_user_data = hooks_ptr;
        params.progress_callback = Some(on_progress);
        params.progress_callback_user_data = hooks_ptr;
        params.encoder_begin_callback = Some(on_encoder_begin);
        params.encoder_begin_callback_user_data = hooks_ptr;
        params.abort_callback = Some(should_abort);
        params.abort_callback_user_data = hooks_ptr;

        // SAFETY: `ctx` is live and used by this thread only. `audio` outlives the call and its length fits in
        // c_int (checked by the caller). Every pointer in `params` (language, prompt, hooks) points at locals that
        // outlive the call. The callbacks run on this thread (or ggml workers for abort, which only read atomics)
        // during the call, and never unwind (they catch panics).
        let rc =
            unsafe { ffi::whisper_full(self.ctx.as_ptr(), params, audio.as_ptr(), audio.len() as c_int) };
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        if hooks.failed {
            return Err(EngineError::Internal("a whisper.cpp callback panicked".into()));
        }
        if rc != 0 {
            return Err(EngineError::Internal(format!("whisper_full failed (code {rc})")));
        }

        // SAFETY: `ctx` is live; whisper_full has returned, so its results are stable.
        let all = unsafe { read_segments(self.ctx.as_ptr(), None, 0) };
        let detected = if self.multilingual {
            // SAFETY: `ctx` is live; whisper_lang_str returns a static string or null for a bad id.
            unsafe {
                let id = ffi::whisper_full_lang_id(self.ctx.as_ptr());
                let s = ffi::whisper_lang_str(id);
                (!s.is_null()).then(|| CStr::from_ptr(s).to_string_lossy().into_owned())
            }
        } else {
            language.clone()
        };
        if hooks.last_progress < 100 {
            let _ = reply.send(Reply::Event(SttEvent::Progress(1.0)));
        }

        let raw = json!({
            "engine": ENGINE_NAME,
            "model_path": self.path.display().to_string(),
            "language": detected,
            "duration": audio.len() as f64 / f64::from(soundmind_engine::SAMPLE_RATE),
            "segments": all.iter().map(|s| json!({
                "start": s.start_ms as f64 / 1000.0,
                "end": s.end_ms as f64 / 1000.0,
                "text": s.text,
            })).collect::<Vec<_>>(),
        });
        let segments: Vec<Segment> = all
            .into_iter()
            .filter(|s| !is_non_speech(&s.text))
            .map(|s| Segment {
                text: s.text.trim().to_string(),
                ..s
            })
            .collect();
        let text = segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_string();
        Ok(Transcript {
            text,
            segments,
            language: detected,
            raw,
        })
    }
}

/// whisper.cpp's markers for stretches without speech (`[BLANK_AUDIO]`, `[ Silence ]`, `(music)`): kept in `raw`,
/// left out of the transcript text and segments.
fn is_non_speech(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || (t.starts_with('[') && t.ends_with(']')) || (t.starts_with('(') && t.ends_with(')'))
}

fn path_to_cstring(path: &Path) -> Result<CString, EngineError> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    CString::new(bytes).map_err(|_| EngineError::InvalidModel {
        path: path.to_path_buf(),
        reason: "the path contains a NUL byte".into(),
    })
}

/// Reads segments `from..` of the latest result, from `state` if given, else from the context's default state.
///
/// # Safety
/// `ctx` is a live context and `state` (if any) belongs to it; no `whisper_full` call is running on another
/// thread.
unsafe fn read_segments(
    ctx: *mut ffi::whisper_context,
    state: Option<*mut ffi::whisper_state>,
    from: usize,
) -> Vec<Segment> {
    // SAFETY: the caller guarantees ctx/state are live; indices are below the reported count;
    // the returned text pointers stay valid until the next whisper_full and are copied at once.
    unsafe {
        let n = match state {
            Some(st) => ffi::whisper_full_n_segments_from_state(st),
            None => ffi::whisper_full_n_segments(ctx),
        };
        let n = usize::try_from(n).unwrap_or(0);
        (from..n)
            .map(|i| {
                let i = i as c_int;
                let (t0, t1, text) = match state {
                    Some(st) => (
                        ffi::whisper_full_get_segment_t0_from_state(st, i),
                        ffi::whisper_full_get_segment_t1_from_state(st, i),
                        ffi::whisper_full_get_segment_text_from_state(st, i),
                    ),
                    None => (
                        ffi::whisper_full_get_segment_t0(ctx, i),
                        ffi::whisper_full_get_segment_t1(ctx, i),
                        ffi::whisper_full_get_segment_text(ctx, i),
                    ),
                };
                Segment {
                    // whisper.cpp times are in centiseconds.
                    start_ms: u64::try_from(t0).unwrap_or(0) * 10,
                    end_ms: u64::try_from(t1).unwrap_or(0) * 10,
                    text: c_text(text),
                }
            })
            .collect()
    }
}

/// Copies a C string that may hold a UTF-8 sequence cut in half (whisper tokens are bytes).
///
/// # Safety
/// `text` is null or a valid NUL-terminated string.
unsafe fn c_text(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: non-null and NUL-terminated per the caller.
    String::from_utf8_lossy(unsafe { CStr::from_ptr(text) }.to_bytes()).into_owned()
}

/// What the C callbacks see, through their `user_data` pointer, during one `whisper_full` call.
struct Hooks<'a> {
    reply: &'a Sender<Reply>,
    cancel: &'a CancelToken,
    sent_segments: usize,
    last_progress: c_int,
    /// A callback panicked (the panic was caught); the call is aborted.
    failed: bool,
}

/// Runs `f` on the hooks behind `user_data`, never letting a panic cross into C.
///
/// # Safety
/// `user_data` is the `Hooks` pointer installed in `transcribe`, valid and not aliased mutably elsewhere for the
/// duration of the callback.
unsafe fn with_hooks<R>(user_data: *mut c_void, default: R, f: impl FnOnce(&mut Hooks<'_>) -> R) -> R {
    // SAFETY: per the function contract.
    let hooks = unsafe { &mut *user_data.cast::<Hooks<'_>>() };
    if hooks.failed {
        return default;
    }
    match catch_unwind(AssertUnwindSafe(|| f(&mut *hooks))) {
        Ok(r) => r,
        Err(_) => {
            hooks.failed = true;
            default
        }
    }
}

unsafe extern "C" fn on_new_segment(
    ctx: *mut ffi::whisper_context,
    state: *mut ffi::whisper_state,
    _n_new: c_int,
    user_data: *mut c_void,
) {
    // SAFETY: whisper.cpp calls this on the engine thread, inside whisper_full, with our user_data and its live
    // ctx/state.
    unsafe {
        with_hooks(user_data, (), |hooks| {
            let new = read_segments(ctx, Some(state), hooks.sent_segments);
            hooks.sent_segments += new.len();
            for segment in new.into_iter().filter(|s| !is_non_speech(&s.text)) {
                let segment = Segment {
                    text: segment.text.trim().to_string(),
                    ..segment
                };
                if hooks
                    .reply
                    .send(Reply::Event(SttEvent::Segment(segment)))
                    .is_err()
                {
                    // Nobody is listening any more: stop working for them.
                    hooks.failed = true;
                }
            }
        })
    }
}

unsafe extern "C" fn on_progress(
    _ctx: *mut ffi::whisper_context,
    _state: *mut ffi::whisper_state,
    progress: c_int,
    user_data: *mut c_void,
) {
    // SAFETY: as in `on_new_segment`.
    unsafe {
        with_hooks(user_data, (), |hooks| {
            let progress = progress.clamp(0, 100);
            if progress > hooks.last_progress {
                hooks.last_progress = progress;
                let _ = hooks
                    .reply
                    .send(Reply::Event(SttEvent::Progress(progress as f32 / 100.0)));
            }
        })
    }
}

/// Returning false skips the encoder, which ends the call early.
unsafe extern "C" fn on_encoder_begin(
    _ctx: *mut ffi::whisper_context,
    _state: *mut ffi::whisper_state,
    user_data: *mut c_void,
) -> bool {
    // SAFETY: as in `on_new_segment`.
    unsafe { with_hooks(user_data, false, |hooks| !hooks.cancel.is_cancelled()) }
}

/// ggml's abort callback: polled between graph nodes by compute thread 0, which is the engine thread itself (the
/// caller of `whisper_full` works as thread 0), so it never runs concurrently with the other callbacks.
unsafe extern "C" fn should_abort(user_data: *mut c_void) -> bool {
    // Read-only on purpose: it touches only the cancel token (an atomic) and the `failed` flag.
    let hooks = user_data.cast::<Hooks<'_>>();
    // SAFETY: `hooks` points at the live `Hooks` of the running call; we only read through the raw pointer.
    unsafe { (*hooks).failed || (*hooks).cancel.is_cancelled() }
}

/// The CPU features ggml detected and uses on this machine (e.g. `AVX = 1 | AVX2 = 1 | ...`), as whisper.cpp
/// reports them. Portable builds pick SIMD paths at run time, so this is what `diagnose stt` shows.
pub fn system_info() -> String {
    // SAFETY: whisper_print_system_info returns a pointer to a static, NUL-terminated buffer owned by
    // whisper.cpp; we copy it out immediately and never free it.
    let text = unsafe { std::ffi::CStr::from_ptr(crate::sys::whisper::whisper_print_system_info()) };
    text.to_string_lossy().trim().to_string()
}
