//! The one place that turns the resolved configuration into concrete engines.
//!
//! Everything else sees `dyn Transcriber` (and later `dyn ChatModel`). Engines are built only by the commands
//! that need them, so `--help` and `sessions list` never load a model or start an HTTP client.

use std::path::{Path, PathBuf};

use soundmind_app::config::{ApiKeyProvider, Config, api_key};
use soundmind_engine::{EngineError, Preset, Transcriber};
use soundmind_local::{WhisperConfig, WhisperTranscriber};
use soundmind_models::{Catalog, ModelStore};
use soundmind_remote::{Http, HttpPolicy, OpenAiSttConfig, OpenAiTranscriber};

/// What the user asked for on the command line, on top of the config.
#[derive(Debug, Clone, Default)]
pub struct SttChoice {
    /// A catalogue name or a path to a model file.
    pub model: Option<String>,
    /// Speed/accuracy preset.
    pub preset: Preset,
    /// The spoken language (`None` = detect).
    pub language: Option<String>,
}

/// The one HTTP client, with the privacy guard set from the config.
pub fn http(config: &Config) -> anyhow::Result<Http> {
    let policy = HttpPolicy {
        privacy: config.privacy.value,
        ..HttpPolicy::default()
    };
    Ok(Http::new(policy)?)
}

/// The model store in the configured models folder, with the built-in catalogue.
pub fn model_store(config: &Config) -> anyhow::Result<ModelStore> {
    Ok(ModelStore::new(&config.models_dir.value, Catalog::builtin()?))
}

/// The speech-to-text engine the config (and `choice`) names.
pub fn transcriber(config: &Config, choice: &SttChoice) -> anyhow::Result<Box<dyn Transcriber>> {
    let backend = config.stt_backend.value.as_str();
    match backend {
        "cloud-openai" | "openai" | "cloud" => {
            let model = match choice.model.as_deref().unwrap_or(&config.stt_model.value) {
                "default" | "" => "gpt-4o-transcribe".to_string(),
                other => other.to_string(),
            };
            let key = api_key(ApiKeyProvider::OpenAi)?.map(|s| s.expose().to_string());
            let stt = OpenAiSttConfig {
                base_url: config.openai_base_url.value.clone(),
                ..OpenAiSttConfig::openai(model, key)
            };
            Ok(Box::new(OpenAiTranscriber::new(stt, http(config)?)))
        }
        _ => {
            let requested = choice
                .model
                .clone()
                .unwrap_or_else(|| config.stt_model.value.clone());
            let (path, name) = whisper_model_path(config, &requested, choice)?;
            let engine = WhisperTranscriber::new(WhisperConfig::new(path).model_name(name));
            engine.check_model()?;
            Ok(Box::new(engine))
        }
    }
}

/// The whisper model a preset picks when the config says `default`: tiny, base or small, English-only when the
/// language is English (faster and more accurate for English).
pub fn default_whisper_model(preset: Preset, language: Option<&str>) -> String {
    let size = match preset {
        Preset::Fast => "tiny",
        Preset::Default => "base",
        Preset::Accuracy => "small",
    };
    // The f16 files whisper.cpp publishes checksums for, so a download can always be verified.
    let english = if language == Some("en") { ".en" } else { "" };
    format!("{size}{english}")
}

/// Resolves `requested` (a path, a catalogue name, or `default`) to a model file that exists.
fn whisper_model_path(
    config: &Config,
    requested: &str,
    choice: &SttChoice,
) -> anyhow::Result<(PathBuf, String)> {
    let as_path = Path::new(requested);
    if as_path.components().count() > 1 || requested.ends_with(".bin") {
        anyhow::ensure!(
            as_path.exists(),
            EngineError::ModelMissing {
                name: requested.to_string(),
                hint: "check the path".into(),
            }
        );
        let name = as_path
            .file_stem()
            .map_or_else(|| requested.to_string(), |s| s.to_string_lossy().into_owned());
        return Ok((
            as_path.to_path_buf(),
            name.trim_start_matches("ggml-").to_string(),
        ));
    }
    let name = if requested == "default" || requested.is_empty() {
        default_whisper_model(choice.preset, choice.language.as_deref())
    } else {
        requested.to_string()
    };
    let store = model_store(config)?;
    let path = store
        .path_of(&name)
        .ok_or_else(|| EngineError::model_missing(&name))?;
    Ok((path, name))
}
