//! `sessions merge A B`: two sessions become one (HSJ §2.1), for a session that was split by a restart.
//!
//! As HSJ: the earlier session is kept whatever the argument order; the later one's audio and sidecars move into
//! the earlier one's folder (a name already taken there gets `_2`, `_3`, … on its stem, so a clip keeps its
//! sidecars), its exchanges are appended unless the earlier body already contains them, the `audio_file` lists
//! are joined and `duration_seconds` summed. Unlike HSJ, audio references are kept (HSJ set every `wav` to null)
//! and renamed with their files, placeholders follow renamed clips, and the two summaries are joined rather than
//! regenerated (the front end can offer to regenerate).
//!
//! Both session locks are held throughout. Order on disk: files moved, the kept session written durably, and only
//! then the later session's file removed, so a crash never loses an answer; a repeated merge skips what is
//! already there.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use soundmind_core::{Answer, AudioFile, SessionDoc, SessionId};
use soundmind_store::atomic::{sync_dir, write_atomic};
use soundmind_store::lock::SessionLock;
use soundmind_store::segment::interrupted_segments;
use soundmind_store::{Journal, StoreError, fields};

use crate::repair::JOURNAL_LOCK;

/// How long a merge waits for another process's write to either session.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// What a merge does (or did).
#[derive(Debug, Clone, PartialEq)]
pub struct MergePlan {
    /// The earlier session, which is kept.
    pub kept: SessionId,
    /// The later session, merged into `kept` and removed.
    pub merged: SessionId,
    /// Files moved from the merged session's folder: (old name, new name in the kept folder).
    pub moves: Vec<(String, String)>,
    /// Exchanges appended to the kept session (0 when its body already contained them).
    pub exchanges_appended: usize,
    /// `audio_file` entries added to the kept session.
    pub audio_added: usize,
    /// Both sessions had a summary, and they were joined (worth regenerating).
    pub summaries_joined: bool,
}

/// Why a merge did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// Both ids name the same session.
    #[error("cannot merge session {0} with itself")]
    SameSession(SessionId),
    /// A recording in one of the sessions is still open, or was cut off by a crash.
    #[error(
        "session {id} has a recording in progress or cut off by a crash ({path}); finish it first (`soundmind fix stt` repairs a cut-off one)",
        path = .path.display()
    )]
    Recording {
        /// The session.
        id: SessionId,
        /// The segment.
        path: PathBuf,
    },
    /// `soundmind journal` is running on this journal.
    #[error("`soundmind journal` is running on this journal; merge once it has ended")]
    JournalRunning,
    /// A file that should be moved would land on an existing one (something changed the folder meanwhile).
    #[error("{path} already exists; nothing more was moved", path = .path.display())]
    Clash {
        /// The existing file.
        path: PathBuf,
    },
    /// Reading or writing the journal failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An OS error while moving files.
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

fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> MergeError {
    let path = path.into();
    move |source| MergeError::Io { action, path, source }
}

/// What merging `a` and `b` would do; reads only (for `--dry-run`).
pub fn plan(journal: &Journal, a: &SessionId, b: &SessionId) -> Result<MergePlan, MergeError> {
    let (kept, merged) = order(a, b)?;
    let kept_doc = journal.load(&kept)?;
    let merged_doc = journal.load(&merged)?;
    Ok(prepare(journal, &kept, &kept_doc, &merged, &merged_doc)?.0)
}

/// Merges the later of `a` and `b` into the earlier one. Returns what was done.
pub fn merge(journal: &Journal, a: &SessionId, b: &SessionId) -> Result<MergePlan, MergeError> {
    let (kept, merged) = order(a, b)?;
    // A running voice loop may be writing either session (and would lose the later one under its feet).
    let _journal_lock =
        SessionLock::acquire(journal.root(), JOURNAL_LOCK, Duration::ZERO).map_err(|e| match e {
            StoreError::Locked { .. } => MergeError::JournalRunning,
            other => other.into(),
        })?;
    // Always earlier first: two merges over the same pair cannot deadlock.
    let _kept_lock = SessionLock::acquire(journal.root(), kept.as_str(), LOCK_TIMEOUT)?;
    let _merged_lock = SessionLock::acquire(journal.root(), merged.as_str(), LOCK_TIMEOUT)?;
    let kept_doc = journal.load(&kept)?;
    let merged_doc = journal.load(&merged)?;
    for id in [&kept, &merged] {
        if let Some(path) = interrupted_segments(&journal.session_dir(id)).into_iter().next() {
            return Err(MergeError::Recording { id: id.clone(), path });
        }
    }
    let (plan, doc) = prepare(journal, &kept, &kept_doc, &merged, &merged_doc)?;

    let from = journal.session_dir(&merged);
    let to = journal.session_dir(&kept);
    if !plan.moves.is_empty() {
        fs::create_dir_all(&to).map_err(io("create", &to))?;
        for (old, new) in &plan.moves {
            let target = to.join(new);
            // rename() would replace an existing file; the plan avoided every name, but the folder may have
            // changed since (a recorder writes segments without the session lock).
            if target.exists() {
                return Err(MergeError::Clash { path: target });
            }
            fs::rename(from.join(old), &target).map_err(io("move", from.join(old)))?;
        }
        sync_dir(&to).map_err(io("sync", &to))?;
        sync_dir(&from).map_err(io("sync", &from))?;
    }
    let kept_path = journal.session_path(&kept);
    write_atomic(&kept_path, doc.render().as_bytes()).map_err(io("write", &kept_path))?;
    // Only now, with everything durable in the kept session, does the later one go.
    let merged_path = journal.session_path(&merged);
    fs::remove_file(&merged_path).map_err(io("remove", &merged_path))?;
    // A folder that is not empty (a stray file appeared) is left in place; nothing in it is lost.
    let _ = fs::remove_dir(&from);
    sync_dir(journal.root()).map_err(io("sync", journal.root()))?;
    let _ = journal.events().append(
        "merge.completed",
        fields! {
            "kept" => kept.as_str(),
            "merged" => merged.as_str(),
            "files_moved" => plan.moves.len(),
            "exchanges_appended" => plan.exchanges_appended,
            "audio_added" => plan.audio_added,
        },
    );
    Ok(plan)
}

fn order(a: &SessionId, b: &SessionId) -> Result<(SessionId, SessionId), MergeError> {
    if a == b {
        return Err(MergeError::SameSession(a.clone()));
    }
    Ok(if a < b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    })
}

/// The plan and the kept session as it will be written.
fn prepare(
    journal: &Journal,
    kept: &SessionId,
    kept_doc: &SessionDoc,
    merged: &SessionId,
    merged_doc: &SessionDoc,
) -> Result<(MergePlan, SessionDoc), MergeError> {
    let (moves, stems) = plan_moves(
        &journal.session_dir(kept),
        &journal.session_dir(merged),
        &referenced_names(kept_doc),
        &referenced_names(merged_doc),
    )?;
    // By stem, so a reference to a file that is gone (a WAV deleted after compression) still follows its take.
    let renamed = |name: &str| {
        let stem = stem_of(name);
        stems
            .get(stem)
            .map_or_else(|| name.to_string(), |new| format!("{new}{}", &name[stem.len()..]))
    };

    let mut doc = kept_doc.clone();
    let mut incoming = merged_doc.clone();
    for exchange in merged_doc.exchanges() {
        if let Answer::Pending { segment } = exchange.answer {
            let new = renamed(&segment);
            if new != segment {
                incoming.rename_pending(&segment, &new);
            }
        }
    }
    let body = incoming.body().trim();
    let exchanges_appended = if body.is_empty() || doc.body().contains(body) {
        0
    } else {
        doc.append_body(body);
        incoming.exchanges().len()
    };

    let mut files = doc.frontmatter.audio_files().unwrap_or_default();
    let mut audio_added = 0;
    for mut file in merged_doc.frontmatter.audio_files().unwrap_or_default() {
        let wav = file.wav().map(renamed);
        let mp3 = file.mp3().map(renamed);
        file.set_wav(wav.as_deref());
        file.set_mp3(mp3.as_deref());
        if let Some(ogg) = file.ogg().map(renamed) {
            file.set_compressed(&ogg);
        }
        // A repeated merge (after a crash) must not list a clip twice.
        if !files.iter().any(|f| same_audio(f, &file)) {
            files.push(file);
            audio_added += 1;
        }
    }
    if audio_added > 0 {
        doc.frontmatter.set_audio_files(&files);
    }

    let (mine, theirs) = (kept_doc.frontmatter.summary(), merged_doc.frontmatter.summary());
    let summaries_joined = !mine.is_empty() && !theirs.is_empty() && !mine.contains(theirs);
    if summaries_joined {
        doc.frontmatter.set_summary(&format!("{mine} {theirs}"));
    } else if mine.is_empty() && !theirs.is_empty() {
        doc.frontmatter.set_summary(theirs);
    }

    let plan = MergePlan {
        kept: kept.clone(),
        merged: merged.clone(),
        moves,
        exchanges_appended,
        audio_added,
        summaries_joined,
    };
    Ok((plan, doc))
}

fn same_audio(a: &AudioFile, b: &AudioFile) -> bool {
    a.wav() == b.wav() && a.mp3() == b.mp3() && a.ogg() == b.ogg()
}

/// The audio names a session refers to: its `audio_file` entries and its placeholders.
fn referenced_names(doc: &SessionDoc) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for file in doc.frontmatter.audio_files().unwrap_or_default() {
        names.extend(
            [file.wav(), file.mp3(), file.ogg()]
                .into_iter()
                .flatten()
                .map(str::to_string),
        );
    }
    for exchange in doc.exchanges() {
        if let Answer::Pending { segment } = exchange.answer {
            names.push(segment);
        }
    }
    names
}

/// `x_01.stt.json` → `x_01`: files of one take share the part before the first dot (hidden files stay whole).
fn stem_of(name: &str) -> &str {
    if name.starts_with('.') {
        return name;
    }
    name.split('.').next().unwrap_or(name)
}

/// Every file of the merged folder with its name in the kept folder, and the new stem of every merged take whose
/// stem the kept session already uses (on disk or in its frontmatter). Files sharing a stem (`x.wav`, `x.ogg`,
/// `x.stt.json`) are renamed together so a take keeps its sidecars.
#[allow(clippy::type_complexity)]
fn plan_moves(
    to: &Path,
    from: &Path,
    kept_refs: &[String],
    merged_refs: &[String],
) -> Result<(Vec<(String, String)>, BTreeMap<String, String>), MergeError> {
    let names = |dir: &Path| -> Result<Vec<String>, MergeError> {
        match fs::read_dir(dir) {
            Ok(entries) => {
                let mut names: Vec<String> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                Ok(names)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io("list", dir)(e)),
        }
    };
    let incoming = names(from)?;
    let mut taken: BTreeSet<String> = names(to)?
        .iter()
        .chain(kept_refs)
        .map(|n| stem_of(n).to_string())
        .collect();
    let stems: BTreeSet<&str> = incoming.iter().chain(merged_refs).map(|n| stem_of(n)).collect();
    let mut renames = BTreeMap::new();
    for stem in stems {
        let mut new_stem = stem.to_string();
        let mut n = 2;
        while taken.contains(&new_stem) {
            new_stem = format!("{stem}_{n}");
            n += 1;
        }
        taken.insert(new_stem.clone());
        if new_stem != stem {
            renames.insert(stem.to_string(), new_stem);
        }
    }
    let moves = incoming
        .iter()
        .map(|name| {
            let stem = stem_of(name);
            let new = renames
                .get(stem)
                .map_or_else(|| name.clone(), |n| format!("{n}{}", &name[stem.len()..]));
            (name.clone(), new)
        })
        .collect();
    Ok((moves, renames))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_copies_are_renamed_with_their_take() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path());
        let at = |h, m| {
            chrono::NaiveDate::from_ymd_opt(2025, 11, 12)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        let (early, _) = journal.create(at(8, 0), &Default::default()).unwrap();
        let (late, _) = journal.create(at(9, 0), &Default::default()).unwrap();
        for id in [&early, &late] {
            let folder = journal.session_dir(id);
            fs::create_dir_all(&folder).unwrap();
            for name in ["take.ogg", "take.stt.json"] {
                fs::write(folder.join(name), id.as_str()).unwrap();
            }
            journal
                .update(id, |doc| {
                    let mut file = AudioFile::recorded("take.wav", None, 1.5);
                    file.set_compressed("take.ogg");
                    doc.frontmatter.upsert_audio_file(file);
                    doc.append_exchange("Q?", &format!("Answer in {id}."));
                })
                .unwrap();
        }
        let plan = merge(&journal, &late, &early).unwrap();
        assert_eq!((plan.kept.clone(), plan.audio_added), (early.clone(), 1));
        let doc = journal.load(&early).unwrap();
        let files = doc.frontmatter.audio_files().unwrap();
        assert_eq!(files[1].wav(), Some("take_2.wav"));
        assert_eq!(files[1].ogg(), Some("take_2.ogg"));
        assert_eq!(doc.frontmatter.duration_seconds(), 3.0);
        let folder = journal.session_dir(&early);
        assert_eq!(
            fs::read_to_string(folder.join("take_2.ogg")).unwrap(),
            late.as_str()
        );
        assert_eq!(
            fs::read_to_string(folder.join("take_2.stt.json")).unwrap(),
            late.as_str()
        );
        assert!(!journal.session_path(&late).exists() && !journal.session_dir(&late).exists());
        assert!(matches!(
            merge(&journal, &early, &early),
            Err(MergeError::SameSession(_))
        ));
    }
}
