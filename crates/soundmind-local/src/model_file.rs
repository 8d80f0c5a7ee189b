//! Checks model files before a native loader sees them.
//!
//! whisper.cpp's loader trusts the file: a junk length or tensor type makes it allocate wildly or hit a ggml assert
//! that aborts the whole process, and a truncated file may load half a model. So we walk the whole container first
//! (headers only, seeking over tensor data) and refuse anything that does not add up, with a reason a user can act on.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use soundmind_engine::EngineError;

use crate::sys;

/// `"ggml"` as whisper.cpp's legacy container stores it (a little-endian u32).
const GGML_MAGIC: u32 = 0x6767_6d6c;
/// `"GGUF"` as the first four bytes.
const GGUF_MAGIC: [u8; 4] = *b"GGUF";

/// What a valid whisper model file told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WhisperFileInfo {
    pub(crate) n_vocab: i32,
    pub(crate) n_audio_layer: i32,
    pub(crate) n_mels: i32,
    pub(crate) n_tensors: usize,
}

/// `ModelMissing` when `path` is not a file, `Ok(len)` otherwise.
pub(crate) fn require_file(path: &Path) -> Result<u64, EngineError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(meta.len()),
        Ok(_) => Err(invalid(path, "it is a directory, not a model file")),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Err(EngineError::ModelMissing {
            name: path.display().to_string(),
            hint: "check the path, or download a model with `soundmind models download`".into(),
        }),
        Err(err) => Err(invalid(path, &format!("it cannot be read: {err}"))),
    }
}

fn invalid(path: &Path, reason: &str) -> EngineError {
    EngineError::InvalidModel {
        path: PathBuf::from(path),
        reason: reason.to_string(),
    }
}

/// Validates a whisper.cpp ggml model file (`ggml-*.bin`): magic, hyper-parameters, mel filters, vocabulary and
/// every tensor header, and that the tensor data ends exactly at the end of the file.
pub(crate) fn check_whisper_file(path: &Path) -> Result<WhisperFileInfo, EngineError> {
    let len = require_file(path)?;
    let file = File::open(path).map_err(|e| invalid(path, &format!("it cannot be opened: {e}")))?;
    let mut r = Reader {
        inner: BufReader::with_capacity(64 * 1024, file),
        pos: 0,
        len,
    };
    let truncated = |what: &str| {
        invalid(
            path,
            &format!("the file is truncated ({len} bytes, ends inside the {what})"),
        )
    };

    let mut magic = [0u8; 4];
    if len < 4 {
        return Err(invalid(path, &format!("the file is only {len} bytes long")));
    }
    r.read_exact(&mut magic).map_err(|_| truncated("magic"))?;
    if magic == GGUF_MAGIC {
        return Err(invalid(
            path,
            "it is a GGUF file (a llama.cpp model?); whisper.cpp needs a ggml whisper model such as ggml-base.bin",
        ));
    }
    if u32::from_le_bytes(magic) != GGML_MAGIC {
        return Err(invalid(
            path,
            &format!(
                "it does not start with the ggml magic (found {:02x} {:02x} {:02x} {:02x}); it is not a whisper.cpp model",
                magic[0], magic[1], magic[2], magic[3]
            ),
        ));
    }

    // Hyper-parameters: 11 x i32.
    let mut hp = [0i32; 11];
    for v in &mut hp {
        *v = r.i32().map_err(|_| truncated("header"))?;
    }
    let [
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        n_audio_head,
        n_audio_layer,
        n_text_ctx,
        n_text_state,
        n_text_head,
        n_text_layer,
        n_mels,
        ftype,
    ] = hp;
    let sane = (1..=1_000_000).contains(&n_vocab)
        && (1..=100_000).contains(&n_audio_ctx)
        && (1..=100_000).contains(&n_text_ctx)
        && (1..=100_000).contains(&n_audio_state)
        && n_audio_state == n_text_state
        && (1..=1024).contains(&n_audio_head)
        && (1..=1024).contains(&n_text_head)
        && (1..=1024).contains(&n_audio_layer)
        && (1..=1024).contains(&n_text_layer)
        && (1..=1024).contains(&n_mels)
        && ftype >= 0;
    if !sane {
        return Err(invalid(
            path,
            &format!("its header makes no sense for a whisper model (hyper-parameters {hp:?})"),
        ));
    }

    // Mel filters.
    let n_mel = r.i32().map_err(|_| truncated("mel filters"))?;
    let n_fft = r.i32().map_err(|_| truncated("mel filters"))?;
    if !(1..=1024).contains(&n_mel) || !(1..=100_000).contains(&n_fft) {
        return Err(invalid(path, &format!("bad mel filter size {n_mel} x {n_fft}")));
    }
    r.skip(n_mel as u64 * n_fft as u64 * 4)
        .map_err(|_| truncated("mel filters"))?;

    // Vocabulary: count, then (u32 length, bytes) per token.
    let vocab_len = r.i32().map_err(|_| truncated("vocabulary"))?;
    if !(0..=1_000_000).contains(&vocab_len) {
        return Err(invalid(path, &format!("bad vocabulary size {vocab_len}")));
    }
    for _ in 0..vocab_len {
        let n = r.u32().map_err(|_| truncated("vocabulary"))?;
        if n > 1024 {
            return Err(invalid(path, &format!("a vocabulary entry claims {n} bytes")));
        }
        r.skip(u64::from(n)).map_err(|_| truncated("vocabulary"))?;
    }

    // Tensors until the end of the file.
    let mut n_tensors = 0usize;
    while r.pos < r.len {
        let n_dims = r.i32().map_err(|_| truncated("tensor headers"))?;
        let name_len = r.i32().map_err(|_| truncated("tensor headers"))?;
        let ttype = r.i32().map_err(|_| truncated("tensor headers"))?;
        if !(1..=4).contains(&n_dims) || !(1..=1024).contains(&name_len) {
            return Err(invalid(
                path,
                &format!("tensor {n_tensors} has a corrupt header (dims {n_dims}, name length {name_len})"),
            ));
        }
        let (type_size, block_size) = ggml_type_layout(ttype)
            .ok_or_else(|| invalid(path, &format!("tensor {n_tensors} has unknown ggml type {ttype}")))?;
        let mut elements: u64 = 1;
        for _ in 0..n_dims {
            let ne = r.i32().map_err(|_| truncated("tensor headers"))?;
            if ne <= 0 {
                return Err(invalid(
                    path,
                    &format!("tensor {n_tensors} has a dimension of {ne}"),
                ));
            }
            elements = elements.saturating_mul(ne as u64);
        }
        r.skip(name_len as u64).map_err(|_| truncated("tensor headers"))?;
        if !elements.is_multiple_of(block_size) {
            return Err(invalid(
                path,
                &format!("tensor {n_tensors} does not fill whole ggml blocks"),
            ));
        }
        let bytes = (elements / block_size).saturating_mul(type_size);
        r.skip(bytes).map_err(|_| truncated("tensor data"))?;
        n_tensors += 1;
    }
    if n_tensors == 0 {
        return Err(invalid(path, "it holds no tensors (the file is truncated)"));
    }
    Ok(WhisperFileInfo {
        n_vocab,
        n_audio_layer,
        n_mels,
        n_tensors,
    })
}

/// Checks that `path` is a GGUF file (magic and version) before llama.cpp opens it.
pub(crate) fn check_gguf_file(path: &Path) -> Result<(), EngineError> {
    let len = require_file(path)?;
    if len < 24 {
        return Err(invalid(path, &format!("the file is only {len} bytes long")));
    }
    let mut head = [0u8; 8];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map_err(|e| invalid(path, &format!("it cannot be read: {e}")))?;
    if head[..4] != GGUF_MAGIC {
        return Err(invalid(
            path,
            "it is not a GGUF file (bad magic); llama.cpp needs a .gguf model",
        ));
    }
    let version = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if !(2..=3).contains(&version) {
        return Err(invalid(path, &format!("unsupported GGUF version {version}")));
    }
    Ok(())
}

/// Bytes per block and elements per block of a ggml type, from the linked ggml itself (so quantised types added
/// by a newer ggml are understood). `None` for out-of-range or removed types.
fn ggml_type_layout(ttype: i32) -> Option<(u64, u64)> {
    let count = sys::llama::GGML_TYPE_COUNT as i32;
    if !(0..count).contains(&ttype) {
        return None;
    }
    let t = ttype as sys::llama::ggml_type;
    // SAFETY: `t` is in `0..GGML_TYPE_COUNT`, the range ggml's type-traits table covers; both functions only read
    // that table.
    let (size, block) = unsafe { (sys::llama::ggml_type_size(t), sys::llama::ggml_blck_size(t)) };
    (size > 0 && block > 0).then_some((size as u64, block as u64))
}

/// A little-endian reader that knows its position and the file length, so skips past the end are errors instead
/// of silent seeks.
struct Reader {
    inner: BufReader<File>,
    pos: u64,
    len: u64,
}

impl Reader {
    fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn i32(&mut self) -> io::Result<i32> {
        let mut b = [0u8; 4];
        self.read_exact(&mut b)?;
        Ok(i32::from_le_bytes(b))
    }

    fn u32(&mut self) -> io::Result<u32> {
        let mut b = [0u8; 4];
        self.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn skip(&mut self, n: u64) -> io::Result<()> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.len);
        let Some(end) = end else {
            return Err(io::ErrorKind::UnexpectedEof.into());
        };
        let delta = i64::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        self.inner.seek_relative(delta)?;
        self.pos = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn junk_and_short_files_are_invalid_with_reasons() {
        let dir = std::env::temp_dir().join(format!("soundmind-local-mf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases: [(&str, &[u8], &str); 4] = [
            ("empty.bin", b"", "only 0 bytes"),
            ("text.bin", b"hello, this is not a model at all", "ggml magic"),
            (
                "gguf.bin",
                b"GGUF\x03\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                "GGUF",
            ),
            ("header.bin", b"lmgg\x01\0\0\0", "truncated"),
        ];
        for (name, bytes, want) in cases {
            let p = write(&dir, name, bytes);
            match check_whisper_file(&p) {
                Err(EngineError::InvalidModel { reason, .. }) => {
                    assert!(reason.contains(want), "{name}: {reason}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(matches!(
            check_whisper_file(&dir.join("nope.bin")),
            Err(EngineError::ModelMissing { .. })
        ));
        assert!(matches!(
            check_gguf_file(&write(&dir, "g.bin", b"lmgg0000000000000000000000000")),
            Err(EngineError::InvalidModel { .. })
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
}
