//! The memory check made before a GGUF model is loaded: what it will need (weights plus KV cache) against what the
//! system has free, so a too-large model is refused with a clear message instead of swapping the laptop to a halt.

use std::ffi::{CStr, CString};
use std::path::Path;

use soundmind_engine::EngineError;

use crate::sys::llama as ffi;

/// What a model's header says about its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ModelShape {
    pub(crate) layers: u64,
    pub(crate) embedding: u64,
    pub(crate) heads: u64,
    pub(crate) kv_heads: u64,
}

impl ModelShape {
    /// Reads the architecture keys from the GGUF header (metadata only; no tensor data is read).
    pub(crate) fn read(path: &Path) -> Result<Self, EngineError> {
        let invalid = |reason: &str| EngineError::InvalidModel {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let c_path = CString::new(path.to_string_lossy().into_owned()).map_err(|_| invalid("NUL in path"))?;
        let params = ffi::gguf_init_params {
            no_alloc: true,
            ctx: std::ptr::null_mut(),
        };
        // SAFETY: `c_path` is a valid C string; with `no_alloc` and a null `ctx`, ggml reads only the header.
        let ctx = unsafe { ffi::gguf_init_from_file(c_path.as_ptr(), params) };
        if ctx.is_null() {
            return Err(invalid(
                "its GGUF header cannot be read (damaged or not a GGUF file)",
            ));
        }
        let gguf = Gguf(ctx);
        let arch = gguf
            .string("general.architecture")
            .ok_or_else(|| invalid("its GGUF header has no general.architecture"))?;
        let number = |key: &str| {
            gguf.unsigned(&format!("{arch}.{key}"))
                .ok_or_else(|| invalid(&format!("its GGUF header has no {arch}.{key}")))
        };
        let heads = number("attention.head_count")?;
        Ok(Self {
            layers: number("block_count")?,
            embedding: number("embedding_length")?,
            heads,
            kv_heads: number("attention.head_count_kv").unwrap_or(heads),
        })
    }

    /// Bytes of an f16 KV cache of `n_ctx` tokens.
    pub(crate) fn kv_cache_bytes(&self, n_ctx: u32) -> u64 {
        let head_dim = self.embedding / self.heads.max(1);
        2 * self.layers * u64::from(n_ctx) * head_dim * self.kv_heads * 2
    }
}

/// Bytes needed to run a model: the weights, its KV cache, and room for compute buffers.
pub(crate) fn bytes_needed(file_len: u64, shape: &ModelShape, n_ctx: u32) -> u64 {
    const COMPUTE_BUFFERS: u64 = 64 * 1024 * 1024;
    file_len + shape.kv_cache_bytes(n_ctx) + file_len / 20 + COMPUTE_BUFFERS
}

/// Memory the system can give a new program now without swapping (`MemAvailable` on Linux). `None` where it
/// cannot be told, and then the check is skipped.
pub(crate) fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemAvailable:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// A gguf_context freed on drop.
struct Gguf(*mut ffi::gguf_context);

impl Gguf {
    fn key(&self, key: &str) -> Option<i64> {
        let c_key = CString::new(key).ok()?;
        // SAFETY: the context is live; the key is a valid C string.
        let id = unsafe { ffi::gguf_find_key(self.0, c_key.as_ptr()) };
        (id >= 0).then_some(id)
    }

    fn string(&self, key: &str) -> Option<String> {
        let id = self.key(key)?;
        // SAFETY: `id` is a valid key of this live context.
        if unsafe { ffi::gguf_get_kv_type(self.0, id) } != ffi::GGUF_TYPE_STRING {
            return None;
        }
        // SAFETY: the key holds a string (checked above); the pointer lives as long as the context.
        let raw = unsafe { ffi::gguf_get_val_str(self.0, id) };
        // SAFETY: non-null strings from gguf are NUL-terminated.
        (!raw.is_null()).then(|| unsafe { CStr::from_ptr(raw) }.to_string_lossy().into_owned())
    }

    fn unsigned(&self, key: &str) -> Option<u64> {
        let id = self.key(key)?;
        // SAFETY: `id` is a valid key; each getter is called only for the type it reads.
        unsafe {
            match ffi::gguf_get_kv_type(self.0, id) {
                ffi::GGUF_TYPE_UINT32 => Some(u64::from(ffi::gguf_get_val_u32(self.0, id))),
                ffi::GGUF_TYPE_INT32 => u64::try_from(ffi::gguf_get_val_i32(self.0, id)).ok(),
                ffi::GGUF_TYPE_UINT64 => Some(ffi::gguf_get_val_u64(self.0, id)),
                _ => None,
            }
        }
    }
}

impl Drop for Gguf {
    fn drop(&mut self) {
        // SAFETY: created by gguf_init_from_file, freed once.
        unsafe { ffi::gguf_free(self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available() {
        // Linux CI: the value exists and is plausible (more than 16 MB, less than 64 TB).
        if cfg!(target_os = "linux") {
            let bytes = available_bytes().expect("MemAvailable");
            assert!((16 << 20..64 << 40).contains(&bytes), "{bytes}");
        }
    }

    #[test]
    fn kv_cache_grows_with_context_and_kv_heads() {
        let shape = ModelShape {
            layers: 28,
            embedding: 3072,
            heads: 24,
            kv_heads: 8,
        };
        // Llama 3.2 3B: 28 layers × 8 KV heads × 128 dims × 2 (K and V) × 2 bytes = 112 KiB per token.
        assert_eq!(shape.kv_cache_bytes(1), 114_688);
        assert_eq!(shape.kv_cache_bytes(16_384), 1792 * 1024 * 1024);
    }
}
