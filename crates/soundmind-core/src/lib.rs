//! Soundmind's domain core: journal sessions, exchanges, ids, the HSJ frontmatter model, and safeguarding data.
//!
//! This crate owns the *shape* of a user's journal and the rules about it. It does no I/O, reads no clock,
//! spawns no threads and knows no engine: the current time, ids and file contents are inputs, so every rule
//! here is tested with plain function calls. It must not import tokio, an HTTP client, or any other workspace
//! crate.
//!
//! Design decision: session files are kept as a parsed frontmatter map plus the body *text*, not as a fully
//! structured list of exchanges. Exchanges are parsed from the body on demand. The cost is a little parsing on
//! every read; the gain is that anything a user (or HSJ) wrote into the body survives a round trip untouched.
#![warn(missing_docs)]

pub mod dialogue;
pub mod frontmatter;
pub mod ids;
pub mod insights;
pub mod safeguarding;
pub mod session;
pub mod transcript;
pub mod yaml;

pub use frontmatter::NewSession;
pub use frontmatter::{AudioFile, Frontmatter};
pub use ids::{IdError, SessionId};
pub use session::{Answer, Exchange, ParseError, SessionDoc};
