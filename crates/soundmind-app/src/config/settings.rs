//! What the settings page and the first-run setup may change, and how it is saved: into the TOML config file,
//! edited in place (the person's comments, order and other keys survive), checked before and after, written
//! atomically. API keys never go here; they go to the keychain (`secrets`).

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use soundmind_engine::ModelSpec;
use toml_edit::{DocumentMut, Item, Table, Value};

use super::env::first_set;
use super::file::{self, RawFile};
use super::keys::key;
use super::{Config, ConfigError, ConfigInputs};

/// Accepted `stt.backend` values: Soundmind's own (`local`, `cloud-openai`), the other Healthyself Journal names
/// the example config lists, and the aliases the engines take for the OpenAI one. Resolution itself stores
/// whatever it is given, so a value the app already runs with is never refused here.
const STT_BACKENDS: [&str; 8] = [
    "local",
    "cloud-openai",
    "openai",
    "cloud",
    "local-whispercpp",
    "local-faster",
    "local-mlx",
    "auto-private",
];

/// The environment variables that set `journal.sessions_dir`, as [`super::resolve`] reads them.
const SESSIONS_DIR_ENV: [&str; 3] = ["SOUNDMIND_SESSIONS_DIR", "SESSIONS_DIR", "RECORDINGS_DIR"];

/// The settings a front end edits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// `journal.sessions_dir`: an absolute path.
    pub sessions_dir: PathBuf,
    /// `journal.language`: `auto`, or a code such as `en` or `pt-BR`.
    pub language: String,
    /// `journal.country`: two letters for help lines (saved upper-case); `None` or blank removes the key.
    pub country: Option<String>,
    /// `llm.model`: a model spec such as `local:qwen2.5-1.5b-instruct`.
    pub llm_model: String,
    /// `stt.backend`: `local` or `cloud-openai` (Healthyself Journal's other names are accepted too).
    pub stt_backend: String,
    /// `stt.model`: `default`, a model name or a path.
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
    /// The values in effect now, whichever layer (default, file, environment, flag) gave them.
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

/// First run: `true` when there is no config file at `inputs.config_file` (a relative path counts from
/// `inputs.cwd`, as in [`super::resolve`]; `None` counts as no file) **and** no journal folder was chosen by
/// `--sessions-dir` or the environment (`SOUNDMIND_SESSIONS_DIR`, `SESSIONS_DIR`, `RECORDINGS_DIR`; blank
/// values count as unset). It does not resolve the rest of the configuration, so a bad value elsewhere does not
/// make it `true`.
pub fn needs_setup(inputs: &ConfigInputs) -> bool {
    let has_file = inputs
        .config_file
        .as_ref()
        .is_some_and(|path| inputs.cwd.join(path).is_file());
    let dir_flag = inputs
        .flags
        .sessions_dir
        .as_ref()
        .is_some_and(|dir| !dir.as_os_str().is_empty());
    let dir_env = first_set(&inputs.env, &SESSIONS_DIR_ENV).is_some();
    !(has_file || dir_flag || dir_env)
}

/// Saves `settings` into the config `file`, creating the file and its folder when missing.
///
/// Every key of [`Settings`] is written into its section (`journal.country` is removed when the country is
/// `None` or blank); everything else in the file (comments, order, other keys, a comment on the same line as a
/// replaced value) is kept. Invalid values are refused with [`ConfigError::InvalidValue`] naming the key; the
/// edited text must load with the app's own reader and hold the new values before it is written (atomically);
/// a failed write is [`ConfigError::WriteFile`]. On any error the file is left as it was.
pub fn save_settings(file: &Path, settings: &Settings) -> Result<(), ConfigError> {
    let valid = validate(settings)?;
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        // Missing, or a folder on the way is a file: nothing to keep, and the write below says what failed.
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => String::new(),
        Err(source) => {
            return Err(ConfigError::ReadFile {
                path: file.to_path_buf(),
                source,
            });
        }
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| parse_error(file, e.to_string().trim_end()))?;
    let entries: [(&str, Value); 10] = [
        (key::SESSIONS_DIR, valid.sessions_dir.into()),
        (key::LANGUAGE, settings.language.as_str().into()),
        (key::LLM_MODEL, settings.llm_model.as_str().into()),
        (key::OPENAI_BASE_URL, settings.openai_base_url.as_str().into()),
        (
            key::ANTHROPIC_BASE_URL,
            settings.anthropic_base_url.as_str().into(),
        ),
        (key::OLLAMA_BASE_URL, settings.ollama_base_url.as_str().into()),
        (key::STT_BACKEND, settings.stt_backend.as_str().into()),
        (key::STT_MODEL, settings.stt_model.as_str().into()),
        (key::PRIVACY, settings.privacy.into()),
        (key::SPEAK, settings.speak.into()),
    ];
    for (dotted, value) in entries {
        set(&mut doc, file, dotted, value)?;
    }
    match &valid.country {
        Some(country) => set(&mut doc, file, key::COUNTRY, country.as_str().into())?,
        None => {
            let (section, name) = split(key::COUNTRY);
            if let Some(table) = doc.get_mut(section).and_then(Item::as_table_like_mut) {
                table.remove(name);
            }
        }
    }
    let new_text = doc.to_string();
    // Whatever is written must load with the reader used at start-up, and hold what was asked for.
    let raw = file::parse(&new_text, file)?;
    if !holds(&raw, settings, &valid) {
        return Err(parse_error(
            file,
            "the edited file would not hold the new settings",
        ));
    }
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| write_error(file, source))?;
    }
    soundmind_store::atomic::write_atomic(file, new_text.as_bytes())
        .map_err(|source| write_error(file, source))
}

/// The values as they go into the file, after checking.
struct Valid<'a> {
    sessions_dir: &'a str,
    /// Upper-case, or `None` to remove the key.
    country: Option<String>,
}

/// Checks every value; the first bad one is the error.
fn validate(settings: &Settings) -> Result<Valid<'_>, ConfigError> {
    let dir_shown = settings.sessions_dir.to_string_lossy();
    let sessions_dir = settings.sessions_dir.to_str().ok_or_else(|| {
        invalid(
            key::SESSIONS_DIR,
            &dir_shown,
            "the path is not valid UTF-8, which the config file cannot hold",
        )
    })?;
    if sessions_dir.trim().is_empty() {
        return Err(invalid(key::SESSIONS_DIR, sessions_dir, "choose a folder"));
    }
    if !settings.sessions_dir.is_absolute() {
        return Err(invalid(
            key::SESSIONS_DIR,
            sessions_dir,
            "must be an absolute path",
        ));
    }

    let language = settings.language.as_str();
    if language != "auto" && !is_language_code(language) {
        return Err(invalid(
            key::LANGUAGE,
            language,
            "use `auto` or a code such as `en` or `pt-BR`",
        ));
    }

    let country = match settings.country.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Some(code.to_ascii_uppercase())
        }
        Some(code) => {
            return Err(invalid(key::COUNTRY, code, "use two letters, such as GB or DE"));
        }
    };

    ModelSpec::parse(&settings.llm_model)
        .map_err(|e| invalid(key::LLM_MODEL, &settings.llm_model, &e.reason))?;

    if !STT_BACKENDS.contains(&settings.stt_backend.as_str()) {
        let reason = format!("use one of {}", STT_BACKENDS.join(", "));
        return Err(invalid(key::STT_BACKEND, &settings.stt_backend, &reason));
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
    Ok(Valid {
        sessions_dir,
        country,
    })
}

/// `en`, `haw`, `pt-BR`: two or three lower-case ASCII letters, optionally `-` and a two-letter region.
fn is_language_code(language: &str) -> bool {
    let (code, region) = match language.split_once('-') {
        Some((code, region)) => (code, Some(region)),
        None => (language, None),
    };
    let code_ok = (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase());
    let region_ok = region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()));
    code_ok && region_ok
}

/// An `http` or `https` URL with a host, written without stray whitespace.
fn check_url(key: &str, text: &str) -> Result<(), ConfigError> {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            key,
            text,
            "use a URL such as https://example.com/v1, without spaces",
        ));
    }
    let url = url::Url::parse(text).map_err(|e| invalid(key, text, &format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(key, text, "must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(key, text, "must name a host"));
    }
    Ok(())
}

/// Sets `section.name` to `value`. A key already there keeps its place and the comments around it.
fn set(doc: &mut DocumentMut, file: &Path, dotted: &str, value: Value) -> Result<(), ConfigError> {
    let (section, name) = split(dotted);
    let table = doc
        .entry(section)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| parse_error(file, &format!("`{section}` is not a table")))?;
    match table.get_mut(name) {
        Some(Item::Value(old)) => {
            let decor = old.decor().clone();
            *old = value;
            *old.decor_mut() = decor;
        }
        Some(other) => {
            return Err(parse_error(
                file,
                &format!("`{dotted}` is a {}, not a value", other.type_name()),
            ));
        }
        None => {
            table.insert(name, Item::Value(value));
        }
    }
    Ok(())
}

/// Whether the re-parsed file holds exactly the values being saved.
fn holds(raw: &RawFile, settings: &Settings, valid: &Valid<'_>) -> bool {
    let s = |v: &str| Some(v.to_owned());
    raw.journal.sessions_dir.as_deref() == Some(Path::new(valid.sessions_dir))
        && raw.journal.language == s(&settings.language)
        && raw.journal.country == valid.country
        && raw.llm.model == s(&settings.llm_model)
        && raw.llm.openai_base_url == s(&settings.openai_base_url)
        && raw.llm.anthropic_base_url == s(&settings.anthropic_base_url)
        && raw.llm.ollama_base_url == s(&settings.ollama_base_url)
        && raw.stt.backend == s(&settings.stt_backend)
        && raw.stt.model == s(&settings.stt_model)
        && raw.privacy.enabled == Some(settings.privacy)
        && raw.voice.speak == Some(settings.speak)
}

/// `journal.country` → (`journal`, `country`).
fn split(dotted: &str) -> (&str, &str) {
    dotted.split_once('.').expect("keys are section.name")
}

fn invalid(key: &str, value: &str, reason: &str) -> ConfigError {
    ConfigError::InvalidValue {
        key: key.to_owned(),
        value: value.to_owned(),
        source_display: "settings".to_owned(),
        reason: reason.to_owned(),
    }
}

fn parse_error(file: &Path, message: &str) -> ConfigError {
    ConfigError::ParseFile {
        path: file.to_path_buf(),
        message: message.to_owned(),
    }
}

fn write_error(file: &Path, source: io::Error) -> ConfigError {
    ConfigError::WriteFile {
        path: file.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::{FlagOverrides, Source, resolve};
    use super::*;

    fn inputs(file: &Path) -> ConfigInputs {
        ConfigInputs {
            env: HashMap::new(),
            config_file: Some(file.to_path_buf()),
            flags: FlagOverrides::default(),
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

    fn read(file: &Path) -> String {
        std::fs::read_to_string(file).unwrap()
    }

    #[test]
    fn saved_settings_are_what_the_config_resolves() {
        let dir = tempfile::tempdir().unwrap();
        // The folder does not exist yet: saving creates it.
        let file = dir.path().join("soundmind").join("config.toml");
        let settings = sample(dir.path());
        save_settings(&file, &settings).unwrap();
        let config = resolve(&inputs(&file)).unwrap();
        let mut expected = settings.clone();
        expected.country = Some("GB".into());
        assert_eq!(Settings::from_config(&config), expected);
        assert_eq!(config.language.source, Source::File(file.clone()));

        // Saving what was read back changes nothing.
        let before = read(&file);
        save_settings(&file, &expected).unwrap();
        assert_eq!(read(&file), before);
    }

    #[test]
    fn comments_order_and_other_keys_survive() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let original = "# mine\n\
            [llm]\n\
            # bigger context\n\
            local_context = 8192\n\
            # which model\n\
            model = \"local:qwen2.5-1.5b-instruct\" # the small one\n\
            \n\
            [journal]\n\
            # in German\n\
            language = \"en\"\n";
        std::fs::write(&file, original).unwrap();
        save_settings(&file, &sample(dir.path())).unwrap();
        let text = read(&file);
        for kept in [
            "# mine\n[llm]\n# bigger context\nlocal_context = 8192\n# which model\n",
            "model = \"ollama:qwen2.5:7b-instruct\" # the small one\n",
            "# in German\nlanguage = \"de\"\n",
        ] {
            assert!(text.contains(kept), "{kept:?} missing from:\n{text}");
        }
        // [llm] stays before [journal].
        assert!(
            text.find("[llm]").unwrap() < text.find("[journal]").unwrap(),
            "{text}"
        );
        let config = resolve(&inputs(&file)).unwrap();
        assert_eq!(config.llm_local_context.value, 8192);
        assert_eq!(config.language.value, "de");
    }

    #[test]
    fn inline_and_dotted_sections_are_edited_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "journal = { language = \"en\" }\nstt.model = \"small\"\n").unwrap();
        let settings = sample(dir.path());
        save_settings(&file, &settings).unwrap();
        let config = resolve(&inputs(&file)).unwrap();
        assert_eq!(config.language.value, "de");
        assert_eq!(config.stt_model.value, "gpt-4o-transcribe");
        assert_eq!(config.sessions_dir.value, settings.sessions_dir);
    }

    #[test]
    fn country_none_or_blank_removes_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let mut settings = sample(dir.path());
        save_settings(&file, &settings).unwrap();
        assert!(read(&file).contains("country = \"GB\""), "{}", read(&file));

        settings.country = None;
        save_settings(&file, &settings).unwrap();
        assert!(!read(&file).contains("country"), "{}", read(&file));

        settings.country = Some(" de ".into());
        save_settings(&file, &settings).unwrap();
        assert!(read(&file).contains("country = \"DE\""), "{}", read(&file));
        settings.country = Some("  ".into());
        save_settings(&file, &settings).unwrap();
        assert!(!read(&file).contains("country"), "{}", read(&file));

        // With no key in the file the country comes from the locale again (here: none).
        let config = resolve(&inputs(&file)).unwrap();
        assert_eq!(config.country.value, None);
    }

    #[test]
    fn accepted_names_and_codes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        for backend in STT_BACKENDS {
            let mut settings = sample(dir.path());
            settings.stt_backend = backend.into();
            save_settings(&file, &settings).unwrap();
        }
        for language in ["auto", "en", "haw", "pt-BR", "pt-br"] {
            let mut settings = sample(dir.path());
            settings.language = language.into();
            save_settings(&file, &settings).unwrap();
        }
        for model in [
            "local:qwen2.5-1.5b-instruct",
            "anthropic:claude-sonnet-4",
            "openai:gpt-4o",
        ] {
            let mut settings = sample(dir.path());
            settings.llm_model = model.into();
            save_settings(&file, &settings).unwrap();
        }
        let mut settings = sample(dir.path());
        settings.ollama_base_url = "http://[::1]:11434".into();
        save_settings(&file, &settings).unwrap();
        assert_eq!(
            resolve(&inputs(&file)).unwrap().ollama_base_url.value,
            "http://[::1]:11434"
        );
    }

    #[test]
    fn invalid_values_name_the_key_and_leave_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let original = "[journal]\nlanguage = \"en\"\n";
        std::fs::write(&file, original).unwrap();
        let absent = dir.path().join("new").join("config.toml");
        type Change = Box<dyn Fn(&mut Settings)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "journal.sessions_dir",
                Box::new(|s| s.sessions_dir = "relative/dir".into()),
            ),
            (
                "journal.sessions_dir",
                Box::new(|s| s.sessions_dir = PathBuf::new()),
            ),
            ("journal.language", Box::new(|s| s.language = "English!".into())),
            ("journal.language", Box::new(|s| s.language = "EN".into())),
            ("journal.language", Box::new(|s| s.language = "pt-BRA".into())),
            ("journal.language", Box::new(|s| s.language = "".into())),
            ("journal.country", Box::new(|s| s.country = Some("GBR".into()))),
            ("journal.country", Box::new(|s| s.country = Some("G1".into()))),
            ("llm.model", Box::new(|s| s.llm_model = "nonsense:x".into())),
            ("llm.model", Box::new(|s| s.llm_model = " ".into())),
            (
                "stt.backend",
                Box::new(|s| s.stt_backend = "whisper-server".into()),
            ),
            ("stt.model", Box::new(|s| s.stt_model = "".into())),
            (
                "llm.openai_base_url",
                Box::new(|s| s.openai_base_url = "ftp://x".into()),
            ),
            (
                "llm.openai_base_url",
                Box::new(|s| s.openai_base_url = "api.openai.com".into()),
            ),
            (
                "llm.anthropic_base_url",
                Box::new(|s| s.anthropic_base_url = "https://a b".into()),
            ),
            (
                "llm.anthropic_base_url",
                Box::new(|s| s.anthropic_base_url = " https://x".into()),
            ),
            (
                "llm.ollama_base_url",
                Box::new(|s| s.ollama_base_url = "http://".into()),
            ),
            ("llm.ollama_base_url", Box::new(|s| s.ollama_base_url = "".into())),
        ];
        for (key, change) in cases {
            let mut settings = sample(dir.path());
            change(&mut settings);
            let error = save_settings(&file, &settings).unwrap_err();
            assert!(
                matches!(&error, ConfigError::InvalidValue { key: k, .. } if k == key),
                "{key}: {error:?}"
            );
            assert!(error.to_string().contains(key), "{key}: {error}");
            assert_eq!(read(&file), original, "{key}");
            assert!(save_settings(&absent, &settings).is_err());
            assert!(!absent.parent().unwrap().exists(), "{key}");
        }
    }

    #[test]
    fn a_file_the_app_cannot_read_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        for original in ["[journal]\nsesions_dir = \"/x\"\n", "journal = 3\n", "[journal\n"] {
            std::fs::write(&file, original).unwrap();
            let error = save_settings(&file, &sample(dir.path())).unwrap_err();
            assert!(matches!(error, ConfigError::ParseFile { .. }), "{error:?}");
            assert_eq!(read(&file), original);
        }
    }

    #[test]
    fn a_failed_write_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        // The config file's folder would have to be where a file already is.
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, "").unwrap();
        let file = blocker.join("config.toml");
        let error = save_settings(&file, &sample(dir.path())).unwrap_err();
        assert!(matches!(error, ConfigError::WriteFile { .. }), "{error:?}");
        assert!(error.to_string().contains("blocker"), "{error}");
    }

    #[test]
    fn first_run_is_no_file_and_no_folder_from_flag_or_environment() {
        let dir = tempfile::tempdir().unwrap();
        let first = ConfigInputs {
            env: HashMap::new(),
            config_file: Some("conf/config.toml".into()),
            flags: FlagOverrides::default(),
            cwd: dir.path().to_path_buf(),
        };
        assert!(needs_setup(&first));
        assert!(needs_setup(&ConfigInputs {
            config_file: None,
            ..first.clone()
        }));

        for name in SESSIONS_DIR_ENV {
            let mut with_env = first.clone();
            with_env.env.insert(name.into(), "/tmp/j".into());
            assert!(!needs_setup(&with_env), "{name}");
            // The same names resolution reads.
            assert_eq!(resolve(&with_env).unwrap().sessions_dir.source, Source::Env(name));
            with_env.env.insert(name.into(), "  ".into());
            assert!(needs_setup(&with_env), "{name} blank");
        }

        let mut with_flag = first.clone();
        with_flag.flags.sessions_dir = Some("/tmp/j".into());
        assert!(!needs_setup(&with_flag));
        with_flag.flags.sessions_dir = Some(PathBuf::new());
        assert!(needs_setup(&with_flag));

        // Another bad setting does not make it a first run.
        let mut bad_env = first.clone();
        bad_env.env.insert("SESSIONS_DIR".into(), "/tmp/j".into());
        bad_env.env.insert("OLLAMA_NUM_CTX".into(), "lots".into());
        assert!(!needs_setup(&bad_env));

        // The relative config path counts from `cwd`.
        save_settings(&dir.path().join("conf/config.toml"), &sample(dir.path())).unwrap();
        assert!(!needs_setup(&first));
    }
}
