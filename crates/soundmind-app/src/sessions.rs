//! Reading the journal for the front ends: list, show, summaries and search.

use std::path::PathBuf;

use soundmind_core::{SessionDoc, SessionId};
use soundmind_store::search::SearchHit;
use soundmind_store::{Journal, SessionEntry, StoreError, fields};

use soundmind_engine::{CancelToken, ChatModel};

use crate::config::Config;
use crate::prompts::Prompts;
use crate::summaries::{RewriteError, rewrite_summary};

/// The user's journal as the front ends see it.
#[derive(Debug, Clone)]
pub struct Sessions {
    journal: Journal,
    index_path: PathBuf,
}

/// One row of [`Sessions::summaries`].
#[derive(Debug)]
pub struct SummaryRow {
    /// The session.
    pub id: SessionId,
    /// Its summary state, or why the file could not be read.
    pub state: Result<SummaryState, StoreError>,
}

/// Whether a session has a summary yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryState {
    /// A summary of this many characters.
    Present(usize),
    /// No summary (HSJ's `summary: ''`).
    Missing,
}

impl Sessions {
    /// The journal named by the resolved configuration.
    pub fn from_config(config: &Config) -> Self {
        let root = config.sessions_dir.value.clone();
        Self::new(root, &config.cache_dir.value)
    }

    /// The journal at `root`, with its search index cached under `cache_dir`.
    pub fn new(root: PathBuf, cache_dir: &std::path::Path) -> Self {
        let index_path = cache_dir
            .join("search")
            .join(format!("{:016x}.sqlite", path_hash(&root)));
        Self {
            journal: Journal::open(root),
            index_path,
        }
    }

    /// The underlying journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Every session, newest first; unreadable ones carry their error.
    pub fn list(&self) -> Result<Vec<SessionEntry>, StoreError> {
        self.journal.list()
    }

    /// One session by id (a `.md` suffix is accepted).
    pub fn show(&self, id: &str) -> Result<(SessionId, SessionDoc), StoreError> {
        let id = SessionId::parse(id)?;
        let doc = self.journal.load(&id)?;
        Ok((id, doc))
    }

    /// Which sessions have summaries, oldest first (as HSJ prints them). Unreadable files are skipped with their
    /// error.
    pub fn summaries(&self) -> Result<Vec<SummaryRow>, StoreError> {
        let mut rows: Vec<_> = self
            .list()?
            .into_iter()
            .map(|entry| {
                let state = entry
                    .doc
                    .map(|doc| match doc.frontmatter.summary().chars().count() {
                        0 => SummaryState::Missing,
                        n => SummaryState::Present(n),
                    });
                SummaryRow { id: entry.id, state }
            })
            .collect();
        rows.reverse();
        Ok(rows)
    }

    /// Writes fresh summaries with `chat` (`fix summaries backfill`): every session, or only those without one.
    /// Sessions are done oldest first; `on_session` hears each outcome, and a failure does not stop the rest.
    pub fn backfill_summaries(
        &self,
        missing_only: bool,
        chat: &dyn ChatModel,
        prompts: &Prompts,
        language: &str,
        cancel: &CancelToken,
        on_session: &mut dyn FnMut(&SessionId, &Result<String, RewriteError>),
    ) -> Result<(), StoreError> {
        for row in self.summaries()? {
            if cancel.is_cancelled() {
                break;
            }
            let skip = match &row.state {
                Ok(SummaryState::Present(_)) => missing_only,
                Ok(SummaryState::Missing) => false,
                Err(_) => true,
            };
            if skip {
                continue;
            }
            let outcome = rewrite_summary(&self.journal, &row.id, chat, prompts, language, cancel);
            on_session(&row.id, &outcome);
        }
        Ok(())
    }

    /// Writes a fresh summary of one session (`fix summaries regenerate ID`).
    pub fn regenerate_summary(
        &self,
        id: &str,
        chat: &dyn ChatModel,
        prompts: &Prompts,
        language: &str,
        cancel: &CancelToken,
    ) -> Result<String, RewriteError> {
        let id = SessionId::parse(id).map_err(StoreError::from)?;
        rewrite_summary(&self.journal, &id, chat, prompts, language, cancel)
    }

    /// Full-text search over transcripts and summaries, best match first.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let (hits, stats) = self.journal.search(&self.index_path, query, limit)?;
        if stats.added + stats.updated + stats.removed > 0 {
            // Best effort: a read-only journal must still be searchable.
            let _ = self.journal.events().append(
                "search.index.synced",
                fields! {"added" => stats.added, "updated" => stats.updated, "removed" => stats.removed},
            );
        }
        Ok(hits)
    }
}

/// FNV-1a of the path: a stable, dependency-free name for the per-journal index file.
fn path_hash(path: &std::path::Path) -> u64 {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    canonical
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}
