//! Pattern compilation and matching. A pattern is a sequence of word alternatives (`kill|killing myself`),
//! optional words (`?own`), bounded gaps (`~2`), an end-of-clause anchor (`$`) and a one-token negative
//! look-ahead (`!laughing`). Every gap is bounded, so matching from one token is bounded by the pattern.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::doc::Doc;
use super::rules::{Out, SETS, SPECS, Subj};

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

#[derive(Debug)]
pub(super) struct Rule {
    pub(super) elems: Vec<Elem>,
    pub(super) out: Out,
    pub(super) subj: Subj,
    pub(super) immune: bool,
}

#[derive(Debug)]
pub(super) struct Rules {
    pub(super) rules: Vec<Rule>,
    /// Rule indexes by the exact first word.
    pub(super) by_first: HashMap<&'static str, Vec<usize>>,
    /// Rules whose first element holds a prefix alternative.
    pub(super) by_prefix: Vec<(&'static str, usize)>,
}

pub(super) fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(compile_all)
}

pub(super) fn compile_all() -> Rules {
    let mut rules = Vec::with_capacity(SPECS.len());
    let mut by_first: HashMap<&'static str, Vec<usize>> = HashMap::new();
    let mut by_prefix = Vec::new();
    for (index, spec) in SPECS.iter().enumerate() {
        let elems = compile(spec.pat);
        let Some(Elem::Word(first)) = elems.first() else {
            panic!("pattern {:?} must start with a required word", spec.pat);
        };
        for alt in first {
            match *alt {
                Alt::Exact(w) => {
                    let list = by_first.entry(w).or_default();
                    if !list.contains(&index) {
                        list.push(index);
                    }
                }
                Alt::Prefix(p) => by_prefix.push((p, index)),
                Alt::End => panic!("pattern {:?} must not start at the end", spec.pat),
            }
        }
        rules.push(Rule {
            elems,
            out: spec.out,
            subj: spec.subj,
            immune: spec.immune,
        });
    }
    Rules {
        rules,
        by_first,
        by_prefix,
    }
}

pub(super) fn compile(pat: &'static str) -> Vec<Elem> {
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

pub(super) fn alts(piece: &'static str, pat: &str) -> Vec<Alt> {
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

pub(super) fn one_alt(word: &'static str) -> Alt {
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
pub(super) fn match_at(
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
