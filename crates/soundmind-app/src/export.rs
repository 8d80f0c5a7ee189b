//! `export`: a session as files to keep or share: its Markdown, its audio, and one self-contained HTML page.
//!
//! Each session goes to `<to>/<id>/`: `<id>.md` (byte for byte), every audio file of the session, and `<id>.html`
//! with the questions, answers, summary and an audio player per recording that points at the copied files by
//! relative name, so the folder can be moved or zipped as a whole. Every piece of text is escaped: what someone
//! said can never become markup, and a Content-Security-Policy forbids scripts in any case. The page loads
//! nothing from anywhere (inline CSS only).
//!
//! Nothing is written inside the journal, and nothing is overwritten unless asked: every target is checked before
//! the first file is written, so a refused export leaves no half-written folder.

use std::fmt::Write as _;
use std::fs;
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDateTime;
use soundmind_core::{Answer, SessionDoc, SessionId};
use soundmind_store::atomic::{create_atomic, write_atomic};
use soundmind_store::{Journal, StoreError};

/// Audio formats copied with a session (everything a session folder may hold that a browser can play).
pub const AUDIO_EXTENSIONS: [&str; 7] = ["wav", "webm", "ogg", "mp3", "m4a", "flac", "opus"];

/// One exported session.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedSession {
    /// The session.
    pub id: SessionId,
    /// Its folder in the export.
    pub dir: PathBuf,
    /// The HTML page.
    pub html: PathBuf,
    /// The audio files copied next to it.
    pub audio: Vec<String>,
}

/// Why an export did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The target is the journal itself or inside it.
    #[error(
        "{to} is inside the journal {root}; export to a folder outside it",
        to = .to.display(),
        root = .root.display()
    )]
    InsideJournal {
        /// The requested target.
        to: PathBuf,
        /// The journal.
        root: PathBuf,
    },
    /// A file to be written exists already.
    #[error("{path} already exists; use --force to overwrite", path = .path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// No session was named.
    #[error("no session to export")]
    Nothing,
    /// Reading the journal failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading or writing a file failed.
    #[error("could not {action} {path}: {source}", path = .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ExportError {
    let path = path.into();
    move |source| ExportError::Io { action, path, source }
}

/// Exports the sessions `ids` into `to` (created if needed). With `force`, existing files are replaced.
pub fn export(
    journal: &Journal,
    ids: &[SessionId],
    to: &Path,
    force: bool,
) -> Result<Vec<ExportedSession>, ExportError> {
    if ids.is_empty() {
        return Err(ExportError::Nothing);
    }
    refuse_inside_journal(journal.root(), to)?;
    // Read everything and check every target before writing anything.
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        let doc = journal.load(id)?;
        let markdown = fs::read(journal.session_path(id)).map_err(io("read", journal.session_path(id)))?;
        let audio = audio_files(&journal.session_dir(id))?;
        let dir = to.join(id.as_str());
        let html = dir.join(format!("{id}.html"));
        let mut targets = vec![dir.join(id.file_name()), html.clone()];
        targets.extend(audio.iter().map(|name| dir.join(name)));
        if !force && let Some(path) = targets.iter().find(|p| p.exists()) {
            return Err(ExportError::Exists { path: path.clone() });
        }
        jobs.push((id, doc, markdown, audio, dir, html));
    }
    let write = |path: &Path, bytes: &[u8]| {
        if force {
            write_atomic(path, bytes)
        } else {
            create_atomic(path, bytes)
        }
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => ExportError::Exists {
                path: path.to_path_buf(),
            },
            _ => io("write", path)(e),
        })
    };
    let mut done = Vec::with_capacity(jobs.len());
    for (id, doc, markdown, audio, dir, html) in jobs {
        fs::create_dir_all(&dir).map_err(io("create", &dir))?;
        write(&dir.join(id.file_name()), &markdown)?;
        let source = journal.session_dir(id);
        for name in &audio {
            let bytes = fs::read(source.join(name)).map_err(io("read", source.join(name)))?;
            write(&dir.join(name), &bytes)?;
        }
        // The page last: its presence says the folder is complete.
        write(&html, render_html(id, &doc, &audio).as_bytes())?;
        done.push(ExportedSession {
            id: id.clone(),
            dir,
            html,
            audio,
        });
    }
    Ok(done)
}

/// Fails when `to` is the journal folder or anything inside it (after resolving links and `..`).
fn refuse_inside_journal(root: &Path, to: &Path) -> Result<(), ExportError> {
    let root_abs = root.canonicalize().unwrap_or_else(|_| absolute(root));
    let to_abs = resolve_existing_prefix(&absolute(to));
    if to_abs.starts_with(&root_abs) {
        return Err(ExportError::InsideJournal {
            to: to.to_path_buf(),
            root: root.to_path_buf(),
        });
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `..` and `.` applied to the path's text, then the longest existing prefix canonicalised (links resolved).
fn resolve_existing_prefix(path: &Path) -> PathBuf {
    let mut lexical = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
    out.extend(rest.iter().rev());
    out
}

/// Audio files in a session folder, sorted by name.
fn audio_files(dir: &Path) -> Result<Vec<String>, ExportError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("list", dir)(e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| {
            !n.starts_with('.')
                && n.rsplit_once('.')
                    .is_some_and(|(_, ext)| AUDIO_EXTENSIONS.iter().any(|a| ext.eq_ignore_ascii_case(a)))
        })
        .collect();
    names.sort();
    Ok(names)
}

const CSS: &str = "body{margin:0;background:#faf8f5;color:#222;font:17px/1.55 Georgia,'Times New Roman',serif}\
main{max-width:42em;margin:0 auto;padding:2em 1.2em 4em}\
h1{font-size:1.6em;margin:0}h2{font-size:1.1em;margin:2em 0 .6em;color:#555;font-family:system-ui,sans-serif}\
.date{color:#666;margin:.2em 0 0;font-family:system-ui,sans-serif}\
.summary{background:#efe9df;padding:.8em 1em;border-radius:6px}\
.q{font-family:system-ui,sans-serif;font-weight:600;color:#3b5b7a;margin:1.6em 0 .4em}\
.a p{margin:.2em 0}.pending{color:#888;font-style:italic}\
audio{display:block;width:100%;margin:.4em 0}\
li{list-style:none;margin:0 0 .8em}ul{padding:0}\
.name{font:13px system-ui,sans-serif;color:#666}\
footer{margin-top:3em;font:13px system-ui,sans-serif;color:#888}";

/// The HTML page of a session whose audio files `audio` sit next to it.
pub fn render_html(id: &SessionId, doc: &SessionDoc, audio: &[String]) -> String {
    let mut html = String::with_capacity(4096 + doc.body().len() * 2);
    let when = doc
        .frontmatter
        .created_at()
        .and_then(|c| NaiveDateTime::parse_from_str(c, "%Y-%m-%dT%H:%M:%S%.f").ok())
        .or_else(|| id.started_at());
    let date = when.map_or_else(|| id.to_string(), |t| t.format("%A %-d %B %Y, %H:%M").to_string());
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'\">\n\
         <title>Journal session {title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
         <header>\n<h1>Journal session</h1>\n<p class=\"date\">{date}</p>\n</header>\n",
        title = escape(&date),
        date = escape(&date),
    );
    let summary = doc.frontmatter.summary();
    if !summary.is_empty() {
        let _ = write!(
            html,
            "<section class=\"summary\">\n<h2>Summary</h2>\n<p>{}</p>\n</section>\n",
            escape(summary)
        );
    }
    let exchanges = doc.exchanges();
    if !exchanges.is_empty() {
        html.push_str("<section>\n<h2>Questions and answers</h2>\n");
        for exchange in &exchanges {
            let _ = write!(
                html,
                "<article>\n<p class=\"q\">{}</p>\n<div class=\"a\">\n",
                escape(&exchange.question)
            );
            match &exchange.answer {
                Answer::Text(text) => {
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        let _ = writeln!(html, "<p>{}</p>", escape(line));
                    }
                }
                Answer::Pending { segment } => {
                    html.push_str("<p class=\"pending\">(not transcribed yet)</p>\n");
                    if let Some(file) = playable(audio, segment) {
                        let _ = writeln!(html, "{}", player(file));
                    }
                }
            }
            html.push_str("</div>\n</article>\n");
        }
        html.push_str("</section>\n");
    }
    let recordings = recordings(doc, audio);
    if !recordings.is_empty() {
        html.push_str("<section>\n<h2>Recordings</h2>\n<ul>\n");
        for (file, seconds) in recordings {
            let length = seconds.map_or_else(String::new, |s| format!(" · {s:.1} s"));
            let _ = writeln!(
                html,
                "<li>{}<span class=\"name\">{}{}</span></li>",
                player(file),
                escape(file),
                escape(&length)
            );
        }
        html.push_str("</ul>\n</section>\n");
    }
    let _ = write!(
        html,
        "<footer>Session {} · exported from Soundmind. The audio files are next to this page.</footer>\n\
         </main>\n</body>\n</html>\n",
        escape(id.as_str())
    );
    html
}

/// Each recording once, in the frontmatter's order (a compressed copy when there is one), then any audio the
/// frontmatter does not list.
fn recordings<'a>(doc: &SessionDoc, audio: &'a [String]) -> Vec<(&'a str, Option<f64>)> {
    let mut out: Vec<(&'a str, Option<f64>)> = Vec::new();
    for entry in doc.frontmatter.audio_files().unwrap_or_default() {
        // The compressed copies first (smaller, and every browser plays MP3), then the original.
        let file = [entry.mp3(), entry.ogg(), entry.wav()]
            .into_iter()
            .flatten()
            .find_map(|name| audio.iter().find(|a| *a == name));
        if let Some(file) = file
            && !out.iter().any(|(f, _)| *f == file)
        {
            out.push((file, Some(entry.duration_seconds())));
        }
    }
    for file in audio {
        let stem = stem(file);
        if !out.iter().any(|(f, _)| stem_of_eq(f, stem)) {
            out.push((file, None));
        }
    }
    out
}

/// The copied file that plays `segment`: itself, or another file of the same take.
fn playable<'a>(audio: &'a [String], segment: &str) -> Option<&'a str> {
    audio
        .iter()
        .find(|a| *a == segment)
        .or_else(|| audio.iter().find(|a| stem_of_eq(a, stem(segment))))
        .map(String::as_str)
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

fn stem_of_eq(name: &str, other_stem: &str) -> bool {
    stem(name) == other_stem
}

fn player(file: &str) -> String {
    format!(
        "<audio controls preload=\"none\" src=\"{}\"></audio>",
        escape(&percent_encode(file))
    )
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A file name as a relative URL: everything but unreserved characters percent-encoded, so `#`, `?`, `:` or
/// spaces in a name can never change what the link points at.
fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_urls() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(percent_encode("a b#?.wav"), "a%20b%23%3F.wav");
        assert_eq!(percent_encode("café.wav"), "caf%C3%A9.wav");
    }

    #[test]
    fn targets_inside_the_journal_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sessions");
        fs::create_dir(&root).unwrap();
        for to in [
            root.clone(),
            root.join("out/deeper"),
            dir.path().join("x/../sessions/y"),
        ] {
            assert!(
                matches!(
                    refuse_inside_journal(&root, &to),
                    Err(ExportError::InsideJournal { .. })
                ),
                "{}",
                to.display()
            );
        }
        refuse_inside_journal(&root, &dir.path().join("export")).unwrap();
        refuse_inside_journal(&root, &dir.path().join("sessions-export")).unwrap();
    }
}
