//! The real `soundmind` binary against temporary journals and the HSJ fixtures.
//!
//! Every test runs the binary in a clean environment (no user config, a private cache dir), so results do not
//! depend on the machine running them.

use std::path::Path;
use std::process::{Command, Output};

use soundmind_testkit::{hsj_journal_copy, hsj_sessions};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn soundmind(args: &[&str], env: &[(&str, &str)], home: &Path) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soundmind"));
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("SOUNDMIND_CONFIG", home.join("config.toml"));
    cmd.env("SOUNDMIND_CACHE_DIR", home.join("cache"))
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run soundmind");
    Run {
        code: status.code().expect("exited normally"),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

fn fixtures_arg() -> String {
    hsj_sessions().to_string_lossy().into_owned()
}

#[test]
fn every_command_has_help_and_version_works() {
    let home = tempfile::tempdir().unwrap();
    for path in [
        vec![],
        vec!["sessions"],
        vec!["sessions", "list"],
        vec!["sessions", "show"],
        vec!["sessions", "summaries"],
        vec!["sessions", "search"],
        vec!["config"],
        vec!["config", "show"],
        vec!["config", "example"],
        vec!["crisis"],
        vec!["completions"],
    ] {
        let mut args = path.clone();
        args.push("--help");
        let run = soundmind(&args, &[], home.path());
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("Usage: soundmind"),
            "{args:?}:\n{}",
            run.stdout
        );
    }
    let top = soundmind(&["--help"], &[], home.path());
    assert!(
        top.stdout.contains("not therapy and not for emergencies"),
        "{}",
        top.stdout
    );
    let version = soundmind(&["--version"], &[], home.path());
    assert_eq!(
        version.stdout.trim(),
        format!("soundmind {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn sessions_list_shows_the_hsj_journal_newest_first() {
    let home = tempfile::tempdir().unwrap();
    let run = soundmind(
        &["--sessions-dir", &fixtures_arg(), "sessions", "list"],
        &[],
        home.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ids: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("25"))
        .map(|l| &l[..11])
        .collect();
    assert_eq!(
        ids,
        [
            "251111_0648",
            "251109_1905",
            "251108_1036",
            "251105_2152",
            "251103_0714"
        ]
    );
    assert!(run.stdout.contains("(no summary)"));
    assert!(
        run.stdout.contains("the caf\u{e9} downstairs"),
        "escapes must come back as characters"
    );
    assert!(run.stdout.contains("1 pending transcription"));
    // HSJ users keep `SESSIONS_DIR` in their environment.
    let via_env = soundmind(
        &["sessions", "list", "--nchars", "20"],
        &[("SESSIONS_DIR", &fixtures_arg())],
        home.path(),
    );
    assert!(
        via_env.stdout.contains("    Sunday lunch at Mum\u{2026}\n"),
        "{}",
        via_env.stdout
    );
}

#[test]
fn a_corrupt_file_is_named_and_the_rest_still_listed() {
    let home = tempfile::tempdir().unwrap();
    let journal = hsj_journal_copy();
    std::fs::write(
        journal.path().join("251110_0900.md"),
        "---\nsummary: [oops\n---\n",
    )
    .unwrap();
    let run = soundmind(
        &[
            "--sessions-dir",
            journal.path().to_str().unwrap(),
            "sessions",
            "list",
        ],
        &[],
        home.path(),
    );
    assert_eq!(run.code, 0);
    assert!(
        run.stderr
            .contains("251110_0900.md: malformed frontmatter at line"),
        "{}",
        run.stderr
    );
    let listed = run.stdout.lines().filter(|l| l.starts_with("25")).count();
    assert_eq!(listed, 6, "{}", run.stdout);
}

#[test]
fn sessions_show_prints_questions_and_answers() {
    let home = tempfile::tempdir().unwrap();
    let run = soundmind(
        &[
            "--sessions-dir",
            &fixtures_arg(),
            "sessions",
            "show",
            "251105_2152.md",
        ],
        &[],
        home.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("Session 251105_2152  2025-11-05 21:52 · 4 answers"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Q: If that conversation with Tom went well"));
    assert!(run.stdout.contains("   That's enough for tonight.\n"));
    let raw = soundmind(
        &[
            "--sessions-dir",
            &fixtures_arg(),
            "sessions",
            "show",
            "251111_0648",
            "--raw",
        ],
        &[],
        home.path(),
    );
    assert_eq!(
        raw.stdout,
        std::fs::read_to_string(hsj_sessions().join("251111_0648.md")).unwrap()
    );
}

#[test]
fn bad_ids_and_missing_sessions_are_clear_errors() {
    let home = tempfile::tempdir().unwrap();
    let dir = fixtures_arg();
    let bad = soundmind(
        &["--sessions-dir", &dir, "sessions", "show", "../../etc/passwd"],
        &[],
        home.path(),
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("is not a session id"), "{}", bad.stderr);
    let missing = soundmind(
        &["--sessions-dir", &dir, "sessions", "show", "251231_2359"],
        &[],
        home.path(),
    );
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no session 251231_2359 in"),
        "{}",
        missing.stderr
    );
}

#[test]
fn search_finds_words_in_transcripts_and_summaries_and_logs_metadata_only() {
    let home = tempfile::tempdir().unwrap();
    let journal = hsj_journal_copy();
    let dir = journal.path().to_str().unwrap();
    let run = soundmind(
        &["--sessions-dir", dir, "sessions", "search", "cafe"],
        &[],
        home.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("251103_0714  "), "{}", run.stdout);
    assert!(run.stdout.contains("[caf\u{e9}]"));
    let german = soundmind(
        &["--sessions-dir", dir, "sessions", "search", "Salztorbrücke"],
        &[],
        home.path(),
    );
    assert!(german.stdout.starts_with("251108_1036"), "{}", german.stdout);
    let none = soundmind(
        &["--sessions-dir", dir, "sessions", "search", "xylophone"],
        &[],
        home.path(),
    );
    assert_eq!(none.code, 1);
    assert!(none.stdout.contains("No sessions match"));
    // The index sync was logged, without the query or any text.
    let log = std::fs::read_to_string(journal.path().join("events.log")).unwrap();
    let last = log.lines().last().unwrap();
    assert!(
        last.contains("\"event\":\"search.index.synced\"") && last.contains("\"added\":5"),
        "{last}"
    );
    assert!(!log.contains("xylophone") && !log.contains("\"cafe\""));
}

#[test]
fn summaries_lists_missing_ones() {
    let home = tempfile::tempdir().unwrap();
    let run = soundmind(
        &[
            "--sessions-dir",
            &fixtures_arg(),
            "sessions",
            "summaries",
            "--missing-only",
        ],
        &[],
        home.path(),
    );
    assert_eq!(run.stdout, "251111_0648.md: missing\n");
    let all = soundmind(
        &["--sessions-dir", &fixtures_arg(), "sessions", "summaries"],
        &[],
        home.path(),
    );
    assert!(
        all.stdout.starts_with("251103_0714.md: present ("),
        "{}",
        all.stdout
    );
}

#[test]
fn crisis_works_offline_for_a_country_and_falls_back_to_international() {
    let home = tempfile::tempdir().unwrap();
    let us = soundmind(&["crisis", "--country", "us"], &[], home.path());
    assert_eq!(us.code, 0);
    assert!(us.stdout.contains("988"), "{}", us.stdout);
    assert!(!us.stdout.contains("273-8255"));
    assert!(us.stdout.contains("International"));
    // The country comes from the locale when not given.
    let de = soundmind(&["crisis"], &[("LANG", "de_DE.UTF-8")], home.path());
    assert!(de.stdout.contains("0800 111 0 111"), "{}", de.stdout);
    // A country without local lines, from the flag or the locale, gets the international lines, a calm note and
    // success: this command must never fail a person in crisis.
    for (args, env) in [
        (vec!["crisis", "--country", "ZZ"], vec![]),
        (vec!["crisis"], vec![("LANG", "de_AT.UTF-8")]),
        (vec!["crisis", "--country", "Austria"], vec![]),
    ] {
        let unknown = soundmind(&args, &env, home.path());
        assert_eq!(unknown.code, 0, "{args:?} {env:?}: {}", unknown.stderr);
        assert!(unknown.stderr.is_empty(), "{}", unknown.stderr);
        assert!(unknown.stdout.contains("Find A Helpline"), "{}", unknown.stdout);
        assert!(
            unknown.stdout.contains("no local help lines") || unknown.stdout.contains("not a two-letter"),
            "{}",
            unknown.stdout
        );
    }
    // A broken config file must not keep help lines from showing.
    std::fs::write(home.path().join("config.toml"), "this is not toml [").unwrap();
    let broken = soundmind(&["crisis", "--country", "GB"], &[], home.path());
    assert!(broken.stdout.contains("116 123"), "{}", broken.stdout);
}

#[test]
fn offline_mode_refuses_a_download_and_says_how_to_add_a_file() {
    let home = tempfile::tempdir().unwrap();
    for (args, env) in [
        (vec!["--offline", "models", "download", "base.en"], vec![]),
        (
            vec!["models", "download", "base.en"],
            vec![("SOUNDMIND_OFFLINE", "1")],
        ),
    ] {
        let run = soundmind(&args, &env, home.path());
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("offline mode is on") && run.stderr.contains("soundmind models add FILE"),
            "{}",
            run.stderr
        );
    }
    // Privacy mode (the default) says downloads are allowed; offline mode says they are not.
    let run = soundmind(&["diagnose", "privacy"], &[], home.path());
    assert!(
        run.stdout.contains("offline mode: off (default)") && run.stdout.contains("downloads:    allowed"),
        "{}",
        run.stdout
    );
    let run = soundmind(&["--offline", "diagnose", "privacy"], &[], home.path());
    assert!(
        run.stdout.contains("offline mode: on (flag --offline)")
            && run.stdout.contains("downloads:    refused"),
        "{}",
        run.stdout
    );
}

#[test]
fn config_show_says_where_each_value_came_from() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[llm]\nmodel = \"ollama:qwen2.5:7b-instruct\"\n",
    )
    .unwrap();
    let run = soundmind(
        &["config", "show", "--sessions-dir", "/tmp/journal"],
        &[
            ("STT_BACKEND", "cloud-openai"),
            ("SESSIONS_DIR", "/elsewhere"),
            ("ANTHROPIC_API_KEY", "sk-ant-secret"),
        ],
        home.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let row = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{key} missing"))
            .to_string()
    };
    let sessions_dir = row("journal.sessions_dir");
    assert!(
        sessions_dir.contains("/tmp/journal") && sessions_dir.ends_with("(flag --sessions-dir)"),
        "{sessions_dir}"
    );
    assert!(row("stt.backend").contains("cloud-openai") && row("stt.backend").ends_with("(env STT_BACKEND)"));
    assert!(row("llm.model").contains("ollama:qwen2.5:7b-instruct") && row("llm.model").contains("(file "));
    assert!(row("journal.language").ends_with("(default)"));
    assert!(row("secrets.anthropic_api_key").contains("set") && !run.stdout.contains("sk-ant-secret"));
    // A bad file is a clear error naming it.
    std::fs::write(home.path().join("config.toml"), "[llm]\nmodle = 1\n").unwrap();
    let bad = soundmind(&["config", "show"], &[], home.path());
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("config.toml") && bad.stderr.contains("modle"),
        "{}",
        bad.stderr
    );
}

#[test]
fn completions_are_generated_from_the_same_definitions() {
    let home = tempfile::tempdir().unwrap();
    let run = soundmind(&["completions", "bash"], &[], home.path());
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("sessions") && run.stdout.contains("--sessions-dir"));

    // `soundmind completions bash | head`: the reader goes away before the script is written. That is success,
    // not a panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_soundmind"))
        .args(["completions", "bash"])
        .env_clear()
        .env("HOME", home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
