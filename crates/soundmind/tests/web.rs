//! `soundmind web` in real headless Chromium (Debian's `/usr/bin/chromium`, driven by playwright-core from
//! `tests/browser/drive.cjs`), against the real binary with whisper.cpp (tiny.en) and SmolLM2 in-process.
//! Chromium's fake microphone plays an espeak-ng sentence.
//!
//! Each test starts its own server (temporary HOME, config path, journal and models folder), reads the address
//! from its first line, runs one driver scenario, asserts on the JSON the driver prints and on the files on disk,
//! then stops the server with SIGINT and checks that it exits 0 (a guard kills it whatever happens).
//! Screenshots and the server's stderr go to `<target>/browser-artefacts/`.
//!
//! `./scripts/test` installs Chromium, node and the driver (scripts/lib.sh); without them these tests fail and
//! say so.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use soundmind_core::{Answer, SessionDoc};
use soundmind_testkit::test_model;

const SETUP_HINT: &str =
    "run ./scripts/test (it installs Debian's chromium, node and the pinned playwright-core)";

/// A running `soundmind web`; killed and reaped on drop, whatever the test did.
struct Server {
    child: Child,
    url: String,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
}

impl Server {
    /// `journal`: `--sessions-dir` (none: first run, the setup page chooses it); `env`: extra variables.
    fn start(name: &str, journal: Option<&Path>, home: &Path, env: &[(&str, &Path)]) -> Self {
        let smollm = test_model("SmolLM2-135M-Instruct.Q4_1.gguf");
        let log = artefacts().join(format!("{name}-server.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_soundmind"));
        if let Some(journal) = journal {
            command.arg("--sessions-dir").arg(journal);
        }
        let mut child = command
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
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .expect("soundmind starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(url) = line.trim().strip_prefix("Soundmind is running at ") else {
            let _ = child.kill();
            panic!(
                "unexpected first line {line:?}; server log {}:\n{}",
                log.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        assert!(
            url.starts_with("http://127.0.0.1:") && url.contains("/?token="),
            "{url}"
        );
        Self {
            url: url.to_string(),
            child,
            stdout,
            log,
        }
    }

    /// The server's resident memory now (VmRSS), in MB.
    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb / 1024.0
    }

    /// Stops it the way Ctrl-C does and checks that it exits 0 with "Soundmind stopped." (the session thread
    /// keeps the open take and writes the summary first, with the real SmolLM2, hence the patience).
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let started = Instant::now();
        let signalled = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(signalled.success(), "kill -INT {pid}");
        let deadline = started + Duration::from_secs(180);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "soundmind web did not stop within 180 s of SIGINT; server log {}",
                self.log.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        eprintln!(
            "[web] the server stopped {:.1} s after SIGINT",
            started.elapsed().as_secs_f64()
        );
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        assert!(
            status.success(),
            "soundmind web exited with {status}; log {}",
            self.log.display()
        );
        assert!(
            rest.contains("Soundmind stopped."),
            "stdout after the address: {rest:?}"
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// `<target>/browser-artefacts`, created.
fn artefacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    std::fs::create_dir_all(&target).unwrap();
    let dir = target.canonicalize().unwrap().join("browser-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The driver's node_modules: `SOUNDMIND_BROWSER_MODULES` (exported by ./scripts/test), else where
/// `install_browser_driver` (scripts/lib.sh) puts it for the current lock file.
fn browser_modules() -> PathBuf {
    let dir = std::env::var_os("SOUNDMIND_BROWSER_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("SOUNDMIND_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/soundmind"));
            let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/package-lock.json");
            let hash = soundmind_models::sha256_file(&lock).unwrap();
            cache.join("browser").join(&hash[..16]).join("node_modules")
        });
    assert!(
        dir.join("playwright-core/package.json").is_file(),
        "playwright-core is not installed in {}: {SETUP_HINT}",
        dir.display()
    );
    dir
}

/// One browser scenario at a time, whatever `--test-threads` says: each runs Chromium and the real models, and two
/// at once on a small machine only make both slow enough to hit their timeouts.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs one driver scenario; its one line of JSON.
fn drive(scenario: &str, url: &str, arg: Option<&str>) -> Value {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is missing ({chromium}): {SETUP_HINT}"
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is missing: {SETUP_HINT}"
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/drive.cjs");
    let mut command = Command::new("node");
    command
        .arg(script)
        .args([scenario, url])
        .arg(artefacts())
        .args(arg)
        .env("NODE_PATH", browser_modules())
        .env("CHROMIUM", &chromium);
    let started = Instant::now();
    let output = run_with_deadline(command, Duration::from_secs(600));
    eprintln!(
        "[web] scenario {scenario}: {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        artefacts().display()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser driver failed ({scenario}):\n{stderr}"
    );
    if !stderr.trim().is_empty() {
        eprintln!("[web] driver stderr ({scenario}):\n{stderr}");
    }
    let stdout = String::from_utf8(output.stdout).unwrap();
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    eprintln!("[web] {scenario} saw {seen}");
    seen
}

/// Runs `command` to the end, killing it (the test then fails) when it takes longer than `limit`.
fn run_with_deadline(mut command: Command, limit: Duration) -> std::process::Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("node does not start ({e}): {SETUP_HINT}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let stderr = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser driver ran longer than {limit:?}: {}",
                String::from_utf8_lossy(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    std::process::Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// The journal's only session: its id and parsed file.
fn only_session(journal: &Path) -> (String, SessionDoc) {
    let sessions: Vec<PathBuf> = std::fs::read_dir(journal)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let text = std::fs::read(&sessions[0]).unwrap();
    let doc = SessionDoc::parse(&text).unwrap();
    let id = sessions[0].file_stem().unwrap().to_string_lossy().into_owned();
    (id, doc)
}

fn session_text(journal: &Path) -> String {
    let (id, _) = only_session(journal);
    std::fs::read_to_string(journal.join(format!("{id}.md"))).unwrap()
}

/// The audio of take `n` (1-based) of session `id`: the WAV, or the Ogg it was compressed to.
fn segment_audio(journal: &Path, id: &str, n: usize) -> Option<PathBuf> {
    let dir = journal.join(id);
    ["wav", "ogg"]
        .iter()
        .map(|ext| dir.join(format!("{id}_{n:02}.{ext}")))
        .find(|p| p.is_file())
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

/// The espeak-ng sentence the fake microphone plays, as a 16 kHz mono WAV; its length in seconds.
fn spoken(dir: &Path, text: &str) -> (PathBuf, f64) {
    // Chromium loops the file; a second of silence after the sentence makes the loop point a pause.
    let wav = soundmind_testkit::spoken_wav(dir, text, 1.0);
    let bytes = std::fs::metadata(&wav).unwrap().len();
    (wav, (bytes.saturating_sub(44)) as f64 / 32_000.0)
}

fn texts(history: &Value, key: &str) -> Vec<String> {
    history
        .as_array()
        .unwrap_or_else(|| panic!("not a history: {history}"))
        .iter()
        .map(|e| e[key].as_str().unwrap_or_default().to_string())
        .collect()
}

const SENTENCE: &str = "Today I walked by the river and felt calm for the first time this week.";
/// Words of [`SENTENCE`] that whisper tiny.en gets right.
const HEARD: [&str; 3] = ["river", "week", "first time"];

/// a. A spoken answer through the fake microphone: transcribed into the history, a new question streamed, the
/// session file and the take's audio on disk. Also reports the page load and the idle server's memory.
#[test]
fn a_spoken_answer_is_transcribed_asked_and_saved() {
    let _serial = one_at_a_time();
    let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (wav, seconds) = spoken(home.path(), SENTENCE);
    let server = Server::start("voice", Some(journal.path()), home.path(), &[]);
    std::thread::sleep(Duration::from_millis(300));
    // No page has been opened yet, so neither model is loaded.
    let idle_rss = server.rss_mb();
    let arg = serde_json::json!({"wav": wav, "seconds": seconds.ceil()}).to_string();
    let seen = drive("voice", &server.url, Some(&arg));

    let load = &seen["load"]["median"];
    let load_ms = load["load"].as_f64().unwrap();
    eprintln!(
        "[web-bench] page load {load_ms:.0} ms (/journal from a warm server, median of 5, loadEventEnd; \
         responseEnd {:.0} ms, DOMContentLoaded {:.0} ms)",
        load["responseEnd"].as_f64().unwrap(),
        load["domContentLoaded"].as_f64().unwrap()
    );
    eprintln!("[web-bench] idle RSS {idle_rss:.1} MB (VmRSS before any model was loaded)");
    eprintln!("[web-bench] artefacts in {}", artefacts().display());

    // The page: recording → thinking → ready, the meter and timer moved, the answer and the next question.
    let states: Vec<&str> = seen["states"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut rest = states.iter();
    assert!(
        ["recording", "thinking", "ready"]
            .iter()
            .all(|s| rest.any(|x| x == s)),
        "states in this order: {states:?}"
    );
    assert_ne!(seen["timer"], "0:00", "the timer ran: {seen}");
    assert!(
        !matches!(seen["meter"].as_str(), None | Some("" | "0%")),
        "the meter moved: {seen}"
    );
    let answers = texts(&seen["history"], "answer");
    assert_eq!(answers.len(), 1, "{seen}");
    let answer = answers[0].to_lowercase();
    assert!(HEARD.iter().any(|w| answer.contains(w)), "heard {answer:?}");
    let question = seen["question"].as_str().unwrap();
    assert!(!question.is_empty(), "the next question: {seen}");
    // After a reload the server renders the same exchange from the file.
    assert_eq!(texts(&seen["historyAfterReload"], "answer"), answers, "{seen}");

    // The file: the opening question as `## AI Q`, the transcript under it; the take's audio.
    let (id, doc) = only_session(journal.path());
    let text = session_text(journal.path());
    assert!(text.contains("## AI Q"), "{text}");
    let exchanges = doc.exchanges();
    assert_eq!(exchanges.len(), 1, "{text}");
    assert_eq!(
        exchanges[0].question.trim(),
        seen["firstQuestion"].as_str().unwrap(),
        "{text}"
    );
    let Answer::Text(saved) = &exchanges[0].answer else {
        panic!("pending: {text}")
    };
    assert!(HEARD.iter().any(|w| saved.to_lowercase().contains(w)), "{text}");
    let audio = segment_audio(journal.path(), &id, 1)
        .unwrap_or_else(|| panic!("no audio in {:?}", walk(journal.path())));
    assert!(
        std::fs::metadata(&audio).unwrap().len() > 4_000,
        "{}",
        audio.display()
    );

    server.stop();
    // Stopping the server ended the session: its summary is written.
    let (_, doc) = only_session(journal.path());
    assert!(
        !doc.frontmatter.summary().is_empty(),
        "{}",
        session_text(journal.path())
    );
    // Sanity bounds only (the targets are ≤100 ms and ≤40 MB; the numbers are printed above).
    assert!(load_ms < 1000.0, "page load {load_ms} ms");
    assert!(idle_rss < 100.0, "idle RSS {idle_rss} MB");
}

/// b. A typed answer joins the history and the file, and the next question comes.
#[test]
fn a_typed_answer_is_saved_and_answered() {
    let _serial = one_at_a_time();
    let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start("typed", Some(journal.path()), home.path(), &[]);
    let typed = "I finally called my sister and we laughed about the old garden.";
    let seen = drive("typed", &server.url, Some(typed));

    assert_eq!(texts(&seen["history"], "answer"), [typed], "{seen}");
    assert_eq!(seen["typedLeft"], "", "the box is emptied: {seen}");
    let question = seen["question"].as_str().unwrap();
    assert!(!question.is_empty(), "the next question: {seen}");

    let (_, doc) = only_session(journal.path());
    let exchanges = doc.exchanges();
    assert_eq!(exchanges.len(), 1, "{}", session_text(journal.path()));
    assert_eq!(
        exchanges[0].question.trim(),
        seen["firstQuestion"].as_str().unwrap()
    );
    assert_eq!(exchanges[0].answer, Answer::Text(typed.into()));
    server.stop();
}

/// c. Reloading the page in the middle of a take loses nothing: the audio received so far is on disk and the
/// exchange is in the file (transcribed, or a pending placeholder), and the reloaded page shows it.
#[test]
fn a_reload_in_the_middle_of_a_take_keeps_the_answer() {
    let _serial = one_at_a_time();
    let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (wav, _) = spoken(home.path(), SENTENCE);
    let server = Server::start("reload", Some(journal.path()), home.path(), &[]);
    let arg = serde_json::json!({"wav": wav, "seconds": 3}).to_string();
    let seen = drive("reload", &server.url, Some(&arg));

    // On disk first: nothing is lost, whatever the page shows.
    let (id, doc) = only_session(journal.path());
    let text = session_text(journal.path());
    let audio = segment_audio(journal.path(), &id, 1)
        .unwrap_or_else(|| panic!("the take's audio is gone: {:?}", walk(journal.path())));
    let exchanges = doc.exchanges();
    assert_eq!(exchanges.len(), 1, "the exchange is in the file: {text}");
    assert_eq!(
        exchanges[0].question.trim(),
        seen["firstQuestion"].as_str().unwrap(),
        "{text}"
    );
    if audio.extension().is_some_and(|e| e == "wav") {
        // ~3 s of 16 kHz 16-bit mono (less the time the worklet took to start).
        let bytes = std::fs::metadata(&audio).unwrap().len();
        assert!(bytes > 32_000, "{} is {bytes} bytes", audio.display());
    }
    match &exchanges[0].answer {
        Answer::Text(t) => assert!(!t.trim().is_empty(), "{text}"),
        Answer::Pending { segment } => assert!(segment.starts_with(&id), "{text}"),
    }

    // The page: after the reload it shows the exchange and, once the take is processed, can go on.
    let rendered = texts(&seen["historyRendered"], "answer");
    assert_eq!(rendered.len(), 1, "{seen}");
    assert!(
        seen["settled"] == true && seen["stateLive"] == "ready",
        "the reloaded page never got back to ready (state {}; busy {}); see reload.png: {seen}",
        seen["stateLive"],
        seen["busy"]
    );
    assert_eq!(
        seen["busy"], false,
        "the reloaded page is the one in control: {seen}"
    );
    server.stop();
    // Stopping keeps everything: still one exchange, and its audio.
    let (_, doc) = only_session(journal.path());
    assert_eq!(doc.exchanges().len(), 1);
    assert!(segment_audio(journal.path(), &id, 1).is_some());
    // The live page shows that one answer once: the transcript takes the place of the "Kept, waiting for
    // transcription" line the server rendered on reload (see reload.png).
    let live = &seen["historyLive"];
    assert_eq!(
        texts(live, "answer").len(),
        1,
        "the reloaded page shows one answer twice, once still pending: {live}"
    );
}

/// d. A second tab on the same session is told so and only watches; the first keeps control.
#[test]
fn a_second_tab_only_watches() {
    let _serial = one_at_a_time();
    let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start("tabs", Some(journal.path()), home.path(), &[]);
    let seen = drive("tabs", &server.url, None);
    assert_eq!(seen["busyShown"], true, "{seen}");
    assert!(seen["busy"].as_str().unwrap().contains("another tab"), "{seen}");
    assert_eq!(seen["secondRecordEnabled"], false, "{seen}");
    assert_eq!(seen["firstBusyShown"], false, "{seen}");
    assert_eq!(seen["firstRecordEnabled"], true, "{seen}");
    server.stop();
}

/// e. First run: `/` leads to `/setup`; private mode leads to the models page; a download from a loopback mirror
/// that breaks off mid-way (after the client's own retries) shows `failed` and `Retry`; Retry resumes it and the
/// reloaded page shows it installed; the file is in the models folder and the config names the chosen folder.
#[test]
fn first_run_setup_and_a_model_download_that_fails_then_is_retried() {
    let _serial = one_at_a_time();
    use soundmind_testkit::servers::{FileServer, Serve};

    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("my journal");
    let model: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let path = "/m/ggml-mirror.bin";
    let mirror = FileServer::start();
    mirror.add(path, model.clone());
    // The download retries a cut connection itself (3 attempts, resuming each time): cut all three, so the page
    // has to show the failure; 300 kB are then on disk and the Retry resumes from there.
    for _ in 0..3 {
        mirror.plan(path, Serve::CutAfter(100_000));
    }
    let source = home.path().join("mirror-source.bin");
    std::fs::write(&source, &model).unwrap();
    let sha256 = soundmind_models::sha256_file(&source).unwrap();
    let catalog = home.path().join("catalog.toml");
    std::fs::write(
        &catalog,
        format!(
            "[[model]]\nname = \"mirror-test\"\nkind = \"whisper\"\nfile_name = \"ggml-mirror.bin\"\n\
             size_bytes = {}\nsha256 = \"{sha256}\"\nurls = [\"{}\"]\nlicence = \"MIT\"\n\
             description = \"a file on a loopback mirror\"\n",
            model.len(),
            mirror.url(path)
        ),
    )
    .unwrap();

    let server = Server::start("setup", None, home.path(), &[("SOUNDMIND_CATALOG", &catalog)]);
    let arg = serde_json::json!({"sessionsDir": journal, "model": "mirror-test"}).to_string();
    let seen = drive("setup", &server.url, Some(&arg));

    assert!(seen["setupUrl"].as_str().unwrap().ends_with("/setup"), "{seen}");
    // The download part first (the driver carries on from /models when the setup form is refused).
    assert_eq!(seen["statusBefore"], "", "{seen}");
    assert_eq!(
        seen["downloadStart"]["status"],
        202,
        "POST /models/mirror-test/download from the page got no 202 (see setup-download-not-started.png and the \
         server's stderr in {}): {seen}",
        server.log.display()
    );
    assert!(seen["failed"].as_str().unwrap().starts_with("failed"), "{seen}");
    assert_eq!(seen["retryLabel"], "Retry", "{seen}");
    assert_eq!(seen["installed"], "installed", "{seen}");
    assert_eq!(
        std::fs::read(home.path().join("models/ggml-mirror.bin")).unwrap(),
        model,
        "the installed file is the mirror's"
    );
    let requests = mirror.requests_for(path);
    assert_eq!(
        requests.len(),
        4,
        "three cut attempts, then the retry: {requests:?}"
    );
    assert_eq!(
        requests[3].range.as_deref(),
        Some("bytes=300000-"),
        "the retry resumes the part kept: {requests:?}"
    );

    // Then the setup form itself: a plain form POST from the page, answered 303 to the models page.
    assert_form_post_accepted(&seen, "/setup", seen["setupStatus"].as_u64());
    assert!(
        seen["modelsUrl"]
            .as_str()
            .unwrap()
            .ends_with("/models?setup=true"),
        "{seen}"
    );
    let config = std::fs::read_to_string(home.path().join("config.toml")).unwrap_or_default();
    assert!(
        config.contains("my journal"),
        "the config names the chosen folder: {config:?}"
    );
    assert_eq!(
        seen["journalState"], "ready",
        "the journal opens in the chosen folder: {seen}"
    );
    server.stop();
    assert!(journal.is_dir());
}

/// A form the page posted was accepted (`status` is the server's answer to it); otherwise says what Chromium sent.
fn assert_form_post_accepted(seen: &Value, path: &str, status: Option<u64>) {
    let posts = seen["posts"].as_array().unwrap();
    let sent = posts.iter().find(|p| p["url"] == path);
    assert_eq!(
        status,
        Some(303),
        "the server refused the page's own form POST to {path}; Chromium sent {sent:?} (every response carries \
         `Referrer-Policy: no-referrer`, under which Chromium sends `Origin: null` with a form POST), the page \
         said {:?}; all POSTs: {posts:?}",
        seen["setupRefused"].as_str().or(seen["text"].as_str())
    );
}

/// h. The settings form, saved in the browser as a person does it: 303 to `/settings?saved=true`, the file written.
#[test]
fn the_settings_form_saves_in_the_browser() {
    let _serial = one_at_a_time();
    let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start("settings", Some(journal.path()), home.path(), &[]);
    let seen = drive("settings", &server.url, Some("IE"));
    assert_form_post_accepted(&seen, "/settings", seen["status"].as_u64());
    assert!(
        seen["url"].as_str().unwrap().ends_with("/settings?saved=true"),
        "{seen}"
    );
    assert_eq!(seen["saved"], true, "{seen}");
    let config = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    assert!(config.contains("IE"), "{config}");
    server.stop();
}

/// f. Search over a journal of real HSJ sessions finds the one with the word and links to it.
#[test]
fn search_finds_the_hsj_session_with_the_word() {
    let _serial = one_at_a_time();
    let journal = soundmind_testkit::hsj_journal_copy();
    let home = tempfile::tempdir().unwrap();
    let server = Server::start("search", Some(journal.path()), home.path(), &[]);
    let word = "chestnuts";
    let seen = drive("search", &server.url, Some(word));

    assert_eq!(
        seen["listed"].as_u64().unwrap(),
        5,
        "every fixture session is listed: {seen}"
    );
    let mut with_word: Vec<String> = walk(journal.path())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| std::fs::read_to_string(p).unwrap().contains(word))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    with_word.sort();
    assert_eq!(
        with_word,
        ["251108_1036"],
        "the fixture has the word in one session"
    );
    let hits: Vec<&str> = seen["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["href"].as_str().unwrap())
        .collect();
    assert_eq!(hits, ["/sessions/251108_1036"], "{seen}");
    assert_eq!(seen["opened"]["path"], "/sessions/251108_1036", "{seen}");
    assert!(
        seen["opened"]["history"].as_str().unwrap().contains(word),
        "{seen}"
    );
    server.stop();
}

/// g. A page on another loopback port, in the same browser after the Soundmind cookie was set, tries an
/// auto-submitted form and fetches (no-cors and cors) against `/settings` and `/journal/upload`; nothing changes.
/// Raw requests from node with a foreign Host, without the cookie, without or with a wrong CSRF token or Origin
/// are refused with 403, while the same requests with every piece in place get through.
#[test]
fn cross_site_requests_and_requests_missing_a_credential_are_refused() {
    let _serial = one_at_a_time();
    let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let config_path = home.path().join("config.toml");
    let config = "[journal]\nlanguage = \"en\"\n";
    std::fs::write(&config_path, config).unwrap();
    let server = Server::start("security", Some(journal.path()), home.path(), &[]);
    let seen = drive("security", &server.url, None);

    assert_eq!(seen["cookieHttpOnly"], true, "{seen}");
    assert_eq!(seen["cookieSameSite"], serde_json::json!(["Strict"]), "{seen}");
    let probes = &seen["probes"];
    assert!(probes.is_object(), "the evil page reported: {seen}");
    // Reads across origins are the browser's to block; the writes are the server's (see the files below).
    for name in ["read-journal", "settings-cors-preflight", "upload-cors-preflight"] {
        assert!(
            probes[name].as_str().unwrap().starts_with("blocked"),
            "{name}: {probes}"
        );
    }
    assert!(
        probes["form-frame"].as_str().unwrap().starts_with("unreadable"),
        "{probes}"
    );
    // The browser's own record of those requests: every write that reached the server got 403 from it (the
    // form, no-cors and simple CORS requests are sent; preflighted ones stop at the refused OPTIONS).
    let network = seen["network"].as_array().unwrap();
    for request in network.iter().filter(|r| r["method"] != "GET") {
        assert!(
            request["status"] == 403
                || request["failure"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("Preflight"),
            "{request} in {network:?}"
        );
    }
    let refused = |url: &str| {
        network
            .iter()
            .filter(|r| r["method"] == "POST" && r["url"] == url && r["status"] == 403)
            .count()
    };
    assert_eq!(
        refused("/settings"),
        3,
        "the form, no-cors and simple CORS: {network:?}"
    );
    assert_eq!(
        refused("/journal/upload"),
        2,
        "no-cors and simple CORS: {network:?}"
    );

    let raw = &seen["raw"];
    let status = |name: &str| {
        raw[name]["status"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: {raw}"))
    };
    assert_eq!(status("getWithCookie"), 200, "the control request: {raw}");
    assert_eq!(
        status("uploadNotAudioWithEverything"),
        415,
        "a POST with cookie, Origin and CSRF reaches the handler: {raw}"
    );
    for name in [
        "getWithoutCookie",
        "postWithoutCookie",
        "foreignHost",
        "foreignHostPost",
        "settingsWithoutCsrf",
        "settingsWrongCsrf",
        "settingsForeignOrigin",
        "settingsNoOrigin",
        "uploadWithoutCsrf",
        "uploadForeignOrigin",
        "websocketForeignOrigin",
    ] {
        assert_eq!(status(name), 403, "{name}: {raw}");
    }

    // Nothing changed: the config file is byte for byte the same, no upload was kept, no take was recorded.
    assert_eq!(std::fs::read_to_string(&config_path).unwrap(), config);
    assert!(!Path::new("/tmp/stolen").exists());
    let files = walk(journal.path());
    assert!(
        files.iter().all(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !name.contains("_upload_") && !name.ends_with(".wav") && !name.ends_with(".ogg")
        }),
        "{files:?}"
    );
    let states: Vec<&str> = seen["journalStates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(states, ["ready"], "the journal page saw no take: {seen}");
    assert_eq!(seen["journalMessages"], serde_json::json!([]), "{seen}");
    server.stop();
    for file in walk(journal.path())
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let doc = SessionDoc::parse(&std::fs::read(file).unwrap()).unwrap();
        assert!(doc.exchanges().is_empty(), "{}", file.display());
    }
}
