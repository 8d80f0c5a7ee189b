//! Routing of whisper.cpp / llama.cpp / ggml log lines.
//!
//! Both libraries print to stderr by default, which garbles a terminal UI and leaks file paths into logs. We install
//! one callback for both (each library's setter also sets ggml's own logger). It drops everything unless
//! `SOUNDMIND_ENGINE_LOG=1`, in which case they go to stderr unchanged.

use std::ffi::{CStr, c_char, c_void};
use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::sys;

static INSTALL: Once = Once::new();
static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Routes native log output away from stderr (or to it, unchanged, when `SOUNDMIND_ENGINE_LOG=1`).
///
/// Idempotent and cheap; the engines call it before loading a model, so callers need not.
pub fn quiet_native_logs() {
    INSTALL.call_once(|| {
        let verbose =
            std::env::var("SOUNDMIND_ENGINE_LOG").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        VERBOSE.store(verbose, Ordering::Relaxed);
        // SAFETY: both setters only store the function pointer and the (null) user data in a global; the callbacks
        // are `extern "C"` functions that live for the whole program.
        unsafe {
            sys::whisper::whisper_log_set(Some(whisper_log_callback), std::ptr::null_mut());
            sys::llama::llama_log_set(Some(llama_log_callback), std::ptr::null_mut());
        }
    });
}

// The two bindings name the same C enum with two Rust types, hence two thin shims over one body.
unsafe extern "C" fn whisper_log_callback(
    _level: sys::whisper::ggml_log_level,
    text: *const c_char,
    _user: *mut c_void,
) {
    // SAFETY: ggml passes a NUL-terminated string (or null) that is valid for the duration of the call.
    unsafe { log_line(text) }
}

unsafe extern "C" fn llama_log_callback(
    _level: sys::llama::ggml_log_level,
    text: *const c_char,
    _user: *mut c_void,
) {
    // SAFETY: as above.
    unsafe { log_line(text) }
}

/// Writes one native log fragment to stderr when verbose. Never panics (it runs inside C frames).
///
/// # Safety
/// `text` is null or a valid NUL-terminated string.
unsafe fn log_line(text: *const c_char) {
    if !VERBOSE.load(Ordering::Relaxed) || text.is_null() {
        return;
    }
    // SAFETY: checked non-null above; the caller guarantees NUL termination.
    let bytes = unsafe { CStr::from_ptr(text) }.to_bytes();
    // ggml sends fragments (a line may arrive in pieces, "." progress dots); pass them through as they come.
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(bytes);
}
