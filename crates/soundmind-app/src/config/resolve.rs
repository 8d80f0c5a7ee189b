//! Layering: defaults → file → environment → flags, one setting at a time.

use std::path::{Path, PathBuf};

use super::env::{first_set, locale_region};
use super::file::{self, RawFile};
use super::keys::{default, key};
use super::value::Value;
use super::{Config, ConfigError, ConfigInputs, Source, Sourced, project_dirs};

/// Accepted values of `stt.formatting`.
const STT_FORMATTINGS: [&str; 4] = ["sentences", "raw", "plain", "none"];

/// Everything one resolution needs to look at.
struct Layers<'a> {
    inputs: &'a ConfigInputs,
    /// The config file's absolute path, when one was read.
    file_path: Option<PathBuf>,
    home: Option<PathBuf>,
}

impl Layers<'_> {
    /// The winning layer for one setting (flag → env → file), or `None` when none sets it.
    fn pick<T: Value>(
        &self,
        key: &'static str,
        flag: Option<(T, &'static str)>,
        env: &[&'static str],
        file: Option<T>,
    ) -> Result<Option<Sourced<T>>, ConfigError> {
        let picked = if let Some((value, name)) = flag {
            Sourced::new(value, Source::Flag(name))
        } else if let Some((name, raw)) = first_set(&self.inputs.env, env) {
            let value = T::parse(raw).map_err(|reason| invalid(key, raw, &Source::Env(name), reason))?;
            Sourced::new(value, Source::Env(name))
        } else if let (Some(value), Some(path)) = (file, &self.file_path) {
            Sourced::new(value, Source::File(path.clone()))
        } else {
            return Ok(None);
        };
        picked
            .value
            .check()
            .map_err(|reason| invalid(key, &picked.value.show(), &picked.source, reason))?;
        Ok(Some(picked))
    }

    /// [`Self::pick`], falling back to the built-in `default`.
    fn get<T: Value>(
        &self,
        key: &'static str,
        flag: Option<(T, &'static str)>,
        env: &[&'static str],
        file: Option<T>,
        default: impl FnOnce() -> T,
    ) -> Result<Sourced<T>, ConfigError> {
        Ok(self
            .pick(key, flag, env, file)?
            .unwrap_or_else(|| Sourced::new(default(), Source::Default)))
    }

    /// A path setting: `~/` expands to home; relative paths from the file resolve against the
    /// file's directory, those from env and flags against the working directory.
    fn path(
        &self,
        key: &'static str,
        flag: Option<(PathBuf, &'static str)>,
        env: &[&'static str],
        file: Option<PathBuf>,
        default: impl FnOnce() -> PathBuf,
    ) -> Result<Sourced<PathBuf>, ConfigError> {
        let mut s = self.get(key, flag, env, file, default)?;
        if let Some(home) = &self.home
            && let Ok(rest) = s.value.strip_prefix("~")
        {
            s.value = if rest.as_os_str().is_empty() {
                home.clone()
            } else {
                home.join(rest)
            };
        }
        let base = match &s.source {
            Source::File(path) => path.parent().unwrap_or(Path::new("")).to_path_buf(),
            _ => self.inputs.cwd.clone(),
        };
        s.value = absolute(&s.value, &base);
        Ok(s)
    }
}

fn invalid(key: &str, value: &str, source: &Source, reason: String) -> ConfigError {
    ConfigError::InvalidValue {
        key: key.to_owned(),
        value: value.to_owned(),
        source_display: source.to_string(),
        reason,
    }
}

fn absolute(path: &Path, base: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// A flag value, unless absent or an empty string.
fn flag_str(value: &Option<String>, name: &'static str) -> Option<(String, &'static str)> {
    value
        .as_ref()
        .filter(|v| !v.trim().is_empty())
        .map(|v| (v.trim().to_owned(), name))
}

/// The home directory for `~/` expansion: `HOME`/`USERPROFILE` from the inputs, else the OS's.
fn home_dir(inputs: &ConfigInputs) -> Option<PathBuf> {
    first_set(&inputs.env, &["HOME", "USERPROFILE"])
        .map(|(_, home)| PathBuf::from(home))
        .or_else(|| directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()))
}

/// Resolves the configuration from `inputs`: built-in defaults, overridden by the config file
/// (if it exists), the environment, then flags.
pub fn resolve(inputs: &ConfigInputs) -> Result<Config, ConfigError> {
    let cwd = &inputs.cwd;
    let (file_path, raw) = match &inputs.config_file {
        Some(path) => {
            let path = absolute(path, cwd);
            match file::load(&path)? {
                Some(raw) => (Some(path), raw),
                None => (None, RawFile::default()),
            }
        }
        None => (None, RawFile::default()),
    };
    let layers = Layers {
        inputs,
        file_path,
        home: home_dir(inputs),
    };
    let flags = &inputs.flags;
    let dirs = project_dirs();
    let RawFile {
        journal,
        llm,
        stt,
        privacy,
        voice,
        recording,
        web,
        models,
        cache,
    } = raw;
    let s = String::from;

    let sessions_dir = layers.path(
        key::SESSIONS_DIR,
        flags
            .sessions_dir
            .clone()
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| (p, "--sessions-dir")),
        &["SOUNDMIND_SESSIONS_DIR", "SESSIONS_DIR", "RECORDINGS_DIR"],
        journal.sessions_dir,
        || {
            let local = cwd.join("sessions");
            match &dirs {
                Some(dirs) if !local.is_dir() => dirs.data_dir().join("sessions"),
                _ => local,
            }
        },
    )?;

    let country = match layers.pick(
        key::COUNTRY,
        flag_str(&flags.country, "--country").map(|(v, f)| (Some(v), f)),
        &["SOUNDMIND_COUNTRY"],
        journal.country.map(Some),
    )? {
        Some(mut c) => {
            let code = c.value.as_deref().unwrap_or("").trim().to_ascii_uppercase();
            if code.len() != 2 || !code.chars().all(|ch| ch.is_ascii_alphabetic()) {
                let reason = "expected a two-letter ISO 3166 country code such as GB".to_owned();
                return Err(invalid(key::COUNTRY, &c.value.show(), &c.source, reason));
            }
            c.value = Some(code);
            c
        }
        None => match locale_region(&inputs.env) {
            Some((var, region)) => Sourced::new(Some(region), Source::Env(var)),
            None => Sourced::new(None, Source::Default),
        },
    };

    let mut stt_formatting = layers.get(
        key::STT_FORMATTING,
        None,
        &["STT_FORMATTING"],
        stt.formatting,
        || s(default::STT_FORMATTING),
    )?;
    stt_formatting.value = stt_formatting.value.trim().to_ascii_lowercase();
    if !STT_FORMATTINGS.contains(&stt_formatting.value.as_str()) {
        let reason = format!("expected one of {}", STT_FORMATTINGS.join(", "));
        return Err(invalid(
            key::STT_FORMATTING,
            &stt_formatting.value,
            &stt_formatting.source,
            reason,
        ));
    }

    Ok(Config {
        sessions_dir,
        language: layers.get(
            key::LANGUAGE,
            flag_str(&flags.language, "--language"),
            &["SOUNDMIND_LANGUAGE"],
            journal.language,
            || s(default::LANGUAGE),
        )?,
        country,
        llm_model: layers.get(
            key::LLM_MODEL,
            flag_str(&flags.llm_model, "--llm-model"),
            &["LLM_MODEL"],
            llm.model,
            || s(default::LLM_MODEL),
        )?,
        ollama_base_url: layers.get(
            key::OLLAMA_BASE_URL,
            None,
            &["OLLAMA_BASE_URL"],
            llm.ollama_base_url,
            || s(default::OLLAMA_BASE_URL),
        )?,
        ollama_timeout_seconds: layers.get(
            key::OLLAMA_TIMEOUT_SECONDS,
            None,
            &["OLLAMA_TIMEOUT_SECONDS"],
            llm.ollama_timeout_seconds,
            || default::OLLAMA_TIMEOUT_SECONDS,
        )?,
        ollama_num_ctx: layers.get(
            key::OLLAMA_NUM_CTX,
            None,
            &["OLLAMA_NUM_CTX"],
            llm.ollama_num_ctx,
            || default::OLLAMA_NUM_CTX,
        )?,
        llm_local_context: layers.get(
            key::LOCAL_CONTEXT,
            None,
            &["LLM_LOCAL_CONTEXT"],
            llm.local_context,
            || default::LOCAL_CONTEXT,
        )?,
        llm_local_threads: layers.get(
            key::LOCAL_THREADS,
            None,
            &["LLM_LOCAL_THREADS"],
            llm.local_threads,
            || default::LOCAL_THREADS,
        )?,
        llm_local_gpu_layers: layers.get(
            key::LOCAL_GPU_LAYERS,
            None,
            &["LLM_LOCAL_GPU_LAYERS"],
            llm.local_gpu_layers,
            || default::LOCAL_GPU_LAYERS,
        )?,
        openai_base_url: layers.get(
            key::OPENAI_BASE_URL,
            None,
            &["OPENAI_BASE_URL"],
            llm.openai_base_url,
            || s(default::OPENAI_BASE_URL),
        )?,
        anthropic_base_url: layers.get(
            key::ANTHROPIC_BASE_URL,
            None,
            &["ANTHROPIC_BASE_URL"],
            llm.anthropic_base_url,
            || s(default::ANTHROPIC_BASE_URL),
        )?,
        stt_backend: layers.get(
            key::STT_BACKEND,
            flag_str(&flags.stt_backend, "--stt-backend"),
            &["STT_BACKEND"],
            stt.backend,
            || s(default::STT_BACKEND),
        )?,
        stt_model: layers.get(
            key::STT_MODEL,
            flag_str(&flags.stt_model, "--stt-model"),
            &["STT_MODEL"],
            stt.model,
            || s(default::STT_MODEL),
        )?,
        stt_compute: layers.get(key::STT_COMPUTE, None, &["STT_COMPUTE"], stt.compute, || {
            s(default::STT_COMPUTE)
        })?,
        stt_formatting,
        privacy: layers.get(
            key::PRIVACY,
            flags.privacy.map(|p| (p, "--privacy")),
            &["SOUNDMIND_PRIVACY", "LLM_CLOUD_OFF"],
            privacy.enabled,
            || default::PRIVACY,
        )?,
        offline: layers.get(
            key::OFFLINE,
            flags.offline.map(|o| (o, "--offline")),
            &["SOUNDMIND_OFFLINE"],
            privacy.offline,
            || default::OFFLINE,
        )?,
        speak: layers.get(key::SPEAK, None, &["SPEAK_LLM"], voice.speak, || default::SPEAK)?,
        tts_model: layers.get(key::TTS_MODEL, None, &["TTS_MODEL"], voice.tts_model, || {
            s(default::TTS_MODEL)
        })?,
        tts_voice: layers.get(key::TTS_VOICE, None, &["TTS_VOICE"], voice.tts_voice, || {
            s(default::TTS_VOICE)
        })?,
        tts_format: layers.get(key::TTS_FORMAT, None, &["TTS_FORMAT"], voice.tts_format, || {
            s(default::TTS_FORMAT)
        })?,
        quit_discard_seconds: layers.get(
            key::QUIT_DISCARD_SECONDS,
            None,
            &["QUIT_DISCARD_DURATION_SECONDS"],
            recording.quit_discard_seconds,
            || default::QUIT_DISCARD_SECONDS,
        )?,
        web_upload_max_bytes: layers.get(
            key::UPLOAD_MAX_BYTES,
            None,
            &["WEB_UPLOAD_MAX_BYTES"],
            web.upload_max_bytes,
            || default::UPLOAD_MAX_BYTES,
        )?,
        models_dir: layers.path(
            key::MODELS_DIR,
            None,
            &["SOUNDMIND_MODELS_DIR"],
            models.dir,
            || match &dirs {
                Some(dirs) => dirs.data_dir().join("models"),
                None => cwd.join(".soundmind").join("models"),
            },
        )?,
        cache_dir: layers.path(
            key::CACHE_DIR,
            None,
            &["SOUNDMIND_CACHE_DIR"],
            cache.dir,
            || match &dirs {
                Some(dirs) => dirs.cache_dir().to_path_buf(),
                None => std::env::temp_dir().join("soundmind"),
            },
        )?,
    })
}
