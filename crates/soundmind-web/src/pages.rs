//! Server-rendered pages. Templates are compiled into the binary and autoescaped: text from the journal or a
//! model is always shown as text, never as HTML.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Environment, context};
use serde::{Deserialize, Serialize};
use serde_json::json;
use soundmind_app::Sessions;
use soundmind_app::insights::{InsightsRequest, generate_insights, list_insights};
use soundmind_core::session::{Answer, Exchange};
use soundmind_engine::CancelToken;

use crate::AppState;
use crate::security::safe_name;

/// The compiled templates.
pub(crate) struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub(crate) fn new() -> Self {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../templates/base.html")),
            ("journal.html", include_str!("../templates/journal.html")),
            ("sessions.html", include_str!("../templates/sessions.html")),
            ("session.html", include_str!("../templates/session.html")),
            ("insights.html", include_str!("../templates/insights.html")),
            ("insight.html", include_str!("../templates/insight.html")),
            ("settings.html", include_str!("../templates/settings.html")),
            ("setup.html", include_str!("../templates/setup.html")),
            ("models.html", include_str!("../templates/models.html")),
            ("error.html", include_str!("../templates/error.html")),
            ("about.html", include_str!("../templates/about.html")),
        ] {
            env.add_template(name, source)
                .expect("built-in templates are valid (checked by the tests)");
        }
        Self { env }
    }
}

/// A page that could not be shown, shown as a page.
#[derive(Debug)]
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: what.into(),
        }
    }

    pub(crate) fn bad_request(what: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: what.into(),
        }
    }

    pub(crate) fn other(error: impl std::fmt::Display) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: error.to_string(),
        }
    }

    pub(crate) fn engine(error: crate::EngineSetupError) -> Self {
        Self::other(error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let env = Templates::new();
        let body = env
            .env
            .get_template("error.html")
            .and_then(|t| t.render(context! {message => self.message, status => self.status.as_u16()}))
            .unwrap_or_else(|_| "Something went wrong.".to_string());
        (self.status, Html(body)).into_response()
    }
}

/// Renders `name` with `context` and what every page needs (the CSRF token, the page's name for the menu).
pub(crate) fn render(
    state: &AppState,
    name: &str,
    context: serde_json::Value,
) -> Result<Html<String>, PageError> {
    let template = state
        .templates()
        .env
        .get_template(name)
        .map_err(PageError::other)?;
    let page = name.trim_end_matches(".html");
    let html = template
        .render(context! {
            csrf => state.access().csrf(),
            page => page,
            desktop => state.shell().is_some(),
            ..minijinja::Value::from_serialize(&context)
        })
        .map_err(PageError::other)?;
    Ok(Html(html))
}

/// `GET /`: the journal, or the setup on first run.
pub(crate) async fn home(State(state): State<AppState>) -> Redirect {
    if crate::settings::needs_setup(&state) {
        Redirect::to("/setup")
    } else {
        Redirect::to("/journal")
    }
}

/// One exchange as pages show it.
#[derive(Serialize)]
struct ExchangeView {
    question: String,
    answer: Option<String>,
    pending: Option<String>,
}

fn exchange_views(exchanges: Vec<Exchange>) -> Vec<ExchangeView> {
    exchanges
        .into_iter()
        .map(|e| match e.answer {
            Answer::Text(text) => ExchangeView {
                question: e.question,
                answer: Some(text),
                pending: None,
            },
            Answer::Pending { segment } => ExchangeView {
                question: e.question,
                answer: None,
                pending: Some(segment),
            },
        })
        .collect()
}

/// `GET /journal`: the running session's exchanges so far (a reload shows them), the question, the controls.
pub(crate) async fn journal(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let snapshot = state.journal().snapshot();
    let config = state.config();
    let exchanges = match &snapshot.session {
        Some(id) => Sessions::from_config(&config)
            .show(id)
            .map(|(_, doc)| exchange_views(doc.exchanges()))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    render(
        &state,
        "journal.html",
        json!({
            "snapshot": snapshot,
            "exchanges": exchanges,
            "speak": config.speak.value,
            "language": config.language.value,
            "upload_limit": config.web_upload_max_bytes.value,
        }),
    )
}

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct SessionRow {
    id: String,
    summary: String,
    answers: usize,
    error: Option<String>,
}

/// `GET /sessions[?q=…]`: every session with its summary, or the search hits.
pub(crate) async fn sessions(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Html<String>, PageError> {
    let config = state.config();
    let q = query.q.trim().to_string();
    let rows = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let sessions = Sessions::from_config(&config);
        if q.is_empty() {
            let mut rows: Vec<SessionRow> = sessions
                .list()
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|entry| match entry.doc {
                    Ok(doc) => SessionRow {
                        id: entry.id.to_string(),
                        summary: doc.frontmatter.summary().to_string(),
                        answers: doc.exchanges().len(),
                        error: None,
                    },
                    Err(e) => SessionRow {
                        id: entry.id.to_string(),
                        summary: String::new(),
                        answers: 0,
                        error: Some(e.to_string()),
                    },
                })
                .collect();
            rows.reverse();
            Ok((rows, Vec::new()))
        } else {
            let hits = sessions.search(&q, 50).map_err(|e| e.to_string())?;
            let hits: Vec<_> = hits
                .into_iter()
                .map(|h| json!({"id": h.id, "snippet": h.snippet}))
                .collect();
            Ok((Vec::new(), hits))
        }
    })
    .await
    .map_err(PageError::other)?
    .map_err(PageError::other)?;
    render(
        &state,
        "sessions.html",
        json!({"sessions": rows.0, "hits": rows.1, "q": query.q}),
    )
}

/// `GET /sessions/{id}`: one session to read.
pub(crate) async fn session(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let id = safe_name(&id).ok_or_else(|| PageError::bad_request("That is not a session name."))?;
    let sessions = Sessions::from_config(&state.config());
    let (id, doc) = sessions
        .show(id)
        .map_err(|e| PageError::not_found(format!("No such session: {e}")))?;
    render(
        &state,
        "session.html",
        json!({
            "id": id.to_string(),
            "summary": doc.frontmatter.summary(),
            "exchanges": exchange_views(doc.exchanges()),
        }),
    )
}

/// `POST /sessions/{id}/reveal`: shows the session's file in the file manager.
pub(crate) async fn reveal_session(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(id) = safe_name(&id) else {
        return (StatusCode::BAD_REQUEST, "That is not a session name.").into_response();
    };
    let sessions = Sessions::from_config(&state.config());
    let path = match sessions.show(id) {
        Ok((id, _)) => sessions.journal().session_path(&id),
        Err(e) => return (StatusCode::NOT_FOUND, e.to_string()).into_response(),
    };
    match open_in_file_manager(&path) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not open the file manager: {e}"),
        )
            .into_response(),
    }
}

/// Opens the folder holding `path` in the system's file manager, showing `path` where the platform can
/// (`SOUNDMIND_OPENER` replaces the opener, for desktops where the default is wrong). Does not wait for it.
pub fn open_in_file_manager(path: &std::path::Path) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or(path);
    let mut command = match std::env::var_os("SOUNDMIND_OPENER") {
        Some(opener) => {
            let mut c = std::process::Command::new(opener);
            c.arg(folder);
            c
        }
        None if cfg!(target_os = "macos") => {
            let mut c = std::process::Command::new("open");
            c.arg("-R").arg(path);
            c
        }
        None if cfg!(windows) => {
            let mut c = std::process::Command::new("explorer");
            c.arg(format!("/select,{}", path.display()));
            c
        }
        None => {
            let mut c = std::process::Command::new("xdg-open");
            c.arg(folder);
            c
        }
    };
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
}

/// `GET /insights`: every insights file, newest first.
pub(crate) async fn insights(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let sessions = Sessions::from_config(&state.config());
    let entries: Vec<_> = list_insights(sessions.journal())
        .map_err(PageError::other)?
        .into_iter()
        .map(|entry| match entry.insights {
            Ok(stored) => json!({"name": entry.name, "title": stored.title, "count": stored.items.len()}),
            Err(e) => json!({"name": entry.name, "error": e.to_string()}),
        })
        .collect();
    render(&state, "insights.html", json!({"entries": entries}))
}

/// The parts Soundmind is built from, with their licences, for the About page.
const COMPONENTS: &[(&str, &str, &str)] = &[
    ("whisper.cpp", "MIT", "speech to text, in-process"),
    (
        "llama.cpp and ggml",
        "MIT",
        "the local language model, in-process",
    ),
    ("Tauri", "MIT or Apache-2.0", "the desktop window"),
    ("axum, tokio, hyper", "MIT", "this local server"),
    ("minijinja", "Apache-2.0", "these pages"),
    (
        "symphonia, rubato, cpal",
        "MPL-2.0, MIT, Apache-2.0",
        "audio decoding, resampling and capture",
    ),
    ("SQLite (rusqlite)", "public domain, MIT", "the search index"),
];

/// `GET /about`: the version, the licences of Soundmind, its main parts and every catalogue model.
pub(crate) async fn about(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let config = state.config();
    // The models' licences matter most: their weights are what runs on the person's words.
    let models: Vec<_> = match state.engines().model_store(&config) {
        Ok(store) => store
            .catalog()
            .entries()
            .iter()
            .map(|e| json!({"name": e.name, "licence": e.licence, "description": e.description}))
            .collect(),
        Err(_) => Vec::new(),
    };
    let components: Vec<_> = COMPONENTS
        .iter()
        .map(|(name, licence, role)| json!({"name": name, "licence": licence, "role": role}))
        .collect();
    render(
        &state,
        "about.html",
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "licence": env!("CARGO_PKG_LICENSE"),
            "components": components,
            "models": models,
            "sessions_dir": config.sessions_dir.value.display().to_string(),
        }),
    )
}

/// `GET /insights/{file}`: one insights file to read.
pub(crate) async fn insights_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Html<String>, PageError> {
    let file = safe_name(&file).ok_or_else(|| PageError::bad_request("That is not an insights file."))?;
    let sessions = Sessions::from_config(&state.config());
    let entry = list_insights(sessions.journal())
        .map_err(PageError::other)?
        .into_iter()
        .find(|e| e.name == file)
        .ok_or_else(|| PageError::not_found("No such insights file."))?;
    let stored = entry.insights.map_err(PageError::other)?;
    render(
        &state,
        "insight.html",
        json!({"name": entry.name, "title": stored.title, "items": stored.items}),
    )
}

/// `POST /insights`: generates insights from the sessions since the last ones, then shows them.
pub(crate) async fn generate_insights_route(State(state): State<AppState>) -> Result<Response, PageError> {
    let config = state.config();
    let engines = std::sync::Arc::clone(state.engines());
    // Engines may build a blocking HTTP client: everything runs off the async runtime.
    let result = tokio::task::spawn_blocking(move || {
        let chat = engines.chat(&config).map_err(|e| e.to_string())?;
        let sessions = Sessions::from_config(&config);
        let (service, _) = soundmind_app::session::SessionService::configured(&config, chat, None);
        let request = InsightsRequest {
            count: None,
            max_words: soundmind_core::insights::DEFAULT_MAX_WORDS,
            language: config.language.value.clone(),
        };
        generate_insights(
            sessions.journal(),
            service.chat.as_ref(),
            &service.prompts,
            &request,
            chrono::Local::now().fixed_offset(),
            &mut |_| {},
            &CancelToken::new(),
        )
        .map_err(|e| e.to_string())
    })
    .await
    .map_err(PageError::other)?;
    match result {
        Ok(generated) => {
            let name = generated
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Redirect::to(&format!("/insights/{name}")).into_response())
        }
        Err(e) => Err(PageError::bad_request(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_journal_text_is_escaped() {
        let templates = Templates::new();
        let html = templates
            .env
            .get_template("session.html")
            .unwrap()
            .render(context! {
                id => "250101_0900",
                csrf => "t",
                page => "session",
                summary => "<script>alert(1)</script>",
                exchanges => vec![json!({"question": "<b>Why?</b>", "answer": "a & b", "pending": null})],
            })
            .unwrap();
        assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
        assert!(html.contains("&lt;b&gt;Why?"));
        assert!(html.contains("a &amp; b"));
        assert!(!html.contains("<script>alert"));
    }
}
