//! Session summaries (written by the chat model, stored single-line in the frontmatter as HSJ does) and the history
//! of recent summaries that question prompts carry for continuity.

use minijinja::context;
use soundmind_core::{Answer, SessionDoc, SessionId};
use soundmind_engine::{CancelToken, ChatMessage, ChatModel, ChatRequest, EngineError, Role, Sampling};
use soundmind_store::{Journal, StoreError};

use crate::prompts::{self, Prompts, RenderError};
use crate::questions::{HistoryItem, PromptExchange, language_name};

/// HSJ's history budget: the summaries of recent sessions that fit in this many tokens.
pub const HISTORY_TOKEN_BUDGET: usize = 5_000;
/// HSJ's cap on the number of recent summaries.
pub const HISTORY_MAX_SESSIONS: usize = 50;
/// Answers shorter than this many words get a one- or two-sentence summary.
const SHORT_SESSION_WORDS: usize = 150;
/// HSJ's summary temperature.
const SUMMARY_TEMPERATURE: f32 = 0.4;

/// Why no summary was written.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    /// The session has no answered text yet.
    #[error("the session has no answers to summarise yet")]
    NothingToSummarise,
    /// The model answered with nothing usable.
    #[error("the model's summary was empty")]
    Empty,
    /// The model failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The template failed.
    #[error(transparent)]
    Template(#[from] RenderError),
}

/// Writes a summary of `exchanges` in `language`: one paragraph, at most 200 words, on one line.
pub fn summarise(
    chat: &dyn ChatModel,
    prompts: &Prompts,
    exchanges: &[PromptExchange],
    language: &str,
    cancel: &CancelToken,
) -> Result<String, SummaryError> {
    let words: usize = exchanges
        .iter()
        .map(|e| e.answer.split_whitespace().count())
        .sum();
    if words == 0 {
        return Err(SummaryError::NothingToSummarise);
    }
    let prompt = prompts.render(
        prompts::SUMMARY,
        context! {
            exchanges => exchanges,
            short => words < SHORT_SESSION_WORDS,
            language_name => language_name(language),
        },
    )?;
    let request = ChatRequest {
        messages: vec![ChatMessage::new(Role::User, prompt)],
        sampling: Sampling {
            temperature: SUMMARY_TEMPERATURE,
            max_tokens: 400,
            ..Sampling::default()
        },
        thinking_budget: None,
    };
    let result = chat.chat(&request, &mut |_| {}, cancel)?;
    let summary = one_line(&result.text);
    if summary.is_empty() {
        return Err(SummaryError::Empty);
    }
    Ok(summary)
}

/// The answered exchanges of a session, as prompts show them (audio still waiting for transcription is left out).
pub fn answered_exchanges(doc: &SessionDoc) -> Vec<PromptExchange> {
    doc.exchanges()
        .into_iter()
        .filter_map(|e| match e.answer {
            Answer::Text(answer) => Some(PromptExchange {
                question: e.question,
                answer,
            }),
            Answer::Pending { .. } => None,
        })
        .collect()
}

/// Why a stored summary could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// The session could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No summary came back.
    #[error(transparent)]
    Summary(#[from] SummaryError),
}

/// Writes a fresh summary of session `id` into its frontmatter (`fix summaries regenerate`), and returns it. The
/// file is changed only if a summary came back.
pub fn rewrite_summary(
    journal: &Journal,
    id: &SessionId,
    chat: &dyn ChatModel,
    prompts: &Prompts,
    language: &str,
    cancel: &CancelToken,
) -> Result<String, RewriteError> {
    let doc = journal.load(id)?;
    let summary = summarise(chat, prompts, &answered_exchanges(&doc), language, cancel)?;
    journal.update(id, |doc| doc.frontmatter.set_summary(&summary))?;
    Ok(summary)
}

/// Whitespace collapsed to single spaces, a leading "Summary:" label dropped, and at most 200 words.
fn one_line(text: &str) -> String {
    let text = text.trim();
    let text = ["Summary:", "**Summary:**", "Zusammenfassung:"]
        .iter()
        .find_map(|label| text.strip_prefix(label))
        .unwrap_or(text);
    let words: Vec<&str> = text.split_whitespace().collect();
    words[..words.len().min(200)].join(" ")
}

/// The summaries to carry into a question prompt: from `newest_first` (id, summary) pairs, newest sessions kept
/// first, up to [`HISTORY_MAX_SESSIONS`] and `budget` tokens as `count_tokens` counts them; returned oldest first.
pub fn recent_history(
    newest_first: &[(String, String)],
    budget: usize,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Vec<HistoryItem> {
    let mut used = 0;
    let mut kept = Vec::new();
    for (id, summary) in newest_first.iter().filter(|(_, s)| !s.trim().is_empty()) {
        let cost = count_tokens(summary) + 8; // the <summary session=…> wrapper
        if used + cost > budget || kept.len() == HISTORY_MAX_SESSIONS {
            break;
        }
        used += cost;
        kept.push(HistoryItem {
            id: id.clone(),
            summary: summary.clone(),
        });
    }
    kept.reverse();
    kept
}

/// HSJ's estimate when no tokenizer is at hand: four characters per token.
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keeps_the_newest_sessions_within_the_budget() {
        let sessions: Vec<(String, String)> = (0..10)
            .rev()
            .map(|i| (format!("s{i}"), "word ".repeat(40)))
            .collect();
        // Each summary costs 50 + 8 tokens: a 200-token budget keeps three.
        let kept = recent_history(&sessions, 200, &estimate_tokens);
        let ids: Vec<&str> = kept.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["s7", "s8", "s9"], "newest kept, shown oldest first");
        assert!(recent_history(&sessions, 10, &estimate_tokens).is_empty());
    }

    #[test]
    fn summaries_are_one_line_without_labels() {
        assert_eq!(
            one_line("Summary:  They walked.\n\nThey slept."),
            "They walked. They slept."
        );
        assert_eq!(one_line(&"w ".repeat(300)).split(' ').count(), 200);
    }
}
