//! What the three chat engines share: reading a streamed body line by line (server-sent events for OpenAI and
//! Anthropic, newline-delimited JSON for Ollama), collecting the deltas of one turn, and the one rule for failures
//! mid-stream — retried while nothing was shown, [`EngineError::Interrupted`] once something was.

use std::time::Instant;

use soundmind_engine::{CancelToken, ChatResult, EngineError};

use crate::status::{Service, excerpt};
use crate::{HttpResponse, RetryPolicy, with_retry};

/// The longest line a stream may send. Deltas are a few bytes; a longer "line" means the body is not a stream at
/// all (a binary file, a proxy's endless page), and buffering it would only eat memory.
const MAX_LINE: usize = 1024 * 1024;

/// Bytes asked for per read. `read_chunk` returns what has arrived, so small deltas are not held back.
const READ_SIZE: usize = 8 * 1024;

/// Runs one chat turn through the retry layer. `attempt` sends the request and feeds every text delta to the
/// [`Turn`] it is given; a fresh turn is made for each attempt. A failure after a delta reached `on_delta` becomes
/// [`EngineError::Interrupted`] (not transient), so text the caller has shown is never sent twice.
pub(crate) fn run_turn(
    service: &'static str,
    retry: &RetryPolicy,
    on_delta: &mut dyn FnMut(&str),
    cancel: &CancelToken,
    mut attempt: impl FnMut(&mut Turn<'_>) -> Result<(), EngineError>,
) -> Result<ChatResult, EngineError> {
    let started = Instant::now();
    with_retry(retry, cancel, |_| {
        let mut turn = Turn {
            service,
            started,
            on_delta: &mut *on_delta,
            result: ChatResult::default(),
        };
        match attempt(&mut turn) {
            Ok(()) => Ok(turn.finish()),
            Err(err) => Err(turn.fail(err)),
        }
    })
}

/// One attempt at a chat turn: the deltas delivered so far and the counts the server reported.
pub(crate) struct Turn<'a> {
    service: &'static str,
    /// When the whole call (not this attempt) began, for the time to the first token.
    started: Instant,
    on_delta: &'a mut dyn FnMut(&str),
    /// What the engine has learnt so far; `text` and `time_to_first_token` are kept by [`delta`](Self::delta).
    pub(crate) result: ChatResult,
}

impl Turn<'_> {
    /// Shows a piece of text. Empty pieces (OpenAI's opening `{"role":"assistant","content":""}`) are dropped so
    /// they neither count as the first token nor make a later failure look like an interruption.
    pub(crate) fn delta(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.result.time_to_first_token.is_none() {
            self.result.time_to_first_token = Some(self.started.elapsed());
        }
        self.result.text.push_str(text);
        (self.on_delta)(text);
    }

    /// True once any text reached the caller.
    fn delivered(&self) -> bool {
        !self.result.text.is_empty()
    }

    fn finish(mut self) -> ChatResult {
        self.result.total = self.started.elapsed();
        self.result
    }

    fn fail(&self, err: EngineError) -> EngineError {
        match err {
            EngineError::Cancelled => EngineError::Cancelled,
            err if self.delivered() => EngineError::Interrupted {
                service: self.service.to_string(),
                reason: err.to_string(),
            },
            err => err,
        }
    }
}

/// Splits bytes into lines. Bytes of one line may arrive in several chunks (and a multi-byte character may be
/// split between them), so nothing is decoded until the line is whole.
#[derive(Debug, Default)]
pub(crate) struct LineBuffer {
    bytes: Vec<u8>,
    /// How far `bytes` is known to hold no newline, so a long line is not scanned again for every chunk.
    scanned: usize,
}

impl LineBuffer {
    /// Adds received bytes.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
    }

    /// The next whole line without its `\n` or `\r\n`, if one has arrived.
    pub(crate) fn next_line(&mut self) -> Option<Vec<u8>> {
        let found = self.bytes[self.scanned..].iter().position(|&b| b == b'\n');
        let Some(offset) = found else {
            self.scanned = self.bytes.len();
            return None;
        };
        let end = self.scanned + offset;
        let mut line: Vec<u8> = self.bytes.drain(..=end).collect();
        self.scanned = 0;
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(line)
    }

    /// Bytes of a line that has not ended yet.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.bytes
    }
}

/// A streamed response body read line by line, checking `cancel` before each line.
pub(crate) struct Lines<'s> {
    response: HttpResponse,
    service: Service<'s>,
    buffer: LineBuffer,
    chunk: Vec<u8>,
    at_end: bool,
    /// The first non-empty line, for messages about a body that turned out not to be a stream.
    first: Option<String>,
}

impl<'s> Lines<'s> {
    /// Reads `response`'s body.
    pub(crate) fn new(response: HttpResponse, service: Service<'s>) -> Self {
        Self {
            response,
            service,
            buffer: LineBuffer::default(),
            chunk: vec![0; READ_SIZE],
            at_end: false,
            first: None,
        }
    }

    /// The next line, or `None` at the end of the body. A body that ends in the middle of a line, a line that is
    /// not UTF-8 or one longer than [`MAX_LINE`] is an [`EngineError::BadResponse`]; a dropped connection is
    /// [`EngineError::Unreachable`].
    pub(crate) fn next_line(&mut self, cancel: &CancelToken) -> Result<Option<String>, EngineError> {
        loop {
            if cancel.is_cancelled() {
                return Err(EngineError::Cancelled);
            }
            if let Some(line) = self.buffer.next_line() {
                let line = String::from_utf8(line)
                    .map_err(|_| self.bad("a line of the stream is not UTF-8 text".to_string()))?;
                if self.first.is_none() && !line.trim().is_empty() {
                    self.first = Some(excerpt(&line, self.service.api_key));
                }
                return Ok(Some(line));
            }
            if self.at_end {
                let rest = String::from_utf8_lossy(self.buffer.pending()).into_owned();
                if rest.trim().is_empty() {
                    return Ok(None);
                }
                return Err(self.bad(format!(
                    "the stream ended in the middle of a line: {}",
                    excerpt(&rest, self.service.api_key)
                )));
            }
            if self.buffer.pending().len() > MAX_LINE {
                return Err(self.bad(format!(
                    "a line of the stream is longer than {MAX_LINE} bytes: {}",
                    excerpt(
                        &String::from_utf8_lossy(self.buffer.pending()),
                        self.service.api_key
                    )
                )));
            }
            let read = self.response.read_chunk(&mut self.chunk)?;
            if read == 0 {
                self.at_end = true;
            } else {
                self.buffer.push(&self.chunk[..read]);
            }
        }
    }

    /// A [`EngineError::BadResponse`] for a stream that ended before `marker`, saying what the body began with
    /// when it never looked like the stream expected.
    pub(crate) fn ended_early(&self, marker: &str, saw_any: bool) -> EngineError {
        let reason = match (&self.first, saw_any) {
            (Some(first), false) => format!(
                "the stream ended before {marker} ({}; it began with: {first})",
                self.content_type()
            ),
            (None, false) => format!("the body was empty ({})", self.content_type()),
            _ => format!("the stream ended before {marker}"),
        };
        self.bad(reason)
    }

    /// The response's content type, for messages.
    pub(crate) fn content_type(&self) -> String {
        match self.response.header("content-type") {
            Some(kind) if !kind.is_empty() => kind.to_string(),
            _ => "no content type".to_string(),
        }
    }

    fn bad(&self, reason: String) -> EngineError {
        EngineError::BadResponse {
            service: self.service.name.to_string(),
            reason,
        }
    }
}

/// One server-sent event: its `event:` name, if any, and its `data:` lines joined with `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field.
    pub(crate) event: Option<String>,
    /// The `data:` field(s).
    pub(crate) data: String,
}

/// Builds events from lines as the SSE specification says: fields up to a blank line, `:` comments ignored, one
/// optional space after the colon, unknown fields (`id`, `retry`) ignored.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// Takes one line; returns the event a blank line completes.
    pub(crate) fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_string()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            _ => {}
        }
        None
    }

    /// The event whose last line arrived but whose closing blank line did not (the body ended first). Servers that
    /// skip the blank line after `data: [DONE]` still end cleanly this way.
    pub(crate) fn finish(&mut self) -> Option<SseEvent> {
        self.dispatch()
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        // An event without data is not dispatched (the specification's rule).
        self.data.take().map(|data| SseEvent { event, data })
    }
}

/// A body of server-sent events.
pub(crate) struct SseReader<'s> {
    lines: Lines<'s>,
    parser: SseParser,
    /// True once any event arrived.
    saw_any: bool,
}

impl<'s> SseReader<'s> {
    /// Reads `response`'s body as events.
    pub(crate) fn new(response: HttpResponse, service: Service<'s>) -> Self {
        Self {
            lines: Lines::new(response, service),
            parser: SseParser::default(),
            saw_any: false,
        }
    }

    /// The next event, or `None` at the end of the body.
    pub(crate) fn next_event(&mut self, cancel: &CancelToken) -> Result<Option<SseEvent>, EngineError> {
        loop {
            let event = match self.lines.next_line(cancel)? {
                Some(line) => self.parser.line(&line),
                None => match self.parser.finish() {
                    Some(event) => Some(event),
                    None => return Ok(None),
                },
            };
            if let Some(event) = event {
                self.saw_any = true;
                return Ok(Some(event));
            }
        }
    }

    /// See [`Lines::ended_early`].
    pub(crate) fn ended_early(&self, marker: &str) -> EngineError {
        self.lines.ended_early(marker, self.saw_any)
    }
}

/// A body of newline-delimited JSON values (Ollama's stream).
pub(crate) struct NdjsonReader<'s> {
    lines: Lines<'s>,
    /// True once any value arrived.
    saw_any: bool,
}

impl<'s> NdjsonReader<'s> {
    /// Reads `response`'s body as JSON lines.
    pub(crate) fn new(response: HttpResponse, service: Service<'s>) -> Self {
        Self {
            lines: Lines::new(response, service),
            saw_any: false,
        }
    }

    /// The next value (blank lines skipped), or `None` at the end of the body.
    pub(crate) fn next_value(
        &mut self,
        cancel: &CancelToken,
    ) -> Result<Option<serde_json::Value>, EngineError> {
        loop {
            let Some(line) = self.lines.next_line(cancel)? else {
                return Ok(None);
            };
            if line.trim().is_empty() {
                continue;
            }
            let value = parse_json(&line, &self.lines.service, &self.lines.content_type())?;
            self.saw_any = true;
            return Ok(Some(value));
        }
    }

    /// See [`Lines::ended_early`].
    pub(crate) fn ended_early(&self, marker: &str) -> EngineError {
        self.lines.ended_early(marker, self.saw_any)
    }
}

/// Parses one event or line as JSON; anything else is a [`EngineError::BadResponse`] naming what arrived.
pub(crate) fn parse_json(
    text: &str,
    service: &Service<'_>,
    content_type: &str,
) -> Result<serde_json::Value, EngineError> {
    serde_json::from_str(text).map_err(|e| EngineError::BadResponse {
        service: service.name.to_string(),
        reason: format!(
            "expected JSON in the stream, got {content_type} ({e}): {}",
            excerpt(text, service.api_key)
        ),
    })
}

/// Refuses a 2xx answer that is an HTML page (a captive portal, a proxy's error page) before it is read as a
/// stream, quoting its start.
pub(crate) fn reject_html(
    response: HttpResponse,
    service: &Service<'_>,
) -> Result<HttpResponse, EngineError> {
    let kind = response.header("content-type").unwrap_or("").to_ascii_lowercase();
    if kind.contains("html") {
        return Err(unexpected_body(response, service, "a stream"));
    }
    Ok(response)
}

/// A [`EngineError::BadResponse`] for a body that is not what was expected: its content type and the start of it
/// (at most a few KiB are read).
pub(crate) fn unexpected_body(
    mut response: HttpResponse,
    service: &Service<'_>,
    expected: &str,
) -> EngineError {
    let kind = response
        .header("content-type")
        .filter(|k| !k.is_empty())
        .unwrap_or("no content type")
        .to_string();
    let mut start = Vec::new();
    let mut chunk = [0u8; 1024];
    // Only for the message: a body that cannot be read leaves the quote shorter, nothing more.
    while start.len() < 4096 {
        match response.read_chunk(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => start.extend_from_slice(&chunk[..n]),
        }
    }
    EngineError::BadResponse {
        service: service.name.to_string(),
        reason: format!(
            "expected {expected}, got {kind}: {}",
            excerpt(&String::from_utf8_lossy(&start), service.api_key)
        ),
    }
}

/// An error the server reported inside a 200 stream (Anthropic's `event: error`, OpenAI's `{"error": …}` chunk),
/// mapped by its type the way the matching HTTP status would be: overloaded and server errors are transient 529 and
/// 500, rate limits are [`EngineError::RateLimited`], key problems [`EngineError::Auth`], and bad requests are
/// permanent.
pub(crate) fn stream_error(service: &Service<'_>, kind: &str, message: &str) -> EngineError {
    let lower = kind.to_ascii_lowercase();
    let body = excerpt(
        &if kind.is_empty() {
            message.to_string()
        } else {
            format!("{kind}: {message}")
        },
        service.api_key,
    );
    let server = |status: u16| EngineError::Server {
        service: service.name.to_string(),
        status,
        body: body.clone(),
    };
    if lower.contains("overloaded") {
        server(529)
    } else if lower.contains("rate_limit") {
        EngineError::RateLimited {
            service: service.name.to_string(),
            retry_after: None,
        }
    } else if lower.contains("auth") || lower.contains("permission") || lower.contains("api_key") {
        EngineError::Auth {
            service: service.name.to_string(),
            reason: body.clone(),
            env_var: service.env_var.to_string(),
        }
    } else if lower.contains("not_found") {
        server(404)
    } else if lower.contains("too_large") {
        server(413)
    } else if lower.contains("invalid_request") {
        server(400)
    } else {
        server(500)
    }
}

/// An [`EngineError::Auth`] for a key that is needed but not set; raised before anything is sent.
pub(crate) fn missing_key(service: &Service<'_>) -> EngineError {
    EngineError::Auth {
        service: service.name.to_string(),
        reason: "no API key is set".to_string(),
        env_var: service.env_var.to_string(),
    }
}

/// A JSON number for an `f32` setting as the user wrote it: `0.7`, not `0.699999988079071`.
pub(crate) fn json_f32(value: f32) -> serde_json::Value {
    value
        .to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// A count from a JSON field, 0 when absent.
pub(crate) fn count(value: &serde_json::Value, key: &str) -> u32 {
    value
        .get(key)
        .and_then(serde_json::Value::as_u64)
        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// The stop strings worth sending (empty ones are refused by some servers).
pub(crate) fn stop_strings(stop: &[String]) -> Vec<&str> {
    stop.iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_survive_any_chunking() {
        let body = "data: {\"t\":\"Grüße 🌿\"}\r\n\ndata: [DONE]\n\n".as_bytes();
        for size in 1..body.len() {
            let mut buffer = LineBuffer::default();
            let mut lines = Vec::new();
            for chunk in body.chunks(size) {
                buffer.push(chunk);
                while let Some(line) = buffer.next_line() {
                    lines.push(String::from_utf8(line).expect("whole characters"));
                }
            }
            assert_eq!(
                lines,
                ["data: {\"t\":\"Grüße 🌿\"}", "", "data: [DONE]", ""],
                "chunk size {size}"
            );
            assert!(buffer.pending().is_empty());
        }
    }

    #[test]
    fn sse_fields_follow_the_specification() {
        let mut parser = SseParser::default();
        let mut events = Vec::new();
        for line in [
            ": a comment",
            "event: message_start",
            "data:{\"a\":1}",
            "id: 7",
            "",
            "",
            "data: one",
            "data:  two",
            "",
            "event: ping",
            "",
            "data: [DONE]",
        ] {
            events.extend(parser.line(line));
        }
        events.extend(parser.finish());
        assert_eq!(
            events,
            [
                SseEvent {
                    event: Some("message_start".into()),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "one\n two".into()
                },
                SseEvent {
                    event: None,
                    data: "[DONE]".into()
                },
            ]
        );
    }

    #[test]
    fn stream_errors_map_like_statuses() {
        let service = Service {
            name: "Anthropic",
            env_var: "ANTHROPIC_API_KEY",
            api_key: Some("sk-ant-secret-key"),
        };
        let overloaded = stream_error(&service, "overloaded_error", "Overloaded");
        assert!(matches!(overloaded, EngineError::Server { status: 529, .. }));
        assert!(overloaded.is_transient());
        assert!(stream_error(&service, "api_error", "x").is_transient());
        let invalid = stream_error(&service, "invalid_request_error", "bad");
        assert!(!invalid.is_transient(), "{invalid:?}");
        let auth = stream_error(&service, "authentication_error", "bad key sk-ant-secret-key");
        assert!(matches!(auth, EngineError::Auth { .. }));
        assert!(!auth.to_string().contains("sk-ant-secret-key"), "{auth}");
        assert!(matches!(
            stream_error(&service, "rate_limit_error", "slow down"),
            EngineError::RateLimited { .. }
        ));
    }

    #[test]
    fn floats_are_sent_as_written() {
        assert_eq!(json_f32(0.7).to_string(), "0.7");
        assert_eq!(json_f32(1.0).to_string(), "1.0");
        assert_eq!(json_f32(f32::NAN), serde_json::Value::Null);
    }
}
