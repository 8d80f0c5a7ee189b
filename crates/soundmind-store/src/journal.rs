//! The sessions folder: list, load, create and update sessions.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDateTime;
use soundmind_core::{NewSession, SessionDoc, SessionId};

use crate::atomic::{create_atomic, write_atomic};
use crate::lock::{STATE_DIR, SessionLock};
use crate::search::{FileStamp, IndexedDoc, SearchHit, SearchIndex, SyncStats};
use crate::{EventLog, StoreError};

/// How long a write waits for another process's write to the same session.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// A journal: one sessions folder in HSJ's layout.
#[derive(Debug, Clone)]
pub struct Journal {
    root: PathBuf,
    events: EventLog,
}

/// One row of [`Journal::list`]: a session, or the reason it could not be read.
#[derive(Debug)]
pub struct SessionEntry {
    /// The session id (file stem).
    pub id: SessionId,
    /// The session file.
    pub path: PathBuf,
    /// The parsed session, or what is wrong with the file.
    pub doc: Result<SessionDoc, StoreError>,
}

impl Journal {
    /// A journal rooted at `root`. Nothing is created until the first write.
    pub fn open(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            events: EventLog::new(&root),
            root,
        }
    }

    /// The sessions folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The event log of this journal.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// Path of the session file for `id`.
    pub fn session_path(&self, id: &SessionId) -> PathBuf {
        self.root.join(id.file_name())
    }

    /// Path of the asset folder (audio, sidecars) for `id`.
    pub fn session_dir(&self, id: &SessionId) -> PathBuf {
        self.root.join(id.as_str())
    }

    /// Loads one session.
    pub fn load(&self, id: &SessionId) -> Result<SessionDoc, StoreError> {
        let path = self.session_path(id);
        match fs::read(&path) {
            Ok(bytes) => SessionDoc::parse(&bytes).map_err(|source| StoreError::Corrupt { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let folder = self.session_dir(id);
                if folder.is_dir() {
                    Err(StoreError::MissingSessionFile {
                        folder,
                        expected: path,
                    })
                } else {
                    Err(StoreError::NotFound {
                        id: id.to_string(),
                        dir: self.root.clone(),
                    })
                }
            }
            Err(e) => Err(StoreError::io("read", path)(e)),
        }
    }

    /// Every session, newest first (by id, as HSJ sorts). Unreadable files are listed with their error, and
    /// asset folders without a session file are listed as [`StoreError::MissingSessionFile`]; neither stops
    /// the listing.
    pub fn list(&self) -> Result<Vec<SessionEntry>, StoreError> {
        let mut ids = self.session_ids()?;
        let mut entries: Vec<SessionEntry> = ids
            .drain(..)
            .map(|(id, path)| {
                let doc = fs::read(&path)
                    .map_err(StoreError::io("read", &path))
                    .and_then(|bytes| {
                        SessionDoc::parse(&bytes).map_err(|source| StoreError::Corrupt {
                            path: path.clone(),
                            source,
                        })
                    });
                SessionEntry { id, path, doc }
            })
            .collect();
        for folder in self.orphan_folders()? {
            let id = SessionId::parse(&folder.file_name().unwrap_or_default().to_string_lossy())?;
            let expected = self.session_path(&id);
            entries.push(SessionEntry {
                id,
                path: expected.clone(),
                doc: Err(StoreError::MissingSessionFile { folder, expected }),
            });
        }
        entries.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(entries)
    }

    /// Ids and paths of every `*.md` directly in the folder.
    /// Every session id, unsorted, from the file names alone (no file is read).
    pub fn ids(&self) -> Result<Vec<SessionId>, StoreError> {
        Ok(self.session_ids()?.into_iter().map(|(id, _)| id).collect())
    }

    fn session_ids(&self) -> Result<Vec<(SessionId, PathBuf)>, StoreError> {
        let mut out = Vec::new();
        for entry in self.read_root()? {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !name.ends_with(".md") || name.starts_with('.') {
                continue;
            }
            if !entry.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()) {
                continue;
            }
            if let Ok(id) = SessionId::parse(name) {
                out.push((id, entry.path()));
            }
        }
        Ok(out)
    }

    /// Session-looking folders (`yyMMdd_HHmm…`) with no `.md` beside them.
    fn orphan_folders(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut out = Vec::new();
        for entry in self.read_root()? {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let looks_like_session = name.len() >= 11
                && name.as_bytes()[..6].iter().all(u8::is_ascii_digit)
                && name.as_bytes()[6] == b'_';
            if looks_like_session
                && entry.file_type().is_ok_and(|t| t.is_dir())
                && !self.root.join(format!("{name}.md")).exists()
            {
                out.push(entry.path());
            }
        }
        Ok(out)
    }

    fn read_root(&self) -> Result<Vec<fs::DirEntry>, StoreError> {
        match fs::read_dir(&self.root) {
            Ok(dir) => Ok(dir.filter_map(Result::ok).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(StoreError::io("list", &self.root)(e)),
        }
    }

    /// Creates a new session started at `started` (local time). Never overwrites: if the minute's id is taken
    /// (by a file or an asset folder), the next candidate from [`SessionId::candidates`] is used.
    pub fn create(
        &self,
        started: NaiveDateTime,
        new: &NewSession,
    ) -> Result<(SessionId, SessionDoc), StoreError> {
        fs::create_dir_all(&self.root).map_err(StoreError::io("create", &self.root))?;
        for id in SessionId::candidates(started).take(1000) {
            if self.session_dir(&id).exists() {
                continue;
            }
            let doc = SessionDoc::new(new, &id.file_name());
            let path = self.session_path(&id);
            match create_atomic(&path, doc.render().as_bytes()) {
                Ok(()) => return Ok((id, doc)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(StoreError::io("create", path)(e)),
            }
        }
        Err(StoreError::io("create a session in", &self.root)(
            std::io::Error::other("every candidate name for this second is taken"),
        ))
    }

    /// Changes a session under its cross-process lock: the file is re-read, `change` is applied, and the result
    /// is written once, atomically. Returns what `change` returned.
    pub fn update<T>(
        &self,
        id: &SessionId,
        change: impl FnOnce(&mut SessionDoc) -> T,
    ) -> Result<T, StoreError> {
        let _lock = SessionLock::acquire(&self.root, id.as_str(), LOCK_TIMEOUT)?;
        let mut doc = self.load(id)?;
        let out = change(&mut doc);
        let path = self.session_path(id);
        write_atomic(&path, doc.render().as_bytes()).map_err(StoreError::io("write", path))?;
        Ok(out)
    }

    /// Full-text search over transcripts and summaries. The index lives at `index_path` and is only a cache:
    /// it is brought up to date with the files (by modification time and size) before every query.
    pub fn search(
        &self,
        index_path: &Path,
        query: &str,
        limit: usize,
    ) -> Result<(Vec<SearchHit>, SyncStats), StoreError> {
        if let Some(dir) = index_path.parent() {
            fs::create_dir_all(dir).map_err(StoreError::io("create", dir))?;
        }
        let mut index = SearchIndex::open(index_path)?;
        let stamps = self.stamps()?;
        let stats = index.sync(&stamps, |id| {
            let id = SessionId::parse(id).ok()?;
            let doc = self.load(&id).ok()?;
            Some(IndexedDoc {
                id: id.to_string(),
                summary: doc.frontmatter.summary().to_string(),
                body: doc.answers_text(),
            })
        })?;
        Ok((index.search(query, limit)?, stats))
    }

    fn stamps(&self) -> Result<Vec<FileStamp>, StoreError> {
        let ids = self.session_ids()?;
        let mut stamps = Vec::with_capacity(ids.len());
        for (id, path) in ids {
            let Ok(meta) = fs::metadata(&path) else { continue };
            let modified_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64);
            stamps.push(FileStamp {
                id: id.to_string(),
                modified_ns,
                len: meta.len(),
            });
        }
        Ok(stamps)
    }

    /// Writes the raw STT output for the audio file `clip` (e.g. `251103_0714_01.wav`) as the sidecar
    /// `<id>/<clip stem>.stt.json`, pretty-printed with sorted keys as HSJ writes it, and removes the clip's
    /// failure sentinel if one exists: the clip is no longer pending.
    pub fn write_stt_sidecar(
        &self,
        id: &SessionId,
        clip: &str,
        raw: &serde_json::Value,
    ) -> Result<PathBuf, StoreError> {
        let dir = self.session_dir(id);
        fs::create_dir_all(&dir).map_err(StoreError::io("create", &dir))?;
        let stem = clip_stem(clip);
        let path = dir.join(format!("{stem}.stt.json"));
        let text = serde_json::to_string_pretty(raw).expect("JSON values always serialise");
        write_atomic(&path, text.as_bytes()).map_err(StoreError::io("write", &path))?;
        let sentinel = dir.join(format!("{stem}.stt.error.txt"));
        match fs::remove_file(&sentinel) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(StoreError::io("remove", sentinel)(e));
            }
            _ => {}
        }
        Ok(path)
    }

    /// The path for the next CLI take of session `id`: `<id>/<id>_NN.wav`, numbered after the highest index on disk
    /// or in the frontmatter (HSJ's resume rule), skipping any name taken with any extension.
    pub fn next_segment_path(&self, id: &SessionId) -> Result<PathBuf, StoreError> {
        let dir = self.session_dir(id);
        let prefix = format!("{id}_");
        let index_of = |name: &str| -> Option<u32> {
            let rest = name.strip_prefix(&prefix)?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        };
        let mut highest = 0;
        if let Ok(entries) = fs::read_dir(&dir) {
            for entry in entries.filter_map(Result::ok) {
                if let Some(i) = entry.file_name().to_str().and_then(index_of) {
                    highest = highest.max(i);
                }
            }
        }
        if let Ok(doc) = self.load(id) {
            for file in doc.frontmatter.audio_files().unwrap_or_default() {
                if let Some(i) = file.wav().and_then(index_of) {
                    highest = highest.max(i);
                }
            }
        }
        Ok(dir.join(id.segment_name(highest + 1, "wav")))
    }

    /// Writes HSJ's failure sentinel `<id>/<clip stem>.stt.error.txt` (`timestamp:`, `error_type:`, `message:` lines)
    /// after a failed transcription of `clip`. `fix stt` retries such clips; a sidecar written later removes it.
    pub fn write_stt_error(
        &self,
        id: &SessionId,
        clip: &str,
        error_type: &str,
        message: &str,
    ) -> Result<PathBuf, StoreError> {
        let dir = self.session_dir(id);
        fs::create_dir_all(&dir).map_err(StoreError::io("create", &dir))?;
        let path = dir.join(format!("{}.stt.error.txt", clip_stem(clip)));
        let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = format!(
            "timestamp: {}\nerror_type: {}\nmessage: {}\n",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            one_line(error_type),
            one_line(message),
        );
        write_atomic(&path, text.as_bytes()).map_err(StoreError::io("write", &path))?;
        Ok(path)
    }

    /// Soundmind's own bookkeeping folder inside the journal (locks, small state files).
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    /// A small state file in [`Journal::state_dir`] (e.g. when the last check-in was), if it exists.
    pub fn read_state(&self, name: &str) -> Result<Option<String>, StoreError> {
        let path = self.state_dir().join(name);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io("read", path)(e)),
        }
    }

    /// Writes a small state file in [`Journal::state_dir`], atomically.
    pub fn write_state(&self, name: &str, text: &str) -> Result<(), StoreError> {
        let dir = self.state_dir();
        fs::create_dir_all(&dir).map_err(StoreError::io("create", &dir))?;
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes()).map_err(StoreError::io("write", path))
    }
}

/// `251103_0714_01.wav` → `251103_0714_01`; `browser-001.webm` → `browser-001`.
fn clip_stem(clip: &str) -> &str {
    clip.rsplit_once('.').map_or(clip, |(stem, _)| stem)
}
