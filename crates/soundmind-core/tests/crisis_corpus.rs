//! The crisis-screening corpus (`tests/data/crisis-corpus.toml`): every explicit crisis statement must be
//! caught (recall 100 %), and at most 5 % of the statements that are not a crisis may be screened as one.
//!
//! The test prints a table (run with `--nocapture` to see it on success; it also goes to stderr, so CI logs
//! show it on failure) and, on failure, lists every misclassified statement.

use std::fmt::Write as _;

use serde::Deserialize;
use soundmind_core::safeguarding::{CrisisKind, Screening, screen};

const CORPUS: &str = include_str!("data/crisis-corpus.toml");

/// The largest share of non-crisis statements that may be screened as a crisis.
const MAX_FALSE_ALARM_RATE: f64 = 0.05;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    statement: Vec<Statement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Statement {
    text: String,
    expect: String,
    lang: String,
    explicit: bool,
    category: String,
}

const LABELS: &[&str] = &[
    "crisis:suicidal",
    "crisis:self_harm",
    "crisis:harm_to_others",
    "crisis:abuse",
    "mention",
    "clear",
];
const CATEGORIES: &[&str] = &[
    "crisis",
    "hard_feeling",
    "negation",
    "others",
    "idiom",
    "past",
    "topic",
    "implicit",
];

fn label(screening: Screening) -> String {
    match screening {
        Screening::Clear => "clear".to_owned(),
        Screening::Mention => "mention".to_owned(),
        Screening::Concern(kind) => format!("concern:{}", kind.as_str()),
        Screening::Crisis(kind) => format!("crisis:{}", kind.as_str()),
    }
}

fn load() -> Vec<Statement> {
    let corpus: Corpus = toml::from_str(CORPUS).expect("crisis-corpus.toml parses");
    for s in &corpus.statement {
        assert!(
            LABELS.contains(&s.expect.as_str()),
            "unknown expect {:?} for {:?}",
            s.expect,
            s.text
        );
        assert!(
            CATEGORIES.contains(&s.category.as_str()),
            "unknown category {:?} for {:?}",
            s.category,
            s.text
        );
        assert!(
            matches!(s.lang.as_str(), "en" | "de"),
            "unknown lang {:?} for {:?}",
            s.lang,
            s.text
        );
        assert!(
            !s.explicit || s.expect.starts_with("crisis:"),
            "only crisis statements can be explicit: {:?}",
            s.text
        );
        assert_eq!(
            s.category == "crisis",
            s.explicit,
            "category \"crisis\" is exactly the explicit statements: {:?}",
            s.text
        );
    }
    corpus.statement
}

fn pct(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        100.0 * num as f64 / den as f64
    }
}

#[test]
fn corpus_has_the_required_coverage() {
    let statements = load();
    let count = |category: &str| statements.iter().filter(|s| s.category == category).count();
    assert!(
        statements.len() >= 70,
        "{} statements, want at least 70",
        statements.len()
    );
    assert!(
        count("crisis") >= 25,
        "{} explicit crisis statements, want at least 25",
        count("crisis")
    );
    assert!(
        count("hard_feeling") >= 15,
        "{} hard feelings, want at least 15",
        count("hard_feeling")
    );
    assert!(
        count("negation") >= 10,
        "{} negations, want at least 10",
        count("negation")
    );
    assert!(
        count("others") >= 8,
        "{} others' words, want at least 8",
        count("others")
    );
    assert!(count("idiom") >= 8, "{} idioms, want at least 8", count("idiom"));
    // Every crisis kind, in both languages, has explicit statements.
    for kind in [
        CrisisKind::SuicidalIntent,
        CrisisKind::SelfHarm,
        CrisisKind::HarmToOthers,
        CrisisKind::Abuse,
    ] {
        let want = format!("crisis:{}", kind.as_str());
        for lang in ["en", "de"] {
            assert!(
                statements
                    .iter()
                    .any(|s| s.explicit && s.expect == want && s.lang == lang),
                "no explicit {want} statement in {lang}"
            );
        }
    }
}

#[test]
fn crisis_corpus_recall_and_false_alarms() {
    let statements = load();
    let results: Vec<(&Statement, Screening)> = statements.iter().map(|s| (s, screen(&s.text))).collect();

    let explicit: Vec<_> = results.iter().filter(|(s, _)| s.explicit).collect();
    let caught = explicit.iter().filter(|(_, got)| got.is_crisis()).count();
    let non_crisis: Vec<_> = results
        .iter()
        .filter(|(s, _)| !s.expect.starts_with("crisis:"))
        .collect();
    let false_alarms = non_crisis.iter().filter(|(_, got)| got.is_crisis()).count();
    let exact = results.iter().filter(|(s, got)| label(*got) == s.expect).count();

    let recall = pct(caught, explicit.len());
    let false_alarm_rate = false_alarms as f64 / non_crisis.len().max(1) as f64;

    let mut report = String::new();
    let _ = writeln!(report, "crisis screening corpus: {} statements", results.len());
    let _ = writeln!(
        report,
        "{:<14} {:>5} {:>5} {:>5} {:>7} {:>7} {:>8}",
        "category", "n", "en", "de", "exact", "crisis", "mention"
    );
    for category in CATEGORIES {
        let rows: Vec<_> = results.iter().filter(|(s, _)| s.category == *category).collect();
        let n = rows.len();
        let en = rows.iter().filter(|(s, _)| s.lang == "en").count();
        let exact = rows.iter().filter(|(s, got)| label(*got) == s.expect).count();
        let crisis = rows.iter().filter(|(_, got)| got.is_crisis()).count();
        let mention = rows.iter().filter(|(_, got)| *got == Screening::Mention).count();
        let _ = writeln!(
            report,
            "{category:<14} {n:>5} {en:>5} {:>5} {exact:>7} {crisis:>7} {mention:>8}",
            n - en
        );
    }
    let mut kinds = String::new();
    for kind in &LABELS[..4] {
        let of = |lang: &str| {
            explicit
                .iter()
                .filter(|(s, _)| s.expect == *kind && s.lang == lang)
                .count()
        };
        let _ = write!(kinds, " {kind} en {} de {};", of("en"), of("de"));
    }
    let _ = writeln!(
        report,
        "explicit crisis statements by kind:{}",
        kinds.trim_end_matches(';')
    );
    let _ = writeln!(
        report,
        "recall on explicit crisis statements: {caught}/{} = {recall:.1}% (required: 100%)",
        explicit.len()
    );
    let _ = writeln!(
        report,
        "false alarms (non-crisis screened as crisis): {false_alarms}/{} = {:.1}% (allowed: <= {:.0}%)",
        non_crisis.len(),
        100.0 * false_alarm_rate,
        100.0 * MAX_FALSE_ALARM_RATE
    );
    let _ = writeln!(
        report,
        "exact-label accuracy: {exact}/{} = {:.1}%",
        results.len(),
        pct(exact, results.len())
    );
    let misclassified: Vec<String> = results
        .iter()
        .filter(|(s, got)| label(*got) != s.expect)
        .map(|(s, got)| {
            format!(
                "  [{}/{}{}] expected {:<22} got {:<22} {:?}",
                s.category,
                s.lang,
                if s.explicit { ", explicit" } else { "" },
                s.expect,
                label(*got),
                s.text
            )
        })
        .collect();
    if !misclassified.is_empty() {
        let _ = writeln!(report, "label mismatches ({}):", misclassified.len());
        for line in &misclassified {
            let _ = writeln!(report, "{line}");
        }
    }
    println!("{report}");
    eprintln!("{report}");

    let failed = caught < explicit.len() || false_alarm_rate > MAX_FALSE_ALARM_RATE;
    assert!(
        !failed,
        "crisis screening below the bar (recall {recall:.1}%, false alarms {:.1}%); misclassified:\n{}",
        100.0 * false_alarm_rate,
        misclassified.join("\n")
    );
}
