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

use soundmind_core::safeguarding::screening::{Layer, Screening, screen_layer};
use soundmind_testkit::screening::{Floor, Level, NEGATIVE, POSITIVE, Statement, bar_line, score, split};

fn dev() -> Vec<Statement> {
    split("dev")
}

/// The exemplar bank (`data/screening-exemplars.toml`): written blind by a third helper for the semantic layer,
/// and tuned on like `dev`.
fn bank() -> Vec<Statement> {
    split("bank")
}

fn holdout() -> Vec<Statement> {
    split("holdout")
}

fn level(s: Screening) -> Level {
    match s {
        Screening::Crisis(_) => Level::Crisis,
        Screening::Concern(_) => Level::Concern,
        Screening::Mention | Screening::Clear => Level::Clear,
    }
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
            let results: Vec<(&Statement, Level)> = statements
                .iter()
                .map(|s| (s, level(screen_layer(&s.text, layer))))
                .collect();
            let score = score(split, &format!("{layer:?}"), &results, &mut report, table);
            if layer == Layer::Combined {
                combined.push((split, score));
            }
        }
    }
    for (split, score) in &combined {
        let _ = writeln!(report, "{}", bar_line(split, score));
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
        score.assert_floor(split, floor);
    }
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
