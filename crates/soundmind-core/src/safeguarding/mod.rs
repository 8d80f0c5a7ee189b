//! Safeguarding data: the crisis help lines Soundmind shows to someone who may be at risk.
//!
//! The help lines come from `data/crisis-resources.toml`, embedded at build time. They are never produced by a
//! model. See [`resources`] for the types, lookup and plain-text rendering.

pub mod care;
pub mod resources;
pub mod screening;

pub use care::{
    CareWording, CheckIn, check_in_answer_is_unsafe, check_in_due, concern_message, first_run_note,
    mention_note, worse_message,
};
pub use resources::{Country, CrisisDirectory, ResourcesError, Service, UnknownCountry};
pub use screening::{CrisisKind, Screening, screen};
