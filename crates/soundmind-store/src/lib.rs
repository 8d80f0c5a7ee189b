//! The journal folder on disk.
//!
//! Owns everything that touches the user's sessions directory: reading and writing HSJ-compatible session
//! Markdown, atomic durable writes, cross-process per-session locks, the metadata-only `events.log`, and the
//! full-text search index (a cache in the OS cache dir, always rebuildable from the files). It imports only
//! `soundmind-core`, never an engine.
//!
//! Design decision: every mutation of a session is "lock, re-read, change, write once". Re-reading costs a
//! parse per write, but it means two processes (the CLI and the app) on one folder never lose each other's
//! changes, and appending an exchange rewrites the file exactly once.
#![warn(missing_docs)]

pub mod atomic;
pub mod error;
pub mod events;
pub mod insights;
pub mod journal;
pub mod lock;
pub mod search;
pub mod segment;

pub use error::StoreError;
pub use events::EventLog;
pub use insights::InsightsEntry;
pub use journal::{Journal, SessionEntry};

#[doc(hidden)]
pub use serde_json as __serde_json;
