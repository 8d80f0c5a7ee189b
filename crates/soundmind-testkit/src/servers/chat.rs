//! A fake chat server speaking the three real wire formats — OpenAI's `/v1/chat/completions` (server-sent events),
//! Ollama's `/api/chat` (JSON lines) and Anthropic's `/v1/messages` (server-sent events with the full event
//! sequence) — and playing a script of replies.
//!
//! Every event (or JSON line) is sent in two pieces split mid-line, often mid-character, with a flush between
//! them, so clients are tested against lines that arrive in parts, as they do over real networks.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::ServerHandle;

/// What the server does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatReply {
    /// Streams these text deltas (each its own event) and a clean end with usage. The request's token limit
    /// applies: with fewer tokens than deltas the stream stops early with `length` (`max_tokens` on Anthropic).
    Stream(Vec<String>),
    /// Anthropic: a thinking block with these deltas (and a signature) before the text, when the request enabled
    /// thinking. Ollama sends the thinking as `message.thinking`, OpenAI-compatible servers as
    /// `delta.reasoning_content`; none of it is answer text.
    Thinking {
        /// The hidden reasoning, in deltas.
        thinking: Vec<String>,
        /// The answer, in deltas.
        text: Vec<String>,
    },
    /// Sends `after` deltas, then half of the next event's line (cut mid-token), then drops the connection with an
    /// error. With `after` equal to the number of deltas, the closing event is the one cut.
    CutAfter {
        /// The deltas the full answer would have had.
        deltas: Vec<String>,
        /// How many are sent whole.
        after: usize,
    },
    /// This status, with an optional `Retry-After` header value and a body (empty: a realistic error body of the
    /// wire format asked for).
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header, when set.
        retry_after: Option<String>,
        /// The body.
        body: String,
    },
    /// 200 with an HTML body (a captive portal, a proxy error page).
    Html(String),
    /// Starts the stream, then reports this error in it: Anthropic's `event: error` (`overloaded_error`), Ollama's
    /// `{"error": …}` line, an OpenAI `data: {"error": {…, "type": "server_error"}}` chunk.
    StreamError(String),
    /// Waits, then plays the inner reply.
    Delayed(Duration, Box<ChatReply>),
}

impl ChatReply {
    /// Streams these deltas.
    pub fn stream(deltas: &[&str]) -> Self {
        ChatReply::Stream(strings(deltas))
    }

    /// Sends `after` of these deltas, then cuts the connection mid-event.
    pub fn cut_after(deltas: &[&str], after: usize) -> Self {
        ChatReply::CutAfter {
            deltas: strings(deltas),
            after,
        }
    }

    /// Anthropic thinking deltas, then text deltas.
    pub fn thinking(thinking: &[&str], text: &[&str]) -> Self {
        ChatReply::Thinking {
            thinking: strings(thinking),
            text: strings(text),
        }
    }

    /// A bare error status with the wire format's own error body.
    pub fn status(status: u16) -> Self {
        ChatReply::Status {
            status,
            retry_after: None,
            body: String::new(),
        }
    }

    /// 429 with `Retry-After: <seconds>` (fractions allowed, e.g. `"0.2"`).
    pub fn rate_limited(retry_after: &str) -> Self {
        ChatReply::Status {
            status: 429,
            retry_after: Some(retry_after.to_string()),
            body: String::new(),
        }
    }

    /// 200 with an HTML page.
    pub fn html(body: &str) -> Self {
        ChatReply::Html(body.to_string())
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedChatRequest {
    /// `POST`, `GET`.
    pub method: String,
    /// The path (`/v1/messages`), without the query.
    pub path: String,
    /// The headers, names lowercased (a repeated header keeps its last value).
    pub headers: BTreeMap<String, String>,
    /// The body as JSON (`Null` when it was empty or not JSON).
    pub body: Value,
}

impl ReceivedChatRequest {
    /// A header by its lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// Models the fake server has "installed" until [`FakeChat::set_models`] says otherwise.
pub const DEFAULT_MODELS: [&str; 4] = [
    "qwen2.5:7b-instruct",
    "llama3.2:latest",
    "gpt-4o-mini",
    "claude-sonnet-4-20250514",
];

#[derive(Debug)]
struct Script {
    replies: VecDeque<ChatReply>,
    requests: Vec<ReceivedChatRequest>,
    models: Vec<String>,
    key: Option<String>,
    gap: Duration,
}

type Shared = Arc<Mutex<Script>>;

/// The fake chat server. With an empty script it streams `["Fake ", "answer?"]`.
///
/// Ollama's `/api/chat` answers 404 `model '…' not found` for a model that is not installed (see
/// [`set_models`](Self::set_models)), as Ollama does; the other paths accept any model.
#[derive(Debug)]
pub struct FakeChat {
    server: ServerHandle,
    script: Shared,
}

impl FakeChat {
    /// Starts a server on `127.0.0.1:0`.
    pub fn start() -> Self {
        let script = Arc::new(Mutex::new(Script {
            replies: VecDeque::new(),
            requests: Vec::new(),
            models: DEFAULT_MODELS.iter().map(|m| m.to_string()).collect(),
            key: None,
            gap: Duration::from_millis(10),
        }));
        let router = axum::Router::new().fallback(handle).with_state(script.clone());
        Self {
            server: ServerHandle::start(router),
            script,
        }
    }

    /// `http://127.0.0.1:<port>/v1`, the base URL of an OpenAI-compatible client.
    pub fn openai_base(&self) -> String {
        format!("{}/v1", self.server.origin())
    }

    /// `http://127.0.0.1:<port>`, the base URL of Ollama and Anthropic clients.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// Queues a reply for the next request that finds the queue at this point. Model lists (`GET /v1/models`,
    /// `/api/tags`) take the next reply only when it is a `Status`, `Html` or `Delayed` one; otherwise it stays queued
    /// for the next chat call and the list is answered.
    pub fn push(&self, reply: ChatReply) -> &Self {
        self.lock().replies.push_back(reply);
        self
    }

    /// The installed models, as listed by `/v1/models` and `/api/tags`.
    pub fn set_models(&self, models: &[&str]) -> &Self {
        self.lock().models = strings(models);
        self
    }

    /// From now on OpenAI and Anthropic requests need this key (`Authorization: Bearer …` or `x-api-key`); others
    /// get 401 with a body that repeats the key they sent, as a careless server would.
    pub fn require_key(&self, key: &str) -> &Self {
        self.lock().key = Some(key.to_string());
        self
    }

    /// The pause between events (default 10 ms).
    pub fn set_gap(&self, gap: Duration) -> &Self {
        self.lock().gap = gap;
        self
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<ReceivedChatRequest> {
        self.lock().requests.clone()
    }

    /// How many requests arrived.
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().expect("script lock")
    }
}

/// Which API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    OpenAi,
    Ollama,
    Anthropic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Chat(Wire),
    Models(Wire),
    Unknown,
}

fn route(request: &ReceivedChatRequest) -> Route {
    let anthropic_headers =
        request.header("anthropic-version").is_some() || request.header("x-api-key").is_some();
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/v1/chat/completions") => Route::Chat(Wire::OpenAi),
        ("POST", "/api/chat") => Route::Chat(Wire::Ollama),
        ("POST", "/v1/messages") => Route::Chat(Wire::Anthropic),
        ("GET", "/v1/models") if anthropic_headers => Route::Models(Wire::Anthropic),
        ("GET", "/v1/models") => Route::Models(Wire::OpenAi),
        ("GET", "/api/tags") => Route::Models(Wire::Ollama),
        _ => Route::Unknown,
    }
}

async fn handle(State(script): State<Shared>, request: Request) -> Response {
    let received = read_request(request).await;
    let route = route(&received);
    let (reply, models, gap) = {
        let mut script = script.lock().expect("script lock");
        script.requests.push(received.clone());
        let wire = match route {
            Route::Chat(wire) | Route::Models(wire) => wire,
            Route::Unknown => return StatusCode::NOT_FOUND.into_response(),
        };
        if let Some(refused) = check_key(script.key.as_deref(), wire, &received) {
            return refused;
        }
        if route == Route::Chat(Wire::Ollama) {
            let model = received.body["model"].as_str().unwrap_or("").to_string();
            if !script.models.iter().any(|m| same_tag(m, &model)) {
                return json_response(
                    StatusCode::NOT_FOUND,
                    json!({ "error": format!("model '{model}' not found") }),
                );
            }
        }
        // A model list only takes the next reply when it is one that applies to lists (an error, HTML, a delay);
        // a streamed answer stays queued for the chat call that follows, as in `probe` then `chat`.
        let applies = match route {
            Route::Models(_) => matches!(
                script.replies.front(),
                Some(ChatReply::Status { .. } | ChatReply::Html(_) | ChatReply::Delayed(..))
            ),
            _ => true,
        };
        let queued = if applies { script.replies.pop_front() } else { None };
        let reply = queued.unwrap_or_else(|| ChatReply::stream(&["Fake ", "answer?"]));
        (reply, script.models.clone(), script.gap)
    };
    let mut reply = reply;
    while let ChatReply::Delayed(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    match (reply, route) {
        (
            ChatReply::Status {
                status,
                retry_after,
                body,
            },
            Route::Chat(wire) | Route::Models(wire),
        ) => status_response(wire, status, retry_after, body),
        (ChatReply::Html(body), _) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
        (_, Route::Models(wire)) => model_list(wire, &models),
        (reply, Route::Chat(wire)) => chat_response(wire, &received.body, reply, gap),
        (_, Route::Unknown) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn read_request(request: Request) -> ReceivedChatRequest {
    let headers = request
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let bytes = axum::body::to_bytes(request.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    ReceivedChatRequest {
        method,
        path,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// `llama3` and `llama3:latest` name the same Ollama model.
fn same_tag(a: &str, b: &str) -> bool {
    let full = |name: &str| {
        if name.contains(':') {
            name.to_string()
        } else {
            format!("{name}:latest")
        }
    };
    full(a) == full(b)
}

fn check_key(key: Option<&str>, wire: Wire, request: &ReceivedChatRequest) -> Option<Response> {
    let key = key?;
    let sent = match wire {
        Wire::OpenAi => request
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .unwrap_or(""),
        Wire::Anthropic => request.header("x-api-key").unwrap_or(""),
        Wire::Ollama => return None,
    };
    if sent == key {
        return None;
    }
    let body = match wire {
        Wire::Anthropic => json!({
            "type": "error",
            "error": { "type": "authentication_error", "message": format!("invalid x-api-key {sent}") },
        }),
        _ => json!({
            "error": {
                "message": format!("Incorrect API key provided: {sent}."),
                "type": "invalid_request_error",
                "param": null,
                "code": "invalid_api_key",
            },
        }),
    };
    Some(json_response(StatusCode::UNAUTHORIZED, body))
}

fn status_response(wire: Wire, status: u16, retry_after: Option<String>, body: String) -> Response {
    let code = StatusCode::from_u16(status).expect("valid status");
    let body = if body.is_empty() {
        let message = format!("fake error {status}");
        match wire {
            Wire::OpenAi => json!({
                "error": { "message": message, "type": openai_error_type(status), "param": null, "code": null },
            })
            .to_string(),
            Wire::Ollama => json!({ "error": message }).to_string(),
            Wire::Anthropic => json!({
                "type": "error",
                "error": { "type": anthropic_error_type(status), "message": message },
            })
            .to_string(),
        }
    } else {
        body
    };
    let mut response = (code, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(value) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, value.parse().expect("header value"));
    }
    response
}

fn openai_error_type(status: u16) -> &'static str {
    match status {
        401 | 403 => "invalid_request_error",
        429 => "rate_limit_exceeded",
        s if s >= 500 => "server_error",
        _ => "invalid_request_error",
    }
}

fn anthropic_error_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        s if s >= 500 => "api_error",
        _ => "invalid_request_error",
    }
}

fn json_response(status: StatusCode, value: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn model_list(wire: Wire, models: &[String]) -> Response {
    let body = match wire {
        Wire::OpenAi => json!({
            "object": "list",
            "data": models
                .iter()
                .map(|id| json!({ "id": id, "object": "model", "created": 1_715_367_049, "owned_by": "fake" }))
                .collect::<Vec<_>>(),
        }),
        Wire::Anthropic => json!({
            "data": models
                .iter()
                .map(|id| json!({
                    "type": "model",
                    "id": id,
                    "display_name": id,
                    "created_at": "2025-05-22T00:00:00Z",
                }))
                .collect::<Vec<_>>(),
            "has_more": false,
            "first_id": models.first(),
            "last_id": models.last(),
        }),
        Wire::Ollama => json!({
            "models": models
                .iter()
                .map(|name| json!({
                    "name": name,
                    "model": name,
                    "modified_at": "2025-05-22T10:00:00.000000+02:00",
                    "size": 4_683_087_332_u64,
                    "digest": "845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e",
                    "details": {
                        "format": "gguf",
                        "family": "qwen2",
                        "parameter_size": "7.6B",
                        "quantization_level": "Q4_K_M",
                    },
                }))
                .collect::<Vec<_>>(),
        }),
    };
    json_response(StatusCode::OK, body)
}

/// What one chat answer consists of, before it is written in a wire format.
#[derive(Debug, Default)]
struct Plan {
    thinking: Vec<String>,
    text: Vec<String>,
    /// True when the token limit cut the text.
    truncated: bool,
    cut_after: Option<usize>,
    error: Option<String>,
    prompt_tokens: u64,
    cached_tokens: u64,
    thinking_enabled: bool,
    model: String,
}

impl Plan {
    fn new(wire: Wire, request: &Value, reply: ChatReply) -> Self {
        let mut plan = Plan {
            model: request["model"].as_str().unwrap_or("fake-model").to_string(),
            ..Plan::default()
        };
        match reply {
            ChatReply::Stream(text) => plan.text = text,
            ChatReply::Thinking { thinking, text } => {
                plan.thinking = thinking;
                plan.text = text;
            }
            ChatReply::CutAfter { deltas, after } => {
                plan.text = deltas;
                plan.cut_after = Some(after);
            }
            ChatReply::StreamError(message) => plan.error = Some(message),
            other => unreachable!("{other:?} is answered before a plan is made"),
        }
        plan.thinking_enabled = request.pointer("/thinking/type").and_then(Value::as_str) == Some("enabled");
        let (limit, prompt_chars, cached_chars) = match wire {
            Wire::OpenAi => (
                request["max_completion_tokens"]
                    .as_u64()
                    .or_else(|| request["max_tokens"].as_u64()),
                text_chars(&request["messages"]),
                0,
            ),
            Wire::Ollama => (
                request.pointer("/options/num_predict").and_then(Value::as_u64),
                text_chars(&request["messages"]),
                0,
            ),
            Wire::Anthropic => {
                let blocks = anthropic_blocks(request);
                let total = blocks.iter().map(|(chars, _)| chars).sum();
                let cached = match blocks.iter().rposition(|(_, cached)| *cached) {
                    Some(last) => blocks[..=last].iter().map(|(chars, _)| chars).sum(),
                    None => 0,
                };
                let budget = if plan.thinking_enabled {
                    request
                        .pointer("/thinking/budget_tokens")
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                } else {
                    0
                };
                (
                    request["max_tokens"].as_u64().map(|m| m.saturating_sub(budget)),
                    total,
                    cached,
                )
            }
        };
        if let Some(limit) = limit.and_then(|l| usize::try_from(l).ok())
            && plan.text.len() > limit
        {
            plan.text.truncate(limit);
            plan.truncated = true;
        }
        if !plan.thinking_enabled && wire == Wire::Anthropic {
            plan.thinking.clear();
        }
        plan.prompt_tokens = (prompt_chars / 4) as u64;
        plan.cached_tokens = (cached_chars / 4) as u64;
        plan
    }

    fn completion_tokens(&self) -> u64 {
        (self.thinking.len() + self.text.len()) as u64
    }

    fn joined(&self) -> String {
        self.text.concat()
    }
}

/// Characters of every `content`/`text` string in a JSON tree (messages in any of the three formats).
fn text_chars(value: &Value) -> usize {
    match value {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.iter().map(text_chars).sum(),
        Value::Object(map) => ["content", "text"]
            .iter()
            .filter_map(|key| map.get(*key))
            .map(text_chars)
            .sum(),
        _ => 0,
    }
}

/// Anthropic's prompt blocks in order (system first) as (characters, carries `cache_control`).
fn anthropic_blocks(request: &Value) -> Vec<(usize, bool)> {
    let mut blocks = Vec::new();
    let mut add = |content: &Value| match content {
        Value::String(s) => blocks.push((s.chars().count(), false)),
        Value::Array(items) => {
            for block in items {
                blocks.push((text_chars(block), block.get("cache_control").is_some()));
            }
        }
        _ => {}
    };
    add(&request["system"]);
    for message in request["messages"].as_array().into_iter().flatten() {
        add(&message["content"]);
    }
    blocks
}

/// One event or line of a stream.
#[derive(Debug)]
struct Frame {
    bytes: Vec<u8>,
    /// True for an event that carries answer text.
    text_delta: bool,
}

impl Frame {
    fn sse(event: Option<&str>, data: &Value, text_delta: bool) -> Self {
        let mut text = String::new();
        if let Some(event) = event {
            text.push_str(&format!("event: {event}\n"));
        }
        text.push_str(&format!("data: {data}\n\n"));
        Frame {
            bytes: text.into_bytes(),
            text_delta,
        }
    }

    fn line(data: &Value, text_delta: bool) -> Self {
        Frame {
            bytes: format!("{data}\n").into_bytes(),
            text_delta,
        }
    }
}

fn chat_response(wire: Wire, request: &Value, reply: ChatReply, gap: Duration) -> Response {
    let plan = Plan::new(wire, request, reply);
    // Ollama streams unless told not to; the others only when asked.
    let streaming = match wire {
        Wire::Ollama => request["stream"].as_bool().unwrap_or(true),
        _ => request["stream"].as_bool().unwrap_or(false),
    };
    if !streaming && plan.error.is_none() && plan.cut_after.is_none() {
        return json_response(StatusCode::OK, whole_answer(wire, &plan));
    }
    let (content_type, frames) = match wire {
        Wire::OpenAi => (
            "text/event-stream",
            openai_frames(
                &plan,
                request.pointer("/stream_options/include_usage") == Some(&json!(true)),
            ),
        ),
        Wire::Ollama => ("application/x-ndjson", ollama_frames(&plan)),
        Wire::Anthropic => ("text/event-stream", anthropic_frames(&plan)),
    };
    let cut = plan.cut_after.map(|after| {
        let deltas: Vec<usize> = (0..frames.len()).filter(|&i| frames[i].text_delta).collect();
        match deltas.get(after) {
            Some(&at) => at,
            None => deltas.last().map_or(0, |&last| last + 1).min(frames.len() - 1),
        }
    });
    let response = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache");
    response
        .body(Body::from_stream(frame_stream(frames, cut, gap)))
        .expect("response")
}

/// The answer as one JSON document, for `"stream": false`.
fn whole_answer(wire: Wire, plan: &Plan) -> Value {
    let text = plan.joined();
    match wire {
        Wire::OpenAi => json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_715_367_049,
            "model": plan.model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": text },
                "finish_reason": if plan.truncated { "length" } else { "stop" },
            }],
            "usage": openai_usage(plan),
        }),
        Wire::Ollama => {
            let mut last = ollama_done(plan);
            last["message"] = json!({ "role": "assistant", "content": text });
            last
        }
        Wire::Anthropic => {
            let mut content = Vec::new();
            if !plan.thinking.is_empty() {
                content.push(json!({
                    "type": "thinking",
                    "thinking": plan.thinking.concat(),
                    "signature": FAKE_SIGNATURE,
                }));
            }
            content.push(json!({ "type": "text", "text": text }));
            json!({
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": plan.model,
                "content": content,
                "stop_reason": anthropic_stop(plan),
                "stop_sequence": null,
                "usage": {
                    "input_tokens": plan.prompt_tokens - plan.cached_tokens,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": plan.cached_tokens,
                    "output_tokens": plan.completion_tokens(),
                },
            })
        }
    }
}

const FAKE_SIGNATURE: &str = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";

fn openai_usage(plan: &Plan) -> Value {
    json!({
        "prompt_tokens": plan.prompt_tokens,
        "completion_tokens": plan.completion_tokens(),
        "total_tokens": plan.prompt_tokens + plan.completion_tokens(),
        "prompt_tokens_details": { "cached_tokens": plan.cached_tokens },
    })
}

fn openai_frames(plan: &Plan, include_usage: bool) -> Vec<Frame> {
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_715_367_049,
            "model": plan.model,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
        })
    };
    let mut frames = vec![Frame::sse(
        None,
        &chunk(json!({ "role": "assistant", "content": "" }), Value::Null),
        false,
    )];
    if let Some(message) = &plan.error {
        let error = json!({
            "error": { "message": message, "type": "server_error", "param": null, "code": null },
        });
        frames.push(Frame::sse(None, &error, false));
        return frames;
    }
    for thought in &plan.thinking {
        frames.push(Frame::sse(
            None,
            &chunk(json!({ "reasoning_content": thought }), Value::Null),
            false,
        ));
    }
    for text in &plan.text {
        frames.push(Frame::sse(
            None,
            &chunk(json!({ "content": text }), Value::Null),
            true,
        ));
    }
    let finish = if plan.truncated { "length" } else { "stop" };
    frames.push(Frame::sse(None, &chunk(json!({}), json!(finish)), false));
    if include_usage {
        let usage = json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_715_367_049,
            "model": plan.model,
            "choices": [],
            "usage": openai_usage(plan),
        });
        frames.push(Frame::sse(None, &usage, false));
    }
    frames.push(Frame {
        bytes: b"data: [DONE]\n\n".to_vec(),
        text_delta: false,
    });
    frames
}

fn ollama_done(plan: &Plan) -> Value {
    json!({
        "model": plan.model,
        "created_at": "2025-05-22T10:00:01.000000Z",
        "message": { "role": "assistant", "content": "" },
        "done": true,
        "done_reason": if plan.truncated { "length" } else { "stop" },
        "total_duration": 1_200_000_000_u64,
        "load_duration": 20_000_000_u64,
        "prompt_eval_count": plan.prompt_tokens,
        "prompt_eval_duration": 150_000_000_u64,
        "eval_count": plan.completion_tokens(),
        "eval_duration": 900_000_000_u64,
    })
}

fn ollama_frames(plan: &Plan) -> Vec<Frame> {
    let message = |content: &str, thinking: Option<&str>| {
        let mut message = json!({ "role": "assistant", "content": content });
        if let Some(thinking) = thinking {
            message["thinking"] = json!(thinking);
        }
        json!({
            "model": plan.model,
            "created_at": "2025-05-22T10:00:00.000000Z",
            "message": message,
            "done": false,
        })
    };
    if let Some(error) = &plan.error {
        return vec![Frame::line(&json!({ "error": error }), false)];
    }
    let mut frames: Vec<Frame> = plan
        .thinking
        .iter()
        .map(|t| Frame::line(&message("", Some(t)), false))
        .collect();
    frames.extend(plan.text.iter().map(|t| Frame::line(&message(t, None), true)));
    frames.push(Frame::line(&ollama_done(plan), false));
    frames
}

fn anthropic_stop(plan: &Plan) -> &'static str {
    if plan.truncated { "max_tokens" } else { "end_turn" }
}

fn anthropic_frames(plan: &Plan) -> Vec<Frame> {
    let event = |name: &str, data: Value, text_delta: bool| Frame::sse(Some(name), &data, text_delta);
    let mut frames = vec![
        event(
            "message_start",
            json!({
                "type": "message_start",
                "message": {
                    "id": "msg_fake",
                    "type": "message",
                    "role": "assistant",
                    "model": plan.model,
                    "content": [],
                    "stop_reason": null,
                    "stop_sequence": null,
                    "usage": {
                        "input_tokens": plan.prompt_tokens - plan.cached_tokens,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": plan.cached_tokens,
                        "output_tokens": 1,
                    },
                },
            }),
            false,
        ),
        event("ping", json!({ "type": "ping" }), false),
    ];
    if let Some(message) = &plan.error {
        frames.push(event(
            "error",
            json!({ "type": "error", "error": { "type": "overloaded_error", "message": message } }),
            false,
        ));
        return frames;
    }
    let mut index = 0;
    if !plan.thinking.is_empty() {
        frames.push(event(
            "content_block_start",
            json!({
                "type": "content_block_start",
                "index": index,
                "content_block": { "type": "thinking", "thinking": "", "signature": "" },
            }),
            false,
        ));
        for thought in &plan.thinking {
            frames.push(event(
                "content_block_delta",
                json!({
                    "type": "content_block_delta",
                    "index": index,
                    "delta": { "type": "thinking_delta", "thinking": thought },
                }),
                false,
            ));
        }
        frames.push(event(
            "content_block_delta",
            json!({
                "type": "content_block_delta",
                "index": index,
                "delta": { "type": "signature_delta", "signature": FAKE_SIGNATURE },
            }),
            false,
        ));
        frames.push(event(
            "content_block_stop",
            json!({ "type": "content_block_stop", "index": index }),
            false,
        ));
        index += 1;
    }
    frames.push(event(
        "content_block_start",
        json!({
            "type": "content_block_start",
            "index": index,
            "content_block": { "type": "text", "text": "" },
        }),
        false,
    ));
    for text in &plan.text {
        frames.push(event(
            "content_block_delta",
            json!({
                "type": "content_block_delta",
                "index": index,
                "delta": { "type": "text_delta", "text": text },
            }),
            true,
        ));
    }
    frames.push(event(
        "content_block_stop",
        json!({ "type": "content_block_stop", "index": index }),
        false,
    ));
    frames.push(event(
        "message_delta",
        json!({
            "type": "message_delta",
            "delta": { "stop_reason": anthropic_stop(plan), "stop_sequence": null },
            "usage": { "output_tokens": plan.completion_tokens() },
        }),
        false,
    ));
    frames.push(event("message_stop", json!({ "type": "message_stop" }), false));
    frames
}

/// What the body stream does next.
#[derive(Debug)]
enum Step {
    Send(Bytes),
    Pause(Duration),
    Fail,
}

/// Each frame in two halves with a short pause between them and `gap` after it; at `cut`, only the first half,
/// then (once hyper has flushed it) an error that drops the connection.
fn frame_stream(
    frames: Vec<Frame>,
    cut: Option<usize>,
    gap: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let mut steps = VecDeque::new();
    for (i, frame) in frames.into_iter().enumerate() {
        let (first, second) = frame.bytes.split_at(frame.bytes.len() / 2);
        steps.push_back(Step::Send(Bytes::copy_from_slice(first)));
        if cut == Some(i) {
            // An aborted body discards hyper's unsent buffer; wait so the half really reaches the client.
            steps.push_back(Step::Pause(Duration::from_millis(100)));
            steps.push_back(Step::Fail);
            break;
        }
        steps.push_back(Step::Pause(Duration::from_millis(2)));
        steps.push_back(Step::Send(Bytes::copy_from_slice(second)));
        steps.push_back(Step::Pause(gap));
    }
    futures_util::stream::unfold(steps, |mut steps| async move {
        loop {
            match steps.pop_front()? {
                Step::Pause(wait) => tokio::time::sleep(wait).await,
                Step::Send(bytes) => return Some((Ok(bytes), steps)),
                Step::Fail => {
                    steps.clear();
                    let error = std::io::Error::other("fake chat server cut the stream");
                    return Some((Err(error), steps));
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_counts_characters_of_every_format() {
        let openai = json!({ "messages": [{ "role": "user", "content": "12345678" }] });
        assert_eq!(text_chars(&openai["messages"]), 8);
        let anthropic = json!({
            "system": [{ "type": "text", "text": "1234", "cache_control": { "type": "ephemeral" } }],
            "messages": [{ "role": "user", "content": [{ "type": "text", "text": "12345678" }] }],
        });
        assert_eq!(anthropic_blocks(&anthropic), [(4, true), (8, false)]);
        let plan = Plan::new(Wire::Anthropic, &anthropic, ChatReply::stream(&["a"]));
        assert_eq!((plan.prompt_tokens, plan.cached_tokens), (3, 1));
    }
}
