//! Audio for Soundmind: decode what people record in (WAV, WebM/Opus, Ogg/Opus, MP3, M4A/AAC, FLAC), resample to
//! the 16 kHz mono `f32` every engine takes, measure levels, find pauses, and encode takes to Ogg Opus.
//!
//! It depends only on `soundmind-engine` (for the sample rate and the transcript type the hallucination guard
//! filters). Design decision: decoding streams in blocks ([`Decoder`]), so a three-hour file never sits in
//! memory at its source rate; the cost is a resampler with a little state to carry between blocks.
#![warn(missing_docs)]

mod decode;
pub mod encode;
pub mod gate;
pub mod level;
pub mod source;
pub mod vad;

pub use decode::{AudioError, DecodedInfo, Decoder, decode_file};
pub use encode::{EncodeError, encode_ogg_opus};
pub use source::{AudioSource, FileSource, SourceError, SourceEvent, Stream};
