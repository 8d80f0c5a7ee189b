//! What the settings page and the first-run setup may change, and how it is saved: into the TOML config file,
//! edited in place (the person's comments, order and other keys survive), checked before and after, written
//! atomically. API keys never go here; they go to the keychain (`secrets`).

use std::path::{Path, PathBuf};

use serde::Serialize;
use soundmind_engine::ModelSpec;
use toml_edit::{DocumentMut, Item, Table, value};

use super::keys::key;
use super::{Config, ConfigError, ConfigInputs, Source};

/// The settings a front end edits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// `journal.sessions_dir`: an absolute path.
    pub sessions_dir: PathBuf,
    /// `journal.language`: `auto`, or a code such as `en` or `pt-BR`.
    pub language: String,
    /// `journal.country`: two letters for help lines; `None` removes the key.
    pub country: Option<String>,
    /// `llm.model`: a model spec such as `local:qwen2.5-1.5b-instruct`.
    pub llm_model: String,
    /// `stt.backend`: `local` or `cloud-openai`.
    pub stt_backend: String,
    /// `stt.model`.
    pub stt_model: String,
    /// `privacy.enabled`.
    pub privacy: bool,
    /// `voice.speak`.
    pub speak: bool,
    /// `llm.openai_base_url`.
    pub openai_base_url: String,
    /// `llm.anthropic_base_url`.
    pub anthropic_base_url: String,
    /// `llm.ollama_base_url`.
    pub ollama_base_url: String,
}

impl Settings {
    /// The values in effect now.
    pub fn from_config(config: &Config) -> Self {
        Self {
            sessions_dir: config.sessions_dir.value.clone(),
            language: config.language.value.clone(),
            country: config.country.value.clone(),
            llm_model: config.llm_model.value.clone(),
            stt_backend: config.stt_backend.value.clone(),
            stt_model: config.stt_model.value.clone(),
            privacy: config.privacy.value,
            speak: config.speak.value,
            openai_base_url: config.openai_base_url.value.clone(),
            anthropic_base_url: config.anthropic_base_url.value.clone(),
            ollama_base_url: config.ollama_base_url.value.clone(),
        }
    }
}

/// First run: no config file yet, and no journal folder chosen by the environment or a flag.
pub fn needs_setup(inputs: &ConfigInputs) -> bool {
    let has_file = inputs.config_file.as_deref().is_some_and(Path::is_file);
    if has_file {
        return false;
    }
    super::resolve(inputs).map_or(true, |c| c.sessions_dir.source == Source::Default)
}

fn invalid(key: &str, value: &str, reason: &str) -> ConfigError {
    ConfigError::InvalidValue {
        key: key.to_string(),
        value: value.to_string(),
        source_display: "settings".to_string(),
        reason: reason.to_string(),
    }
}

fn check_url(key: &str, url: &str) -> Result<(), ConfigError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| invalid(key, url, "must start with http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.chars().any(char::is_whitespace) {
        return Err(invalid(key, url, "must name a host"));
    }
    Ok(())
}

/// Checks every value; the first bad one is the error.
fn validate(settings: &Settings) -> Result<(), ConfigError> {
    let dir = settings.sessions_dir.to_string_lossy();
    if !settings.sessions_dir.is_absolute() {
        return Err(invalid(key::SESSIONS_DIR, &dir, "must be an absolute path"));
    }
    let language = settings.language.as_str();
    let (code, region) = language.split_once('-').unwrap_or((language, ""));
    let code_ok = (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase());
    let region_ok =
        region.is_empty() || (region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic()));
    if language != "auto" && !(code_ok && region_ok) {
        return Err(invalid(
            key::LANGUAGE,
            language,
            "use `auto` or a code such as `en` or `pt-BR`",
        ));
    }
    if let Some(country) = &settings.country
        && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        return Err(invalid(
            key::COUNTRY,
            country,
            "use two letters, such as GB or DE",
        ));
    }
    ModelSpec::parse(&settings.llm_model)
        .map_err(|e| invalid(key::LLM_MODEL, &settings.llm_model, &e.to_string()))?;
    if !matches!(settings.stt_backend.as_str(), "local" | "cloud-openai") {
        return Err(invalid(
            key::STT_BACKEND,
            &settings.stt_backend,
            "use `local` or `cloud-openai`",
        ));
    }
    if settings.stt_model.trim().is_empty() {
        return Err(invalid(
            key::STT_MODEL,
            &settings.stt_model,
            "use `default`, a model name or a path",
        ));
    }
    check_url(key::OPENAI_BASE_URL, &settings.openai_base_url)?;
    check_url(key::ANTHROPIC_BASE_URL, &settings.anthropic_base_url)?;
    check_url(key::OLLAMA_BASE_URL, &settings.ollama_base_url)?;
    Ok(())
}

/// Saves `settings` into the config `file` (created with its folder when missing). Refuses invalid values with
/// the key named, and never writes a file the app could not read back; the file is untouched on any error.
pub fn save_settings(file: &Path, settings: &Settings) -> Result<(), ConfigError> {
    validate(settings)?;
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ConfigError::ReadFile {
                path: file.to_path_buf(),
                source,
            });
        }
    };
    let parse_error = |message: String| ConfigError::ParseFile {
        path: file.to_path_buf(),
        message,
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| parse_error(e.to_string()))?;
    let mut set = |dotted: &str, item: Item| {
        let (section, name) = dotted.split_once('.').expect("keys are section.name");
        let table = doc
            .entry(section)
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_mut();
        if let Some(table) = table {
            table.insert(name, item);
        }
    };
    set(
        key::SESSIONS_DIR,
        value(settings.sessions_dir.to_string_lossy().as_ref()),
    );
    set(key::LANGUAGE, value(&settings.language));
    set(key::LLM_MODEL, value(&settings.llm_model));
    set(key::OPENAI_BASE_URL, value(&settings.openai_base_url));
    set(key::ANTHROPIC_BASE_URL, value(&settings.anthropic_base_url));
    set(key::OLLAMA_BASE_URL, value(&settings.ollama_base_url));
    set(key::STT_BACKEND, value(&settings.stt_backend));
    set(key::STT_MODEL, value(&settings.stt_model));
    set(key::PRIVACY, value(settings.privacy));
    set(key::SPEAK, value(settings.speak));
    match &settings.country {
        Some(country) => set(key::COUNTRY, value(country.to_ascii_uppercase())),
        None => {
            if let Some(journal) = doc.get_mut("journal").and_then(Item::as_table_mut) {
                journal.remove("country");
            }
        }
    }
    let new_text = doc.to_string();
    // Whatever is written must load: the same reader as at start-up checks it first.
    super::file::parse(&new_text, file)?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|source| write_error(file, source))?;
    }
    soundmind_store::atomic::write_atomic(file, new_text.as_bytes())
        .map_err(|source| write_error(file, source))
}

fn write_error(file: &Path, source: std::io::Error) -> ConfigError {
    ConfigError::WriteFile {
        path: file.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn inputs(file: &Path) -> ConfigInputs {
        ConfigInputs {
            env: HashMap::new(),
            config_file: Some(file.to_path_buf()),
            flags: super::super::FlagOverrides::default(),
            cwd: file.parent().unwrap().to_path_buf(),
        }
    }

    fn sample(dir: &Path) -> Settings {
        Settings {
            sessions_dir: dir.join("journal"),
            language: "de".into(),
            country: Some("gb".into()),
            llm_model: "ollama:qwen2.5:7b-instruct".into(),
            stt_backend: "cloud-openai".into(),
            stt_model: "gpt-4o-transcribe".into(),
            privacy: false,
            speak: true,
            openai_base_url: "http://127.0.0.1:9/v1".into(),
            anthropic_base_url: "https://api.anthropic.com".into(),
            ollama_base_url: "http://localhost:11434".into(),
        }
    }

    #[test]
    fn saved_settings_are_what_the_config_resolves_and_comments_survive() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("soundmind").join("config.toml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "# mine\n[llm]\n# bigger context\nlocal_context = 8192\n").unwrap();
        let settings = sample(dir.path());
        save_settings(&file, &settings).unwrap();
        let config = super::super::resolve(&inputs(&file)).unwrap();
        let mut expected = settings.clone();
        expected.country = Some("GB".into());
        assert_eq!(Settings::from_config(&config), expected);
        assert_eq!(config.llm_local_context.value, 8192);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("# mine\n"), "{text}");
        assert!(text.contains("# bigger context"), "{text}");

        let mut without = expected;
        without.country = None;
        save_settings(&file, &without).unwrap();
        assert!(!std::fs::read_to_string(&file).unwrap().contains("country"));
    }

    #[test]
    fn invalid_values_name_the_key_and_leave_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "[journal]\nlanguage = \"en\"\n").unwrap();
        type Change = Box<dyn Fn(&mut Settings)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "journal.sessions_dir",
                Box::new(|s| s.sessions_dir = "relative/dir".into()),
            ),
            ("journal.language", Box::new(|s| s.language = "English!".into())),
            ("journal.country", Box::new(|s| s.country = Some("GBR".into()))),
            ("llm.model", Box::new(|s| s.llm_model = "nonsense:x".into())),
            (
                "stt.backend",
                Box::new(|s| s.stt_backend = "whisper-server".into()),
            ),
            (
                "llm.openai_base_url",
                Box::new(|s| s.openai_base_url = "ftp://x".into()),
            ),
            (
                "llm.ollama_base_url",
                Box::new(|s| s.ollama_base_url = "http://".into()),
            ),
        ];
        for (key, change) in cases {
            let mut settings = sample(dir.path());
            change(&mut settings);
            let error = save_settings(&file, &settings).unwrap_err().to_string();
            assert!(error.contains(key), "{key}: {error}");
            assert_eq!(
                std::fs::read_to_string(&file).unwrap(),
                "[journal]\nlanguage = \"en\"\n"
            );
        }
    }

    #[test]
    fn first_run_is_no_file_and_no_folder_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let mut first = inputs(&file);
        first.cwd = dir.path().to_path_buf();
        assert!(needs_setup(&first));
        let mut with_env = first.clone();
        with_env.env.insert("SESSIONS_DIR".into(), "/tmp/j".into());
        assert!(!needs_setup(&with_env));
        save_settings(&file, &sample(dir.path())).unwrap();
        assert!(!needs_setup(&first));
    }
}
