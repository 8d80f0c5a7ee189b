//! `soundmind journal`: the voice loop in the terminal. Question → record (meter, keys) → transcript → the next
//! question, streamed; or typed answers (`--type`), or audio files (`--input`).
//!
//! The session itself is the application's [`SessionService`]; this module only moves audio and keys in, and
//! prints what the session says.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use soundmind_app::SessionLock;
use soundmind_app::config::{self, Config, ConfigInputs, FlagOverrides};
use soundmind_app::repair;
use soundmind_app::session::{ActiveSession, SessionEvent, SessionService, TakeOutcome};
use soundmind_app::take::{TakeControl, TakeEnd, TakeTranscription, record_take};
use soundmind_audio::{AudioSource, FileSource};
use soundmind_core::SessionId;
use soundmind_core::safeguarding::CheckIn;
use soundmind_engine::{CancelToken, Preset, SttOptions};

use crate::cli::EXIT_ERROR;
use crate::engines::{self, SttChoice};

pub(crate) mod terminal;

/// Arguments of `soundmind journal`.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// Continue the newest session (or the one named)
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    resume: Option<String>,
    /// Answer by typing; with input from a pipe, one answer per line
    #[arg(long = "type", conflicts_with = "input")]
    typed: bool,
    /// Answer from audio files, one per exchange (voice memos)
    #[arg(long, value_name = "FILE", num_args = 1..)]
    input: Vec<PathBuf>,
    /// Feed --input files at speaking speed, through the streaming path
    #[arg(long, requires = "input")]
    realtime: bool,
    /// Print how long each stage took after every answer
    #[arg(long)]
    timings: bool,
    /// Microphone to use (part of its name; default: the system's)
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// Speech-to-text model for this run
    #[arg(long, value_name = "NAME|PATH")]
    stt_model: Option<String>,
    /// Chat model spec for this run, e.g. local:qwen2.5-1.5b-instruct
    #[arg(long, value_name = "SPEC")]
    llm_model: Option<String>,
    /// Journal language for this run, e.g. en or de
    #[arg(long, value_name = "CODE")]
    language: Option<String>,
    /// Transcribe only after each answer ends (to compare with the default streaming transcription)
    #[arg(long, hide = true)]
    no_streaming: bool,
}

/// How answers come in.
enum AnswerSource {
    Typed,
    Files(std::vec::IntoIter<PathBuf>, bool),
    Microphone(soundmind_capture::Microphone),
}

pub fn run(args: JournalArgs, mut flags: FlagOverrides) -> anyhow::Result<ExitCode> {
    flags.llm_model = args.llm_model.clone();
    flags.stt_model = args.stt_model.clone();
    flags.language = args.language.clone();
    let config =
        config::resolve(&ConfigInputs::from_process(flags)).context("could not load the configuration")?;
    let root = config.sessions_dir.value.clone();
    std::fs::create_dir_all(&root).with_context(|| format!("could not create {}", root.display()))?;
    // One voice loop per journal: a second one would record into the same folder at the same time. It is
    // refused before the offer below, which must never touch a running loop's take.
    let lock = || {
        SessionLock::acquire(&root, repair::JOURNAL_LOCK, Duration::ZERO)
            .context("another `soundmind journal` is running on this journal")
    };
    drop(lock()?);
    offer_pending_transcription(&config)?;
    let _lock = lock()?;

    for file in &args.input {
        // Unreadable files are refused before anything is recorded.
        soundmind_audio::Decoder::open(file)?;
    }
    let mut answers = if args.typed {
        AnswerSource::Typed
    } else if !args.input.is_empty() {
        AnswerSource::Files(args.input.clone().into_iter(), args.realtime)
    } else {
        let mut microphone = soundmind_capture::Microphone::new(args.device.clone());
        // Fail before the session exists when there is no microphone.
        if let Err(e) = microphone.open() {
            eprintln!("soundmind: {e}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
        AnswerSource::Microphone(microphone)
    };

    let chat: Arc<dyn soundmind_engine::ChatModel> = Arc::from(engines::chat_model(&config, None)?);
    let transcription = match answers {
        AnswerSource::Typed => None,
        _ => Some(take_transcription(&config, &args)?),
    };
    let service = Arc::new(session_service(&config, chat, transcription.as_ref()));
    let printer = Arc::new(Printer::new(args.timings));
    let sink = {
        let printer = Arc::clone(&printer);
        Arc::new(move |event| printer.event(event))
    };
    let cancel = CancelToken::new();
    let mut session = match &args.resume {
        None => service.start(sink)?,
        Some(id) => {
            let id = match id.as_str() {
                "" => newest_session(&config)?,
                id => SessionId::parse(id)?,
            };
            service.resume(&id, sink, &cancel)?
        }
    };

    let mut end_requested = false;
    let mut compressions = Compressions::new(&config, session.id());
    while !end_requested && !printer.paused_by_crisis() {
        let question_stands = match &mut answers {
            AnswerSource::Typed => match read_typed_answer()? {
                None => break,
                Some(text) => {
                    printer.answer_started();
                    session.submit_answer(&text, None, &cancel)?;
                    false
                }
            },
            AnswerSource::Files(files, realtime) => {
                let Some(file) = files.next() else { break };
                let mut source = FileSource::new(&file, *realtime);
                let (controls, rx) = mpsc::channel();
                // In a terminal the keys work for files too: a memo can be cut short or redone.
                let keys = match std::io::stdin().is_terminal() {
                    true => Some(terminal::KeyReader::start(controls)?),
                    false => None,
                };
                let outcome = take_answer(
                    &mut session,
                    &mut source,
                    (&rx, keys),
                    transcription.as_ref(),
                    &printer,
                    &cancel,
                )?;
                end_requested = outcome.end;
                compressions.start(outcome.transcribed);
                outcome.question_stands
            }
            AnswerSource::Microphone(microphone) => {
                let (controls, rx) = mpsc::channel();
                let keys = terminal::KeyReader::start(controls)?;
                let outcome = take_answer(
                    &mut session,
                    microphone,
                    (&rx, Some(keys)),
                    transcription.as_ref(),
                    &printer,
                    &cancel,
                )?;
                end_requested = outcome.end;
                compressions.start(outcome.transcribed);
                outcome.question_stands
            }
        };
        if question_stands && !end_requested {
            println!("\n{}", session.question());
        }
    }

    let id = session.id().clone();
    session.end(&cancel)?;
    compressions.finish();
    let path = config.sessions_dir.value.join(id.file_name());
    println!("\nSession saved to {}", path.display());
    if let Some(pending) = pending_in(&config, &id) {
        println!("{pending} answer(s) wait for transcription: run `soundmind fix stt`.");
    }
    if printer.take_check_in() {
        ask_check_in(&service)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Answers from earlier sessions still waiting for a transcript (a failed transcription, a crash mid-answer):
/// in a terminal, offer to transcribe them now; otherwise say how. Runs before the loop takes the journal lock,
/// because repairing a crashed recording needs that lock free.
fn offer_pending_transcription(config: &Config) -> anyhow::Result<()> {
    let sessions = soundmind_app::Sessions::from_config(config);
    let pending = repair::pending_count(sessions.journal(), None);
    if pending == 0 {
        return Ok(());
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !interactive {
        eprintln!("{pending} earlier answer(s) wait for transcription: run `soundmind fix stt`.");
        return Ok(());
    }
    print!("{pending} earlier answer(s) wait for transcription. Transcribe them now? [Y/n] ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    if matches!(line.trim().to_lowercase().as_str(), "" | "y" | "yes") {
        crate::cli::fix::transcribe_pending(config)?;
    }
    Ok(())
}

/// The session service the configuration describes; refused overrides are reported as warnings.
fn session_service(
    config: &Config,
    chat: Arc<dyn soundmind_engine::ChatModel>,
    transcription: Option<&TakeTranscription>,
) -> SessionService {
    let (mut service, warnings) = SessionService::configured(config, chat, transcription);
    for warning in warnings {
        eprintln!("soundmind: warning: {warning}");
    }
    service.semantic = engines::semantic_screen(config);
    service
}

fn take_transcription(config: &Config, args: &JournalArgs) -> anyhow::Result<TakeTranscription> {
    let language = Some(config.language.value.clone()).filter(|l| l != "auto");
    let choice = SttChoice {
        model: args.stt_model.clone(),
        preset: Preset::Default,
        language: language.clone(),
    };
    Ok(TakeTranscription {
        engine: Arc::from(engines::transcriber(config, &choice)?),
        options: SttOptions {
            language,
            vocabulary: Vec::new(),
            preset: Preset::Default,
        },
        streaming: !args.no_streaming,
    })
}

fn newest_session(config: &Config) -> anyhow::Result<SessionId> {
    let sessions = soundmind_app::Sessions::from_config(config);
    sessions
        .journal()
        .ids()?
        .into_iter()
        .max()
        .context("there is no session to resume yet")
}

/// Pending answers of session `id`, if any.
fn pending_in(config: &Config, id: &SessionId) -> Option<usize> {
    let sessions = soundmind_app::Sessions::from_config(config);
    let (_, doc) = sessions.show(id.as_str()).ok()?;
    let pending = doc.frontmatter.pending_audio().len();
    (pending > 0).then_some(pending)
}

/// One typed answer: a line (a terminal shows a prompt first); `None` at the end of input or on `/end`.
fn read_typed_answer() -> anyhow::Result<Option<String>> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    loop {
        if interactive {
            print!("> ");
            std::io::stdout().flush()?;
        }
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        match line.trim() {
            "" => continue,
            "/end" => return Ok(None),
            text => return Ok(Some(text.to_string())),
        }
    }
}

struct TakeResult {
    /// The same question is asked again (cancelled, too short, pending transcription, nothing heard).
    question_stands: bool,
    /// The person asked to end the session.
    end: bool,
    /// A transcribed take, ready to be compressed.
    transcribed: Option<String>,
}

/// Records one answer from `source` and hands it to the session. The key reader (raw mode) ends with the take,
/// before anything else is printed.
fn take_answer(
    session: &mut ActiveSession,
    source: &mut dyn AudioSource,
    (controls, keys): (&mpsc::Receiver<TakeControl>, Option<terminal::KeyReader>),
    transcription: Option<&TakeTranscription>,
    printer: &Printer,
    cancel: &CancelToken,
) -> anyhow::Result<TakeResult> {
    let transcription = transcription.expect("audio answers have a transcriber");
    let stream = source.open()?;
    // The session file knows about the answer before any audio exists.
    let path = session.begin_take()?;
    let interactive = std::io::stderr().is_terminal();
    let mut meter = terminal::Meter::new();
    let end = record_take(stream, &path, transcription, controls, &mut |level| {
        if interactive {
            meter.draw(level);
        }
    });
    drop(keys);
    if interactive {
        meter.clear();
    }
    let end = end.context("the answer could not be recorded")?;
    if matches!(end, TakeEnd::Cancelled | TakeEnd::Discarded { .. }) {
        session.withdraw_take(&path)?;
    }
    match end {
        TakeEnd::Cancelled => {
            println!("(discarded; the same question again)");
            Ok(TakeResult {
                question_stands: true,
                end: false,
                transcribed: None,
            })
        }
        TakeEnd::Discarded { seconds, end_session } => {
            if end_session {
                println!("(the last {seconds:.1} s were too short to keep; ending the session)");
            } else {
                println!("(a {seconds:.1} s take with almost no speech was discarded)");
            }
            Ok(TakeResult {
                question_stands: !end_session,
                end: end_session,
                transcribed: None,
            })
        }
        TakeEnd::Kept(take) => {
            if let Some(error) = &take.source_error {
                eprintln!("soundmind: the recording stopped early ({error}); what was recorded is kept.");
            }
            printer.take_stopped(take.stopped_at, take.tail_transcription);
            match session.submit_take(&take, cancel)? {
                TakeOutcome::Answered { .. } => Ok(TakeResult {
                    question_stands: false,
                    end: take.end_session,
                    transcribed: Some(segment_name(&take.path)),
                }),
                TakeOutcome::Pending { segment, error } => {
                    eprintln!(
                        "soundmind: transcription failed ({error}); the audio is kept as {segment}. \
                         `soundmind fix stt` will transcribe it later."
                    );
                    Ok(TakeResult {
                        question_stands: true,
                        end: take.end_session,
                        transcribed: None,
                    })
                }
                TakeOutcome::NothingHeard => {
                    println!("(no words were recognised in that answer; the audio is kept)");
                    Ok(TakeResult {
                        question_stands: true,
                        end: take.end_session,
                        transcribed: Some(segment_name(&take.path)),
                    })
                }
            }
        }
    }
}

fn segment_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Transcribed takes compressed to Ogg Opus in the background (the WAV goes only once the Ogg is verified).
struct Compressions {
    journal: soundmind_app::Journal,
    id: SessionId,
    running: Vec<std::thread::JoinHandle<()>>,
}

impl Compressions {
    fn new(config: &Config, id: &SessionId) -> Self {
        Self {
            journal: soundmind_app::Sessions::from_config(config).journal().clone(),
            id: id.clone(),
            running: Vec::new(),
        }
    }

    fn start(&mut self, segment: Option<String>) {
        let Some(segment) = segment else { return };
        let (journal, id) = (self.journal.clone(), self.id.clone());
        self.running.push(std::thread::spawn(move || {
            if let Err(e) = soundmind_app::compress::compress_take(&journal, &id, &segment) {
                // The WAV stays; nothing is lost, only disk space.
                eprintln!("soundmind: {segment} was not compressed: {e}");
            }
        }));
    }

    /// Waits for compressions still running, so none is cut off by the exit.
    fn finish(self) {
        for thread in self.running {
            let _ = thread.join();
        }
    }
}

/// "Is this helping?", answered with one key.
fn ask_check_in(service: &SessionService) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        return Ok(());
    }
    println!("\n{}", soundmind_core::safeguarding::care::CHECK_IN_QUESTION);
    for (i, answer) in CheckIn::ALL.iter().enumerate() {
        println!("  {}  {}", i + 1, answer.label());
    }
    let answer = match terminal::read_choice()? {
        Some('1') => CheckIn::Helpful,
        Some('2') => CheckIn::Neutral,
        Some('3') => CheckIn::Worse,
        _ => CheckIn::Skip,
    };
    if let Some(message) = service.record_check_in(answer)? {
        println!("\n{message}");
    }
    Ok(())
}

/// Prints what the session says, and measures the wait after each answer.
struct Printer {
    streaming_out: bool,
    timings: bool,
    state: Mutex<PrinterState>,
}

#[derive(Default)]
struct PrinterState {
    streamed: String,
    stopped_at: Option<Instant>,
    tail_transcription: Option<Duration>,
    first_token: Option<Duration>,
    crisis: bool,
    check_in: bool,
}

impl Printer {
    fn new(timings: bool) -> Self {
        Self {
            streaming_out: std::io::stdout().is_terminal(),
            timings,
            state: Mutex::new(PrinterState::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PrinterState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn answer_started(&self) {
        let mut state = self.state();
        state.stopped_at = Some(Instant::now());
        state.tail_transcription = None;
        state.first_token = None;
    }

    fn take_stopped(&self, at: Instant, tail_transcription: Duration) {
        let mut state = self.state();
        state.stopped_at = Some(at);
        state.tail_transcription = Some(tail_transcription);
        state.first_token = None;
    }

    fn paused_by_crisis(&self) -> bool {
        self.state().crisis
    }

    fn take_check_in(&self) -> bool {
        std::mem::take(&mut self.state().check_in)
    }

    fn event(&self, event: SessionEvent) {
        let mut state = self.state();
        let mut out = std::io::stdout().lock();
        let _ = match event {
            SessionEvent::FirstRunNote(note) => writeln!(out, "{note}\n"),
            SessionEvent::Started { question, .. } => writeln!(out, "{question}"),
            SessionEvent::TranscriptReady { text } => writeln!(out, "\nYou:\n{text}\n"),
            SessionEvent::QuestionAttempt(_) => {
                if self.streaming_out && !state.streamed.is_empty() {
                    erase(&mut out, &state.streamed);
                }
                state.streamed.clear();
                Ok(())
            }
            SessionEvent::QuestionToken(token) => {
                if state.first_token.is_none() {
                    state.first_token = state.stopped_at.map(|t| t.elapsed());
                }
                state.streamed.push_str(&token);
                if self.streaming_out {
                    let _ = write!(out, "{token}");
                }
                out.flush()
            }
            SessionEvent::QuestionFinal { text, source } => {
                let shown = std::mem::take(&mut state.streamed);
                if self.streaming_out && !shown.is_empty() {
                    // Replace the provisional text with the guarded question.
                    if shown.trim() != text {
                        erase(&mut out, &shown);
                        let _ = writeln!(out, "{text}");
                    } else {
                        let _ = writeln!(out);
                    }
                } else {
                    let _ = writeln!(out, "{text}");
                }
                if self.timings
                    && let Some(stopped) = state.stopped_at
                {
                    let ms =
                        |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{} ms", d.as_millis()));
                    let _ = writeln!(
                        out,
                        "[timings] transcription tail {} · first question token {} · final question {} ({source})",
                        ms(state.tail_transcription),
                        ms(state.first_token),
                        ms(Some(stopped.elapsed())),
                    );
                }
                Ok(())
            }
            SessionEvent::Crisis {
                message, resources, ..
            } => {
                state.crisis = true;
                writeln!(out, "\n{message}\n\n{resources}")
            }
            SessionEvent::ResourcesNote(note) | SessionEvent::Nudge(note) => writeln!(out, "\n{note}\n"),
            SessionEvent::SummaryUpdated(_) => Ok(()),
            SessionEvent::Ended { footer } => writeln!(out, "\n{footer}"),
            SessionEvent::CheckInDue(_) => {
                state.check_in = true;
                Ok(())
            }
        };
    }
}

/// Erases provisional text already on the terminal (it may span several lines), leaving the cursor where it
/// began.
fn erase(out: &mut impl Write, shown: &str) {
    let width = crossterm::terminal::size().map_or(80, |(w, _)| usize::from(w.max(1)));
    let rows: usize = shown
        .split('\n')
        .map(|line| line.chars().count().max(1).div_ceil(width))
        .sum();
    if rows > 1 {
        let _ = write!(out, "\x1b[{}A", rows - 1);
    }
    let _ = write!(out, "\r\x1b[J");
}
