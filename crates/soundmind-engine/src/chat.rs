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
}
