//! Hashing while writing, and comparing against the published digest.

use std::io::Read;
use std::path::Path;

use sha1::Digest;

use crate::{Checksum, ModelError};

/// A running digest of the algorithm a [`Checksum`] names.
#[derive(Debug, Clone)]
pub(crate) enum Hasher {
    Sha256(sha2::Sha256),
    Sha1(sha1::Sha1),
    /// Nothing to verify against (an unverified download): hashing would be wasted work.
    None,
}

impl Hasher {
    pub(crate) fn for_checksum(expected: Option<&Checksum>) -> Self {
        match expected {
            Some(Checksum::Sha256(_)) => Hasher::Sha256(sha2::Sha256::new()),
            Some(Checksum::Sha1(_)) => Hasher::Sha1(sha1::Sha1::new()),
            None => Hasher::None,
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha1(h) => h.update(bytes),
            Hasher::None => {}
        }
    }

    /// Feeds the first `len` bytes of `path` (the part of a resumed download already on disk).
    pub(crate) fn update_from_file(&mut self, path: &Path, len: u64) -> Result<(), ModelError> {
        if matches!(self, Hasher::None) || len == 0 {
            return Ok(());
        }
        let file = std::fs::File::open(path).map_err(ModelError::io(path))?;
        let mut reader = file.take(len);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(ModelError::io(path))?;
            if n == 0 {
                return Ok(());
            }
            self.update(&buf[..n]);
        }
    }

    /// The digest in the same form as [`Checksum`]'s `Display` (`sha256:<hex>`), or `None` without a checksum.
    pub(crate) fn finish(self) -> Option<String> {
        match self {
            Hasher::Sha256(h) => Some(format!("sha256:{}", hex::encode(h.finalize()))),
            Hasher::Sha1(h) => Some(format!("sha1:{}", hex::encode(h.finalize()))),
            Hasher::None => None,
        }
    }
}

/// The SHA-256 of a whole file, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let mut hasher = Hasher::Sha256(sha2::Sha256::new());
    let len = std::fs::metadata(path).map_err(ModelError::io(path))?.len();
    hasher.update_from_file(path, len)?;
    let digest = hasher.finish().unwrap_or_default();
    Ok(digest.trim_start_matches("sha256:").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let mut sha256 = Hasher::for_checksum(Some(&Checksum::Sha256(String::new())));
        sha256.update(b"abc");
        assert_eq!(
            sha256.finish().unwrap(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut sha1 = Hasher::for_checksum(Some(&Checksum::Sha1(String::new())));
        sha1.update(b"ab");
        sha1.update(b"c");
        assert_eq!(
            sha1.finish().unwrap(),
            "sha1:a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(Hasher::for_checksum(None).finish(), None);
    }
}
