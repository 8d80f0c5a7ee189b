//! The settings' TOML keys and built-in defaults, shared by resolution, rows and tests.

/// TOML dotted keys, shared by resolution errors and `config show` rows.
pub(crate) mod key {
    pub(crate) const SESSIONS_DIR: &str = "journal.sessions_dir";
    pub(crate) const LANGUAGE: &str = "journal.language";
    pub(crate) const COUNTRY: &str = "journal.country";
    pub(crate) const LLM_MODEL: &str = "llm.model";
    pub(crate) const OLLAMA_BASE_URL: &str = "llm.ollama_base_url";
    pub(crate) const OLLAMA_TIMEOUT_SECONDS: &str = "llm.ollama_timeout_seconds";
    pub(crate) const OLLAMA_NUM_CTX: &str = "llm.ollama_num_ctx";
    pub(crate) const LOCAL_CONTEXT: &str = "llm.local_context";
    pub(crate) const LOCAL_THREADS: &str = "llm.local_threads";
    pub(crate) const LOCAL_GPU_LAYERS: &str = "llm.local_gpu_layers";
    pub(crate) const OPENAI_BASE_URL: &str = "llm.openai_base_url";
    pub(crate) const ANTHROPIC_BASE_URL: &str = "llm.anthropic_base_url";
    pub(crate) const STT_BACKEND: &str = "stt.backend";
    pub(crate) const STT_MODEL: &str = "stt.model";
    pub(crate) const STT_COMPUTE: &str = "stt.compute";
    pub(crate) const STT_FORMATTING: &str = "stt.formatting";
    pub(crate) const PRIVACY: &str = "privacy.enabled";
    pub(crate) const OFFLINE: &str = "privacy.offline";
    pub(crate) const SPEAK: &str = "voice.speak";
    pub(crate) const TTS_MODEL: &str = "voice.tts_model";
    pub(crate) const TTS_VOICE: &str = "voice.tts_voice";
    pub(crate) const TTS_FORMAT: &str = "voice.tts_format";
    pub(crate) const QUIT_DISCARD_SECONDS: &str = "recording.quit_discard_seconds";
    pub(crate) const UPLOAD_MAX_BYTES: &str = "web.upload_max_bytes";
    pub(crate) const MODELS_DIR: &str = "models.dir";
    pub(crate) const CACHE_DIR: &str = "cache.dir";
}

/// Built-in defaults for the settings that do not depend on the machine.
pub(crate) mod default {
    pub(crate) const LANGUAGE: &str = "en";
    pub(crate) const LLM_MODEL: &str = "local:qwen2.5-1.5b-instruct";
    pub(crate) const OLLAMA_BASE_URL: &str = "http://localhost:11434";
    pub(crate) const OLLAMA_TIMEOUT_SECONDS: f64 = 30.0;
    pub(crate) const OLLAMA_NUM_CTX: u32 = 8192;
    pub(crate) const LOCAL_CONTEXT: u32 = 4096;
    pub(crate) const LOCAL_THREADS: u32 = 0;
    pub(crate) const LOCAL_GPU_LAYERS: i32 = -1;
    pub(crate) const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
    pub(crate) const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
    pub(crate) const STT_BACKEND: &str = "local";
    pub(crate) const STT_MODEL: &str = "default";
    pub(crate) const STT_COMPUTE: &str = "auto";
    pub(crate) const STT_FORMATTING: &str = "sentences";
    pub(crate) const PRIVACY: bool = true;
    pub(crate) const OFFLINE: bool = false;
    pub(crate) const SPEAK: bool = false;
    pub(crate) const TTS_MODEL: &str = "gpt-4o-mini-tts";
    pub(crate) const TTS_VOICE: &str = "shimmer";
    pub(crate) const TTS_FORMAT: &str = "wav";
    pub(crate) const QUIT_DISCARD_SECONDS: f64 = 5.0;
    pub(crate) const UPLOAD_MAX_BYTES: u64 = 50_000_000;
}
