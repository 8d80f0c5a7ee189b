//! The models page: the catalogue and what is installed, downloads with live progress (server-sent events),
//! remove, and add a file the person already has.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use futures_util::Stream;
use serde::Serialize;
use serde_json::json;
use soundmind_engine::CancelToken;
use soundmind_models::{DownloadEvent, DownloadOptions, human_bytes};
use tokio::sync::broadcast;

use crate::AppState;
use crate::pages::{PageError, render};
use crate::security::safe_name;
use crate::upload::stream_to_file;

/// The largest model file accepted by "add a file" (the biggest catalogue models are a few GB).
const ADD_LIMIT: u64 = 16 * 1024 * 1024 * 1024;

/// Downloads in progress or finished in this launch, by model name, and their live progress.
#[derive(Clone)]
pub(crate) struct Downloads {
    progress: Arc<Mutex<BTreeMap<String, Progress>>>,
    events: broadcast::Sender<Arc<str>>,
}

impl Default for Downloads {
    fn default() -> Self {
        Self {
            progress: Arc::default(),
            events: broadcast::channel(256).0,
        }
    }
}

/// One download as the page shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Progress {
    pub(crate) name: String,
    /// `downloading`, `verifying`, `done` or `failed`.
    pub(crate) state: &'static str,
    pub(crate) done: u64,
    pub(crate) total: Option<u64>,
    pub(crate) message: Option<String>,
}

impl Downloads {
    fn update(&self, progress: Progress) {
        let json = serde_json::to_string(&progress).unwrap_or_default();
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(progress.name.clone(), progress);
        let _ = self.events.send(Arc::from(json));
    }

    fn get(&self, name: &str) -> Option<Progress> {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    fn running(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|p| matches!(p.state, "downloading" | "verifying"))
    }
}

#[derive(Serialize)]
struct ModelRow {
    name: String,
    kind: String,
    size: String,
    installed: bool,
    licence: String,
    description: String,
    unverified: bool,
    /// The configuration runs it on this machine.
    needed: bool,
    progress: Option<Progress>,
}

/// `GET /models`
pub(crate) async fn page(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let config = state.config();
    let store = state.engines().model_store(&config).map_err(PageError::engine)?;
    let needed_names = state.engines().needed_models(&config);
    let mut rows: Vec<ModelRow> = store
        .list()
        .map_err(PageError::other)?
        .into_iter()
        .map(|s| ModelRow {
            progress: state.downloads().get(&s.entry.name),
            kind: format!("{:?}", s.entry.kind).to_lowercase(),
            size: human_bytes(s.size_on_disk.unwrap_or(s.entry.size_bytes)),
            installed: s.installed,
            licence: s.entry.licence,
            description: s.entry.description,
            unverified: s.entry.unverified,
            needed: needed_names.contains(&s.entry.name),
            name: s.entry.name,
        })
        .collect();
    // What the journal needs first (in the order it needs them), then what is installed, then the catalogue.
    rows.sort_by_key(|row| {
        let rank = needed_names.iter().position(|n| *n == row.name);
        (rank.is_none(), rank, !row.installed)
    });
    let (needed, others): (Vec<ModelRow>, Vec<ModelRow>) = rows.into_iter().partition(|row| row.needed);
    let missing = needed.iter().filter(|row| !row.installed).count();
    render(
        &state,
        "models.html",
        json!({"needed": needed, "others": others, "missing": missing, "dir": store.dir().display().to_string()}),
    )
}

/// `GET /models/events`: every progress change, as server-sent events.
pub(crate) async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.downloads().events.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(json) => return Some((Ok(Event::default().event("progress").data(json.as_ref())), rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[derive(serde::Deserialize)]
pub(crate) struct DownloadQuery {
    #[serde(default)]
    allow_unverified: bool,
}

/// `POST /models/{name}/download`: starts the download in the background (202); progress arrives as events.
pub(crate) async fn download(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<DownloadQuery>,
) -> Response {
    let Some(name) = safe_name(&name).map(str::to_string) else {
        return (StatusCode::BAD_REQUEST, "invalid model name").into_response();
    };
    let config = state.config();
    let store = match state.engines().model_store(&config) {
        Ok(store) => store,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    if let Err(e) = store.catalog().find(&name) {
        return (StatusCode::NOT_FOUND, e.to_string()).into_response();
    }
    if config.offline.value {
        let refusal =
            "Offline mode is on, so nothing is downloaded. Add this model from a file below instead.";
        return (StatusCode::CONFLICT, refusal).into_response();
    }
    if state.downloads().running(&name) {
        return (StatusCode::ACCEPTED, axum::Json(json!({"already": true}))).into_response();
    }
    let engines = std::sync::Arc::clone(state.engines());
    let downloads = state.downloads().clone();
    let mut current = Progress {
        name: name.clone(),
        state: "downloading",
        done: 0,
        total: None,
        message: None,
    };
    downloads.update(current.clone());
    // The HTTP client is blocking: it is built and used on a thread of its own, never on the async runtime.
    std::thread::spawn(move || {
        let http = match engines.http(&config) {
            Ok(http) => http,
            Err(e) => {
                current.state = "failed";
                current.message = Some(e.to_string());
                downloads.update(current);
                return;
            }
        };
        let mut on_event = |event: DownloadEvent| {
            match event {
                DownloadEvent::Started { total, .. } => current.total = total,
                DownloadEvent::Resumed { from } => current.done = from,
                DownloadEvent::Progress { done, total } => {
                    current.done = done;
                    current.total = total.or(current.total);
                }
                DownloadEvent::MirrorFallback { url, reason } => {
                    current.message = Some(format!("{reason}; trying {url}"));
                }
                DownloadEvent::Verifying => current.state = "verifying",
                DownloadEvent::Done { .. } => current.state = "done",
                _ => return,
            }
            downloads.update(current.clone());
        };
        let options = DownloadOptions {
            allow_unverified: query.allow_unverified,
            ..DownloadOptions::default()
        };
        let result = store.download(&name, &http, &options, &mut on_event, &CancelToken::new());
        let mut last = current;
        match result {
            Ok(_) => last.state = "done",
            Err(e) => {
                // The partial file stays; the next download resumes it.
                last.state = "failed";
                last.message = Some(e.to_string());
            }
        }
        downloads.update(last);
    });
    (StatusCode::ACCEPTED, axum::Json(json!({"started": true}))).into_response()
}

/// `POST /models/{name}/remove`
pub(crate) async fn remove(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let Some(name) = safe_name(&name) else {
        return (StatusCode::BAD_REQUEST, "invalid model name").into_response();
    };
    let config = state.config();
    let result = state
        .engines()
        .model_store(&config)
        .map_err(|e| e.to_string())
        .and_then(|store| store.remove(name).map_err(|e| e.to_string()));
    match result {
        Ok(_) => axum::response::Redirect::to("/models").into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct AddQuery {
    file_name: String,
    name: Option<String>,
}

/// `POST /models/add?file_name=…[&name=…]`: the raw body is a ggml/GGUF file; it is streamed to the models
/// folder, checked and registered.
pub(crate) async fn add(
    State(state): State<AppState>,
    Query(query): Query<AddQuery>,
    body: Body,
) -> Response {
    let Some(file_name) = safe_name(&query.file_name) else {
        return (StatusCode::BAD_REQUEST, "invalid file name").into_response();
    };
    let config = state.config();
    let store = match state.engines().model_store(&config) {
        Ok(store) => store,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let staging = store.dir().join(".incoming");
    if let Err(e) = std::fs::create_dir_all(&staging) {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    let path = staging.join(file_name);
    let _ = std::fs::remove_file(&path);
    if let Err(e) = stream_to_file(body, &path, ADD_LIMIT).await {
        return e.into_response();
    }
    let name = query.name.filter(|n| !n.is_empty());
    // Checking and copying a model file takes a while: off the async runtime.
    let staged = path.clone();
    let result = tokio::task::spawn_blocking(move || store.add(&staged, name.as_deref()))
        .await
        .map_err(|e| soundmind_models::ModelError::Io {
            path: path.clone(),
            source: std::io::Error::other(e),
        })
        .and_then(|r| r);
    let _ = std::fs::remove_file(&path);
    match result {
        Ok(status) => (
            StatusCode::CREATED,
            axum::Json(
                json!({"added": status.entry.name, "size": human_bytes(status.size_on_disk.unwrap_or(0))}),
            ),
        )
            .into_response(),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}
