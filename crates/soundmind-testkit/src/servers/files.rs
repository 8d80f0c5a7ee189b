//! A static file server with `Range` support and scripted failures (a cut connection, a stall, an error status),
//! for testing downloads against real HTTP.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ServerHandle;

/// How the server answers one request for a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serve {
    /// The file, honouring `Range: bytes=N-` / `bytes=N-M` with 206.
    Normal,
    /// Like [`Normal`](Self::Normal), but the connection is closed after this many body bytes have been flushed
    /// (the announced `Content-Length` stays the full length).
    CutAfter(u64),
    /// Sends this many body bytes, then goes silent for the duration, then drops the connection.
    StallAfter(u64, Duration),
    /// Ignores `Range` and always sends the whole file with 200.
    IgnoreRange,
    /// This status with an empty body.
    Status(u16),
}

/// A request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRequest {
    /// The path.
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
}

#[derive(Debug, Default)]
struct Files {
    contents: HashMap<String, Arc<Vec<u8>>>,
    plans: HashMap<String, VecDeque<Serve>>,
    defaults: HashMap<String, Serve>,
    requests: Vec<FileRequest>,
}

type Shared = Arc<Mutex<Files>>;

/// The file server. Paths are absolute (`/models/ggml-tiny.bin`); unknown paths get 404.
#[derive(Debug)]
pub struct FileServer {
    server: ServerHandle,
    files: Shared,
}

/// Bytes per body chunk.
const CHUNK: usize = 64 * 1024;

impl FileServer {
    /// Starts a server on `127.0.0.1:0`.
    pub fn start() -> Self {
        let files = Shared::default();
        let router = axum::Router::new().fallback(handle).with_state(files.clone());
        Self {
            server: ServerHandle::start(router),
            files,
        }
    }

    /// Serves `bytes` at `path`.
    pub fn add(&self, path: &str, bytes: Vec<u8>) -> &Self {
        self.lock().contents.insert(path.to_string(), Arc::new(bytes));
        self
    }

    /// Serves the contents of `file` (read now) at `path`.
    pub fn add_file(&self, path: &str, file: &Path) -> std::io::Result<&Self> {
        let bytes = std::fs::read(file)?;
        Ok(self.add(path, bytes))
    }

    /// The next request for `path` is answered this way (plans queue up; then the default applies).
    pub fn plan(&self, path: &str, serve: Serve) -> &Self {
        self.lock()
            .plans
            .entry(path.to_string())
            .or_default()
            .push_back(serve);
        self
    }

    /// Every request for `path` without a plan is answered this way (initially [`Serve::Normal`]).
    pub fn set_default(&self, path: &str, serve: Serve) -> &Self {
        self.lock().defaults.insert(path.to_string(), serve);
        self
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.origin())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<FileRequest> {
        self.lock().requests.clone()
    }

    /// The requests for `path`.
    pub fn requests_for(&self, path: &str) -> Vec<FileRequest> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Files> {
        self.files.lock().expect("file server lock")
    }
}

async fn handle(State(files): State<Shared>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (content, serve) = {
        let mut files = files.lock().expect("file server lock");
        files.requests.push(FileRequest {
            path: path.clone(),
            range: range.clone(),
        });
        let planned = files.plans.get_mut(&path).and_then(VecDeque::pop_front);
        let serve = planned
            .or_else(|| files.defaults.get(&path).cloned())
            .unwrap_or(Serve::Normal);
        (files.contents.get(&path).cloned(), serve)
    };
    let Some(content) = content else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Serve::Status(status) = serve {
        return StatusCode::from_u16(status)
            .expect("valid status")
            .into_response();
    }
    let len = content.len() as u64;
    let requested = match serve {
        Serve::IgnoreRange => None,
        _ => range.as_deref().and_then(parse_range),
    };
    let (status, start, end) = match requested {
        None => (StatusCode::OK, 0, len),
        Some((from, _)) if from >= len => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{len}"))],
            )
                .into_response();
        }
        Some((from, to)) => (
            StatusCode::PARTIAL_CONTENT,
            from,
            to.map_or(len, |t| (t + 1).min(len)),
        ),
    };
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, end - start)
        .header(header::ACCEPT_RANGES, "bytes");
    if status == StatusCode::PARTIAL_CONTENT {
        response = response.header(header::CONTENT_RANGE, format!("bytes {start}-{}/{len}", end - 1));
    }
    response
        .body(Body::from_stream(body_stream(content, start, end, serve)))
        .expect("response")
}

/// `bytes=N-` or `bytes=N-M` → `(N, Some(M))`; other forms (suffixes, several ranges) are ignored.
fn parse_range(value: &str) -> Option<(u64, Option<u64>)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    let (from, to) = spec.split_once('-')?;
    let from = from.trim().parse().ok()?;
    let to = to.trim();
    if to.is_empty() {
        Some((from, None))
    } else {
        let to: u64 = to.parse().ok()?;
        (to >= from).then_some((from, Some(to)))
    }
}

struct Sending {
    content: Arc<Vec<u8>>,
    pos: u64,
    end: u64,
    sent: u64,
    serve: Serve,
    finished: bool,
}

fn body_stream(
    content: Arc<Vec<u8>>,
    start: u64,
    end: u64,
    serve: Serve,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let state = Sending {
        content,
        pos: start,
        end,
        sent: 0,
        serve,
        finished: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if st.finished || st.pos >= st.end {
            return None;
        }
        let limit = match st.serve {
            Serve::CutAfter(n) | Serve::StallAfter(n, _) => Some(n),
            _ => None,
        };
        if let Some(limit) = limit.filter(|l| st.sent >= *l) {
            // Give hyper time to flush what was sent, so the client really receives exactly `limit` bytes before the
            // connection drops (an aborted body discards hyper's unsent buffer).
            let wait = match st.serve {
                Serve::StallAfter(_, wait) => wait,
                _ => Duration::from_millis(100),
            };
            tokio::time::sleep(wait).await;
            st.finished = true;
            let why = format!("file server closed the connection after {limit} bytes");
            return Some((Err(std::io::Error::other(why)), st));
        }
        let mut take = (st.end - st.pos).min(CHUNK as u64);
        if let Some(limit) = limit {
            take = take.min(limit - st.sent);
        }
        let from = st.pos as usize;
        let bytes = Bytes::copy_from_slice(&st.content[from..from + take as usize]);
        st.pos += take;
        st.sent += take;
        Some((Ok(bytes), st))
    })
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=100-"), Some((100, None)));
        assert_eq!(parse_range("bytes=0-9"), Some((0, Some(9))));
        assert_eq!(parse_range("bytes=-500"), None);
        assert_eq!(parse_range("items=1-2"), None);
    }
}
