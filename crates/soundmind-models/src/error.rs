//! The one error type of this crate.

use std::path::PathBuf;

use soundmind_engine::EngineError;

use crate::human_bytes;

/// Why a model operation failed. Every variant names the model, file or URL involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// No catalogue entry and no added model has this name.
    #[error("no model named {name:?}; `soundmind models list` shows the names")]
    NotInCatalog {
        /// The name asked for.
        name: String,
    },
    /// The model is known but its file is not in the models folder.
    #[error("model {name} is not installed")]
    NotInstalled {
        /// The model's name.
        name: String,
    },
    /// A file with this name is already in the models folder.
    #[error("model {name} is already installed at {path}", path = .path.display())]
    AlreadyInstalled {
        /// The model's name.
        name: String,
        /// Its file.
        path: PathBuf,
    },
    /// Not enough free space for the download (checked before it starts).
    #[error(
        "not enough disk space in {dir}: the download needs {} (with a 10 % margin) but only {} is free",
        human_bytes(*.needed), human_bytes(*.available), dir = .dir.display()
    )]
    DiskFull {
        /// The models folder.
        dir: PathBuf,
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        available: u64,
    },
    /// The downloaded (or added) file is not the published one. The partial file has been deleted.
    #[error(
        "checksum mismatch for {url}: expected {expected}, got {actual}; the file was deleted (try again, or another mirror)"
    )]
    ChecksumMismatch {
        /// The expected digest, `sha256:<hex>` or `sha1:<hex>`.
        expected: String,
        /// The digest of what arrived.
        actual: String,
        /// Where it came from (a URL, or the path of an added file).
        url: String,
    },
    /// The download failed over HTTP (unreachable, refused by offline mode, an error status, a stall).
    #[error("download failed: {0}")]
    Http(#[from] EngineError),
    /// A file operation failed.
    #[error("{path}: {source}", path = .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a model Soundmind can use.
    #[error("{path} is not a model file: {reason}", path = .path.display())]
    NotAModel {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The catalogue entry has no published checksum, so its download could not be verified.
    #[error(
        "model {name} has no published checksum, so its download cannot be verified; download it anyway with \
         --allow-unverified, or add a file you trust with `soundmind models add`"
    )]
    Unverified {
        /// The model's name.
        name: String,
    },
    /// Another process is downloading the same file.
    #[error("{path} is being downloaded by another Soundmind process", path = .path.display())]
    Busy {
        /// The partial file.
        path: PathBuf,
    },
    /// A model name that cannot be used as one.
    #[error("invalid model name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The catalogue (embedded or given) is malformed.
    #[error("invalid model catalogue: {0}")]
    Catalog(String),
    /// The models folder's `registry.json` cannot be read.
    #[error("{path} is corrupt: {reason}", path = .path.display())]
    Registry {
        /// The registry file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The download was cancelled; the partial file is kept for a later resume.
    #[error("cancelled")]
    Cancelled,
}

impl ModelError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ModelError {
        let path = path.into();
        move |source| ModelError::Io { path, source }
    }
}
