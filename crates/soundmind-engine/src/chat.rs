//! Chat models: the [`ChatModel`] trait and what it takes and returns.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{CancelToken, EngineError};

/// Who says a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions.
    System,
    /// The user (or the app speaking for the user).
    User,
    /// The model.
    Assistant,
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Who says it.
    pub role: Role,
    /// The text.
    pub content: String,
    /// True for messages that stay the same across a session's turns (instructions, past summaries). Engines
    /// cache everything up to the last such message: llama.cpp keeps its KV cache, Anthropic gets a
    /// `cache_control` breakpoint. Prompt builders put these messages first.
    pub stable_prefix: bool,
}

impl ChatMessage {
    /// A message that changes every turn.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            stable_prefix: false,
        }
    }

    /// A message that is the same on every turn of a session.
    pub fn stable(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            stable_prefix: true,
        }
    }
}

/// Sampling options.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    /// Temperature; 0 is greedy.
    pub temperature: f32,
    /// The most tokens to generate.
    pub max_tokens: u32,
    /// Generation stops before any of these strings.
    pub stop: Vec<String>,
    /// Nucleus sampling, when set.
    pub top_p: Option<f32>,
    /// Seed for reproducible local sampling.
    pub seed: Option<u32>,
}

impl Default for Sampling {
    fn default() -> Self {
        Self {
            temperature: 0.5,
            max_tokens: 256,
            stop: Vec::new(),
            top_p: None,
            seed: None,
        }
    }
}

/// A chat request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    /// The conversation so far, stable prefix first.
    pub messages: Vec<ChatMessage>,
    /// Sampling options.
    pub sampling: Sampling,
    /// Extended thinking budget in tokens (Anthropic only); the answer always keeps `sampling.max_tokens`.
    pub thinking_budget: Option<u32>,
}

/// Counts and timings of a finished chat call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatResult {
    /// The generated text (without thinking).
    pub text: String,
    /// Prompt tokens the engine evaluated (after cache reuse).
    pub prompt_tokens: u32,
    /// Prompt tokens served from a cache (KV reuse or provider prompt caching).
    pub cached_prompt_tokens: u32,
    /// Tokens generated.
    pub completion_tokens: u32,
    /// From the call to the first text delta.
    pub time_to_first_token: Option<Duration>,
    /// Time spent evaluating the prompt (local engines).
    pub prompt_eval: Option<Duration>,
    /// The whole call.
    pub total: Duration,
    /// Why generation stopped (`stop`, `length`, …) when the engine says.
    pub finish_reason: Option<String>,
}

/// A chat model: local (llama.cpp) or remote (Ollama, OpenAI-compatible, Anthropic).
pub trait ChatModel: Send + Sync {
    /// A short engine name (`llama.cpp`, `ollama`, `openai`, `anthropic`).
    fn name(&self) -> &str;

    /// The model in use, as a spec string for frontmatter (`model_llm`).
    fn model(&self) -> String;

    /// Runs one chat turn. Blocks until done, calling `on_delta` with each piece of text as it is generated.
    /// Returns [`EngineError::Cancelled`] soon after `cancel` is set.
    fn chat(
        &self,
        request: &ChatRequest,
        on_delta: &mut dyn FnMut(&str),
        cancel: &CancelToken,
    ) -> Result<ChatResult, EngineError>;

    /// Checks that a chat call could work (the server answers, the key is accepted, the model is there, the file
    /// loads) without sending any journal text. Returns a one-line description of what was found.
    fn probe(&self) -> Result<String, EngineError>;

    /// The number of tokens `text` takes for this model, when the engine can count them exactly (local models);
    /// `None` for engines whose tokenizer is on a server (callers then estimate).
    fn count_tokens(&self, text: &str) -> Option<usize> {
        let _ = text;
        None
    }

    /// The context window in tokens, when this engine sets it (local models, Ollama's `num_ctx`); `None` when
    /// the server decides. Callers size long inputs (insights) to it.
    fn context_window(&self) -> Option<usize> {
        None
    }

    /// Prepares for a request that starts like `messages`: a local engine evaluates them into its cache, so the
    /// next call that shares their beginning skips that work. Best effort and returns at once; engines without a
    /// cache of their own do nothing.
    fn warm(&self, messages: &[ChatMessage]) {
        let _ = messages;
    }
}

/// Makes a conversation fit a context window without ever cutting instructions or summaries mid-way.
///
/// `fits` answers whether a candidate conversation fits (local engines tokenize it). While it does not, this drops
/// whole messages, oldest first, except stable ones (instructions, past summaries) and the last message (the answer
/// being responded to). If that is not enough, it trims the *start* of the last message at a word boundary (the
/// oldest words of a long answer go first), marking the cut with `…`. Returns `None` when even the stable messages
/// with a short tail of the last message do not fit.
pub fn fit_to_context<E>(
    messages: &[ChatMessage],
    mut fits: impl FnMut(&[ChatMessage]) -> Result<bool, E>,
) -> Result<Option<Vec<ChatMessage>>, E> {
    let mut kept = messages.to_vec();
    loop {
        if fits(&kept)? {
            return Ok(Some(kept));
        }
        let last = kept.len().saturating_sub(1);
        match kept.iter().take(last).position(|m| !m.stable_prefix) {
            Some(oldest) => {
                kept.remove(oldest);
            }
            None => break,
        }
    }
    let Some(last) = kept.pop() else {
        return Ok(None);
    };
    // Binary search for the longest tail of the last message that fits, in word-boundary steps.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(last.content.match_indices(' ').map(|(i, _)| i + 1))
        .collect();
    let with_tail = |start: usize| {
        let mut candidate = kept.clone();
        candidate.push(ChatMessage {
            content: format!("…{}", &last.content[start..]),
            ..last.clone()
        });
        candidate
    };
    // `lo` indexes the earliest start known to fit (starts.len() = none yet); keep at least the final word.
    let (mut lo, mut hi) = (starts.len(), starts.len().saturating_sub(1));
    let mut first = 1;
    while first <= hi {
        let mid = first + (hi - first) / 2;
        if fits(&with_tail(starts[mid]))? {
            lo = mid;
            hi = mid - 1;
        } else {
            first = mid + 1;
        }
    }
    Ok((lo < starts.len()).then(|| with_tail(starts[lo])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars_under(limit: usize) -> impl FnMut(&[ChatMessage]) -> Result<bool, ()> {
        move |m: &[ChatMessage]| Ok(m.iter().map(|m| m.content.len()).sum::<usize>() <= limit)
    }

    fn conversation() -> Vec<ChatMessage> {
        vec![
            ChatMessage::stable(Role::System, "instructions ".repeat(4)),
            ChatMessage::stable(Role::System, "summary ".repeat(4)),
            ChatMessage::new(Role::Assistant, "first question?"),
            ChatMessage::new(Role::User, "first answer ".repeat(3)),
            ChatMessage::new(Role::Assistant, "second question?"),
            ChatMessage::new(Role::User, "the newest answer here"),
        ]
    }

    #[test]
    fn a_conversation_that_fits_is_untouched() {
        let all = conversation();
        assert_eq!(fit_to_context(&all, chars_under(10_000)).unwrap(), Some(all));
    }

    #[test]
    fn the_oldest_exchange_goes_first_and_stable_messages_stay_whole() {
        let all = conversation();
        let total: usize = all.iter().map(|m| m.content.len()).sum();
        let fitted = fit_to_context(&all, chars_under(total - 10)).unwrap().unwrap();
        assert_eq!(fitted.len(), 5);
        assert_eq!(
            fitted[2].content,
            "first answer ".repeat(3),
            "only the oldest message went"
        );
        // Very tight: only stable messages and the last answer's tail remain.
        let stable: usize = all[..2].iter().map(|m| m.content.len()).sum();
        let fitted = fit_to_context(&all, chars_under(stable + 14)).unwrap().unwrap();
        assert_eq!(&fitted[..2], &all[..2]);
        assert_eq!(fitted.len(), 3);
        assert!(fitted[2].content.starts_with('…') && fitted[2].content.ends_with("answer here"));
        assert!(fitted[2].content.len() <= 14, "{:?}", fitted[2].content);
    }

    #[test]
    fn no_room_even_for_the_instructions_is_none() {
        assert_eq!(fit_to_context(&conversation(), chars_under(10)).unwrap(), None);
    }
}
