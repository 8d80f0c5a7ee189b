//! One recorded answer (a take): audio goes to its segment file as it arrives, and is transcribed while the person
//! is still speaking, so that after "stop" only the last stretch is left to transcribe.
//!
//! Each stretch of speech that ends at a pause (and is long enough to be worth a call) goes to the transcriber on
//! a background thread; the pieces are joined in order when the take ends. The segment file is the durable copy:
//! [`SegmentWriter`] syncs it about once a second and a crash leaves a `.recording` marker for repair.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use soundmind_audio::{SourceEvent, Stream, level, vad};
use soundmind_engine::{CancelToken, EngineError, SAMPLE_RATE, SttOptions, Transcriber, Transcript};
use soundmind_store::StoreError;
use soundmind_store::segment::SegmentWriter;

use crate::stt;

/// HSJ's short-take rule: a take this short …
pub const SHORT_TAKE_SECONDS: f64 = 1.2;
/// … with at most this much voiced time (at −40 dBFS) is discarded.
pub const SHORT_TAKE_VOICED_SECONDS: f64 = 0.6;
/// A take ended with "quit" (q) no longer than this is discarded, and the session ends.
pub const QUIT_DISCARD_SECONDS: f64 = 5.0;

/// A stretch of speech is sent for transcription once it is at least this long …
const MIN_CHUNK_SECONDS: f64 = 3.0;
/// … and followed by this much non-speech (a breath between phrases) …
const PAUSE_SECONDS: f64 = 0.3;
/// … or, without such a pause, once it is this long (cut at its quietest moment).
const MAX_CHUNK_SECONDS: f64 = 12.0;

/// What the person does during a take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeControl {
    /// Stop and keep the answer.
    Stop,
    /// Pause or resume: paused audio is not written (as HSJ).
    TogglePause,
    /// Throw this take away; the same question is asked again.
    Cancel,
    /// Keep this answer (unless it is very short), then end the session.
    StopAndEnd,
}

/// What a take's meter shows, several times a second.
#[derive(Debug, Clone, PartialEq)]
pub struct TakeLevel {
    /// Seconds recorded so far.
    pub seconds: f64,
    /// The level of the latest audio, in dBFS.
    pub dbfs: f32,
    /// Whether the take is paused.
    pub paused: bool,
    /// The words of pieces transcribed since the last call (streaming transcription), to show while the person
    /// is still speaking. Provisional: the saved answer is the whole take's transcript.
    pub heard: Option<String>,
}

/// How a take ended.
#[derive(Debug)]
pub enum TakeEnd {
    /// The answer was kept: its audio is durable; the transcript (or why it failed) is in `transcript`.
    Kept(RecordedTake),
    /// The take was too short or silent, and was deleted.
    Discarded {
        /// The take's length.
        seconds: f64,
        /// Whether the person asked to end the session with it.
        end_session: bool,
    },
    /// The person cancelled; the take was deleted.
    Cancelled,
}

/// A kept take.
#[derive(Debug)]
pub struct RecordedTake {
    /// The segment file.
    pub path: PathBuf,
    /// Its length.
    pub seconds: f64,
    /// Voiced seconds at −40 dBFS.
    pub voiced_seconds: f64,
    /// The transcript, or why it failed (the audio stays either way).
    pub transcript: Result<Transcript, EngineError>,
    /// Whether the person asked to end the session after this answer.
    pub end_session: bool,
    /// Whether the source stopped on its own error (a microphone unplugged): what came before is kept.
    pub source_error: Option<String>,
    /// When the take stopped (the latency of what follows is measured from here).
    pub stopped_at: Instant,
    /// Time from stop until the transcript was complete.
    pub tail_transcription: Duration,
}

/// Why a take could not be recorded (or finished).
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    /// The segment file could not be created or finished.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing stopped part-way (a full disk): what reached the disk stays, marked for `fix stt`.
    #[error(
        "the recording stopped after {seconds:.1} s; what was recorded is kept in {path}, and once there is \
         space again `soundmind fix stt` transcribes it",
        path = .path.display()
    )]
    WriteStopped {
        /// The write error.
        source: StoreError,
        /// The segment that holds what was recorded.
        path: PathBuf,
        /// Seconds on disk.
        seconds: f64,
    },
}

/// How a take is transcribed.
#[derive(Clone)]
pub struct TakeTranscription {
    /// The engine.
    pub engine: Arc<dyn Transcriber>,
    /// Language and decoding options.
    pub options: SttOptions,
    /// Transcribe while recording (the default); off, the whole take is transcribed after stop.
    pub streaming: bool,
}

impl std::fmt::Debug for TakeTranscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TakeTranscription")
            .field("engine", &self.engine.model())
            .field("streaming", &self.streaming)
            .finish_non_exhaustive()
    }
}

/// Records one take from `stream` into the new segment file `path`, until the source ends or a control says
/// stop. `on_level` is called for every chunk of audio.
pub fn record_take(
    mut stream: Stream,
    path: &Path,
    transcription: &TakeTranscription,
    controls: &Receiver<TakeControl>,
    on_level: &mut dyn FnMut(TakeLevel),
) -> Result<TakeEnd, TakeError> {
    let mut writer = SegmentWriter::create(path)?;
    let mut samples: Vec<f32> = Vec::new();
    let mut chunker = Chunker::new(transcription.clone());
    let mut paused = false;
    let mut source_error = None;
    let mut write_error = None;
    let mut end_session = false;
    loop {
        let mut stop = false;
        for control in controls.try_iter() {
            match control {
                TakeControl::Stop => stop = true,
                TakeControl::StopAndEnd => {
                    stop = true;
                    end_session = true;
                }
                TakeControl::TogglePause => paused = !paused,
                TakeControl::Cancel => {
                    stream.stop();
                    chunker.abandon();
                    writer.discard()?;
                    return Ok(TakeEnd::Cancelled);
                }
            }
        }
        if stop {
            break;
        }
        match stream.events.recv_timeout(Duration::from_millis(50)) {
            Ok(SourceEvent::Audio(chunk)) if !paused => {
                // On disk first; a write error (disk full) ends the take with what is already there.
                if let Err(e) = writer.append(&chunk) {
                    write_error = Some(e);
                    break;
                }
                samples.extend_from_slice(&chunk);
                chunker.after_append(&samples);
                on_level(TakeLevel {
                    seconds: samples.len() as f64 / f64::from(SAMPLE_RATE),
                    dbfs: level::rms_dbfs(&chunk),
                    paused,
                    heard: chunker.heard(),
                });
            }
            Ok(SourceEvent::Audio(_)) => on_level(TakeLevel {
                seconds: samples.len() as f64 / f64::from(SAMPLE_RATE),
                dbfs: f32::NEG_INFINITY,
                paused,
                heard: chunker.heard(),
            }),
            Ok(SourceEvent::End) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(SourceEvent::Failed(e)) => {
                source_error = Some(e.to_string());
                break;
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
    let stopped_at = Instant::now();
    stream.stop();
    let seconds = samples.len() as f64 / f64::from(SAMPLE_RATE);
    let voiced_seconds = f64::from(level::voiced_seconds(&samples, SAMPLE_RATE));
    if let Some(source) = write_error {
        // Keep what reached the disk: the marker stays, so `fix stt` repairs and transcribes it later.
        chunker.abandon();
        return Err(TakeError::WriteStopped {
            source,
            path: writer.path().to_path_buf(),
            seconds: writer.seconds(),
        });
    }
    let too_short = seconds <= SHORT_TAKE_SECONDS && voiced_seconds <= SHORT_TAKE_VOICED_SECONDS;
    if too_short || (end_session && seconds <= QUIT_DISCARD_SECONDS) {
        chunker.abandon();
        writer.discard()?;
        return Ok(TakeEnd::Discarded { seconds, end_session });
    }
    let path = writer.finish()?;
    let transcript = chunker.finish(&samples);
    Ok(TakeEnd::Kept(RecordedTake {
        path,
        seconds,
        voiced_seconds,
        transcript,
        end_session,
        source_error,
        tail_transcription: stopped_at.elapsed(),
        stopped_at,
    }))
}

/// Cuts the growing take at pauses and transcribes the pieces on a background thread, in order.
struct Chunker {
    transcription: TakeTranscription,
    /// Where the next piece starts, in samples.
    next_start: usize,
    /// Where the last pause check ended, so each check looks at new audio only.
    checked: usize,
    jobs: Option<Sender<(usize, Vec<f32>)>>,
    worker: Option<JoinHandle<Vec<Piece>>>,
    cancel: CancelToken,
    /// Each piece's words as soon as it is transcribed.
    heard: Receiver<String>,
}

struct Piece {
    offset: usize,
    transcript: Result<Transcript, EngineError>,
}

impl Chunker {
    fn new(transcription: TakeTranscription) -> Self {
        let (jobs, rx) = mpsc::channel::<(usize, Vec<f32>)>();
        let (heard_tx, heard) = mpsc::channel();
        let cancel = CancelToken::new();
        let worker = {
            let transcription = transcription.clone();
            let cancel = cancel.clone();
            std::thread::Builder::new()
                .name("take-stt".into())
                .spawn(move || {
                    rx.into_iter()
                        .map(|(offset, audio)| {
                            let transcript = stt::transcribe(
                                transcription.engine.as_ref(),
                                &audio,
                                &transcription.options,
                                &mut |_| {},
                                &cancel,
                            );
                            if let Ok(t) = &transcript
                                && !t.text.trim().is_empty()
                            {
                                let _ = heard_tx.send(t.text.trim().to_string());
                            }
                            Piece { offset, transcript }
                        })
                        .collect()
                })
                .expect("spawn the transcription thread")
        };
        Self {
            transcription,
            next_start: 0,
            checked: 0,
            jobs: Some(jobs),
            worker: Some(worker),
            cancel,
            heard,
        }
    }

    /// Words of pieces transcribed since the last call, if any.
    fn heard(&self) -> Option<String> {
        let words: Vec<String> = self.heard.try_iter().collect();
        (!words.is_empty()).then(|| words.join(" "))
    }

    /// Sends the speech so far when it is long enough and has just ended in a pause, or, in a long stretch without
    /// one, cut at its quietest moment: the shorter the last piece, the shorter the wait after stop.
    fn after_append(&mut self, samples: &[f32]) {
        let rate = f64::from(SAMPLE_RATE);
        let pause = (PAUSE_SECONDS * rate) as usize;
        // Check about every 100 ms of new audio.
        if !self.transcription.streaming || samples.len() < self.checked + (rate as usize) / 10 {
            return;
        }
        self.checked = samples.len();
        let piece_len = samples.len() - self.next_start;
        if (piece_len as f64) < MIN_CHUNK_SECONDS * rate {
            return;
        }
        let tail = &samples[samples.len() - pause..];
        let cut = if !vad::frame_decisions(tail).iter().any(|speech| *speech) {
            samples.len()
        } else if piece_len as f64 >= MAX_CHUNK_SECONDS * rate {
            quietest_point(samples, samples.len() - (2.0 * rate) as usize)
        } else {
            return;
        };
        let piece = samples[self.next_start..cut].to_vec();
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send((self.next_start, piece));
        }
        self.next_start = cut;
    }

    /// Sends the rest and joins every piece's transcript in order.
    fn finish(mut self, samples: &[f32]) -> Result<Transcript, EngineError> {
        if let Some(jobs) = self.jobs.take()
            && self.next_start < samples.len()
        {
            let _ = jobs.send((self.next_start, samples[self.next_start..].to_vec()));
        }
        let pieces = self
            .worker
            .take()
            .expect("finish runs once")
            .join()
            .map_err(|_| EngineError::Internal("the transcription thread panicked".into()))?;
        join_pieces(pieces)
    }

    /// Stops transcribing: the take was thrown away, or its audio is left for `fix stt`.
    fn abandon(&mut self) {
        self.cancel.cancel();
        self.jobs = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Drop for Chunker {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// The start of the quietest 50 ms frame in `samples[from..]`, where a cut is least likely to split a word.
fn quietest_point(samples: &[f32], from: usize) -> usize {
    let frame = SAMPLE_RATE as usize / 20;
    (from..samples.len().saturating_sub(frame))
        .step_by(frame / 2)
        .min_by(|&a, &b| {
            let energy = |i: usize| samples[i..i + frame].iter().map(|s| s * s).sum::<f32>();
            energy(a).total_cmp(&energy(b))
        })
        .unwrap_or(samples.len())
}

/// The pieces as one transcript: texts joined, segment times made relative to the take.
fn join_pieces(pieces: Vec<Piece>) -> Result<Transcript, EngineError> {
    let mut text = Vec::new();
    let mut segments = Vec::new();
    let mut raws = Vec::new();
    let mut language = None;
    for piece in pieces {
        let transcript = piece.transcript?;
        let offset_ms = (piece.offset as u64 * 1000) / u64::from(SAMPLE_RATE);
        if !transcript.text.trim().is_empty() {
            text.push(transcript.text.trim().to_string());
        }
        language = language.or(transcript.language);
        segments.extend(transcript.segments.into_iter().map(|mut s| {
            s.start_ms += offset_ms;
            s.end_ms += offset_ms;
            s
        }));
        raws.push(serde_json::json!({"offset_ms": offset_ms, "output": transcript.raw}));
    }
    let text = text.join(" ");
    Ok(Transcript {
        raw: serde_json::json!({
            "text": text,
            "language": language,
            "segments": segments,
            "pieces": raws,
        }),
        text,
        segments,
        language,
    })
}
