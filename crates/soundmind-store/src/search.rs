//! The full-text search index, which is only a cache.
//!
//! The Markdown session files are the single source of truth. This module keeps a SQLite database (normally
//! in the OS cache directory) with an FTS5 table over each session's summary and body, plus a `files` table
//! that records the `(modified_ns, len)` stamp of every file when it was indexed. [`SearchIndex::sync`]
//! compares those stamps with a cheap directory listing and re-reads only the files that changed, so keeping
//! the index fresh costs one query and an in-memory comparison when nothing changed.
//!
//! Because everything in it can be rebuilt from the files, the index is treated as disposable: a corrupt
//! database or one written by an older schema version is deleted and rebuilt empty, and the next `sync`
//! fills it again. Durability is relaxed accordingly (`journal_mode=WAL`, `synchronous=NORMAL`).
//!
//! Design decision: SQLite FTS5 rather than tantivy. SQLite is one small, widely vetted C file that the store
//! already bundles through rusqlite, FTS5 gives bm25 ranking, diacritic folding and snippets out of the box,
//! and the cache stays a single ordinary database file instead of a second, engine-specific index format with
//! its own directory layout, locking and upgrade story. At journal scale (thousands of sessions of a few KB)
//! FTS5 answers queries in milliseconds.
//!
//! This module deliberately depends on nothing else in the store crate.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

/// Version of the on-disk schema, stored in `PRAGMA user_version`. Bump it whenever the schema, the
/// tokenizer or the meaning of a stored column changes: an index with any other version is deleted and
/// rebuilt.
const SCHEMA_VERSION: i64 = 1;

/// How long to wait for another process (the CLI and the app may share an index) holding the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// bm25 column weights, in FTS5 column order: `id` (unindexed), `summary`, `body`.
const BM25_WEIGHTS: &str = "0.0, 3.0, 1.0";

/// Number of tokens in a snippet.
const SNIPPET_TOKENS: u32 = 12;

/// Internal match markers handed to `snippet()`. Unicode noncharacters, so they never occur in journal text;
/// they let us tell whether a column actually matched before turning them into `[` and `]`.
const MARK_OPEN: char = '\u{FDD0}';
const MARK_CLOSE: char = '\u{FDD1}';

const SCHEMA: &str = "
    CREATE TABLE files (
        id          TEXT PRIMARY KEY,
        modified_ns INTEGER NOT NULL,
        len         INTEGER NOT NULL,
        doc         INTEGER NOT NULL UNIQUE  -- rowid of the row in `docs`
    );
    CREATE VIRTUAL TABLE docs USING fts5(
        id UNINDEXED,
        summary,
        body,
        tokenize = 'unicode61 remove_diacritics 2'
    );
";

/// One session file as seen on disk, cheap to obtain (from a directory listing and file metadata).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileStamp {
    /// The session id (the key of the index).
    pub id: String,
    /// The file's modification time, in nanoseconds since the Unix epoch.
    pub modified_ns: i64,
    /// The file's length in bytes.
    pub len: u64,
}

/// The searchable text of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedDoc {
    /// The session id. [`SearchIndex::sync`] indexes the doc under the id of the [`FileStamp`] it was
    /// loaded for, so this is informational.
    pub id: String,
    /// The session's summary (weighted higher than the body when ranking).
    pub summary: String,
    /// The session's full text.
    pub body: String,
}

/// A search result.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The id of the matching session.
    pub id: String,
    /// About a dozen tokens of the body around the match (or of the summary when only the summary matched),
    /// with matches wrapped in `[` `]` and `…` where text was cut.
    pub snippet: String,
    /// Relevance: the negated bm25 score, so higher is better. Only comparable within one query.
    pub score: f64,
}

/// What one [`SearchIndex::sync`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// Files indexed for the first time.
    pub added: usize,
    /// Files re-indexed because their stamp changed.
    pub updated: usize,
    /// Rows dropped: files no longer on disk, or files that could no longer be loaded.
    pub removed: usize,
}

/// An error from the search index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// A SQLite operation on the index failed.
    #[error("search index {}: {source}", path.display())]
    Sqlite {
        /// The index database.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// A filesystem operation on the index (creating its directory, deleting a corrupt file) failed.
    #[error("search index {}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl SearchError {
    fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        Self::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether this error means the database file is damaged (so rebuilding it is the fix).
    fn is_corruption(&self) -> bool {
        match self {
            Self::Sqlite { source, .. } => is_corruption(source),
            Self::Io { .. } => false,
        }
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

/// Why opening an existing index failed.
enum OpenFailure {
    /// The file is corrupt or has another schema version: delete it and start over.
    Rebuild,
    /// A real error (permissions, locking, ...), reported to the caller.
    Error(rusqlite::Error),
}

impl From<rusqlite::Error> for OpenFailure {
    fn from(e: rusqlite::Error) -> Self {
        if is_corruption(&e) {
            Self::Rebuild
        } else {
            Self::Error(e)
        }
    }
}

/// The full-text index over all sessions: a SQLite/FTS5 cache that [`SearchIndex::sync`] keeps in step
/// with the session files.
pub struct SearchIndex {
    conn: Connection,
    path: PathBuf,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens (creating if needed, along with its parent directory) the index database at `path`.
    ///
    /// If the file is corrupt, is not a SQLite database, or has another schema version, it is deleted and
    /// rebuilt empty: it is only a cache, and the next [`sync`](Self::sync) fills it again.
    pub fn open(path: &Path) -> Result<Self, SearchError> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|source| SearchError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        match try_open(path) {
            Ok(conn) => Ok(Self {
                conn,
                path: path.to_path_buf(),
            }),
            Err(OpenFailure::Error(e)) => Err(SearchError::sqlite(path, e)),
            Err(OpenFailure::Rebuild) => {
                delete_database(path)?;
                Self::open_fresh(path)
            }
        }
    }

    /// The path of the index database.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens `path` after its files were deleted; any failure now is reported, not retried.
    fn open_fresh(path: &Path) -> Result<Self, SearchError> {
        match try_open(path) {
            Ok(conn) => Ok(Self {
                conn,
                path: path.to_path_buf(),
            }),
            Err(OpenFailure::Error(e)) => Err(SearchError::sqlite(path, e)),
            Err(OpenFailure::Rebuild) => Err(SearchError::sqlite(
                path,
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                    Some("index still unusable after being deleted and recreated".to_owned()),
                ),
            )),
        }
    }

    /// Closes the connection, deletes the database and opens a fresh, empty one.
    fn rebuild(&mut self) -> Result<(), SearchError> {
        // Swap in a throwaway connection so the real one is closed before its files are deleted.
        let placeholder = Connection::open_in_memory().map_err(|e| SearchError::sqlite(&self.path, e))?;
        drop(std::mem::replace(&mut self.conn, placeholder));
        delete_database(&self.path)?;
        *self = Self::open_fresh(&self.path)?;
        Ok(())
    }

    /// Brings the index up to date with the files.
    ///
    /// `on_disk` lists every session file now present. For each one whose `(modified_ns, len)` differs from
    /// what the index recorded, or that is new, `load(id)` is called and its doc is (re)indexed under that
    /// id; `load` returning `None` means "unreadable": the file is skipped and any old row for it is dropped,
    /// so it is retried on the next sync. Rows for ids not in `on_disk` are deleted. Unchanged files cost no
    /// query and no `load` call. All changes happen in one transaction.
    ///
    /// If the database turns out to be corrupt, it is rebuilt and the sync starts over (calling `load` for
    /// every file).
    pub fn sync(
        &mut self,
        on_disk: &[FileStamp],
        mut load: impl FnMut(&str) -> Option<IndexedDoc>,
    ) -> Result<SyncStats, SearchError> {
        match self.sync_once(on_disk, &mut load) {
            Err(e) if e.is_corruption() => {
                self.rebuild()?;
                self.sync_once(on_disk, &mut load)
            }
            result => result,
        }
    }

    fn sync_once(
        &mut self,
        on_disk: &[FileStamp],
        load: &mut impl FnMut(&str) -> Option<IndexedDoc>,
    ) -> Result<SyncStats, SearchError> {
        let path = &self.path;
        let err = |e| SearchError::sqlite(path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;

        // Every recorded stamp in one query: id -> (modified_ns, len, doc rowid).
        let mut known: HashMap<String, (i64, i64, i64)> = HashMap::new();
        {
            let mut stmt = tx
                .prepare_cached("SELECT id, modified_ns, len, doc FROM files")
                .map_err(err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
                })
                .map_err(err)?;
            for row in rows {
                let (id, stamp) = row.map_err(err)?;
                known.insert(id, stamp);
            }
        }

        let mut stats = SyncStats::default();
        let mut seen: HashSet<&str> = HashSet::with_capacity(on_disk.len());
        for file in on_disk {
            if !seen.insert(file.id.as_str()) {
                continue; // listed twice: the first entry wins
            }
            let len = i64::try_from(file.len).unwrap_or(i64::MAX);
            let previous = known.remove(&file.id);
            if let Some((modified_ns, old_len, _)) = previous
                && modified_ns == file.modified_ns
                && old_len == len
            {
                continue;
            }
            match (load(&file.id), previous) {
                (Some(doc), Some((_, _, rowid))) => {
                    tx.prepare_cached("UPDATE docs SET summary = ?1, body = ?2 WHERE rowid = ?3")
                        .and_then(|mut s| s.execute(params![doc.summary, doc.body, rowid]))
                        .map_err(err)?;
                    tx.prepare_cached("UPDATE files SET modified_ns = ?1, len = ?2 WHERE id = ?3")
                        .and_then(|mut s| s.execute(params![file.modified_ns, len, file.id]))
                        .map_err(err)?;
                    stats.updated += 1;
                }
                (Some(doc), None) => {
                    tx.prepare_cached("INSERT INTO docs (id, summary, body) VALUES (?1, ?2, ?3)")
                        .and_then(|mut s| s.execute(params![file.id, doc.summary, doc.body]))
                        .map_err(err)?;
                    let rowid = tx.last_insert_rowid();
                    tx.prepare_cached(
                        "INSERT INTO files (id, modified_ns, len, doc) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .and_then(|mut s| s.execute(params![file.id, file.modified_ns, len, rowid]))
                    .map_err(err)?;
                    stats.added += 1;
                }
                (None, Some((_, _, rowid))) => {
                    delete_row(&tx, &file.id, rowid).map_err(err)?;
                    stats.removed += 1;
                }
                (None, None) => {}
            }
        }

        // Whatever is left was not listed: the file is gone.
        for (id, (_, _, rowid)) in &known {
            delete_row(&tx, id, *rowid).map_err(err)?;
            stats.removed += 1;
        }

        tx.commit().map_err(err)?;
        Ok(stats)
    }

    /// Full-text search over summaries and bodies.
    ///
    /// `query` is plain words, not FTS5 syntax: every whitespace-separated term is quoted, so characters such
    /// as `"`, `*`, `:`, `-`, `(` and words like `NEAR` or `OR` are searched literally and never cause a
    /// syntax error. All terms must match (AND); a term containing punctuation (`x:y`) matches its words as a
    /// phrase. Matching ignores case and diacritics (`cafe` finds `café`). Results are ranked by bm25 with the
    /// summary weighted higher than the body, ties broken newest-first by id, and capped at `limit`.
    /// An empty or whitespace-only query (or one with no letters or digits) returns no hits.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, SearchError> {
        let Some(fts_query) = fts_query(query) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let err = |e| SearchError::sqlite(&self.path, e);

        // Rank first, cheaply; snippets are computed only for the hits that are returned.
        let ranked: Vec<(i64, String, f64)> = {
            let mut stmt = self
                .conn
                .prepare_cached(&format!(
                    "SELECT docs.rowid, files.id, bm25(docs, {BM25_WEIGHTS}) AS score
                     FROM docs JOIN files ON files.doc = docs.rowid
                     WHERE docs MATCH ?1 ORDER BY score, files.id DESC LIMIT ?2"
                ))
                .map_err(err)?;
            let rows = stmt
                .query_map(params![fts_query, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(err)?;
            rows.collect::<Result<_, _>>().map_err(err)?
        };

        let mut snippets = self
            .conn
            .prepare_cached(&format!(
                "SELECT snippet(docs, 2, '{MARK_OPEN}', '{MARK_CLOSE}', '…', {SNIPPET_TOKENS}),
                        snippet(docs, 1, '{MARK_OPEN}', '{MARK_CLOSE}', '…', {SNIPPET_TOKENS})
                 FROM docs WHERE docs MATCH ?1 AND rowid = ?2"
            ))
            .map_err(err)?;
        let mut hits = Vec::with_capacity(ranked.len());
        for (rowid, id, bm25) in ranked {
            let (body, summary): (Option<String>, Option<String>) = snippets
                .query_row(params![fts_query, rowid], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(err)?
                .unwrap_or_default();
            let (body, summary) = (body.unwrap_or_default(), summary.unwrap_or_default());
            let snippet = if body.contains(MARK_OPEN) || (!summary.contains(MARK_OPEN) && !body.is_empty()) {
                body
            } else {
                summary
            };
            let snippet = snippet.replace(MARK_OPEN, "[").replace(MARK_CLOSE, "]");
            hits.push(SearchHit {
                id,
                snippet,
                score: -bm25,
            });
        }
        Ok(hits)
    }
}

/// Opens the database at `path`, creating the schema if the file is new.
fn try_open(path: &Path) -> Result<Connection, OpenFailure> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The first statement that reads the file: junk bytes fail here with SQLITE_NOTADB.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;

    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(conn);
    }
    if version != 0 {
        return Err(OpenFailure::Rebuild);
    }
    // Version 0: a brand-new file, or one we did not write. Create the schema under the write lock,
    // re-checking in case another process is doing the same.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != SCHEMA_VERSION {
        let objects: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if version != 0 || objects != 0 {
            return Err(OpenFailure::Rebuild);
        }
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(conn)
}

/// Deletes the database file and its WAL/shared-memory/journal companions, if present.
fn delete_database(path: &Path) -> Result<(), SearchError> {
    let mut paths = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = OsString::from(path.as_os_str());
        name.push(suffix);
        paths.push(PathBuf::from(name));
    }
    for p in paths {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(SearchError::Io { path: p, source }),
        }
    }
    Ok(())
}

fn delete_row(conn: &Connection, id: &str, rowid: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM docs WHERE rowid = ?1")?
        .execute([rowid])?;
    conn.prepare_cached("DELETE FROM files WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Turns plain user words into an FTS5 query: each term quoted (inner `"` doubled), implicitly ANDed.
/// Terms without a letter or digit would tokenize to nothing, so they are dropped; `None` if none remain.
fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    fn stamp(id: &str, modified_ns: i64, len: u64) -> FileStamp {
        FileStamp {
            id: id.to_owned(),
            modified_ns,
            len,
        }
    }

    fn doc(id: &str, summary: &str, body: &str) -> IndexedDoc {
        IndexedDoc {
            id: id.to_owned(),
            summary: summary.to_owned(),
            body: body.to_owned(),
        }
    }

    /// An index in a fresh temp dir, synced with `docs` (all stamped `(1, 1)`).
    fn index_with(docs: &[IndexedDoc]) -> (tempfile::TempDir, SearchIndex) {
        let dir = tempfile::tempdir().unwrap();
        let mut index = SearchIndex::open(&dir.path().join("cache/search.sqlite")).unwrap();
        let stamps: Vec<_> = docs.iter().map(|d| stamp(&d.id, 1, 1)).collect();
        let stats = index
            .sync(&stamps, |id| docs.iter().find(|d| d.id == id).cloned())
            .unwrap();
        assert_eq!(
            stats,
            SyncStats {
                added: docs.len(),
                updated: 0,
                removed: 0
            }
        );
        (dir, index)
    }

    fn ids(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn finds_words_in_body_and_summary() {
        let (_dir, index) = index_with(&[
            doc(
                "2024-01-01",
                "A walk by the river",
                "I talked about my sister and the long winter.",
            ),
            doc(
                "2024-01-02",
                "Work stress",
                "The deadline moved again and I felt anxious about it.",
            ),
        ]);

        let hits = index.search("deadline", 10).unwrap();
        assert_eq!(ids(&hits), ["2024-01-02"]);
        assert!(hits[0].snippet.contains("[deadline]"), "{}", hits[0].snippet);
        assert!(hits[0].score > 0.0);

        let hits = index.search("river", 10).unwrap();
        assert_eq!(ids(&hits), ["2024-01-01"]);
        assert!(
            hits[0].snippet.contains("[river]"),
            "snippet falls back to the summary: {}",
            hits[0].snippet
        );

        // Case-insensitive, and all terms must match.
        assert_eq!(ids(&index.search("SISTER Winter", 10).unwrap()), ["2024-01-01"]);
        assert!(index.search("sister deadline", 10).unwrap().is_empty());
        assert!(index.search("nothing-like-this", 10).unwrap().is_empty());
        assert!(index.search("", 10).unwrap().is_empty());
        assert!(index.search("   \t\n ", 10).unwrap().is_empty());
        assert!(index.search("deadline", 0).unwrap().is_empty());
    }

    #[test]
    fn summary_outranks_body_and_ties_are_newest_first() {
        let (_dir, index) = index_with(&[
            doc(
                "2024-01-01",
                "Notes",
                "Some words and then garden, among other words of similar length.",
            ),
            doc(
                "2024-01-02",
                "Garden",
                "Some words and then nothing, among other words of similar length.",
            ),
            doc(
                "2024-01-03",
                "Notes",
                "Some words and then garden, among other words of similar length.",
            ),
        ]);
        let hits = index.search("garden", 10).unwrap();
        assert_eq!(ids(&hits), ["2024-01-02", "2024-01-03", "2024-01-01"]);
        assert!(hits[0].score > hits[1].score);
        assert_eq!(
            ids(&index.search("garden", 2).unwrap()),
            ["2024-01-02", "2024-01-03"]
        );
    }

    #[test]
    fn diacritics_are_folded() {
        let (_dir, index) = index_with(&[
            doc("a", "Morning", "We met at the café near the station."),
            doc("b", "Naive", "A naive resume of the fiancee."),
        ]);
        let hits = index.search("cafe", 10).unwrap();
        assert_eq!(ids(&hits), ["a"]);
        assert!(hits[0].snippet.contains("[café]"), "{}", hits[0].snippet);
        assert_eq!(ids(&index.search("CAFÉ", 10).unwrap()), ["a"]);
        assert_eq!(ids(&index.search("naïve résumé fiancée", 10).unwrap()), ["b"]);
    }

    #[test]
    fn fts_syntax_in_queries_is_literal() {
        let (_dir, index) = index_with(&[doc(
            "a",
            "Syntax",
            "foo bar near the x y value, a minus sign - and (parentheses) OR NOT AND.",
        )]);
        for q in [
            "\"foo",
            "foo\"",
            "a*",
            "*",
            "x:y",
            "x:",
            ":y",
            "NEAR(",
            "NEAR(foo bar)",
            "-",
            "-foo",
            "foo -bar",
            "(",
            ")",
            "^foo",
            "foo + bar",
            "OR",
            "AND",
            "NOT",
            "foo OR",
            "\"\"",
            "'",
            "{a b}",
            "c0:foo",
            "summary:foo",
            "\0",
            "café*",
            "🙂",
        ] {
            index
                .search(q, 10)
                .unwrap_or_else(|e| panic!("query {q:?} failed: {e}"));
        }
        assert_eq!(ids(&index.search("\"foo", 10).unwrap()), ["a"]);
        assert_eq!(ids(&index.search("x:y", 10).unwrap()), ["a"]);
        assert_eq!(ids(&index.search("NEAR(", 10).unwrap()), ["a"]);
        assert_eq!(ids(&index.search("-foo", 10).unwrap()), ["a"]);
        assert_eq!(ids(&index.search("OR", 10).unwrap()), ["a"]);
        assert!(index.search("-", 10).unwrap().is_empty());
        // `a*` is the word "a", not a prefix query.
        assert_eq!(ids(&index.search("a*", 10).unwrap()), ["a"]);
        assert!(index.search("fo*", 10).unwrap().is_empty());
    }

    #[test]
    fn sync_adds_updates_removes_and_skips_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search.sqlite");
        let mut index = SearchIndex::open(&path).unwrap();
        let store = RefCell::new(HashMap::from([
            ("s1".to_owned(), doc("s1", "one", "apples")),
            ("s2".to_owned(), doc("s2", "two", "bananas")),
            ("s3".to_owned(), doc("s3", "three", "cherries")),
        ]));
        let loads = RefCell::new(Vec::<String>::new());
        let load = |id: &str| {
            loads.borrow_mut().push(id.to_owned());
            store.borrow().get(id).cloned()
        };

        let files = vec![stamp("s1", 10, 100), stamp("s2", 10, 100), stamp("s3", 10, 100)];
        assert_eq!(
            index.sync(&files, load).unwrap(),
            SyncStats {
                added: 3,
                updated: 0,
                removed: 0
            }
        );
        assert_eq!(loads.borrow().len(), 3);

        // Nothing changed: no load at all.
        loads.borrow_mut().clear();
        assert_eq!(index.sync(&files, load).unwrap(), SyncStats::default());
        assert!(loads.borrow().is_empty());

        // s1 edited (new mtime), s2 same mtime but new length, s3 deleted.
        store
            .borrow_mut()
            .insert("s1".to_owned(), doc("s1", "one", "oranges"));
        store
            .borrow_mut()
            .insert("s2".to_owned(), doc("s2", "two", "bananas and kiwis"));
        let files = vec![stamp("s1", 20, 100), stamp("s2", 10, 150)];
        assert_eq!(
            index.sync(&files, load).unwrap(),
            SyncStats {
                added: 0,
                updated: 2,
                removed: 1
            }
        );
        let mut loaded = loads.borrow().clone();
        loaded.sort();
        assert_eq!(loaded, ["s1", "s2"]);
        assert!(index.search("apples", 10).unwrap().is_empty());
        assert_eq!(ids(&index.search("oranges", 10).unwrap()), ["s1"]);
        assert_eq!(ids(&index.search("kiwis", 10).unwrap()), ["s2"]);
        assert!(index.search("cherries", 10).unwrap().is_empty());

        // An unreadable file is forgotten (and retried next time); a duplicate listing is harmless.
        loads.borrow_mut().clear();
        store.borrow_mut().remove("s1");
        let files = vec![stamp("s1", 30, 100), stamp("s2", 10, 150), stamp("s2", 10, 150)];
        assert_eq!(
            index.sync(&files, load).unwrap(),
            SyncStats {
                added: 0,
                updated: 0,
                removed: 1
            }
        );
        assert_eq!(*loads.borrow(), ["s1"]);
        assert!(index.search("oranges", 10).unwrap().is_empty());
        loads.borrow_mut().clear();
        assert_eq!(index.sync(&files, load).unwrap(), SyncStats::default());
        assert_eq!(*loads.borrow(), ["s1"]);

        // The index persists across reopening.
        drop(index);
        let mut index = SearchIndex::open(&path).unwrap();
        loads.borrow_mut().clear();
        store
            .borrow_mut()
            .insert("s1".to_owned(), doc("s1", "one", "pears"));
        assert_eq!(
            index.sync(&files, load).unwrap(),
            SyncStats {
                added: 1,
                updated: 0,
                removed: 0
            }
        );
        assert_eq!(*loads.borrow(), ["s1"]);
        assert_eq!(ids(&index.search("bananas", 10).unwrap()), ["s2"]);
        assert_eq!(ids(&index.search("pears", 10).unwrap()), ["s1"]);
    }

    #[test]
    fn corrupt_index_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search.sqlite");
        std::fs::write(&path, b"this is definitely not a sqlite database\n".repeat(200)).unwrap();

        let mut index = SearchIndex::open(&path).unwrap();
        let files = [stamp("a", 1, 1)];
        let stats = index
            .sync(&files, |id| Some(doc(id, "recovered", "the index was rebuilt")))
            .unwrap();
        assert_eq!(stats.added, 1);
        assert_eq!(ids(&index.search("rebuilt", 10).unwrap()), ["a"]);
        drop(index);

        // A short junk file too.
        std::fs::write(&path, b"junk").unwrap();
        let index = SearchIndex::open(&path).unwrap();
        assert!(index.search("rebuilt", 10).unwrap().is_empty());
    }

    #[test]
    fn old_schema_version_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE legacy (x); PRAGMA user_version = 999;")
                .unwrap();
        }
        let mut index = SearchIndex::open(&path).unwrap();
        index
            .sync(&[stamp("a", 1, 1)], |id| Some(doc(id, "s", "fresh schema")))
            .unwrap();
        assert_eq!(ids(&index.search("fresh", 10).unwrap()), ["a"]);

        // A foreign database without a version is not ours either.
        drop(index);
        std::fs::remove_file(&path).unwrap();
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE foreign_table (x);").unwrap();
        }
        let index = SearchIndex::open(&path).unwrap();
        assert!(index.search("fresh", 10).unwrap().is_empty());
    }

    #[test]
    fn two_thousand_docs() {
        const WORDS: &[&str] = &[
            "morning", "coffee", "walk", "river", "sister", "work", "deadline", "anxious", "calm", "sleep",
            "dream", "garden", "rain", "friend", "dinner", "music", "tired", "grateful", "angry", "hope",
        ];
        let make = |i: usize| {
            let body: Vec<&str> = (0..400)
                .map(|k| WORDS[(i * 7 + k * k * 13 + k) % WORDS.len()])
                .collect();
            doc(
                &format!("2024-{i:05}"),
                &format!("Session {i} {}", WORDS[i % WORDS.len()]),
                &body.join(" "),
            )
        };
        let dir = tempfile::tempdir().unwrap();
        let mut index = SearchIndex::open(&dir.path().join("search.sqlite")).unwrap();
        let files: Vec<_> = (0..2000).map(|i| stamp(&format!("2024-{i:05}"), 1, 1)).collect();
        let parse = |id: &str| Some(make(id[5..].parse().unwrap()));
        assert_eq!(index.sync(&files, parse).unwrap().added, 2000);

        let mut calls = 0;
        assert_eq!(
            index
                .sync(&files, |_| {
                    calls += 1;
                    None
                })
                .unwrap(),
            SyncStats::default()
        );
        assert_eq!(calls, 0);

        let hits = index.search("coffee river", 25).unwrap();
        assert_eq!(hits.len(), 25);
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(hits.iter().all(|h| h.snippet.contains('[')));
        let hits = index.search("session 1234", 10).unwrap();
        assert_eq!(hits[0].id, "2024-01234");
    }
}
