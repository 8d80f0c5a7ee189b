//! A session file: YAML frontmatter plus a Markdown body of `## AI Q` exchanges, byte-compatible with HSJ.
//!
//! Layout (HSJ §2.12): `---` / YAML / `---` / blank line / body / one trailing newline. Each exchange is
//! `## AI Q`, a blank line, a fenced `llm-question` block, a blank line, then the transcript (one sentence per
//! line). Exchanges are separated by two blank lines.

use crate::frontmatter::{FieldError, Frontmatter, NewSession};
use crate::yaml::{YamlError, YamlMap, emit_map, parse_map};

/// The heading that opens every exchange.
pub const QUESTION_HEADING: &str = "## AI Q";
/// The info string of the fenced block holding the question.
pub const QUESTION_FENCE: &str = "```llm-question";
const PENDING_MARKER_PREFIX: &str = "<!-- hsj:pending segment=\"";

/// A session file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The bytes are not UTF-8 text or contain NUL bytes.
    #[error("not a text file (binary data at byte {offset})")]
    Binary {
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// The file does not start with a `---` line.
    #[error("no frontmatter: the file must start with a line containing only ---")]
    MissingFrontmatter,
    /// The opening `---` has no closing `---` line.
    #[error("the frontmatter opened on line 1 is never closed by a line containing only ---")]
    UnclosedFrontmatter,
    /// The YAML between the markers is malformed.
    #[error("malformed frontmatter at line {line}, column {column}: {message}")]
    Yaml {
        /// 1-based line in the file.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A known key holds the wrong kind of value.
    #[error("malformed frontmatter: {0}")]
    Field(#[from] FieldError),
}

/// A whole session file, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDoc {
    /// The frontmatter.
    pub frontmatter: Frontmatter,
    body: String,
}

/// One question and its answer, as found in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The question asked.
    pub question: String,
    /// What the user answered.
    pub answer: Answer,
}

/// The answer part of an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A transcript (or typed text), one sentence per line.
    Text(String),
    /// Audio that still waits for transcription; `segment` is the audio file name.
    Pending {
        /// The audio file name in the session folder.
        segment: String,
    },
}

impl SessionDoc {
    /// Parses file bytes. Accepts HSJ's escaped YAML and Soundmind's UTF-8 YAML.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let (map, body) = parse_document(bytes)?;
        let frontmatter = Frontmatter::from_map(map)?;
        Ok(Self {
            frontmatter,
            body: body.to_string(),
        })
    }

    /// A new, empty session.
    pub fn new(new: &NewSession, file_name: &str) -> Self {
        Self {
            frontmatter: Frontmatter::new_session(new, file_name),
            body: String::new(),
        }
    }

    /// The file's bytes, in HSJ's layout.
    pub fn render(&self) -> String {
        let yaml = emit_map(self.frontmatter.map());
        let mut out = String::with_capacity(yaml.len() + self.body.len() + 16);
        out.push_str("---\n");
        out.push_str(&yaml);
        out.push_str("---\n\n");
        out.push_str(&self.body);
        out.push('\n');
        out
    }

    /// The Markdown body, without the frontmatter.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The exchanges in the body, in order. Text before the first `## AI Q` is ignored here (but kept in the file).
    pub fn exchanges(&self) -> Vec<Exchange> {
        let mut exchanges = Vec::new();
        for block in split_blocks(&self.body) {
            exchanges.push(parse_block(block));
        }
        exchanges
    }

    /// The transcript text of every answered exchange, joined by blank lines (for search and summaries).
    pub fn answers_text(&self) -> String {
        self.exchanges()
            .into_iter()
            .filter_map(|e| match e.answer {
                Answer::Text(t) => Some(t),
                Answer::Pending { .. } => None,
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Appends an answered exchange.
    pub fn append_exchange(&mut self, question: &str, transcript: &str) {
        self.append_block(question, transcript.trim());
    }

    /// Appends an exchange whose audio is not transcribed yet, with HSJ's placeholder and marker.
    pub fn append_pending_exchange(&mut self, question: &str, segment: &str) {
        self.append_block(question, &pending_placeholder(segment));
    }

    fn append_block(&mut self, question: &str, answer: &str) {
        if !self.body.trim().is_empty() {
            self.body.push_str("\n\n\n");
        } else {
            self.body.clear();
        }
        self.body.push_str(QUESTION_HEADING);
        self.body.push_str("\n\n");
        self.body.push_str(QUESTION_FENCE);
        self.body.push('\n');
        self.body.push_str(question.trim());
        self.body.push_str("\n```\n\n");
        self.body.push_str(answer);
    }

    /// Replaces every placeholder for `segment` with `transcript`; returns how many were replaced.
    ///
    /// Like HSJ, a placeholder is the marker line plus the line above it when that line is HSJ's
    /// "(transcription pending – …)" text.
    pub fn replace_pending(&mut self, segment: &str, transcript: &str) -> usize {
        let marker = pending_marker(segment);
        let mut lines: Vec<String> = self.body.split('\n').map(str::to_string).collect();
        let mut replaced = 0;
        let mut i = 0;
        while i < lines.len() {
            if lines[i].trim() == marker {
                let start = if i > 0 && lines[i - 1].starts_with("(transcription pending") {
                    i - 1
                } else {
                    i
                };
                lines.splice(start..=i, [transcript.trim().to_string()]);
                replaced += 1;
                i = start + 1;
            } else {
                i += 1;
            }
        }
        if replaced > 0 {
            self.body = lines.join("\n");
        }
        replaced
    }

    /// Removes every whole exchange (`## AI Q` block) whose answer is the placeholder for `segment`; returns how
    /// many were removed. For HSJ's web path, which left a stale placeholder block next to the real answer.
    pub fn remove_pending_exchanges(&mut self, segment: &str) -> usize {
        let blocks = split_blocks(&self.body);
        // The blocks run contiguously to the end of the body; what precedes them is kept as it is.
        let first = self.body.len() - blocks.iter().map(|b| b.len()).sum::<usize>();
        let (stale, kept): (Vec<&str>, Vec<&str>) = blocks.iter().partition(
            |block| matches!(parse_block(block).answer, Answer::Pending { segment: ref s } if s == segment),
        );
        if stale.is_empty() {
            return 0;
        }
        let mut body = self.body[..first].to_string();
        body.extend(kept);
        // The removed block may have been the last one: drop the separator it leaves behind.
        body.truncate(body.trim_end_matches('\n').len());
        let removed = stale.len();
        self.body = body;
        removed
    }

    /// Renames the audio file a placeholder points to (its text and its marker), e.g. after a merge moved the file;
    /// returns how many placeholders changed.
    pub fn rename_pending(&mut self, old: &str, new: &str) -> usize {
        let old_placeholder = pending_placeholder(old);
        let count = self.body.matches(&old_placeholder).count();
        if count > 0 {
            self.body = self.body.replace(&old_placeholder, &pending_placeholder(new));
        }
        count
    }

    /// Appends another session's body (its exchanges, verbatim) after this one's, with HSJ's separator.
    pub fn append_body(&mut self, body: &str) {
        let body = body.trim_matches('\n');
        if body.is_empty() {
            return;
        }
        if self.body.trim().is_empty() {
            self.body = body.to_string();
        } else {
            self.body.push_str("\n\n\n");
            self.body.push_str(body);
        }
    }
}

/// HSJ's placeholder text for a pending segment (with an EN DASH), then its marker comment.
pub fn pending_placeholder(segment: &str) -> String {
    format!(
        "(transcription pending \u{2013} segment {segment})\n{}",
        pending_marker(segment)
    )
}

fn pending_marker(segment: &str) -> String {
    format!("{PENDING_MARKER_PREFIX}{segment}\" -->")
}

/// Splits a Markdown file with YAML frontmatter (sessions, insights) into the parsed frontmatter and the body,
/// without the blank line after the closing marker or the final newline.
pub(crate) fn parse_document(bytes: &[u8]) -> Result<(YamlMap, &str), ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::Binary {
        offset: e.valid_up_to(),
    })?;
    if let Some(offset) = text.find('\0') {
        return Err(ParseError::Binary { offset });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or(ParseError::MissingFrontmatter)?;
    let (yaml, after) = split_closing_marker(rest).ok_or(ParseError::UnclosedFrontmatter)?;
    let map = parse_map(yaml).map_err(
        |YamlError {
             line,
             column,
             message,
         }| ParseError::Yaml {
            line: line + 1, // the opening marker is line 1
            column,
            message,
        },
    )?;
    let body = after.strip_prefix('\n').unwrap_or(after);
    let body = body.strip_suffix('\n').unwrap_or(body);
    Ok((map, body))
}

/// Splits `rest` (the text after the opening marker) at the closing `---` line.
fn split_closing_marker(rest: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

fn split_blocks(body: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = Vec::new();
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim_end() == QUESTION_HEADING {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let end = starts.get(i + 1).copied().unwrap_or(body.len());
            &body[start..end]
        })
        .collect()
}

fn parse_block(block: &str) -> Exchange {
    let after_heading = block.split_once('\n').map_or("", |(_, rest)| rest);
    let (question, answer_text) = match after_heading.find(QUESTION_FENCE) {
        Some(fence) => {
            let inside = &after_heading[fence + QUESTION_FENCE.len()..];
            let inside = inside.strip_prefix('\n').unwrap_or(inside);
            match inside.find("\n```") {
                Some(close) => {
                    let rest = &inside[close + 4..];
                    (inside[..close].trim().to_string(), rest)
                }
                None => (inside.trim().to_string(), ""),
            }
        }
        None => (String::new(), after_heading),
    };
    let answer_text = answer_text.trim();
    let answer = match answer_text.find(PENDING_MARKER_PREFIX) {
        Some(at) => {
            let tail = &answer_text[at + PENDING_MARKER_PREFIX.len()..];
            let segment = tail.split('"').next().unwrap_or_default().to_string();
            Answer::Pending { segment }
        }
        None => Answer::Text(answer_text.to_string()),
    };
    Exchange { question, answer }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        "---\nsummary: ''\n---\n\n## AI Q\n\n```llm-question\nHow are you?\n```\n\nFine.\nReally.\n";

    #[test]
    fn parse_render_round_trip() {
        let doc = SessionDoc::parse(MINIMAL.as_bytes()).unwrap();
        assert_eq!(doc.render(), MINIMAL);
        assert_eq!(
            doc.exchanges(),
            [Exchange {
                question: "How are you?".into(),
                answer: Answer::Text("Fine.\nReally.".into())
            }]
        );
    }

    #[test]
    fn append_keeps_hsj_separators() {
        let mut doc = SessionDoc::parse(MINIMAL.as_bytes()).unwrap();
        doc.append_pending_exchange("And then?", "x_02.wav");
        let text = doc.render();
        assert!(text.ends_with(
            "Really.\n\n\n## AI Q\n\n```llm-question\nAnd then?\n```\n\n(transcription pending \u{2013} segment x_02.wav)\n<!-- hsj:pending segment=\"x_02.wav\" -->\n"
        ));
        assert_eq!(
            doc.exchanges()[1].answer,
            Answer::Pending {
                segment: "x_02.wav".into()
            }
        );
        assert_eq!(doc.replace_pending("x_02.wav", "Then this."), 1);
        assert_eq!(doc.exchanges()[1].answer, Answer::Text("Then this.".into()));
        assert_eq!(doc.replace_pending("x_02.wav", "again"), 0);
    }

    #[test]
    fn stale_placeholder_blocks_are_removed_whole() {
        let mut doc = SessionDoc::parse(MINIMAL.as_bytes()).unwrap();
        doc.append_pending_exchange("And then?", "b.webm");
        doc.append_exchange("And then?", "Then this.");
        doc.append_pending_exchange("Last?", "c.webm");
        let mut renamed = doc.clone();
        assert_eq!(doc.remove_pending_exchanges("b.webm"), 1);
        assert_eq!(doc.remove_pending_exchanges("c.webm"), 1);
        assert_eq!(doc.remove_pending_exchanges("c.webm"), 0);
        let answers: Vec<_> = doc.exchanges().into_iter().map(|e| e.answer).collect();
        assert_eq!(
            answers,
            [
                Answer::Text("Fine.\nReally.".into()),
                Answer::Text("Then this.".into())
            ]
        );
        assert!(doc.render().ends_with("Then this.\n"));

        assert_eq!(renamed.rename_pending("c.webm", "c_2.webm"), 1);
        assert_eq!(
            renamed.exchanges()[3].answer,
            Answer::Pending {
                segment: "c_2.webm".into()
            }
        );
        let mut merged = SessionDoc::parse(MINIMAL.as_bytes()).unwrap();
        merged.append_body(doc.body());
        assert_eq!(merged.exchanges().len(), 3);
        assert!(merged.body().contains("Really.\n\n\n## AI Q"));
    }

    #[test]
    fn first_exchange_on_empty_body() {
        let mut doc = SessionDoc::parse(b"---\nsummary: ''\n---\n\n").unwrap();
        assert_eq!(doc.body(), "");
        doc.append_exchange("Q?", " A. ");
        assert_eq!(
            doc.render(),
            "---\nsummary: ''\n---\n\n## AI Q\n\n```llm-question\nQ?\n```\n\nA.\n"
        );
    }

    #[test]
    fn bad_files_get_specific_errors() {
        assert_eq!(
            SessionDoc::parse(b"# notes\n"),
            Err(ParseError::MissingFrontmatter)
        );
        assert_eq!(
            SessionDoc::parse(b"---\nsummary: x\n"),
            Err(ParseError::UnclosedFrontmatter)
        );
        assert!(matches!(
            SessionDoc::parse(b"---\n\xff\xfe\n---\n"),
            Err(ParseError::Binary { offset: 4 })
        ));
        match SessionDoc::parse(b"---\na: 1\nb: [x\n---\n") {
            Err(ParseError::Yaml { line, .. }) => assert!(line >= 3),
            other => panic!("{other:?}"),
        }
    }
}
