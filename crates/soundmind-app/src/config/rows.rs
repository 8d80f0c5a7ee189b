//! `config show`: the resolved configuration as display rows, one per setting.

use super::keys::key;
use super::value::Value;
use super::{Config, ConfigRow, Sourced};

fn row<T: Value>(key: &str, setting: &Sourced<T>) -> ConfigRow {
    ConfigRow {
        key: key.to_owned(),
        value: setting.value.show(),
        source: setting.source.to_string(),
    }
}

impl Config {
    /// One row per setting, in config-file order: the TOML dotted key, the value as a display
    /// string, and where it came from (`default`, `file /path`, `env SESSIONS_DIR`,
    /// `flag --sessions-dir`). Never includes secrets: see [`super::secret_rows`] for those.
    pub fn rows(&self) -> Vec<ConfigRow> {
        vec![
            row(key::SESSIONS_DIR, &self.sessions_dir),
            row(key::LANGUAGE, &self.language),
            row(key::COUNTRY, &self.country),
            row(key::LLM_MODEL, &self.llm_model),
            row(key::OLLAMA_BASE_URL, &self.ollama_base_url),
            row(key::OLLAMA_TIMEOUT_SECONDS, &self.ollama_timeout_seconds),
            row(key::OLLAMA_NUM_CTX, &self.ollama_num_ctx),
            row(key::LOCAL_CONTEXT, &self.llm_local_context),
            row(key::LOCAL_THREADS, &self.llm_local_threads),
            row(key::LOCAL_GPU_LAYERS, &self.llm_local_gpu_layers),
            row(key::OPENAI_BASE_URL, &self.openai_base_url),
            row(key::ANTHROPIC_BASE_URL, &self.anthropic_base_url),
            row(key::STT_BACKEND, &self.stt_backend),
            row(key::STT_MODEL, &self.stt_model),
            row(key::STT_COMPUTE, &self.stt_compute),
            row(key::STT_FORMATTING, &self.stt_formatting),
            row(key::PRIVACY, &self.privacy),
            row(key::OFFLINE, &self.offline),
            row(key::SPEAK, &self.speak),
            row(key::TTS_MODEL, &self.tts_model),
            row(key::TTS_VOICE, &self.tts_voice),
            row(key::TTS_FORMAT, &self.tts_format),
            row(key::QUIT_DISCARD_SECONDS, &self.quit_discard_seconds),
            row(key::UPLOAD_MAX_BYTES, &self.web_upload_max_bytes),
            row(key::MODELS_DIR, &self.models_dir),
            row(key::CACHE_DIR, &self.cache_dir),
        ]
    }
}
