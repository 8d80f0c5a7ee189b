//! The one HTTP client: every engine and every model download sends its requests through [`Http`], which applies
//! the guard before any connection is made. The guard knows why each request is made ([`Purpose`]): privacy mode
//! keeps journal content on this machine but lets the model manager fetch hash-pinned model files; offline mode
//! lets nothing but loopback out.
//!
//! Planned lint (the workspace `clippy.toml` is not ours to edit yet; add it there):
//!
//! ```toml
//! disallowed-methods = [
//!   { path = "reqwest::blocking::Client::new", reason = "use soundmind_remote::Http: it applies the privacy guard" },
//!   { path = "reqwest::blocking::Client::builder", reason = "use soundmind_remote::Http: it applies the privacy guard" },
//!   { path = "reqwest::Client::new", reason = "use soundmind_remote::Http: it applies the privacy guard" },
//!   { path = "reqwest::Client::builder", reason = "use soundmind_remote::Http: it applies the privacy guard" },
//! ]
//! ```
//!
//! with an `#[allow(clippy::disallowed_methods)]` on [`build_client`] only. Until then the client is private to this
//! module and reachable only through [`Http`], and no other crate depends on `reqwest` directly.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::redirect;
use soundmind_engine::EngineError;

/// Multipart forms for [`HttpRequest::multipart`].
pub use reqwest::blocking::multipart;

/// The most redirects one request follows.
pub const MAX_REDIRECTS: usize = 5;

/// Why a request is made. The guard decides per purpose, so privacy mode can protect words without blocking the
/// downloads a private journal needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A request that carries journal content or is made on its behalf (audio, transcripts, prompts, summaries,
    /// and the probes of the engines that would receive them). Privacy mode keeps these on this machine.
    JournalContent,
    /// A model file from the catalogue: no journal data goes out, and the file is checked against a pinned hash.
    /// Only offline mode refuses these.
    ModelFile,
}

/// How the one HTTP client behaves. Build it once from the resolved config and share the [`Http`] it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPolicy {
    /// Privacy mode: refuse every [`Purpose::JournalContent`] URL that is not `http(s)://` to a loopback address
    /// (127.0.0.0/8, `::1`) or to exactly `localhost`. Checked before any connection, and again on every redirect.
    pub privacy: bool,
    /// Offline mode: the same refusal for every request, model files included.
    pub offline: bool,
    /// The longest wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// The stall timeout: the longest wait for the response headers once the request is sent, or for the next piece
    /// of the body. A download that receives nothing for this long fails (the stall watchdog).
    pub read_timeout: Duration,
    /// A deadline for a whole request, body included (`None`: no deadline, as for multi-gigabyte downloads). When set
    /// it replaces the stall timeout for that request (reqwest's blocking client has one timer per wait).
    pub total_timeout: Option<Duration>,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            privacy: false,
            offline: false,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            total_timeout: None,
            user_agent: concat!("soundmind/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// The shared HTTP client. Cheap to clone (one connection pool, one background I/O thread).
#[derive(Clone)]
pub struct Http {
    /// For [`Purpose::JournalContent`]: its redirects stay on loopback under privacy or offline mode.
    content: Client,
    /// For [`Purpose::ModelFile`]: its redirects stay on loopback under offline mode only (model hosts redirect
    /// to their CDNs).
    model_files: Client,
    policy: Arc<HttpPolicy>,
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// Builds the client. Fails only if the TLS backend cannot start.
    ///
    /// Build it (and drop its last clone) outside any async runtime — reqwest's blocking client panics when created
    /// or dropped on a tokio worker. The app builds one at start-up and hands clones to the engines, which run on
    /// their own threads.
    pub fn new(policy: HttpPolicy) -> Result<Self, EngineError> {
        let content = build_client(&policy, policy.loopback_only(Purpose::JournalContent))?;
        let model_files =
            if policy.loopback_only(Purpose::ModelFile) == policy.loopback_only(Purpose::JournalContent) {
                content.clone()
            } else {
                build_client(&policy, policy.loopback_only(Purpose::ModelFile))?
            };
        Ok(Self {
            content,
            model_files,
            policy: Arc::new(policy),
        })
    }

    /// The policy this client was built with.
    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    /// Parses `url` and applies the guard for journal content: what every engine request goes through before it
    /// is sent.
    pub fn check(&self, url: &str) -> Result<Url, EngineError> {
        self.check_for(Purpose::JournalContent, url)
    }

    /// Parses `url` and applies the guard for `purpose`.
    pub fn check_for(&self, purpose: Purpose, url: &str) -> Result<Url, EngineError> {
        let parsed = Url::parse(url)
            .map_err(|e| EngineError::Internal(format!("invalid URL {:?}: {e}", redact_str(url))))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(EngineError::Internal(format!(
                "unsupported URL scheme in {} (only http and https)",
                redact(&parsed)
            )));
        }
        if !is_loopback_url(&parsed) {
            if self.policy.offline {
                return Err(EngineError::OfflineBlocked { url: redact(&parsed) });
            }
            if self.policy.privacy && purpose == Purpose::JournalContent {
                return Err(EngineError::PrivacyBlocked { url: redact(&parsed) });
            }
        }
        Ok(parsed)
    }

    /// A GET request for journal content (an engine's request).
    pub fn get(&self, url: &str) -> HttpRequest {
        self.request(Purpose::JournalContent, url, |client, url| client.get(url))
    }

    /// A POST request for journal content (an engine's request).
    pub fn post(&self, url: &str) -> HttpRequest {
        self.request(Purpose::JournalContent, url, |client, url| client.post(url))
    }

    /// A GET request for a catalogue model file, which privacy mode allows (see [`Purpose::ModelFile`]).
    pub fn get_model_file(&self, url: &str) -> HttpRequest {
        self.request(Purpose::ModelFile, url, |client, url| client.get(url))
    }

    fn request(
        &self,
        purpose: Purpose,
        url: &str,
        make: impl FnOnce(&Client, Url) -> RequestBuilder,
    ) -> HttpRequest {
        match self.check_for(purpose, url) {
            Ok(parsed) => {
                let shown = redact(&parsed);
                let client = match purpose {
                    Purpose::JournalContent => &self.content,
                    Purpose::ModelFile => &self.model_files,
                };
                let mut builder = make(client, parsed);
                if let Some(total) = self.policy.total_timeout {
                    builder = builder.timeout(total);
                }
                HttpRequest {
                    url: shown,
                    builder: Ok(builder),
                }
            }
            Err(e) => HttpRequest {
                url: redact_str(url),
                builder: Err(e),
            },
        }
    }
}

/// A request being built. Errors (a refused URL) are kept until [`send`](Self::send), so no connection is ever made
/// for a refused URL.
#[derive(Debug)]
pub struct HttpRequest {
    url: String,
    builder: Result<RequestBuilder, EngineError>,
}

impl HttpRequest {
    fn map(mut self, f: impl FnOnce(RequestBuilder) -> RequestBuilder) -> Self {
        self.builder = self.builder.map(f);
        self
    }

    /// Adds a header.
    pub fn header(self, name: &str, value: &str) -> Self {
        self.map(|b| b.header(name, value))
    }

    /// Adds `Authorization: Bearer <token>` (marked sensitive: never logged, dropped on cross-host redirects).
    pub fn bearer_auth(self, token: &str) -> Self {
        self.map(|b| b.bearer_auth(token))
    }

    /// A JSON body.
    pub fn json(self, body: &serde_json::Value) -> Self {
        self.map(|b| b.json(body))
    }

    /// A multipart form body.
    pub fn multipart(self, form: multipart::Form) -> Self {
        self.map(|b| b.multipart(form))
    }

    /// Overrides the deadline for this whole request (see [`HttpPolicy::total_timeout`]).
    pub fn timeout(self, total: Duration) -> Self {
        self.map(|b| b.timeout(total))
    }

    /// The URL as shown in messages (no query string, no credentials).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends the request and waits for the response headers. Any status is `Ok`; map statuses with
    /// [`crate::check_status`].
    pub fn send(self) -> Result<HttpResponse, EngineError> {
        let builder = self.builder?;
        let inner = builder.send().map_err(|e| map_error(&self.url, e))?;
        Ok(HttpResponse { url: self.url, inner })
    }
}

/// A response whose headers have arrived; the body is read with [`text`](Self::text) or
/// [`read_chunk`](Self::read_chunk).
#[derive(Debug)]
pub struct HttpResponse {
    url: String,
    inner: Response,
}

impl HttpResponse {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.inner.status().as_u16()
    }

    /// A header as text, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The body length the server announced.
    pub fn content_length(&self) -> Option<u64> {
        self.inner.content_length()
    }

    /// The requested URL as shown in messages (no query string, no credentials).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Reads the whole body as text.
    pub fn text(self) -> Result<String, EngineError> {
        let url = self.url;
        self.inner.text().map_err(|e| map_error(&url, e))
    }

    /// Reads the next piece of the body into `buf`; `Ok(0)` at the end. Fails with
    /// [`EngineError::Unreachable`] when nothing arrives within the stall timeout or the connection drops.
    pub fn read_chunk(&mut self, buf: &mut [u8]) -> Result<usize, EngineError> {
        use std::io::Read;
        loop {
            match self.inner.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(map_io_error(&self.url, e)),
            }
        }
    }
}

/// True when `url` stays on this machine: an IPv4 loopback literal (127.0.0.0/8), `::1`, or exactly `localhost`.
/// (The URL parser has already normalised hosts such as `0x7f.1` or `2130706433` to `127.0.0.1`.)
pub fn is_loopback_url(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

impl HttpPolicy {
    /// Whether requests for `purpose` may only go to this machine.
    pub fn loopback_only(&self, purpose: Purpose) -> bool {
        self.offline || (self.privacy && purpose == Purpose::JournalContent)
    }
}

/// The only place a reqwest client is built (see the module docs for the lint that will enforce it).
/// `loopback_only`: redirects away from this machine are refused, and neither a proxy nor DNS is used.
fn build_client(policy: &HttpPolicy, loopback_only: bool) -> Result<Client, EngineError> {
    let offline = policy.offline;
    let redirects = redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(TooManyRedirects);
        }
        if loopback_only && !is_loopback_url(attempt.url()) {
            let url = redact(attempt.url());
            return attempt.error(RedirectBlocked { url, offline });
        }
        attempt.follow()
    });
    let mut builder = Client::builder()
        .user_agent(policy.user_agent.clone())
        .connect_timeout(policy.connect_timeout)
        .timeout(policy.read_timeout)
        .redirect(redirects);
    if loopback_only {
        // No proxy (it would be a non-loopback hop) and no DNS: `localhost` means this machine, whatever the
        // resolver says. Port 0 keeps the URL's own port.
        builder = builder.no_proxy().resolve_to_addrs(
            "localhost",
            &[
                SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
            ],
        );
    }
    builder
        .build()
        .map_err(|e| EngineError::Internal(format!("could not start the HTTP client: {}", chain(&e))))
}

#[derive(Debug)]
struct RedirectBlocked {
    url: String,
    offline: bool,
}

impl fmt::Display for RedirectBlocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.offline { "offline" } else { "privacy" };
        write!(f, "{mode} mode refused a redirect to {}", self.url)
    }
}

impl StdError for RedirectBlocked {}

#[derive(Debug)]
struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {MAX_REDIRECTS} redirects")
    }
}

impl StdError for TooManyRedirects {}

/// Maps a reqwest error to what the caller can act on. Messages never carry the query string or headers, so API
/// keys cannot leak into them.
fn map_error(url: &str, err: reqwest::Error) -> EngineError {
    if let Some(blocked) = find_source::<RedirectBlocked>(&err) {
        let url = blocked.url.clone();
        return if blocked.offline {
            EngineError::OfflineBlocked { url }
        } else {
            EngineError::PrivacyBlocked { url }
        };
    }
    if find_source::<TooManyRedirects>(&err).is_some() {
        return EngineError::Internal(format!("{url} redirected more than {MAX_REDIRECTS} times"));
    }
    let err = err.without_url();
    if err.is_builder() {
        return EngineError::Internal(format!("could not build the request to {url}: {}", chain(&err)));
    }
    let reason = if err.is_timeout() {
        "timed out waiting for the server".to_string()
    } else if err.is_connect() {
        format!("connection failed: {}", chain(&err))
    } else {
        chain(&err)
    };
    EngineError::Unreachable {
        url: url.to_string(),
        reason,
    }
}

fn map_io_error(url: &str, err: std::io::Error) -> EngineError {
    let timed_out = err.kind() == std::io::ErrorKind::TimedOut
        || err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout);
    let reason = if timed_out {
        "stalled: no data from the server within the read timeout".to_string()
    } else {
        format!("connection lost while reading the answer: {}", chain(&err))
    };
    EngineError::Unreachable {
        url: url.to_string(),
        reason,
    }
}

fn find_source<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// `a: b: c` from an error and its sources, without repeats.
fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// The URL without credentials, query or fragment: safe to show.
fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

fn redact_str(url: &str) -> String {
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    url[..cut].to_string()
}
