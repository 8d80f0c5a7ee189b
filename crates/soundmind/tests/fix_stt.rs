//! `soundmind fix stt` end to end: the real binary, real whisper.cpp on tiny.en, HSJ's own pending files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use soundmind_app::segment::{SegmentWriter, interrupted_segments};
use soundmind_testkit::wer::word_error_rate;
use soundmind_testkit::{hsj_journal_copy, test_model};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn soundmind(args: &[&str], home: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_soundmind"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SOUNDMIND_CONFIG", home.join("config.toml"))
        .env("SOUNDMIND_MODELS_DIR", home.join("models"))
        .env("SOUNDMIND_CACHE_DIR", home.join("cache"))
        .env("STT_MODEL", test_model("ggml-tiny.en.bin"))
        .output()
        .expect("run soundmind");
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn fix_stt(journal: &Path, home: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["--sessions-dir", journal.to_str().unwrap(), "fix", "stt"];
    args.extend(extra);
    soundmind(&args, home)
}

/// Every file under `dir` with its bytes (Soundmind's lock files aside).
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
fn hsj_pending_answer_is_transcribed_and_web_duplicates_removed_once() {
    let journal = hsj_journal_copy();
    let home = tempfile::tempdir().unwrap();
    let root = journal.path();

    let run = fix_stt(root, home.path(), &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("251109_1905/251109_1905_02.wav: transcribed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("1 transcribed, 3 other repairs, 0 failed"),
        "{}",
        run.stdout
    );

    let sunday = fs::read_to_string(root.join("251109_1905.md")).unwrap();
    assert!(
        !sunday.contains("transcription pending") && !sunday.contains("hsj:pending"),
        "{sunday}"
    );
    assert!(
        !sunday.contains("pending: true") && !sunday.contains("pending_reason"),
        "{sunday}"
    );
    // Only the pending flags go; what HSJ recorded about the take stays.
    assert!(
        sunday.contains("  voiced_seconds: 1.3\n  source: cli\n"),
        "{sunday}"
    );
    let clips = root.join("251109_1905");
    assert!(clips.join("251109_1905_02.stt.json").exists());
    assert!(!clips.join("251109_1905_02.stt.error.txt").exists());

    // HSJ's web path left a stale placeholder exchange before each real answer: they are gone, the answers stay.
    let web = fs::read_to_string(root.join("251108_1036.md")).unwrap();
    assert_eq!(web.matches("## AI Q").count(), 3, "{web}");
    assert!(!web.contains("transcription pending"), "{web}");
    assert!(web.contains("Grüß euch!") && web.contains("It's my marker for walking days."));

    let log = fs::read_to_string(root.join("events.log")).unwrap();
    assert!(log.contains("\"event\":\"reconcile.transcribed\""));
    assert!(!log.contains("Donaukanal"), "no words in the event log");

    let before = snapshot(root);
    let again = fix_stt(root, home.path(), &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("Nothing to do"), "{}", again.stdout);
    assert_eq!(snapshot(root), before, "a second run changes no file");
}

const HEADER: &str = "---\ncreated_at: '2025-11-12T08:00:00.000000'\ntranscript_file: 251112_0800.md\nsummary: ''\naudio_file:\n- wav: 251112_0800_01.wav\n  mp3: null\n  duration_seconds: 3.0\n  voiced_seconds: 2.0\n  pending: true\n  pending_reason: Unreachable\n  source: cli\n---\n\n";

fn placeholder(question: &str, clip: &str) -> String {
    format!(
        "## AI Q\n\n```llm-question\n{question}\n```\n\n(transcription pending \u{2013} segment {clip})\n<!-- hsj:pending segment=\"{clip}\" -->"
    )
}

#[test]
fn crashed_speech_is_transcribed_short_clip_marked_and_bad_audio_reported() {
    let journal = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let root = journal.path();
    let clips = root.join("251112_0800");

    // A real spoken answer whose recording was cut off by a crash (header sizes stale, marker left).
    let (speech, _) = soundmind_audio::decode_file(&test_model("clips/short.wav")).unwrap();
    let mut writer = SegmentWriter::create(&clips.join("251112_0800_01.wav")).unwrap();
    writer.append(&speech).unwrap();
    std::mem::forget(writer);
    assert_eq!(interrupted_segments(&clips).len(), 1);
    // Half a second of silence.
    let mut writer = SegmentWriter::create(&clips.join("251112_0800_02.wav")).unwrap();
    writer.append(&[0.0; 8_000]).unwrap();
    writer.finish().unwrap();
    // Not audio at all.
    fs::write(clips.join("251112_0800_03.wav"), b"this is not a wav file").unwrap();

    let body = [
        placeholder("How did you sleep?", "251112_0800_01.wav"),
        placeholder("And then?", "251112_0800_02.wav"),
        placeholder("What else?", "251112_0800_03.wav"),
    ]
    .join("\n\n\n");
    let session = root.join("251112_0800.md");
    fs::write(&session, format!("{HEADER}{body}\n")).unwrap();

    let run = fix_stt(root, home.path(), &["--too-short", "mark"]);
    assert_eq!(run.code, 1, "one clip failed: {}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("251112_0800_03.wav: FAILED") && run.stdout.contains("not audio"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("repaired"), "{}", run.stdout);

    let text = fs::read_to_string(&session).unwrap();
    let doc = soundmind_core::SessionDoc::parse(text.as_bytes()).unwrap();
    let exchanges = doc.exchanges();
    let soundmind_core::Answer::Text(answer) = &exchanges[0].answer else {
        panic!("the first answer is still pending:\n{text}");
    };
    let reference = fs::read_to_string(test_model("clips/short.txt")).unwrap();
    let wer = word_error_rate(&reference, answer);
    assert!(wer <= 0.15, "WER {wer:.3}: {answer}");
    assert!(doc.frontmatter.pending_audio().is_empty(), "{text}");
    assert!(clips.join("251112_0800_01.stt.json").exists());
    assert!(interrupted_segments(&clips).is_empty());

    // The silent clip has a stub sidecar; like HSJ, its placeholder stays.
    let stub: serde_json::Value =
        serde_json::from_slice(&fs::read(clips.join("251112_0800_02.stt.json")).unwrap()).unwrap();
    assert_eq!(stub["text"], "");
    assert_eq!(stub["meta"]["skipped_reason"], "short_duration");
    assert_eq!(stub["meta"]["duration_seconds"], 0.5);
    // The unreadable clip is still pending.
    assert!(text.contains("segment=\"251112_0800_03.wav\""));
    assert!(!clips.join("251112_0800_03.stt.json").exists());

    // Again: only the bad clip is left, it fails the same way, and the session file is untouched.
    let again = fix_stt(root, home.path(), &["--too-short", "mark"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stdout.contains("0 transcribed, 0 other repairs, 1 failed"),
        "{}",
        again.stdout
    );
    assert_eq!(fs::read_to_string(&session).unwrap(), text);
}

#[test]
fn bad_arguments_are_clear_errors() {
    let journal = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = fix_stt(journal.path(), home.path(), &["--min-duration", "-1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = fix_stt(journal.path(), home.path(), &["--session", "nonsense"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no session nonsense"), "{}", run.stderr);
    let run = fix_stt(journal.path(), home.path(), &[]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Nothing to do"));
}
