//! The care around sessions: what each level of the crisis screen says (from `data/care.toml`), the safety
//! check-in and how its answer is read, the first-run note, the periodic "is this helping?" check-in and what
//! a "worse" answer shows. The wording is fixed, never written by a model; numbers come from the crisis
//! directory.

use std::sync::OnceLock;

use serde::Deserialize;

use super::resources::{Country, CrisisDirectory};

const CARE_TOML: &str = include_str!("../../../../data/care.toml");

/// The reviewed wording of each screening level (`data/care.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareWording {
    /// `YYYY.MM.N`, bumped with every change.
    pub version: String,
    /// The day the wording was last reviewed (`YYYY-MM-DD`).
    pub reviewed_on: String,
    /// When it is to be reviewed again (`YYYY-MM-DD`).
    pub next_review: String,
    /// What a crisis shows.
    pub crisis: CrisisWording,
    /// What a concern asks and shows.
    pub concern: ConcernWording,
    /// What a mention shows.
    pub mention: MentionWording,
}

/// The words shown when the dialogue stops for a crisis.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrisisWording {
    /// Shown above the help lines.
    pub message: String,
}

/// The words of the safety check-in that replaces a reflective question on a concern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcernWording {
    /// The question asked instead of a model's ("Are you safe right now?").
    pub check_in: String,
    /// Shown with the help lines while the check-in waits for its answer.
    pub note: String,
}

/// The line shown for a crisis topic without present risk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionWording {
    /// Followed by the key numbers.
    pub note: String,
}

impl CareWording {
    /// The wording shipped with Soundmind, parsed once from the embedded `data/care.toml`.
    pub fn builtin() -> &'static CareWording {
        static CARE: OnceLock<CareWording> = OnceLock::new();
        CARE.get_or_init(|| {
            toml::from_str(CARE_TOML).unwrap_or_else(|e| {
                panic!("the embedded data/care.toml is invalid (this is a build bug): {e}")
            })
        })
    }
}

/// Whether an answer to the safety check-in says the person is not safe, or is not sure. Anything else ("yes",
/// "I'm okay, just tired") lets the dialogue go on; the answer is screened as every answer is, too. When in
/// doubt this says *not safe*: a help line shown once too often costs less than one not shown.
pub fn check_in_answer_is_unsafe(answer: &str) -> bool {
    let words: Vec<String> = answer
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect();
    let first = words.first().map(String::as_str).unwrap_or("");
    let text = format!(" {} ", words.join(" "));
    let says = |phrases: &[&str]| phrases.iter().any(|p| text.contains(&format!(" {p} ")));
    if says(&[
        "not safe",
        "don't feel safe",
        "dont feel safe",
        "not really",
        "not sure",
        "i don't know",
        "i dont know",
        "unsafe",
        "not okay",
        "not ok",
        "nicht sicher",
        "nicht wirklich",
        "weiss nicht",
        "weiß nicht",
        "keine ahnung",
        "help",
        "hilfe",
    ]) {
        return true;
    }
    if SAFE_FIRST_WORDS.contains(&first) {
        return false;
    }
    first.is_empty() || UNSURE_FIRST_WORDS.contains(&first) || words.len() <= 2
}

/// First words of a check-in answer that say "safe" (the rest of the answer is screened as usual).
const SAFE_FIRST_WORDS: &[&str] = &[
    "yes", "yeah", "yep", "sure", "safe", "fine", "okay", "ok", "alright", "good", "i'm", "im", "i", "ja",
    "jo", "ich", "gut", "passt", "sicher",
];

/// First words of a check-in answer that say "no" or "not sure".
const UNSURE_FIRST_WORDS: &[&str] = &["no", "nope", "nah", "maybe", "nein", "nee", "vielleicht"];

/// What a concern shows while its check-in waits: the note and the help lines.
pub fn concern_message(directory: &CrisisDirectory, country: Option<&Country>) -> String {
    format!(
        "{}\n\n{}",
        CareWording::builtin().concern.note,
        directory.render_plain(country)
    )
}

/// What a mention shows: one line with the key numbers.
pub fn mention_note(directory: &CrisisDirectory, country: Option<&Country>) -> String {
    format!(
        "{} {}.",
        CareWording::builtin().mention.note,
        key_numbers(directory, country)
    )
}

/// Ask "is this helping?" once every this many sessions (the safeguarding plan says every 7 to 10).
pub const CHECK_IN_EVERY: usize = 8;

/// The check-in question, shown with the four [`CheckIn`] answers.
pub const CHECK_IN_QUESTION: &str = "Quick check: is journaling with Soundmind helping you at the moment?";

/// An answer to the check-in. Only the answer is logged, never anything the person said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    /// It helps.
    Helpful,
    /// No difference either way.
    Neutral,
    /// It is making things worse.
    Worse,
    /// Not answered.
    Skip,
}

impl CheckIn {
    /// Every answer, in the order to offer them.
    pub const ALL: [CheckIn; 4] = [CheckIn::Helpful, CheckIn::Neutral, CheckIn::Worse, CheckIn::Skip];

    /// The stable name used in events and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckIn::Helpful => "helpful",
            CheckIn::Neutral => "neutral",
            CheckIn::Worse => "worse",
            CheckIn::Skip => "skip",
        }
    }

    /// The button label.
    pub fn label(self) -> &'static str {
        match self {
            CheckIn::Helpful => "Helpful",
            CheckIn::Neutral => "Neutral",
            CheckIn::Worse => "Making things worse",
            CheckIn::Skip => "Skip",
        }
    }

    /// Reads [`CheckIn::as_str`] back (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Whether the check-in is due, given the sessions since the last one.
pub fn check_in_due(sessions_since_last: usize) -> bool {
    sessions_since_last >= CHECK_IN_EVERY
}

/// What a "making things worse" answer shows: a gentle suggestion, then the help lines.
pub fn worse_message(directory: &CrisisDirectory, country: Option<&Country>) -> String {
    format!(
        "Thank you for saying so. Journaling is not right for everyone or at every time, and it is fine to stop or \
         take a long break. If things feel heavier, talking with someone you trust or a professional can help more \
         than writing alone.\n\n{}",
        directory.render_plain(country)
    )
}

/// The note shown once, before the first session: what Soundmind is and is not, with the key numbers.
pub fn first_run_note(directory: &CrisisDirectory, country: Option<&Country>) -> String {
    format!(
        "Welcome to Soundmind. You speak, your words are saved as plain files on this machine, and Soundmind asks one \
         reflective question at a time.\n\nIt is a journal, not therapy, and not for emergencies. If you are in \
         danger or thinking about ending your life: {}.",
        key_numbers(directory, country)
    )
}

/// One line of the most important numbers: the emergency number and the first phone line of the country, or the
/// international directory when the country is unknown.
pub fn key_numbers(directory: &CrisisDirectory, country: Option<&Country>) -> String {
    let international = directory
        .international
        .first()
        .map(|s| format!("{} ({})", s.name, s.url.as_deref().unwrap_or_default()));
    match country {
        Some(country) => {
            let mut parts = vec![format!("call {} (emergency)", country.emergency)];
            if let Some(line) = country.service.iter().find(|s| s.phone.is_some()) {
                parts.push(format!(
                    "{} {}",
                    line.name,
                    line.phone.as_deref().unwrap_or_default()
                ));
            }
            parts.join(", or ")
        }
        None => format!(
            "call your local emergency number{}",
            international
                .map(|i| format!(", or find a line at {i}"))
                .unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_run_note_says_what_this_is_not_with_real_numbers() {
        let directory = CrisisDirectory::builtin();
        let uk = directory.lookup("GB").unwrap();
        let note = first_run_note(directory, Some(uk));
        assert!(
            note.contains("not therapy") && note.contains("not for emergencies"),
            "{note}"
        );
        assert!(
            note.contains("999") && note.contains("Samaritans 116 123"),
            "{note}"
        );
        let anywhere = first_run_note(directory, None);
        assert!(
            anywhere.contains("local emergency number") && anywhere.contains("findahelpline.com"),
            "{anywhere}"
        );
    }

    #[test]
    fn the_care_wording_is_reviewed_and_says_no_command() {
        let care = CareWording::builtin();
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (reviewed_on, next_review) = (day(&care.reviewed_on), day(&care.next_review));
        let today = chrono::Local::now().date_naive();
        assert!(reviewed_on <= today && next_review > reviewed_on);
        assert!(
            (today - reviewed_on).num_days() <= 366,
            "data/care.toml was last reviewed on {}: review it again",
            care.reviewed_on
        );
        for text in [
            &care.crisis.message,
            &care.concern.check_in,
            &care.concern.note,
            &care.mention.note,
        ] {
            assert!(
                !text.contains('`') && !text.contains("soundmind "),
                "no command in {text:?}"
            );
        }
        assert!(care.concern.check_in.ends_with('?'));
        let note = mention_note(
            CrisisDirectory::builtin(),
            CrisisDirectory::builtin().lookup("GB").ok(),
        );
        assert!(note.contains("999"), "{note}");
    }

    #[test]
    fn a_no_or_an_unsure_answer_to_the_safety_check_in_is_unsafe() {
        for unsafe_answer in [
            "no",
            "No.",
            "not really",
            "I don't know",
            "i dont know anymore",
            "nope",
            "maybe",
            "I'm not safe",
            "I don't feel safe at home",
            "nein",
            "nicht wirklich",
            "Ich weiß nicht",
            "",
            "hm",
        ] {
            assert!(check_in_answer_is_unsafe(unsafe_answer), "{unsafe_answer:?}");
        }
        for safe in [
            "yes",
            "Yes, I'm safe, just tired.",
            "yeah I'm okay, it was a bad day",
            "I'm safe, thanks for asking",
            "ja, alles okay",
            "ich bin sicher, nur müde",
            "sure, I was just venting about work and the commute",
            "fine, thanks",
            "okay",
        ] {
            assert!(!check_in_answer_is_unsafe(safe), "{safe:?}");
        }
    }

    #[test]
    fn check_ins_are_due_every_eight_sessions_and_round_trip() {
        assert!(!check_in_due(7));
        assert!(check_in_due(8));
        for answer in CheckIn::ALL {
            assert_eq!(CheckIn::parse(answer.as_str()), Some(answer));
        }
        assert_eq!(CheckIn::parse("WORSE"), Some(CheckIn::Worse));
        assert_eq!(CheckIn::parse("maybe"), None);
        let worse = worse_message(CrisisDirectory::builtin(), None);
        assert!(
            worse.contains("someone you trust") && worse.contains("Find A Helpline"),
            "{worse}"
        );
    }
}
