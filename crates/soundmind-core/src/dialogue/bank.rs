//! Soundmind's own curated questions: the opening, "give me a question", and per-phase fallbacks.
//!
//! The built-in bank is [`QuestionBank::builtin`], parsed from `data/question-bank.toml` (embedded with
//! `include_str!`). A user's override is the same format; the app reads it and hands its text to
//! [`QuestionBank::parse`], which validates every question with [`guard::check`].
//!
//! Picking is deterministic: the caller passes the questions already asked in this session (oldest first)
//! and a `pick` number from its own randomness source.

use std::sync::OnceLock;

use serde::Deserialize;

use super::guard::{self, GuardFailure};
use super::phase::Phase;
pub use super::request::asks_for_a_question;
use super::words;

/// The embedded data file. A unit test guarantees it parses and validates.
const BUILTIN_TOML: &str = include_str!("../../../../data/question-bank.toml");

/// A validated set of curated questions in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionBank {
    version: String,
    language: String,
    opening: String,
    opening_alternates: Vec<String>,
    give_me_a_question: Vec<String>,
    /// Indexed like [`Phase::ALL`].
    fallback: [Vec<String>; 4],
}

/// Why a question-bank document was rejected.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// The text is not valid TOML or does not match the schema.
    #[error("question bank is not valid TOML for the expected schema: {0}")]
    Toml(#[from] toml::de::Error),
    /// A required text field is empty.
    #[error("question bank field `{field}` is empty")]
    EmptyField {
        /// Name of the field.
        field: &'static str,
    },
    /// `language` is not a code such as `en`, `de` or `pt-BR`.
    #[error("question bank language {value:?} is not a language code such as \"en\" or \"de\"")]
    InvalidLanguage {
        /// The value found.
        value: String,
    },
    /// A list of questions is empty.
    #[error("question bank section `{section}` has no questions")]
    EmptySection {
        /// The section, e.g. `fallback.close`.
        section: String,
    },
    /// A question fails the guard.
    #[error("question {question:?} in `{section}` is rejected: {failure}")]
    FailsGuard {
        /// The section, e.g. `give_me_a_question`.
        section: String,
        /// The question.
        question: String,
        /// Why the guard rejects it.
        #[source]
        failure: GuardFailure,
    },
    /// The same question (ignoring case, punctuation and spacing) appears twice.
    #[error("question {question:?} appears twice, in `{first}` and in `{second}`")]
    Duplicate {
        /// The second occurrence.
        question: String,
        /// Section of the first occurrence.
        first: String,
        /// Section of the second occurrence.
        second: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    version: String,
    language: String,
    give_me_a_question: Vec<String>,
    opening: RawOpening,
    fallback: RawFallback,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOpening {
    default: String,
    #[serde(default)]
    alternates: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFallback {
    open_up: Vec<String>,
    deepen: Vec<String>,
    integrate: Vec<String>,
    close: Vec<String>,
}

impl QuestionBank {
    /// The bank shipped with Soundmind (English), parsed once.
    pub fn builtin() -> &'static QuestionBank {
        static BUILTIN: OnceLock<QuestionBank> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            QuestionBank::parse(BUILTIN_TOML).unwrap_or_else(|e| {
                panic!("the embedded data/question-bank.toml is invalid (this is a build bug): {e}")
            })
        })
    }

    /// Parses and validates a question-bank TOML document: every question passes [`guard::check`], no
    /// question appears twice, and every list except `opening.alternates` is non-empty.
    pub fn parse(text: &str) -> Result<QuestionBank, BankError> {
        let raw: RawBank = toml::from_str(text)?;
        let version = raw.version.trim().to_owned();
        if version.is_empty() {
            return Err(BankError::EmptyField { field: "version" });
        }
        let language = raw.language.trim().to_owned();
        if !is_language_code(&language) {
            return Err(BankError::InvalidLanguage { value: raw.language });
        }
        let [open_up, deepen, integrate, close] = [
            raw.fallback.open_up,
            raw.fallback.deepen,
            raw.fallback.integrate,
            raw.fallback.close,
        ];
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut section = |name: &str, questions: Vec<String>, may_be_empty: bool| {
            if questions.is_empty() && !may_be_empty {
                return Err(BankError::EmptySection {
                    section: name.to_owned(),
                });
            }
            let mut out = Vec::with_capacity(questions.len());
            for question in questions {
                let question = question.trim().to_owned();
                if let Err(failure) = guard::check(&question) {
                    return Err(BankError::FailsGuard {
                        section: name.to_owned(),
                        question,
                        failure,
                    });
                }
                let key = normalise(&question);
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    let (first, second) = (first.clone(), name.to_owned());
                    return Err(BankError::Duplicate {
                        question,
                        first,
                        second,
                    });
                }
                seen.push((key, name.to_owned()));
                out.push(question);
            }
            Ok(out)
        };
        let opening = section("opening.default", vec![raw.opening.default], false)?.remove(0);
        let opening_alternates = section("opening.alternates", raw.opening.alternates, true)?;
        let give_me_a_question = section("give_me_a_question", raw.give_me_a_question, false)?;
        let fallback = [
            section("fallback.open_up", open_up, false)?,
            section("fallback.deepen", deepen, false)?,
            section("fallback.integrate", integrate, false)?,
            section("fallback.close", close, false)?,
        ];
        Ok(QuestionBank {
            version,
            language,
            opening,
            opening_alternates,
            give_me_a_question,
            fallback,
        })
    }

    /// Version of the bank's contents, e.g. `2026.11.1`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Language code of the questions, e.g. `en`.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// The first question of a new session.
    pub fn opening(&self) -> &str {
        &self.opening
    }

    /// Other opening questions the app may rotate in (possibly none).
    pub fn opening_alternates(&self) -> &[String] {
        &self.opening_alternates
    }

    /// The general reflective questions used for "give me a question" (also listed in the question prompt).
    pub fn give_me_a_question(&self) -> &[String] {
        &self.give_me_a_question
    }

    /// The fallback questions for `phase`.
    pub fn phase_questions(&self, phase: Phase) -> &[String] {
        &self.fallback[phase as usize]
    }

    /// A fallback question for `phase` that was not already asked in this session.
    ///
    /// `asked` holds the questions asked so far, oldest first; they are compared ignoring case, punctuation
    /// and spacing. `pick` is caller-supplied randomness choosing among the fresh questions. Once every
    /// question of the phase was asked, the least recently asked one is reused.
    pub fn fallback(&self, phase: Phase, asked: &[&str], pick: u64) -> &str {
        choose(self.phase_questions(phase), asked, pick)
    }

    /// A question for a person who asked for one ("give me a question"); picked like [`Self::fallback`].
    pub fn on_request(&self, asked: &[&str], pick: u64) -> &str {
        choose(&self.give_me_a_question, asked, pick)
    }
}

fn choose<'a>(pool: &'a [String], asked: &[&str], pick: u64) -> &'a str {
    let asked: Vec<String> = asked.iter().map(|q| normalise(q)).collect();
    let last_asked = |q: &String| {
        let key = normalise(q);
        asked.iter().rposition(|a| *a == key)
    };
    let fresh: Vec<&String> = pool.iter().filter(|q| last_asked(q).is_none()).collect();
    if !fresh.is_empty() {
        // The remainder is below `fresh.len()`, so it fits in a usize.
        return fresh[(pick % fresh.len() as u64) as usize];
    }
    pool.iter()
        .min_by_key(|q| last_asked(q))
        .expect("a validated bank has no empty section")
}

/// Lowercase words without punctuation or apostrophes, single-spaced: how questions are compared.
pub(crate) fn normalise(text: &str) -> String {
    words(text).join(" ")
}

/// `en`, `de`, `gsw`, `pt-BR`, `zh-Hant`: a lowercase language subtag, optionally with a region or script.
fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let lang = parts.next().unwrap_or("");
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
    let rest: Vec<&str> = parts.collect();
    let rest_ok = rest.len() <= 1
        && rest
            .iter()
            .all(|p| (2..=4).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    lang_ok && rest_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_questions(bank: &QuestionBank) -> Vec<&String> {
        let mut all = vec![&bank.opening];
        all.extend(bank.opening_alternates.iter().chain(&bank.give_me_a_question));
        all.extend(bank.fallback.iter().flatten());
        all
    }

    /// A tiny deterministic stand-in for the caller's randomness.
    fn picks(seed: u64) -> impl Iterator<Item = u64> {
        std::iter::successors(Some(seed), |x| {
            Some(
                x.wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407),
            )
        })
    }

    #[test]
    fn builtin_bank_parses_and_every_question_passes_the_guard() {
        let bank = QuestionBank::parse(BUILTIN_TOML).expect("embedded bank is valid");
        assert_eq!(QuestionBank::builtin(), &bank);
        assert_eq!((bank.language(), bank.version()), ("en", "2026.11.1"));
        assert_eq!(bank.opening_alternates().len(), 5);
        assert!(bank.give_me_a_question().len() >= 15);
        for phase in Phase::ALL {
            assert!(bank.phase_questions(phase).len() >= 8, "{phase}");
        }
        for q in all_questions(&bank) {
            assert_eq!(guard::check(q), Ok(()), "{q}");
            assert_eq!(&guard::clean(q), q, "already clean: {q}");
        }
    }

    #[test]
    fn fallback_never_repeats_until_exhausted_then_reuses_the_least_recent() {
        let bank = QuestionBank::builtin();
        for (phase, seed) in Phase::ALL.into_iter().zip([1, 7, 42, u64::MAX]) {
            let pool = bank.phase_questions(phase);
            // Earlier questions from other sections and a generated one are in the session too.
            let mut asked: Vec<String> =
                vec![bank.opening().to_owned(), "What else is going on for you?".into()];
            let mut picks = picks(seed);
            for _ in 0..pool.len() {
                let refs: Vec<&str> = asked.iter().map(String::as_str).collect();
                let q = bank.fallback(phase, &refs, picks.next().unwrap());
                assert!(
                    !asked.iter().any(|a| normalise(a) == normalise(q)),
                    "{phase}: repeated {q}"
                );
                asked.push(q.to_owned());
            }
            let first_round = asked[2..].to_vec();
            for expected in first_round.iter().chain(&first_round) {
                let refs: Vec<&str> = asked.iter().map(String::as_str).collect();
                let q = bank.fallback(phase, &refs, picks.next().unwrap());
                assert_eq!(q, expected, "{phase}: reuse the least recently asked");
                asked.push(q.to_owned());
            }
        }
    }

    #[test]
    fn asked_questions_are_compared_ignoring_case_and_punctuation() {
        let bank = QuestionBank::builtin();
        let pool = bank.give_me_a_question();
        let shouted: Vec<String> = pool[1..]
            .iter()
            .map(|q| q.to_uppercase().replace(['?', ','], ""))
            .collect();
        let refs: Vec<&str> = shouted.iter().map(String::as_str).collect();
        for pick in 0..5 {
            assert_eq!(bank.on_request(&refs, pick), pool[0]);
        }
        assert_ne!(bank.on_request(&[], 0), bank.on_request(&[], 1));
        assert_eq!(
            bank.on_request(&[], 3),
            bank.on_request(&[], 3 + pool.len() as u64)
        );
    }

    const MINIMAL: &str = r#"
version = "1"
language = "de"
give_me_a_question = ["Was beschäftigt dich heute am meisten?"]
[opening]
default = "Was möchtest du heute erzählen, und wo fängst du an?"
[fallback]
open_up = ["Was fällt dir daran als Erstes auf?"]
deepen = ["Was genau passiert in diesem Moment in dir?"]
integrate = ["Was nimmst du aus diesem Gedanken mit?"]
close = ["Wäre das ein guter Punkt, um für heute aufzuhören?"]
"#;

    #[test]
    fn parses_a_minimal_bank_in_another_language() {
        let bank = QuestionBank::parse(MINIMAL).expect("valid");
        assert_eq!(bank.language(), "de");
        assert!(bank.opening_alternates().is_empty());
        assert_eq!(
            bank.fallback(Phase::Close, &[], 9),
            "Wäre das ein guter Punkt, um für heute aufzuhören?"
        );
        assert_eq!(
            bank.fallback(Phase::Close, &[bank.phase_questions(Phase::Close)[0].as_str()], 9),
            bank.phase_questions(Phase::Close)[0]
        );
    }

    #[test]
    fn rejects_invalid_banks() {
        use BankError as E;
        use GuardFailure as F;
        let (praise, deepen) = (
            "Was nimmst du aus diesem Gedanken mit?",
            "Was genau passiert in diesem Moment in dir?",
        );
        type Case = (&'static str, &'static str, fn(&E) -> bool);
        let cases: [Case; 7] = [
            ("version = \"1\"", "version = \" \"", |e| {
                matches!(e, E::EmptyField { field: "version" })
            }),
            (
                "\"de\"",
                "\"German\"",
                |e| matches!(e, E::InvalidLanguage { value } if value == "German"),
            ),
            (
                "[\"Was fällt dir daran als Erstes auf?\"]",
                "[]",
                |e| matches!(e, E::EmptySection { section } if section == "fallback.open_up"),
            ),
            (praise, "Toll, was nimmst du aus diesem Gedanken mit?", |e| {
                matches!(e, E::FailsGuard { section, failure: F::Praise { word }, .. }
                    if section == "fallback.integrate" && word == "toll")
            }),
            (deepen, "was beschäftigt dich heute am meisten", |e| {
                matches!(
                    e,
                    E::FailsGuard {
                        failure: F::NotAQuestion,
                        ..
                    }
                )
            }),
            (deepen, "WAS beschäftigt dich heute, am meisten?", |e| {
                matches!(e, E::Duplicate { first, second, .. }
                    if first == "give_me_a_question" && second == "fallback.deepen")
            }),
            ("[fallback]", "[fallback]\nextra = []", |e| {
                matches!(e, E::Toml(_))
            }),
        ];
        for (from, to, expected) in cases {
            let text = MINIMAL.replacen(from, to, 1);
            let err = QuestionBank::parse(&text).expect_err(&text);
            assert!(expected(&err), "{from:?} -> {to:?}: {err}");
        }
        let missing_close = MINIMAL.replace(
            "close = [\"Wäre das ein guter Punkt, um für heute aufzuhören?\"]",
            "",
        );
        assert!(matches!(QuestionBank::parse(&missing_close), Err(E::Toml(_))));
    }
}
