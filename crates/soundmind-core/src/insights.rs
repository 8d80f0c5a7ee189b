//! Insights across sessions: which sessions feed them, how the model's text becomes separate insights, and HSJ's
//! insights file format (`insights/yyMMdd_HHmm_insights.md`).
//!
//! One timestamp convention: everything is local time, as session ids are. The file name carries the local
//! `yyMMdd_HHmm` stamp and `generated_at` is RFC 3339 with the local offset, so it is unambiguous. HSJ wrote
//! both in UTC (`…Z`); reading `generated_at` rather than the name makes its files' cutoffs correct too.

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat};
use serde::Serialize;

use crate::dialogue::guard::{GuardFailure, check_insight};
use crate::ids::{SessionId, stamp_time};
use crate::session::{ParseError, parse_document};
use crate::yaml::{YamlMap, YamlValue, emit_map};

/// HSJ's default input budget, in words.
pub const DEFAULT_MAX_WORDS: usize = 100_000;
/// How much of the newest earlier insight the prompt sees, so the model can notice change instead of repeating.
pub const PRIOR_EXCERPT_CHARS: usize = 2_000;
/// How many earlier insight files are named in `prior_insights_refs`.
pub const PRIOR_REFS: usize = 3;
/// Written as `guidelines_version`, as HSJ does.
pub const GUIDELINES_VERSION: &str = "1.0";
/// The footer under every insights file.
pub const DISCLAIMER: &str = "*These observations come from your own journal sessions, to help you notice patterns \
and connections. They are not therapy, advice or a diagnosis.*";

/// A session as the insights selection sees it.
#[derive(Debug, Clone)]
pub struct SourceSession {
    /// The session.
    pub id: SessionId,
    /// Its stored summary (may be empty).
    pub summary: String,
    /// Its Markdown body (questions and answers).
    pub body: String,
}

/// One piece of material for the insights prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceText {
    /// The session id.
    pub id: String,
    /// A summary or a whole transcript.
    pub text: String,
}

/// What an insights run reads: summaries of sessions before the cutoff, whole transcripts after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Summaries of older sessions, oldest first.
    pub summaries: Vec<SourceText>,
    /// Sessions since the last insight, in full (or their summary when the body is empty), oldest first.
    pub transcripts: Vec<SourceText>,
    /// Sessions since the last insight left out because the budget ran out (the oldest go first).
    pub left_out: Vec<SessionId>,
    /// Words used, out of the budget.
    pub words: usize,
}

impl Selection {
    /// Every session that contributed, oldest first.
    pub fn sources(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .summaries
            .iter()
            .chain(&self.transcripts)
            .map(|s| s.id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// HSJ's range text, from the first and last contributing session's day: `251103 → 251111`.
    pub fn range_text(&self) -> String {
        let sources = self.sources();
        let day = |id: &str| id.get(..6).unwrap_or(id).to_string();
        match (sources.first(), sources.last()) {
            (Some(first), Some(last)) if day(first) != day(last) => {
                format!("{} → {}", day(first), day(last))
            }
            (Some(first), _) => day(first),
            _ => String::new(),
        }
    }
}

/// Chooses the material for an insights run from `sessions` (oldest first).
///
/// Sessions that started before `cutoff` (the last insight) contribute their summaries; those on or after it (all
/// of them when there is no cutoff; ids that are not stamps count as new) contribute their whole text. Within
/// `max_words`, the newest transcripts are kept first, then the newest summaries: unlike HSJ, which filled the
/// budget oldest first and so dropped the very sessions an insight is about.
pub fn select_sources(
    sessions: &[SourceSession],
    cutoff: Option<NaiveDateTime>,
    max_words: usize,
) -> Selection {
    let is_new = |s: &SourceSession| match (cutoff, s.id.started_at()) {
        (Some(cutoff), Some(started)) => started >= cutoff,
        _ => true,
    };
    let mut selection = Selection::default();
    let mut budget = Budget::new(max_words);
    for session in sessions.iter().rev().filter(|s| is_new(s)) {
        let text = if session.body.trim().is_empty() {
            &session.summary
        } else {
            &session.body
        };
        if text.trim().is_empty() {
            continue;
        }
        // A transcript that does not fit may still be represented by its summary.
        let fitting = [text, &session.summary]
            .into_iter()
            .find(|t| !t.trim().is_empty() && budget.take(t));
        match fitting {
            Some(text) => selection.transcripts.push(SourceText {
                id: session.id.to_string(),
                text: text.trim().to_string(),
            }),
            None => selection.left_out.push(session.id.clone()),
        }
    }
    for session in sessions.iter().rev().filter(|s| !is_new(s)) {
        let summary = session.summary.trim();
        if !summary.is_empty() && budget.take(summary) {
            selection.summaries.push(SourceText {
                id: session.id.to_string(),
                text: summary.to_string(),
            });
        }
    }
    selection.summaries.reverse();
    selection.transcripts.reverse();
    selection.left_out.reverse();
    selection.words = budget.used;
    selection
}

struct Budget {
    limit: usize,
    used: usize,
}

impl Budget {
    fn new(limit: usize) -> Self {
        Self { limit, used: 0 }
    }

    /// Spends the words of `text` if they fit.
    fn take(&mut self, text: &str) -> bool {
        let words = text.split_whitespace().count();
        let fits = self.used + words <= self.limit;
        if fits {
            self.used += words;
        }
        fits
    }
}

/// Splits the model's answer into separate insights, at most `count` of them.
///
/// The prompt asks for `---` between insights. A model that forgets gets split before its bold title lines
/// instead; never at blank lines, which cut one multi-paragraph insight into several (HSJ's fallback). Small
/// models sometimes echo the prompt's material instead of observing it: stray tags are removed, and a part that
/// reproduces a session (`## AI Q`, a question block) is not an insight and is dropped. Each insight must then
/// pass [`check_insight`]; the first rejection is returned with the accepted insights, for the error message.
pub fn split_items(text: &str, count: Option<usize>) -> (Vec<String>, Option<GuardFailure>) {
    let text = text.replace("\r\n", "\n");
    let is_rule = |line: &str| matches!(line.trim(), "---" | "***" | "___");
    let mut items = split_before(&text, |line, _| is_rule(line), true);
    if items.len() == 1 {
        let is_title = |line: &str, index: usize| {
            let line = line.trim();
            index > 0 && line.len() > 4 && line.starts_with("**") && line.ends_with("**")
        };
        items = split_before(&items[0], is_title, false);
    }
    let mut items: Vec<String> = items
        .into_iter()
        .filter(|item| !echoes_a_session(item))
        .map(|item| strip_heading(&without_tags(&item)).trim().to_string())
        .filter(|item| !item.is_empty())
        .collect();
    let mut rejected = None;
    items.retain(|item| match check_insight(item) {
        Ok(()) => true,
        Err(failure) => {
            rejected.get_or_insert(failure);
            false
        }
    });
    if let Some(count) = count {
        items.truncate(count.max(1));
    }
    (items, rejected)
}

/// Splits `text` into parts before each line for which `at(line, line_index)` holds; `drop` removes that line.
fn split_before(text: &str, at: impl Fn(&str, usize) -> bool, drop: bool) -> Vec<String> {
    let mut parts = vec![String::new()];
    for (index, line) in text.lines().enumerate() {
        if at(line, index) {
            parts.push(String::new());
            if drop {
                continue;
            }
        }
        let part = parts.last_mut().expect("parts is never empty");
        part.push_str(line);
        part.push('\n');
    }
    parts
}

/// Whether `item` reproduces a session's layout rather than observing it.
fn echoes_a_session(item: &str) -> bool {
    item.lines()
        .any(|line| matches!(line.trim(), "## AI Q" | "```llm-question"))
}

/// `item` without lines that are the prompt's own tags (`<transcript session=…>`, `</summary>`, …).
fn without_tags(item: &str) -> String {
    const TAGS: [&str; 3] = ["transcript", "summary", "earlier_insights"];
    let is_tag = |line: &str| {
        let line = line.trim();
        let name = line.trim_start_matches('<').trim_start_matches('/');
        line.starts_with('<') && TAGS.iter().any(|tag| name.starts_with(tag))
    };
    item.lines()
        .filter(|line| !is_tag(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Drops a leading `# Insights …` heading that a model may add on its own.
fn strip_heading(item: &str) -> &str {
    let trimmed = item.trim_start();
    match trimmed.split_once('\n') {
        Some((first, rest)) if first.starts_with("# ") => rest,
        None if trimmed.starts_with("# ") => "",
        _ => trimmed,
    }
}

/// A new insights file.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightsFile {
    /// When it was written, local time with its offset.
    pub generated_at: DateTime<FixedOffset>,
    /// The model spec that wrote it.
    pub model_llm: String,
    /// The range text (`251103 → 251111`).
    pub range_text: String,
    /// The first and last contributing session ids.
    pub since: String,
    /// See `since`.
    pub until: String,
    /// The contributing session file names, oldest first.
    pub source_sessions: Vec<String>,
    /// The newest earlier insight files, newest first.
    pub prior_insights_refs: Vec<String>,
    /// Words of material the model read.
    pub words: usize,
    /// The insights, each Markdown (a bold title, then prose).
    pub items: Vec<String>,
}

impl InsightsFile {
    /// The file name: the local `yyMMdd_HHmm` stamp of `generated_at`, like a session id.
    pub fn file_name(&self) -> String {
        format!("{}_insights.md", self.generated_at.format("%y%m%d_%H%M"))
    }

    /// A fallback name for a second insights file in the same minute (sorts by time with [`stamp_time`]).
    pub fn file_name_with_seconds(&self) -> String {
        format!("{}_insights.md", self.generated_at.format("%y%m%d_%H%M%S"))
    }

    /// The file's text in HSJ's layout, with provenance HSJ documented but never wrote (`since`, `until`,
    /// `num_sessions`, `words`) added inside `source_range`.
    pub fn render(&self) -> String {
        let strings =
            |items: &[String]| YamlValue::List(items.iter().map(|s| YamlValue::str(s.as_str())).collect());
        let mut range = YamlMap::new();
        range.insert("text", YamlValue::str(self.range_text.as_str()));
        range.insert("since", YamlValue::str(self.since.as_str()));
        range.insert("until", YamlValue::str(self.until.as_str()));
        range.insert("num_sessions", YamlValue::Int(self.source_sessions.len() as i64));
        range.insert("words", YamlValue::Int(self.words as i64));
        let mut map = YamlMap::new();
        map.insert(
            "generated_at",
            YamlValue::str(self.generated_at.to_rfc3339_opts(SecondsFormat::Secs, false)),
        );
        map.insert("model_llm", YamlValue::str(self.model_llm.as_str()));
        map.insert("source_range", YamlValue::Map(range));
        map.insert("source_sessions", strings(&self.source_sessions));
        map.insert("prior_insights_refs", strings(&self.prior_insights_refs));
        map.insert("guidelines_version", YamlValue::str(GUIDELINES_VERSION));

        let heading = if self.items.len() == 1 {
            "Insight"
        } else {
            "Insights"
        };
        let mut out = format!(
            "---\n{}---\n\n# {heading} — {}\n\n",
            emit_map(&map),
            self.range_text
        );
        for item in &self.items {
            out.push_str(item.trim());
            out.push_str("\n\n---\n\n");
        }
        out.push_str(DISCLAIMER);
        out.push('\n');
        out
    }
}

/// An insights file read back (ours or HSJ's).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredInsights {
    /// When it was written, from `generated_at` (any offset; HSJ wrote UTC).
    pub generated_at: Option<DateTime<FixedOffset>>,
    /// The local-time stamp in the file name.
    pub name_stamp: Option<NaiveDateTime>,
    /// The first non-empty line of the body (HSJ's `insight list` column), e.g. `# Insights — 251103 → 251111`.
    pub title: String,
    /// The insights, without the heading and the disclaimer.
    pub items: Vec<String>,
}

impl StoredInsights {
    /// Parses the file `name` with contents `bytes`.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Self, ParseError> {
        let (map, body) = parse_document(bytes)?;
        let generated_at = map
            .get("generated_at")
            .and_then(YamlValue::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        let title = body
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .to_string();
        let items = split_before(body, |line, _| line.trim() == "---", true)
            .into_iter()
            .map(|part| strip_heading(&part).trim().to_string())
            .filter(|part| !part.is_empty() && !is_disclaimer(part))
            .collect();
        Ok(Self {
            generated_at,
            name_stamp: stamp_time(name),
            title,
            items,
        })
    }

    /// The last [`PRIOR_EXCERPT_CHARS`] characters of the insights, for the next prompt.
    pub fn excerpt(&self) -> String {
        let text = self.items.join("\n\n---\n\n");
        let skip = text.chars().count().saturating_sub(PRIOR_EXCERPT_CHARS);
        text.chars().skip(skip).collect()
    }
}

/// HSJ's footer and ours both start with an italic "These observations …".
fn is_disclaimer(part: &str) -> bool {
    part.starts_with("*These observations")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str, summary: &str, body: &str) -> SourceSession {
        SourceSession {
            id: SessionId::parse(id).unwrap(),
            summary: summary.into(),
            body: body.into(),
        }
    }

    fn at(stamp: &str) -> NaiveDateTime {
        stamp_time(stamp).unwrap()
    }

    fn ids(texts: &[SourceText]) -> Vec<&str> {
        texts.iter().map(|t| t.id.as_str()).collect()
    }

    #[test]
    fn summaries_before_the_cutoff_transcripts_after() {
        let sessions = [
            session("251101_0900", "old one", "## AI Q\n\nq\n\nold body"),
            session("251102_0900", "old two", "body two"),
            session("251103_0900", "new one", "new body one"),
            session("251103_1000", "", ""),
            session("251104_0900", "only a summary", ""),
        ];
        let selection = select_sources(&sessions, Some(at("251103_0900")), 1_000);
        assert_eq!(ids(&selection.summaries), ["251101_0900", "251102_0900"]);
        assert_eq!(selection.summaries[0].text, "old one");
        assert_eq!(ids(&selection.transcripts), ["251103_0900", "251104_0900"]);
        assert_eq!(selection.transcripts[0].text, "new body one");
        assert_eq!(selection.transcripts[1].text, "only a summary");
        assert_eq!(selection.range_text(), "251101 → 251104");

        let everything = select_sources(&sessions, None, 1_000);
        assert!(everything.summaries.is_empty());
        assert_eq!(everything.transcripts.len(), 4);
    }

    #[test]
    fn the_budget_keeps_the_newest_material() {
        let long = "word ".repeat(60);
        let sessions = [
            session("251101_0900", "old summary words", "x"),
            session("251103_0900", "first summary", &long),
            session("251104_0900", "second summary", &long),
            session("251105_0900", "third summary", &long),
        ];
        let selection = select_sources(&sessions, Some(at("251102_0000")), 124);
        // The two newest transcripts fit (120 words of 124); the oldest new session falls back to its summary (2 words),
        // and the older summary (3 words) no longer fits.
        assert_eq!(
            ids(&selection.transcripts),
            ["251103_0900", "251104_0900", "251105_0900"]
        );
        assert_eq!(selection.transcripts[0].text, "first summary");
        assert!(selection.summaries.is_empty());
        assert_eq!(selection.words, 122);

        let tight = select_sources(&sessions, Some(at("251102_0000")), 62);
        assert_eq!(ids(&tight.transcripts), ["251104_0900", "251105_0900"]);
        assert_eq!(tight.transcripts[0].text, "second summary");
        assert_eq!(
            tight.left_out,
            [SessionId::parse("251103_0900").unwrap()],
            "the oldest new session goes first"
        );
    }

    #[test]
    fn items_split_at_rules_or_titles_never_at_paragraphs() {
        let ruled = "# Insights\n\n**One**\n\nFirst para.\n\nSecond para?\n\n---\n\n**Two**\n\nMore?\n";
        let (items, rejected) = split_items(ruled, None);
        assert_eq!(rejected, None);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], "**One**\n\nFirst para.\n\nSecond para?");

        let titled = "**One**\nText one?\n\n**Two**\nText two?\n\n**Three**\nText three?";
        assert_eq!(split_items(titled, None).0.len(), 3);
        assert_eq!(split_items(titled, Some(2)).0.len(), 2);

        let echo = "## AI Q\n\n```llm-question\nWhat now?\n```\n\nAn answer.\n</transcript>\n---\n**Real**\n\nSeen?\n</summary>";
        assert_eq!(split_items(echo, None).0, ["**Real**\n\nSeen?"]);

        let plain = "One paragraph.\n\nAnother paragraph about the same thing?";
        assert_eq!(split_items(plain, None).0.len(), 1);
        assert_eq!(split_items("  \n---\n ", None), (vec![], None));
        let flattering = "**Well**\n\nYou are doing great.\n---\n**Ok**\n\nWhat helped?";
        let (items, rejected) = split_items(flattering, None);
        assert_eq!(items, ["**Ok**\n\nWhat helped?"]);
        assert!(matches!(rejected, Some(GuardFailure::Praise { .. })));
    }

    fn file() -> InsightsFile {
        InsightsFile {
            generated_at: DateTime::parse_from_rfc3339("2025-11-24T09:05:07+01:00").unwrap(),
            model_llm: "local:qwen2.5-1.5b-instruct".into(),
            range_text: "251103 → 251111".into(),
            since: "251103_0714".into(),
            until: "251111_0648".into(),
            source_sessions: vec!["251103_0714.md".into(), "251111_0648.md".into()],
            prior_insights_refs: vec![],
            words: 1234,
            items: vec!["**A**\n\nFirst?".into(), "**B**\n\nSecond?".into()],
        }
    }

    #[test]
    fn files_round_trip_in_hsj_layout() {
        let file = file();
        assert_eq!(file.file_name(), "251124_0905_insights.md");
        let text = file.render();
        assert!(
            text.starts_with("---\ngenerated_at: '2025-11-24T09:05:07+01:00'\n"),
            "{text}"
        );
        assert!(text.contains("\n# Insights — 251103 → 251111\n\n**A**\n\nFirst?\n\n---\n\n**B**"));
        assert!(
            text.contains("prior_insights_refs: []\nguidelines_version: '1.0'\n"),
            "{text}"
        );
        assert!(text.trim_end().ends_with(DISCLAIMER));

        let stored = StoredInsights::parse(&file.file_name(), text.as_bytes()).unwrap();
        assert_eq!(stored.generated_at, Some(file.generated_at));
        assert_eq!(stored.name_stamp, Some(at("251124_0905")));
        assert_eq!(stored.title, "# Insights — 251103 → 251111");
        assert_eq!(stored.items, file.items);
        assert!(stored.excerpt().ends_with("Second?"));
    }

    #[test]
    fn hsj_files_are_read_with_their_utc_stamp() {
        let text = "---\ngenerated_at: \"2025-11-11T20:40:07.346515Z\"\nmodel_llm: \"x\"\nprior_insights_refs:\n\
                    guidelines_version: \"1.0\"\n---\n\n# Insight — 251111\n\n**T**\n\nBody?\n\n---\n\n\
                    *These observations are generated from your journaling sessions.*\n";
        let stored = StoredInsights::parse("251111_2040_insights.md", text.as_bytes()).unwrap();
        let generated = stored.generated_at.unwrap();
        assert_eq!(generated.offset().local_minus_utc(), 0);
        assert_eq!(generated.format("%H:%M:%S").to_string(), "20:40:07");
        assert_eq!(stored.items, ["**T**\n\nBody?"]);
    }

    #[test]
    fn long_prior_insights_are_cut_to_their_end() {
        let stored = StoredInsights {
            generated_at: None,
            name_stamp: None,
            title: String::new(),
            items: vec!["é".repeat(3_000)],
        };
        assert_eq!(stored.excerpt().chars().count(), PRIOR_EXCERPT_CHARS);
    }
}
