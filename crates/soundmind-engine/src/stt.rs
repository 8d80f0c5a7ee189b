//! Speech-to-text: the [`Transcriber`] trait and what it takes and returns.

use serde::{Deserialize, Serialize};

use crate::{CancelToken, EngineError};

/// Speed/accuracy trade-off. Engines map it to decoding strategy and model choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Greedy decoding, smallest model.
    Fast,
    /// The balanced choice.
    #[default]
    Default,
    /// Beam search, larger model.
    Accuracy,
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "fast" => Ok(Preset::Fast),
            "default" => Ok(Preset::Default),
            "accuracy" => Ok(Preset::Accuracy),
            other => Err(format!("unknown preset {other:?}: use fast, default or accuracy")),
        }
    }
}

/// Options for one transcription.
#[derive(Debug, Clone, Default)]
pub struct SttOptions {
    /// ISO 639-1 language code, or `None` to detect it.
    pub language: Option<String>,
    /// Names and terms that may appear (sent as the initial prompt / vocabulary hint).
    pub vocabulary: Vec<String>,
    /// Speed/accuracy preset.
    pub preset: Preset,
}

impl SttOptions {
    /// HSJ's vocabulary prompt: "Names and terms that may appear: a, b, …", or `None` without terms.
    pub fn vocabulary_prompt(&self) -> Option<String> {
        let mut terms: Vec<&str> = Vec::new();
        for term in self.vocabulary.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        (!terms.is_empty()).then(|| format!("Names and terms that may appear: {}.", terms.join(", ")))
    }
}

/// A timed piece of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start, in milliseconds from the start of the audio.
    pub start_ms: u64,
    /// End, in milliseconds.
    pub end_ms: u64,
    /// The words.
    pub text: String,
}

/// The result of a transcription.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The whole text, trimmed; empty when nothing was said.
    pub text: String,
    /// Timed segments.
    pub segments: Vec<Segment>,
    /// Detected or requested language.
    pub language: Option<String>,
    /// The engine's own output, kept verbatim for the `.stt.json` sidecar.
    pub raw: serde_json::Value,
}

/// Progress reported while transcribing.
#[derive(Debug, Clone, PartialEq)]
pub enum SttEvent {
    /// Fraction done, 0.0 to 1.0.
    Progress(f32),
    /// A segment is final.
    Segment(Segment),
}

/// A speech-to-text engine.
pub trait Transcriber: Send + Sync {
    /// A short name for logs and frontmatter (`whisper.cpp`, `openai`).
    fn name(&self) -> &str;

    /// The model in use (frontmatter `model_stt`).
    fn model(&self) -> String;

    /// Transcribes 16 kHz mono samples. Blocks until done, calling `on_event` with progress and segments.
    /// Returns [`EngineError::Cancelled`] soon after `cancel` is set.
    fn transcribe(
        &self,
        audio: &[f32],
        options: &SttOptions,
        on_event: &mut dyn FnMut(SttEvent),
        cancel: &CancelToken,
    ) -> Result<Transcript, EngineError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_prompt_dedups_like_hsj() {
        let options = SttOptions {
            vocabulary: vec!["Priya".into(), " Donaukanal ".into(), "Priya".into()],
            ..Default::default()
        };
        assert_eq!(
            options.vocabulary_prompt().unwrap(),
            "Names and terms that may appear: Priya, Donaukanal."
        );
        assert_eq!(SttOptions::default().vocabulary_prompt(), None);
    }
}
