//! The normalised document: one linear pass turns a transcript into lower-case tokens (umlauts folded,
//! contractions expanded), clauses, quotation flags and long-ago / present-time markers.

use super::lexicon::{Lexicon, Set, lexicon};

#[derive(Debug, Clone, Copy)]
pub(super) struct Tok {
    pub(super) start: u32,
    pub(super) end: u32,
    /// A comma, colon, dash or ellipsis stands between this token and the previous one.
    pub(super) soft_before: bool,
    /// The token lies inside closed quotation marks.
    pub(super) quoted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    First,
    Third,
    Thing,
    Unknown,
}

#[derive(Debug)]
pub(super) struct Doc {
    pub(super) lex: &'static Lexicon,
    pub(super) buf: String,
    pub(super) toks: Vec<Tok>,
    /// Token ranges `[start, end)` of clauses.
    pub(super) clauses: Vec<(usize, usize)>,
    /// The token is part of a long-ago marker ("years ago", "when I was a teenager", "früher").
    pub(super) past: Vec<bool>,
    /// The token is a present-time marker ("now", "again", "still", "jetzt", "wieder").
    pub(super) present: Vec<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteMark {
    /// `"`, `“`, `”`, `»`, `«`, `‹`, `›`: opens when none is open, else closes.
    Toggle,
    /// `„`: only opens.
    Open,
}

#[derive(Debug, Default)]
struct Builder {
    buf: String,
    toks: Vec<Tok>,
    clauses: Vec<(usize, usize)>,
    clause_start: usize,
    pending_soft: bool,
    quotes: Vec<(usize, QuoteMark)>,
}

impl Builder {
    fn push_token(&mut self, word: &str) {
        if word == "but" || word == "aber" {
            self.clause_break();
            return;
        }
        let start = self.buf.len();
        self.buf.push_str(word);
        self.toks.push(Tok {
            start: start as u32,
            end: self.buf.len() as u32,
            soft_before: std::mem::take(&mut self.pending_soft),
            quoted: false,
        });
    }

    fn flush_word(&mut self, word: &mut String) {
        if !word.is_empty() {
            expand_contractions(word, |w| self.push_token(w));
            word.clear();
        }
    }

    fn clause_break(&mut self) {
        if self.toks.len() > self.clause_start {
            self.clauses.push((self.clause_start, self.toks.len()));
        }
        self.clause_start = self.toks.len();
        self.pending_soft = false;
    }

    fn soft(&mut self) {
        if self.toks.len() > self.clause_start {
            self.pending_soft = true;
        }
    }
}

/// Apostrophe-less spellings that transcription and typing produce.
const FIXED: &[(&str, &str)] = &[
    ("dont", "do not"),
    ("doesnt", "does not"),
    ("didnt", "did not"),
    ("cant", "can not"),
    ("cannot", "can not"),
    ("wont", "will not"),
    ("wouldnt", "would not"),
    ("couldnt", "could not"),
    ("shouldnt", "should not"),
    ("isnt", "is not"),
    ("arent", "are not"),
    ("wasnt", "was not"),
    ("werent", "were not"),
    ("havent", "have not"),
    ("hasnt", "has not"),
    ("hadnt", "had not"),
    ("aint", "am not"),
    ("im", "i am"),
    ("ive", "i have"),
    ("wanna", "want to"),
    ("gonna", "going to"),
    ("gotta", "got to"),
    ("tryna", "trying to"),
    ("dunno", "do not know"),
    ("thats", "that is"),
    ("whats", "what is"),
    ("shes", "she is"),
    ("hes", "he is"),
    ("theyre", "they are"),
    ("youre", "you are"),
    ("kinda", "kind of"),
];

/// Words whose `'s` means "is".
const S_IS: &[&str] = &["he", "she", "it", "that", "there", "what", "who", "here", "where"];

/// Splits a lowercased word (apostrophes unified to `'`) into tokens, expanding English contractions.
fn expand_contractions(word: &str, mut out: impl FnMut(&str)) {
    let w = word.trim_matches('\'');
    if w.is_empty() {
        return;
    }
    if let Some((_, expansion)) = FIXED.iter().find(|(k, _)| *k == w) {
        expansion.split(' ').for_each(&mut out);
        return;
    }
    let Some(i) = w.rfind('\'') else {
        out(w);
        return;
    };
    let (stem, suffix) = (&w[..i], &w[i + 1..]);
    let stem_is_plain = !stem.contains('\'');
    match suffix {
        "t" if stem_is_plain && stem.ends_with('n') => {
            let base = match &stem[..stem.len() - 1] {
                "ca" => "can",
                "wo" => "will",
                "sha" => "shall",
                "ai" => "am",
                other => other,
            };
            out(base);
            out("not");
        }
        "m" if stem_is_plain => {
            out(stem);
            out("am");
        }
        "re" if stem_is_plain => {
            out(stem);
            out("are");
        }
        "ve" if stem_is_plain => {
            out(stem);
            out("have");
        }
        "ll" if stem_is_plain => {
            out(stem);
            out("will");
        }
        "d" if stem_is_plain => {
            out(stem);
            out("would");
        }
        "s" if stem_is_plain => {
            out(stem);
            if S_IS.contains(&stem) {
                out("is");
            }
        }
        _ => out(&w.replace('\'', "")),
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`' | '´' | '′')
}

fn quote_mark(c: char) -> Option<QuoteMark> {
    match c {
        '"' | '“' | '”' | '»' | '«' | '‹' | '›' | '‟' => Some(QuoteMark::Toggle),
        '„' => Some(QuoteMark::Open),
        _ => None,
    }
}

impl Doc {
    pub(super) fn new(text: &str) -> Doc {
        let mut b = Builder::default();
        let mut word = String::new();
        let mut chars = text.chars().peekable();
        let mut prev_alnum = false;
        while let Some(c) = chars.next() {
            // Before the alphanumeric test: `ʼ` (U+02BC) is a letter to Unicode.
            if is_apostrophe(c) && prev_alnum {
                word.push('\'');
                continue;
            }
            if c.is_alphanumeric() {
                for l in c.to_lowercase() {
                    match l {
                        'ä' => word.push_str("ae"),
                        'ö' => word.push_str("oe"),
                        'ü' => word.push_str("ue"),
                        'ß' => word.push_str("ss"),
                        _ => word.push(l),
                    }
                }
                prev_alnum = true;
                continue;
            }
            b.flush_word(&mut word);
            let next_alnum = chars.peek().is_some_and(|n| n.is_alphanumeric());
            match c {
                '.' => {
                    if chars.peek() == Some(&'.') {
                        while chars.peek() == Some(&'.') {
                            chars.next();
                        }
                        b.soft();
                    } else if prev_alnum && next_alnum {
                        // "3.5", "z.b": no boundary.
                    } else {
                        b.clause_break();
                    }
                }
                '!' | '?' | '\n' | '\r' | ';' | '\u{2029}' => b.clause_break(),
                ',' | ':' | '—' | '–' | '(' | ')' | '[' | ']' | '…' | '/' => b.soft(),
                '-' if !(prev_alnum && next_alnum) => b.soft(),
                _ => {
                    if let Some(mark) = quote_mark(c) {
                        b.quotes.push((b.toks.len(), mark));
                    }
                }
            }
            prev_alnum = false;
        }
        b.flush_word(&mut word);
        b.clause_break();

        // Pair quotation marks; an unclosed one is ignored (a stray mark must not hide a crisis).
        let mut open: Option<usize> = None;
        for &(at, mark) in &b.quotes {
            match (open, mark) {
                (None, _) => open = Some(at),
                (Some(start), QuoteMark::Toggle) => {
                    for tok in &mut b.toks[start..at] {
                        tok.quoted = true;
                    }
                    open = None;
                }
                (Some(_), QuoteMark::Open) => {}
            }
        }

        let mut doc = Doc {
            lex: lexicon(),
            buf: b.buf,
            toks: b.toks,
            clauses: Vec::new(),
            past: Vec::new(),
            present: Vec::new(),
        };
        doc.clauses = doc.split_at_conjunctions(&b.clauses);
        doc.mark_times();
        doc
    }

    pub(super) fn word(&self, t: usize) -> &str {
        let tok = self.toks[t];
        &self.buf[tok.start as usize..tok.end as usize]
    }

    pub(super) fn is(&self, t: usize, set: &Set) -> bool {
        set.contains(self.word(t))
    }

    /// Whether a boundary stands before token `t`: the clause end, a soft boundary, or a quotation mark.
    pub(super) fn boundary_before(&self, t: usize, end: usize) -> bool {
        t >= end || self.toks[t].soft_before || (t > 0 && self.toks[t].quoted != self.toks[t - 1].quoted)
    }

    /// "… and I want to die": a conjunction followed (within two tokens) by *I*/*ich* starts a new clause.
    fn split_at_conjunctions(&self, clauses: &[(usize, usize)]) -> Vec<(usize, usize)> {
        let mut out = Vec::with_capacity(clauses.len());
        for &(cs, ce) in clauses {
            let mut start = cs;
            for t in cs + 1..ce {
                if self.is(t, &self.lex.conj)
                    && ((t + 1 < ce && matches!(self.word(t + 1), "i" | "ich"))
                        || (t + 2 < ce && matches!(self.word(t + 2), "i" | "ich")))
                {
                    out.push((start, t));
                    start = t;
                }
            }
            out.push((start, ce));
        }
        out
    }

    /// Marks long-ago and present-time markers, per clause, in one linear pass.
    fn mark_times(&mut self) {
        let n = self.toks.len();
        self.past = vec![false; n];
        self.present = vec![false; n];
        for &(cs, ce) in &self.clauses {
            for k in cs..ce {
                let w = self.word(k);
                let back = |j: usize| if k >= cs + j { self.word(k - j) } else { "" };
                let fwd = |j: usize| if k + j < ce { self.word(k + j) } else { "" };
                let kid =
                    self.lex.kid.contains(w) || (!w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
                let past = match w {
                    "ago" => {
                        matches!(back(1), "years" | "decades" | "long" | "ages")
                            || (back(1) == "time" && back(2) == "long")
                    }
                    "used" => {
                        fwd(1) == "to"
                            && !matches!(
                                back(1),
                                "am" | "are"
                                    | "is"
                                    | "was"
                                    | "were"
                                    | "be"
                                    | "been"
                                    | "get"
                                    | "got"
                                    | "getting"
                                    | "being"
                            )
                    }
                    "then" => back(1) == "back",
                    "past" => back(1) == "the" && back(2) == "in",
                    "up" => back(1) == "growing",
                    "frueher" | "damals" => true,
                    "jahren" | "jahrzehnten" => (1..=3).any(|j| back(j) == "vor"),
                    "zeit" => back(1) == "langer" && back(2) == "vor",
                    "jugend" | "kindheit" | "schulzeit" | "jugendzeit" => {
                        matches!(back(1), "meiner" | "der")
                    }
                    "teens" | "twenties" | "youth" | "childhood" => {
                        back(1) == "my" && matches!(back(2), "in" | "during")
                    }
                    _ => false,
                } || (kid
                    && ((back(1) == "a" && back(2) == "as")
                        || back(1) == "als"
                        || (1..=3).any(|j| {
                            (back(j) == "was" && back(j + 1) == "i" && back(j + 2) == "when")
                                || (back(j) == "ich" && back(j + 1) == "als")
                        })));
                let negated_near = self.lex.neg.contains(back(1))
                    || (1..=2).any(|j| {
                        k + j < ce && !self.toks[k + j].soft_before && self.lex.neg.contains(fwd(j))
                    });
                let present = !negated_near
                    && (matches!(
                        w,
                        "now"
                            | "again"
                            | "still"
                            | "today"
                            | "tonight"
                            | "currently"
                            | "lately"
                            | "recently"
                            | "nowadays"
                            | "jetzt"
                            | "wieder"
                            | "heute"
                            | "gerade"
                            | "momentan"
                            | "zurzeit"
                            | "derzeit"
                            | "aktuell"
                    ) || (w == "noch" && (back(1) == "immer" || fwd(1) == "immer"))
                        || (w == "days" && back(1) == "these"));
                self.past[k] = past;
                self.present[k] = present;
            }
        }
    }

    /// Whether a present-time marker ("now", "again", "jetzt") lies in tokens `[lo, hi)`.
    pub(super) fn present_near(&self, lo: usize, hi: usize) -> bool {
        self.present[lo..hi].iter().any(|&p| p)
    }
}
