//! The journal folder, end to end on real files: ids that never collide, durable saves that survive
//! `kill -9`, bad files that get clear errors without stopping the listing, and HSJ fixture compatibility.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use soundmind_core::{NewSession, SessionDoc, SessionId};
use soundmind_store::{Journal, StoreError};
use soundmind_testkit::{HSJ_SESSION_IDS, hsj_journal_copy};

fn new_session() -> NewSession {
    NewSession {
        created_at: "2026-11-24T09:30:00.000000".into(),
        model_llm: "local:smollm2-135m-instruct".into(),
        model_stt: "tiny.en".into(),
        stt_backend: "local".into(),
        stt_formatting: "sentences".into(),
        app_version: "soundmind 0.1.0".into(),
        ..Default::default()
    }
}

fn at(h: u32, m: u32, s: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 24)
        .unwrap()
        .and_hms_opt(h, m, s)
        .unwrap()
}

#[test]
fn same_minute_sessions_never_overwrite_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path());
    let (first, _) = journal.create(at(9, 30, 5), &new_session()).unwrap();
    journal
        .update(&first, |doc| doc.append_exchange("Q one?", "The first answer."))
        .unwrap();
    let (second, _) = journal.create(at(9, 30, 40), &new_session()).unwrap();
    let (third, _) = journal.create(at(9, 30, 40), &new_session()).unwrap();
    assert_eq!(first.as_str(), "261124_0930");
    assert_eq!(second.as_str(), "261124_093040");
    assert_eq!(third.as_str(), "261124_093040_2");
    // The first session still has its answer.
    assert!(journal.load(&first).unwrap().body().contains("The first answer."));
    // Newest first, by time.
    let listed: Vec<String> = journal
        .list()
        .unwrap()
        .into_iter()
        .map(|e| e.id.to_string())
        .collect();
    assert_eq!(listed, ["261124_093040_2", "261124_093040", "261124_0930"]);
}

#[test]
fn an_existing_hsj_asset_folder_also_reserves_its_id() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("261124_0930")).unwrap();
    let journal = Journal::open(dir.path());
    let (id, _) = journal.create(at(9, 30, 0), &new_session()).unwrap();
    assert_eq!(id.as_str(), "261124_093000");
}

#[test]
fn concurrent_creators_in_one_minute_all_get_distinct_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || {
                Journal::open(root)
                    .create(at(9, 30, 1), &new_session())
                    .unwrap()
                    .0
            })
        })
        .collect();
    let mut ids: Vec<String> = handles
        .into_iter()
        .map(|h| h.join().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8);
}

#[test]
fn appending_an_exchange_keeps_hsj_shape_and_survives_reload() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path());
    let (id, _) = journal.create(at(7, 0, 0), &new_session()).unwrap();
    journal
        .update(&id, |doc| {
            doc.append_exchange("What is on your mind?", "Sleep.\nAnd coffee.")
        })
        .unwrap();
    journal
        .update(&id, |doc| doc.frontmatter.set_summary("Sleep and coffee."))
        .unwrap();
    let text = fs::read_to_string(journal.session_path(&id)).unwrap();
    assert!(
        text.starts_with("---\ncreated_at: '2026-11-24T09:30:00.000000'\ntranscript_file: 261124_0700.md\n")
    );
    assert!(
        text.ends_with(
            "---\n\n## AI Q\n\n```llm-question\nWhat is on your mind?\n```\n\nSleep.\nAnd coffee.\n"
        )
    );
    let doc = journal.load(&id).unwrap();
    assert_eq!(doc.frontmatter.summary(), "Sleep and coffee.");
    assert_eq!(doc.exchanges().len(), 1);
}

#[test]
fn hsj_fixture_folder_lists_and_updates_in_place() {
    let dir = hsj_journal_copy();
    let journal = Journal::open(dir.path());
    let entries = journal.list().unwrap();
    let ids: Vec<String> = entries.iter().map(|e| e.id.to_string()).collect();
    let mut expected: Vec<&str> = HSJ_SESSION_IDS.to_vec();
    expected.reverse();
    assert_eq!(ids, expected);
    assert!(entries.iter().all(|e| e.doc.is_ok()));
    // A Soundmind write to an ASCII-only HSJ file changes nothing but what we changed.
    let id = SessionId::parse("251111_0648").unwrap();
    let before = fs::read_to_string(journal.session_path(&id)).unwrap();
    journal
        .update(&id, |doc| {
            doc.frontmatter
                .set_summary("Slept seven hours; no coffee after lunch.")
        })
        .unwrap();
    let after = fs::read_to_string(journal.session_path(&id)).unwrap();
    assert_eq!(
        after,
        before.replace(
            "summary: ''",
            "summary: Slept seven hours; no coffee after lunch."
        ),
    );
}

fn write(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).unwrap();
}

#[test]
fn bad_files_get_clear_errors_and_never_stop_the_listing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let journal = Journal::open(root);
    let (good, _) = journal.create(at(8, 0, 0), &new_session()).unwrap();
    write(
        &root.join("250101_0001.md"),
        b"---\nsummary: [unclosed\n---\n\nbody\n",
    );
    write(
        &root.join("250101_0002.md"),
        b"---\nsummary: fine\nno closing marker\n",
    );
    write(&root.join("250101_0003.md"), b"\x00\x01\xffPNG junk");
    write(&root.join("250101_0004.md"), b"---\naudio_file: 3\n---\n\n");
    fs::create_dir(root.join("250101_0005")).unwrap();
    let before: Vec<(String, Vec<u8>)> = fs::read_dir(root)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();

    let entries = journal.list().unwrap();
    assert_eq!(entries.len(), 6);
    let message = |id: &str| {
        let entry = entries.iter().find(|e| e.id.as_str() == id).unwrap();
        entry.doc.as_ref().unwrap_err().to_string()
    };
    assert!(
        message("250101_0001").contains("250101_0001.md: malformed frontmatter at line"),
        "{}",
        message("250101_0001")
    );
    assert!(
        message("250101_0002").contains("never closed"),
        "{}",
        message("250101_0002")
    );
    assert!(
        message("250101_0003").contains("250101_0003.md: not a text file"),
        "{}",
        message("250101_0003")
    );
    assert!(
        message("250101_0004").contains("`audio_file` should be a list"),
        "{}",
        message("250101_0004")
    );
    assert!(
        message("250101_0005").contains("250101_0005.md"),
        "{}",
        message("250101_0005")
    );
    assert!(entries.iter().find(|e| e.id == good).unwrap().doc.is_ok());

    let folder_only = SessionId::parse("250101_0005").unwrap();
    assert!(matches!(
        journal.load(&folder_only),
        Err(StoreError::MissingSessionFile { .. })
    ));
    // Updating a corrupt file fails and leaves it exactly as it was.
    let corrupt = SessionId::parse("250101_0001").unwrap();
    assert!(matches!(
        journal.update(&corrupt, |d| d.frontmatter.set_summary("x")),
        Err(StoreError::Corrupt { .. })
    ));
    for (name, bytes) in before {
        assert_eq!(fs::read(root.join(&name)).unwrap(), bytes, "{name} was touched");
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_named_and_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("250101_0001.md");
    write(&path, b"---\nsummary: ''\n---\n\n");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&path).is_ok() {
        return; // running as root: permissions are not enforced, nothing to test here.
    }
    let entries = Journal::open(dir.path()).list().unwrap();
    let err = entries[0].doc.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("could not read") && err.contains("250101_0001.md"),
        "{err}"
    );
}

#[test]
fn path_like_ids_are_refused_before_touching_disk() {
    for bad in ["../x", "a/b", "..", "/etc/passwd"] {
        assert!(SessionId::parse(bad).is_err(), "{bad}");
    }
}

/// The child side of the kill -9 test: saves one session forever, alternating two large bodies.
#[test]
fn kill_nine_child_writer() {
    let Ok(root) = std::env::var("SOUNDMIND_TEST_KILL_WRITER") else {
        return;
    };
    let journal = Journal::open(&root);
    let id = SessionId::parse("261124_0700").unwrap();
    for n in 0u64.. {
        let fill = if n % 2 == 0 { "a" } else { "b" };
        journal
            .update(&id, |doc| {
                *doc = SessionDoc::parse(doc.render().as_bytes()).unwrap();
                doc.frontmatter.set_summary(&fill.repeat(200_000));
            })
            .unwrap();
        if n == 0 {
            println!("child-ready");
        }
    }
}

#[test]
fn kill_nine_during_save_leaves_the_old_or_the_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path());
    let (id, _) = journal.create(at(7, 0, 0), &new_session()).unwrap();
    journal
        .update(&id, |doc| doc.frontmatter.set_summary(&"a".repeat(200_000)))
        .unwrap();
    let exe = std::env::current_exe().unwrap();
    for trial in 0..12u64 {
        let mut child = Command::new(&exe)
            .args([
                "kill_nine_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SOUNDMIND_TEST_KILL_WRITER", dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until it has saved once (so it is inside its save loop), then SIGKILL it at a varying moment.
        let stdout = BufReader::new(child.stdout.take().unwrap());
        assert!(
            stdout
                .lines()
                .map_while(Result::ok)
                // The test harness prints its "test … " prefix on the same line.
                .any(|line| line.ends_with("child-ready")),
            "child never saved"
        );
        std::thread::sleep(Duration::from_millis((trial * 7) % 40));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let doc = journal
            .load(&id)
            .unwrap_or_else(|e| panic!("trial {trial}: torn file: {e}"));
        let summary = doc.frontmatter.summary();
        assert_eq!(summary.len(), 200_000, "trial {trial}");
        assert!(
            summary == "a".repeat(200_000) || summary == "b".repeat(200_000),
            "trial {trial}: mixed content"
        );
    }
    // The lock was released by the OS with each killed holder.
    let started = Instant::now();
    journal
        .update(&id, |doc| doc.frontmatter.set_summary("done"))
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn stt_sidecars_are_written_like_hsj_and_clear_the_sentinel() {
    let dir = hsj_journal_copy();
    let journal = Journal::open(dir.path());
    let id = SessionId::parse("251109_1905").unwrap();
    let sentinel = journal.session_dir(&id).join("251109_1905_02.stt.error.txt");
    assert!(sentinel.exists());
    let raw = serde_json::json!({"text": "We talked about the garden.", "engine": "whisper.cpp"});
    let path = journal
        .write_stt_sidecar(&id, "251109_1905_02.wav", &raw)
        .unwrap();
    assert_eq!(path.file_name().unwrap(), "251109_1905_02.stt.json");
    assert!(!sentinel.exists());
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "{\n  \"engine\": \"whisper.cpp\",\n  \"text\": \"We talked about the garden.\"\n}"
    );
}
