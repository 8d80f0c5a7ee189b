//! Test helpers shared by Soundmind's crates. A dev-dependency only; never linked into the app.
#![warn(missing_docs)]

pub mod screening;
#[cfg(feature = "servers")]
pub mod servers;
pub mod wer;

use std::fs;
use std::path::{Path, PathBuf};

/// The real HSJ session folder written by HSJ 0.2.9 (`shared/fixtures/hsj-sessions/sessions`).
///
/// `SOUNDMIND_FIXTURES` overrides the location; otherwise it is `../shared` next to the repository.
pub fn hsj_sessions() -> PathBuf {
    if let Ok(dir) = std::env::var("SOUNDMIND_FIXTURES") {
        return PathBuf::from(dir);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = repo.join("../shared/fixtures/hsj-sessions/sessions");
    assert!(
        dir.is_dir(),
        "HSJ fixtures not found at {}; set SOUNDMIND_FIXTURES",
        dir.display()
    );
    dir
}

/// The session ids of the HSJ fixture folder, oldest first.
pub const HSJ_SESSION_IDS: [&str; 5] = [
    "251103_0714",
    "251105_2152",
    "251108_1036",
    "251109_1905",
    "251111_0648",
];

/// Where `scripts/test-models` puts test models and speech clips (`SOUNDMIND_TEST_MODELS` overrides).
pub fn test_models_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SOUNDMIND_TEST_MODELS") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var("SOUNDMIND_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").expect("HOME is set")).join(".cache/soundmind")
        });
    cache.join("test-models")
}

/// A test model or clip by its path inside [`test_models_dir`]. Panics (the test fails, it is never skipped) with
/// the command that installs it when it is missing.
pub fn test_model(relative: &str) -> PathBuf {
    let path = test_models_dir().join(relative);
    assert!(
        path.exists(),
        "{} is missing: run ./scripts/test-models",
        path.display()
    );
    path
}

/// A voice-like test signal at 16 kHz: a 150 Hz buzz with harmonics, amplitude-modulated like syllables. VADs and
/// level meters treat it as speech; it has no words.
pub fn voice_like(seconds: f32) -> Vec<f32> {
    const RATE: f32 = 16_000.0;
    (0..(seconds * RATE) as usize)
        .map(|i| {
            let t = i as f32 / RATE;
            let buzz: f32 = (1..8)
                .map(|h| (std::f32::consts::TAU * 150.0 * h as f32 * t).sin() / h as f32)
                .sum();
            0.3 * buzz * (0.6 + 0.4 * (std::f32::consts::TAU * 4.0 * t).sin())
        })
        .collect()
}

/// `text` spoken by espeak-ng, as `answer.wav` in `dir`: 16 kHz mono 16-bit PCM with `pad_seconds` of silence
/// after the words (where a looping player restarts, a pause). Needs espeak-ng and ffmpeg (`./scripts/test`
/// installs both).
pub fn spoken_wav(dir: &Path, text: &str, pad_seconds: f32) -> PathBuf {
    let raw = dir.join("espeak.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-s", "150", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .unwrap_or_else(|e| panic!("espeak-ng: {e}; run ./scripts/test, which installs it"));
    assert!(status.success(), "espeak-ng failed");
    let wav = dir.join("answer.wav");
    let status = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(&raw)
        .arg("-af")
        .arg(format!("apad=pad_dur={pad_seconds}"))
        .args(["-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le"])
        .arg(&wav)
        .status()
        .unwrap_or_else(|e| panic!("ffmpeg: {e}; run ./scripts/test, which installs it"));
    assert!(status.success(), "ffmpeg failed");
    wav
}

/// A temporary copy of the HSJ fixture folder (writable), removed on drop.
pub fn hsj_journal_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&hsj_sessions(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy fixture");
            // Fixtures are read-only on disk; the copy must be writable.
            let mut perms = fs::metadata(&target).expect("metadata").permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            fs::set_permissions(&target, perms).expect("chmod");
        }
    }
}
