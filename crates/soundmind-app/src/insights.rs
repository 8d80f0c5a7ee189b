//! Insights across sessions (`insight generate | list`): choose the material since the last insights, ask the
//! model, and write HSJ's `insights/yyMMdd_HHmm_insights.md`.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Local};
use minijinja::context;
use soundmind_core::SessionId;
use soundmind_core::dialogue::GuardFailure;
use soundmind_core::insights::{
    InsightsFile, PRIOR_REFS, Selection, SourceSession, select_sources, split_items,
};
use soundmind_engine::{CancelToken, ChatMessage, ChatModel, ChatRequest, EngineError, Role, Sampling};
use soundmind_store::{InsightsEntry, Journal, StoreError, fields};

use crate::prompts::{self, Prompts, RenderError};
use crate::questions::language_name;

pub use soundmind_core::insights::DEFAULT_MAX_WORDS;

/// HSJ's insights temperature.
const INSIGHTS_TEMPERATURE: f32 = 0.4;
/// Room for the answer (HSJ's max_tokens).
const ANSWER_MAX_TOKENS: u32 = 1_200;
/// Room for the instructions and the tags around each session, in tokens.
const INSTRUCTIONS_TOKENS: usize = 800;

/// What to generate.
#[derive(Debug, Clone)]
pub struct InsightsRequest {
    /// How many insights; `None` lets the model choose (two or three).
    pub count: Option<usize>,
    /// The input budget in words (HSJ's `--max-words`); also capped by the model's context window.
    pub max_words: usize,
    /// The session language, e.g. `en`.
    pub language: String,
}

/// Why no insights file was written.
#[derive(Debug, thiserror::Error)]
pub enum InsightsError {
    /// The journal has no session with any text.
    #[error("the journal has no sessions with text yet")]
    NoSessions,
    /// Every session is older than the last insights file.
    #[error("no new sessions since the last insights ({last}); journal a little more first")]
    NothingNew {
        /// The newest insights file.
        last: String,
    },
    /// Nothing in the model's answer passed the checks; nothing was written.
    #[error(
        "the model's answer had no usable insights{}; nothing was written",
        refused.as_ref().map(|r| format!(" (refused: {r})")).unwrap_or_default()
    )]
    NoUsableInsights {
        /// Why the first refused insight was refused.
        refused: Option<GuardFailure>,
    },
    /// The model failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A template failed.
    #[error(transparent)]
    Template(#[from] RenderError),
    /// The journal could not be read or the file not written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A written insights file.
#[derive(Debug)]
pub struct GeneratedInsights {
    /// Where it was written.
    pub path: PathBuf,
    /// What was written.
    pub file: InsightsFile,
    /// New sessions the word budget had no room for (the oldest go first).
    pub left_out: Vec<SessionId>,
}

/// Every insights file in the journal, newest first.
pub fn list_insights(journal: &Journal) -> Result<Vec<InsightsEntry>, StoreError> {
    journal.list_insights()
}

/// Generates insights from the sessions since the last insights file and writes them, stamped `now`. `on_delta`
/// sees the model's text as it streams. Nothing is written unless the model returns at least one insight.
pub fn generate_insights(
    journal: &Journal,
    chat: &dyn ChatModel,
    prompts: &Prompts,
    request: &InsightsRequest,
    now: DateTime<FixedOffset>,
    on_delta: &mut dyn FnMut(&str),
    cancel: &CancelToken,
) -> Result<GeneratedInsights, InsightsError> {
    let prior: Vec<_> = journal
        .list_insights()?
        .into_iter()
        .filter_map(|entry| Some((entry.name, entry.insights.ok()?)))
        .collect();
    let newest = prior.first();
    // The cutoff in local time, as session ids are: HSJ's files say UTC in `generated_at`.
    let cutoff = newest.and_then(|(_, stored)| {
        stored
            .generated_at
            .map(|t| t.with_timezone(&Local).naive_local())
            .or(stored.name_stamp)
    });

    let selection = select_sources(
        &sessions_oldest_first(journal)?,
        cutoff,
        word_budget(chat, request),
    );
    if selection.transcripts.is_empty() {
        return Err(match newest {
            Some((name, _)) => InsightsError::NothingNew { last: name.clone() },
            None => InsightsError::NoSessions,
        });
    }

    let messages = insights_messages(
        prompts,
        &selection,
        request,
        newest.map(|(_, stored)| stored.excerpt()),
    )?;
    let chat_request = ChatRequest {
        messages,
        sampling: Sampling {
            temperature: INSIGHTS_TEMPERATURE,
            max_tokens: ANSWER_MAX_TOKENS,
            ..Sampling::default()
        },
        thinking_budget: None,
    };
    let answer = chat.chat(&chat_request, on_delta, cancel)?;
    let (items, refused) = split_items(&answer.text, request.count);
    if items.is_empty() {
        return Err(InsightsError::NoUsableInsights { refused });
    }

    let sources = selection.sources();
    let file = InsightsFile {
        generated_at: now,
        model_llm: chat.model(),
        range_text: selection.range_text(),
        since: sources.first().map(|s| s.to_string()).unwrap_or_default(),
        until: sources.last().map(|s| s.to_string()).unwrap_or_default(),
        source_sessions: sources.iter().map(|id| format!("{id}.md")).collect(),
        prior_insights_refs: prior
            .iter()
            .take(PRIOR_REFS)
            .map(|(name, _)| name.clone())
            .collect(),
        words: selection.words,
        items,
    };
    let path = journal.write_insights(&file)?;
    // Metadata only: counts, never text.
    let _ = journal.events().append(
        "insights.generated",
        fields! {
            "file" => path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "sessions" => file.source_sessions.len(),
            "words" => file.words,
            "items" => file.items.len(),
            "left_out" => selection.left_out.len(),
            "model_llm" => file.model_llm.clone(),
        },
    );
    Ok(GeneratedInsights {
        path,
        file,
        left_out: selection.left_out,
    })
}

/// The readable sessions, oldest first. Unreadable files are left out here; `sessions list` reports them.
fn sessions_oldest_first(journal: &Journal) -> Result<Vec<SourceSession>, StoreError> {
    let mut sessions: Vec<SourceSession> = journal
        .list()?
        .into_iter()
        .filter_map(|entry| {
            let doc = entry.doc.ok()?;
            Some(SourceSession {
                id: entry.id,
                summary: doc.frontmatter.summary().to_string(),
                body: doc.body().to_string(),
            })
        })
        .collect();
    sessions.reverse();
    Ok(sessions)
}

/// The word budget: the request's, or less when the model's context window is smaller (about 0.7 words per
/// token of what is left after the instructions and the answer).
fn word_budget(chat: &dyn ChatModel, request: &InsightsRequest) -> usize {
    match chat.context_window() {
        Some(tokens) => {
            let room = tokens.saturating_sub(ANSWER_MAX_TOKENS as usize + INSTRUCTIONS_TOKENS);
            request.max_words.min(room * 7 / 10)
        }
        None => request.max_words,
    }
}

/// The instructions (stable, first) and the journal material (last).
fn insights_messages(
    prompts: &Prompts,
    selection: &Selection,
    request: &InsightsRequest,
    prior_insights: Option<String>,
) -> Result<Vec<ChatMessage>, RenderError> {
    let system = prompts.render(
        prompts::INSIGHTS_SYSTEM,
        context! {
            count => request.count,
            range_text => selection.range_text(),
            language_name => language_name(&request.language),
        },
    )?;
    let sources = prompts.render(
        prompts::INSIGHTS_SOURCES,
        context! {
            prior_insights => prior_insights.unwrap_or_default(),
            summaries => selection.summaries,
            transcripts => selection.transcripts,
        },
    )?;
    Ok(vec![
        ChatMessage::stable(Role::System, system),
        ChatMessage::new(Role::User, sources),
    ])
}
