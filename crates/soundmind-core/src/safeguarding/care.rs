//! The care around sessions: the first-run note, the periodic "is this helping?" check-in and what a "worse"
//! answer shows. The wording is fixed here, never written by a model; numbers come from the crisis directory.

use super::resources::{Country, CrisisDirectory};

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
         danger or thinking about ending your life: {}. `soundmind crisis` lists more help lines at any time.",
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
