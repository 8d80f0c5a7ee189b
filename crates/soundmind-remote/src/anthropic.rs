//! Chat with Anthropic's Messages API (`/v1/messages`, streamed as server-sent events), with prompt caching of the
//! stable prefix and optional extended thinking.

use std::fmt;

use serde_json::{Value, json};
use soundmind_engine::{
    CancelToken, ChatModel, ChatRequest, ChatResult, EngineError, ModelSpec, Provider, Role,
};

use crate::chat_stream::{
    SseReader, Turn, count, json_f32, missing_key, parse_json, reject_html, run_turn, stop_strings,
    stream_error, unexpected_body,
};
use crate::status::{Service, check_status, excerpt};
use crate::{Http, HttpRequest, HttpResponse, RetryPolicy, with_retry};

/// The service name in errors.
pub const SERVICE: &str = "Anthropic";

/// The environment variable that holds the key.
pub const API_KEY_ENV: &str = "ANTHROPIC_API_KEY";

/// Anthropic's API root.
pub const DEFAULT_URL: &str = "https://api.anthropic.com";

/// The `anthropic-version` header sent with every request.
pub const API_VERSION: &str = "2023-06-01";

/// The thinking budget when the request sets none.
pub const DEFAULT_THINKING_BUDGET: u32 = 2048;

/// The smallest budget the API accepts.
pub const MIN_THINKING_BUDGET: u32 = 1024;

/// Where and how to chat.
#[derive(Clone, PartialEq)]
pub struct AnthropicConfig {
    /// The API root without the version (default [`DEFAULT_URL`]).
    pub base_url: String,
    /// The model id (`claude-sonnet-4-20250514`).
    pub model: String,
    /// Sent as `x-api-key`; required.
    pub api_key: Option<String>,
    /// Extended thinking: the model reasons first (never shown), within [`ChatRequest::thinking_budget`] tokens.
    pub thinking: bool,
    /// Retries for rate limits, overload, 5xx and dropped connections before any text arrived.
    pub retry: RetryPolicy,
}

impl AnthropicConfig {
    /// `model` on Anthropic's API with `api_key`, no thinking, the default retries.
    pub fn new(model: impl Into<String>, api_key: Option<String>) -> Self {
        Self {
            base_url: DEFAULT_URL.into(),
            model: model.into(),
            api_key,
            thinking: false,
            retry: RetryPolicy::default(),
        }
    }

    /// The chat endpoint: `{base_url}/v1/messages`.
    pub fn endpoint(&self) -> String {
        format!("{}/v1/messages", self.root())
    }

    /// The model list `probe` reads: `{base_url}/v1/models` (one page of up to 1000).
    pub fn models_url(&self) -> String {
        format!("{}/v1/models?limit=1000", self.root())
    }

    fn root(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// Hand-written so the key never reaches a log.
impl fmt::Debug for AnthropicConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnthropicConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("thinking", &self.thinking)
            .field("retry", &self.retry)
            .finish()
    }
}

/// A [`ChatModel`] that streams Anthropic's `/v1/messages`.
#[derive(Debug, Clone)]
pub struct AnthropicChat {
    config: AnthropicConfig,
    http: Http,
}

impl AnthropicChat {
    /// A chat engine that sends its requests through `http` (and so through its privacy guard).
    pub fn new(config: AnthropicConfig, http: Http) -> Self {
        Self { config, http }
    }

    /// The configuration.
    pub fn config(&self) -> &AnthropicConfig {
        &self.config
    }

    fn service(&self) -> Service<'_> {
        Service {
            name: SERVICE,
            env_var: API_KEY_ENV,
            api_key: self.key(),
        }
    }

    /// The key, when one is set (an empty string counts as none).
    fn key(&self) -> Option<&str> {
        self.config.api_key.as_deref().filter(|k| !k.trim().is_empty())
    }

    /// Applies the privacy guard, then returns the key: without one the API can only answer 401.
    fn preflight(&self, url: &str) -> Result<&str, EngineError> {
        self.http.check(url)?;
        self.key().ok_or_else(|| missing_key(&self.service()))
    }

    fn send(&self, request: HttpRequest, key: &str) -> Result<HttpResponse, EngineError> {
        let request = request
            .header("x-api-key", key)
            .header("anthropic-version", API_VERSION);
        check_status(request.send()?, &self.service())
    }

    fn attempt(
        &self,
        body: &Value,
        key: &str,
        turn: &mut Turn<'_>,
        cancel: &CancelToken,
    ) -> Result<(), EngineError> {
        let service = self.service();
        let request = self
            .http
            .post(&self.config.endpoint())
            .header("content-type", "application/json")
            .json(body);
        let response = reject_html(self.send(request, key)?, &service)?;
        let kind = response.header("content-type").unwrap_or("").to_ascii_lowercase();
        if !kind.is_empty() && !kind.starts_with("text/event-stream") {
            return Err(unexpected_body(response, &service, "text/event-stream"));
        }
        let mut events = SseReader::new(response, service);
        while let Some(event) = events.next_event(cancel)? {
            let data = parse_json(&event.data, &service, "text/event-stream")?;
            let kind = data
                .get("type")
                .and_then(Value::as_str)
                .or(event.event.as_deref())
                .unwrap_or("");
            match kind {
                "message_start" => {
                    if let Some(usage) = data.pointer("/message/usage") {
                        read_usage(usage, turn);
                    }
                }
                // A text block may open with text of its own (usually empty).
                "content_block_start" => {
                    if data.pointer("/content_block/type").and_then(Value::as_str) == Some("text")
                        && let Some(text) = data.pointer("/content_block/text").and_then(Value::as_str)
                    {
                        turn.delta(text);
                    }
                }
                // Only text is shown: `thinking_delta` and `signature_delta` belong to the hidden reasoning.
                "content_block_delta" => {
                    if data.pointer("/delta/type").and_then(Value::as_str) == Some("text_delta")
                        && let Some(text) = data.pointer("/delta/text").and_then(Value::as_str)
                    {
                        turn.delta(text);
                    }
                }
                "message_delta" => {
                    if let Some(reason) = data.pointer("/delta/stop_reason").and_then(Value::as_str) {
                        turn.result.finish_reason = Some(reason.to_string());
                    }
                    if let Some(usage) = data.get("usage") {
                        read_usage(usage, turn);
                    }
                }
                "message_stop" => return Ok(()),
                "error" => {
                    let error = data.get("error").unwrap_or(&data);
                    let kind = error.get("type").and_then(Value::as_str).unwrap_or("");
                    let message = error
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("no message");
                    return Err(stream_error(&service, kind, message));
                }
                // `ping`, `content_block_stop`, and event types added after this was written.
                _ => {}
            }
        }
        Err(events.ended_early("`message_stop`"))
    }
}

/// `usage` from `message_start` or `message_delta`; fields absent from an event keep their earlier value.
/// Anthropic counts cache reads apart from `input_tokens`; tokens written to the cache were evaluated, so they
/// count as prompt tokens.
fn read_usage(usage: &Value, turn: &mut Turn<'_>) {
    let result = &mut turn.result;
    if usage.get("input_tokens").is_some() {
        result.prompt_tokens = count(usage, "input_tokens") + count(usage, "cache_creation_input_tokens");
    }
    if usage.get("cache_read_input_tokens").is_some() {
        result.cached_prompt_tokens = count(usage, "cache_read_input_tokens");
    }
    if usage.get("output_tokens").is_some() {
        result.completion_tokens = count(usage, "output_tokens");
    }
}

/// The request body. System messages become `system` text blocks, the rest `messages` (consecutive messages of one
/// role merged into one turn, as the API wants turns to alternate); blank messages are left out (the API refuses
/// empty text blocks). The block of the last stable message gets the cache breakpoint.
fn request_body(config: &AnthropicConfig, request: &ChatRequest) -> Value {
    let sampling = &request.sampling;
    let usable = |m: &&soundmind_engine::ChatMessage| !m.content.trim().is_empty();
    let breakpoint = request
        .messages
        .iter()
        .enumerate()
        .filter(|(_, m)| usable(m))
        .rfind(|(_, m)| m.stable_prefix)
        .map(|(i, _)| i);
    let mut system = Vec::new();
    let mut turns: Vec<(Role, Vec<Value>)> = Vec::new();
    for (i, message) in request.messages.iter().enumerate() {
        if !usable(&message) {
            continue;
        }
        let mut block = json!({ "type": "text", "text": message.content });
        if Some(i) == breakpoint {
            block["cache_control"] = json!({ "type": "ephemeral" });
        }
        match (message.role, turns.last_mut()) {
            (Role::System, _) => system.push(block),
            (role, Some((last, blocks))) if *last == role => blocks.push(block),
            (role, _) => turns.push((role, vec![block])),
        }
    }
    let messages: Vec<Value> = turns
        .into_iter()
        .map(|(role, content)| json!({ "role": role, "content": content }))
        .collect();
    let mut body = json!({
        "model": config.model,
        "max_tokens": sampling.max_tokens,
        "stream": true,
        "messages": messages,
        "temperature": json_f32(sampling.temperature),
    });
    if !system.is_empty() {
        body["system"] = Value::Array(system);
    }
    let stop = stop_strings(&sampling.stop);
    if !stop.is_empty() {
        body["stop_sequences"] = json!(stop);
    }
    if config.thinking {
        let budget = request
            .thinking_budget
            .unwrap_or(DEFAULT_THINKING_BUDGET)
            .max(MIN_THINKING_BUDGET);
        body["thinking"] = json!({ "type": "enabled", "budget_tokens": budget });
        // `max_tokens` covers thinking and answer together; the answer keeps all of its own (HSJ left it 1 token).
        body["max_tokens"] = json!(budget.saturating_add(sampling.max_tokens));
        // The API refuses other temperatures and a narrow top_p while thinking.
        body["temperature"] = json!(1.0);
    } else if let Some(top_p) = sampling.top_p {
        body["top_p"] = json_f32(top_p);
    }
    body
}

impl ChatModel for AnthropicChat {
    fn name(&self) -> &str {
        "anthropic"
    }

    fn model(&self) -> String {
        ModelSpec {
            provider: Provider::Anthropic,
            model: self.config.model.clone(),
            thinking: self.config.thinking,
        }
        .to_string()
    }

    fn chat(
        &self,
        request: &ChatRequest,
        on_delta: &mut dyn FnMut(&str),
        cancel: &CancelToken,
    ) -> Result<ChatResult, EngineError> {
        let key = self.preflight(&self.config.endpoint())?;
        let body = request_body(&self.config, request);
        run_turn(SERVICE, &self.config.retry, on_delta, cancel, |turn| {
            self.attempt(&body, key, turn, cancel)
        })
    }

    fn probe(&self) -> Result<String, EngineError> {
        let url = self.config.models_url();
        let key = self.preflight(&url)?;
        let service = self.service();
        let list = with_retry(&self.config.retry, &CancelToken::new(), |_| {
            let response = reject_html(self.send(self.http.get(&url), key)?, &service)?;
            let kind = response.header("content-type").unwrap_or("").to_string();
            let text = response.text()?;
            parse_json(&text, &service, &kind)
        })?;
        let Some(models) = list.get("data").and_then(Value::as_array) else {
            return Err(EngineError::BadResponse {
                service: SERVICE.to_string(),
                reason: format!(
                    "no \"data\" list in the model list: {}",
                    excerpt(&list.to_string(), service.api_key)
                ),
            });
        };
        let listed = models
            .iter()
            .any(|m| m.get("id").and_then(Value::as_str) == Some(self.config.model.as_str()));
        Ok(format!(
            "{} models, {} {}",
            models.len(),
            self.config.model,
            if listed { "listed" } else { "not listed" }
        ))
    }
}

#[cfg(test)]
mod tests {
    use soundmind_engine::{ChatMessage, Sampling};

    use super::*;

    fn request(messages: Vec<ChatMessage>) -> ChatRequest {
        ChatRequest {
            messages,
            sampling: Sampling {
                top_p: Some(0.9),
                ..Sampling::default()
            },
            thinking_budget: None,
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let config = AnthropicConfig::new("claude-sonnet-4-20250514", Some("sk-ant-very-secret".into()));
        let shown = format!("{config:?}");
        assert!(
            shown.contains("[redacted]") && !shown.contains("sk-ant-very-secret"),
            "{shown}"
        );
        assert_eq!(config.endpoint(), "https://api.anthropic.com/v1/messages");
    }

    #[test]
    fn same_role_messages_merge_and_blank_ones_are_dropped() {
        let config = AnthropicConfig::new("m", Some("k".into()));
        let body = request_body(
            &config,
            &request(vec![
                ChatMessage::stable(Role::User, "past summary"),
                ChatMessage::new(Role::User, "  "),
                ChatMessage::new(Role::User, "today"),
                ChatMessage::new(Role::Assistant, "question?"),
            ]),
        );
        assert!(body.get("system").is_none());
        assert_eq!(
            body["messages"],
            json!([
                { "role": "user", "content": [
                    { "type": "text", "text": "past summary", "cache_control": { "type": "ephemeral" } },
                    { "type": "text", "text": "today" },
                ] },
                { "role": "assistant", "content": [{ "type": "text", "text": "question?" }] },
            ])
        );
        assert_eq!(body["top_p"], json!(0.9));
    }

    #[test]
    fn thinking_keeps_the_whole_answer_budget() {
        let mut config = AnthropicConfig::new("m", Some("k".into()));
        config.thinking = true;
        let mut req = request(vec![ChatMessage::new(Role::User, "hi")]);
        req.thinking_budget = Some(100);
        let body = request_body(&config, &req);
        assert_eq!(
            body["thinking"],
            json!({ "type": "enabled", "budget_tokens": 1024 })
        );
        assert_eq!(body["max_tokens"], json!(1024 + 256));
        assert_eq!(body["temperature"], json!(1.0));
        assert!(body.get("top_p").is_none());
        for message in &body["messages"].as_array().expect("messages")[..] {
            assert!(!message.to_string().contains("cache_control"));
        }
    }
}
