//! The settings page and the first-run setup: both write the TOML config file through the application's
//! settings writer (validated, comments kept, atomic), and API keys go to the OS keychain, never to the file.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;
use soundmind_app::config::{self, ApiKeyProvider, Settings};

use crate::AppState;
use crate::pages::{PageError, render};

/// First run: no config file yet and no journal folder chosen by the environment or a flag.
pub(crate) fn needs_setup(state: &AppState) -> bool {
    config::needs_setup(state.inputs())
}

fn config_file(state: &AppState) -> Result<std::path::PathBuf, PageError> {
    state
        .inputs()
        .config_file
        .clone()
        .ok_or_else(|| PageError::other("this system has no configuration folder; set SOUNDMIND_CONFIG"))
}

#[derive(Deserialize)]
pub(crate) struct Saved {
    #[serde(default)]
    saved: bool,
}

/// `POST /settings/pick-folder`: the desktop app's folder dialog, opened at the sessions folder. Answers
/// `{"path": "…"}`, or `{"path": null}` when the person cancels; 404 in a browser, which has no such dialog.
pub(crate) async fn pick_folder(State(state): State<AppState>) -> Response {
    let Some(shell) = state.shell().cloned() else {
        return (StatusCode::NOT_FOUND, "Only the desktop app has a folder dialog.").into_response();
    };
    let start = state.config().sessions_dir.value;
    match tokio::task::spawn_blocking(move || shell.pick_folder(&start)).await {
        Ok(path) => Json(json!({"path": path.map(|p| p.display().to_string())})).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn keys_present() -> serde_json::Value {
    let present = |p| config::api_key(p).ok().flatten().is_some();
    json!({
        "openai": present(ApiKeyProvider::OpenAi),
        "anthropic": present(ApiKeyProvider::Anthropic),
    })
}

/// `GET /settings`
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(saved): Query<Saved>,
) -> Result<Html<String>, PageError> {
    let config = state.config();
    render(
        &state,
        "settings.html",
        json!({
            "settings": Settings::from_config(&config),
            "file": config_file(&state)?.display().to_string(),
            "keys": keys_present(),
            "saved": saved.saved,
        }),
    )
}

/// What the settings form posts. Unchecked boxes are absent.
#[derive(Deserialize)]
pub(crate) struct SettingsForm {
    sessions_dir: String,
    language: String,
    #[serde(default)]
    country: String,
    llm_model: String,
    stt_backend: String,
    stt_model: String,
    #[serde(default)]
    privacy: Option<String>,
    #[serde(default)]
    speak: Option<String>,
    openai_base_url: String,
    anthropic_base_url: String,
    ollama_base_url: String,
    #[serde(default)]
    openai_api_key: String,
    #[serde(default)]
    anthropic_api_key: String,
}

/// `POST /settings`
pub(crate) async fn save(
    State(state): State<AppState>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let settings = Settings {
        sessions_dir: form.sessions_dir.trim().into(),
        language: form.language.trim().to_string(),
        country: Some(form.country.trim().to_string()).filter(|c| !c.is_empty()),
        llm_model: form.llm_model.trim().to_string(),
        stt_backend: form.stt_backend.trim().to_string(),
        stt_model: form.stt_model.trim().to_string(),
        privacy: form.privacy.is_some(),
        speak: form.speak.is_some(),
        openai_base_url: form.openai_base_url.trim().to_string(),
        anthropic_base_url: form.anthropic_base_url.trim().to_string(),
        ollama_base_url: form.ollama_base_url.trim().to_string(),
    };
    store(&state, &settings, &form.openai_api_key, &form.anthropic_api_key)?;
    Ok(Redirect::to("/settings?saved=true").into_response())
}

/// Writes the settings and keys, then makes the server use them (a running session keeps its engines).
fn store(
    state: &AppState,
    settings: &Settings,
    openai_key: &str,
    anthropic_key: &str,
) -> Result<(), PageError> {
    config::save_settings(&config_file(state)?, settings)
        .map_err(|e| PageError::bad_request(e.to_string()))?;
    for (provider, key) in [
        (ApiKeyProvider::OpenAi, openai_key.trim()),
        (ApiKeyProvider::Anthropic, anthropic_key.trim()),
    ] {
        if !key.is_empty() {
            config::store_api_key(provider, key).map_err(|e| PageError::bad_request(e.to_string()))?;
        }
    }
    state.reload_config().map_err(PageError::other)?;
    state.journal().settings_changed();
    Ok(())
}

/// `GET /setup`
pub(crate) async fn setup(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let config = state.config();
    render(
        &state,
        "setup.html",
        json!({"settings": Settings::from_config(&config)}),
    )
}

/// What the setup form posts.
#[derive(Deserialize)]
pub(crate) struct SetupForm {
    /// `private` (everything on this computer) or `cloud`.
    mode: String,
    sessions_dir: String,
    #[serde(default)]
    openai_api_key: String,
    #[serde(default)]
    anthropic_api_key: String,
}

/// `POST /setup`: saves the choice, then continues to the model download (private) or the journal (cloud).
pub(crate) async fn save_setup(
    State(state): State<AppState>,
    Form(form): Form<SetupForm>,
) -> Result<Response, PageError> {
    let mut settings = Settings::from_config(&state.config());
    settings.sessions_dir = form.sessions_dir.trim().into();
    let next = match form.mode.as_str() {
        "private" => {
            settings.privacy = true;
            settings.stt_backend = "local".into();
            if !settings.llm_model.starts_with("local:") {
                settings.llm_model = "local:qwen2.5-1.5b-instruct".into();
            }
            "/models?setup=true"
        }
        "cloud" => {
            settings.privacy = false;
            settings.stt_backend = "cloud-openai".into();
            "/journal"
        }
        _ => return Err(PageError::bad_request("Choose private or cloud.")),
    };
    store(&state, &settings, &form.openai_api_key, &form.anthropic_api_key)?;
    Ok(Redirect::to(next).into_response())
}
