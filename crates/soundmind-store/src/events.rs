//! `events.log`: append-only JSON Lines of what happened, never what was said.
//!
//! Same shape as HSJ (`{"ts": <UTC ISO>, "event": <name>, ...}`, compact, UTF-8). Content keys are dropped
//! before anything reaches the disk, at any depth, so a careless caller cannot leak a transcript into the log.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::StoreError;

/// Keys whose values are the user's words or a model's; never written.
pub const CONTENT_KEYS: &[&str] = &[
    "transcript",
    "question",
    "prompt",
    "summary",
    "content",
    "transcript_markdown",
    "current_transcript",
    "text",
    "answer",
    "query",
];

/// The journal's event log.
#[derive(Debug, Clone)]
pub struct EventLog {
    path: PathBuf,
}

impl EventLog {
    /// The log at `<sessions_dir>/events.log` (created on first append).
    pub fn new(sessions_dir: &Path) -> Self {
        Self {
            path: sessions_dir.join("events.log"),
        }
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event with metadata `fields`. Content keys in `fields` are removed.
    pub fn append(&self, event: &str, fields: Map<String, Value>) -> Result<(), StoreError> {
        let mut line = Map::new();
        let ts = chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
            .to_string();
        line.insert("ts".into(), Value::String(ts));
        line.insert("event".into(), Value::String(event.into()));
        for (key, value) in fields {
            if !CONTENT_KEYS.contains(&key.as_str()) {
                line.insert(key, redact(value));
            }
        }
        let mut bytes = serde_json::to_vec(&Value::Object(line)).expect("JSON values always serialise");
        bytes.push(b'\n');
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(StoreError::io("create", dir))?;
        }
        // One write() with O_APPEND: concurrent writers never interleave within a line.
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(StoreError::io("open", &self.path))?;
        file.write_all(&bytes)
            .map_err(StoreError::io("append to", &self.path))?;
        file.sync_data().map_err(StoreError::io("sync", &self.path))
    }
}

fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !CONTENT_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k, redact(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

/// Builds an event's field map: `fields!{"session_id" => id, "count" => 3}`.
#[macro_export]
macro_rules! fields {
    ($($key:expr => $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut map = $crate::__serde_json::Map::new();
        $(map.insert(($key).to_string(), $crate::__serde_json::json!($value));)*
        map
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_keys_never_reach_disk() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::new(dir.path());
        log.append(
            "session.exchange.recorded",
            fields! {"session_id" => "x", "transcript" => "secret words", "nested" => ::serde_json::json!({"summary": "secret", "n": 1})},
        )
        .unwrap();
        log.append("b", fields! {}).unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert!(!text.contains("secret"), "{text}");
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["event"], "session.exchange.recorded");
        assert_eq!(lines[0]["nested"]["n"], 1);
        assert!(lines[0]["ts"].as_str().unwrap().ends_with("+00:00"));
    }
}
