//! The web server over real HTTP and WebSockets on loopback, with the remote engines pointed at the test kit's
//! fake OpenAI servers (real wire format): the journal protocol, uploads and every security check.
//! Real Chromium tests live in `crates/soundmind/tests/web.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use soundmind_app::config::{Config, ConfigInputs, FlagOverrides};
use soundmind_app::take::TakeTranscription;
use soundmind_audio::{AudioSource, FileSource};
use soundmind_engine::{ChatModel, Preset, SttOptions};
use soundmind_remote::{Http, HttpPolicy, OpenAiChat, OpenAiChatConfig, OpenAiSttConfig, OpenAiTranscriber};
use soundmind_testkit::servers::{ChatReply, FakeChat, FakeOpenAi, Reply};
use soundmind_web::{EngineSetupError, Engines, Shell, WebServer};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

struct FakeEngines {
    chat: String,
    stt: String,
}

impl Engines for FakeEngines {
    fn chat(&self, _: &Config) -> Result<Arc<dyn ChatModel>, EngineSetupError> {
        let config = OpenAiChatConfig {
            base_url: self.chat.clone(),
            ..OpenAiChatConfig::openai("gpt-test", None)
        };
        Ok(Arc::new(OpenAiChat::new(
            config,
            Http::new(HttpPolicy::default())?,
        )))
    }

    fn transcription(&self, _: &Config) -> Result<TakeTranscription, EngineSetupError> {
        let config = OpenAiSttConfig {
            base_url: self.stt.clone(),
            ..OpenAiSttConfig::openai("whisper-test", None)
        };
        Ok(TakeTranscription {
            engine: Arc::new(OpenAiTranscriber::new(config, Http::new(HttpPolicy::default())?)),
            options: SttOptions {
                language: Some("en".into()),
                vocabulary: Vec::new(),
                preset: Preset::Default,
            },
            streaming: false,
        })
    }

    fn http(&self, _: &Config) -> Result<Http, EngineSetupError> {
        Ok(Http::new(HttpPolicy::default())?)
    }

    fn model_store(&self, config: &Config) -> Result<soundmind_models::ModelStore, EngineSetupError> {
        Ok(soundmind_models::ModelStore::new(
            &config.models_dir.value,
            soundmind_models::Catalog::builtin()?,
        ))
    }

    /// The rule layers alone: the semantic layer is tested with its real model in `soundmind-local`.
    fn semantic_screen(&self, _: &Config) -> Option<Arc<dyn soundmind_engine::Embedder>> {
        None
    }

    fn needed_models(&self, _: &Config) -> Vec<String> {
        vec!["tiny.en".into(), "silero-v5.1.2".into()]
    }
}

/// A running server, its fakes and a logged-in client.
struct Harness {
    runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    port: u16,
    cookie: String,
    csrf: String,
    journal: tempfile::TempDir,
    home: tempfile::TempDir,
    chat: FakeChat,
    stt: FakeOpenAi,
}

impl Harness {
    fn start(env: &[(&str, &str)]) -> Self {
        Self::start_with_shell(env, None)
    }

    /// A server as the desktop app runs it: `shell` records and picks folders.
    fn start_with_shell(env: &[(&str, &str)], shell: Option<Arc<dyn Shell>>) -> Self {
        let (journal, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (chat, stt) = (FakeChat::start(), FakeOpenAi::start());
        let mut vars: HashMap<String, String> =
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        vars.insert("SESSIONS_DIR".into(), journal.path().display().to_string());
        vars.insert(
            "SOUNDMIND_CACHE_DIR".into(),
            home.path().join("cache").display().to_string(),
        );
        vars.insert(
            "SOUNDMIND_MODELS_DIR".into(),
            home.path().join("models").display().to_string(),
        );
        let inputs = ConfigInputs {
            env: vars,
            config_file: Some(home.path().join("config.toml")),
            flags: FlagOverrides::default(),
            cwd: home.path().to_path_buf(),
        };
        let engines = Arc::new(FakeEngines {
            chat: chat.openai_base(),
            stt: stt.base_url(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime
            .block_on(WebServer::bind_with_shell(0, inputs, engines, shell))
            .unwrap();
        let (port, url) = (server.port(), server.url());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = runtime.spawn(server.serve(async {
            let _ = stopped.await;
        }));
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = client.get(&url).send().unwrap();
        assert_eq!(login.status(), 303);
        let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
            "{set_cookie}"
        );
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let mut harness = Self {
            runtime,
            stop: Some(stop),
            served: Some(served),
            port,
            cookie,
            csrf: String::new(),
            journal,
            home,
            chat,
            stt,
        };
        let page = harness.get("/journal").text().unwrap();
        let marker = "name=\"csrf-token\" content=\"";
        let at = page.find(marker).unwrap() + marker.len();
        harness.csrf = page[at..at + 48].to_string();
        harness
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn client() -> reqwest::blocking::Client {
        reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    fn get(&self, path: &str) -> reqwest::blocking::Response {
        Self::client()
            .get(format!("{}{path}", self.origin()))
            .header("cookie", &self.cookie)
            .send()
            .unwrap()
    }

    fn post(&self, path: &str, body: Vec<u8>) -> reqwest::blocking::Response {
        Self::client()
            .post(format!("{}{path}", self.origin()))
            .header("cookie", &self.cookie)
            .header("origin", self.origin())
            .header("x-csrf-token", &self.csrf)
            .body(body)
            .send()
            .unwrap()
    }

    fn socket(&self) -> Socket {
        let mut request = format!("ws://127.0.0.1:{}/journal/ws", self.port)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("cookie", self.cookie.parse().unwrap());
        request
            .headers_mut()
            .insert("origin", self.origin().parse().unwrap());
        let (stream, _) = self
            .runtime
            .block_on(tokio_tungstenite::connect_async(request))
            .unwrap();
        Socket { stream }
    }

    fn session_files(&self) -> Vec<PathBuf> {
        files_in(self.journal.path(), |p| p.extension().is_some_and(|e| e == "md"))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = self.runtime.block_on(served);
        }
    }
}

fn files_in(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    walk(dir, &keep)
}

fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != ".soundmind") {
                found.extend(walk(&path, keep));
            }
        } else if keep(&path) {
            found.push(path);
        }
    }
    found
}

type Stream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Socket {
    stream: Stream,
}

impl Socket {
    fn send(&mut self, harness: &Harness, message: Message) {
        harness.runtime.block_on(self.stream.send(message)).unwrap();
    }

    fn command(&mut self, harness: &Harness, json: &str) {
        self.send(harness, Message::text(json.to_string()));
    }

    /// The next event of `kind`, skipping others (meter levels, states).
    fn wait_for(&mut self, harness: &Harness, kind: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = harness
                .runtime
                .block_on(async { tokio::time::timeout(left, self.stream.next()).await })
                .unwrap_or_else(|_| panic!("no {kind} event within 20 s"));
            let Some(Ok(Message::Text(text))) = next else {
                panic!("the socket closed while waiting for {kind}: {next:?}");
            };
            let event: Value = serde_json::from_str(text.as_str()).unwrap();
            if event["type"] == kind {
                return event;
            }
        }
    }

    fn stream_audio(&mut self, harness: &Harness, samples: &[f32]) {
        for chunk in samples.chunks(1600) {
            let bytes: Vec<u8> = chunk
                .iter()
                .flat_map(|s| ((s * 32767.0) as i16).to_le_bytes())
                .collect();
            self.send(harness, Message::binary(bytes));
        }
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wav_bytes(samples: &[f32]) -> Vec<u8> {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|s| ((s * 32767.0) as i16).to_le_bytes())
        .collect();
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    for field in [
        16u32.to_le_bytes().as_slice(),
        &1u16.to_le_bytes(),
        &1u16.to_le_bytes(),
    ] {
        wav.extend_from_slice(field);
    }
    wav.extend_from_slice(&16_000u32.to_le_bytes());
    wav.extend_from_slice(&32_000u32.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    wav
}

#[test]
fn a_streamed_answer_is_saved_transcribed_and_followed_by_a_streamed_question() {
    let h = Harness::start(&[]);
    h.stt.push(Reply::ok("I walked by the river and felt calm."));
    h.chat.push(ChatReply::stream(&[
        "What did the calm ",
        "by the river ",
        "make possible for you?",
    ]));
    let mut socket = h.socket();
    let hello = socket.wait_for(&h, "hello");
    assert_eq!(hello["control"], true);
    let started = socket.wait_for(&h, "started");
    assert!(started["question"].as_str().unwrap().ends_with('?'));

    socket.command(&h, r#"{"type":"start"}"#);
    socket.stream_audio(&h, &soundmind_testkit::voice_like(4.0));
    let level = socket.wait_for(&h, "level");
    assert!(level["dbfs"].as_f64().unwrap() > -40.0, "{level}");
    socket.command(&h, r#"{"type":"stop"}"#);
    let transcript = socket.wait_for(&h, "transcript");
    assert_eq!(transcript["text"], "I walked by the river and felt calm.");
    assert!(socket.wait_for(&h, "token")["text"].is_string());
    let question = socket.wait_for(&h, "question");
    assert_eq!(
        question["text"],
        "What did the calm by the river make possible for you?"
    );

    let files = h.session_files();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("I walked by the river and felt calm."), "{text}");
    let audio = files_in(h.journal.path(), |p| {
        p.extension().is_some_and(|e| e == "wav" || e == "ogg")
    });
    assert_eq!(audio.len(), 1, "{audio:?}");
    // The page shows the same history after a reload.
    let page = h.get("/journal").text().unwrap();
    assert!(page.contains("I walked by the river and felt calm."));
    assert!(page.contains("What did the calm by the river make possible for you?"));
}

#[test]
fn a_connection_lost_mid_answer_keeps_and_transcribes_what_arrived() {
    let h = Harness::start(&[]);
    h.stt.push(Reply::ok("Half of what I meant to say."));
    let mut socket = h.socket();
    socket.wait_for(&h, "started");
    socket.command(&h, r#"{"type":"start"}"#);
    socket.stream_audio(&h, &soundmind_testkit::voice_like(3.0));
    socket.wait_for(&h, "level");
    drop(socket);
    wait_until("the answer is in the session file", || {
        h.session_files()
            .first()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .is_some_and(|t| t.contains("Half of what I meant to say."))
    });
    let wav = files_in(h.journal.path(), |p| {
        p.extension().is_some_and(|e| e == "wav" || e == "ogg")
    });
    assert_eq!(wav.len(), 1);
    // A new tab takes over the same session.
    let mut again = h.socket();
    let hello = again.wait_for(&h, "hello");
    assert_eq!(hello["control"], true);
    assert!(hello["snapshot"]["session"].is_string());
}

#[test]
fn a_second_tab_is_told_and_cannot_change_the_session() {
    let h = Harness::start(&[]);
    let mut first = h.socket();
    first.wait_for(&h, "started");
    let mut second = h.socket();
    let hello = second.wait_for(&h, "hello");
    assert_eq!(hello["control"], false);
    second.command(&h, r#"{"type":"text","text":"from the second tab"}"#);
    let busy = second.wait_for(&h, "busy");
    assert!(busy["text"].as_str().unwrap().contains("another tab"));
    std::thread::sleep(Duration::from_millis(300));
    let text = std::fs::read_to_string(&h.session_files()[0]).unwrap();
    assert!(!text.contains("from the second tab"));
    assert_eq!(h.stt.request_count() + h.chat.request_count(), 0);
}

#[test]
fn uploads_are_checked_limited_while_streaming_and_never_half_written() {
    let h = Harness::start(&[("WEB_UPLOAD_MAX_BYTES", "400000")]);
    assert_eq!(
        h.post("/journal/upload", wav_bytes(&[0.0; 1600])).status(),
        409,
        "no session yet"
    );
    h.stt.push(Reply::ok("An uploaded memo."));
    let mut socket = h.socket();
    socket.wait_for(&h, "started");
    let uploads = || files_in(h.journal.path(), |p| p.to_string_lossy().contains("_upload_"));

    let too_big = h.post("/journal/upload", vec![0u8; 2_000_000]);
    assert_eq!(too_big.status(), 413);
    assert!(uploads().is_empty(), "{:?}", uploads());
    let html = h.post("/journal/upload", b"<html>not audio</html>".to_vec());
    assert_eq!(html.status(), 415);
    assert!(html.text().unwrap().contains("not audio"));
    assert!(uploads().is_empty());

    let accepted = h.post("/journal/upload", wav_bytes(&soundmind_testkit::voice_like(3.0)));
    assert_eq!(accepted.status(), 202);
    assert_eq!(socket.wait_for(&h, "transcript")["text"], "An uploaded memo.");
    wait_until("the upload is replaced by the segment", || uploads().is_empty());
}

#[test]
fn typed_answers_and_the_crisis_panel_go_through_the_session_service() {
    let h = Harness::start(&[]);
    let mut socket = h.socket();
    socket.wait_for(&h, "started");
    socket.command(&h, r#"{"type":"text","text":"I want to end my life tonight."}"#);
    let crisis = socket.wait_for(&h, "crisis");
    assert!(!crisis["resources"].as_str().unwrap().is_empty());
    assert_eq!(
        h.chat.request_count(),
        0,
        "crisis language never reaches the model"
    );
    socket.command(&h, r#"{"type":"end"}"#);
    assert!(socket.wait_for(&h, "ended")["footer"].is_string());
}

#[test]
fn inferred_risk_gets_the_safety_check_in_and_a_no_to_it_the_crisis_panel() {
    let h = Harness::start(&[]);
    let mut socket = h.socket();
    socket.wait_for(&h, "started");
    socket.command(
        &h,
        r#"{"type":"text","text":"Quiet day at work. I gave the cat to my sister for good and wrote letters to the kids. Then I made tea."}"#,
    );
    let note = socket.wait_for(&h, "note");
    assert!(
        note["text"]
            .as_str()
            .unwrap()
            .contains("instead of a reflective question"),
        "the help lines come with the check-in: {note}"
    );
    let question = socket.wait_for(&h, "question");
    assert_eq!(question["source"], "safety");
    assert_eq!(question["text"], "Before we go on: are you safe right now?");
    socket.command(&h, r#"{"type":"text","text":"no"}"#);
    socket.wait_for(&h, "crisis");
    assert_eq!(h.chat.request_count(), 0, "the model never saw any of it");
    socket.command(&h, r#"{"type":"end"}"#);
    socket.wait_for(&h, "ended");
}

#[test]
fn every_probe_from_outside_is_refused() {
    let h = Harness::start(&[]);
    let url = |path: &str| format!("{}{path}", h.origin());
    let client = Harness::client();
    let status = |request: reqwest::blocking::RequestBuilder| request.send().unwrap().status().as_u16();

    assert_eq!(status(client.get(url("/journal"))), 403, "no cookie");
    assert_eq!(status(client.get(url("/?token=wrong"))), 403, "wrong token");
    assert_eq!(
        status(
            client
                .get(url("/journal"))
                .header("cookie", &h.cookie)
                .header("host", format!("evil.example:{}", h.port))
        ),
        403,
        "DNS rebinding"
    );
    let settings_form = format!("csrf={}&sessions_dir=/tmp/evil&language=en", h.csrf);
    let post = |origin: Option<&str>, csrf: Option<&str>| {
        let mut request = client
            .post(url("/settings"))
            .header("cookie", &h.cookie)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let body = match csrf {
            Some(token) => settings_form.replace(&h.csrf, token),
            None => "sessions_dir=/tmp/evil&language=en".to_string(),
        };
        status(request.body(body))
    };
    assert_eq!(post(None, Some(&h.csrf)), 403, "no Origin");
    assert_eq!(
        post(Some("http://127.0.0.1:1"), Some(&h.csrf)),
        403,
        "another site"
    );
    assert_eq!(post(Some(&h.origin()), None), 403, "no CSRF token");
    assert_eq!(post(Some(&h.origin()), Some("0000")), 403, "a wrong CSRF token");
    assert!(!h.home.path().join("config.toml").exists(), "nothing was saved");

    assert_eq!(h.get("/sessions/..%2F..%2Fetc%2Fpasswd").status(), 400);
    assert_eq!(h.get("/insights/..%2F..%2Fconfig.toml").status(), 400);
    assert_eq!(h.post("/models/..%2Fx/remove", Vec::new()).status(), 400);

    let page = h.get("/journal");
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(
        page.headers()["permissions-policy"]
            .to_str()
            .unwrap()
            .split(',')
            .next(),
        Some("microphone=(self)")
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");

    let mut request = format!("ws://127.0.0.1:{}/journal/ws", h.port)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert("cookie", h.cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    let refused = h.runtime.block_on(tokio_tungstenite::connect_async(request));
    assert!(
        matches!(&refused, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 403),
        "cross-site WebSocket: {refused:?}"
    );
}

#[test]
fn settings_saved_from_the_page_are_validated_and_used() {
    let h = Harness::start(&[]);
    let new_dir = h.home.path().join("elsewhere");
    let form = |dir: &str, language: &str| {
        format!(
            "csrf={}&sessions_dir={dir}&language={language}&country=gb&llm_model=openai%3Agpt-test&stt_backend=local\
             &stt_model=default&privacy=on&openai_base_url=https%3A%2F%2Fapi.openai.com%2Fv1\
             &anthropic_base_url=https%3A%2F%2Fapi.anthropic.com&ollama_base_url=http%3A%2F%2Flocalhost%3A11434",
            h.csrf
        )
    };
    let post = |body: String| {
        Harness::client()
            .post(format!("{}/settings", h.origin()))
            .header("cookie", &h.cookie)
            .header("origin", h.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .unwrap()
    };
    let refused = post(form(&new_dir.display().to_string(), "Klingon!"));
    assert_eq!(refused.status(), 400);
    assert!(refused.text().unwrap().contains("journal.language"));
    assert!(!h.home.path().join("config.toml").exists());

    let saved = post(form(&new_dir.display().to_string(), "de"));
    assert_eq!(saved.status(), 303);
    let file = std::fs::read_to_string(h.home.path().join("config.toml")).unwrap();
    assert!(
        file.contains("language = \"de\"") && file.contains("country = \"GB\""),
        "{file}"
    );
    let page = h.get("/settings?saved=true").text().unwrap();
    assert!(page.contains("id=\"saved\""));
    // The environment still wins over the file (SESSIONS_DIR is set by the harness), as everywhere else.
    let journal_name = h
        .journal
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(page.contains(&journal_name) && !page.contains("elsewhere"));
}

/// The desktop app's capabilities, for tests: each take's "microphone" plays the next WAV file at speaking speed
/// (the last one again when they run out), and the folder dialog answers with a fixed folder.
struct FileShell {
    takes: std::sync::Mutex<Vec<PathBuf>>,
    folder: PathBuf,
}

impl Shell for FileShell {
    fn microphone(&self, _: &Config) -> Result<Box<dyn AudioSource>, EngineSetupError> {
        let mut takes = self.takes.lock().unwrap();
        let file = if takes.len() > 1 {
            takes.remove(0)
        } else {
            takes[0].clone()
        };
        Ok(Box::new(FileSource::new(&file, true)))
    }

    fn pick_folder(&self, _start: &Path) -> Option<PathBuf> {
        Some(self.folder.clone())
    }
}

#[test]
fn with_a_shell_the_server_records_from_the_native_microphone_and_a_closed_window_keeps_the_take() {
    let files = tempfile::tempdir().unwrap();
    let (short, long) = (files.path().join("short.wav"), files.path().join("long.wav"));
    std::fs::write(&short, wav_bytes(&soundmind_testkit::voice_like(2.5))).unwrap();
    // A minute: only the stop sent for the closed window can end it within the wait below.
    std::fs::write(&long, wav_bytes(&soundmind_testkit::voice_like(60.0))).unwrap();
    let shell = Arc::new(FileShell {
        takes: std::sync::Mutex::new(vec![short, long.clone()]),
        folder: files.path().join("chosen"),
    });
    let h = Harness::start_with_shell(&[], Some(shell));
    h.stt.push(Reply::ok("Spoken into the native microphone."));
    h.stt.push(Reply::ok("Cut short when the window closed."));
    h.chat
        .push(ChatReply::stream(&["What did you notice ", "as you said it?"]));

    // The page sends only the keys: the server records, and the meter comes back over the same socket.
    let mut socket = h.socket();
    assert_eq!(socket.wait_for(&h, "hello")["native_mic"], true);
    socket.wait_for(&h, "started");
    socket.command(&h, r#"{"type":"start"}"#);
    let level = socket.wait_for(&h, "level");
    assert!(level["dbfs"].as_f64().unwrap() > -40.0, "{level}");
    // The file ends the take by itself, as a person pressing Stop would.
    let transcript = socket.wait_for(&h, "transcript");
    assert_eq!(transcript["text"], "Spoken into the native microphone.");
    assert_eq!(
        socket.wait_for(&h, "question")["text"],
        "What did you notice as you said it?"
    );

    // A window closed mid-answer (two seconds in: long enough not to be discarded as empty): the native take is
    // stopped, kept and transcribed.
    socket.command(&h, r#"{"type":"start"}"#);
    while socket.wait_for(&h, "level")["seconds"].as_f64().unwrap() < 2.0 {}
    drop(socket);
    wait_until("the cut-short answer is in the session file", || {
        h.session_files()
            .first()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .is_some_and(|t| t.contains("Cut short when the window closed."))
    });
    let takes = files_in(h.journal.path(), |p| {
        p.extension().is_some_and(|e| e == "wav" || e == "ogg")
    });
    assert_eq!(takes.len(), 2, "{takes:?}");

    // A microphone that cannot open is a clear error, and the session stays ready.
    std::fs::remove_file(&long).unwrap();
    let mut socket = h.socket();
    socket.wait_for(&h, "hello");
    socket.command(&h, r#"{"type":"start"}"#);
    let error = socket.wait_for(&h, "error");
    assert!(
        error["text"]
            .as_str()
            .unwrap()
            .starts_with("The microphone is not available"),
        "{error}"
    );

    // The folder dialog answers through the server, behind the CSRF check like every POST.
    let picked: Value = h.post("/settings/pick-folder", Vec::new()).json().unwrap();
    assert_eq!(picked["path"], files.path().join("chosen").display().to_string());
    let settings = h.get("/settings").text().unwrap();
    assert!(
        settings.contains("data-pick-folder"),
        "the settings page offers the dialog"
    );
}

#[test]
fn in_a_browser_there_is_no_folder_dialog_and_the_about_page_lists_model_licences() {
    let h = Harness::start(&[]);
    assert_eq!(h.post("/settings/pick-folder", Vec::new()).status(), 404);
    assert!(!h.get("/settings").text().unwrap().contains("data-pick-folder"));
    let about = h.get("/about").text().unwrap();
    assert!(about.contains(env!("CARGO_PKG_VERSION")), "{about}");
    let catalog = soundmind_models::Catalog::builtin().unwrap();
    for entry in catalog.entries() {
        assert!(
            about.contains(&format!("<td>{}</td><td>{}</td>", entry.name, entry.licence)),
            "{} and its licence are on the About page",
            entry.name
        );
    }
}

#[test]
fn a_sessions_folder_that_cannot_be_written_is_named_on_the_page() {
    let h = Harness::start(&[]);
    // As root (CI) permission bits do not stop writes; a file where the lock folder belongs does.
    let state_dir = h.journal.path().join(".soundmind");
    std::fs::create_dir_all(&state_dir).unwrap();
    let _ = std::fs::remove_dir_all(state_dir.join("locks"));
    std::fs::write(state_dir.join("locks"), "").unwrap();
    let mut socket = h.socket();
    let error = loop {
        let event = socket.wait_for(&h, "state");
        if event["state"] == "error" {
            break event;
        }
    };
    let notice = error["notice"].as_str().unwrap();
    assert!(
        notice.contains("cannot be written") && notice.contains(&h.journal.path().display().to_string()),
        "{notice}"
    );
    assert!(!notice.contains("Another Soundmind"), "{notice}");
}

#[test]
fn offline_mode_refuses_a_download_in_words_that_point_to_adding_a_file() {
    let harness = Harness::start(&[("SOUNDMIND_OFFLINE", "1")]);
    let response = harness.post("/models/tiny.en/download", Vec::new());
    assert_eq!(response.status(), 409);
    let text = response.text().unwrap();
    assert!(
        text.contains("Offline mode is on") && text.contains("from a file"),
        "{text}"
    );
    assert!(
        !text.contains("soundmind "),
        "no terminal command on a page: {text}"
    );
}

/// Pages are for people in a window or a browser tab: none of them, and none of the page scripts, tells anyone to
/// run a terminal command.
#[test]
fn no_page_or_script_tells_a_person_to_run_a_terminal_command() {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for folder in ["templates", "assets"] {
        for entry in std::fs::read_dir(crate_dir.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let lower = line.to_lowercase();
                let says_run = [
                    "`soundmind ",
                    "<code>soundmind",
                    "run soundmind",
                    "sudo ",
                    "apt install",
                ]
                .iter()
                .any(|command| lower.contains(command));
                assert!(!says_run, "{}:{}: {line}", path.display(), n + 1);
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} files checked");
}

#[test]
fn the_models_page_offers_what_the_journal_needs_first_and_the_catalogue_behind_a_disclosure() {
    let harness = Harness::start(&[]);
    let page = harness.get("/models").text().unwrap();
    let needed_at = page.find("What the journal needs").unwrap();
    let button_at = page.find("id=\"get-needed\"").expect("one button gets them all");
    let tiny_at = page.find("data-name=\"tiny.en\"").unwrap();
    let vad_at = page.find("data-name=\"silero-v5.1.2\"").unwrap();
    let all_at = page
        .find("<details id=\"all-models\">")
        .expect("the catalogue is closed by default");
    let other_at = page.find("data-name=\"large-v3\"").unwrap();
    assert!(
        needed_at < button_at
            && button_at < tiny_at
            && tiny_at < vad_at
            && vad_at < all_at
            && all_at < other_at
    );
    assert!(
        page.contains("2 of these 2 still need to be downloaded"),
        "{page}"
    );
    assert_eq!(
        page.matches("data-name=\"tiny.en\"").count(),
        2,
        "one row (and its button), listed once"
    );

    // Once installed, a needed model's row offers Remove with the page's CSRF token (rendered inside the macro),
    // and the button is gone.
    std::fs::create_dir_all(harness.home.path().join("models")).unwrap();
    std::fs::write(harness.home.path().join("models/ggml-tiny.en.bin"), b"x").unwrap();
    std::fs::write(harness.home.path().join("models/ggml-silero-v5.1.2.bin"), b"x").unwrap();
    let page = harness.get("/models").text().unwrap();
    assert!(
        page.contains("Everything the journal needs is installed."),
        "{page}"
    );
    assert!(!page.contains("id=\"get-needed\""));
    assert!(
        page.contains(&format!("name=\"csrf\" value=\"{}\"", harness.csrf)),
        "the remove form carries the token"
    );
}
