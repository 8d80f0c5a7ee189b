//! Resolution tests. They never read the real process environment: every test builds its own
//! `ConfigInputs` around a temporary directory.

use std::collections::HashMap;
use std::path::PathBuf;

mod errors;
mod example;

use super::keys::default;
use super::*;

pub(super) struct Case {
    pub(super) dir: tempfile::TempDir,
    pub(super) inputs: ConfigInputs,
}

impl Case {
    pub(super) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let inputs = ConfigInputs {
            env: HashMap::new(),
            config_file: None,
            flags: FlagOverrides::default(),
            cwd: dir.path().to_path_buf(),
        };
        Case { dir, inputs }
    }

    pub(super) fn env(mut self, name: &str, value: &str) -> Self {
        self.inputs.env.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Writes `text` as `conf/config.toml` and points the inputs at it.
    pub(super) fn file(mut self, text: &str) -> Self {
        let path = self.dir.path().join("conf").join("config.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        self.inputs.config_file = Some(path);
        self
    }

    pub(super) fn file_path(&self) -> PathBuf {
        self.inputs.config_file.clone().unwrap()
    }

    pub(super) fn resolve(&self) -> Config {
        resolve(&self.inputs).unwrap()
    }

    pub(super) fn error(&self) -> ConfigError {
        resolve(&self.inputs).unwrap_err()
    }
}

pub(super) fn row(config: &Config, key: &str) -> ConfigRow {
    config.rows().into_iter().find(|r| r.key == key).unwrap()
}

#[test]
fn defaults_with_empty_env_and_no_file() {
    let case = Case::new();
    let c = case.resolve();
    let data = project_dirs().map(|d| d.data_dir().to_path_buf());
    if let Some(data) = &data {
        assert_eq!(c.sessions_dir.value, data.join("sessions"));
        assert_eq!(c.models_dir.value, data.join("models"));
    }
    assert_eq!(c.sessions_dir.source, Source::Default);
    assert_eq!(c.language, Sourced::new("en".to_owned(), Source::Default));
    assert_eq!(c.country, Sourced::new(None, Source::Default));
    assert_eq!(c.llm_model.value, default::LLM_MODEL);
    assert_eq!(c.ollama_base_url.value, "http://localhost:11434");
    assert_eq!(c.ollama_timeout_seconds.value, 30.0);
    assert_eq!(c.ollama_num_ctx.value, 8192);
    assert_eq!(
        (
            c.llm_local_context.value,
            c.llm_local_threads.value,
            c.llm_local_gpu_layers.value
        ),
        (4096, 0, -1)
    );
    assert_eq!(c.openai_base_url.value, "https://api.openai.com/v1");
    assert_eq!(c.anthropic_base_url.value, "https://api.anthropic.com");
    assert_eq!(
        (c.stt_backend.value.as_str(), c.stt_model.value.as_str()),
        ("local", "default")
    );
    assert_eq!(
        (c.stt_compute.value.as_str(), c.stt_formatting.value.as_str()),
        ("auto", "sentences")
    );
    assert!(c.privacy.value);
    assert!(!c.speak.value);
    assert_eq!(
        (c.tts_model.value.as_str(), c.tts_voice.value.as_str()),
        ("gpt-4o-mini-tts", "shimmer")
    );
    assert_eq!(c.tts_format.value, "wav");
    assert_eq!(c.quit_discard_seconds.value, 5.0);
    assert_eq!(c.web_upload_max_bytes.value, 50_000_000);
    assert!(c.rows().iter().all(|r| r.source == "default"), "{:#?}", c.rows());
}

#[test]
fn existing_cwd_sessions_dir_is_the_default() {
    let case = Case::new();
    std::fs::create_dir(case.dir.path().join("sessions")).unwrap();
    let c = case.resolve();
    assert_eq!(
        c.sessions_dir,
        Sourced::new(case.dir.path().join("sessions"), Source::Default)
    );
}

#[test]
fn missing_file_means_defaults_and_unreadable_file_errors() {
    let mut case = Case::new();
    case.inputs.config_file = Some(case.dir.path().join("nope.toml"));
    assert_eq!(case.resolve().llm_model.source, Source::Default);
    case.inputs.config_file = Some(case.dir.path().to_path_buf()); // a directory
    assert!(matches!(case.error(), ConfigError::ReadFile { .. }));
}

#[test]
fn file_overrides_default_and_relative_paths_use_its_dir() {
    let case = Case::new().file(
        "[journal]\nsessions_dir = \"journal\"\n[llm]\nmodel = \"ollama:qwen2.5:7b-instruct\"\n\
         ollama_timeout_seconds = 12\n[models]\ndir = \"/srv/models\"\n",
    );
    let c = case.resolve();
    let file = Source::File(case.file_path());
    assert_eq!(
        c.llm_model,
        Sourced::new("ollama:qwen2.5:7b-instruct".to_owned(), file.clone())
    );
    assert_eq!(
        c.sessions_dir,
        Sourced::new(case.dir.path().join("conf").join("journal"), file.clone())
    );
    assert_eq!(c.ollama_timeout_seconds, Sourced::new(12.0, file.clone()));
    assert_eq!(c.models_dir.value, PathBuf::from("/srv/models"));
    assert_eq!(c.language.source, Source::Default);
    let shown = row(&c, "llm.model");
    assert_eq!(shown.source, format!("file {}", case.file_path().display()));
}

#[test]
fn env_overrides_file_and_env_paths_use_cwd() {
    let case = Case::new()
        .file("[journal]\nlanguage = \"de\"\nsessions_dir = \"/from/file\"\n")
        .env("SOUNDMIND_LANGUAGE", "fr")
        .env("SESSIONS_DIR", "rel/journal");
    let c = case.resolve();
    assert_eq!(
        c.language,
        Sourced::new("fr".to_owned(), Source::Env("SOUNDMIND_LANGUAGE"))
    );
    assert_eq!(
        c.sessions_dir,
        Sourced::new(case.dir.path().join("rel/journal"), Source::Env("SESSIONS_DIR"))
    );
}

#[test]
fn hsj_environment_names_are_honoured() {
    let case = Case::new()
        .file("[privacy]\nenabled = false\n")
        .env("SESSIONS_DIR", "/a")
        .env("RECORDINGS_DIR", "/b")
        .env("LLM_MODEL", "anthropic:claude-sonnet-4:20250514:thinking")
        .env("STT_BACKEND", "local-whispercpp")
        .env("OLLAMA_BASE_URL", "http://gpu-box:11434")
        .env("LLM_CLOUD_OFF", "1");
    let c = case.resolve();
    assert_eq!(
        c.sessions_dir,
        Sourced::new(PathBuf::from("/a"), Source::Env("SESSIONS_DIR"))
    );
    assert_eq!(c.llm_model.value, "anthropic:claude-sonnet-4:20250514:thinking");
    assert_eq!(
        c.stt_backend,
        Sourced::new("local-whispercpp".to_owned(), Source::Env("STT_BACKEND"))
    );
    assert_eq!(c.ollama_base_url.value, "http://gpu-box:11434");
    assert_eq!(c.privacy, Sourced::new(true, Source::Env("LLM_CLOUD_OFF")));

    // RECORDINGS_DIR is the lowest-priority name; an empty SESSIONS_DIR counts as unset.
    let c = Case::new()
        .env("SESSIONS_DIR", "")
        .env("RECORDINGS_DIR", "/b")
        .resolve();
    assert_eq!(
        c.sessions_dir,
        Sourced::new(PathBuf::from("/b"), Source::Env("RECORDINGS_DIR"))
    );
    let c = Case::new()
        .env("SESSIONS_DIR", "/a")
        .env("SOUNDMIND_SESSIONS_DIR", "/s")
        .resolve();
    assert_eq!(c.sessions_dir.source, Source::Env("SOUNDMIND_SESSIONS_DIR"));
    let c = Case::new().env("LLM_CLOUD_OFF", "no").resolve();
    assert_eq!(c.privacy, Sourced::new(false, Source::Env("LLM_CLOUD_OFF")));
    let c = Case::new()
        .env("LLM_CLOUD_OFF", "0")
        .env("SOUNDMIND_PRIVACY", "ON")
        .resolve();
    assert_eq!(c.privacy, Sourced::new(true, Source::Env("SOUNDMIND_PRIVACY")));
}

#[test]
fn flags_override_env() {
    let mut case = Case::new()
        .env("SESSIONS_DIR", "/env")
        .env("LLM_MODEL", "ollama:x")
        .env("STT_BACKEND", "cloud-openai")
        .env("STT_MODEL", "whisper-1")
        .env("SOUNDMIND_LANGUAGE", "de")
        .env("LLM_CLOUD_OFF", "1")
        .env("SOUNDMIND_COUNTRY", "DE");
    case.inputs.flags = FlagOverrides {
        sessions_dir: Some(PathBuf::from("flagdir")),
        llm_model: Some("local:model.gguf".into()),
        stt_backend: Some("local".into()),
        stt_model: Some("small".into()),
        language: Some("es".into()),
        privacy: Some(false),
        offline: Some(true),
        country: Some("es".into()),
    };
    let c = case.resolve();
    assert_eq!(
        c.sessions_dir,
        Sourced::new(case.dir.path().join("flagdir"), Source::Flag("--sessions-dir"))
    );
    assert_eq!(
        c.llm_model,
        Sourced::new("local:model.gguf".to_owned(), Source::Flag("--llm-model"))
    );
    assert_eq!(c.stt_backend.source, Source::Flag("--stt-backend"));
    assert_eq!(c.stt_model.value, "small");
    assert_eq!(c.language.value, "es");
    assert_eq!(c.privacy, Sourced::new(false, Source::Flag("--privacy")));
    assert_eq!(c.offline, Sourced::new(true, Source::Flag("--offline")));
    assert_eq!(
        c.country,
        Sourced::new(Some("ES".to_owned()), Source::Flag("--country"))
    );
    assert_eq!(row(&c, "journal.sessions_dir").source, "flag --sessions-dir");
    assert_eq!(row(&c, "llm.model").source, "flag --llm-model");
}

#[test]
fn home_expansion_uses_inputs_home() {
    let case = Case::new()
        .env("HOME", "/home/ada")
        .env("SOUNDMIND_CACHE_DIR", "~/cache");
    let c = case.resolve();
    assert_eq!(
        c.cache_dir,
        Sourced::new(
            PathBuf::from("/home/ada/cache"),
            Source::Env("SOUNDMIND_CACHE_DIR")
        )
    );
    let c = Case::new()
        .env("HOME", "/home/ada")
        .file("[models]\ndir = \"~/m\"\n")
        .resolve();
    assert_eq!(c.models_dir.value, PathBuf::from("/home/ada/m"));
}

#[test]
fn country_from_locale_env_or_file() {
    let c = Case::new().env("LANG", "de_AT.UTF-8").resolve();
    assert_eq!(
        c.country,
        Sourced::new(Some("AT".to_owned()), Source::Env("LANG"))
    );
    assert_eq!(row(&c, "journal.country").value, "AT");
    let c = Case::new().env("LANG", "C.UTF-8").resolve();
    assert_eq!(c.country.value, None);
    let c = Case::new()
        .env("LANG", "de_AT.UTF-8")
        .file("[journal]\ncountry = \"ie\"\n")
        .resolve();
    assert_eq!(c.country.value.as_deref(), Some("IE"));
    let err = Case::new().env("SOUNDMIND_COUNTRY", "Britain").error();
    assert!(err.to_string().contains("SOUNDMIND_COUNTRY"), "{err}");
}

#[test]
fn rows_have_one_row_per_setting_with_sources() {
    let case = Case::new()
        .file("[voice]\nspeak = true\n")
        .env("TTS_VOICE", "alloy");
    let c = case.resolve();
    let rows = c.rows();
    assert_eq!(rows.len(), 26);
    let mut keys: Vec<_> = rows.iter().map(|r| r.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), rows.len());
    assert_eq!(row(&c, "voice.speak").value, "true");
    assert_eq!(
        row(&c, "voice.speak").source,
        format!("file {}", case.file_path().display())
    );
    assert_eq!(row(&c, "voice.tts_voice").source, "env TTS_VOICE");
    assert_eq!(row(&c, "voice.tts_model").source, "default");
    assert_eq!(row(&c, "llm.ollama_timeout_seconds").value, "30.0");
    assert_eq!(row(&c, "journal.country").value, "(none)");
    assert!(rows.iter().all(|r| !r.key.starts_with("secrets.")));
}
