//! Soundmind's application layer: one resolved configuration, secrets, and the services the CLI, web and
//! desktop front ends drive (the session service, questions, summaries, prompts). It sees the store and the engine
//! traits, never a concrete engine.
//!
//! Front ends depend on this crate and on `soundmind-core`, never on the store directly: what they need from
//! it is re-exported here, so the store can change shape without touching a front end.
#![warn(missing_docs)]

pub mod compress;
pub mod config;
pub mod export;
pub mod insights;
pub mod merge;
pub mod prompts;
pub mod questions;
pub mod repair;
pub mod session;
pub mod sessions;
pub mod stt;
pub mod summaries;
pub mod take;

pub use sessions::{Sessions, SummaryRow, SummaryState};
pub use soundmind_store::lock::SessionLock;
pub use soundmind_store::search::SearchHit;
pub use soundmind_store::segment;
pub use soundmind_store::{InsightsEntry, Journal, SessionEntry, StoreError};
