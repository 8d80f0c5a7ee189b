//! The session service: one journaling session from the opening question to the closing summary. The CLI, the web
//! server and the desktop app all drive a session through this type and listen to its [`SessionEvent`]s.
//!
//! Per answer: the answer is saved first (the person's words are on disk before anything else happens), then
//! screened for crisis language (a crisis stops the dialogue: no reflective question, the help lines instead; a
//! concern asks the fixed safety check-in from `data/care.toml` with the help lines, and a "no" to it is a
//! crisis), then the next question is generated, streamed, guarded and announced. Summaries are regenerated in the
//! background after a pause, and once more at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use soundmind_core::dialogue::{BREAK_NUDGE_AFTER, QuestionBank};
use soundmind_core::safeguarding::care::CHECK_IN_QUESTION;
use soundmind_core::safeguarding::screening::semantic::{self, SemanticProbe};
use soundmind_core::safeguarding::{
    CareWording, CheckIn, CrisisDirectory, CrisisKind, Screening, check_in_answer_is_unsafe, check_in_due,
    concern_message, first_run_note, mention_note, screen, worse_message,
};
use soundmind_core::session::Answer;
use soundmind_core::transcript::{Formatting, format_transcript};
use soundmind_core::{AudioFile, NewSession, SessionId};
use soundmind_engine::{CancelToken, ChatMessage, ChatModel, Embedder};
use soundmind_store::{Journal, StoreError, fields};

use crate::prompts::Prompts;
use crate::questions::{
    HistoryItem, PromptExchange, QuestionContext, QuestionError, QuestionProgress, next_question,
    question_messages,
};
use crate::summaries::{self, HISTORY_TOKEN_BUDGET};
use crate::take::RecordedTake;

/// How long after the last answer the summary is regenerated (HSJ did it after every answer).
pub const SUMMARY_DEBOUNCE: Duration = Duration::from_secs(20);

/// What a session tells its front end, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// The session exists on disk; ask `question` first.
    Started {
        /// The session id.
        id: String,
        /// The opening question.
        question: String,
    },
    /// An answer is saved in the session file.
    TranscriptReady {
        /// The answer as saved.
        text: String,
    },
    /// A question generation attempt starts (2 = the corrective retry): clear provisional text.
    QuestionAttempt(u32),
    /// Provisional text of the question as the model writes it.
    QuestionToken(String),
    /// The question to ask next; it passed the guard (or is the fixed safety check-in).
    QuestionFinal {
        /// The question.
        text: String,
        /// `model`, `retry`, `bank` or `safety` (the check-in after a concern).
        source: &'static str,
    },
    /// Crisis language: no question follows. Show `message` and `resources`, and offer to end the session.
    Crisis {
        /// What was recognised (content-free).
        kind: CrisisKind,
        /// A calm, fixed message.
        message: String,
        /// Help lines for the user's country, from the data file.
        resources: String,
    },
    /// A crisis topic without present risk (a negation, someone else's words): a gentle resources line; the
    /// session goes on.
    ResourcesNote(String),
    /// The session has run past the break point.
    Nudge(String),
    /// The summary in the session file changed.
    SummaryUpdated(String),
    /// The session ended; show `footer` (where help is).
    Ended {
        /// The resources footer.
        footer: String,
    },
    /// Shown once per journal, before the first question: what Soundmind is and is not, with the key numbers.
    FirstRunNote(String),
    /// After `Ended`, every few sessions: ask this with the [`CheckIn`] answers, then call
    /// [`SessionService::record_check_in`].
    CheckInDue(String),
}

/// What became of a recorded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeOutcome {
    /// Transcribed and saved; `next` is the next question (`None` after crisis language).
    Answered {
        /// The transcript as saved (one sentence per line).
        transcript: String,
        /// The next question.
        next: Option<String>,
    },
    /// Transcription failed: the audio is kept and marked pending, and the same question stands.
    Pending {
        /// The audio file name.
        segment: String,
        /// Why transcription failed.
        error: String,
    },
    /// The audio had no words in it: it is kept (with its empty transcript), and the same question stands.
    NothingHeard,
}

/// Where events go. Called from the caller's thread and from the background summary thread.
pub type EventSink = Arc<dyn Fn(SessionEvent) + Send + Sync>;

/// Why a session call failed. Engine failures are not here: they end in a bank question.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The session file could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A prompt template failed, or the caller cancelled.
    #[error(transparent)]
    Question(#[from] QuestionError),
    /// The session was stopped by a crisis; only `end` is possible.
    #[error("the session is paused for safety; end it, or start a new one when you are ready")]
    Paused,
}

/// Everything sessions share: the journal, the chat model, prompts, the bank, crisis lines and settings.
pub struct SessionService {
    journal: Journal,
    /// The model that asks the questions and writes summaries.
    pub chat: Arc<dyn ChatModel>,
    /// The prompt templates.
    pub prompts: Arc<Prompts>,
    /// The curated questions.
    pub bank: QuestionBank,
    /// The help lines.
    pub crisis: &'static CrisisDirectory,
    /// The user's country code for help lines.
    pub country: Option<String>,
    /// The session language.
    pub language: String,
    /// How long after the last answer the summary is regenerated.
    pub summary_debounce: Duration,
    /// Values for a new session's frontmatter (model names, app version).
    pub new_session: NewSession,
    /// The model of the crisis screen's semantic layer (the one `data/screening-probe.toml` was trained on);
    /// `None` when it is not installed, and then only the phrase and concept layers screen.
    pub semantic: Option<Arc<dyn Embedder>>,
}

impl std::fmt::Debug for SessionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionService")
            .field("journal", &self.journal.root())
            .field("chat", &self.chat.model())
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// A session in progress.
pub struct ActiveSession {
    service: Arc<SessionService>,
    id: SessionId,
    started: Instant,
    /// Time already spent in the session before this process picked it up (resume).
    earlier: Duration,
    question: String,
    exchanges: Vec<PromptExchange>,
    history: Vec<HistoryItem>,
    nudged: bool,
    paused_by_crisis: bool,
    /// The question waiting for an answer is the safety check-in, asked for a concern of this kind.
    safety_check: Option<CrisisKind>,
    events: EventSink,
    summaries: Summariser,
    /// The last question prompt, to warm the local model's cache again after a summary used it.
    last_prompt: Vec<ChatMessage>,
}

impl std::fmt::Debug for ActiveSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveSession")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SessionService {
    /// A service over the journal folder `sessions_dir` with the built-in prompts, question bank and help lines,
    /// English, no country, and the default summary debounce. Adjust the public fields before sharing it.
    pub fn new(sessions_dir: impl Into<std::path::PathBuf>, chat: Arc<dyn ChatModel>) -> Self {
        let new_session = NewSession {
            created_at: String::new(),
            recent_summary_refs: Vec::new(),
            model_llm: chat.model(),
            model_stt: String::new(),
            stt_backend: String::new(),
            stt_formatting: "sentences".into(),
            app_version: concat!("soundmind ", env!("CARGO_PKG_VERSION")).into(),
        };
        Self {
            journal: Journal::open(sessions_dir),
            chat,
            prompts: Arc::new(Prompts::builtin()),
            bank: QuestionBank::builtin().clone(),
            crisis: CrisisDirectory::builtin(),
            country: None,
            language: "en".into(),
            summary_debounce: SUMMARY_DEBOUNCE,
            new_session,
            semantic: None,
        }
    }

    /// The service the configuration describes, as every front end builds it: the user's prompt overrides
    /// (`prompts/`) and question bank next to the config file, the language, country and transcript formatting,
    /// and the transcriber's name in new sessions' frontmatter. Also returns warnings about overrides that were
    /// refused (the built-ins are used instead), for the front end to show.
    pub fn configured(
        config: &crate::config::Config,
        chat: Arc<dyn ChatModel>,
        transcription: Option<&crate::take::TakeTranscription>,
    ) -> (Self, Vec<String>) {
        let config_dir = crate::config::default_config_file().and_then(|f| f.parent().map(Path::to_path_buf));
        let prompts = Prompts::load(config_dir.as_ref().map(|d| d.join("prompts")).as_deref());
        let mut warnings: Vec<String> = prompts.warnings().iter().map(ToString::to_string).collect();
        let bank_file = config_dir.map(|d| d.join(crate::questions::BANK_OVERRIDE_FILE));
        let (bank, bank_warning) = crate::questions::load_bank(bank_file.as_deref());
        warnings.extend(bank_warning);
        let mut service = Self::new(config.sessions_dir.value.clone(), chat);
        service.prompts = Arc::new(prompts);
        service.bank = bank;
        service.language = config.language.value.clone();
        service.country = config.country.value.clone();
        service.new_session.stt_formatting = config.stt_formatting.value.clone();
        if let Some(t) = transcription {
            service.new_session.model_stt = t.engine.model();
            service.new_session.stt_backend = t.engine.name().to_string();
        }
        (service, warnings)
    }

    /// The journal folder.
    pub fn sessions_dir(&self) -> &std::path::Path {
        self.journal.root()
    }

    /// Starts a new session: creates its file, and announces the opening question.
    pub fn start(self: &Arc<Self>, events: EventSink) -> Result<ActiveSession, SessionError> {
        let history = self.history(None)?;
        let mut new = self.new_session.clone();
        let now = chrono::Local::now().naive_local();
        new.created_at = now.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        new.recent_summary_refs = history.iter().map(|h| format!("{}.md", h.id)).collect();
        let (id, _) = self.journal.create(now, &new)?;
        if self.journal.read_state(FIRST_RUN_STATE)?.is_none() {
            events(SessionEvent::FirstRunNote(first_run_note(
                self.crisis,
                self.country(),
            )));
            self.journal.write_state(FIRST_RUN_STATE, &new.created_at)?;
        }
        let question = self.bank.opening().to_string();
        self.log("session.started", &id, fields! {});
        events(SessionEvent::Started {
            id: id.to_string(),
            question: question.clone(),
        });
        Ok(self.active(id, question, Vec::new(), history, Duration::ZERO, events))
    }

    /// Picks up an existing session where it stopped: its exchanges are the context, and a question continues it.
    pub fn resume(
        self: &Arc<Self>,
        id: &SessionId,
        events: EventSink,
        cancel: &CancelToken,
    ) -> Result<ActiveSession, SessionError> {
        let doc = self.journal.load(id)?;
        let exchanges = prompt_exchanges(&doc.exchanges());
        // The recorded audio is the best record of time already spent (typed answers add none).
        let earlier = Duration::from_secs_f64(doc.frontmatter.duration_seconds().max(0.0));
        let history = self.history(Some(id))?;
        let mut session = self.active(id.clone(), String::new(), exchanges, history, earlier, events);
        session.question = if session.exchanges.is_empty() {
            self.bank.opening().to_string()
        } else {
            session.ask(cancel)?
        };
        (session.events)(SessionEvent::Started {
            id: id.to_string(),
            question: session.question.clone(),
        });
        Ok(session)
    }

    fn active(
        self: &Arc<Self>,
        id: SessionId,
        question: String,
        exchanges: Vec<PromptExchange>,
        history: Vec<HistoryItem>,
        earlier: Duration,
        events: EventSink,
    ) -> ActiveSession {
        let summaries = Summariser::start(Arc::clone(self), id.clone(), Arc::clone(&events));
        ActiveSession {
            service: Arc::clone(self),
            id,
            started: Instant::now(),
            earlier,
            question,
            exchanges,
            history,
            nudged: false,
            paused_by_crisis: false,
            safety_check: None,
            events,
            summaries,
            last_prompt: Vec::new(),
        }
    }

    /// The summaries of the newest other sessions that fit the history budget.
    fn history(&self, except: Option<&SessionId>) -> Result<Vec<HistoryItem>, SessionError> {
        let mut entries = self.journal.list()?;
        entries.retain(|e| Some(&e.id) != except);
        entries.sort_by(|a, b| b.id.cmp(&a.id));
        let newest_first: Vec<(String, String)> = entries
            .iter()
            .filter_map(|e| {
                let doc = e.doc.as_ref().ok()?;
                Some((e.id.to_string(), doc.frontmatter.summary().to_string()))
            })
            .collect();
        let chat = &self.chat;
        let count = |text: &str| {
            chat.count_tokens(text)
                .unwrap_or_else(|| summaries::estimate_tokens(text))
        };
        Ok(summaries::recent_history(
            &newest_first,
            HISTORY_TOKEN_BUDGET,
            &count,
        ))
    }

    fn log(&self, event: &str, id: &SessionId, mut fields: serde_json::Map<String, serde_json::Value>) {
        fields.insert("session_id".into(), id.to_string().into());
        // The log is a diagnostic aid; failing to write it must not stop a session.
        let _ = self.journal.events().append(event, fields);
    }

    /// The semantic layer on an answer the other layers let through: it may raise a concern, never lower
    /// anything. If its model fails, the answer keeps the other layers' finding and the log says so.
    fn semantic_screen(&self, text: &str, id: &SessionId, cancel: &CancelToken) -> Screening {
        let Some(embedder) = &self.semantic else {
            return Screening::Clear;
        };
        let pieces = semantic::pieces(text);
        if pieces.is_empty() {
            return Screening::Clear;
        }
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        match embedder.embed(&refs, cancel) {
            Ok(vectors) => SemanticProbe::builtin().judge(&vectors),
            Err(e) => {
                self.log("semantic_screen_failed", id, fields! {"error" => e.kind()});
                Screening::Clear
            }
        }
    }

    fn country(&self) -> Option<&soundmind_core::safeguarding::Country> {
        self.country.as_deref().and_then(|c| self.crisis.lookup(c).ok())
    }

    fn resources(&self) -> String {
        self.crisis.render_plain(self.country())
    }

    /// Records the answer to "is this helping?" (metadata only) and starts counting sessions afresh. Returns what
    /// to show for "making things worse": a gentle suggestion and the help lines.
    pub fn record_check_in(&self, answer: CheckIn) -> Result<Option<String>, SessionError> {
        let newest = self.journal.ids()?.into_iter().max();
        if let Some(newest) = newest {
            self.journal.write_state(CHECK_IN_STATE, newest.as_str())?;
        }
        let _ = self
            .journal
            .events()
            .append("wellbeing.check_in", fields! {"rating" => answer.as_str()});
        Ok((answer == CheckIn::Worse).then(|| worse_message(self.crisis, self.country())))
    }

    /// Whether enough sessions have passed since the last check-in (all sessions count when there was none).
    fn check_in_is_due(&self) -> Result<bool, SessionError> {
        let last = self.journal.read_state(CHECK_IN_STATE)?;
        let last = last.as_deref().map(str::trim);
        let since = self
            .journal
            .ids()?
            .iter()
            .filter(|id| last.is_none_or(|last| id.as_str() > last))
            .count();
        Ok(check_in_due(since))
    }
}

impl ActiveSession {
    /// The session's id.
    pub fn id(&self) -> &SessionId {
        &self.id
    }

    /// The question waiting for an answer.
    pub fn question(&self) -> &str {
        &self.question
    }

    /// Time in this session, earlier sittings included.
    pub fn elapsed(&self) -> Duration {
        self.earlier + self.started.elapsed()
    }

    /// Saves `answer` under the current question, with `audio` (the recorded take it was transcribed from, already
    /// in the session folder) in the frontmatter's `audio_file` list; then finds the next question (announced as
    /// events and returned). Returns `Ok(None)` when crisis language stopped the dialogue.
    pub fn submit_answer(
        &mut self,
        answer: &str,
        audio: Option<AudioFile>,
        cancel: &CancelToken,
    ) -> Result<Option<String>, SessionError> {
        if self.paused_by_crisis {
            return Err(SessionError::Paused);
        }
        let text = answer.trim().to_string();
        let question = self.question.clone();
        self.service.journal.update(&self.id, |doc| {
            doc.append_exchange(&question, &text);
            if let Some(audio) = audio {
                doc.frontmatter.upsert_audio_file(audio);
            }
        })?;
        self.respond(text, cancel)
    }

    /// After an answer is on disk: screen it, then find the next question.
    fn respond(&mut self, text: String, cancel: &CancelToken) -> Result<Option<String>, SessionError> {
        let question = self.question.clone();
        self.service.log(
            "session.exchange.recorded",
            &self.id,
            fields! {"chars" => text.chars().count()},
        );
        (self.events)(SessionEvent::TranscriptReady { text: text.clone() });
        self.exchanges.push(PromptExchange {
            question,
            answer: text.clone(),
        });

        let mut finding = screen(&text);
        if !finding.stops_reflection() {
            finding = finding.stronger(self.service.semantic_screen(&text, &self.id, cancel));
        }
        // The answer to "are you safe right now?": a no, or not sure, is a crisis.
        if let Some(kind) = self.safety_check.take()
            && !finding.is_crisis()
            && check_in_answer_is_unsafe(&text)
        {
            finding = Screening::Crisis(kind);
        }
        let care = CareWording::builtin();
        match finding {
            Screening::Crisis(kind) => {
                self.paused_by_crisis = true;
                self.service
                    .log("crisis_flagged", &self.id, fields! {"kind" => kind.as_str()});
                (self.events)(SessionEvent::Crisis {
                    kind,
                    message: care.crisis.message.clone(),
                    resources: self.service.resources(),
                });
                return Ok(None);
            }
            Screening::Concern(kind) => {
                // No model's question: the fixed check-in, with the help lines in view.
                self.service
                    .log("safety_check_asked", &self.id, fields! {"kind" => kind.as_str()});
                (self.events)(SessionEvent::ResourcesNote(concern_message(
                    self.service.crisis,
                    self.service.country(),
                )));
                self.safety_check = Some(kind);
                self.question = care.concern.check_in.clone();
                (self.events)(SessionEvent::QuestionFinal {
                    text: self.question.clone(),
                    source: "safety",
                });
                return Ok(Some(self.question.clone()));
            }
            Screening::Mention => (self.events)(SessionEvent::ResourcesNote(mention_note(
                self.service.crisis,
                self.service.country(),
            ))),
            Screening::Clear => {}
        }
        if !self.nudged && self.elapsed() >= BREAK_NUDGE_AFTER {
            self.nudged = true;
            (self.events)(SessionEvent::Nudge(NUDGE.to_string()));
        }
        self.question = self.ask(cancel)?;
        self.summaries
            .schedule(self.exchanges.clone(), self.last_prompt.clone());
        Ok(Some(self.question.clone()))
    }

    /// Announces a recorded answer before any audio exists, and returns the file to record it into
    /// (`<id>/<id>_NN.wav`). The question and a pending placeholder go into the session file, with the audio
    /// marked pending, so that a crash at any moment leaves an exchange that `fix stt` completes.
    pub fn begin_take(&mut self) -> Result<PathBuf, SessionError> {
        if self.paused_by_crisis {
            return Err(SessionError::Paused);
        }
        let path = self.service.journal.next_segment_path(&self.id)?;
        let segment = file_name(&path);
        let question = self.question.clone();
        self.service.journal.update(&self.id, |doc| {
            doc.append_pending_exchange(&question, &segment);
            doc.frontmatter.upsert_audio_file(AudioFile::pending(
                &segment,
                None,
                0.0,
                0.0,
                "recording",
                "cli",
            ));
        })?;
        Ok(path)
    }

    /// Takes back an announced answer that was cancelled or discarded (its audio is already deleted).
    pub fn withdraw_take(&mut self, path: &Path) -> Result<(), SessionError> {
        let segment = file_name(path);
        self.service.journal.update(&self.id, |doc| {
            doc.remove_pending_exchanges(&segment);
            let files = doc.frontmatter.audio_files().unwrap_or_default();
            let kept: Vec<AudioFile> = files
                .into_iter()
                .filter(|f| f.wav() != Some(segment.as_str()))
                .collect();
            doc.frontmatter.set_audio_files(&kept);
        })?;
        Ok(())
    }

    /// Saves an announced answer ([`ActiveSession::begin_take`]): with its transcript (the sidecar first, then the
    /// placeholder replaced), then the next question; or, when transcription failed, the placeholder stays, the
    /// audio is marked pending for `fix stt`, and the same question stands.
    pub fn submit_take(
        &mut self,
        take: &RecordedTake,
        cancel: &CancelToken,
    ) -> Result<TakeOutcome, SessionError> {
        if self.paused_by_crisis {
            return Err(SessionError::Paused);
        }
        let segment = file_name(&take.path);
        let transcript = match &take.transcript {
            Ok(transcript) => transcript,
            Err(error) => {
                let audio = AudioFile::pending(
                    &segment,
                    None,
                    take.seconds,
                    take.voiced_seconds,
                    error.kind(),
                    "cli",
                );
                self.service
                    .journal
                    .update(&self.id, |doc| doc.frontmatter.upsert_audio_file(audio))?;
                self.service
                    .journal
                    .write_stt_error(&self.id, &segment, error.kind(), &error.to_string())?;
                self.service.log(
                    "session.exchange.pending",
                    &self.id,
                    fields! {"segment" => segment.clone(), "reason" => error.kind()},
                );
                return Ok(TakeOutcome::Pending {
                    segment,
                    error: error.to_string(),
                });
            }
        };
        self.service
            .journal
            .write_stt_sidecar(&self.id, &segment, &transcript.raw)?;
        let formatting = Formatting::parse(&self.service.new_session.stt_formatting).unwrap_or_default();
        let text = format_transcript(&transcript.text, formatting);
        let audio = AudioFile::recorded(&segment, None, take.seconds);
        let heard = !text.is_empty();
        self.service.journal.update(&self.id, |doc| {
            if heard {
                doc.replace_pending(&segment, &text);
            } else {
                doc.remove_pending_exchanges(&segment);
            }
            doc.frontmatter.upsert_audio_file(audio);
        })?;
        if !heard {
            self.service.log(
                "session.exchange.empty",
                &self.id,
                fields! {"seconds" => take.seconds},
            );
            return Ok(TakeOutcome::NothingHeard);
        }
        let next = self.respond(text.clone(), cancel)?;
        Ok(TakeOutcome::Answered {
            transcript: text,
            next,
        })
    }

    fn ask(&mut self, cancel: &CancelToken) -> Result<String, SessionError> {
        let service = Arc::clone(&self.service);
        let ctx = QuestionContext {
            exchanges: &self.exchanges,
            history: &self.history,
            elapsed: self.elapsed(),
            language: &service.language,
            pick: self.started.elapsed().as_nanos() as u64 ^ self.exchanges.len() as u64,
        };
        let events = Arc::clone(&self.events);
        let question = next_question(
            service.chat.as_ref(),
            &service.prompts,
            &service.bank,
            &ctx,
            &mut |progress| match progress {
                QuestionProgress::Attempt(n) => events(SessionEvent::QuestionAttempt(n)),
                QuestionProgress::Token(t) => events(SessionEvent::QuestionToken(t)),
            },
            cancel,
        )?;
        // The next question's prompt starts the same way (instructions, history, this session so far).
        self.last_prompt = question_messages(&service.prompts, &service.bank, &ctx).unwrap_or_default();
        let mut fields = fields! {
            "source" => question.source.as_str(),
            "refused" => question.refused.len(),
        };
        if let Some(err) = &question.engine_error {
            fields.insert("llm_error".into(), err.kind().into());
        }
        service.log("question.ready", &self.id, fields);
        (self.events)(SessionEvent::QuestionFinal {
            text: question.text.clone(),
            source: question.source.as_str(),
        });
        Ok(question.text)
    }

    /// Ends the session: the summary is written now (waiting for a pending background one), then the footer.
    pub fn end(self, cancel: &CancelToken) -> Result<(), SessionError> {
        self.summaries.finish(self.exchanges.clone(), cancel);
        self.service.log(
            "session.ended",
            &self.id,
            fields! {"exchanges" => self.exchanges.len()},
        );
        (self.events)(SessionEvent::Ended {
            footer: format!("{FOOTER}\n{}", self.service.resources()),
        });
        if !self.exchanges.is_empty() && self.service.check_in_is_due()? {
            (self.events)(SessionEvent::CheckInDue(CHECK_IN_QUESTION.to_string()));
        }
        Ok(())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The answers of a loaded session, as prompts show them (pending audio is shown as empty).
fn prompt_exchanges(exchanges: &[soundmind_core::session::Exchange]) -> Vec<PromptExchange> {
    exchanges
        .iter()
        .map(|e| PromptExchange {
            question: e.question.clone(),
            answer: match &e.answer {
                Answer::Text(text) => text.clone(),
                Answer::Pending { .. } => String::new(),
            },
        })
        .collect()
}

const NUDGE: &str = "You have been reflecting for about 20 minutes. This might be a good moment for a break, or to \
     close with what you want to take with you.";
/// State files in the journal's `.soundmind/` folder.
const FIRST_RUN_STATE: &str = "first-run-note-shown";
const CHECK_IN_STATE: &str = "last-check-in";
const FOOTER: &str = "Thank you for taking this time. If you need someone to talk to:";

/// Regenerates the summary on its own thread, after a pause in the conversation, and once more at the end.
struct Summariser {
    tx: Option<Sender<SummaryJob>>,
    thread: Option<JoinHandle<()>>,
}

enum SummaryJob {
    /// Summarise these exchanges after the pause, then warm the model with this question prompt.
    Schedule(Vec<PromptExchange>, Vec<ChatMessage>),
    Finish(Vec<PromptExchange>, CancelToken, Sender<()>),
}

impl Summariser {
    fn start(service: Arc<SessionService>, id: SessionId, events: EventSink) -> Self {
        let (tx, rx) = mpsc::channel::<SummaryJob>();
        let thread = std::thread::Builder::new()
            .name("summary".into())
            .spawn(move || {
                let mut pending: Option<(Vec<PromptExchange>, Vec<ChatMessage>)> = None;
                loop {
                    let job = match &pending {
                        Some(_) => match rx.recv_timeout(service.summary_debounce) {
                            Ok(job) => job,
                            Err(RecvTimeoutError::Timeout) => {
                                if let Some((exchanges, prompt)) = pending.take() {
                                    write_summary(&service, &id, &exchanges, &events, &CancelToken::new());
                                    // The summary displaced the question prompt from a local model's cache:
                                    // bring it back now, not when the person stops speaking.
                                    service.chat.warm(&prompt);
                                }
                                continue;
                            }
                            Err(RecvTimeoutError::Disconnected) => break,
                        },
                        None => match rx.recv() {
                            Ok(job) => job,
                            Err(_) => break,
                        },
                    };
                    match job {
                        SummaryJob::Schedule(exchanges, prompt) => pending = Some((exchanges, prompt)),
                        SummaryJob::Finish(exchanges, cancel, done) => {
                            write_summary(&service, &id, &exchanges, &events, &cancel);
                            let _ = done.send(());
                            break;
                        }
                    }
                }
            })
            .ok();
        Self {
            tx: thread.as_ref().map(|_| tx),
            thread,
        }
    }

    fn schedule(&self, exchanges: Vec<PromptExchange>, prompt: Vec<ChatMessage>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(SummaryJob::Schedule(exchanges, prompt));
        }
    }

    fn finish(mut self, exchanges: Vec<PromptExchange>, cancel: &CancelToken) {
        let (done, wait) = mpsc::channel();
        if let Some(tx) = self.tx.take()
            && tx
                .send(SummaryJob::Finish(exchanges, cancel.clone(), done))
                .is_ok()
        {
            let _ = wait.recv();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Summariser {
    fn drop(&mut self) {
        // Dropped without `finish` (the front end went away): close the channel; the thread ends after any write.
        self.tx.take();
    }
}

/// Writes a fresh summary into the session's frontmatter; a failure leaves the old summary (logged, not fatal).
fn write_summary(
    service: &SessionService,
    id: &SessionId,
    exchanges: &[PromptExchange],
    events: &EventSink,
    cancel: &CancelToken,
) {
    match summaries::summarise(
        service.chat.as_ref(),
        &service.prompts,
        exchanges,
        &service.language,
        cancel,
    ) {
        Ok(summary) => {
            let written = service
                .journal
                .update(id, |doc| doc.frontmatter.set_summary(&summary));
            match written {
                Ok(()) => {
                    service.log(
                        "summary.updated",
                        id,
                        fields! {"chars" => summary.chars().count()},
                    );
                    events(SessionEvent::SummaryUpdated(summary));
                }
                Err(e) => service.log("summary.failed", id, fields! {"error" => e.to_string()}),
            }
        }
        Err(e) => service.log("summary.failed", id, fields! {"reason" => error_kind(&e)}),
    }
}

fn error_kind(e: &summaries::SummaryError) -> &'static str {
    match e {
        summaries::SummaryError::NothingToSummarise => "NothingToSummarise",
        summaries::SummaryError::Empty => "Empty",
        summaries::SummaryError::Engine(err) => err.kind(),
        summaries::SummaryError::Template(_) => "Template",
    }
}
