use std::path::PathBuf;
use std::time::Duration;

/// Why an engine call failed. Each variant is something the caller can act on or explain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The server could not be reached (connection refused, DNS, timeout).
    #[error("could not reach {url}: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// What happened.
        reason: String,
    },
    /// The API key is missing or was refused.
    #[error(
        "{service} refused the API key ({reason}); set it with `soundmind config` or the {env_var} variable"
    )]
    Auth {
        /// The service name.
        service: String,
        /// What the server said.
        reason: String,
        /// The environment variable that can hold the key.
        env_var: String,
    },
    /// Too many requests; try again later.
    #[error("{service} is rate-limiting requests{}", .retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The service name.
        service: String,
        /// How long the server asked us to wait.
        retry_after: Option<Duration>,
    },
    /// The server answered with an error status.
    #[error("{service} answered HTTP {status}: {body}")]
    Server {
        /// The service name.
        service: String,
        /// HTTP status.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// The server's answer could not be understood (HTML instead of JSON, a stream cut off mid-way).
    #[error("{service} sent an answer that could not be read: {reason}")]
    BadResponse {
        /// The service name.
        service: String,
        /// What was wrong.
        reason: String,
    },
    /// The model is not installed (locally, or on the server that should serve it).
    #[error("model {name} is not installed; {hint}")]
    ModelMissing {
        /// The model's catalogue name, path or server-side id.
        name: String,
        /// How to install it (`run \`soundmind models download x\``, `run \`ollama pull x\``).
        hint: String,
    },
    /// The model does not fit in the memory that is free now (checked before loading it).
    #[error(
        "{name} needs about {} MB of memory but only {} MB are free; close other programs or choose a smaller model",
        .needed / 1_000_000,
        .available / 1_000_000
    )]
    InsufficientMemory {
        /// The model.
        name: String,
        /// Bytes the model and its context need.
        needed: u64,
        /// Bytes free.
        available: u64,
    },
    /// The model file exists but is not a usable model.
    #[error("{path} is not a usable model: {reason}", path = .path.display())]
    InvalidModel {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A streamed answer stopped part-way, after some text was already delivered. Not retried: the caller has
    /// shown the partial text, and a retry would repeat it.
    #[error("{service}'s answer stopped mid-way: {reason}")]
    Interrupted {
        /// The service name.
        service: String,
        /// What happened.
        reason: String,
    },
    /// The audio could not be used.
    #[error("bad audio: {0}")]
    BadAudio(String),
    /// The prompt does not fit the model's context.
    #[error("the prompt needs {needed} tokens but the model's context holds {limit}")]
    ContextTooLong {
        /// Tokens needed.
        needed: usize,
        /// Context size.
        limit: usize,
    },
    /// Privacy mode refused a request that would leave this machine.
    #[error(
        "privacy mode is on: refused to contact {url} (only this machine's loopback addresses are allowed)"
    )]
    PrivacyBlocked {
        /// The refused URL.
        url: String,
    },
    /// Offline mode refused a request that would leave this machine (model downloads included).
    #[error("offline mode is on: refused to contact {url} (nothing may leave this machine)")]
    OfflineBlocked {
        /// The refused URL.
        url: String,
    },
    /// The call was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The engine failed internally.
    #[error("{0}")]
    Internal(String),
}

impl EngineError {
    /// A local model file that is not installed, with the command that installs it.
    pub fn model_missing(name: impl Into<String>) -> Self {
        let name = name.into();
        let hint = format!("run `soundmind models download {name}`");
        EngineError::ModelMissing { name, hint }
    }

    /// True for failures worth retrying after a pause (rate limits, 5xx, dropped connections).
    pub fn is_transient(&self) -> bool {
        match self {
            EngineError::Unreachable { .. } | EngineError::RateLimited { .. } => true,
            EngineError::Server { status, .. } => *status >= 500 || *status == 408,
            EngineError::BadResponse { .. } => true,
            _ => false,
        }
    }

    /// A short, content-free name for events and `pending_reason` (like HSJ's exception class names).
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::Unreachable { .. } => "Unreachable",
            EngineError::Auth { .. } => "AuthenticationError",
            EngineError::RateLimited { .. } => "RateLimitError",
            EngineError::Server { .. } => "InternalServerError",
            EngineError::BadResponse { .. } => "BadResponse",
            EngineError::ModelMissing { .. } => "ModelMissing",
            EngineError::InsufficientMemory { .. } => "InsufficientMemory",
            EngineError::Interrupted { .. } => "StreamInterrupted",
            EngineError::InvalidModel { .. } => "InvalidModel",
            EngineError::BadAudio(_) => "BadAudio",
            EngineError::ContextTooLong { .. } => "ContextTooLong",
            EngineError::PrivacyBlocked { .. } => "PrivacyBlocked",
            EngineError::OfflineBlocked { .. } => "OfflineBlocked",
            EngineError::Cancelled => "Cancelled",
            EngineError::Internal(_) => "EngineError",
        }
    }
}
