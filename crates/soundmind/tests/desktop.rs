//! `soundmind desktop` in a real Tauri 2 window (WebKitGTK) on Xvfb, with whisper.cpp (tiny.en) and SmolLM2
//! in-process and the recorder fed from an espeak-ng file (`SOUNDMIND_TEST_MICROPHONE`, played at speaking speed).
//!
//! The test presses the page's keys with xdotool, reads the session file, screenshots the screen (artefacts in
//! `<target>/desktop-artefacts/`) and checks by pixel that the page was drawn, launches a second instance (which
//! must hand over and exit), closes the window mid-answer the way a window manager does, and then checks that the
//! answer was kept, that the app exited 0, that no process of its group is left and that its port is closed.
//!
//! `./scripts/test` installs Xvfb, xdotool, ImageMagick, dbus and WebKitGTK (scripts/lib.sh).

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use soundmind_core::{Answer, SessionDoc};
use soundmind_testkit::test_model;

const SETUP_HINT: &str = "run ./scripts/test (it installs xvfb, xdotool, imagemagick and dbus)";
/// The page's background (`--bg` in the web UI's style.css).
const PAGE_BACKGROUND: [u8; 3] = [0xfb, 0xfa, 0xf7];

fn artefacts() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_soundmind"));
    let dir = exe.parent().unwrap().parent().unwrap().join("desktop-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An Xvfb display and a session D-Bus (for the single-instance hand-over), stopped on drop.
struct Display {
    name: String,
    xvfb: Child,
    dbus: Child,
    dbus_address: String,
}

impl Display {
    fn start() -> Self {
        // A display number of our own: the socket must not exist yet.
        let number = (100 + std::process::id() % 500..1000)
            .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
            .unwrap();
        let name = format!(":{number}");
        let xvfb = Command::new("Xvfb")
            .args([&name, "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("Xvfb: {e}: {SETUP_HINT}"));
        wait_for("Xvfb to listen", Duration::from_secs(20), || {
            Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
        });
        let mut dbus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("dbus-daemon: {e}: {SETUP_HINT}"));
        let mut address = String::new();
        BufReader::new(dbus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        Self {
            name,
            xvfb,
            dbus,
            dbus_address: address.trim().to_string(),
        }
    }

    fn xdotool(&self, args: &[&str]) -> std::process::Output {
        Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.name)
            .output()
            .unwrap_or_else(|e| panic!("xdotool: {e}: {SETUP_HINT}"))
    }

    /// The id of the visible window titled `title`, waiting up to `limit` for it.
    fn window(&self, title: &str, limit: Duration) -> String {
        let mut id = String::new();
        wait_for("the window", limit, || {
            let found = self.xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")]);
            id = String::from_utf8_lossy(&found.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            !id.is_empty()
        });
        id
    }

    /// The whole screen as RGB bytes, saved as `name` in the artefacts.
    fn screenshot(&self, name: &str) -> (PathBuf, Vec<u8>) {
        let png = artefacts().join(name);
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(&png)
            .env("DISPLAY", &self.name)
            .status()
            .unwrap_or_else(|e| panic!("import: {e}: {SETUP_HINT}"));
        assert!(status.success(), "import could not take a screenshot");
        let rgb = Command::new("convert").arg(&png).arg("rgb:-").output().unwrap();
        assert!(rgb.status.success());
        (png, rgb.stdout)
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        for child in [&mut self.xvfb, &mut self.dbus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One launch of the binary: its own process group, so that whatever it starts (WebKit's helper processes)
/// can be found afterwards; killed with its group on drop, whatever the test did.
struct App {
    child: Child,
    /// Lines the app wrote to stderr (also copied to the artefacts).
    stderr: mpsc::Receiver<String>,
}

impl App {
    fn launch(display: &Display, home: &Path, journal: &Path, microphone: &Path, log: &str) -> Self {
        let smollm = test_model("SmolLM2-135M-Instruct.Q4_1.gguf");
        let mut child = Command::new(env!("CARGO_BIN_EXE_soundmind"))
            .arg("--sessions-dir")
            .arg(journal)
            .arg("desktop")
            .env_clear()
            .env("HOME", home)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DISPLAY", &display.name)
            .env("DBUS_SESSION_BUS_ADDRESS", &display.dbus_address)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_RUNTIME_DIR", home)
            .env("SOUNDMIND_CONFIG", home.join("config.toml"))
            .env("SOUNDMIND_MODELS_DIR", home.join("models"))
            .env("SOUNDMIND_CACHE_DIR", home.join("cache"))
            .env("SOUNDMIND_COUNTRY", "GB")
            .env("LLM_MODEL", format!("local:{}", smollm.display()))
            .env("STT_MODEL", test_model("ggml-tiny.en.bin"))
            .env("SOUNDMIND_TEST_MICROPHONE", microphone)
            .env("SOUNDMIND_REPORT_PORT", "1")
            // No GPU under Xvfb: WebKit draws in software.
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("soundmind starts");
        let (lines, stderr) = mpsc::channel();
        let reader = BufReader::new(child.stderr.take().unwrap());
        let log = artefacts().join(log);
        std::thread::spawn(move || {
            let mut copy = std::fs::File::create(log).unwrap();
            for line in reader.lines().map_while(Result::ok) {
                use std::io::Write;
                let _ = writeln!(copy, "{line}");
                let _ = lines.send(line);
            }
        });
        Self { child, stderr }
    }

    /// The port the app serves its window on, from its first report.
    fn port(&self) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .stderr
                .recv_timeout(left)
                .expect("the app reports its port within 60 s");
            if let Some(port) = line.strip_prefix("soundmind: serving the window on 127.0.0.1:") {
                return port.trim().parse().unwrap();
            }
        }
    }

    fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Processes still in the app's process group (WebKit's helpers would be).
    fn group_left(&self) -> Vec<String> {
        let group = self.child.id().to_string();
        let mut left = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid pgrp …; comm may hold spaces, so split after its closing parenthesis.
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            if fields.get(2) == Some(&group.as_str()) && fields.first() != Some(&"Z") {
                left.push(format!("{})", head));
            }
        }
        left
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .status();
        }
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn the_session(journal: &Path) -> Option<(PathBuf, SessionDoc)> {
    let path = std::fs::read_dir(journal)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))?;
    let doc = SessionDoc::parse(&std::fs::read(&path).ok()?).ok()?;
    Some((path, doc))
}

fn answers(journal: &Path) -> Vec<Answer> {
    the_session(journal)
        .map(|(_, doc)| doc.exchanges().into_iter().map(|e| e.answer).collect())
        .unwrap_or_default()
}

/// The bytes of take `n`'s audio so far (its WAV, or the Ogg it was compressed to).
fn take_bytes(journal: &Path, n: usize) -> u64 {
    let Some((path, _)) = the_session(journal) else {
        return 0;
    };
    let folder = path.with_extension("");
    let id = folder.file_name().unwrap().to_string_lossy().into_owned();
    ["wav", "ogg"]
        .iter()
        .filter_map(|ext| std::fs::metadata(folder.join(format!("{id}_{n:02}.{ext}"))).ok())
        .map(|m| m.len())
        .max()
        .unwrap_or(0)
}

/// Presses R in the window until take `n` is being recorded: the page ignores R until the session is ready for
/// an answer (the question is still being written, say). Xvfb has no window manager, so focus is set directly.
fn record(display: &Display, window: &str, journal: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        display.xdotool(&["windowfocus", "--sync", window]);
        let pressed = display.xdotool(&["key", "r"]);
        assert!(pressed.status.success(), "xdotool key r: {pressed:?}");
        let pressed_at = Instant::now();
        while pressed_at.elapsed() < Duration::from_secs(3) {
            // More than a header: audio is arriving.
            if take_bytes(journal, n) > 16_000 {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(Instant::now() < deadline, "take {n} never started recording");
    }
}

#[test]
fn the_window_records_an_exchange_hands_over_to_one_instance_and_closes_cleanly() {
    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal");
    let microphone = soundmind_testkit::spoken_wav(
        home.path(),
        "I walked along the river this morning and the chestnut trees were turning gold.",
        0.5,
    );

    let launched = Instant::now();
    let mut app = App::launch(&display, home.path(), &journal, &microphone, "desktop-app.log");
    let port = app.port();
    let window = display.window("Soundmind", Duration::from_secs(60));
    let window_after = launched.elapsed();
    // The page connected and the session started: its first question is on screen and in the file.
    wait_for("the first question", Duration::from_secs(60), || {
        the_session(&journal).is_some()
    });
    let first_question_after = launched.elapsed();
    eprintln!(
        "[desktop] window after {:.2} s, first question after {:.2} s",
        window_after.as_secs_f64(),
        first_question_after.as_secs_f64()
    );

    // R records (the page's key, as in the terminal); the file plays and ends the take, which is transcribed.
    record(&display, &window, &journal, 1);
    wait_for("the transcribed answer", Duration::from_secs(240), || {
        matches!(answers(&journal).first(), Some(Answer::Text(_)))
    });
    let Some(Answer::Text(transcript)) = answers(&journal).into_iter().next() else {
        unreachable!()
    };
    assert!(
        ["river", "chestnut", "morning"]
            .iter()
            .any(|w| transcript.to_lowercase().contains(w)),
        "whisper heard the file through the native recorder: {transcript:?}"
    );
    // A second launch hands over to the first (which comes to the front) and exits.
    let mut second = App::launch(&display, home.path(), &journal, &microphone, "desktop-second.log");
    let status = second
        .wait(Duration::from_secs(60))
        .expect("the second launch exits");
    assert!(status.success(), "the second launch exited with {status}");
    assert!(
        app.child.try_wait().unwrap().is_none(),
        "the first instance still runs"
    );

    // Once the next question is asked, a second answer starts; the window is closed while it is recorded.
    record(&display, &window, &journal, 2);
    // Two seconds of speech: well past the length under which a take is discarded as empty.
    wait_for(
        "two seconds of the second answer",
        Duration::from_secs(30),
        || take_bytes(&journal, 2) > 64_000,
    );

    // The page was drawn: most of the window is the page's background, not a blank webview or black screen.
    let (png, rgb) = display.screenshot("desktop-journal.png");
    let pixels = rgb.len() / 3;
    let background = rgb.chunks_exact(3).filter(|p| *p == PAGE_BACKGROUND).count();
    let ink = rgb
        .chunks_exact(3)
        .filter(|p| p.iter().all(|c| *c < 0x60))
        .count();
    assert!(
        background * 4 > pixels,
        "the page's background covers {background} of {pixels} pixels; see {}",
        png.display()
    );
    assert!(
        ink > 1000,
        "no dark text drawn ({ink} pixels); see {}",
        png.display()
    );
    let closer = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/desktop/close-window.py"
        ))
        .arg(&window)
        .env("DISPLAY", &display.name)
        .status()
        .unwrap();
    assert!(closer.success());
    let closed = Instant::now();
    let status = app
        .wait(Duration::from_secs(180))
        .expect("the app exits after its window closes");
    eprintln!(
        "[desktop] exited {:.1} s after the window closed",
        closed.elapsed().as_secs_f64()
    );
    assert!(status.success(), "the app exited with {status}");

    // What was said before the window closed is in the session: transcribed, or kept and marked pending.
    let kept = answers(&journal);
    assert_eq!(kept.len(), 2, "both answers are in the session file");
    match &kept[1] {
        Answer::Pending { .. } => {}
        Answer::Text(text) => assert!(!text.trim().is_empty(), "an empty second answer"),
    }
    // (As a WAV, or as the Ogg Opus it was compressed to once transcribed: a few kB a second.)
    assert!(take_bytes(&journal, 2) > 4_000, "the second take's audio is kept");
    // Nothing is left behind: no process of the app's group, and its port is closed.
    wait_for(
        "the app's process group to empty",
        Duration::from_secs(10),
        || app.group_left().is_empty(),
    );
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still accepts connections"
    );
    // Its size and position were saved for the next launch.
    let state = home
        .path()
        .join("config/org.soundmind.journal/.window-state.json");
    assert!(state.is_file(), "no window state at {}", state.display());
}

#[test]
fn without_a_display_it_says_so_and_points_to_the_browser() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_soundmind"))
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SOUNDMIND_CONFIG", home.path().join("config.toml"))
            .env("SESSIONS_DIR", home.path().join("journal"))
            .output()
            .unwrap()
    };
    let desktop = run(&["desktop"]);
    let stderr = String::from_utf8_lossy(&desktop.stderr);
    assert_eq!(desktop.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no display") && stderr.contains("soundmind web"),
        "{stderr}"
    );

    // `soundmind` alone explains too, then shows the journal's overview instead of failing.
    let bare = run(&[]);
    let stderr = String::from_utf8_lossy(&bare.stderr);
    assert!(bare.status.success(), "{stderr}");
    assert!(stderr.contains("soundmind web"), "{stderr}");
    assert!(!bare.stdout.is_empty());
}
