//! The raw TOML config file: exactly what the user wrote, nothing resolved yet.
//!
//! Every field is optional (a missing key means "not set in the file"), and every struct denies
//! unknown fields so that a typo such as `sesions_dir` is an error naming the key rather than a
//! silently ignored setting.

use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ConfigError;

/// The whole config file, one struct per `[section]`.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawFile {
    pub(crate) journal: RawJournal,
    pub(crate) llm: RawLlm,
    pub(crate) stt: RawStt,
    pub(crate) privacy: RawPrivacy,
    pub(crate) voice: RawVoice,
    pub(crate) recording: RawRecording,
    pub(crate) web: RawWeb,
    pub(crate) models: RawDir,
    pub(crate) cache: RawDir,
}

/// `[journal]`
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawJournal {
    pub(crate) sessions_dir: Option<PathBuf>,
    pub(crate) language: Option<String>,
    pub(crate) country: Option<String>,
}

/// `[llm]`
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawLlm {
    pub(crate) model: Option<String>,
    pub(crate) ollama_base_url: Option<String>,
    pub(crate) ollama_timeout_seconds: Option<f64>,
    pub(crate) ollama_num_ctx: Option<u32>,
    pub(crate) local_context: Option<u32>,
    pub(crate) local_threads: Option<u32>,
    pub(crate) local_gpu_layers: Option<i32>,
    pub(crate) openai_base_url: Option<String>,
    pub(crate) anthropic_base_url: Option<String>,
}

/// `[stt]`
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawStt {
    pub(crate) backend: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) compute: Option<String>,
    pub(crate) formatting: Option<String>,
}

/// `[privacy]`
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawPrivacy {
    pub(crate) enabled: Option<bool>,
    pub(crate) offline: Option<bool>,
}

/// `[voice]`
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawVoice {
    pub(crate) speak: Option<bool>,
    pub(crate) tts_model: Option<String>,
    pub(crate) tts_voice: Option<String>,
    pub(crate) tts_format: Option<String>,
}

/// `[recording]`
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawRecording {
    pub(crate) quit_discard_seconds: Option<f64>,
}

/// `[web]`
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawWeb {
    pub(crate) upload_max_bytes: Option<u64>,
}

/// `[models]` and `[cache]`: a section holding just a directory.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawDir {
    pub(crate) dir: Option<PathBuf>,
}

/// Parses config-file text. `path` is only used to name the file in the error.
pub(crate) fn parse(text: &str, path: &Path) -> Result<RawFile, ConfigError> {
    toml::from_str(text).map_err(|err| ConfigError::ParseFile {
        path: path.to_path_buf(),
        // toml's Display carries "line N, column M", a snippet, and the message
        // (for unknown keys: "unknown field `x`, expected one of ...").
        message: err.to_string().trim_end().to_owned(),
    })
}

/// Reads and parses the config file at `path`. A file that does not exist is not an error: it
/// yields `Ok(None)` and the defaults apply.
pub(crate) fn load(path: &Path) -> Result<Option<RawFile>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path).map(Some),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::ReadFile {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_all_unset() {
        assert_eq!(parse("", Path::new("c.toml")).unwrap(), RawFile::default());
    }

    #[test]
    fn integer_is_accepted_for_float_keys() {
        let raw = parse("[llm]\nollama_timeout_seconds = 12\n", Path::new("c.toml")).unwrap();
        assert_eq!(raw.llm.ollama_timeout_seconds, Some(12.0));
    }

    #[test]
    fn unknown_section_is_rejected() {
        let err = parse("[jornal]\nlanguage = \"de\"\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("jornal"), "{err}");
    }

    #[test]
    fn missing_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(&dir.path().join("absent.toml")).unwrap().is_none());
    }
}
