//! A fake OpenAI-compatible transcription server that reads the real multipart upload and plays a script of
//! replies.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ServerHandle;

/// What the server does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// 200 with `{"text": …}`.
    Text(String),
    /// 200 with this JSON.
    Json(serde_json::Value),
    /// This status, with an optional `Retry-After` header value and a body.
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
    /// Waits, then plays the inner reply (for timeout tests).
    Delayed(Duration, Box<Reply>),
    /// Sends the status line and headers, then drops the connection without a body.
    DropConnection,
    /// 302 to this URL (a POST becomes a GET, as browsers and reqwest do).
    Redirect(String),
}

impl Reply {
    /// 200 with `{"text": text}`.
    pub fn ok(text: &str) -> Self {
        Reply::Text(text.to_string())
    }

    /// A bare error status with a JSON error body.
    pub fn status(status: u16) -> Self {
        Reply::Status {
            status,
            retry_after: None,
            body: format!(r#"{{"error":{{"message":"fake error {status}"}}}}"#),
        }
    }

    /// 429 with `Retry-After: <seconds>` (fractions allowed, e.g. `"0.2"`).
    pub fn rate_limited(retry_after: &str) -> Self {
        Reply::Status {
            status: 429,
            retry_after: Some(retry_after.to_string()),
            body: r#"{"error":{"message":"Rate limit reached"}}"#.to_string(),
        }
    }

    /// 200 with an HTML page.
    pub fn html(body: &str) -> Self {
        Reply::Html(body.to_string())
    }

    /// Answers `{"text": "slow"}` after `wait`.
    pub fn delay(wait: Duration) -> Self {
        Reply::Delayed(wait, Box::new(Reply::ok("slow")))
    }
}

/// One file part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFile {
    /// The form field name (`file`).
    pub field: String,
    /// The file name the client gave.
    pub file_name: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A request as the server saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// `POST`, …
    pub method: String,
    /// The path (`/v1/audio/transcriptions`).
    pub path: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The request's `Content-Type`.
    pub content_type: Option<String>,
    /// Text fields of a multipart form.
    pub fields: BTreeMap<String, String>,
    /// The file part of a multipart form.
    pub file: Option<ReceivedFile>,
}

#[derive(Debug, Default)]
struct Script {
    replies: VecDeque<Reply>,
    requests: Vec<ReceivedRequest>,
}

type Shared = Arc<Mutex<Script>>;

/// The fake server. With an empty script it answers `{"text": "fake transcript"}`.
#[derive(Debug)]
pub struct FakeOpenAi {
    server: ServerHandle,
    script: Shared,
}

impl FakeOpenAi {
    /// Starts a server on `127.0.0.1:0`.
    pub fn start() -> Self {
        let script = Shared::default();
        let router = axum::Router::new()
            .fallback(handle)
            .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(script.clone());
        Self {
            server: ServerHandle::start(router),
            script,
        }
    }

    /// `http://127.0.0.1:<port>/v1`, the base URL to configure a client with.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.origin())
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// Queues a reply for the next request that finds the queue at this point.
    pub fn push(&self, reply: Reply) -> &Self {
        self.script.lock().expect("script lock").replies.push_back(reply);
        self
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.script.lock().expect("script lock").requests.clone()
    }

    /// How many requests arrived.
    pub fn request_count(&self) -> usize {
        self.script.lock().expect("script lock").requests.len()
    }
}

async fn handle(State(script): State<Shared>, request: Request) -> Response {
    let received = read_request(request).await;
    let reply = {
        let mut script = script.lock().expect("script lock");
        script.requests.push(received);
        script.replies.pop_front()
    };
    play(reply.unwrap_or_else(|| Reply::ok("fake transcript"))).await
}

async fn read_request(request: Request) -> ReceivedRequest {
    let headers = request.headers();
    let header = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut received = ReceivedRequest {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        authorization: header(header::AUTHORIZATION),
        content_type: header(header::CONTENT_TYPE),
        ..Default::default()
    };
    let is_multipart = received
        .content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    if !is_multipart {
        return received;
    }
    let Ok(mut form) = Multipart::from_request(request, &()).await else {
        return received;
    };
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let Ok(bytes) = field.bytes().await else {
            break;
        };
        if file_name.is_some() {
            received.file = Some(ReceivedFile {
                field: name,
                file_name,
                content_type,
                bytes: bytes.to_vec(),
            });
        } else {
            received
                .fields
                .insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    received
}

async fn play(reply: Reply) -> Response {
    let mut reply = reply;
    while let Reply::Delayed(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    match reply {
        Reply::Text(text) => axum_json(StatusCode::OK, serde_json::json!({ "text": text })),
        Reply::Json(value) => axum_json(StatusCode::OK, value),
        Reply::Status {
            status,
            retry_after,
            body,
        } => {
            let status = StatusCode::from_u16(status).expect("valid status");
            let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
            if let Some(value) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, value.parse().expect("header value"));
            }
            response
        }
        Reply::Html(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
        Reply::DropConnection => {
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("fake server dropped the connection"))
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(broken),
            )
                .into_response()
        }
        Reply::Redirect(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Reply::Delayed(..) => unreachable!("delays are unwrapped above"),
    }
}

fn axum_json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}
