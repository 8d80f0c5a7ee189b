//! Finished recordings uploaded as an answer (browsers without AudioWorklet, voice memos) and model files.
//!
//! The body is streamed to a file next to where it belongs, counted as it arrives, and cut at the limit: an
//! oversized upload gets 413 and leaves nothing behind. Nothing is read into memory whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::json;

use crate::AppState;

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UploadError {
    #[error("the upload is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the upload is not audio this app can read (WAV, Ogg, WebM, MP4/M4A, MP3 or FLAC)")]
    NotAudio,
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    #[error("could not write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("no session is running; open the journal page first")]
    NoSession,
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotAudio => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Interrupted(_) => StatusCode::BAD_REQUEST,
            Self::Write { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NoSession => StatusCode::CONFLICT,
        };
        (status, axum::Json(json!({"error": self.to_string()}))).into_response()
    }
}

/// Streams `body` into `path` (created new, fsynced), at most `limit` bytes. On any failure the file is removed.
pub(crate) async fn stream_to_file(body: Body, path: &Path, limit: u64) -> Result<u64, UploadError> {
    let write_error = |source| UploadError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(write_error)?;
    let result = async {
        let mut written = 0u64;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| UploadError::Interrupted(e.to_string()))?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(UploadError::TooLarge { limit });
            }
            file.write_all(&chunk).map_err(write_error)?;
        }
        file.sync_all().map_err(write_error)?;
        Ok(written)
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// The audio container a file starts with, by its magic bytes (the `Content-Type` a browser sends is a guess).
pub(crate) fn sniff_audio(head: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"RIFF") && at(8, b"WAVE") {
        Some("wav")
    } else if at(0, b"OggS") {
        Some("ogg")
    } else if at(0, &[0x1a, 0x45, 0xdf, 0xa3]) {
        Some("webm")
    } else if at(4, b"ftyp") {
        Some("m4a")
    } else if at(0, b"fLaC") {
        Some("flac")
    } else if at(0, b"ID3") || (head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0) {
        Some("mp3")
    } else {
        None
    }
}

fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = vec![0u8; 16];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    head.truncate(n);
    Ok(head)
}

/// `POST /journal/upload`: the raw body is one recorded answer for the running session.
pub(crate) async fn answer_upload(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, UploadError> {
    let session = state.journal().snapshot().session.ok_or(UploadError::NoSession)?;
    let config = state.config();
    let dir = config.sessions_dir.value.join(&session);
    std::fs::create_dir_all(&dir).map_err(|source| UploadError::Write {
        path: dir.clone(),
        source,
    })?;
    let stamp = chrono_free_stamp();
    let path = dir.join(format!("{session}_upload_{stamp}.part"));
    let limit = config.web_upload_max_bytes.value;
    stream_to_file(body, &path, limit).await?;
    let head = read_head(&path).map_err(|source| UploadError::Write {
        path: path.clone(),
        source,
    })?;
    let Some(kind) = sniff_audio(&head) else {
        let _ = std::fs::remove_file(&path);
        return Err(UploadError::NotAudio);
    };
    // Named for what it is, so a crash before it is decoded leaves a recognisable file.
    let named = path.with_extension(kind);
    std::fs::rename(&path, &named).map_err(|source| UploadError::Write {
        path: named.clone(),
        source,
    })?;
    crate::journal::queue_upload(&state, named);
    Ok((StatusCode::ACCEPTED, axum::Json(json!({"accepted": kind}))).into_response())
}

/// Milliseconds since the epoch: unique enough for one person's uploads, and sorts.
fn chrono_free_stamp() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff_audio(b"RIFF\0\0\0\0WAVEfmt "), Some("wav"));
        assert_eq!(sniff_audio(b"OggS\0\x02"), Some("ogg"));
        assert_eq!(sniff_audio(&[0x1a, 0x45, 0xdf, 0xa3, 1]), Some("webm"));
        assert_eq!(sniff_audio(b"\0\0\0\x20ftypM4A "), Some("m4a"));
        assert_eq!(sniff_audio(b"<html>"), None);
        assert_eq!(sniff_audio(b""), None);
    }

    #[tokio::test]
    async fn an_oversized_body_is_cut_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.part");
        let chunks = futures_util::stream::iter((0..10).map(|_| Ok::<_, std::io::Error>(vec![0u8; 1000])));
        let result = stream_to_file(Body::from_stream(chunks), &path, 4500).await;
        assert!(matches!(result, Err(UploadError::TooLarge { limit: 4500 })));
        assert!(!path.exists());
        let ok = stream_to_file(Body::from(vec![1u8; 10]), &path, 4500)
            .await
            .unwrap();
        assert_eq!(ok, 10);
        assert_eq!(std::fs::read(&path).unwrap(), vec![1u8; 10]);
    }
}
