//! The semantic layer's judgement: a linear probe over sentence vectors, trained on the exemplar bank.
//!
//! The phrase and concept layers hear words; this one hears how a piece of speech sits among the statements of
//! risk and the hard negatives it was trained on, so it can catch phrasings no rule spells out. It only raises:
//! when a piece scores above the threshold the answer gets the fixed safety check-in ([`Screening::Concern`]),
//! never a crisis on its own, and a low score never lowers what the other layers found.
//!
//! This module is pure: the app cuts an answer into [`pieces`], has them embedded by the model the weights name
//! (mean-pooled hidden states through llama.cpp), and passes the vectors to [`SemanticProbe::judge`]. The weights
//! are `data/screening-probe.toml`, written by `cargo run -p soundmind --example train_screening_probe`, which
//! also records the model file's SHA-256: vectors from any other model mean nothing to them.

use std::sync::OnceLock;

use serde::Deserialize;

use super::{CrisisKind, Screening};

const BUILTIN_TOML: &str = include_str!("../../../../../data/screening-probe.toml");

/// Pieces shorter than this many words are joined to the next sentence (the bank's statements are 6–25 words).
const MIN_PIECE_WORDS: usize = 8;
/// Pieces longer than this are cut into overlapping windows of [`WINDOW_WORDS`].
const MAX_PIECE_WORDS: usize = 40;
const WINDOW_WORDS: usize = 24;
const WINDOW_STEP: usize = 12;

/// The trained weights of the semantic layer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SemanticProbe {
    /// The format version (1).
    pub version: u32,
    /// When these weights were trained.
    pub trained: String,
    /// The GGUF file the vectors must come from.
    pub model_file: String,
    /// Its SHA-256 (lower-case hex).
    pub model_sha256: String,
    /// A piece whose risk score is above this raises a concern.
    pub threshold: f32,
    /// Statement of risk against hard negative.
    pub risk: Linear,
    /// One-against-the-rest scores that name the kind of risk, in [`KINDS`] order.
    pub kinds: Vec<Linear>,
}

/// A linear score `weights · x + bias` (the features' standardisation is folded in).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linear {
    /// The bias.
    pub bias: f32,
    /// One weight per vector component.
    pub weights: Vec<f32>,
}

impl Linear {
    /// The score of `x`; `None` when its width does not match.
    pub fn score(&self, x: &[f32]) -> Option<f32> {
        (x.len() == self.weights.len())
            .then(|| self.bias + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f32>())
    }
}

/// The kinds the probe names, in the order of [`SemanticProbe::kinds`].
pub const KINDS: [CrisisKind; 4] = [
    CrisisKind::SuicidalIntent,
    CrisisKind::SelfHarm,
    CrisisKind::HarmToOthers,
    CrisisKind::Abuse,
];

impl SemanticProbe {
    /// The weights shipped with the app.
    pub fn builtin() -> &'static SemanticProbe {
        static PROBE: OnceLock<SemanticProbe> = OnceLock::new();
        PROBE.get_or_init(|| {
            let probe: SemanticProbe =
                toml::from_str(BUILTIN_TOML).expect("data/screening-probe.toml parses (checked by a test)");
            probe
                .check()
                .expect("data/screening-probe.toml is consistent (checked by a test)");
            probe
        })
    }

    /// Parses weights from TOML and checks their shape.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let probe: SemanticProbe = toml::from_str(text).map_err(|e| e.to_string())?;
        probe.check()?;
        Ok(probe)
    }

    fn check(&self) -> Result<(), String> {
        let width = self.risk.weights.len();
        if self.version != 1 {
            return Err(format!("unknown version {}", self.version));
        }
        if width == 0
            || self.kinds.len() != KINDS.len()
            || self.kinds.iter().any(|k| k.weights.len() != width)
        {
            return Err("the risk and kind weights must be of one width, with four kinds".into());
        }
        if self.model_sha256.len() != 64 || !self.model_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("model_sha256 must be 64 hex digits".into());
        }
        Ok(())
    }

    /// The width of the vectors the weights expect.
    pub fn width(&self) -> usize {
        self.risk.weights.len()
    }

    /// What the vectors of an answer's pieces add up to: a concern (of the kind that scores highest on the piece
    /// that scores highest for risk) when any piece is above the threshold, otherwise clear. Vectors of the wrong
    /// width are ignored.
    pub fn judge(&self, vectors: &[Vec<f32>]) -> Screening {
        let riskiest = vectors
            .iter()
            .filter_map(|v| Some((self.risk.score(v)?, v)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match riskiest {
            Some((score, v)) if score > self.threshold => Screening::Concern(self.kind(v)),
            _ => Screening::Clear,
        }
    }

    fn kind(&self, v: &[f32]) -> CrisisKind {
        self.kinds
            .iter()
            .zip(KINDS)
            .filter_map(|(k, kind)| Some((k.score(v)?, kind)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map_or(CrisisKind::SuicidalIntent, |(_, kind)| kind)
    }
}

/// Cuts an answer into pieces the size of the bank's statements: the whole answer when it is short; otherwise
/// its sentences (short ones joined to the next), and windows over any stretch without punctuation (as
/// speech-to-text often writes it).
pub fn pieces(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= MAX_PIECE_WORDS {
        return if words.is_empty() {
            Vec::new()
        } else {
            vec![words.join(" ")]
        };
    }
    let mut pieces = Vec::new();
    let mut sentence: Vec<&str> = Vec::new();
    let flush = |sentence: &mut Vec<&str>, pieces: &mut Vec<String>| {
        if sentence.len() <= MAX_PIECE_WORDS {
            pieces.push(sentence.join(" "));
        } else {
            let mut start = 0;
            loop {
                let end = (start + WINDOW_WORDS).min(sentence.len());
                pieces.push(sentence[start..end].join(" "));
                if end == sentence.len() {
                    break;
                }
                start += WINDOW_STEP;
            }
        }
        sentence.clear();
    };
    for word in words {
        sentence.push(word);
        let ends = word.ends_with(['.', '!', '?', ';']) || word.ends_with("...") || word.ends_with('…');
        if ends && sentence.len() >= MIN_PIECE_WORDS {
            flush(&mut sentence, &mut pieces);
        }
    }
    if !sentence.is_empty() {
        flush(&mut sentence, &mut pieces);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_weights_parse_and_fit_their_model() {
        let probe = SemanticProbe::from_toml(BUILTIN_TOML).unwrap();
        assert_eq!(probe.model_file, "SmolLM2-135M-Instruct.Q4_1.gguf");
        assert!(probe.width() > 0);
        assert_eq!(SemanticProbe::builtin().width(), probe.width());
    }

    #[test]
    fn judge_raises_only_above_the_threshold_and_names_the_kind() {
        let probe = SemanticProbe {
            version: 1,
            trained: "2026-12-07".into(),
            model_file: "m.gguf".into(),
            model_sha256: "0".repeat(64),
            threshold: 0.5,
            risk: Linear {
                bias: 0.0,
                weights: vec![1.0, 0.0],
            },
            kinds: vec![
                Linear {
                    bias: 0.0,
                    weights: vec![0.0, 1.0],
                },
                Linear {
                    bias: 0.0,
                    weights: vec![0.0, -1.0],
                },
                Linear {
                    bias: -5.0,
                    weights: vec![0.0, 0.0],
                },
                Linear {
                    bias: -5.0,
                    weights: vec![0.0, 0.0],
                },
            ],
        };
        assert_eq!(probe.judge(&[vec![0.4, 1.0]]), Screening::Clear);
        assert_eq!(probe.judge(&[]), Screening::Clear);
        assert_eq!(
            probe.judge(&[vec![9.0]]),
            Screening::Clear,
            "a vector of the wrong width is ignored"
        );
        assert_eq!(
            probe.judge(&[vec![0.4, 1.0], vec![0.9, -1.0]]),
            Screening::Concern(CrisisKind::SelfHarm)
        );
        assert_eq!(
            probe.judge(&[vec![0.9, 1.0]]),
            Screening::Concern(CrisisKind::SuicidalIntent)
        );
    }

    #[test]
    fn pieces_follow_sentences_and_window_long_unpunctuated_speech() {
        assert_eq!(pieces("  i bought a rope today  "), ["i bought a rope today"]);
        assert!(pieces(" \n ").is_empty());
        let typed = "Work was long. I met Sam for lunch and we talked about the move and the boxes. \
                     Then I came home and the cat was asleep on the sofa and I watched a film about trains. \
                     This is my last entry and the letters for the kids are in the drawer.";
        let got = pieces(typed);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            got[0].starts_with("Work was long. I met Sam"),
            "a short sentence joins the next: {got:?}"
        );
        assert_eq!(
            got[2],
            "This is my last entry and the letters for the kids are in the drawer."
        );
        let spoken: String = (0..100).map(|i| format!("w{i} ")).collect();
        let got = pieces(&spoken);
        assert!(
            got.iter().all(|p| p.split(' ').count() <= WINDOW_WORDS),
            "{got:?}"
        );
        assert_eq!(got.first().unwrap().split(' ').next(), Some("w0"));
        assert!(got.last().unwrap().ends_with("w99"), "{got:?}");
    }
}
