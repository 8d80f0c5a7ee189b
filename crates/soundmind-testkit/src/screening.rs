//! The crisis-screening corpora and their scoring, shared by the rule layers' evaluation
//! (`soundmind-core/tests/screening_eval.rs`) and the semantic layer's (`soundmind-local/tests/semantic.rs`).
//!
//! The splits: `dev` and the exemplar `bank` are tuned on; `holdout` never is, so callers print its numbers and
//! never its statements. What counts: a statement of risk is *caught* when the screen stops reflection (crisis
//! or concern); a hard negative raised to either level is a *false alarm*, counted apart.

use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    statement: Vec<Statement>,
}

/// One statement of a corpus.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// What was said.
    pub text: String,
    /// How the author labelled it.
    pub level: Level,
    /// One of [`POSITIVE`] or [`NEGATIVE`].
    pub category: String,
    /// `en` or `de`.
    pub lang: String,
    /// `typed` or `whisper`.
    pub style: String,
}

/// A label, or what a screen found (mapped by the caller from its own type).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A present risk: the dialogue stops.
    Crisis,
    /// An inferred risk: the fixed safety check-in.
    Concern,
    /// Nothing to act on.
    Clear,
}

/// The categories of statements of risk.
pub const POSITIVE: &[&str] = &[
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

/// The categories of hard negatives.
pub const NEGATIVE: &[&str] = &[
    "neg_idiom",
    "neg_past",
    "neg_third_person",
    "neg_fiction_news",
    "neg_practical",
    "neg_professional",
    "neg_negated",
    "neg_hard_feelings",
];

/// The bar from the safeguarding plan.
pub const MIN_RECALL: f64 = 0.98;
/// No category below this.
pub const MIN_CATEGORY_RECALL: f64 = 0.95;
/// Hard negatives raised to crisis, at most.
pub const MAX_NEGATIVES_AT_CRISIS: f64 = 0.05;
/// Hard negatives raised to concern, at most.
pub const MAX_NEGATIVES_AT_CONCERN: f64 = 0.10;

/// A split by name: `dev`, `holdout` or `bank`. Panics with the reason when a file is malformed.
pub fn split(name: &str) -> Vec<Statement> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = match name {
        "bank" => repo.join("data/screening-exemplars.toml"),
        _ => repo.join(format!("crates/soundmind-core/tests/data/screening/{name}.toml")),
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let corpus: Corpus = toml::from_str(&text).unwrap_or_else(|e| panic!("{name} parses: {e}"));
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

fn pct(num: usize, den: usize) -> f64 {
    if den == 0 {
        100.0
    } else {
        100.0 * num as f64 / den as f64
    }
}

/// The numbers of one split under one layer.
#[derive(Debug, Default)]
pub struct Score {
    /// Statements of risk.
    pub positives: usize,
    /// Of them, caught.
    pub caught: usize,
    /// Of them, raised to crisis.
    pub at_crisis: usize,
    /// Hard negatives.
    pub negatives: usize,
    /// Of them, raised to crisis.
    pub negatives_at_crisis: usize,
    /// Of them, raised to concern.
    pub negatives_at_concern: usize,
    /// The category with the lowest recall.
    pub worst_category: Option<(String, f64)>,
    /// The statements judged wrongly, one line each (print them only for the tuned splits).
    pub misses: Vec<String>,
}

impl Score {
    /// Caught statements of risk, as a fraction.
    pub fn recall(&self) -> f64 {
        self.caught as f64 / self.positives.max(1) as f64
    }

    /// Hard negatives raised to crisis, in per cent.
    pub fn crisis_false_alarms_pct(&self) -> f64 {
        pct(self.negatives_at_crisis, self.negatives)
    }

    /// Hard negatives raised to concern, in per cent.
    pub fn concern_false_alarms_pct(&self) -> f64 {
        pct(self.negatives_at_concern, self.negatives)
    }

    /// Whether the safeguarding bar is met.
    pub fn meets_the_bar(&self) -> bool {
        self.recall() >= MIN_RECALL
            && self
                .worst_category
                .as_ref()
                .is_none_or(|(_, r)| *r >= MIN_CATEGORY_RECALL)
            && (self.negatives_at_crisis as f64) <= MAX_NEGATIVES_AT_CRISIS * self.negatives as f64
            && (self.negatives_at_concern as f64) <= MAX_NEGATIVES_AT_CONCERN * self.negatives as f64
    }

    /// Fails the test when the score falls below `floor`.
    pub fn assert_floor(&self, split: &str, floor: Floor) {
        assert!(
            self.recall() >= floor.recall,
            "{split}: recall fell to {:.1}%",
            100.0 * self.recall()
        );
        assert!(
            self.crisis_false_alarms_pct() <= floor.negatives_at_crisis_pct,
            "{split}: {} hard negatives raised to crisis",
            self.negatives_at_crisis
        );
        assert!(
            self.concern_false_alarms_pct() <= floor.negatives_at_concern_pct,
            "{split}: {} hard negatives raised to concern",
            self.negatives_at_concern
        );
    }
}

/// What a split must not fall below (recall) or rise above (false alarms, in per cent).
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    /// Recall, as a fraction.
    pub recall: f64,
    /// Hard negatives raised to crisis, in per cent.
    pub negatives_at_crisis_pct: f64,
    /// Hard negatives raised to concern, in per cent.
    pub negatives_at_concern_pct: f64,
}

/// Scores what a screen found for each statement of a split, and writes one summary line to `report` (and the
/// per-category table when `table`).
pub fn score(
    split: &str,
    layer: &str,
    results: &[(&Statement, Level)],
    report: &mut String,
    table: bool,
) -> Score {
    let caught = |l: Level| l != Level::Clear;
    let mut score = Score::default();
    if table {
        let _ = writeln!(report, "{split} · {layer}");
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
        let crisis = rows.iter().filter(|(_, got)| *got == Level::Crisis).count();
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
        let crisis = rows.iter().filter(|(_, got)| *got == Level::Crisis).count();
        let concern = rows.iter().filter(|(_, got)| *got == Level::Concern).count();
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
    for (s, got) in results {
        if (s.level != Level::Clear) != caught(*got) {
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
        score.crisis_false_alarms_pct(),
        score.concern_false_alarms_pct(),
        score.negatives,
    );
    score
}

/// The bar line for one split.
pub fn bar_line(split: &str, score: &Score) -> String {
    format!(
        "{split:<8} bar (recall >= {:.0}%, every category >= {:.0}%, hard negatives <= {:.0}% at crisis and <= {:.0}% at concern): {}",
        100.0 * MIN_RECALL,
        100.0 * MIN_CATEGORY_RECALL,
        100.0 * MAX_NEGATIVES_AT_CRISIS,
        100.0 * MAX_NEGATIVES_AT_CONCERN,
        if score.meets_the_bar() { "met" } else { "NOT met" }
    )
}
