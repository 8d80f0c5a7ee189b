//! Crisis-language screening: runs on every transcript before any language model sees it, in two layers (see
//! [`Layer`]): the explicit-phrase matcher described below, and a concept layer (`concepts.rs`) that finds a
//! means, a plan, a farewell or an attempt meeting the speaker where no phrase spells it out. What the concept
//! layer infers is a [`Screening::Concern`]: the app asks a fixed safety check-in instead of a question.
//!
//! [`screen`] returns [`Screening::Crisis`] only for *explicit* statements of present risk ("I want to kill
//! myself", "ich will nicht mehr leben", "my husband hits me", "I'm going to hurt him"). On a crisis the app
//! stops the reflective dialogue and shows the fixed help lines from [`super::CrisisDirectory`]; a crisis must
//! never be answered with a reflective question. [`Screening::Mention`] covers crisis topics without a present
//! risk to the user (negated, someone else's words or state, long ago); the app shows a one-line resources note
//! and carries on. Everything else is [`Screening::Clear`], including idioms ("this heat is killing me", "ich
//! lach mich tot") and hard feelings that are not a crisis ("I feel hopeless about this project").
//!
//! # How it works
//!
//! 1. **Normalise** (one pass, linear): lowercase; `ä ö ü ß` become `ae oe ue ss`, so "möchte" and "moechte"
//!    are the same token; the apostrophes `’ ' ʼ ‘` are unified and English contractions expanded ("don't" →
//!    "do not", "I'm" → "i am", also the apostrophe-less "dont", "im", "wanna", "gonna"); punctuation is
//!    stripped. `. ! ?`, line breaks and `;` end a clause, as do the words *but* and *aber*; a conjunction
//!    directly followed by *I*/*ich* ("… and I want to die") starts a new clause too. Commas, colons, dashes and
//!    ellipses are remembered as soft boundaries. Text inside closed quotation marks is flagged as quoted.
//! 2. **Match** a fixed table of token patterns, clause by clause, looked up by their first token. A pattern
//!    is a sequence of word alternatives (`kill|killing myself`), with optional words (`?own`), bounded gaps
//!    (`~2`: up to two tokens of any kind), an end-of-clause anchor (`$`) and a one-token negative look-ahead
//!    (`!laughing`) for idioms. Every window the matcher looks at is bounded, so screening is linear in the
//!    length of the text.
//! 3. **Judge** each match: quoted or reported speech of a third person ("my friend said she wanted to die"),
//!    a third-person subject ("he'd end it"), a negator governing the phrase ("I would never kill myself", "ich
//!    will mich nicht umbringen") or a long-ago marker without a present one ("years ago I thought about ending
//!    it") turn a crisis phrase into a [`Screening::Mention`]. Phrases that are themselves negative statements
//!    of risk ("don't want to live", "nicht mehr leben", "no reason to live") are immune to negation. A thing
//!    as the subject ("das wird mich noch umbringen") makes the match an idiom: [`Screening::Clear`]. Abuse
//!    patterns *are* third-person ("he hits me"), so a third-person subject keeps them a crisis.
//!
//! The matcher errs towards `Crisis` when a statement is explicit but oddly phrased; it does not try to read
//! between the lines (implicit hopelessness is `Clear` by design: the reflective dialogue, not this screen,
//! is the place for it).

mod concepts;
mod doc;
mod judge;
mod lexicon;
mod pattern;
mod rules;
pub mod semantic;
#[cfg(test)]
mod tests;

use doc::Doc;
use pattern::rules;

/// The outcome of screening a transcript: the strongest finding over all its sentences and layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screening {
    /// Nothing of concern.
    Clear,
    /// Crisis topics without a present risk to the user: negated statements ("I would never kill myself"),
    /// someone else's words or state ("my friend said she wanted to die"), or long ago ("years ago I thought
    /// about ending it"). The app shows a gentle one-line resources note but continues.
    Mention,
    /// Possible present risk, said indirectly ("I wish I could sleep and not wake up", the rope in the
    /// garage with nothing said about it): the next question is the fixed safety check-in from the care data
    /// ("Are you safe right now?"), with the help lines in view; never a model's question.
    Concern(CrisisKind),
    /// Explicit present risk: the app stops the dialogue and shows the help lines.
    Crisis(CrisisKind),
}

/// The kind of an explicit crisis statement. When one transcript holds several, [`screen`] reports the most
/// severe in this order: [`SuicidalIntent`](Self::SuicidalIntent), [`HarmToOthers`](Self::HarmToOthers),
/// [`Abuse`](Self::Abuse), [`SelfHarm`](Self::SelfHarm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrisisKind {
    /// Suicidal intent or wish: "I want to kill myself", "ich will nicht mehr leben".
    SuicidalIntent,
    /// Self-harm: "I've been cutting myself again", "ich ritze mich".
    SelfHarm,
    /// Intent to harm another person: "I'm going to hurt him", "ich bringe ihn um".
    HarmToOthers,
    /// The user is being harmed by someone: "my husband hits me", "ich werde missbraucht".
    Abuse,
}

impl CrisisKind {
    /// A stable snake_case name (`suicidal`, `self_harm`, `harm_to_others`, `abuse`), e.g. for a content-free
    /// `crisis_flagged` log event.
    pub fn as_str(self) -> &'static str {
        match self {
            CrisisKind::SuicidalIntent => "suicidal",
            CrisisKind::SelfHarm => "self_harm",
            CrisisKind::HarmToOthers => "harm_to_others",
            CrisisKind::Abuse => "abuse",
        }
    }

    fn severity(self) -> u8 {
        match self {
            CrisisKind::SelfHarm => 0,
            CrisisKind::Abuse => 1,
            CrisisKind::HarmToOthers => 2,
            CrisisKind::SuicidalIntent => 3,
        }
    }
}

impl Screening {
    /// Whether the finding is an explicit crisis, which must stop the dialogue.
    pub fn is_crisis(&self) -> bool {
        matches!(self, Screening::Crisis(_))
    }

    /// Whether the reflective dialogue must not go on with a model's question: a crisis or a concern.
    pub fn stops_reflection(&self) -> bool {
        matches!(self, Screening::Crisis(_) | Screening::Concern(_))
    }

    fn rank(self) -> u8 {
        match self {
            Screening::Clear => 0,
            Screening::Mention => 1,
            Screening::Concern(kind) => 2 + kind.severity(),
            Screening::Crisis(kind) => 6 + kind.severity(),
        }
    }

    /// The stronger of two findings (a crisis over a concern over a mention; the graver kind within a level).
    pub fn stronger(self, other: Screening) -> Screening {
        if other.rank() > self.rank() { other } else { self }
    }
}

/// The layers of the screen, each usable alone so that what each adds can be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The explicit-phrase table (`rules.rs`), judged for subject, negation, quotation and time.
    Phrases,
    /// Concepts that meet in one stretch of speech (`concepts.rs`): a means, a plan, a farewell or an attempt
    /// together with the speaker; finds what no phrase in the table spells out.
    Concepts,
    /// Both, the stronger finding winning: what [`screen`] returns.
    Combined,
}

impl Layer {
    /// Every layer, in the order of the evaluation table.
    pub const ALL: [Layer; 3] = [Layer::Phrases, Layer::Concepts, Layer::Combined];
}

/// Screens a transcript (any length, English or German) and returns the strongest finding over all its
/// sentences and both layers. Runs in time linear in the length of `text`; no network, no model.
pub fn screen(text: &str) -> Screening {
    screen_layer(text, Layer::Combined)
}

/// Screens with one layer only (or both, as [`screen`]): for measuring what each layer adds.
pub fn screen_layer(text: &str, layer: Layer) -> Screening {
    let doc = Doc::new(text);
    let mut settled = Vec::new();
    match layer {
        Layer::Phrases => phrases(&doc, &mut settled),
        Layer::Concepts => concepts::screen(&doc, &[]),
        Layer::Combined => phrases(&doc, &mut settled).stronger(concepts::screen(&doc, &settled)),
    }
}

/// The phrase layer. Leaves in `settled` the spans of the matches it judged not to be a present risk.
fn phrases(doc: &Doc, settled: &mut Vec<(usize, usize)>) -> Screening {
    let mut best = Screening::Clear;
    rules().for_each_match(doc, |spec, (cs, ce), start, end, lits| {
        let finding = doc.judge(spec, cs, ce, start, end, lits);
        if !finding.stops_reflection() {
            settled.push((start, end));
        }
        best = best.stronger(finding);
    });
    best
}
