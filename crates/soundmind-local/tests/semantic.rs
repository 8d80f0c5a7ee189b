//! The semantic layer of the crisis screen on a real model: [`LlamaEmbedder`] vectors of SmolLM2, judged by the
//! weights in `data/screening-probe.toml`, measured on the blind corpus alone and together with the phrase and
//! concept layers. The held-out split was never trained on; its statements are never printed.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use soundmind_core::safeguarding::screening::semantic::{SemanticProbe, pieces};
use soundmind_core::safeguarding::screening::{Screening, screen};
use soundmind_engine::{CancelToken, Embedder};
use soundmind_local::LlamaEmbedder;
use soundmind_testkit::screening::{Floor, Level, bar_line, score, split};

use crate::util::model;

fn level(s: Screening) -> Level {
    match s {
        Screening::Crisis(_) => Level::Crisis,
        Screening::Concern(_) => Level::Concern,
        Screening::Mention | Screening::Clear => Level::Clear,
    }
}

fn embedder() -> LlamaEmbedder {
    let probe = SemanticProbe::builtin();
    let path = model(&probe.model_file);
    let digest = Sha256::digest(std::fs::read(&path).unwrap());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex, probe.model_sha256,
        "the weights were trained on another file"
    );
    LlamaEmbedder::new(path, 2)
}

#[test]
fn embeddings_are_deterministic_of_the_model_width_and_independent_of_their_neighbours() {
    let embedder = embedder();
    let cancel = CancelToken::new();
    let texts = [
        "i bought a rope today",
        "",
        "The weather was lovely and we went for a walk by the river.",
    ];
    let together = embedder.embed(&texts, &cancel).unwrap();
    assert_eq!(together.len(), 3);
    assert!(
        together
            .iter()
            .all(|v| v.len() == SemanticProbe::builtin().width())
    );
    assert!(
        together[1].iter().all(|&x| x == 0.0),
        "an empty piece is a zero vector"
    );
    let alone = embedder.embed(&texts[2..], &cancel).unwrap();
    let diff = together[2]
        .iter()
        .zip(&alone[0])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(
        diff < 1e-5,
        "a piece's vector does not depend on the pieces before it: {diff}"
    );
    assert!(together[0] != together[2]);

    let cancelled = CancelToken::new();
    cancelled.cancel();
    assert!(embedder.embed(&texts, &cancelled).is_err());
}

/// Prints the per-category table for the semantic layer alone and with the other two, on the dev split (trained
/// on) and the held-out split (never), and guards floors measured when the weights were trained.
///
/// It embeds 520 statements (about 100 s on two cores), so the workspace run leaves it to `scripts/test`'s
/// "safeguarding numbers" step, which runs it with `--ignored` and prints its table into the CI log.
#[test]
#[ignore = "run and printed by scripts/test (safeguarding numbers)"]
fn semantic_layer_recall_and_false_alarms() {
    let embedder = embedder();
    let probe = SemanticProbe::builtin();
    let mut report = String::new();
    let mut combined = Vec::new();
    let started = std::time::Instant::now();
    let mut words = 0;
    for name in ["dev", "holdout"] {
        let statements = split(name);
        let mut semantic = Vec::new();
        let mut all = Vec::new();
        for s in &statements {
            let cut = pieces(&s.text);
            words += s.text.split_whitespace().count();
            let refs: Vec<&str> = cut.iter().map(String::as_str).collect();
            let vectors = embedder.embed(&refs, &CancelToken::new()).unwrap();
            let found = probe.judge(&vectors);
            semantic.push((s, level(found)));
            all.push((s, level(screen(&s.text).stronger(found))));
        }
        score(name, "Semantic", &semantic, &mut report, false);
        combined.push((name, score(name, "All", &all, &mut report, true)));
    }
    let elapsed = started.elapsed();
    let _ = writeln!(
        report,
        "semantic layer speed: {:.0} words/s on this machine ({} words in {:.1} s; a 2-minute answer is about 300 words)",
        words as f64 / elapsed.as_secs_f64(),
        words,
        elapsed.as_secs_f64()
    );
    for (name, score) in &combined {
        let _ = writeln!(report, "{}", bar_line(name, score));
    }
    println!("{report}");
    let (_, dev) = &combined[0];
    let (_, holdout) = &combined[1];
    // Measured when the weights were trained (see ARCHITECTURE.md, "Crisis screening"): dev 93.8 %, 5.4 % /
    // 10.0 %; held-out 76.9 %, 4.6 % / 18.5 % (the rule layers alone: 63.1 %, 4.6 % / 16.9 %).
    dev.assert_floor(
        "dev",
        Floor {
            recall: 0.93,
            negatives_at_crisis_pct: 5.5,
            negatives_at_concern_pct: 10.5,
        },
    );
    holdout.assert_floor(
        "holdout",
        Floor {
            recall: 0.76,
            negatives_at_crisis_pct: 5.0,
            negatives_at_concern_pct: 19.0,
        },
    );
}
