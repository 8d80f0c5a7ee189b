//! Static assets, compiled into the binary: no CDN, no build step.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../assets/style.css"),
    ),
    (
        "common.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/common.js"),
    ),
    (
        "journal.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/journal.js"),
    ),
    (
        "recorder-worklet.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/recorder-worklet.js"),
    ),
    (
        "models.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/models.js"),
    ),
];

/// `GET /assets/{file}`
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                // Assets change only with the binary; the page revalidates them each launch.
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
