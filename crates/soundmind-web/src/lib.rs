//! Soundmind's browser UI: an axum server on 127.0.0.1 that only the person who started it can use.
//!
//! Pages are rendered on the server (minijinja, autoescaped); a little plain JavaScript streams the microphone
//! over a WebSocket and shows the session's events as they happen. Every asset is compiled into the binary.
//!
//! The server knows no concrete engine: the binary hands it an [`Engines`] that turns the configuration into a
//! chat model and a transcriber, the same way the CLI does. The desktop app serves the same pages to its window
//! and adds a [`Shell`]: the native microphone and folder picker.
#![warn(missing_docs)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use soundmind_app::config::{Config, ConfigInputs};
use soundmind_app::take::TakeTranscription;
use soundmind_audio::AudioSource;
use soundmind_engine::ChatModel;

mod assets;
mod journal;
mod models;
mod pages;
mod security;
mod settings;
mod state;
mod upload;

pub use pages::open_in_file_manager;
pub use security::Access;
pub use state::AppState;

/// An error an engine factory reports (a missing model, an unreadable key), shown to the person as is.
pub type EngineSetupError = Box<dyn std::error::Error + Send + Sync>;

/// Turns the configuration into engines. The binary implements it with its `engines` module; nothing here
/// links a native engine.
pub trait Engines: Send + Sync + 'static {
    /// The chat model the configuration names (built, not loaded).
    fn chat(&self, config: &Config) -> Result<Arc<dyn ChatModel>, EngineSetupError>;
    /// The transcriber and options for recorded answers.
    fn transcription(&self, config: &Config) -> Result<TakeTranscription, EngineSetupError>;
    /// The HTTP client for model downloads, with the configuration's privacy guard.
    fn http(&self, config: &Config) -> Result<soundmind_remote::Http, EngineSetupError>;
    /// The models folder with its catalogue.
    fn model_store(&self, config: &Config) -> Result<soundmind_models::ModelStore, EngineSetupError>;
    /// The model of the crisis screen's semantic layer, when it is installed.
    fn semantic_screen(&self, config: &Config) -> Option<Arc<dyn soundmind_engine::Embedder>>;
    /// The catalogue names of the models this configuration runs on this machine (speech, questions, the crisis
    /// screen): what the Models page offers first.
    fn needed_models(&self, config: &Config) -> Vec<String>;
}

/// What the app around the server does that a browser tab cannot. The desktop app provides one; `soundmind web`
/// does not, and its pages capture the microphone themselves.
pub trait Shell: Send + Sync + 'static {
    /// The microphone for one answer, opened by the server when the page presses Record (so capture does not
    /// depend on the webview's microphone permission).
    fn microphone(&self, config: &Config) -> Result<Box<dyn AudioSource>, EngineSetupError>;
    /// Asks the person for a folder, starting at `start`; `None` when they cancel. Blocks until they answer.
    fn pick_folder(&self, start: &Path) -> Option<PathBuf>;
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The port is taken or not ours to bind.
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for (0: any).
        port: u16,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The configuration could not be read.
    #[error(transparent)]
    Config(#[from] soundmind_app::config::ConfigError),
    /// The OS gave no randomness for the access token.
    #[error("no secure random numbers for the access token: {0}")]
    Random(String),
}

/// A bound server, ready to serve.
#[derive(Debug)]
pub struct WebServer {
    listener: tokio::net::TcpListener,
    state: AppState,
}

impl WebServer {
    /// Binds 127.0.0.1:`port` (0: a free port) and prepares the state. Only loopback is ever bound.
    pub async fn bind(port: u16, inputs: ConfigInputs, engines: Arc<dyn Engines>) -> Result<Self, WebError> {
        Self::bind_with_shell(port, inputs, engines, None).await
    }

    /// [`bind`](Self::bind) for an app that adds native capabilities to the pages.
    pub async fn bind_with_shell(
        port: u16,
        inputs: ConfigInputs,
        engines: Arc<dyn Engines>,
        shell: Option<Arc<dyn Shell>>,
    ) -> Result<Self, WebError> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|source| WebError::Bind { port, source })?;
        let port = listener
            .local_addr()
            .map_err(|source| WebError::Bind { port, source })?
            .port();
        let access = Access::new(port)?;
        let state = AppState::new(inputs, engines, access, shell)?;
        Ok(Self { listener, state })
    }

    /// The server's state: its configuration as it is now, for menus outside the pages.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The address to open: it carries the one-time token that becomes the session cookie.
    pub fn url(&self) -> String {
        self.state.access().opening_url()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.state.access().port()
    }

    /// Serves until `shutdown` completes; then the journal's open take is ended safely (kept, transcribed or
    /// marked pending) before this returns.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let state = self.state.clone();
        axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(shutdown)
            .await?;
        let journal = state.journal().clone();
        tokio::task::spawn_blocking(move || journal.shut_down())
            .await
            .map_err(std::io::Error::other)?;
        Ok(())
    }
}

/// Every route, behind the access, host and cross-site checks.
pub fn router(state: AppState) -> axum::Router {
    use axum::routing::{get, post};
    let routes = axum::Router::new()
        .route("/", get(pages::home))
        .route("/journal", get(pages::journal))
        .route("/journal/ws", get(journal::websocket))
        .route("/journal/upload", post(upload::answer_upload))
        .route("/sessions", get(pages::sessions))
        .route("/sessions/{id}", get(pages::session))
        .route("/sessions/{id}/reveal", post(pages::reveal_session))
        .route(
            "/insights",
            get(pages::insights).post(pages::generate_insights_route),
        )
        .route("/insights/{file}", get(pages::insights_file))
        .route("/settings", get(settings::page).post(settings::save))
        .route("/settings/pick-folder", post(settings::pick_folder))
        .route("/about", get(pages::about))
        .route("/setup", get(settings::setup).post(settings::save_setup))
        .route("/models", get(models::page))
        .route("/models/events", get(models::events))
        .route("/models/{name}/download", post(models::download))
        .route("/models/{name}/remove", post(models::remove))
        .route("/models/add", post(models::add))
        .route("/assets/{file}", get(assets::serve));
    security::protect(routes, state.clone()).with_state(state)
}
