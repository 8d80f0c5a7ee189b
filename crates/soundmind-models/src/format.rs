//! Recognising model files by their first bytes.

use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::ModelError;

/// A model file format Soundmind can load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelFormat {
    /// whisper.cpp's ggml container: the little-endian magic `0x67676d6c` (bytes `lmgg`). Whisper and its Silero VAD.
    Ggml,
    /// GGUF (bytes `GGUF`): llama.cpp models.
    Gguf,
}

impl fmt::Display for ModelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelFormat::Ggml => "ggml",
            ModelFormat::Gguf => "GGUF",
        })
    }
}

/// The ggml magic as a little-endian `u32`.
pub const GGML_MAGIC: u32 = 0x6767_6d6c;

/// The format announced by the first four bytes, if any.
pub fn sniff_bytes(head: &[u8]) -> Option<ModelFormat> {
    let magic: [u8; 4] = head.get(..4)?.try_into().ok()?;
    if &magic == b"GGUF" {
        Some(ModelFormat::Gguf)
    } else if u32::from_le_bytes(magic) == GGML_MAGIC {
        Some(ModelFormat::Ggml)
    } else {
        None
    }
}

/// Checks that `path` is a non-empty file with a known model magic.
pub fn sniff(path: &Path) -> Result<ModelFormat, ModelError> {
    let not_a_model = |reason: String| ModelError::NotAModel {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(ModelError::io(path))?;
    if !meta.is_file() {
        return Err(not_a_model("it is not a regular file".into()));
    }
    if meta.len() == 0 {
        return Err(not_a_model("it is empty".into()));
    }
    let mut head = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(ModelError::io(path))?;
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]).map_err(ModelError::io(path))? {
            0 => break,
            n => got += n,
        }
    }
    sniff_bytes(&head[..got]).ok_or_else(|| {
        not_a_model(format!(
            "it starts with {:02x?}, not a ggml (lmgg) or GGUF header",
            &head[..got]
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magics() {
        assert_eq!(sniff_bytes(b"lmgg\x01\x00"), Some(ModelFormat::Ggml));
        assert_eq!(sniff_bytes(&GGML_MAGIC.to_le_bytes()), Some(ModelFormat::Ggml));
        assert_eq!(sniff_bytes(b"GGUF\x03\x00\x00\x00"), Some(ModelFormat::Gguf));
        assert_eq!(
            sniff_bytes(b"ggml"),
            None,
            "big-endian ggml is not what whisper.cpp writes"
        );
        assert_eq!(sniff_bytes(b"GGU"), None);
        assert_eq!(sniff_bytes(b"<htm"), None);
    }
}
