//! `fix stt`: finishes every answer that still waits for its transcript (HSJ's "reconcile", §2.11).
//!
//! A clip is pending when its audio (`.wav`, `.webm`, `.ogg`, HSJ's list) has no `<stem>.stt.json` sidecar, when
//! the frontmatter still marks it `pending: true`, or when the body still shows its placeholder. Segments a crash
//! left behind (a `.recording` marker) get their WAV header repaired first. Each clip is then handled on its own,
//! so one bad file never stops the rest:
//!
//! - too short to hold words: skipped, marked with a stub sidecar, or deleted (`--too-short`);
//! - otherwise transcribed: the sidecar is written first (the durable record, and what makes the clip no longer
//!   pending), then the session file is changed once under its lock: placeholders replaced, flags cleared.
//!
//! Every step is safe to repeat: a run interrupted after the sidecar is finished by the next run from the sidecar,
//! and a run with nothing to do writes nothing, not even to `events.log`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use soundmind_audio::{AudioError, decode_file, level};
use soundmind_core::transcript::{Formatting, format_transcript};
use soundmind_core::{Answer, AudioFile, SessionDoc, SessionId};
use soundmind_engine::{CancelToken, EngineError, SAMPLE_RATE, SttOptions, Transcriber};
use soundmind_store::atomic::sync_parent;
use soundmind_store::lock::SessionLock;
use soundmind_store::segment::{interrupted_segments, repair_wav};
use soundmind_store::{Journal, StoreError, fields};

use crate::stt;
use crate::take::{SHORT_TAKE_SECONDS, SHORT_TAKE_VOICED_SECONDS};

/// Audio extensions that count as a recorded answer when looking for pending clips (HSJ's list).
pub const PENDING_AUDIO_EXTENSIONS: [&str; 3] = ["wav", "webm", "ogg"];
/// The lock `soundmind journal` holds for as long as its voice loop runs (one loop per journal).
pub const JOURNAL_LOCK: &str = "journal";
/// HSJ's default `--min-duration`: anything shorter is always "too short".
pub const DEFAULT_MIN_DURATION: f64 = 0.1;

/// Compressed copies that belong to the same take (deleted with it by `--too-short delete`).
const COPY_EXTENSIONS: [&str; 2] = ["mp3", "m4a"];

/// What to do with a clip too short to hold words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TooShort {
    /// Leave it pending (HSJ's default).
    #[default]
    Skip,
    /// Write a stub sidecar saying why it has no text, so it is no longer pending; the placeholder stays.
    Mark,
    /// Delete the audio (and its copies and sentinel), its placeholder exchange and its `audio_file` entry.
    Delete,
}

/// How [`repair`] treats clips.
#[derive(Debug, Clone)]
pub struct RepairOptions {
    /// What to do with too-short clips.
    pub too_short: TooShort,
    /// Clips shorter than this are always too short, in seconds.
    pub min_duration: f64,
    /// Options for the transcriber.
    pub stt: SttOptions,
    /// How transcripts are laid out in the session file.
    pub formatting: Formatting,
}

impl Default for RepairOptions {
    fn default() -> Self {
        Self {
            too_short: TooShort::Skip,
            min_duration: DEFAULT_MIN_DURATION,
            stt: SttOptions::default(),
            formatting: Formatting::Sentences,
        }
    }
}

/// One clip that needs work.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingSegment {
    /// The session it belongs to.
    pub session: SessionId,
    /// The clip's file name as the journal refers to it, e.g. `251109_1905_02.wav`.
    pub clip: String,
    /// The audio file to transcribe, when one exists.
    pub audio: Option<PathBuf>,
    /// What is left to do.
    pub state: PendingState,
}

/// Where a pending clip stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingState {
    /// No transcript yet.
    Untranscribed {
        /// A crash cut the recording off; its WAV header is repaired first.
        interrupted: bool,
        /// A failed transcription left a `.stt.error.txt` sentinel.
        has_error: bool,
    },
    /// The sidecar holds the transcript, but the session file still shows a placeholder or a pending flag (an
    /// interrupted repair, or HSJ's web path, which left a stale placeholder next to the real answer).
    Transcribed,
}

impl PendingSegment {
    /// True when the clip has no transcript yet (what the journal counts as "waiting for transcription").
    pub fn needs_transcript(&self) -> bool {
        matches!(self.state, PendingState::Untranscribed { .. })
    }
}

/// What went wrong with one clip.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RepairError {
    /// The session refers to audio that is not on disk.
    #[error("the audio file {clip} is not in {dir}", dir = .dir.display())]
    AudioMissing {
        /// The clip's name.
        clip: String,
        /// The session folder searched.
        dir: PathBuf,
    },
    /// The audio could not be decoded.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The transcriber failed.
    #[error("transcription failed: {0}")]
    Engine(#[from] EngineError),
    /// The clip needs a transcript and no transcriber could be built.
    #[error("no transcriber is available, so it stays pending")]
    NoTranscriber,
    /// A sidecar exists but holds no transcript text.
    #[error("{path} is not a transcript sidecar: {reason}", path = .path.display())]
    BadSidecar {
        /// The sidecar.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing the journal failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The segment has a `.recording` marker and a voice loop is running on this journal: it may be recording it.
    #[error(
        "it is being recorded by a running `soundmind journal`, or was cut off; run again once that has ended"
    )]
    Recording,
    /// A file could not be deleted.
    #[error("could not delete {path}: {source}", path = .path.display())]
    Delete {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl RepairError {
    /// A short name for the event log (never the message, which may hold paths).
    pub fn kind(&self) -> &'static str {
        match self {
            RepairError::AudioMissing { .. } => "audio_missing",
            RepairError::Audio(_) => "audio_unreadable",
            RepairError::Engine(e) => e.kind(),
            RepairError::NoTranscriber => "no_transcriber",
            RepairError::BadSidecar { .. } => "bad_sidecar",
            RepairError::Store(_) => "store",
            RepairError::Delete { .. } => "delete_failed",
            RepairError::Recording => "recording",
        }
    }
}

/// What happened to one clip.
#[derive(Debug, Clone, PartialEq)]
pub enum ClipOutcome {
    /// Transcribed now.
    Transcribed {
        /// Placeholders replaced by the transcript.
        placeholders: usize,
        /// Stale duplicate placeholder exchanges removed (the transcript was already in the session).
        duplicates_removed: usize,
        /// Words in the transcript.
        words: usize,
    },
    /// The sidecar already held the transcript; the session file was brought in line with it.
    Completed {
        /// Placeholders replaced by the transcript.
        placeholders: usize,
        /// Stale duplicate placeholder exchanges removed.
        duplicates_removed: usize,
    },
    /// Too short, and handled as [`RepairOptions::too_short`] says.
    TooShort {
        /// What was done.
        action: TooShort,
        /// Length in seconds.
        duration_seconds: f64,
        /// Voiced seconds at −40 dBFS.
        voiced_seconds: f64,
    },
}

/// The result for one clip.
#[derive(Debug)]
pub struct ClipReport {
    /// The session.
    pub session: SessionId,
    /// The clip's file name.
    pub clip: String,
    /// A crash had cut it off and its WAV header was repaired.
    pub repaired_crash: bool,
    /// What happened, or why it failed.
    pub outcome: Result<ClipOutcome, RepairError>,
}

/// Everything [`repair`] did.
#[derive(Debug, Default)]
pub struct RepairReport {
    /// One entry per clip, in the order handled.
    pub clips: Vec<ClipReport>,
}

impl RepairReport {
    /// Clips that failed.
    pub fn failed(&self) -> usize {
        self.clips.iter().filter(|c| c.outcome.is_err()).count()
    }

    /// Clips whose files changed (everything except failures and skipped short clips).
    pub fn changed(&self) -> usize {
        self.clips
            .iter()
            .filter(|c| {
                c.repaired_crash
                    || matches!(
                        c.outcome,
                        Ok(ClipOutcome::Transcribed { .. }
                            | ClipOutcome::Completed { .. }
                            | ClipOutcome::TooShort {
                                action: TooShort::Mark | TooShort::Delete,
                                ..
                            })
                    )
            })
            .count()
    }
}

/// Progress of [`repair`], for a front end to show.
#[derive(Debug)]
pub enum RepairProgress<'a> {
    /// The clip is about to be sent to the transcriber.
    Transcribing {
        /// The clip.
        segment: &'a PendingSegment,
        /// Its length.
        seconds: f64,
    },
    /// The clip is done (or failed).
    Done(&'a ClipReport),
}

/// Every pending clip of the journal, or of one session; reads only. Sessions are visited oldest first.
pub fn pending_segments(
    journal: &Journal,
    id: Option<&SessionId>,
) -> Result<Vec<PendingSegment>, StoreError> {
    let sessions: Vec<(SessionId, Option<SessionDoc>)> = match id {
        Some(id) => match journal.load(id) {
            Ok(doc) => vec![(id.clone(), Some(doc))],
            // An asset folder without its Markdown file: its audio can still get sidecars.
            Err(StoreError::MissingSessionFile { .. }) => vec![(id.clone(), None)],
            Err(e) => return Err(e),
        },
        None => {
            let mut all: Vec<_> = journal.list()?.into_iter().map(|e| (e.id, e.doc.ok())).collect();
            all.reverse();
            all
        }
    };
    let mut out = Vec::new();
    for (id, doc) in sessions {
        out.extend(session_pending(journal, &id, doc.as_ref()));
    }
    Ok(out)
}

/// How many answers wait for a transcript, in the journal or in one session (0 when the folder cannot be read).
/// For hints like "2 answers wait for transcription; run `soundmind fix stt`".
pub fn pending_count(journal: &Journal, id: Option<&SessionId>) -> usize {
    pending_segments(journal, id)
        .map(|segments| segments.iter().filter(|s| s.needs_transcript()).count())
        .unwrap_or(0)
}

fn session_pending(journal: &Journal, id: &SessionId, doc: Option<&SessionDoc>) -> Vec<PendingSegment> {
    let dir = journal.session_dir(id);
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let interrupted: Vec<PathBuf> = interrupted_segments(&dir);
    let has = |name: &str| names.iter().any(|n| n == name);
    let mut by_stem: BTreeMap<String, PendingSegment> = BTreeMap::new();

    // Audio without a sidecar, one per stem, preferring HSJ's extension order (the lossless WAV first).
    for ext in PENDING_AUDIO_EXTENSIONS {
        for name in &names {
            let Some((stem, e)) = name.rsplit_once('.') else {
                continue;
            };
            if !e.eq_ignore_ascii_case(ext) || has(&format!("{stem}.stt.json")) || by_stem.contains_key(stem)
            {
                continue;
            }
            let path = dir.join(name);
            by_stem.insert(
                stem.to_string(),
                PendingSegment {
                    session: id.clone(),
                    clip: name.clone(),
                    state: PendingState::Untranscribed {
                        interrupted: interrupted.contains(&path),
                        has_error: has(&format!("{stem}.stt.error.txt")),
                    },
                    audio: Some(path),
                },
            );
        }
    }

    // Clips the session file still treats as pending, whatever their format.
    let Some(doc) = doc else {
        return by_stem.into_values().collect();
    };
    let mut referenced: Vec<String> = Vec::new();
    for file in doc.frontmatter.pending_audio() {
        referenced.extend(file.wav().or(file.mp3()).or(file.ogg()).map(str::to_string));
    }
    for exchange in doc.exchanges() {
        if let Answer::Pending { segment } = exchange.answer {
            referenced.push(segment);
        }
    }
    for clip in referenced {
        let stem = clip_stem(&clip).to_string();
        if by_stem.contains_key(&stem) {
            continue;
        }
        let sidecar = dir.join(format!("{stem}.stt.json"));
        let state = if sidecar.exists() {
            if is_stub_sidecar(&sidecar) {
                // Marked too short on purpose: settled, not pending.
                continue;
            }
            PendingState::Transcribed
        } else {
            PendingState::Untranscribed {
                interrupted: false,
                has_error: has(&format!("{stem}.stt.error.txt")),
            }
        };
        let audio = audio_for_stem(&names, &stem, &clip).map(|n| dir.join(n));
        by_stem.insert(
            stem,
            PendingSegment {
                session: id.clone(),
                clip,
                audio,
                state,
            },
        );
    }
    by_stem.into_values().collect()
}

/// The file holding a clip's audio: the name the journal uses if it exists, else any audio file with its stem.
fn audio_for_stem<'a>(names: &'a [String], stem: &str, clip: &str) -> Option<&'a String> {
    names.iter().find(|n| *n == clip).or_else(|| {
        names.iter().find(|n| {
            n.rsplit_once('.').is_some_and(|(s, e)| {
                s == stem
                    && (PENDING_AUDIO_EXTENSIONS.iter().chain(&COPY_EXTENSIONS))
                        .any(|x| e.eq_ignore_ascii_case(x))
            })
        })
    })
}

fn is_stub_sidecar(path: &Path) -> bool {
    fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|json| json["meta"]["skipped_reason"].is_string())
}

/// Finishes every pending clip in the journal (or in session `id`): repairs crashed segments, handles too-short
/// clips, transcribes the rest with `engine`, and brings each session file in line. `engine` may be `None` when
/// no transcriber could be built; clips that need one then fail and everything else is still done.
///
/// Fails as a whole only when the journal cannot be listed; a failure on one clip is in its [`ClipReport`].
pub fn repair(
    journal: &Journal,
    id: Option<&SessionId>,
    engine: Option<&dyn Transcriber>,
    options: &RepairOptions,
    cancel: &CancelToken,
    on_progress: &mut dyn FnMut(RepairProgress<'_>),
) -> Result<RepairReport, StoreError> {
    let segments = pending_segments(journal, id)?;
    // A `.recording` marker means a crash, or a take being recorded right now by the voice loop, which holds the
    // journal lock while it runs: cut-off segments are only touched while that lock is ours.
    let any_interrupted = segments.iter().any(|s| {
        matches!(
            s.state,
            PendingState::Untranscribed {
                interrupted: true,
                ..
            }
        )
    });
    let journal_lock = any_interrupted
        .then(|| SessionLock::acquire(journal.root(), JOURNAL_LOCK, Duration::ZERO).ok())
        .flatten();
    let mut report = RepairReport::default();
    for segment in &segments {
        if cancel.is_cancelled() {
            break;
        }
        let mut repaired_crash = false;
        let outcome = match segment.state {
            PendingState::Untranscribed {
                interrupted: true, ..
            } if journal_lock.is_none() => Err(RepairError::Recording),
            _ => repair_one(
                journal,
                segment,
                engine,
                options,
                cancel,
                &mut repaired_crash,
                on_progress,
            ),
        };
        let clip = ClipReport {
            session: segment.session.clone(),
            clip: segment.clip.clone(),
            repaired_crash,
            outcome,
        };
        log_outcome(journal, &clip, engine);
        on_progress(RepairProgress::Done(&clip));
        report.clips.push(clip);
    }
    if report.changed() + report.failed() > 0 {
        let count = |f: fn(&ClipOutcome) -> bool| {
            report
                .clips
                .iter()
                .filter(|c| c.outcome.as_ref().is_ok_and(f))
                .count()
        };
        let _ = journal.events().append(
            "reconcile.finished",
            fields! {
                "transcribed" => count(|o| matches!(o, ClipOutcome::Transcribed { .. })),
                "completed" => count(|o| matches!(o, ClipOutcome::Completed { .. })),
                "too_short" => count(|o| matches!(o, ClipOutcome::TooShort { .. })),
                "failed" => report.failed(),
            },
        );
    }
    Ok(report)
}

fn repair_one(
    journal: &Journal,
    segment: &PendingSegment,
    engine: Option<&dyn Transcriber>,
    options: &RepairOptions,
    cancel: &CancelToken,
    repaired_crash: &mut bool,
    on_progress: &mut dyn FnMut(RepairProgress<'_>),
) -> Result<ClipOutcome, RepairError> {
    let id = &segment.session;
    let stem = clip_stem(&segment.clip);
    if segment.state == PendingState::Transcribed {
        let sidecar = journal.session_dir(id).join(format!("{stem}.stt.json"));
        let text = sidecar_text(&sidecar)?;
        let (placeholders, duplicates_removed) =
            apply_transcript(journal, id, stem, &format_transcript(&text, options.formatting))?;
        return Ok(ClipOutcome::Completed {
            placeholders,
            duplicates_removed,
        });
    }
    let PendingState::Untranscribed { interrupted, .. } = segment.state else {
        unreachable!("handled above")
    };
    let audio = segment
        .audio
        .as_deref()
        .ok_or_else(|| RepairError::AudioMissing {
            clip: segment.clip.clone(),
            dir: journal.session_dir(id),
        })?;
    if interrupted {
        let seconds = repair_wav(audio)?;
        *repaired_crash = true;
        let _ = journal.events().append(
            "reconcile.segment_repaired",
            fields! {"session_id" => id.as_str(), "segment" => segment.clip.as_str(), "seconds" => round2(seconds)},
        );
    }
    let (samples, _) = decode_file(audio)?;
    let duration = samples.len() as f64 / f64::from(SAMPLE_RATE);
    let voiced = f64::from(level::voiced_seconds(&samples, SAMPLE_RATE));
    let short_limit = options.min_duration.max(SHORT_TAKE_SECONDS);
    let too_short =
        (duration <= short_limit && voiced <= SHORT_TAKE_VOICED_SECONDS) || duration < options.min_duration;
    if too_short {
        match options.too_short {
            TooShort::Skip => {}
            TooShort::Mark => {
                let mut meta = serde_json::json!({
                    "skipped_reason": "short_duration",
                    "duration_seconds": round2(duration),
                    "voiced_seconds": round2(voiced),
                });
                if let Some(engine) = engine {
                    meta["backend"] = engine.name().into();
                    meta["model"] = engine.model().into();
                }
                journal.write_stt_sidecar(
                    id,
                    &segment.clip,
                    &serde_json::json!({"text": "", "meta": meta}),
                )?;
            }
            TooShort::Delete => delete_clip(journal, id, stem)?,
        }
        return Ok(ClipOutcome::TooShort {
            action: options.too_short,
            duration_seconds: duration,
            voiced_seconds: voiced,
        });
    }
    let engine = engine.ok_or(RepairError::NoTranscriber)?;
    on_progress(RepairProgress::Transcribing {
        segment,
        seconds: duration,
    });
    let transcript = stt::transcribe(engine, &samples, &options.stt, &mut |_| {}, cancel)?;
    // The sidecar first: once it exists the clip is no longer pending, and a crash before the session file is
    // updated is finished by the next run from the sidecar.
    journal.write_stt_sidecar(id, &segment.clip, &transcript.raw)?;
    let text = format_transcript(&transcript.text, options.formatting);
    let (placeholders, duplicates_removed) = apply_transcript(journal, id, stem, &text)?;
    Ok(ClipOutcome::Transcribed {
        placeholders,
        duplicates_removed,
        words: text.split_whitespace().count(),
    })
}

/// The transcript text in a sidecar (`text`, as both HSJ's and Soundmind's sidecars store it).
fn sidecar_text(path: &Path) -> Result<String, RepairError> {
    let bad = |reason: String| RepairError::BadSidecar {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = fs::read(path).map_err(|e| bad(e.to_string()))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    json["text"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| bad("no \"text\" field".into()))
}

/// Puts `text` where the clip's placeholders are and clears its pending flags, in one locked write. A placeholder
/// whose words are already another answer of the session (HSJ's web path) is removed with its exchange instead of
/// repeating them. Returns (placeholders replaced, exchanges removed); writes nothing when there is nothing to do.
fn apply_transcript(
    journal: &Journal,
    id: &SessionId,
    stem: &str,
    text: &str,
) -> Result<(usize, usize), RepairError> {
    let doc = match journal.load(id) {
        Ok(doc) => doc,
        // Audio in a folder with no session file only gets its sidecar.
        Err(StoreError::MissingSessionFile { .. }) => return Ok((0, 0)),
        Err(e) => return Err(e.into()),
    };
    if !session_refers_to(&doc, stem) {
        return Ok((0, 0));
    }
    Ok(journal.update(id, |doc| {
        let words = normalise(text);
        let answered_elsewhere = !words.is_empty()
            && doc
                .exchanges()
                .iter()
                .any(|e| matches!(&e.answer, Answer::Text(t) if normalise(t) == words));
        let (mut replaced, mut removed) = (0, 0);
        for segment in pending_names(doc, stem) {
            if answered_elsewhere {
                removed += doc.remove_pending_exchanges(&segment);
            } else {
                replaced += doc.replace_pending(&segment, text);
            }
        }
        let mut files = doc.frontmatter.audio_files().unwrap_or_default();
        let mut cleared = false;
        for file in files
            .iter_mut()
            .filter(|f| f.is_pending() && audio_stem_is(f, stem))
        {
            file.clear_pending();
            cleared = true;
        }
        if cleared {
            doc.frontmatter.set_audio_files(&files);
        }
        (replaced, removed)
    })?)
}

/// Deletes a too-short clip: its audio and copies, its sentinel, then its placeholder exchange and `audio_file`
/// entry (the answer no longer exists, as when a short take is discarded while journaling).
fn delete_clip(journal: &Journal, id: &SessionId, stem: &str) -> Result<(), RepairError> {
    let dir = journal.session_dir(id);
    let doomed = PENDING_AUDIO_EXTENSIONS
        .iter()
        .chain(&COPY_EXTENSIONS)
        .map(|ext| format!("{stem}.{ext}"))
        .chain([format!("{stem}.stt.error.txt")]);
    for name in doomed {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(RepairError::Delete { path, source: e });
            }
            _ => {}
        }
    }
    sync_parent(&dir.join(stem)).map_err(|source| RepairError::Delete {
        path: dir.clone(),
        source,
    })?;
    let doc = match journal.load(id) {
        Ok(doc) => doc,
        Err(StoreError::MissingSessionFile { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let has_entry = doc
        .frontmatter
        .audio_files()
        .unwrap_or_default()
        .iter()
        .any(|f| audio_stem_is(f, stem));
    if has_entry || !pending_names(&doc, stem).is_empty() {
        journal.update(id, |doc| {
            for segment in pending_names(doc, stem) {
                doc.remove_pending_exchanges(&segment);
            }
            let files: Vec<AudioFile> = doc
                .frontmatter
                .audio_files()
                .unwrap_or_default()
                .into_iter()
                .filter(|f| !audio_stem_is(f, stem))
                .collect();
            if has_entry {
                doc.frontmatter.set_audio_files(&files);
            }
        })?;
    }
    Ok(())
}

/// Whether the session file has anything to change for this clip: a placeholder or a pending flag.
fn session_refers_to(doc: &SessionDoc, stem: &str) -> bool {
    !pending_names(doc, stem).is_empty()
        || doc
            .frontmatter
            .pending_audio()
            .iter()
            .any(|f| audio_stem_is(f, stem))
}

/// The placeholder names in the body that point at this clip (any extension: a placeholder may name the WAV
/// while the audio left is its copy).
fn pending_names(doc: &SessionDoc, stem: &str) -> Vec<String> {
    let mut names: Vec<String> = doc
        .exchanges()
        .into_iter()
        .filter_map(|e| match e.answer {
            Answer::Pending { segment } if clip_stem(&segment) == stem => Some(segment),
            _ => None,
        })
        .collect();
    names.dedup();
    names
}

fn audio_stem_is(file: &AudioFile, stem: &str) -> bool {
    [file.wav(), file.mp3(), file.ogg()]
        .into_iter()
        .flatten()
        .any(|n| clip_stem(n) == stem)
}

/// `251103_0714_01.wav` → `251103_0714_01`.
fn clip_stem(clip: &str) -> &str {
    clip.rsplit_once('.').map_or(clip, |(stem, _)| stem)
}

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One metadata-only event per clip whose files changed, or that failed. Best effort: the repair matters more
/// than its log line.
fn log_outcome(journal: &Journal, clip: &ClipReport, engine: Option<&dyn Transcriber>) {
    let base = |mut f: serde_json::Map<String, serde_json::Value>| {
        f.insert("session_id".into(), clip.session.as_str().into());
        f.insert("segment".into(), clip.clip.as_str().into());
        f
    };
    let (event, fields) = match &clip.outcome {
        Ok(ClipOutcome::Transcribed {
            placeholders,
            duplicates_removed,
            words,
        }) => (
            "reconcile.transcribed",
            fields! {
                "placeholders" => placeholders,
                "duplicates_removed" => duplicates_removed,
                "words" => words,
                "engine" => engine.map(|e| e.name().to_string()),
                "model" => engine.map(|e| e.model()),
            },
        ),
        Ok(ClipOutcome::Completed {
            placeholders,
            duplicates_removed,
        }) => (
            "reconcile.completed_from_sidecar",
            fields! {"placeholders" => placeholders, "duplicates_removed" => duplicates_removed},
        ),
        Ok(ClipOutcome::TooShort {
            action: TooShort::Skip,
            ..
        }) => return,
        Ok(ClipOutcome::TooShort {
            action,
            duration_seconds,
            voiced_seconds,
        }) => (
            "reconcile.too_short",
            fields! {
                "action" => if *action == TooShort::Mark { "mark" } else { "delete" },
                "duration_seconds" => round2(*duration_seconds),
                "voiced_seconds" => round2(*voiced_seconds),
            },
        ),
        Err(e) => ("reconcile.failed", fields! {"error" => e.kind()}),
    };
    let _ = journal.events().append(event, base(fields));
}

#[cfg(test)]
mod tests {
    use super::*;
    use soundmind_engine::Transcript;

    /// A transcriber that says the same thing for any audio, and counts its calls.
    struct Fixed(&'static str, std::sync::atomic::AtomicUsize);

    impl Transcriber for Fixed {
        fn name(&self) -> &str {
            "fixed"
        }
        fn model(&self) -> String {
            "fixed-1".into()
        }
        fn transcribe(
            &self,
            _audio: &[f32],
            _options: &SttOptions,
            _on_event: &mut dyn FnMut(soundmind_engine::SttEvent),
            _cancel: &CancelToken,
        ) -> Result<Transcript, EngineError> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Transcript {
                text: self.0.into(),
                segments: Vec::new(),
                language: Some("en".into()),
                raw: serde_json::json!({"text": self.0}),
            })
        }
    }

    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        for entry in fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with(".soundmind") {
                    out.extend(snapshot(&path));
                }
            } else {
                out.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
        out
    }

    #[test]
    fn hsj_fixtures_are_reconciled_once() {
        let dir = soundmind_testkit::hsj_journal_copy();
        let journal = Journal::open(dir.path());
        let pending = pending_segments(&journal, None).unwrap();
        let names: Vec<(&str, PendingState)> = pending.iter().map(|p| (p.clip.as_str(), p.state)).collect();
        assert_eq!(
            names,
            [
                ("browser-001.webm", PendingState::Transcribed),
                ("browser-002.webm", PendingState::Transcribed),
                ("browser-003.webm", PendingState::Transcribed),
                (
                    "251109_1905_02.wav",
                    PendingState::Untranscribed {
                        interrupted: false,
                        has_error: true
                    }
                ),
            ]
        );
        assert_eq!(pending_count(&journal, None), 1);
        let id = SessionId::parse("251109_1905").unwrap();
        assert_eq!(pending_count(&journal, Some(&id)), 1);

        let engine = Fixed("Talking helped. We both listened.", Default::default());
        let report = repair(
            &journal,
            None,
            Some(&engine),
            &RepairOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(report.failed(), 0, "{report:?}");
        assert_eq!(engine.1.load(std::sync::atomic::Ordering::SeqCst), 1);

        let web = journal.load(&SessionId::parse("251108_1036").unwrap()).unwrap();
        assert_eq!(
            web.exchanges().len(),
            3,
            "the stale placeholder exchanges are gone"
        );
        assert!(!web.body().contains("transcription pending"));
        let sunday = journal.load(&id).unwrap();
        assert!(
            sunday
                .body()
                .trim_end()
                .ends_with("Talking helped.\nWe both listened."),
            "{}",
            sunday.body()
        );
        assert!(sunday.frontmatter.pending_audio().is_empty());
        assert_eq!(
            sunday.frontmatter.audio_files().unwrap()[1].voiced_seconds(),
            Some(1.3)
        );
        let clip_dir = journal.session_dir(&id);
        assert!(clip_dir.join("251109_1905_02.stt.json").exists());
        assert!(!clip_dir.join("251109_1905_02.stt.error.txt").exists());
        assert_eq!(pending_count(&journal, None), 0);

        let before = snapshot(dir.path());
        let again = repair(
            &journal,
            None,
            Some(&engine),
            &RepairOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        assert!(again.clips.is_empty(), "{again:?}");
        assert_eq!(snapshot(dir.path()), before, "a second run changes nothing");
    }

    #[test]
    fn a_crashed_segment_is_repaired_and_a_short_one_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path());
        let started = chrono::NaiveDate::from_ymd_opt(2025, 11, 12)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        let (id, _) = journal.create(started, &Default::default()).unwrap();
        let long = journal.session_dir(&id).join(id.segment_name(1, "wav"));
        let mut writer = soundmind_store::segment::SegmentWriter::create(&long).unwrap();
        writer.append(&soundmind_testkit::voice_like(2.0)).unwrap();
        std::mem::forget(writer); // a crash: the marker stays
        let short = id.segment_name(2, "wav");
        let mut writer =
            soundmind_store::segment::SegmentWriter::create(&journal.session_dir(&id).join(&short)).unwrap();
        writer.append(&[0.0; 8000]).unwrap();
        writer.finish().unwrap();
        journal
            .update(&id, |doc| {
                doc.append_pending_exchange("First?", &id.segment_name(1, "wav"));
                doc.append_pending_exchange("Second?", &short);
                doc.frontmatter
                    .upsert_audio_file(AudioFile::pending(&short, None, 0.5, 0.0, "Timeout", "cli"));
            })
            .unwrap();

        let engine = Fixed("It went well.", Default::default());
        let options = RepairOptions {
            too_short: TooShort::Delete,
            ..RepairOptions::default()
        };
        let report = repair(
            &journal,
            Some(&id),
            Some(&engine),
            &options,
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(report.failed(), 0, "{report:?}");
        assert!(report.clips[0].repaired_crash);
        let doc = journal.load(&id).unwrap();
        let answers: Vec<Answer> = doc.exchanges().into_iter().map(|e| e.answer).collect();
        assert_eq!(answers, [Answer::Text("It went well.".into())]);
        assert!(doc.frontmatter.audio_files().unwrap().is_empty());
        assert!(!journal.session_dir(&id).join(&short).exists());
        assert!(soundmind_store::segment::interrupted_segments(&journal.session_dir(&id)).is_empty());
        let log = fs::read_to_string(journal.events().path()).unwrap();
        assert!(log.contains("reconcile.segment_repaired") && !log.contains("It went well"));
    }

    #[test]
    fn a_segment_being_recorded_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path());
        let started = chrono::NaiveDate::from_ymd_opt(2025, 11, 12)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let (id, _) = journal.create(started, &Default::default()).unwrap();
        let wav = journal.session_dir(&id).join(id.segment_name(1, "wav"));
        let mut writer = soundmind_store::segment::SegmentWriter::create(&wav).unwrap();
        writer.append(&soundmind_testkit::voice_like(2.0)).unwrap();
        // A voice loop is running on this journal: the open segment is its take, not a crash.
        let running = SessionLock::acquire(dir.path(), JOURNAL_LOCK, Duration::ZERO).unwrap();
        let engine = Fixed("Never.", Default::default());
        let report = repair(
            &journal,
            None,
            Some(&engine),
            &RepairOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        assert!(
            matches!(report.clips[0].outcome, Err(RepairError::Recording)),
            "{report:?}"
        );
        assert_eq!(engine.1.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(
            soundmind_store::segment::interrupted_segments(&journal.session_dir(&id)),
            [wav]
        );
        drop(running);
        writer.finish().unwrap();
    }
}
