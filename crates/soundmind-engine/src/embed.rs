//! [`Embedder`]: text to vectors, for the semantic layer of the crisis screen.

use crate::{CancelToken, EngineError};

/// Turns pieces of text into fixed-length vectors. The crisis screen compares them with what it learned from its
/// exemplar bank, so an embedder is only useful with the model its weights were trained on.
pub trait Embedder: Send + Sync {
    /// The model, as a short name for logs and `diagnose`.
    fn model(&self) -> String;

    /// One vector per text, in order, each of the model's width. Blocks; returns [`EngineError::Cancelled`] soon
    /// after `cancel` is set.
    fn embed(&self, texts: &[&str], cancel: &CancelToken) -> Result<Vec<Vec<f32>>, EngineError>;
}
