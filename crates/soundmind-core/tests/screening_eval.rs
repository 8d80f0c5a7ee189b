//! Crisis screening measured on statements written apart from the rules (`tests/data/screening/`).
//!
//! Two helper sessions that had not read the screening code wrote the corpus, each its own file, by category (the
//! Columbia scale's levels for suicide, self-harm, harm to others, abuse) and with hard negatives of the same
//! size that share the words (pills, rope, bridge, razor, "last entry"). `dev.toml` is the split the rules are
//! tuned on, and so is the exemplar bank (`data/screening-exemplars.toml`, 680 statements by a third helper
//! who read neither); `holdout.toml` is never tuned on: for it this test prints numbers only, never the statements it
//! misses, so that reading a failure cannot turn it into a tuning set.
//!
//! What counts: a statement of risk must not be answered with a reflective question, so it is *caught* when
//! the screen says [`Screening::Crisis`] or [`Screening::Concern`] (a fixed safety check-in). The table also
//! shows how many reached `Crisis` itself. A hard negative is a *false alarm* at either level, counted apart.
//!
//! Run `cargo test -p soundmind-core --test screening_eval -- --nocapture` to see the table (scripts/test prints
//! it into the CI log).

use std::fmt::Write as _;

use serde::Deserialize;
use soundmind_core::safeguarding::screening::{Layer, Screening, screen_layer};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    statement: Vec<Statement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Statement {
    text: String,
    level: Level,
    category: String,
    lang: String,
    style: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Level {
    Crisis,
    Concern,
    Clear,
}

const POSITIVE: &[&str] = &[
    "suicide_wish",
    "suicide_ideation",
    "suicide_method",
    "suicide_intent_plan",
    "suicide_preparation",
    "suicide_attempt",
    "self_harm",
    "harm_to_others",
    "abuse",
];
const NEGATIVE: &[&str] = &[
    "neg_idiom",
    "neg_past",
    "neg_third_person",
    "neg_fiction_news",
    "neg_practical",
    "neg_professional",
    "neg_negated",
    "neg_hard_feelings",
];

/// The bar from the safeguarding plan, checked on each split.
const MIN_RECALL: f64 = 0.98;
const MIN_CATEGORY_RECALL: f64 = 0.95;
const MAX_NEGATIVES_AT_CRISIS: f64 = 0.05;
const MAX_NEGATIVES_AT_CONCERN: f64 = 0.10;

fn load(name: &str, text: &str) -> Vec<Statement> {
    let corpus: Corpus = toml::from_str(text).unwrap_or_else(|e| panic!("{name} parses: {e}"));
    for s in &corpus.statement {
        let positive = POSITIVE.contains(&s.category.as_str());
        assert!(
            positive || NEGATIVE.contains(&s.category.as_str()),
            "{name}: unknown category {:?}",
            s.category
        );
        assert_eq!(
            positive,
            s.level != Level::Clear,
            "{name}: level and category disagree: {:?}",
            s.text
        );
        assert!(
            matches!(s.lang.as_str(), "en" | "de"),
            "{name}: lang {:?}",
            s.lang
        );
        assert!(
            matches!(s.style.as_str(), "typed" | "whisper"),
            "{name}: style {:?}",
            s.style
        );
    }
    corpus.statement
}

fn dev() -> Vec<Statement> {
    load("dev.toml", include_str!("data/screening/dev.toml"))
}

/// The exemplar bank (`data/screening-exemplars.toml`): written blind by a third helper for a semantic layer not
/// built yet, and tuned on like `dev`.
fn bank() -> Vec<Statement> {
    load(
        "screening-exemplars.toml",
        include_str!("../../../data/screening-exemplars.toml"),
    )
}

fn holdout() -> Vec<Statement> {
    load("holdout.toml", include_str!("data/screening/holdout.toml"))
}

fn caught(s: Screening) -> bool {
    matches!(s, Screening::Crisis(_) | Screening::Concern(_))
}

fn pct(num: usize, den: usize) -> f64 {
    if den == 0 {
        100.0
    } else {
        100.0 * num as f64 / den as f64
    }
}

/// The numbers of one split under one layer.
#[derive(Debug, Default)]
struct Score {
    positives: usize,
    caught: usize,
    at_crisis: usize,
    negatives: usize,
    negatives_at_crisis: usize,
    negatives_at_concern: usize,
    worst_category: Option<(String, f64)>,
    misses: Vec<String>,
}

impl Score {
    fn recall(&self) -> f64 {
        self.caught as f64 / self.positives.max(1) as f64
    }

    fn meets_the_bar(&self) -> bool {
        self.recall() >= MIN_RECALL
            && self
                .worst_category
                .as_ref()
                .is_none_or(|(_, r)| *r >= MIN_CATEGORY_RECALL)
            && (self.negatives_at_crisis as f64) <= MAX_NEGATIVES_AT_CRISIS * self.negatives as f64
            && (self.negatives_at_concern as f64) <= MAX_NEGATIVES_AT_CONCERN * self.negatives as f64
    }
}

fn score(split: &str, statements: &[Statement], layer: Layer, report: &mut String, table: bool) -> Score {
    let results: Vec<(&Statement, Screening)> = statements
        .iter()
        .map(|s| (s, screen_layer(&s.text, layer)))
        .collect();
    let mut score = Score::default();
    if table {
        let _ = writeln!(report, "{split} · {layer:?}");
        let _ = writeln!(
            report,
            "  {:<22} {:>4} {:>7} {:>7} {:>8}",
            "category", "n", "caught", "crisis", "recall"
        );
    }
    for category in POSITIVE {
        let rows: Vec<_> = results.iter().filter(|(s, _)| s.category == *category).collect();
        let n = rows.len();
        let hit = rows.iter().filter(|(_, got)| caught(*got)).count();
        let crisis = rows.iter().filter(|(_, got)| got.is_crisis()).count();
        score.positives += n;
        score.caught += hit;
        score.at_crisis += crisis;
        let recall = hit as f64 / n.max(1) as f64;
        if score.worst_category.as_ref().is_none_or(|(_, r)| recall < *r) {
            score.worst_category = Some(((*category).to_owned(), recall));
        }
        if table {
            let _ = writeln!(
                report,
                "  {category:<22} {n:>4} {hit:>7} {crisis:>7} {:>7.1}%",
                pct(hit, n)
            );
        }
    }
    if table {
        let _ = writeln!(
            report,
            "  {:<22} {:>4} {:>7} {:>7} {:>8}",
            "hard negative", "n", "crisis", "concern", "clear"
        );
    }
    for category in NEGATIVE {
        let rows: Vec<_> = results.iter().filter(|(s, _)| s.category == *category).collect();
        let n = rows.len();
        let crisis = rows.iter().filter(|(_, got)| got.is_crisis()).count();
        let concern = rows
            .iter()
            .filter(|(_, got)| matches!(got, Screening::Concern(_)))
            .count();
        score.negatives += n;
        score.negatives_at_crisis += crisis;
        score.negatives_at_concern += concern;
        if table {
            let _ = writeln!(
                report,
                "  {category:<22} {n:>4} {crisis:>7} {concern:>7} {:>7.1}%",
                pct(n - crisis - concern, n)
            );
        }
    }
    for (s, got) in &results {
        let positive = s.level != Level::Clear;
        if positive != caught(*got) {
            score.misses.push(format!(
                "  [{} {} {}] got {got:?}: {:?}",
                s.category, s.lang, s.style, s.text
            ));
        }
    }
    let _ = writeln!(
        report,
        "{split:<8} {layer:<9} recall {:>5.1}% ({}/{}; at crisis {:.1}%), worst category {} {:.1}%, hard negatives raised to crisis {:.1}% and to concern {:.1}% (of {})",
        100.0 * score.recall(),
        score.caught,
        score.positives,
        pct(score.at_crisis, score.positives),
        score.worst_category.as_ref().map_or("-", |(c, _)| c.as_str()),
        100.0 * score.worst_category.as_ref().map_or(1.0, |(_, r)| *r),
        pct(score.negatives_at_crisis, score.negatives),
        pct(score.negatives_at_concern, score.negatives),
        score.negatives,
        layer = format!("{layer:?}"),
    );
    score
}

#[test]
fn the_corpus_is_big_enough_and_balanced() {
    for (name, split) in [("dev", dev()), ("holdout", holdout())] {
        let positives = split.iter().filter(|s| s.level != Level::Clear).count();
        let negatives = split.len() - positives;
        assert!(split.len() >= 150, "{name}: {} statements", split.len());
        assert!(
            negatives * 10 >= positives * 9,
            "{name}: {negatives} hard negatives for {positives} statements of risk"
        );
        for category in POSITIVE.iter().chain(NEGATIVE) {
            for lang in ["en", "de"] {
                assert!(
                    split.iter().any(|s| s.category == *category && s.lang == lang)
                        || *category == "neg_professional",
                    "{name}: no {lang} statement in {category}"
                );
            }
        }
    }
    assert!(dev().len() + holdout().len() >= 300);
}

/// Prints the per-category table of every split under every layer, and whether the combined screen meets the
/// safeguarding bar on each split. What it asserts are floors a little under what the layers measured when they
/// were written (a regression guard that fails when a change loses statements of risk or raises more false
/// alarms), not the bar itself, which the screen does not meet yet on the held-out split (see ARCHITECTURE.md,
/// "Crisis screening").
#[test]
fn recall_and_false_alarms_per_split_and_layer() {
    let mut report = String::new();
    let mut combined = Vec::new();
    for (split, statements) in [("dev", dev()), ("holdout", holdout()), ("bank", bank())] {
        for layer in Layer::ALL {
            let table = layer == Layer::Combined;
            let score = score(split, &statements, layer, &mut report, table);
            if layer == Layer::Combined {
                combined.push((split, score));
            }
        }
    }
    for (split, score) in &combined {
        let _ = writeln!(
            report,
            "{split:<8} bar (recall >= {:.0}%, every category >= {:.0}%, hard negatives <= {:.0}% at crisis and <= {:.0}% at concern): {}",
            100.0 * MIN_RECALL,
            100.0 * MIN_CATEGORY_RECALL,
            100.0 * MAX_NEGATIVES_AT_CRISIS,
            100.0 * MAX_NEGATIVES_AT_CONCERN,
            if score.meets_the_bar() { "met" } else { "NOT met" }
        );
    }
    let (_, dev) = &combined[0];
    let (_, holdout) = &combined[1];
    let (_, bank) = &combined[2];
    for (split, score) in [("dev", dev), ("bank", bank)] {
        if !score.misses.is_empty() {
            let _ = writeln!(report, "{split} split, wrong ({}):", score.misses.len());
            for line in &score.misses {
                let _ = writeln!(report, "{line}");
            }
        }
    }
    println!("{report}");
    eprintln!("{report}");
    for (split, score, floor) in [
        ("dev", dev, DEV_FLOOR),
        ("holdout", holdout, HOLDOUT_FLOOR),
        ("bank", bank, BANK_FLOOR),
    ] {
        assert!(
            score.recall() >= floor.recall,
            "{split}: recall fell to {:.1}%",
            100.0 * score.recall()
        );
        assert!(
            pct(score.negatives_at_crisis, score.negatives) <= floor.negatives_at_crisis_pct,
            "{split}: {} hard negatives raised to crisis",
            score.negatives_at_crisis
        );
        assert!(
            pct(score.negatives_at_concern, score.negatives) <= floor.negatives_at_concern_pct,
            "{split}: {} hard negatives raised to concern",
            score.negatives_at_concern
        );
    }
}

/// What a split must not fall below (recall) or rise above (false alarms, in per cent).
#[derive(Debug, Clone, Copy)]
struct Floor {
    recall: f64,
    negatives_at_crisis_pct: f64,
    negatives_at_concern_pct: f64,
}

/// Measured when the concept layer was tuned on the exemplar bank: dev 92.3 % recall, 5.4 % / 7.7 % false alarms.
const DEV_FLOOR: Floor = Floor {
    recall: 0.92,
    negatives_at_crisis_pct: 5.5,
    negatives_at_concern_pct: 8.0,
};

/// Measured then: held-out 63.1 % recall, 4.6 % / 16.9 % false alarms (48.5 %, 3.8 % / 10.0 % before the
/// bank). More hard negatives now get the safety check-in; see ARCHITECTURE.md for why that trade was taken.
const HOLDOUT_FLOOR: Floor = Floor {
    recall: 0.62,
    negatives_at_crisis_pct: 5.0,
    negatives_at_concern_pct: 17.0,
};

/// Measured then: bank 73.6 % recall, 5.9 % / 4.4 % false alarms (43.6 %, 5.6 % / 5.0 % before it was tuned on).
const BANK_FLOOR: Floor = Floor {
    recall: 0.73,
    negatives_at_crisis_pct: 6.0,
    negatives_at_concern_pct: 4.5,
};
