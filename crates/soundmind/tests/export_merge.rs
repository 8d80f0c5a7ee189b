//! `soundmind sessions merge` and `soundmind export` on copies of the real HSJ journal.

use std::fs;
use std::path::Path;
use std::process::Command;

use soundmind_core::{Answer, SessionDoc};
use soundmind_testkit::hsj_journal_copy;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn soundmind(journal: &Path, args: &[&str]) -> Run {
    let home = journal
        .parent()
        .unwrap()
        .join(format!("{}-home", journal.file_name().unwrap().to_string_lossy()));
    fs::create_dir_all(&home).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_soundmind"))
        .arg("--sessions-dir")
        .arg(journal)
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SOUNDMIND_CONFIG", home.join("config.toml"))
        .env("SOUNDMIND_CACHE_DIR", home.join("cache"))
        .output()
        .expect("run soundmind");
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn load(path: &Path) -> SessionDoc {
    SessionDoc::parse(&fs::read(path).unwrap()).unwrap()
}

fn answers(doc: &SessionDoc) -> Vec<Answer> {
    doc.exchanges().into_iter().map(|e| e.answer).collect()
}

#[test]
fn merge_keeps_the_earlier_session_with_every_answer_and_recording() {
    let journal = hsj_journal_copy();
    let root = journal.path();
    let web = load(&root.join("251108_1036.md"));
    let morning = load(&root.join("251111_0648.md"));

    // The later session first: the earlier one is kept all the same.
    let run = soundmind(root, &["sessions", "merge", "251111_0648", "251108_1036.md"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Merged 251111_0648 into 251108_1036"),
        "{}",
        run.stdout
    );

    assert!(!root.join("251111_0648.md").exists());
    assert!(
        !root.join("251111_0648").exists(),
        "the emptied folder is removed"
    );
    let merged = load(&root.join("251108_1036.md"));
    let mut expected = answers(&web);
    expected.extend(answers(&morning));
    assert_eq!(answers(&merged), expected);

    let files = merged.frontmatter.audio_files().unwrap();
    assert_eq!(files.len(), 5);
    // HSJ nulled every `wav`; Soundmind keeps them, and each named file is there.
    for file in &files {
        let name = file.wav().expect("wav kept");
        let on_disk = root.join("251108_1036").join(file.mp3().unwrap_or(name));
        assert!(on_disk.exists(), "{}", on_disk.display());
    }
    assert!(root.join("251108_1036/251111_0648_02.stt.json").exists());
    assert_eq!(merged.frontmatter.duration_seconds(), 7.89);
    // The later session had no summary: the kept one's stays as it was.
    assert_eq!(merged.frontmatter.summary(), web.frontmatter.summary());

    let log = fs::read_to_string(root.join("events.log")).unwrap();
    assert!(log.contains("\"event\":\"merge.completed\""));
}

#[test]
fn merge_renames_clashing_clips_with_their_sidecars_and_placeholders() {
    let journal = hsj_journal_copy();
    let root = journal.path();
    // A second web session with the same clip names (browser-001.webm …), as HSJ names every web session's clips.
    let text = fs::read_to_string(root.join("251108_1036.md")).unwrap().replace(
        "transcript_file: 251108_1036.md",
        "transcript_file: 251108_1100.md",
    );
    fs::write(root.join("251108_1100.md"), text).unwrap();
    fs::create_dir(root.join("251108_1100")).unwrap();
    for entry in fs::read_dir(root.join("251108_1036")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), root.join("251108_1100").join(entry.file_name())).unwrap();
    }

    let dry = soundmind(
        root,
        &["sessions", "merge", "251108_1036", "251108_1100", "--dry-run"],
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains("251108_1100/browser-001.webm -> 251108_1036/browser-001_2.webm"),
        "{}",
        dry.stdout
    );
    assert!(root.join("251108_1100.md").exists(), "a dry run changes nothing");

    let run = soundmind(root, &["sessions", "merge", "251108_1036", "251108_1100"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let clips = root.join("251108_1036");
    for name in [
        "browser-001.webm",
        "browser-001_2.webm",
        "browser-001_2.stt.json",
        "browser-003_2.stt.json",
    ] {
        assert!(clips.join(name).exists(), "{name}");
    }
    let merged = load(&root.join("251108_1036.md"));
    let wavs: Vec<String> = merged
        .frontmatter
        .audio_files()
        .unwrap()
        .iter()
        .map(|f| f.wav().unwrap().to_string())
        .collect();
    assert_eq!(
        wavs,
        [
            "browser-001.webm",
            "browser-002.webm",
            "browser-003.webm",
            "browser-001_2.webm",
            "browser-002_2.webm",
            "browser-003_2.webm"
        ]
    );
    // The appended copy's stale placeholders follow their renamed clips.
    let pending: Vec<Answer> = answers(&merged)
        .into_iter()
        .filter(|a| matches!(a, Answer::Pending { .. }))
        .collect();
    assert_eq!(pending.len(), 6);
    assert!(pending.contains(&Answer::Pending {
        segment: "browser-002_2.webm".into()
    }));
    // Summaries were identical, so not repeated.
    assert!(!run.stdout.contains("summaries were joined"));
}

#[test]
fn merge_refuses_bad_pairs_clearly() {
    let journal = hsj_journal_copy();
    let root = journal.path();
    let same = soundmind(root, &["sessions", "merge", "251103_0714", "251103_0714.md"]);
    assert_eq!(same.code, 2);
    assert!(same.stderr.contains("with itself"), "{}", same.stderr);
    let missing = soundmind(root, &["sessions", "merge", "251103_0714", "251201_0900"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no session 251201_0900"),
        "{}",
        missing.stderr
    );
    assert!(root.join("251103_0714.md").exists());
}

#[test]
fn export_writes_markdown_audio_and_an_escaped_self_contained_page() {
    let journal = hsj_journal_copy();
    let root = journal.path();
    let out = tempfile::tempdir().unwrap();
    let to = out.path().join("export");
    // Someone said something that looks like markup.
    let path = root.join("251103_0714.md");
    let text =
        fs::read_to_string(&path)
            .unwrap()
            .replacen("Honestly", "<script>alert('x')</script> & Honestly", 1);
    assert!(text.contains("<script>"), "the fixture answer was changed");
    fs::write(&path, &text).unwrap();

    let run = soundmind(root, &["export", "--all", "--to", to.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("5 session(s) exported"), "{}", run.stdout);

    for id in soundmind_testkit::HSJ_SESSION_IDS {
        let dir = to.join(id);
        let doc = load(&root.join(format!("{id}.md")));
        assert_eq!(
            fs::read(dir.join(format!("{id}.md"))).unwrap(),
            fs::read(root.join(format!("{id}.md"))).unwrap()
        );
        let html = fs::read_to_string(dir.join(format!("{id}.html"))).unwrap();
        for exchange in doc.exchanges() {
            if let Answer::Text(answer) = exchange.answer {
                for line in answer.lines() {
                    assert!(html.contains(&escape(line)), "{id}: missing {line:?}");
                }
            }
        }
        // Every player points at a file that was copied next to the page; nothing is loaded from elsewhere.
        let sources: Vec<&str> = html
            .split("src=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
            .collect();
        assert!(!sources.is_empty(), "{id} has recordings");
        for src in sources {
            assert!(dir.join(src).is_file(), "{id}: {src}");
        }
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<link"));
    }
    let html = fs::read_to_string(to.join("251103_0714/251103_0714.html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Honestly"));
    assert!(!html.contains("<script"), "no script element, ever");
    assert!(html.contains("Monday 3 November 2025, 07:14"));
    // The summary is there (HSJ stored it escaped in YAML; it is plain text here).
    assert!(
        html.contains("Suspects a second flat white at the caf\u{e9} downstairs"),
        "summary, unescaped from YAML"
    );
    // The pending answer's audio is playable from its exchange.
    let pending = fs::read_to_string(to.join("251109_1905/251109_1905.html")).unwrap();
    assert!(pending.contains("(not transcribed yet)"));
    assert!(to.join("251109_1905/251109_1905_02.wav").is_file());
    assert!(to.join("251108_1036/browser-002.webm").is_file());

    // Nothing is overwritten without --force; with it, the export is rewritten.
    let again = soundmind(root, &["export", "251103_0714", "--to", to.to_str().unwrap()]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("already exists") && again.stderr.contains("--force"),
        "{}",
        again.stderr
    );
    let forced = soundmind(
        root,
        &["export", "251103_0714", "--to", to.to_str().unwrap(), "--force"],
    );
    assert_eq!(forced.code, 0, "{}", forced.stderr);
}

#[test]
fn export_refuses_the_journal_folder_and_unknown_sessions() {
    let journal = hsj_journal_copy();
    let root = journal.path();
    for to in [root.to_path_buf(), root.join("export")] {
        let run = soundmind(root, &["export", "--all", "--to", to.to_str().unwrap()]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("inside the journal"), "{}", run.stderr);
    }
    assert!(!root.join("export").exists());
    let out = tempfile::tempdir().unwrap();
    let run = soundmind(
        root,
        &["export", "251201_0900", "--to", out.path().to_str().unwrap()],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no session 251201_0900"), "{}", run.stderr);
    let run = soundmind(root, &["export", "--to", out.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "an id or --all is required");
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
