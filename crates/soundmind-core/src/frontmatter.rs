//! The session frontmatter: HSJ's keys, in HSJ's order, with unknown keys kept.

use crate::yaml::{YamlMap, YamlValue};

/// The YAML frontmatter of a session file.
///
/// It wraps the ordered map read from disk, so keys Soundmind does not know (and their order) survive a round
/// trip. Typed accessors read HSJ's keys; setters change them in place.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frontmatter {
    map: YamlMap,
}

/// A frontmatter key holds a value of the wrong kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("frontmatter key `{key}` should be {expected}")]
pub struct FieldError {
    /// The offending key (dotted for nested values, e.g. `audio_file[1].duration_seconds`).
    pub key: String,
    /// What was expected there.
    pub expected: &'static str,
}

/// Facts about a new session, written once at its start in HSJ's key order.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    /// Local start time as naive ISO with microseconds, e.g. `2025-11-03T07:14:09.821648`.
    pub created_at: String,
    /// File names of the past sessions whose summaries the prompt sees, oldest first.
    pub recent_summary_refs: Vec<String>,
    /// The LLM spec string.
    pub model_llm: String,
    /// The STT model name.
    pub model_stt: String,
    /// The STT backend name.
    pub stt_backend: String,
    /// `sentences` or `raw`.
    pub stt_formatting: String,
    /// The app that wrote the file, e.g. `soundmind 0.1.0`.
    pub app_version: String,
}

impl Frontmatter {
    /// Wraps a map read from disk after checking the types of the keys Soundmind relies on.
    pub fn from_map(map: YamlMap) -> Result<Self, FieldError> {
        let fm = Self { map };
        fm.validate()?;
        Ok(fm)
    }

    /// The frontmatter of a new session, with every key HSJ writes at start, in its order.
    pub fn new_session(new: &NewSession, id_file_name: &str) -> Self {
        let s = |v: &str| YamlValue::str(v);
        let mut map = YamlMap::new();
        map.insert("created_at", s(&new.created_at));
        map.insert("transcript_file", s(id_file_name));
        map.insert(
            "recent_summary_refs",
            YamlValue::List(new.recent_summary_refs.iter().map(|r| s(r)).collect()),
        );
        map.insert("model_llm", s(&new.model_llm));
        map.insert("model_stt", s(&new.model_stt));
        map.insert("stt_backend", s(&new.stt_backend));
        map.insert("stt_compute", YamlValue::Null);
        map.insert("stt_formatting", s(&new.stt_formatting));
        map.insert("stt_requested_backend", s(&new.stt_backend));
        map.insert("stt_requested_model", s(&new.model_stt));
        map.insert("stt_requested_compute", s("auto"));
        map.insert("stt_auto_private_reason", YamlValue::Null);
        map.insert("stt_warnings", YamlValue::List(Vec::new()));
        map.insert("app_version", s(&new.app_version));
        map.insert("duration_seconds", YamlValue::float(0.0));
        map.insert("audio_file", YamlValue::List(Vec::new()));
        map.insert("summary", s(""));
        Self { map }
    }

    fn validate(&self) -> Result<(), FieldError> {
        for key in [
            "created_at",
            "transcript_file",
            "model_llm",
            "model_stt",
            "app_version",
        ] {
            match self.map.get(key) {
                None | Some(YamlValue::Null | YamlValue::Str(_)) => {}
                // HSJ may have written a version like 1.0 unquoted; a number is still readable.
                Some(YamlValue::Int(_) | YamlValue::Float(_)) if key == "app_version" => {}
                Some(_) => {
                    return Err(FieldError {
                        key: key.into(),
                        expected: "a string",
                    });
                }
            }
        }
        match self.map.get("summary") {
            None | Some(YamlValue::Null | YamlValue::Str(_)) => {}
            Some(_) => {
                return Err(FieldError {
                    key: "summary".into(),
                    expected: "a single-line string",
                });
            }
        }
        match self.map.get("duration_seconds") {
            None | Some(YamlValue::Null | YamlValue::Int(_) | YamlValue::Float(_)) => {}
            Some(_) => {
                return Err(FieldError {
                    key: "duration_seconds".into(),
                    expected: "a number",
                });
            }
        }
        match self.map.get("recent_summary_refs") {
            None | Some(YamlValue::Null) => {}
            Some(YamlValue::List(items)) if items.iter().all(|i| i.as_str().is_some()) => {}
            Some(_) => {
                return Err(FieldError {
                    key: "recent_summary_refs".into(),
                    expected: "a list of file names",
                });
            }
        }
        self.audio_files().map(|_| ())
    }

    /// The underlying ordered map (for keys without an accessor).
    pub fn map(&self) -> &YamlMap {
        &self.map
    }

    /// Sets any key, keeping its position when it exists.
    pub fn insert(&mut self, key: &str, value: YamlValue) {
        self.map.insert(key, value);
    }

    /// `created_at`, if present.
    pub fn created_at(&self) -> Option<&str> {
        self.map.get("created_at").and_then(YamlValue::as_str)
    }

    /// The one-line summary; empty when there is none yet.
    pub fn summary(&self) -> &str {
        self.map.get("summary").and_then(YamlValue::as_str).unwrap_or("")
    }

    /// Stores a summary on one line, collapsing every whitespace run to one space as HSJ does.
    pub fn set_summary(&mut self, summary: &str) {
        let one_line = summary.split_whitespace().collect::<Vec<_>>().join(" ");
        self.map.insert("summary", YamlValue::Str(one_line));
    }

    /// `model_llm`, if present.
    pub fn model_llm(&self) -> Option<&str> {
        self.map.get("model_llm").and_then(YamlValue::as_str)
    }

    /// Total recorded seconds (`duration_seconds`).
    pub fn duration_seconds(&self) -> f64 {
        self.map
            .get("duration_seconds")
            .and_then(YamlValue::as_f64)
            .unwrap_or(0.0)
    }

    /// `recent_summary_refs`: the past session files whose summaries fed this session.
    pub fn recent_summary_refs(&self) -> Vec<&str> {
        match self.map.get("recent_summary_refs") {
            Some(YamlValue::List(items)) => items.iter().filter_map(YamlValue::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The `audio_file` entries.
    pub fn audio_files(&self) -> Result<Vec<AudioFile>, FieldError> {
        match self.map.get("audio_file") {
            None | Some(YamlValue::Null) => Ok(Vec::new()),
            Some(YamlValue::List(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    YamlValue::Map(map) => AudioFile::from_map(map.clone(), i),
                    _ => Err(FieldError {
                        key: format!("audio_file[{i}]"),
                        expected: "a mapping",
                    }),
                })
                .collect(),
            Some(_) => Err(FieldError {
                key: "audio_file".into(),
                expected: "a list",
            }),
        }
    }

    /// Replaces the `audio_file` list and recomputes `duration_seconds` (their sum, 2 decimals) as HSJ does.
    pub fn set_audio_files(&mut self, files: &[AudioFile]) {
        let total: f64 = files.iter().map(AudioFile::duration_seconds).sum();
        let total = (total * 100.0).round() / 100.0;
        self.map.insert("duration_seconds", YamlValue::float(total));
        self.map.insert(
            "audio_file",
            YamlValue::List(files.iter().map(|f| YamlValue::Map(f.map.clone())).collect()),
        );
    }

    /// Adds `file` to `audio_file`, replacing an entry for the same audio (same `wav`, or same `mp3` when neither
    /// has a `wav`), and recomputes the total duration.
    pub fn upsert_audio_file(&mut self, file: AudioFile) {
        let mut files = self.audio_files().unwrap_or_default();
        let same = |f: &AudioFile| match (f.wav(), file.wav()) {
            (Some(a), Some(b)) => a == b,
            (None, None) => f.mp3().is_some() && f.mp3() == file.mp3(),
            _ => false,
        };
        match files.iter_mut().find(|f| same(f)) {
            Some(existing) => *existing = file,
            None => files.push(file),
        }
        self.set_audio_files(&files);
    }

    /// Entries of `audio_file` still marked `pending: true`.
    pub fn pending_audio(&self) -> Vec<AudioFile> {
        self.audio_files()
            .unwrap_or_default()
            .into_iter()
            .filter(AudioFile::is_pending)
            .collect()
    }
}

/// One `audio_file[]` entry: a recorded answer's audio, its length and its transcription state.
///
/// Like [`Frontmatter`], it keeps the entry's own map, so fields it does not know survive.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFile {
    map: YamlMap,
}

impl AudioFile {
    fn from_map(map: YamlMap, index: usize) -> Result<Self, FieldError> {
        let err = |key: &str, expected| FieldError {
            key: format!("audio_file[{index}].{key}"),
            expected,
        };
        for key in ["wav", "mp3", "ogg", "pending_reason", "source"] {
            if !matches!(map.get(key), None | Some(YamlValue::Null | YamlValue::Str(_))) {
                return Err(err(key, "a string or null"));
            }
        }
        for key in ["duration_seconds", "voiced_seconds"] {
            if !matches!(
                map.get(key),
                None | Some(YamlValue::Null | YamlValue::Int(_) | YamlValue::Float(_))
            ) {
                return Err(err(key, "a number"));
            }
        }
        if !matches!(
            map.get("pending"),
            None | Some(YamlValue::Null | YamlValue::Bool(_))
        ) {
            return Err(err("pending", "true or false"));
        }
        Ok(Self { map })
    }

    /// A CLI take transcribed successfully: `{wav, mp3, duration_seconds}`.
    pub fn recorded(wav: &str, mp3: Option<&str>, duration_seconds: f64) -> Self {
        let mut map = YamlMap::new();
        map.insert("wav", YamlValue::str(wav));
        map.insert("mp3", mp3.map_or(YamlValue::Null, YamlValue::str));
        map.insert("duration_seconds", YamlValue::float(round2(duration_seconds)));
        Self { map }
    }

    /// A take whose transcription failed: adds `voiced_seconds`, `pending: true`, `pending_reason`, `source`.
    pub fn pending(
        wav: &str,
        mp3: Option<&str>,
        duration_seconds: f64,
        voiced_seconds: f64,
        reason: &str,
        source: &str,
    ) -> Self {
        let mut entry = Self::recorded(wav, mp3, duration_seconds);
        entry
            .map
            .insert("voiced_seconds", YamlValue::float(round2(voiced_seconds)));
        entry.map.insert("pending", YamlValue::Bool(true));
        entry.map.insert("pending_reason", YamlValue::str(reason));
        entry.map.insert("source", YamlValue::str(source));
        entry
    }

    /// The audio file name (HSJ's `wav` key, which also holds `.webm` names).
    pub fn wav(&self) -> Option<&str> {
        self.map.get("wav").and_then(YamlValue::as_str)
    }

    /// The compressed copy's file name, if any.
    pub fn mp3(&self) -> Option<&str> {
        self.map.get("mp3").and_then(YamlValue::as_str)
    }

    /// The compressed Ogg Opus copy's file name (Soundmind's `ogg` key), if any.
    ///
    /// Soundmind compresses takes to Ogg Opus, not MP3, so it records them under its own `ogg` key and leaves
    /// HSJ's `mp3` key as it was (null): nothing ever calls an `.ogg` file an MP3.
    pub fn ogg(&self) -> Option<&str> {
        self.map.get("ogg").and_then(YamlValue::as_str)
    }

    /// Records the take's compressed Ogg Opus copy under `ogg` (added after the existing keys); `mp3` is untouched.
    pub fn set_compressed(&mut self, ogg_name: &str) {
        self.map.insert("ogg", YamlValue::str(ogg_name));
    }

    /// Length of the take in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.map
            .get("duration_seconds")
            .and_then(YamlValue::as_f64)
            .unwrap_or(0.0)
    }

    /// Seconds above the voice threshold, when recorded.
    pub fn voiced_seconds(&self) -> Option<f64> {
        self.map.get("voiced_seconds").and_then(YamlValue::as_f64)
    }

    /// True while the take still waits for a transcript.
    pub fn is_pending(&self) -> bool {
        matches!(self.map.get("pending"), Some(YamlValue::Bool(true)))
    }

    /// Why transcription failed (an error class name), while pending.
    pub fn pending_reason(&self) -> Option<&str> {
        self.map.get("pending_reason").and_then(YamlValue::as_str)
    }

    /// `cli` or `web`, when recorded.
    pub fn source(&self) -> Option<&str> {
        self.map.get("source").and_then(YamlValue::as_str)
    }

    /// Sets the audio file name (HSJ's `wav` key), e.g. after a merge renamed the file.
    pub fn set_wav(&mut self, name: Option<&str>) {
        self.map
            .insert("wav", name.map_or(YamlValue::Null, YamlValue::str));
    }

    /// Sets the compressed copy's file name.
    pub fn set_mp3(&mut self, name: Option<&str>) {
        self.map
            .insert("mp3", name.map_or(YamlValue::Null, YamlValue::str));
    }

    /// Marks the take as transcribed: removes only `pending` and `pending_reason`, as HSJ's reconcile does.
    pub fn clear_pending(&mut self) {
        self.map.remove("pending");
        self.map.remove("pending_reason");
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{emit_map, parse_map};

    #[test]
    fn upserting_audio_replaces_the_same_clip_and_sums_durations() {
        let mut fm = Frontmatter::new_session(&NewSession::default(), "x.md");
        fm.upsert_audio_file(AudioFile::pending("x_01.wav", None, 2.0, 1.5, "Timeout", "cli"));
        fm.upsert_audio_file(AudioFile::recorded("x_02.wav", None, 1.25));
        fm.upsert_audio_file(AudioFile::recorded("x_01.wav", Some("x_01.mp3"), 2.0));
        let files = fm.audio_files().unwrap();
        assert_eq!(files.len(), 2);
        assert!(!files[0].is_pending() && files[0].mp3() == Some("x_01.mp3"));
        assert_eq!(fm.duration_seconds(), 3.25);
    }

    #[test]
    fn new_session_matches_hsj_key_order() {
        let fm = Frontmatter::new_session(
            &NewSession {
                created_at: "2025-11-03T07:14:09.821648".into(),
                model_llm: "local:smollm2".into(),
                model_stt: "tiny.en".into(),
                stt_backend: "local".into(),
                stt_formatting: "sentences".into(),
                app_version: "soundmind 0.1.0".into(),
                ..Default::default()
            },
            "251103_0714.md",
        );
        let keys: Vec<&str> = fm.map().iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "created_at",
                "transcript_file",
                "recent_summary_refs",
                "model_llm",
                "model_stt",
                "stt_backend",
                "stt_compute",
                "stt_formatting",
                "stt_requested_backend",
                "stt_requested_model",
                "stt_requested_compute",
                "stt_auto_private_reason",
                "stt_warnings",
                "app_version",
                "duration_seconds",
                "audio_file",
                "summary"
            ]
        );
        assert!(emit_map(fm.map()).contains("created_at: '2025-11-03T07:14:09.821648'\n"));
    }

    #[test]
    fn audio_files_sum_to_duration_and_pending_clears_like_hsj() {
        let mut fm = Frontmatter::default();
        let mut pending = AudioFile::pending(
            "a_02.wav",
            Some("a_02.mp3"),
            1.35,
            1.2,
            "APIConnectionError",
            "cli",
        );
        fm.set_audio_files(&[
            AudioFile::recorded("a_01.wav", Some("a_01.mp3"), 1.351),
            pending.clone(),
        ]);
        assert_eq!(fm.duration_seconds(), 2.7);
        assert_eq!(fm.pending_audio().len(), 1);
        pending.clear_pending();
        let text = emit_map(&pending.map);
        assert_eq!(
            text,
            "wav: a_02.wav\nmp3: a_02.mp3\nduration_seconds: 1.35\nvoiced_seconds: 1.2\nsource: cli\n"
        );
    }

    #[test]
    fn wrong_types_are_named() {
        let map = parse_map("summary: [a, b]\n").unwrap();
        assert_eq!(Frontmatter::from_map(map).unwrap_err().key, "summary");
        let map = parse_map("audio_file:\n- wav: x\n  duration_seconds: long\n").unwrap();
        assert_eq!(
            Frontmatter::from_map(map).unwrap_err().key,
            "audio_file[0].duration_seconds"
        );
    }

    #[test]
    fn summary_is_stored_on_one_line() {
        let mut fm = Frontmatter::default();
        fm.set_summary("- one\n- two\n\n  three");
        assert_eq!(fm.summary(), "- one - two three");
    }
}
