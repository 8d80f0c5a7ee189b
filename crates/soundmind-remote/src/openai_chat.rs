//! Chat over any OpenAI-compatible `/chat/completions` endpoint (OpenAI, vLLM, llama-server, LM Studio, Groq),
//! streamed as server-sent events.

use std::fmt;

use serde_json::{Value, json};
use soundmind_engine::{CancelToken, ChatModel, ChatRequest, ChatResult, EngineError, ModelSpec, Provider};

use crate::chat_stream::{
    SseReader, Turn, count, json_f32, missing_key, parse_json, reject_html, run_turn, stop_strings,
    stream_error,
};
use crate::status::{Service, check_status, excerpt};
use crate::{API_KEY_ENV, Http, HttpRequest, HttpResponse, RetryPolicy, with_retry};

/// The service name in errors.
pub const SERVICE: &str = "OpenAI-compatible chat";

/// OpenAI's own API root; a key is required there.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

/// Where and how to chat.
#[derive(Clone, PartialEq)]
pub struct OpenAiChatConfig {
    /// The API root, up to and including the version: `https://api.openai.com/v1`, `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    /// The model id (`gpt-4o-mini`, or whatever the local server calls its model).
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set. Required by `api.openai.com`; local servers usually need none.
    pub api_key: Option<String>,
    /// Retries for rate limits, 5xx and dropped connections before any text arrived.
    pub retry: RetryPolicy,
}

impl OpenAiChatConfig {
    /// OpenAI's own endpoint with `model` and `api_key`.
    pub fn openai(model: impl Into<String>, api_key: Option<String>) -> Self {
        Self {
            base_url: OPENAI_BASE_URL.into(),
            model: model.into(),
            api_key,
            retry: RetryPolicy::default(),
        }
    }

    /// The chat endpoint: `{base_url}/chat/completions`.
    pub fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.root())
    }

    /// The model list `probe` reads: `{base_url}/models`.
    pub fn models_url(&self) -> String {
        format!("{}/models", self.root())
    }

    fn root(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// Hand-written so the key never reaches a log.
impl fmt::Debug for OpenAiChatConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiChatConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("retry", &self.retry)
            .finish()
    }
}

/// A [`ChatModel`] that streams `/chat/completions`.
#[derive(Debug, Clone)]
pub struct OpenAiChat {
    config: OpenAiChatConfig,
    http: Http,
}

impl OpenAiChat {
    /// A chat engine that sends its requests through `http` (and so through its privacy guard).
    pub fn new(config: OpenAiChatConfig, http: Http) -> Self {
        Self { config, http }
    }

    /// The configuration.
    pub fn config(&self) -> &OpenAiChatConfig {
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

    /// True when the base URL is OpenAI's own API (not a compatible server).
    fn is_openai_itself(&self) -> bool {
        crate::Url::parse(&self.config.base_url).is_ok_and(|u| u.host_str() == Some("api.openai.com"))
    }

    /// Applies the privacy guard, then refuses to call OpenAI itself without a key — it would only answer 401, and
    /// the user should hear which variable to set without a round trip.
    fn preflight(&self, url: &str) -> Result<(), EngineError> {
        let parsed = self.http.check(url)?;
        if self.key().is_none() && parsed.host_str() == Some("api.openai.com") {
            return Err(missing_key(&self.service()));
        }
        Ok(())
    }

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, EngineError> {
        let request = match self.key() {
            Some(key) => request.bearer_auth(key),
            None => request,
        };
        check_status(request.send()?, &self.service())
    }

    fn attempt(&self, body: &Value, turn: &mut Turn<'_>, cancel: &CancelToken) -> Result<(), EngineError> {
        let service = self.service();
        let response = self.send(self.http.post(&self.config.endpoint()).json(body))?;
        let response = reject_html(response, &service)?;
        let kind = response.header("content-type").unwrap_or("").to_ascii_lowercase();
        if kind.starts_with("application/json") {
            // A server that ignores `stream` answers with one completion; show it as one delta.
            let text = response.text()?;
            let completion = parse_json(&text, &service, &kind)?;
            return read_completion(&completion, &service, turn);
        }
        let mut events = SseReader::new(response, service);
        while let Some(event) = events.next_event(cancel)? {
            if event.data.trim() == "[DONE]" {
                return Ok(());
            }
            let chunk = parse_json(&event.data, &service, "text/event-stream")?;
            read_chunk(&chunk, &service, turn)?;
        }
        Err(events.ended_early("`data: [DONE]`"))
    }
}

/// The request body: the whole conversation, streamed with usage in the last chunk. OpenAI itself takes the
/// answer's length as `max_completion_tokens` (its reasoning models refuse `max_tokens`); compatible servers (vLLM,
/// llama-server, LM Studio, older proxies) know `max_tokens`.
fn request_body(model: &str, request: &ChatRequest, openai_itself: bool) -> Value {
    let sampling = &request.sampling;
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| json!({ "role": m.role, "content": m.content }))
        .collect();
    let mut body = json!({
        "model": model,
        "messages": messages,
        "stream": true,
        "stream_options": { "include_usage": true },
        "temperature": json_f32(sampling.temperature),
    });
    let length_key = if openai_itself {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    body[length_key] = json!(sampling.max_tokens);
    let stop = stop_strings(&sampling.stop);
    if !stop.is_empty() {
        body["stop"] = json!(stop);
    }
    if let Some(top_p) = sampling.top_p {
        body["top_p"] = json_f32(top_p);
    }
    if let Some(seed) = sampling.seed {
        body["seed"] = json!(seed);
    }
    body
}

/// One `chat.completion.chunk`: a text delta, a finish reason, usage, or an error the server sent mid-stream.
/// Other fields (`role`, `reasoning_content` of reasoning models) are not shown.
fn read_chunk(chunk: &Value, service: &Service<'_>, turn: &mut Turn<'_>) -> Result<(), EngineError> {
    if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
        return Err(error_object(error, service));
    }
    if let Some(choice) = chunk.pointer("/choices/0") {
        if let Some(text) = choice.pointer("/delta/content").and_then(Value::as_str) {
            turn.delta(text);
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            turn.result.finish_reason = Some(reason.to_string());
        }
    }
    read_usage(chunk, turn);
    Ok(())
}

/// A non-streamed `chat.completion`.
fn read_completion(
    completion: &Value,
    service: &Service<'_>,
    turn: &mut Turn<'_>,
) -> Result<(), EngineError> {
    if let Some(error) = completion.get("error").filter(|e| !e.is_null()) {
        return Err(error_object(error, service));
    }
    let Some(text) = completion
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
    else {
        return Err(EngineError::BadResponse {
            service: service.name.to_string(),
            reason: format!(
                "no choices[0].message.content in the answer: {}",
                excerpt(&completion.to_string(), service.api_key)
            ),
        });
    };
    turn.delta(text);
    turn.result.finish_reason = completion
        .pointer("/choices/0/finish_reason")
        .and_then(Value::as_str)
        .map(str::to_string);
    read_usage(completion, turn);
    Ok(())
}

/// `usage` as [`ChatResult`] counts it: OpenAI's `prompt_tokens` includes the cached ones, ours are those evaluated.
fn read_usage(value: &Value, turn: &mut Turn<'_>) {
    let Some(usage) = value.get("usage").filter(|u| u.is_object()) else {
        return;
    };
    let prompt = count(usage, "prompt_tokens");
    let cached = usage
        .get("prompt_tokens_details")
        .map_or(0, |details| count(details, "cached_tokens"));
    turn.result.prompt_tokens = prompt.saturating_sub(cached);
    turn.result.cached_prompt_tokens = cached;
    turn.result.completion_tokens = count(usage, "completion_tokens");
}

/// `{"message": …, "type": …, "code": …}` (or a bare string, as some compatible servers send).
fn error_object(error: &Value, service: &Service<'_>) -> EngineError {
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| error.as_str())
        .unwrap_or("no message");
    let kind = error
        .get("type")
        .and_then(Value::as_str)
        .or_else(|| error.get("code").and_then(Value::as_str))
        .unwrap_or("");
    stream_error(service, kind, message)
}

impl ChatModel for OpenAiChat {
    fn name(&self) -> &str {
        "openai"
    }

    fn model(&self) -> String {
        ModelSpec {
            provider: Provider::OpenAi,
            model: self.config.model.clone(),
            thinking: false,
        }
        .to_string()
    }

    fn chat(
        &self,
        request: &ChatRequest,
        on_delta: &mut dyn FnMut(&str),
        cancel: &CancelToken,
    ) -> Result<ChatResult, EngineError> {
        self.preflight(&self.config.endpoint())?;
        let body = request_body(&self.config.model, request, self.is_openai_itself());
        run_turn(SERVICE, &self.config.retry, on_delta, cancel, |turn| {
            self.attempt(&body, turn, cancel)
        })
    }

    fn probe(&self) -> Result<String, EngineError> {
        let url = self.config.models_url();
        self.preflight(&url)?;
        let service = self.service();
        let list = with_retry(&self.config.retry, &CancelToken::new(), |_| {
            let response = reject_html(self.send(self.http.get(&url))?, &service)?;
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
    use soundmind_engine::{ChatMessage, Role, Sampling};

    use super::*;

    #[test]
    fn debug_hides_the_key_and_urls_join_cleanly() {
        let mut config = OpenAiChatConfig::openai("gpt-4o-mini", Some("sk-very-secret".into()));
        let shown = format!("{config:?}");
        assert!(
            shown.contains("[redacted]") && !shown.contains("sk-very-secret"),
            "{shown}"
        );
        config.base_url = "http://127.0.0.1:8080/v1/".into();
        assert_eq!(config.endpoint(), "http://127.0.0.1:8080/v1/chat/completions");
        assert_eq!(config.models_url(), "http://127.0.0.1:8080/v1/models");
    }

    #[test]
    fn optional_options_are_left_out() {
        let request = ChatRequest {
            messages: vec![ChatMessage::new(Role::User, "hi")],
            sampling: Sampling {
                stop: vec![String::new()],
                ..Sampling::default()
            },
            thinking_budget: None,
        };
        let body = request_body("m", &request, false);
        assert_eq!(body["max_tokens"], json!(256));
        let official = request_body("m", &request, true);
        assert!(official.get("max_tokens").is_none() && official["max_completion_tokens"] == json!(256));
        assert_eq!(body["messages"], json!([{ "role": "user", "content": "hi" }]));
        assert_eq!(body["temperature"], json!(0.5));
        for absent in ["stop", "top_p", "seed"] {
            assert!(body.get(absent).is_none(), "{absent}: {body}");
        }
    }
}
