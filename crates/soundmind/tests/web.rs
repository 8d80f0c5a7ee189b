//! `soundmind web` in real headless Chromium (Debian's, driven by playwright-core from `tests/browser/drive.cjs`),
//! with whisper.cpp and llama.cpp in-process on the test models. Chromium's fake microphone plays an espeak-ng
//! sentence. Screenshots go to `<target>/browser-artefacts/`.
//!
//! `./scripts/test` installs Chromium and the driver; without them these tests fail and say so.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use soundmind_testkit::test_model;

/// A running `soundmind web`; killed (and reaped) on drop.
struct Server {
    child: Child,
    url: String,
    /// Kept open: the server prints on its way out.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(journal: &Path, home: &Path) -> Self {
        let smollm = test_model("SmolLM2-135M-Instruct.Q4_1.gguf");
        let mut child = Command::new(env!("CARGO_BIN_EXE_soundmind"))
            .args(["--sessions-dir"])
            .arg(journal)
            .args(["web", "--no-open"])
            .env_clear()
            .env("HOME", home)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SOUNDMIND_CONFIG", home.join("config.toml"))
            .env("SOUNDMIND_MODELS_DIR", home.join("models"))
            .env("SOUNDMIND_CACHE_DIR", home.join("cache"))
            .env("SOUNDMIND_COUNTRY", "GB")
            .env("LLM_MODEL", format!("local:{}", smollm.display()))
            .env("STT_MODEL", test_model("ggml-tiny.en.bin"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("soundmind starts");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("Soundmind is running at ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Self {
            child,
            url,
            _stdout: stdout,
        }
    }

    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb / 1024.0
    }

    /// Stops it the way Ctrl-C does, and checks that it exits cleanly and promptly.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "soundmind web exited with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "soundmind web did not stop within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn artefacts() -> PathBuf {
    // tests run in the crate folder; the artefacts go next to the build output.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("browser-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The driver's node_modules: `SOUNDMIND_BROWSER_MODULES` (set by ./scripts/test), else the newest install in the
/// cache.
fn browser_modules() -> PathBuf {
    if let Some(dir) = std::env::var_os("SOUNDMIND_BROWSER_MODULES") {
        return PathBuf::from(dir);
    }
    let cache = PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/soundmind/browser");
    std::fs::read_dir(&cache)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("node_modules"))
        .find(|p| p.join("playwright-core").is_dir())
        .unwrap_or_else(|| {
            panic!("playwright-core is not installed: run ./scripts/test (or scripts/browser-deps)")
        })
}

fn drive(scenario: &str, url: &str, extra: Option<&str>) -> Value {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "Chromium is missing: run ./scripts/test, which installs Debian's chromium"
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/drive.cjs");
    let mut command = Command::new("node");
    command
        .arg(script)
        .args([scenario, url])
        .arg(artefacts())
        .env("NODE_PATH", browser_modules());
    if let Some(extra) = extra {
        command.arg(extra);
    }
    let output = command.output().expect("node runs");
    assert!(
        output.status.success(),
        "the browser driver failed ({scenario}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn only_session(journal: &Path) -> String {
    let sessions: Vec<PathBuf> = std::fs::read_dir(journal)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    std::fs::read_to_string(&sessions[0]).unwrap()
}

#[test]
fn a_spoken_session_in_chromium_is_transcribed_asked_and_on_disk() {
    let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let wav = home.path().join("answer.wav");
    let spoken = Command::new("espeak-ng")
        .args(["-s", "150", "-w"])
        .arg(&wav)
        .arg("Today I walked by the river and felt calm for the first time this week.")
        .status()
        .expect("espeak-ng runs (./scripts/test installs it)");
    assert!(spoken.success());

    let server = Server::start(journal.path(), home.path());
    let idle_rss = server.rss_mb();
    let seen = drive("voice", &server.url, Some(wav.to_str().unwrap()));
    let load_ms = seen["load"]["load"].as_f64().unwrap();
    eprintln!("[web-bench] page load {load_ms:.0} ms (warm server, /journal, loadEventEnd)");
    eprintln!("[web-bench] idle RSS {idle_rss:.1} MB (no model loaded)");
    eprintln!("[web-bench] artefacts in {}", artefacts().display());

    let answer = seen["answer"].as_str().unwrap().to_lowercase();
    assert!(answer.contains("river"), "{seen}");
    assert!(seen["timer"].as_str().unwrap() != "0:00", "the timer ran: {seen}");
    assert_ne!(seen["meter"], "0%", "the meter moved: {seen}");
    let question = seen["question"].as_str().unwrap();
    assert!(question.trim().ends_with('?'), "{seen}");
    assert!(
        seen["afterReload"].as_u64().unwrap() >= 1,
        "a reload shows the history: {seen}"
    );

    let text = only_session(journal.path());
    assert!(text.to_lowercase().contains("river"), "{text}");
    // A question is saved with its answer; the opening one is there with the spoken answer.
    let opening = seen["firstQuestion"].as_str().unwrap().trim();
    assert!(text.contains(opening), "{text}");
    server.stop();
    // Stopping the server ended the session: its summary is written.
    let text = only_session(journal.path());
    assert!(!text.contains("summary: ''"), "{text}");
    // Sanity bounds only; the numbers are reported above and in the closing note.
    assert!(load_ms < 1000.0, "{load_ms}");
    assert!(idle_rss < 100.0, "{idle_rss}");
}

#[test]
fn typed_answers_a_second_tab_and_cross_site_requests_in_chromium() {
    let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(journal.path(), home.path());
    let seen = drive("typed-and-probes", &server.url, None);

    assert!(
        seen["typed"].as_str().unwrap().contains("called my sister"),
        "{seen}"
    );
    assert!(seen["busy"].as_str().unwrap().contains("another tab"), "{seen}");
    assert_eq!(seen["cookieHttpOnly"], true);
    assert_eq!(seen["cookieSameSite"][0], "Strict");
    assert_eq!(seen["badHost"], 403, "{seen}");
    let probes = &seen["probes"];
    assert!(probes.is_object(), "the evil page reported: {seen}");
    // Cross-site reads are blocked by the browser; writes never reach a handler (no cookie, wrong Origin).
    assert!(
        probes["read-journal"].as_str().unwrap().starts_with("blocked"),
        "{probes}"
    );
    assert!(
        probes["settings-cors"].as_str().unwrap().starts_with("blocked"),
        "{probes}"
    );

    assert!(
        !home.path().join("config.toml").exists(),
        "no setting was changed: {seen}"
    );
    let text = only_session(journal.path());
    assert!(text.contains("called my sister"));
    let uploads = walk(journal.path());
    assert!(
        uploads.iter().all(|p| !p.to_string_lossy().contains("_upload_")),
        "{uploads:?}"
    );
    server.stop();
}

#[test]
fn search_in_chromium_finds_an_hsj_session() {
    let journal = soundmind_testkit::hsj_journal_copy();
    let home = tempfile::tempdir().unwrap();
    let server = Server::start(journal.path(), home.path());
    let seen = drive("search", &server.url, Some("coffee"));
    assert!(seen["listed"].as_u64().unwrap() >= 2, "{seen}");
    let hits = seen["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "{seen}");
    for hit in hits {
        let id = hit.as_str().unwrap();
        let text = std::fs::read_to_string(journal.path().join(format!("{id}.md"))).unwrap();
        assert!(text.to_lowercase().contains("coffee"), "{id}");
    }
    server.stop();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}
