//! The one place that turns the resolved configuration into concrete engines.
//!
//! Everything else sees `dyn Transcriber` and `dyn ChatModel`. Engines are built only by the commands
//! that need them, so `--help` and `sessions list` never load a model or start an HTTP client.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use std::time::Duration;

use soundmind_app::config::{ApiKeyProvider, Config, api_key};
use soundmind_core::safeguarding::screening::semantic::SemanticProbe;
use soundmind_engine::{ChatModel, Embedder, EngineError, ModelSpec, Preset, Provider, Transcriber};
use soundmind_local::{LlamaChat, LlamaConfig, LlamaEmbedder, WhisperConfig, WhisperTranscriber};
use soundmind_models::{Catalog, ModelStore};
use soundmind_remote::{
    AnthropicChat, AnthropicConfig, Http, HttpPolicy, OllamaChat, OllamaConfig, OpenAiChat, OpenAiChatConfig,
    OpenAiSttConfig, OpenAiTranscriber, RetryPolicy,
};

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

/// The one HTTP client, with the privacy and offline guards set from the config.
pub fn http(config: &Config) -> anyhow::Result<Http> {
    Ok(Http::new(http_policy(config))?)
}

/// The guard settings every HTTP client gets from the config.
fn http_policy(config: &Config) -> HttpPolicy {
    HttpPolicy {
        privacy: config.privacy.value,
        offline: config.offline.value,
        ..HttpPolicy::default()
    }
}

/// The model of the crisis screen's semantic layer, when its file is in the models folder (the catalogue's
/// `smollm2-135m-instruct`); `None` otherwise, and the phrase and concept layers screen alone.
pub fn semantic_screen(config: &Config) -> Option<Arc<dyn Embedder>> {
    let path = config.models_dir.value.join(&SemanticProbe::builtin().model_file);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    path.is_file()
        .then(|| Arc::new(LlamaEmbedder::new(path, threads)) as Arc<dyn Embedder>)
}

/// The catalogue names of the models the configuration runs locally: the speech model (when transcription is
/// local), the chat model (when it is `local:` and in the catalogue), and the crisis screen's semantic layer.
pub fn needed_models(config: &Config) -> Vec<String> {
    let Ok(store) = model_store(config) else {
        return Vec::new();
    };
    let catalog = store.catalog();
    let mut needed = Vec::new();
    // As in `transcriber`: every backend but the cloud one transcribes here.
    if !matches!(
        config.stt_backend.value.as_str(),
        "cloud-openai" | "openai" | "cloud"
    ) {
        let requested = config.stt_model.value.as_str();
        let language = Some(config.language.value.as_str()).filter(|l| *l != "auto");
        let name = match requested {
            "default" | "" => default_whisper_model(Preset::Default, language),
            other => other.to_string(),
        };
        needed.push(name);
    }
    if let Ok(spec) = ModelSpec::parse(&config.llm_model.value)
        && spec.provider == Provider::Local
    {
        needed.push(spec.model);
    }
    let screening = &SemanticProbe::builtin().model_file;
    needed.extend(
        catalog
            .entries()
            .iter()
            .filter(|e| &e.file_name == screening)
            .map(|e| e.name.clone()),
    );
    needed.retain(|name| catalog.get(name).is_some());
    needed.dedup();
    needed
}

/// The chat model `spec` names (default: the config's `llm.model`), built but not loaded or contacted yet.
pub fn chat_model(config: &Config, spec: Option<&str>) -> anyhow::Result<Box<dyn ChatModel>> {
    let spec = ModelSpec::parse(spec.unwrap_or(&config.llm_model.value))?;
    let key = |provider| -> anyhow::Result<Option<String>> {
        Ok(api_key(provider)?.map(|s| s.expose().to_string()))
    };
    Ok(match spec.provider {
        Provider::Local => {
            let (path, name) = gguf_model_path(config, &spec.model)?;
            let mut llama = LlamaConfig::new(path)
                .model_name(name)
                .context_length(config.llm_local_context.value);
            llama.threads = usize::try_from(config.llm_local_threads.value)
                .ok()
                .filter(|&n| n > 0);
            llama.gpu_layers = u32::try_from(config.llm_local_gpu_layers.value).ok();
            Box::new(LlamaChat::new(llama))
        }
        Provider::Ollama => {
            // Ollama's timeout is a stall timeout: a slow model may take long in all, but never goes silent that long.
            let stall = Duration::from_secs_f64(config.ollama_timeout_seconds.value.clamp(1.0, 3600.0));
            let http = Http::new(HttpPolicy {
                read_timeout: stall,
                ..http_policy(config)
            })?;
            let ollama = OllamaConfig {
                base_url: config.ollama_base_url.value.clone(),
                num_ctx: config.ollama_num_ctx.value,
                ..OllamaConfig::new(spec.model)
            };
            Box::new(OllamaChat::new(ollama, http))
        }
        Provider::OpenAi => {
            let openai = OpenAiChatConfig {
                base_url: config.openai_base_url.value.clone(),
                model: spec.model,
                api_key: key(ApiKeyProvider::OpenAi)?,
                retry: RetryPolicy::default(),
            };
            Box::new(OpenAiChat::new(openai, http(config)?))
        }
        Provider::Anthropic => {
            let anthropic = AnthropicConfig {
                base_url: config.anthropic_base_url.value.clone(),
                thinking: spec.thinking,
                ..AnthropicConfig::new(spec.model, key(ApiKeyProvider::Anthropic)?)
            };
            Box::new(AnthropicChat::new(anthropic, http(config)?))
        }
    })
}

/// Resolves a `local:` model: a path to a `.gguf` file, a file name in the models folder (HSJ's
/// `LLM_LOCAL_MODEL` style, also under its `llama/` subfolder), or a catalogue name.
fn gguf_model_path(config: &Config, requested: &str) -> anyhow::Result<(PathBuf, String)> {
    let as_path = Path::new(requested);
    let stem = || {
        as_path
            .file_stem()
            .map_or_else(|| requested.to_string(), |s| s.to_string_lossy().into_owned())
    };
    if as_path.components().count() > 1 {
        anyhow::ensure!(
            as_path.is_file(),
            EngineError::ModelMissing {
                name: requested.to_string(),
                hint: "check the path".into(),
            }
        );
        return Ok((as_path.to_path_buf(), stem()));
    }
    let models = &config.models_dir.value;
    if requested.to_ascii_lowercase().ends_with(".gguf") {
        let found = [models.join(requested), models.join("llama").join(requested)]
            .into_iter()
            .find(|p| p.is_file());
        let path = found.ok_or_else(|| EngineError::ModelMissing {
            name: requested.to_string(),
            hint: format!("put the file in {} or give its full path", models.display()),
        })?;
        return Ok((path, stem()));
    }
    let store = model_store(config)?;
    store.catalog().find(requested)?;
    let path = store
        .path_of(requested)
        .ok_or_else(|| EngineError::model_missing(requested))?;
    Ok((path, requested.to_string()))
}

/// The model store in the configured models folder, with the built-in catalogue, or the one in the file
/// `SOUNDMIND_CATALOG` names (a mirror inside an organisation, an offline install, tests).
pub fn model_store(config: &Config) -> anyhow::Result<ModelStore> {
    let catalog = match std::env::var_os("SOUNDMIND_CATALOG") {
        Some(file) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read the catalogue {}", file.display()))?;
            Catalog::from_toml(&text)?
        }
        None => Catalog::builtin()?,
    };
    Ok(ModelStore::new(&config.models_dir.value, catalog))
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
