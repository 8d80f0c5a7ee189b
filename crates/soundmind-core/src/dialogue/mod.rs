//! The reflective dialogue: session phases, the guard every generated question passes, and the curated
//! question bank.
//!
//! After each spoken answer Soundmind asks one follow-up question. A model writes it; this module decides
//! what the model is told about the session's [`Phase`], whether its reply may be shown ([`guard::guard`],
//! with one retry guided by [`GuardFailure::corrective_instruction`]), and what to ask when no model
//! question is usable or the person asks for "a question" ([`QuestionBank`], [`asks_for_a_question`]).
//! Like the rest of core it reads no clock and draws no random numbers: elapsed time and a `pick` number
//! are inputs.

pub mod bank;
mod clean;
pub mod guard;
pub mod phase;
mod request;

pub use bank::{BankError, QuestionBank, asks_for_a_question};
pub use guard::GuardFailure;
pub use phase::{BREAK_NUDGE_AFTER, Phase};

/// Lowercase word tokens; apostrophes and inner hyphens stay inside words, and a clause boundary
/// (`. , ; : ! ? ( )`, quotes, dashes, line breaks) becomes the token `"|"`.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    fn flush(cur: &mut String, out: &mut Vec<String>) {
        let word = cur.trim_matches(['\'', '-']);
        if !word.is_empty() {
            out.push(word.to_owned());
        }
        cur.clear();
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        let c = if matches!(c, '’' | '‘' | 'ʼ') {
            '\''
        } else {
            c
        };
        if c.is_alphanumeric() || c == '\'' || c == '-' {
            cur.extend(c.to_lowercase());
            continue;
        }
        flush(&mut cur, &mut out);
        let boundary = ".,;:!?()[]\"“”„«»—–\n…";
        if boundary.contains(c) && out.last().is_some_and(|t| t != "|") {
            out.push("|".to_owned());
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// The words of `text` as [`tokens`] finds them, without clause boundaries and apostrophes ("don't" is
/// `dont`).
pub(crate) fn words(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| t != "|")
        .map(|t| t.replace('\'', ""))
        .collect()
}
