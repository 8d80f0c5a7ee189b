//! Pattern compilation and matching. A pattern is a sequence of word alternatives (`kill|killing myself`),
//! optional words (`?own`), bounded gaps (`~2`), an end-of-clause anchor (`$`) and a one-token negative
//! look-ahead (`!laughing`). Every gap is bounded, so matching from one token is bounded by the pattern.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::doc::Doc;
use super::rules::{SETS, SPECS, Spec};

#[derive(Debug, Clone, Copy)]
pub(super) enum Alt {
    /// This word.
    Exact(&'static str),
    /// Any word starting with this.
    Prefix(&'static str),
    /// `$`: the end of the clause or a soft boundary, consuming nothing.
    End,
}

impl Alt {
    pub(super) fn matches(self, word: &str) -> bool {
        match self {
            Alt::Exact(w) => w == word,
            Alt::Prefix(p) => word.starts_with(p),
            Alt::End => false,
        }
    }
}

#[derive(Debug)]
pub(super) enum Elem {
    /// One of the alternatives, required (a `$` among them also accepts a boundary, consuming nothing).
    Word(Vec<Alt>),
    /// One of the alternatives, or nothing.
    Opt(Vec<Alt>),
    /// Up to this many tokens of any kind.
    Gap(usize),
    /// The next token, if any, is none of these.
    NotNext(Vec<Alt>),
}

/// Compiled patterns, each with what it means (`T`), indexed by their first word so that each token tries only
/// the patterns that can start there. The phrase table and the concept layer's cues are both such a set.
#[derive(Debug)]
pub(super) struct PatternSet<T> {
    pub(super) patterns: Vec<(T, Vec<Elem>)>,
    /// Pattern indexes by the exact first word.
    by_first: HashMap<&'static str, Vec<usize>>,
    /// Patterns whose first element holds a prefix alternative.
    by_prefix: Vec<(&'static str, usize)>,
}

impl<T> PatternSet<T> {
    /// Compiles every pattern. Panics on a pattern that does not start with a required word: the tables are
    /// constants, so that is a build bug a unit test finds.
    pub(super) fn new(table: impl IntoIterator<Item = (&'static str, T)>) -> Self {
        let mut set = PatternSet {
            patterns: Vec::new(),
            by_first: HashMap::new(),
            by_prefix: Vec::new(),
        };
        for (pat, meaning) in table {
            let index = set.patterns.len();
            let elems = compile(pat);
            let Some(Elem::Word(first)) = elems.first() else {
                panic!("pattern {pat:?} must start with a required word");
            };
            for alt in first {
                match *alt {
                    Alt::Exact(w) => {
                        let list = set.by_first.entry(w).or_default();
                        if !list.contains(&index) {
                            list.push(index);
                        }
                    }
                    Alt::Prefix(p) => set.by_prefix.push((p, index)),
                    Alt::End => panic!("pattern {pat:?} must not start at the end"),
                }
            }
            set.patterns.push((meaning, elems));
        }
        set
    }

    /// Calls `found(meaning, clause, start, end, lits)` for every match in `doc`, clause by clause; `lits` are
    /// the tokens that matched a word (not a gap).
    pub(super) fn for_each_match(
        &self,
        doc: &Doc,
        mut found: impl FnMut(&T, (usize, usize), usize, usize, &[usize]),
    ) {
        let mut lits: Vec<usize> = Vec::with_capacity(16);
        for &(cs, ce) in &doc.clauses {
            for t in cs..ce {
                let word = doc.word(t);
                let exact = self.by_first.get(word).map(Vec::as_slice).unwrap_or(&[]);
                let prefixed = self
                    .by_prefix
                    .iter()
                    .filter(|(prefix, _)| word.starts_with(prefix))
                    .map(|&(_, index)| index);
                for index in exact.iter().copied().chain(prefixed) {
                    let (meaning, elems) = &self.patterns[index];
                    lits.clear();
                    if let Some(end) = match_at(elems, 0, doc, t, ce, &mut lits) {
                        found(meaning, (cs, ce), t, end, &lits);
                    }
                }
            }
        }
    }
}

/// The phrase table, compiled once.
pub(super) fn rules() -> &'static PatternSet<&'static Spec> {
    static RULES: OnceLock<PatternSet<&'static Spec>> = OnceLock::new();
    RULES.get_or_init(|| PatternSet::new(SPECS.iter().map(|spec| (spec.pat, spec))))
}

fn compile(pat: &'static str) -> Vec<Elem> {
    pat.split_whitespace()
        .map(|piece| {
            if let Some(n) = piece.strip_prefix('~') {
                Elem::Gap(n.parse().unwrap_or_else(|_| panic!("bad gap in {pat:?}")))
            } else if let Some(rest) = piece.strip_prefix('!') {
                Elem::NotNext(alts(rest, pat))
            } else if let Some(rest) = piece.strip_prefix('?') {
                Elem::Opt(alts(rest, pat))
            } else {
                Elem::Word(alts(piece, pat))
            }
        })
        .collect()
}

fn alts(piece: &'static str, pat: &str) -> Vec<Alt> {
    let mut out = Vec::new();
    for alt in piece.split('|') {
        if let Some(name) = alt.strip_prefix('@') {
            let (_, list) = SETS
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("unknown set @{name} in {pat:?}"));
            out.extend(list.split_whitespace().map(one_alt));
        } else {
            assert!(!alt.is_empty(), "empty alternative in {pat:?}");
            out.push(one_alt(alt));
        }
    }
    out
}

fn one_alt(word: &'static str) -> Alt {
    if word == "$" {
        return Alt::End;
    }
    match word.strip_suffix('*') {
        Some(prefix) => Alt::Prefix(prefix),
        None => Alt::Exact(word),
    }
}

/// Matches `elems[i..]` from token `t` (clause ends at `end`); returns the end of the match (exclusive) and
/// leaves the indexes of the tokens that matched a word (not a gap) in `lits`. Gaps and options are tried
/// shortest first; every gap is bounded, so the work per start token is bounded by the pattern.
fn match_at(
    elems: &[Elem],
    i: usize,
    doc: &Doc,
    t: usize,
    end: usize,
    lits: &mut Vec<usize>,
) -> Option<usize> {
    let Some(elem) = elems.get(i) else {
        return Some(t);
    };
    let word_matches = |alts: &[Alt], t: usize| t < end && alts.iter().any(|a| a.matches(doc.word(t)));
    let at_end =
        |alts: &[Alt], t: usize| alts.iter().any(|a| matches!(a, Alt::End)) && doc.boundary_before(t, end);
    match elem {
        Elem::Word(alts) | Elem::Opt(alts) => {
            if word_matches(alts, t) {
                lits.push(t);
                if let Some(found) = match_at(elems, i + 1, doc, t + 1, end, lits) {
                    return Some(found);
                }
                lits.pop();
            }
            if matches!(elem, Elem::Opt(_)) || at_end(alts, t) {
                match_at(elems, i + 1, doc, t, end, lits)
            } else {
                None
            }
        }
        Elem::Gap(n) => {
            for skip in 0..=*n {
                if t + skip > end {
                    break;
                }
                if let Some(found) = match_at(elems, i + 1, doc, t + skip, end, lits) {
                    return Some(found);
                }
            }
            None
        }
        Elem::NotNext(alts) => {
            if !doc.boundary_before(t, end) && word_matches(alts, t) {
                None
            } else {
                match_at(elems, i + 1, doc, t, end, lits)
            }
        }
    }
}
