//! One resolved configuration, and where each value came from.
//!
//! Layers, lowest to highest priority: built-in defaults → TOML config file → environment →
//! command-line flags. What the user *gave* us ([`ConfigInputs`]: the environment, the config file
//! path, the parsed [`FlagOverrides`]) is kept apart from what we *resolved* ([`Config`]), in which
//! every setting is a [`Sourced`] value that remembers its [`Source`] for `config show`.
//!
//! Environment names are those of the Python app Healthyself Journal (HSJ) where it had one
//! (`SESSIONS_DIR`, `LLM_MODEL`, `STT_BACKEND`, `LLM_CLOUD_OFF`, ...), so an HSJ user's setup keeps
//! working. The config file is read by [`resolve`]; the settings a front end edits ([`Settings`]) are written
//! back by [`save_settings`], which edits the file in place and keeps the person's comments and other keys.
//!
//! API keys are not part of [`Config`]: they live in the environment or the OS keychain and are
//! read on demand through [`api_key`]; [`secret_rows`] reports only whether each is set.

mod env;
mod file;
mod keys;
mod resolve;
mod rows;
mod secrets;
mod settings;
#[cfg(test)]
mod tests;
mod value;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::PathBuf;

pub use resolve::resolve;
pub use secrets::{
    ApiKeyProvider, KeychainStatus, Secret, SecretsError, api_key, keychain_status, secret_rows,
    store_api_key,
};
pub use settings::{Settings, needs_setup, save_settings};

/// Environment variable naming the config file to read instead of the default location.
pub const CONFIG_ENV: &str = "SOUNDMIND_CONFIG";

/// The annotated example config file, every key commented out at its default.
pub const EXAMPLE_CONFIG: &str = include_str!("../../config.example.toml");

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Soundmind's built-in default.
    Default,
    /// The TOML config file at this path.
    File(PathBuf),
    /// The environment variable of this name.
    Env(&'static str),
    /// The command-line flag of this name, e.g. `--sessions-dir`.
    Flag(&'static str),
}

impl fmt::Display for Source {
    /// `default`, `file /path/config.toml`, `env SESSIONS_DIR` or `flag --sessions-dir`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A resolved value together with the layer that supplied it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    /// The value itself.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Sourced<T> {
    /// Wraps `value` as coming from `source`.
    pub fn new(value: T, source: Source) -> Self {
        Self { value, source }
    }
}

/// Values the CLI parsed from flags for this one run (never persisted). All optional; an empty
/// string counts as not given.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FlagOverrides {
    /// `--sessions-dir`: the journal directory.
    pub sessions_dir: Option<PathBuf>,
    /// `--llm-model`: the LLM spec string, e.g. `ollama:qwen2.5:7b-instruct`.
    pub llm_model: Option<String>,
    /// `--stt-backend`: the speech-to-text backend.
    pub stt_backend: Option<String>,
    /// `--stt-model`: the speech-to-text model.
    pub stt_model: Option<String>,
    /// `--language`: the journal language code.
    pub language: Option<String>,
    /// `--privacy`: keep journal content on this machine.
    pub privacy: Option<bool>,
    /// `--offline`: let nothing leave this machine, model downloads included.
    pub offline: Option<bool>,
    /// `--country`: ISO country code for crisis lines.
    pub country: Option<String>,
}

/// Where to look: the real process environment and OS directories in production, fixed values in
/// tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigInputs {
    /// Environment variables (`HOME`/`USERPROFILE` here, when present, is used to expand `~/`).
    pub env: HashMap<String, String>,
    /// The config file to read; `None`, or a path that does not exist, means no file.
    pub config_file: Option<PathBuf>,
    /// Flags given on the command line.
    pub flags: FlagOverrides,
    /// The working directory: relative paths from env and flags resolve against it.
    pub cwd: PathBuf,
}

impl ConfigInputs {
    /// The real inputs: the process environment (variables that are not valid UTF-8 are skipped),
    /// [`default_config_file`], the current directory, and `flags`.
    pub fn from_process(flags: FlagOverrides) -> Self {
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Self {
            env,
            config_file: default_config_file(),
            flags,
            cwd,
        }
    }
}

/// The config file to read: `$SOUNDMIND_CONFIG` if set, else `config.toml` in the OS config
/// directory (e.g. `~/.config/soundmind/config.toml` on Linux). `None` only when neither is known.
pub fn default_config_file() -> Option<PathBuf> {
    match std::env::var_os(CONFIG_ENV) {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => project_dirs().map(|dirs| dirs.config_dir().join("config.toml")),
    }
}

/// Soundmind's OS directories (data, cache, config).
pub(crate) fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "soundmind")
}

/// The fully resolved configuration: one [`Sourced`] value per setting. Field docs name the TOML
/// key, then the environment variables in priority order.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `journal.sessions_dir` / `SOUNDMIND_SESSIONS_DIR`, `SESSIONS_DIR`, `RECORDINGS_DIR` /
    /// `--sessions-dir`. Default: `./sessions` if it exists (HSJ's default), else the OS data dir.
    pub sessions_dir: Sourced<PathBuf>,
    /// `journal.language` / `SOUNDMIND_LANGUAGE` / `--language`. Default `en`.
    pub language: Sourced<String>,
    /// `journal.country` / `SOUNDMIND_COUNTRY` / `--country`: upper-case ISO 3166 alpha-2 code for
    /// crisis lines. Default: the region of the `LC_ALL`/`LANG` locale, else none.
    pub country: Sourced<Option<String>>,
    /// `llm.model` / `LLM_MODEL` / `--llm-model`: an HSJ-style spec string.
    pub llm_model: Sourced<String>,
    /// `llm.ollama_base_url` / `OLLAMA_BASE_URL`.
    pub ollama_base_url: Sourced<String>,
    /// `llm.ollama_timeout_seconds` / `OLLAMA_TIMEOUT_SECONDS`.
    pub ollama_timeout_seconds: Sourced<f64>,
    /// `llm.ollama_num_ctx` / `OLLAMA_NUM_CTX`.
    pub ollama_num_ctx: Sourced<u32>,
    /// `llm.local_context` / `LLM_LOCAL_CONTEXT`: context length for the local model.
    pub llm_local_context: Sourced<u32>,
    /// `llm.local_threads` / `LLM_LOCAL_THREADS`: 0 means automatic.
    pub llm_local_threads: Sourced<u32>,
    /// `llm.local_gpu_layers` / `LLM_LOCAL_GPU_LAYERS`: layers to offload (-1: all).
    pub llm_local_gpu_layers: Sourced<i32>,
    /// `llm.openai_base_url` / `OPENAI_BASE_URL`.
    pub openai_base_url: Sourced<String>,
    /// `llm.anthropic_base_url` / `ANTHROPIC_BASE_URL`.
    pub anthropic_base_url: Sourced<String>,
    /// `stt.backend` / `STT_BACKEND` / `--stt-backend`, stored as given (HSJ names accepted).
    pub stt_backend: Sourced<String>,
    /// `stt.model` / `STT_MODEL` / `--stt-model`.
    pub stt_model: Sourced<String>,
    /// `stt.compute` / `STT_COMPUTE`.
    pub stt_compute: Sourced<String>,
    /// `stt.formatting` / `STT_FORMATTING`: one of `sentences`, `raw`, `plain`, `none` (lower-cased).
    pub stt_formatting: Sourced<String>,
    /// `privacy.enabled` / `SOUNDMIND_PRIVACY`, `LLM_CLOUD_OFF` / `--privacy`. Default on: no journal content
    /// (audio, transcripts, prompts, summaries) leaves this machine; catalogue model files may still be downloaded.
    pub privacy: Sourced<bool>,
    /// `privacy.offline` / `SOUNDMIND_OFFLINE` / `--offline`. Default off: when on, no request leaves this machine,
    /// model downloads included.
    pub offline: Sourced<bool>,
    /// `voice.speak` / `SPEAK_LLM`: read the questions aloud.
    pub speak: Sourced<bool>,
    /// `voice.tts_model` / `TTS_MODEL`.
    pub tts_model: Sourced<String>,
    /// `voice.tts_voice` / `TTS_VOICE`.
    pub tts_voice: Sourced<String>,
    /// `voice.tts_format` / `TTS_FORMAT`.
    pub tts_format: Sourced<String>,
    /// `recording.quit_discard_seconds` / `QUIT_DISCARD_DURATION_SECONDS`: recordings shorter
    /// than this are discarded on quit.
    pub quit_discard_seconds: Sourced<f64>,
    /// `web.upload_max_bytes` / `WEB_UPLOAD_MAX_BYTES`.
    pub web_upload_max_bytes: Sourced<u64>,
    /// `models.dir` / `SOUNDMIND_MODELS_DIR`: downloaded model files.
    pub models_dir: Sourced<PathBuf>,
    /// `cache.dir` / `SOUNDMIND_CACHE_DIR`: rebuildable caches such as the search index.
    pub cache_dir: Sourced<PathBuf>,
}

/// One line of `config show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRow {
    /// The TOML dotted key, e.g. `journal.sessions_dir`.
    pub key: String,
    /// The value, formatted for display (never a secret).
    pub value: String,
    /// Where it came from: `default`, `file /path`, `env SESSIONS_DIR`, `flag --sessions-dir`, ...
    pub source: String,
}

/// Why the configuration could not be resolved.
#[non_exhaustive]
#[derive(thiserror::Error, Debug)]
pub enum ConfigError {
    /// The config file exists but could not be read.
    #[error("could not read config file {}: {source}", path.display())]
    ReadFile {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The config file is not valid TOML, or has an unknown key or a value of the wrong type.
    #[error("invalid config file {}: {message}", path.display())]
    ParseFile {
        /// The config file.
        path: PathBuf,
        /// The parser's message, including line and column.
        message: String,
    },
    /// A value was well-formed but not acceptable for its setting.
    #[error("invalid value {value:?} for {key} (from {source_display}): {reason}")]
    InvalidValue {
        /// The TOML dotted key of the setting.
        key: String,
        /// The offending value as given.
        value: String,
        /// Where it came from, e.g. `env OLLAMA_NUM_CTX`.
        source_display: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The config file could not be written.
    #[error("could not write config file {}: {source}", path.display())]
    WriteFile {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}
