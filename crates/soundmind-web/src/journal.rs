//! The journal over a WebSocket: the page streams 16 kHz mono PCM while the person speaks and sends the keys;
//! the server sends the meter, the transcript, question tokens and the session's other events back.
//!
//! One session runs at a time, on a thread of its own (the session service is blocking), through the same
//! `begin_take` → `record_take` → `submit_take` path as `soundmind journal`: the segment is on disk as the audio
//! arrives, so a reload or a dropped connection ends the take with everything received kept and transcribed.
//! One tab controls the session; a second one is told so and only watches.
//!
//! In the desktop app the [`Shell`](crate::Shell) records instead: the page sends the same keys, the server
//! opens the native microphone, and the meter comes back the same way.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::json;
use soundmind_app::config::Config;
use soundmind_app::repair::JOURNAL_LOCK;
use soundmind_app::session::{ActiveSession, EventSink, SessionEvent, SessionService, TakeOutcome};
use soundmind_app::take::{TakeControl, TakeEnd, TakeLevel, TakeTranscription, record_take};
use soundmind_app::{Journal, SessionLock, StoreError};
use soundmind_audio::source::{SourceEvent, Stream};
use soundmind_audio::{AudioSource, FileSource};
use soundmind_core::safeguarding::CheckIn;
use soundmind_engine::CancelToken;
use tokio::sync::broadcast;

use crate::{AppState, Engines};

/// The largest WebSocket message: 1 MiB is half a minute of PCM, far more than a page sends at once.
const MAX_MESSAGE: usize = 1 << 20;
/// How long a new tab waits for a reloading one to let go of the session.
const CLAIM_WAIT: Duration = Duration::from_millis(2000);
/// The meter's update interval.
const LEVEL_INTERVAL: Duration = Duration::from_millis(50);

/// Where the session stands, for pages that connect in the middle of it.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Snapshot {
    /// The running session's id.
    pub(crate) session: Option<String>,
    /// The question waiting for an answer (or being written).
    pub(crate) question: String,
    /// `idle`, `ready`, `recording`, `transcribing`, `thinking`, `crisis`, `ended` or `error`.
    pub(crate) state: &'static str,
    /// What went wrong, or a notice such as "speech-to-text is not ready".
    pub(crate) notice: Option<String>,
}

/// What the connection tells the session thread.
enum Command {
    /// Start a session unless one is running.
    Open,
    /// Record one answer from `stream`, steered by `controls`.
    Take {
        stream: Stream,
        controls: Receiver<TakeControl>,
    },
    /// Transcribe an uploaded file as the answer; the file is deleted once its WAV segment is saved.
    Upload(PathBuf),
    /// A typed answer.
    Text(String),
    /// End the session (the thread stays for the check-in and the next session).
    End,
    /// End the session and the thread.
    Shutdown,
    /// The answer to "is this helping?".
    CheckIn(CheckIn),
}

/// The journal's session thread and the pages listening to it.
#[derive(Clone)]
pub(crate) struct JournalRunner {
    shared: Arc<Shared>,
}

struct Shared {
    events: broadcast::Sender<Arc<str>>,
    snapshot: Mutex<Snapshot>,
    thread: Mutex<Option<(Sender<Command>, JoinHandle<()>)>>,
    controller: Mutex<Option<u64>>,
    next_connection: AtomicU64,
    /// The settings changed: the next session needs a new thread (new engines, new folder).
    stale: std::sync::atomic::AtomicBool,
}

impl JournalRunner {
    pub(crate) fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                events: broadcast::channel(1024).0,
                snapshot: Mutex::new(Snapshot {
                    state: "idle",
                    ..Snapshot::default()
                }),
                thread: Mutex::new(None),
                controller: Mutex::new(None),
                next_connection: AtomicU64::new(1),
                stale: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        self.shared.snapshot().clone()
    }

    /// Sends `command` to the session thread, starting one (with the configuration as it is now) when none runs.
    fn send(&self, state: &AppState, command: Command) {
        let mut thread = self.shared.thread.lock().unwrap_or_else(|e| e.into_inner());
        let idle = matches!(self.snapshot().state, "idle" | "ended" | "error");
        if idle && self.shared.stale.swap(false, Ordering::SeqCst) {
            // Between sessions: the old thread has nothing to lose, so it goes and the next one reads the
            // new settings.
            if let Some((tx, handle)) = thread.take() {
                let _ = tx.send(Command::Shutdown);
                let _ = handle.join();
            }
        }
        let alive = thread.as_ref().is_some_and(|(_, handle)| !handle.is_finished());
        if !alive {
            let (tx, rx) = mpsc::channel();
            let shared = Arc::clone(&self.shared);
            let (config, engines) = (state.config(), Arc::clone(state.engines()));
            let handle = std::thread::Builder::new()
                .name("journal-session".into())
                .spawn(move || run_session(&shared, &config, engines.as_ref(), &rx))
                .expect("a thread can be spawned");
            *thread = Some((tx, handle));
        }
        if let Some((tx, _)) = thread.as_ref() {
            let _ = tx.send(command);
        }
    }

    /// Asks a running session to end and waits for it: the open take is kept and transcribed, the summary is
    /// written. Blocking; called once the server has stopped accepting requests.
    pub(crate) fn shut_down(&self) {
        let thread = self
            .shared
            .thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some((tx, handle)) = thread {
            let _ = tx.send(Command::Shutdown);
            drop(tx);
            let _ = handle.join();
        }
    }

    /// The settings were saved: the next session starts on a fresh thread with them.
    pub(crate) fn settings_changed(&self) {
        self.shared.stale.store(true, Ordering::SeqCst);
    }

    /// Takes the controller slot for `connection`, waiting briefly for a reloading tab to let go.
    async fn claim(&self, connection: u64) -> bool {
        let deadline = Instant::now() + CLAIM_WAIT;
        loop {
            {
                let mut controller = self.shared.controller.lock().unwrap_or_else(|e| e.into_inner());
                if controller.is_none() {
                    *controller = Some(connection);
                    return true;
                }
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn release(&self, connection: u64) {
        let mut controller = self.shared.controller.lock().unwrap_or_else(|e| e.into_inner());
        if *controller == Some(connection) {
            *controller = None;
        }
    }
}

impl Shared {
    fn snapshot(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        self.snapshot.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish(&self, message: serde_json::Value) {
        let _ = self.events.send(Arc::from(message.to_string()));
    }

    fn set_state(&self, state: &'static str, notice: Option<String>) {
        {
            let mut snapshot = self.snapshot();
            snapshot.state = state;
            snapshot.notice.clone_from(&notice);
        }
        self.publish(json!({"type": "state", "state": state, "notice": notice}));
    }

    fn session_event(&self, event: SessionEvent) {
        let message = match event {
            SessionEvent::FirstRunNote(text) => json!({"type": "first_run", "text": text}),
            SessionEvent::Started { id, question } => {
                let mut snapshot = self.snapshot();
                snapshot.session = Some(id.clone());
                snapshot.question.clone_from(&question);
                json!({"type": "started", "session": id, "question": question})
            }
            SessionEvent::TranscriptReady { text } => json!({"type": "transcript", "text": text}),
            SessionEvent::QuestionAttempt(attempt) => json!({"type": "attempt", "attempt": attempt}),
            SessionEvent::QuestionToken(text) => json!({"type": "token", "text": text}),
            SessionEvent::QuestionFinal { text, source } => {
                self.snapshot().question.clone_from(&text);
                json!({"type": "question", "text": text, "source": source})
            }
            SessionEvent::Crisis {
                message, resources, ..
            } => {
                self.snapshot().state = "crisis";
                json!({"type": "crisis", "message": message, "resources": resources})
            }
            SessionEvent::ResourcesNote(text) => json!({"type": "note", "text": text}),
            SessionEvent::Nudge(text) => json!({"type": "nudge", "text": text}),
            SessionEvent::SummaryUpdated(text) => json!({"type": "summary", "text": text}),
            SessionEvent::Ended { footer } => json!({"type": "ended", "footer": footer}),
            SessionEvent::CheckInDue(question) => {
                let answers: Vec<_> = CheckIn::ALL
                    .iter()
                    .map(|a| json!({"value": a.as_str(), "label": a.label()}))
                    .collect();
                json!({"type": "checkin", "question": question, "answers": answers})
            }
        };
        self.publish(message);
    }
}

/// `GET /journal/ws`.
pub(crate) async fn websocket(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| connection(state, socket))
}

/// A take in progress: its keys, and its audio when the page streams it (`None`: the native microphone records).
struct LiveTake {
    audio: Option<Sender<SourceEvent>>,
    controls: Sender<TakeControl>,
}

async fn connection(state: AppState, socket: WebSocket) {
    let runner = state.journal().clone();
    let id = runner.shared.next_connection.fetch_add(1, Ordering::Relaxed);
    let mut events = runner.shared.events.subscribe();
    let (mut outgoing, mut incoming) = socket.split();
    let control = runner.claim(id).await;
    let native_mic = state.shell().is_some();
    let hello = json!({
        "type": "hello", "control": control, "snapshot": runner.snapshot(), "native_mic": native_mic,
    });
    if outgoing.send(Message::text(hello.to_string())).await.is_err() {
        runner.release(id);
        return;
    }
    if control && !matches!(runner.snapshot().state, "ended") {
        runner.send(&state, Command::Open);
    }
    let mut take: Option<LiveTake> = None;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(text) => {
                    if outgoing.send(Message::text(text.as_ref())).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
            message = incoming.next() => {
                let Some(Ok(message)) = message else { break };
                if !control {
                    let busy = json!({"type": "busy", "text": "This session is open in another tab; this one only watches."});
                    if outgoing.send(Message::text(busy.to_string())).await.is_err() {
                        break;
                    }
                    continue;
                }
                match message {
                    Message::Binary(bytes) => {
                        if let Some(LiveTake { audio: Some(audio), .. }) = &take
                            && let Some(samples) = pcm16_to_f32(&bytes)
                            && audio.send(SourceEvent::Audio(samples)).is_err()
                        {
                            take = None;
                        }
                    }
                    Message::Text(text) => {
                        if let Some(reply) = on_command(&state, &runner, &mut take, text.as_str()) {
                            let _ = outgoing.send(Message::text(reply.to_string())).await;
                        }
                    }
                    Message::Close(_) => break,
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
        }
    }
    // Dropping the take's audio ends it: everything received so far is kept and transcribed. The native
    // microphone does not notice a closed window, so it is told to stop the same way.
    if let Some(live) = take.take()
        && live.audio.is_none()
    {
        let _ = live.controls.send(TakeControl::Stop);
    }
    if control {
        runner.release(id);
    }
}

/// Handles one text message from the controlling page; returns an error message for the page, if any.
fn on_command(
    state: &AppState,
    runner: &JournalRunner,
    take: &mut Option<LiveTake>,
    text: &str,
) -> Option<serde_json::Value> {
    let Ok(message) = serde_json::from_str::<serde_json::Value>(text) else {
        return Some(
            json!({"type": "error", "text": "The page sent a message the server does not understand."}),
        );
    };
    let control = |c| take.as_ref().map(|live: &LiveTake| live.controls.send(c));
    match message["type"].as_str().unwrap_or_default() {
        "start" => {
            let (controls, controls_rx) = mpsc::channel();
            let (audio, stream) = match state.shell() {
                Some(shell) => match open_microphone(shell.as_ref(), &state.config()) {
                    Ok(stream) => (None, stream),
                    Err(why) => {
                        return Some(
                            json!({"type": "error", "text": format!("The microphone is not available: {why}")}),
                        );
                    }
                },
                None => {
                    let (audio, audio_rx) = mpsc::channel();
                    (Some(audio), Stream::new(audio_rx, || {}))
                }
            };
            *take = Some(LiveTake { audio, controls });
            runner.send(
                state,
                Command::Take {
                    stream,
                    controls: controls_rx,
                },
            );
        }
        // The audio sender stays until the next take or the end of the connection, so a cancel is read
        // before the stream looks finished.
        "stop" => _ = control(TakeControl::Stop),
        "pause" => _ = control(TakeControl::TogglePause),
        "cancel" => _ = control(TakeControl::Cancel),
        "last" => _ = control(TakeControl::StopAndEnd),
        "text" => {
            let answer = message["text"].as_str().unwrap_or_default().trim();
            if answer.is_empty() {
                return Some(json!({"type": "error", "text": "Type an answer first."}));
            }
            runner.send(state, Command::Text(answer.to_string()));
        }
        "end" => {
            if runner.snapshot().session.is_some() {
                runner.send(state, Command::End);
            }
        }
        "new" => runner.send(state, Command::Open),
        "checkin" => {
            let answer = match message["answer"].as_str() {
                Some("helpful") => CheckIn::Helpful,
                Some("neutral") => CheckIn::Neutral,
                Some("worse") => CheckIn::Worse,
                _ => CheckIn::Skip,
            };
            runner.send(state, Command::CheckIn(answer));
        }
        other => {
            return Some(json!({"type": "error", "text": format!("unknown command {other:?}")}));
        }
    }
    None
}

fn open_microphone(shell: &dyn crate::Shell, config: &Config) -> Result<Stream, String> {
    let mut microphone = shell.microphone(config).map_err(|e| e.to_string())?;
    microphone.open().map_err(|e| e.to_string())
}

/// Little-endian 16-bit PCM to samples; `None` for a frame with half a sample.
fn pcm16_to_f32(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect(),
    )
}

/// Queues an uploaded answer file for the running session. Errors when no session runs.
pub(crate) fn queue_upload(state: &AppState, file: PathBuf) {
    state.journal().send(state, Command::Upload(file));
}

/// One session, from `Open` to `End`; the thread ends with it, so the next session sees fresh settings.
fn run_session(shared: &Arc<Shared>, config: &Config, engines: &dyn Engines, commands: &Receiver<Command>) {
    let root = config.sessions_dir.value.clone();
    let fail = |why: String| shared.set_state("error", Some(why));
    if let Err(e) = std::fs::create_dir_all(&root) {
        return fail(format!(
            "could not create the sessions folder {}: {e}",
            root.display()
        ));
    }
    let _lock = match SessionLock::acquire(&root, JOURNAL_LOCK, Duration::ZERO) {
        Ok(lock) => lock,
        Err(StoreError::Locked { .. }) => {
            return fail(
                "Another Soundmind is recording in this journal. Close it, then reload this page.".into(),
            );
        }
        // A read-only folder, a full disk: say so, rather than blame another Soundmind.
        Err(e) => {
            return fail(format!(
                "The sessions folder {} cannot be written ({e}). Choose another one in Settings.",
                root.display()
            ));
        }
    };
    let chat = match engines.chat(config) {
        Ok(chat) => chat,
        Err(e) => {
            return fail(format!(
                "The chat model is not ready: {e}. See Models or Settings."
            ));
        }
    };
    let transcription = engines.transcription(config);
    let (mut service, warnings) = SessionService::configured(config, chat, transcription.as_ref().ok());
    service.semantic = engines.semantic_screen(config);
    for warning in warnings {
        shared.publish(json!({"type": "note", "text": format!("warning: {warning}")}));
    }
    let service = Arc::new(service);
    let sink: EventSink = {
        let shared = Arc::clone(shared);
        Arc::new(move |event| shared.session_event(event))
    };
    let journal = Journal::open(&root);
    let cancel = CancelToken::new();
    let mut session: Option<ActiveSession> = None;
    let mut compressions = Vec::new();
    let stt_notice = transcription
        .as_ref()
        .err()
        .map(|e| format!("Speech-to-text is not ready ({e}); typed answers work. See Models."));

    while let Ok(command) = commands.recv() {
        let result = match command {
            Command::Open => open(&service, &mut session, &sink, shared, stt_notice.clone()),
            Command::Take { stream, controls } => {
                with_session(&service, &mut session, &sink, shared, |s| match &transcription {
                    Ok(t) => record(s, stream, &controls, t, shared),
                    Err(e) => Err(format!("Speech-to-text is not ready: {e}")),
                })
            }
            Command::Upload(file) => {
                let result = with_session(&service, &mut session, &sink, shared, |s| {
                    let transcription = transcription.as_ref().map_err(|e| e.to_string())?;
                    let stream = FileSource::new(&file, false).open().map_err(|e| e.to_string())?;
                    let (_keep, controls) = mpsc::channel();
                    record(s, stream, &controls, transcription, shared)
                });
                // The WAV segment holds the audio now (or the upload could not be decoded at all).
                let _ = std::fs::remove_file(&file);
                result
            }
            Command::Text(text) => with_session(&service, &mut session, &sink, shared, |s| {
                shared.set_state("thinking", None);
                s.submit_answer(&text, None, &cancel)
                    .map(|_| Step::Continue)
                    .map_err(|e| e.to_string())
            }),
            Command::End => Ok(Step::End),
            Command::Shutdown => break,
            Command::CheckIn(answer) => match service.record_check_in(answer) {
                Ok(message) => {
                    shared.publish(json!({"type": "checkin_done", "text": message}));
                    continue;
                }
                Err(e) => Err(e.to_string()),
            },
        };
        match result {
            Ok(Step::Continue) => {
                if shared.snapshot().state != "crisis" {
                    shared.set_state("ready", None);
                }
            }
            Ok(Step::Compress(segment)) => {
                compressions.push(compress(&journal, &session, segment));
                if shared.snapshot().state != "crisis" {
                    shared.set_state("ready", None);
                }
            }
            Ok(Step::CompressAndEnd(segment)) => {
                compressions.push(compress(&journal, &session, segment));
                end(&mut session, &cancel, shared);
            }
            Ok(Step::End) => end(&mut session, &cancel, shared),
            Err(why) => {
                let keep = if shared.snapshot().state == "crisis" {
                    "crisis"
                } else {
                    "ready"
                };
                shared.publish(json!({"type": "error", "text": why}));
                shared.set_state(keep, None);
            }
        }
    }
    end(&mut session, &cancel, shared);
    for handle in compressions.into_iter().flatten() {
        let _ = handle.join();
    }
}

/// Ends the running session, if any: its summary is written and the footer announced.
fn end(session: &mut Option<ActiveSession>, cancel: &CancelToken, shared: &Shared) {
    let Some(active) = session.take() else { return };
    if let Err(e) = active.end(cancel) {
        shared.publish(json!({"type": "error", "text": e.to_string()}));
    }
    shared.snapshot().session = None;
    shared.set_state("ended", None);
}

/// What the loop does after a command.
enum Step {
    Continue,
    Compress(String),
    CompressAndEnd(String),
    End,
}

fn open(
    service: &Arc<SessionService>,
    session: &mut Option<ActiveSession>,
    sink: &EventSink,
    shared: &Shared,
    notice: Option<String>,
) -> Result<Step, String> {
    if session.is_none() {
        *session = Some(service.start(Arc::clone(sink)).map_err(|e| e.to_string())?);
    }
    let state = if shared.snapshot().state == "crisis" {
        "crisis"
    } else {
        "ready"
    };
    shared.set_state(state, notice);
    Ok(Step::Continue)
}

fn with_session(
    service: &Arc<SessionService>,
    session: &mut Option<ActiveSession>,
    sink: &EventSink,
    shared: &Shared,
    act: impl FnOnce(&mut ActiveSession) -> Result<Step, String>,
) -> Result<Step, String> {
    if session.is_none() {
        open(service, session, sink, shared, None)?;
    }
    act(session.as_mut().expect("opened above"))
}

/// One recorded answer, as in `soundmind journal`: announced in the session file first, written as it arrives,
/// transcribed in pieces, then submitted.
fn record(
    session: &mut ActiveSession,
    stream: Stream,
    controls: &Receiver<TakeControl>,
    transcription: &TakeTranscription,
    shared: &Shared,
) -> Result<Step, String> {
    let path = session.begin_take().map_err(|e| e.to_string())?;
    shared.set_state("recording", None);
    let mut last_level = Instant::now() - LEVEL_INTERVAL;
    let mut on_level = |level: TakeLevel| {
        if let Some(words) = &level.heard {
            shared.publish(json!({"type": "heard", "text": words}));
        }
        if last_level.elapsed() >= LEVEL_INTERVAL {
            last_level = Instant::now();
            let dbfs = if level.dbfs.is_finite() {
                level.dbfs
            } else {
                -100.0
            };
            shared.publish(json!({
                "type": "level", "dbfs": dbfs, "seconds": level.seconds, "paused": level.paused,
            }));
        }
    };
    let end = record_take(stream, &path, transcription, controls, &mut on_level);
    let end = match end {
        Ok(end) => end,
        Err(e) => return Err(format!("The answer could not be recorded: {e}")),
    };
    if matches!(end, TakeEnd::Cancelled | TakeEnd::Discarded { .. }) {
        session.withdraw_take(&path).map_err(|e| e.to_string())?;
    }
    match end {
        TakeEnd::Cancelled => {
            shared.publish(json!({"type": "discarded", "text": "Discarded; the same question again."}));
            Ok(Step::Continue)
        }
        TakeEnd::Discarded { seconds, end_session } => {
            let text = if end_session {
                format!("The last {seconds:.1} s were too short to keep; the session ends.")
            } else {
                format!("A {seconds:.1} s take with almost no speech was discarded.")
            };
            shared.publish(json!({"type": "discarded", "text": text}));
            Ok(if end_session { Step::End } else { Step::Continue })
        }
        TakeEnd::Kept(take) => {
            if let Some(error) = &take.source_error {
                shared.publish(json!({"type": "note", "text": format!("The recording stopped early ({error}); what was recorded is kept.")}));
            }
            shared.set_state("thinking", None);
            let segment = file_name(&take.path);
            let outcome = session
                .submit_take(&take, &CancelToken::new())
                .map_err(|e| e.to_string())?;
            let compress = match outcome {
                TakeOutcome::Answered { .. } | TakeOutcome::NothingHeard => {
                    if matches!(outcome, TakeOutcome::NothingHeard) {
                        shared.publish(json!({"type": "discarded", "text": "No words were recognised in that answer; the audio is kept."}));
                    }
                    Some(segment)
                }
                TakeOutcome::Pending { segment, error } => {
                    shared.publish(json!({"type": "pending", "text": format!(
                        "Transcription failed ({error}). Your recording is kept safe in the session folder as {segment}, waiting to be transcribed."
                    )}));
                    None
                }
            };
            Ok(match (compress, take.end_session) {
                (Some(segment), true) => Step::CompressAndEnd(segment),
                (Some(segment), false) => Step::Compress(segment),
                (None, true) => Step::End,
                (None, false) => Step::Continue,
            })
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Compresses a transcribed take in the background (the WAV goes only once the Ogg is verified).
fn compress(journal: &Journal, session: &Option<ActiveSession>, segment: String) -> Option<JoinHandle<()>> {
    let id = session.as_ref()?.id().clone();
    let journal = journal.clone();
    std::thread::Builder::new()
        .name("compress".into())
        .spawn(move || {
            // A failure keeps the WAV: nothing is lost, only disk space.
            let _ = soundmind_app::compress::compress_take(&journal, &id, &segment);
        })
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm_frames_become_samples_and_half_samples_are_refused() {
        assert_eq!(pcm16_to_f32(&[0, 0x40, 0, 0xc0]), Some(vec![0.5, -0.5]));
        assert_eq!(pcm16_to_f32(&[1, 2, 3]), None);
    }
}
