//! The store's error type: each variant is something a caller acts on, and names the file involved.

use std::io;
use std::path::PathBuf;

use soundmind_core::{IdError, ParseError};

/// What went wrong with the journal folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No session with this id.
    #[error("no session {id} in {dir}", dir = .dir.display())]
    NotFound {
        /// The id asked for.
        id: String,
        /// The sessions folder searched.
        dir: PathBuf,
    },
    /// The session's asset folder exists but its Markdown file does not.
    #[error("{folder} has no session file: expected {expected}", folder = .folder.display(), expected = .expected.display())]
    MissingSessionFile {
        /// The asset folder.
        folder: PathBuf,
        /// The Markdown file that should be next to it.
        expected: PathBuf,
    },
    /// The file exists but cannot be read as a session.
    #[error("{path}: {source}", path = .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: ParseError,
    },
    /// An OS error while reading or writing.
    #[error("could not {action} {path}: {source}", path = .path.display())]
    Io {
        /// What we were doing ("read", "write", "lock", ...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Another process holds the session's lock.
    #[error("{path} is locked by another Soundmind process ({holder})", path = .path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// Who holds it, as written in the lock file.
        holder: String,
    },
    /// The id is not a valid session id.
    #[error(transparent)]
    InvalidId(#[from] IdError),
    /// The search index failed.
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| StoreError::Io { action, path, source }
    }
}
