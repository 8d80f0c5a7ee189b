//! Compressing a recorded answer: its WAV becomes an Ogg Opus file next to it, and the WAV goes only when nothing
//! can be lost.
//!
//! The order is the safety: encode → write the `.ogg` durably → decode it back and check its length → record it
//! in the frontmatter (`ogg` key, under the session lock) → and only if the transcript sidecar (`.stt.json`)
//! exists, delete the WAV. A crash or an error at any step leaves the WAV in place; a leftover `.ogg` that was
//! never recorded is simply written again by the next call. HSJ did the same with MP3 (ffmpeg), deleting the WAV
//! once both the `.mp3` and the `.stt.json` existed.
//!
//! It is a plain function with no shared state, so a caller may run it on any thread, e.g. after each
//! transcribed answer.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use soundmind_audio::{AudioError, EncodeError, decode_file, encode_ogg_opus};
use soundmind_core::SessionId;
use soundmind_core::frontmatter::FieldError;
use soundmind_engine::SAMPLE_RATE;
use soundmind_store::segment::marker_path;
use soundmind_store::{Journal, StoreError, atomic};

/// The most the compressed copy's decoded length may differ from the WAV's. Opus adds its pre-skip and pads
/// the last 20 ms frame, so a few tens of milliseconds are normal; anything more means a damaged file.
pub const VERIFY_TOLERANCE_SECONDS: f64 = 0.05;

/// What [`compress_take`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressOutcome {
    /// The compressed copy, `<id>/<stem>.ogg`.
    pub ogg: PathBuf,
    /// True when this call wrote the `.ogg`; false when a verified one was already recorded.
    pub encoded: bool,
    /// What became of the WAV.
    pub wav: WavState,
}

/// What became of a take's WAV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WavState {
    /// Deleted by this call: the `.ogg` is verified and recorded, and the transcript sidecar is saved.
    Deleted,
    /// Kept because the transcript sidecar does not exist yet; a later call deletes it once it does.
    KeptUntranscribed,
    /// Already gone before this call (an earlier call finished the job).
    AlreadyGone,
}

/// Why a take could not be compressed. Nothing is ever deleted when one of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompressError {
    /// The name given is not a take's WAV file name.
    #[error("{name} is not a take's WAV file name (expected `<id>_NN.wav`)")]
    NotAWav {
        /// The name given.
        name: String,
    },
    /// The session has no `audio_file` entry for this WAV.
    #[error("session {id} has no audio_file entry for {wav}")]
    NotInSession {
        /// The session.
        id: String,
        /// The WAV's file name.
        wav: String,
    },
    /// The WAV's `.recording` marker exists: it is still being written, or was cut off and needs repair first.
    #[error("{path} is still being recorded (or was cut off and needs repair)", path = .path.display())]
    StillRecording {
        /// The WAV.
        path: PathBuf,
    },
    /// The frontmatter names a compressed copy, the WAV is gone, and so is the copy.
    #[error("{path} is recorded as the take's compressed copy but is missing, and the WAV is gone too", path = .path.display())]
    OggMissing {
        /// The missing `.ogg`.
        path: PathBuf,
    },
    /// The WAV could not be decoded (it names the file).
    #[error(transparent)]
    Decode(#[from] AudioError),
    /// The audio could not be encoded.
    #[error("could not compress {path}: {source}", path = .path.display())]
    Encode {
        /// The WAV.
        path: PathBuf,
        /// What the encoder said.
        source: EncodeError,
    },
    /// The written `.ogg` did not decode back to the WAV's length; the WAV is kept.
    #[error("{path} did not verify ({reason}); the WAV is kept", path = .path.display())]
    Unverified {
        /// The `.ogg`.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The session's `audio_file` list is malformed.
    #[error("session {id}: {source}")]
    Frontmatter {
        /// The session.
        id: String,
        /// The malformed key.
        source: FieldError,
    },
    /// The session file could not be read, locked or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An OS error on one of the take's files.
    #[error("could not {action} {path}: {source}", path = .path.display())]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

fn io_err(action: &'static str, path: &Path, source: io::Error) -> CompressError {
    CompressError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Compresses the take `wav_name` (e.g. `251103_0714_01.wav`) of session `id` to `<stem>.ogg` (Ogg Opus) beside
/// it, records it under the take's `ogg` key, and deletes the WAV if its transcript sidecar `<stem>.stt.json`
/// exists.
///
/// Steps, each only after the one before succeeded: decode the WAV; encode; write the `.ogg` atomically and
/// durably; decode the `.ogg` and compare lengths (within [`VERIFY_TOLERANCE_SECONDS`]); record it in the
/// frontmatter under the session lock; delete the WAV and fsync the folder. HSJ's `mp3` key is left as it is.
///
/// Idempotent: when a verified `.ogg` is already recorded, nothing is written; a WAV kept earlier for want of a
/// transcript is deleted once the sidecar exists. Any error leaves every file in place.
pub fn compress_take(
    journal: &Journal,
    id: &SessionId,
    wav_name: &str,
) -> Result<CompressOutcome, CompressError> {
    let stem = wav_stem(wav_name).ok_or_else(|| CompressError::NotAWav {
        name: wav_name.to_string(),
    })?;
    let dir = journal.session_dir(id);
    let wav = dir.join(wav_name);
    let ogg_name = format!("{stem}.ogg");
    let ogg = dir.join(&ogg_name);
    let sidecar = dir.join(format!("{stem}.stt.json"));

    if exists(&marker_path(&wav))? {
        return Err(CompressError::StillRecording { path: wav });
    }
    let doc = journal.load(id)?;
    let files = doc
        .frontmatter
        .audio_files()
        .map_err(|source| CompressError::Frontmatter {
            id: id.to_string(),
            source,
        })?;
    let entry =
        files
            .iter()
            .find(|f| f.wav() == Some(wav_name))
            .ok_or_else(|| CompressError::NotInSession {
                id: id.to_string(),
                wav: wav_name.to_string(),
            })?;
    let recorded = entry.ogg() == Some(ogg_name.as_str());
    let wav_exists = exists(&wav)?;

    if recorded && !wav_exists {
        // Finished earlier: the WAV was only deleted after this very check passed.
        return if exists(&ogg)? {
            Ok(CompressOutcome {
                ogg,
                encoded: false,
                wav: WavState::AlreadyGone,
            })
        } else {
            Err(CompressError::OggMissing { path: ogg })
        };
    }

    let (samples, _) = decode_file(&wav)?;
    let seconds = samples.len() as f64 / f64::from(SAMPLE_RATE);
    let encoded = if recorded && verify(&ogg, seconds).is_ok() {
        false
    } else {
        let bytes = encode_ogg_opus(&samples).map_err(|source| CompressError::Encode {
            path: wav.clone(),
            source,
        })?;
        drop(samples);
        atomic::write_atomic(&ogg, &bytes).map_err(|e| io_err("write", &ogg, e))?;
        verify(&ogg, seconds)?;
        journal.update(id, |doc| {
            let mut files = doc
                .frontmatter
                .audio_files()
                .map_err(|source| CompressError::Frontmatter {
                    id: id.to_string(),
                    source,
                })?;
            // Re-found under the lock: the entry may have changed since it was read above.
            let entry = files
                .iter_mut()
                .find(|f| f.wav() == Some(wav_name))
                .ok_or_else(|| CompressError::NotInSession {
                    id: id.to_string(),
                    wav: wav_name.to_string(),
                })?;
            entry.set_compressed(&ogg_name);
            doc.frontmatter.set_audio_files(&files);
            Ok::<_, CompressError>(())
        })??;
        true
    };

    let wav_state = if transcript_saved(&sidecar)? {
        match fs::remove_file(&wav) {
            Ok(()) => {}
            // Another process finished the same job first.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("delete", &wav, e)),
        }
        atomic::sync_dir(&dir).map_err(|e| io_err("sync", &dir, e))?;
        WavState::Deleted
    } else {
        WavState::KeptUntranscribed
    };
    Ok(CompressOutcome {
        ogg,
        encoded,
        wav: wav_state,
    })
}

/// `name`'s stem when it is a plain `*.wav` file name (no folders), else `None`.
fn wav_stem(name: &str) -> Option<&str> {
    if name.contains(['/', '\\']) || name.starts_with('.') {
        return None;
    }
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && ext.eq_ignore_ascii_case("wav")).then_some(stem)
}

fn exists(path: &Path) -> Result<bool, CompressError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_err("check", path, e)),
    }
}

/// Decodes `ogg` and checks its length against the WAV's `seconds`.
fn verify(ogg: &Path, seconds: f64) -> Result<(), CompressError> {
    let unverified = |reason: String| CompressError::Unverified {
        path: ogg.to_path_buf(),
        reason,
    };
    let (decoded, _) = decode_file(ogg).map_err(|e| unverified(e.to_string()))?;
    let got = decoded.len() as f64 / f64::from(SAMPLE_RATE);
    if (got - seconds).abs() > VERIFY_TOLERANCE_SECONDS {
        return Err(unverified(format!(
            "it decodes to {got:.3} s, the WAV is {seconds:.3} s"
        )));
    }
    Ok(())
}

/// True when the transcript sidecar exists and is JSON: only then is the WAV no longer needed.
fn transcript_saved(sidecar: &Path) -> Result<bool, CompressError> {
    let text = match fs::read(sidecar) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_err("read", sidecar, e)),
    };
    // A torn or empty sidecar (from a tool that writes in place) is not a saved transcript.
    Ok(serde_json::from_slice::<serde_json::Value>(&text).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use soundmind_core::{AudioFile, NewSession};
    use soundmind_store::segment::SegmentWriter;

    struct Fixture {
        _dir: tempfile::TempDir,
        journal: Journal,
        id: SessionId,
        wav_name: String,
    }

    impl Fixture {
        fn dir(&self) -> PathBuf {
            self.journal.session_dir(&self.id)
        }
        fn path(&self, ext: &str) -> PathBuf {
            self.dir().join(self.wav_name.replace(".wav", &format!(".{ext}")))
        }
        fn wav(&self) -> PathBuf {
            self.dir().join(&self.wav_name)
        }
        fn entry(&self) -> AudioFile {
            let doc = self.journal.load(&self.id).unwrap();
            let files = doc.frontmatter.audio_files().unwrap();
            files
                .into_iter()
                .find(|f| f.wav() == Some(self.wav_name.as_str()))
                .unwrap()
        }
        fn save_transcript(&self) {
            self.journal
                .write_stt_sidecar(
                    &self.id,
                    &self.wav_name,
                    &serde_json::json!({"text": "a good day"}),
                )
                .unwrap();
        }
        /// Every file in the session folder with its bytes, to show that nothing changed.
        fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
            let mut files: Vec<_> = fs::read_dir(self.dir())
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        fs::read(e.path()).unwrap(),
                    )
                })
                .collect();
            files.push((
                "session.md".into(),
                fs::read(self.journal.session_path(&self.id)).unwrap(),
            ));
            files.sort();
            files
        }
    }

    /// A session with one recorded take of `seconds` of voice-like audio in the audio_file list.
    fn session_with_take(seconds: f32) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path());
        let started = chrono::NaiveDate::from_ymd_opt(2025, 11, 3)
            .unwrap()
            .and_hms_opt(7, 14, 0)
            .unwrap();
        let (id, _) = journal.create(started, &NewSession::default()).unwrap();
        let path = journal.next_segment_path(&id).unwrap();
        let mut writer = SegmentWriter::create(&path).unwrap();
        writer.append(&soundmind_testkit::voice_like(seconds)).unwrap();
        let recorded = writer.seconds();
        writer.finish().unwrap();
        let wav_name = path.file_name().unwrap().to_str().unwrap().to_string();
        journal
            .update(&id, |doc| {
                doc.frontmatter
                    .upsert_audio_file(AudioFile::recorded(&wav_name, None, recorded));
            })
            .unwrap();
        Fixture {
            _dir: dir,
            journal,
            id,
            wav_name,
        }
    }

    #[test]
    fn compresses_verifies_records_and_deletes_the_wav_once_the_transcript_is_saved() {
        let f = session_with_take(2.5);
        f.save_transcript();
        let wav_bytes = fs::metadata(f.wav()).unwrap().len();

        let outcome = compress_take(&f.journal, &f.id, &f.wav_name).unwrap();

        assert_eq!(outcome.ogg, f.path("ogg"));
        assert!(outcome.encoded);
        assert_eq!(outcome.wav, WavState::Deleted);
        assert!(!f.wav().exists(), "the WAV is deleted");
        let ogg_bytes = fs::metadata(f.path("ogg")).unwrap().len();
        assert!(
            ogg_bytes * 5 < wav_bytes,
            "{ogg_bytes} bytes of Ogg for {wav_bytes} of WAV"
        );
        let (decoded, _) = decode_file(&f.path("ogg")).unwrap();
        assert!((decoded.len() as f64 / 16_000.0 - 2.5).abs() <= VERIFY_TOLERANCE_SECONDS);
        assert!(f.path("stt.json").exists(), "the transcript is untouched");

        let entry = f.entry();
        let ogg_name = format!("{}_01.ogg", f.id);
        assert_eq!(entry.ogg(), Some(ogg_name.as_str()));
        assert_eq!(
            entry.wav(),
            Some(f.wav_name.as_str()),
            "HSJ's wav key keeps the take's name"
        );
        assert_eq!(entry.mp3(), None, "HSJ's mp3 key stays null");
        let text = fs::read_to_string(f.journal.session_path(&f.id)).unwrap();
        assert!(text.contains(&format!("ogg: {ogg_name}")), "{text}");
        assert!(text.contains("mp3: null"), "{text}");

        let mut names: Vec<_> = fs::read_dir(f.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let stem = format!("{}_01", f.id);
        assert_eq!(
            names,
            [format!("{stem}.ogg"), format!("{stem}.stt.json")],
            "no temp files left"
        );
    }

    #[test]
    fn keeps_the_wav_until_the_transcript_is_saved_then_a_second_call_deletes_it() {
        let f = session_with_take(1.5);

        let outcome = compress_take(&f.journal, &f.id, &f.wav_name).unwrap();
        assert!(outcome.encoded);
        assert_eq!(outcome.wav, WavState::KeptUntranscribed);
        assert!(f.wav().exists(), "no transcript yet: the WAV stays");
        assert!(f.path("ogg").exists());
        assert!(f.entry().ogg().is_some(), "the verified copy is recorded anyway");

        // A sidecar that is not JSON (torn) does not count as a saved transcript.
        fs::write(f.path("stt.json"), b"{\"text\": \"a go").unwrap();
        let outcome = compress_take(&f.journal, &f.id, &f.wav_name).unwrap();
        assert_eq!(outcome.wav, WavState::KeptUntranscribed);
        assert!(f.wav().exists());

        f.save_transcript();
        let ogg_before = fs::read(f.path("ogg")).unwrap();
        let outcome = compress_take(&f.journal, &f.id, &f.wav_name).unwrap();
        assert!(
            !outcome.encoded,
            "the recorded copy verifies, so it is not written again"
        );
        assert_eq!(outcome.wav, WavState::Deleted);
        assert!(!f.wav().exists());
        assert_eq!(fs::read(f.path("ogg")).unwrap(), ogg_before);
    }

    #[test]
    fn a_second_call_is_a_no_op() {
        let f = session_with_take(1.0);
        f.save_transcript();
        compress_take(&f.journal, &f.id, &f.wav_name).unwrap();
        let before = f.snapshot();

        let outcome = compress_take(&f.journal, &f.id, &f.wav_name).unwrap();

        assert_eq!(
            outcome,
            CompressOutcome {
                ogg: f.path("ogg"),
                encoded: false,
                wav: WavState::AlreadyGone,
            }
        );
        assert_eq!(f.snapshot(), before, "no file (session file included) changed");
    }

    #[test]
    fn an_unreadable_wav_is_an_error_and_nothing_is_deleted() {
        let f = session_with_take(1.0);
        f.save_transcript();
        fs::write(f.wav(), b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunkjunk").unwrap();
        let before = f.snapshot();

        let err = compress_take(&f.journal, &f.id, &f.wav_name).unwrap_err();

        assert!(matches!(err, CompressError::Decode(_)), "{err}");
        assert!(
            err.to_string().contains(&f.wav_name),
            "the error names the file: {err}"
        );
        assert_eq!(f.snapshot(), before, "nothing written, nothing deleted");
        assert_eq!(f.entry().ogg(), None);
    }

    #[test]
    fn a_take_still_being_recorded_or_not_in_the_session_is_left_alone() {
        let f = session_with_take(1.0);
        f.save_transcript();
        let marker = marker_path(&f.wav());
        fs::write(&marker, b"").unwrap();
        let before = f.snapshot();
        let err = compress_take(&f.journal, &f.id, &f.wav_name).unwrap_err();
        assert!(matches!(err, CompressError::StillRecording { .. }), "{err}");
        assert_eq!(f.snapshot(), before);
        fs::remove_file(&marker).unwrap();

        let other = f.wav_name.replace("_01", "_02");
        fs::copy(f.wav(), f.dir().join(&other)).unwrap();
        let err = compress_take(&f.journal, &f.id, &other).unwrap_err();
        assert!(matches!(err, CompressError::NotInSession { .. }), "{err}");
        assert!(f.dir().join(&other).exists());

        for name in ["../x.wav", "x.mp3", ".wav", ""] {
            let err = compress_take(&f.journal, &f.id, name).unwrap_err();
            assert!(matches!(err, CompressError::NotAWav { .. }), "{name}: {err}");
        }
        assert!(f.wav().exists());
    }
}
