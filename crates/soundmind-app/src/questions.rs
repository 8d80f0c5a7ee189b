//! The next question: rendered prompts → chat model (streamed) → the guard → one corrective retry → the bank.
//!
//! Every question this returns has passed [`guard::check`]: a generated one after cleaning, or a curated one from
//! the question bank (which is validated by the same guard when it is parsed).

use std::path::Path;
use std::time::Duration;

use minijinja::context;
use soundmind_core::dialogue::{GuardFailure, Phase, QuestionBank, asks_for_a_question, guard};
use soundmind_engine::{CancelToken, ChatMessage, ChatModel, ChatRequest, EngineError, Role, Sampling};

use crate::prompts::{self, Prompts, RenderError};

/// The most tokens a question may take (a 40-word question is about 60 tokens; room for a preamble to clean off).
const QUESTION_MAX_TOKENS: u32 = 120;
/// HSJ's question temperature.
const QUESTION_TEMPERATURE: f32 = 0.5;

/// One past exchange as the prompt shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PromptExchange {
    /// The question asked.
    pub question: String,
    /// The answer (empty while its audio waits for transcription).
    pub answer: String,
}

/// A recent session's summary for continuity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryItem {
    /// The session id.
    pub id: String,
    /// Its summary, one line.
    pub summary: String,
}

/// What the question is asked about.
#[derive(Debug, Clone)]
pub struct QuestionContext<'a> {
    /// This session's exchanges so far, the latest answer last.
    pub exchanges: &'a [PromptExchange],
    /// Summaries of recent sessions, oldest first.
    pub history: &'a [HistoryItem],
    /// Time since the session started.
    pub elapsed: Duration,
    /// The session language (`en`, `de`, …); the reply follows it.
    pub language: &'a str,
    /// Caller-supplied randomness for picking bank questions.
    pub pick: u64,
}

/// Where a question came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionSource {
    /// The model's first answer passed the guard.
    Model,
    /// The model's answer passed after one corrective retry.
    Retry,
    /// The question bank: the person asked for a question, or the model failed the guard twice or failed.
    Bank,
}

impl QuestionSource {
    /// A stable name for events.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionSource::Model => "model",
            QuestionSource::Retry => "retry",
            QuestionSource::Bank => "bank",
        }
    }
}

/// A question that passed the guard, and how it was found.
#[derive(Debug)]
pub struct Question {
    /// The question, cleaned and checked.
    pub text: String,
    /// Where it came from.
    pub source: QuestionSource,
    /// Why generated answers were refused, in order.
    pub refused: Vec<GuardFailure>,
    /// The engine error that sent us to the bank, if any (the session goes on with a curated question).
    pub engine_error: Option<EngineError>,
}

/// What a front end hears while the question is generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionProgress {
    /// A new generation attempt starts (1, then 2 for the corrective retry): clear any streamed text.
    Attempt(u32),
    /// Text as the model writes it (before the guard: show it as provisional).
    Token(String),
}

/// The file name of a user's own question bank, next to the config file (same format as the built-in
/// `data/question-bank.toml`).
pub const BANK_OVERRIDE_FILE: &str = "question-bank.toml";

/// The question bank: the user's file at `path` when it exists and passes every check (each question passes the
/// guard), else the built-in one. A file that cannot be used is described in the returned warning.
pub fn load_bank(path: Option<&Path>) -> (QuestionBank, Option<String>) {
    let builtin = || QuestionBank::builtin().clone();
    let Some(path) = path.filter(|p| p.exists()) else {
        return (builtin(), None);
    };
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| QuestionBank::parse(&text).map_err(|e| e.to_string()));
    match parsed {
        Ok(bank) => (bank, None),
        Err(reason) => (
            builtin(),
            Some(format!(
                "{}: {reason}; using the built-in question bank instead",
                path.display()
            )),
        ),
    }
}

/// The human name of a language code, for "Reply in …".
pub fn language_name(code: &str) -> &str {
    match code.split(['-', '_']).next().unwrap_or(code) {
        "en" => "English",
        "de" => "German",
        "fr" => "French",
        "es" => "Spanish",
        "it" => "Italian",
        "nl" => "Dutch",
        "pt" => "Portuguese",
        _ => code,
    }
}

/// The messages of a question prompt: instructions and history first (stable across the session, so the local
/// engine's KV cache and Anthropic's prompt cache keep them), then this session.
pub fn question_messages(
    prompts: &Prompts,
    bank: &QuestionBank,
    ctx: &QuestionContext<'_>,
) -> Result<Vec<ChatMessage>, RenderError> {
    let phase = Phase::from_elapsed(ctx.elapsed);
    let system = prompts.render(
        prompts::QUESTION_SYSTEM,
        context! { bank_questions => bank.give_me_a_question(), language_name => language_name(ctx.language) },
    )?;
    let history = prompts.render(
        prompts::QUESTION_HISTORY,
        context! { recent_summaries => ctx.history },
    )?;
    let minutes = ctx.elapsed.as_secs() / 60;
    let turn = prompts.render(
        prompts::QUESTION_TURN,
        context! {
            exchanges => ctx.exchanges,
            elapsed => format!("{}:{:02}", minutes, ctx.elapsed.as_secs() % 60),
            phase => phase.as_str(),
            phase_description => phase.description(),
        },
    )?;
    Ok(vec![
        ChatMessage::stable(Role::System, system),
        ChatMessage::stable(Role::System, history),
        ChatMessage::new(Role::User, turn),
    ])
}

/// Finds the next question. Never fails for a model's sake: engine errors and guard failures end in the bank.
/// Fails only when cancelled or when a prompt template cannot render.
pub fn next_question(
    chat: &dyn ChatModel,
    prompts: &Prompts,
    bank: &QuestionBank,
    ctx: &QuestionContext<'_>,
    on_progress: &mut dyn FnMut(QuestionProgress),
    cancel: &CancelToken,
) -> Result<Question, QuestionError> {
    let asked: Vec<&str> = ctx.exchanges.iter().map(|e| e.question.as_str()).collect();
    let from_bank = |refused, engine_error| {
        let phase = Phase::from_elapsed(ctx.elapsed);
        Question {
            text: bank.fallback(phase, &asked, ctx.pick).to_string(),
            source: QuestionSource::Bank,
            refused,
            engine_error,
        }
    };
    let latest = ctx.exchanges.last().map_or("", |e| e.answer.as_str());
    if asks_for_a_question(latest) {
        return Ok(Question {
            text: bank.on_request(&asked, ctx.pick).to_string(),
            source: QuestionSource::Bank,
            refused: Vec::new(),
            engine_error: None,
        });
    }
    let mut messages = question_messages(prompts, bank, ctx)?;
    let mut refused = Vec::new();
    for attempt in 1..=2 {
        on_progress(QuestionProgress::Attempt(attempt));
        let request = ChatRequest {
            messages: messages.clone(),
            sampling: Sampling {
                temperature: QUESTION_TEMPERATURE,
                max_tokens: QUESTION_MAX_TOKENS,
                ..Sampling::default()
            },
            thinking_budget: None,
        };
        let result = chat.chat(
            &request,
            &mut |token| on_progress(QuestionProgress::Token(token.to_string())),
            cancel,
        );
        let raw = match result {
            Ok(result) => result.text,
            Err(EngineError::Cancelled) => return Err(QuestionError::Cancelled),
            Err(err) => return Ok(from_bank(refused, Some(err))),
        };
        let guarded = guard::guard(&raw).and_then(|text| match guard::is_repeat(&text, &asked) {
            true => Err(GuardFailure::Repeated),
            false => Ok(text),
        });
        match guarded {
            Ok(text) => {
                let source = if attempt == 1 {
                    QuestionSource::Model
                } else {
                    QuestionSource::Retry
                };
                return Ok(Question {
                    text,
                    source,
                    refused,
                    engine_error: None,
                });
            }
            Err(failure) => {
                messages.push(ChatMessage::new(Role::Assistant, raw));
                messages.push(ChatMessage::new(Role::User, failure.corrective_instruction()));
                refused.push(failure);
            }
        }
    }
    Ok(from_bank(refused, None))
}

/// Why no question could be found at all.
#[derive(Debug, thiserror::Error)]
pub enum QuestionError {
    /// The caller cancelled.
    #[error("cancelled")]
    Cancelled,
    /// A prompt template failed to render (an override using an unknown variable).
    #[error(transparent)]
    Template(#[from] RenderError),
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN: &str = include_str!("../../../data/question-bank.toml");

    #[test]
    fn a_users_bank_replaces_the_builtin_and_a_broken_one_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(BANK_OVERRIDE_FILE);
        assert_eq!(
            load_bank(Some(&path)).1,
            None,
            "no file: the built-in bank, silently"
        );

        let own = BUILTIN.replace(
            QuestionBank::builtin().opening(),
            "What would you like to look at more closely today?",
        );
        std::fs::write(&path, own).unwrap();
        let (bank, warning) = load_bank(Some(&path));
        assert_eq!(warning, None);
        assert_eq!(
            bank.opening(),
            "What would you like to look at more closely today?"
        );

        // A question that fails the guard makes the whole file unusable, with the reason.
        let flattering = BUILTIN.replace(
            QuestionBank::builtin().opening(),
            "What a great day, what made it so amazing?",
        );
        std::fs::write(&path, flattering).unwrap();
        let (bank, warning) = load_bank(Some(&path));
        assert_eq!(bank.opening(), QuestionBank::builtin().opening());
        let warning = warning.expect("a warning");
        assert!(
            warning.contains("question-bank.toml") && warning.contains("built-in"),
            "{warning}"
        );
    }
}
