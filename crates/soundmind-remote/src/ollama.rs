//! Chat with a model served by Ollama (`/api/chat`, streamed as newline-delimited JSON).

use std::time::Duration;

use serde_json::{Value, json};
use soundmind_engine::{CancelToken, ChatModel, ChatRequest, ChatResult, EngineError, ModelSpec, Provider};

use crate::chat_stream::{
    NdjsonReader, Turn, count, json_f32, parse_json, reject_html, run_turn, stop_strings,
};
use crate::status::{Service, check_status, excerpt};
use crate::{Http, HttpRequest, HttpResponse, RetryPolicy, with_retry};

/// The service name in errors.
pub const SERVICE: &str = "Ollama";

/// Where Ollama listens unless told otherwise.
pub const DEFAULT_URL: &str = "http://localhost:11434";

/// The context window asked for by default. Ollama's own default (2048 or 4096 tokens, by version) silently cuts
/// a long session's prompt from the front.
pub const DEFAULT_NUM_CTX: u32 = 8192;

/// Ollama needs no key; a 401 can only come from a proxy in front of it, and this is the variable Ollama's own
/// tools read for one.
const API_KEY_ENV: &str = "OLLAMA_API_KEY";

/// Where and how to chat.
#[derive(Debug, Clone, PartialEq)]
pub struct OllamaConfig {
    /// The server root (default [`DEFAULT_URL`]).
    pub base_url: String,
    /// The model tag (`qwen2.5:7b-instruct`; a tag without `:` means `:latest`).
    pub model: String,
    /// The context window in tokens (`options.num_ctx`, default [`DEFAULT_NUM_CTX`]).
    pub num_ctx: u32,
    /// Retries for 5xx and dropped connections before any text arrived (default
    /// [`OllamaConfig::default_retry`]).
    pub retry: RetryPolicy,
}

impl OllamaConfig {
    /// `model` on the local Ollama with the defaults.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            base_url: DEFAULT_URL.into(),
            model: model.into(),
            num_ctx: DEFAULT_NUM_CTX,
            retry: Self::default_retry(),
        }
    }

    /// HSJ's retries for Ollama: 3 attempts, 1 s × 2^(n−1), up to 25 % jitter.
    pub fn default_retry() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_secs(1),
            max_jitter_fraction: 0.25,
            ..RetryPolicy::default()
        }
    }

    /// The chat endpoint: `{base_url}/api/chat`.
    pub fn endpoint(&self) -> String {
        format!("{}/api/chat", self.root())
    }

    /// The installed-model list `probe` reads: `{base_url}/api/tags`.
    pub fn tags_url(&self) -> String {
        format!("{}/api/tags", self.root())
    }

    fn root(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// A [`ChatModel`] that streams Ollama's `/api/chat`.
#[derive(Debug, Clone)]
pub struct OllamaChat {
    config: OllamaConfig,
    http: Http,
}

impl OllamaChat {
    /// A chat engine that sends its requests through `http` (and so through its privacy guard).
    pub fn new(config: OllamaConfig, http: Http) -> Self {
        Self { config, http }
    }

    /// The configuration.
    pub fn config(&self) -> &OllamaConfig {
        &self.config
    }

    fn service(&self) -> Service<'static> {
        Service {
            name: SERVICE,
            env_var: API_KEY_ENV,
            api_key: None,
        }
    }

    /// Sends and maps the statuses; a refused connection gets the hint to start Ollama.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, EngineError> {
        let response = request.send().map_err(serve_hint)?;
        check_status(response, &self.service())
    }

    fn model_missing(&self) -> EngineError {
        EngineError::ModelMissing {
            name: self.config.model.clone(),
            hint: format!("run `ollama pull {}`", self.config.model),
        }
    }

    fn attempt(&self, body: &Value, turn: &mut Turn<'_>, cancel: &CancelToken) -> Result<(), EngineError> {
        let service = self.service();
        let response = match self.send(self.http.post(&self.config.endpoint()).json(body)) {
            // `{"error":"model 'x' not found"}` (older versions: `model "x" not found, try pulling it first`).
            Err(EngineError::Server {
                status: 404, body, ..
            }) if body.contains("not found") && body.contains("model") => {
                return Err(self.model_missing());
            }
            other => other?,
        };
        let mut lines = NdjsonReader::new(reject_html(response, &service)?, service);
        while let Some(line) = lines.next_value(cancel)? {
            if let Some(error) = line.get("error").filter(|e| !e.is_null()) {
                let message = error.as_str().map_or_else(|| error.to_string(), str::to_string);
                return Err(self.stream_error(&message));
            }
            // Thinking models also send `message.thinking`; it is never shown.
            if let Some(text) = line.pointer("/message/content").and_then(Value::as_str) {
                turn.delta(text);
            }
            if line.get("done").and_then(Value::as_bool) == Some(true) {
                let result = &mut turn.result;
                result.finish_reason = line
                    .get("done_reason")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                result.prompt_tokens = count(&line, "prompt_eval_count");
                result.completion_tokens = count(&line, "eval_count");
                result.prompt_eval = line
                    .get("prompt_eval_duration")
                    .and_then(Value::as_u64)
                    .map(Duration::from_nanos);
                return Ok(());
            }
        }
        Err(lines.ended_early("`\"done\": true`"))
    }

    /// An `{"error": …}` line. Ollama's errors carry no type; a missing model gets its hint, the rest are server
    /// errors (transient: a model still loading, a runner that crashed and restarts).
    fn stream_error(&self, message: &str) -> EngineError {
        if message.contains("not found") && message.contains("model") {
            return self.model_missing();
        }
        EngineError::Server {
            service: SERVICE.to_string(),
            status: 500,
            body: excerpt(message, None),
        }
    }
}

/// A refused connection to Ollama almost always means it is not running.
fn serve_hint(err: EngineError) -> EngineError {
    match err {
        EngineError::Unreachable { url, reason } if reason.starts_with("connection failed") => {
            EngineError::Unreachable {
                url,
                reason: format!("{reason}; is Ollama running? Start it with `ollama serve`"),
            }
        }
        other => other,
    }
}

/// The request body: the conversation and the sampling options under Ollama's names.
fn request_body(config: &OllamaConfig, request: &ChatRequest) -> Value {
    let sampling = &request.sampling;
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| json!({ "role": m.role, "content": m.content }))
        .collect();
    let mut options = json!({
        "temperature": json_f32(sampling.temperature),
        "num_predict": sampling.max_tokens,
        "num_ctx": config.num_ctx,
    });
    let stop = stop_strings(&sampling.stop);
    if !stop.is_empty() {
        options["stop"] = json!(stop);
    }
    if let Some(top_p) = sampling.top_p {
        options["top_p"] = json_f32(top_p);
    }
    if let Some(seed) = sampling.seed {
        options["seed"] = json!(seed);
    }
    json!({
        "model": config.model,
        "messages": messages,
        "stream": true,
        "options": options,
    })
}

/// `llama3` and `llama3:latest` name the same model.
fn full_tag(name: &str) -> String {
    if name.contains(':') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

impl ChatModel for OllamaChat {
    fn name(&self) -> &str {
        "ollama"
    }

    fn context_window(&self) -> Option<usize> {
        Some(self.config.num_ctx as usize)
    }

    fn model(&self) -> String {
        ModelSpec {
            provider: Provider::Ollama,
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
        self.http.check(&self.config.endpoint())?;
        let body = request_body(&self.config, request);
        run_turn(SERVICE, &self.config.retry, on_delta, cancel, |turn| {
            self.attempt(&body, turn, cancel)
        })
    }

    fn probe(&self) -> Result<String, EngineError> {
        let url = self.config.tags_url();
        self.http.check(&url)?;
        let service = self.service();
        let tags = with_retry(&self.config.retry, &CancelToken::new(), |_| {
            let response = reject_html(self.send(self.http.get(&url))?, &service)?;
            let kind = response.header("content-type").unwrap_or("").to_string();
            let text = response.text()?;
            parse_json(&text, &service, &kind)
        })?;
        let Some(models) = tags.get("models").and_then(Value::as_array) else {
            return Err(EngineError::BadResponse {
                service: SERVICE.to_string(),
                reason: format!(
                    "no \"models\" list in /api/tags: {}",
                    excerpt(&tags.to_string(), None)
                ),
            });
        };
        let wanted = full_tag(&self.config.model);
        let installed = models.iter().any(|m| {
            ["name", "model"]
                .iter()
                .filter_map(|key| m.get(*key).and_then(Value::as_str))
                .any(|name| full_tag(name) == wanted)
        });
        if !installed {
            return Err(self.model_missing());
        }
        Ok(format!(
            "Ollama has {} models, {} installed",
            models.len(),
            self.config.model
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_hsj_s() {
        let config = OllamaConfig::new("qwen2.5:7b-instruct");
        assert_eq!(config.endpoint(), "http://localhost:11434/api/chat");
        assert_eq!(config.tags_url(), "http://localhost:11434/api/tags");
        assert_eq!(config.num_ctx, 8192);
        assert_eq!(config.retry.attempts, 3);
        assert_eq!(config.retry.base, Duration::from_secs(1));
        assert_eq!(config.retry.max_jitter_fraction, 0.25);
    }

    #[test]
    fn tags_without_a_version_mean_latest() {
        assert_eq!(full_tag("llama3"), "llama3:latest");
        assert_eq!(full_tag("llama3:8b"), "llama3:8b");
    }
}
