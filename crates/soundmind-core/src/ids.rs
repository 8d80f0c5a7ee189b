//! Session ids: HSJ's `yyMMdd_HHmm`, with a collision-free fallback that still sorts by time.

use std::fmt;

use chrono::NaiveDateTime;

/// The id of a session: the stem of `<id>.md` and the name of its asset folder.
///
/// Ids that Soundmind creates are `yyMMdd_HHmm` (HSJ's format, local time). When that name is taken, the next
/// candidates are `yyMMdd_HHmmss` (a stamp HSJ's own `sessions merge` accepts) and then `yyMMdd_HHmmss_N`.
/// All of them sort after the minute's first session and before the next minute's, so sorting ids by name
/// still sorts sessions by time. Ids read from disk may be any safe file stem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(String);

/// Why a string is not a usable session id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id was empty.
    #[error("a session id cannot be empty")]
    Empty,
    /// The id would escape the sessions folder or name a hidden file.
    #[error("{0:?} is not a session id: ids are file names like 251103_0714, without '/', '\\' or '..'")]
    PathLike(String),
    /// The id is implausibly long.
    #[error("{0:?} is not a session id: it is longer than 100 characters")]
    TooLong(String),
}

impl SessionId {
    /// Validates an id given by a user or found on disk. A trailing `.md` is accepted and removed.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let stem = text.strip_suffix(".md").unwrap_or(text);
        if stem.is_empty() {
            return Err(IdError::Empty);
        }
        if stem.chars().count() > 100 {
            return Err(IdError::TooLong(text.to_string()));
        }
        let bad_char = |c: char| matches!(c, '/' | '\\' | ':' | '\0') || c.is_control();
        if stem.starts_with('.') || stem.contains("..") || stem.chars().any(bad_char) {
            return Err(IdError::PathLike(text.to_string()));
        }
        Ok(Self(stem.to_string()))
    }

    /// Candidate ids for a session started at `started` (local time), best first. The store takes the first one
    /// that names neither an existing file nor an existing folder.
    pub fn candidates(started: NaiveDateTime) -> impl Iterator<Item = SessionId> {
        let minute = started.format("%y%m%d_%H%M").to_string();
        let second = started.format("%y%m%d_%H%M%S").to_string();
        let numbered = (2..).map(move |n| format!("{}_{n}", started.format("%y%m%d_%H%M%S")));
        [minute, second].into_iter().chain(numbered).map(SessionId)
    }

    /// When the session started (local time, to the minute or second), read from the id's `yyMMdd_HHmm[ss]`
    /// stamp; `None` for ids that are not stamps.
    pub fn started_at(&self) -> Option<NaiveDateTime> {
        stamp_time(&self.0)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The session's Markdown file name, `<id>.md`.
    pub fn file_name(&self) -> String {
        format!("{}.md", self.0)
    }

    /// The numbered name of the `index`-th CLI audio segment (1-based), as HSJ names them: `<id>_NN.<ext>`.
    pub fn segment_name(&self, index: u32, extension: &str) -> String {
        format!("{}_{index:02}.{extension}", self.0)
    }
}

/// The local time at the start of a `yyMMdd_HHmm[ss]…` name (session ids, insight file names), if it has one.
pub fn stamp_time(name: &str) -> Option<NaiveDateTime> {
    let digits =
        |range: std::ops::Range<usize>| name.get(range).filter(|s| s.bytes().all(|b| b.is_ascii_digit()));
    let minute = format!("{}{}", digits(0..6)?, digits(7..11)?);
    if name.as_bytes().get(6) != Some(&b'_') {
        return None;
    }
    let seconds = digits(11..13).unwrap_or("00");
    NaiveDateTime::parse_from_str(&format!("{minute}{seconds}"), "%y%m%d%H%M%S").ok()
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SessionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 11, 3)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    }

    #[test]
    fn stamps_give_the_local_start_time() {
        let id = |s: &str| SessionId::parse(s).unwrap().started_at();
        assert_eq!(id("251103_0714"), Some(at(7, 14, 0)));
        assert_eq!(id("251103_071409_2"), Some(at(7, 14, 9)));
        assert_eq!(stamp_time("251103_0714_insights.md"), Some(at(7, 14, 0)));
        assert_eq!(id("morning-pages"), None);
        assert_eq!(id("251399_0714"), None, "month 13");
    }

    #[test]
    fn candidates_start_with_hsj_format_and_sort_by_time() {
        let ids: Vec<String> = SessionId::candidates(at(7, 14, 30))
            .take(4)
            .map(|i| i.0)
            .collect();
        assert_eq!(
            ids,
            [
                "251103_0714",
                "251103_071430",
                "251103_071430_2",
                "251103_071430_3"
            ]
        );
        // Every fallback sorts after the minute's first file and before the next minute's, also as file names.
        let next_minute = SessionId::candidates(at(7, 15, 0)).next().unwrap();
        let mut files: Vec<String> = ids.iter().map(|i| format!("{i}.md")).collect();
        files.push(next_minute.file_name());
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted);
    }

    #[test]
    fn path_like_ids_are_refused() {
        for bad in ["../etc", "a/b", "a\\b", "..", ".hidden", "x..y", "", "c:foo"] {
            assert!(SessionId::parse(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(
            SessionId::parse("251103_0714.md").unwrap().as_str(),
            "251103_0714"
        );
    }

    #[test]
    fn segment_names_match_hsj() {
        let id = SessionId::parse("251103_0714").unwrap();
        assert_eq!(id.segment_name(2, "wav"), "251103_0714_02.wav");
    }
}
