//! Where a take's audio comes from, behind one interface: a microphone (in `soundmind-capture`) or a file played
//! as if it were being spoken. Every source delivers 16 kHz mono `f32` chunks from a thread of its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use soundmind_engine::SAMPLE_RATE;

use crate::{AudioError, Decoder};

/// What a running source says.
#[derive(Debug)]
pub enum SourceEvent {
    /// The next samples, 16 kHz mono.
    Audio(Vec<f32>),
    /// The source has no more audio (the end of a file).
    End,
    /// The source stopped on an error (a microphone unplugged, a file that cannot be decoded further); what came
    /// before it is valid.
    Failed(SourceError),
}

/// Why a source could not start, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// There is no input device.
    #[error("no microphone found. {hint}")]
    NoDevice {
        /// What to do next.
        hint: String,
    },
    /// The device refused every configuration, or vanished.
    #[error("the microphone {device:?} cannot be used: {reason}")]
    Device {
        /// The device name.
        device: String,
        /// What the audio system said.
        reason: String,
    },
    /// A file could not be decoded.
    #[error(transparent)]
    Decode(#[from] AudioError),
}

/// A running source: its events, and a way to stop it (dropping it stops it too).
pub struct Stream {
    /// Audio and the end, in order.
    pub events: Receiver<SourceEvent>,
    stopper: Option<Box<dyn FnOnce() + Send>>,
}

impl Stream {
    /// A stream fed by whoever holds the matching sender; `stop` is called once, on [`Stream::stop`] or drop.
    pub fn new(events: Receiver<SourceEvent>, stop: impl FnOnce() + Send + 'static) -> Self {
        Self {
            events,
            stopper: Some(Box::new(stop)),
        }
    }

    /// Stops the source. Audio it already sent stays in [`Stream::events`].
    pub fn stop(&mut self) {
        if let Some(stop) = self.stopper.take() {
            stop();
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

/// Something that can record one take after another.
pub trait AudioSource: Send {
    /// A short description for the screen ("microphone: USB Audio", "file: memo.m4a").
    fn describe(&self) -> String;

    /// Starts a take.
    fn open(&mut self) -> Result<Stream, SourceError>;
}

/// Chunk length a file source delivers: 100 ms, about what a microphone callback gives.
const FILE_CHUNK: usize = SAMPLE_RATE as usize / 10;

/// A file played as a take: all at once, or at speaking speed (`realtime`) to exercise the streaming path.
#[derive(Debug, Clone)]
pub struct FileSource {
    path: PathBuf,
    realtime: bool,
}

impl FileSource {
    /// A source that reads `path`; with `realtime`, chunks arrive at the pace they were spoken.
    pub fn new(path: &Path, realtime: bool) -> Self {
        Self {
            path: path.to_path_buf(),
            realtime,
        }
    }
}

impl AudioSource for FileSource {
    fn describe(&self) -> String {
        format!("file: {}", self.path.display())
    }

    fn open(&mut self) -> Result<Stream, SourceError> {
        // Opening here (not on the thread) makes an unreadable file an error at once.
        let decoder = Decoder::open(&self.path)?;
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            let realtime = self.realtime;
            std::thread::Builder::new()
                .name("file-source".into())
                .spawn(move || play(decoder, realtime, &tx, &stop))
                .expect("spawn the file source thread")
        };
        Ok(Stream::new(rx, move || stop_thread(&stop, thread)))
    }
}

fn stop_thread(stop: &AtomicBool, thread: JoinHandle<()>) {
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
}

fn play(mut decoder: Decoder, realtime: bool, tx: &Sender<SourceEvent>, stop: &AtomicBool) {
    let started = Instant::now();
    let mut sent = 0usize;
    loop {
        let block = match decoder.next_block() {
            Ok(Some(block)) => block,
            Ok(None) => break,
            Err(e) => {
                let _ = tx.send(SourceEvent::Failed(e.into()));
                return;
            }
        };
        for chunk in block.chunks(FILE_CHUNK) {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            if realtime {
                let due = Duration::from_secs_f64(sent as f64 / f64::from(SAMPLE_RATE));
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
            sent += chunk.len();
            if tx.send(SourceEvent::Audio(chunk.to_vec())).is_err() {
                return;
            }
        }
    }
    let _ = tx.send(SourceEvent::End);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(seconds: f32) -> tempfile::NamedTempFile {
        let file = tempfile::Builder::new().suffix(".wav").tempfile().unwrap();
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(file.path(), spec).unwrap();
        for i in 0..(seconds * 16_000.0) as usize {
            writer
                .write_sample(((i as f32 * 0.05).sin() * 8_000.0) as i16)
                .unwrap();
        }
        writer.finalize().unwrap();
        file
    }

    fn drain(stream: &Stream) -> (usize, bool) {
        let mut samples = 0;
        loop {
            match stream.events.recv_timeout(Duration::from_secs(5)).unwrap() {
                SourceEvent::Audio(chunk) => samples += chunk.len(),
                SourceEvent::End => return (samples, true),
                SourceEvent::Failed(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn a_file_plays_whole_and_in_real_time() {
        let file = wav(0.5);
        let stream = FileSource::new(file.path(), false).open().unwrap();
        assert_eq!(drain(&stream), (8_000, true));

        let started = Instant::now();
        let stream = FileSource::new(file.path(), true).open().unwrap();
        assert_eq!(drain(&stream), (8_000, true));
        assert!(
            started.elapsed() >= Duration::from_millis(390),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn stopping_ends_the_stream_and_bad_files_fail_at_once() {
        let file = wav(10.0);
        let mut stream = FileSource::new(file.path(), true).open().unwrap();
        let _ = stream.events.recv().unwrap();
        stream.stop();
        let rest: Vec<_> = stream.events.try_iter().collect();
        assert!(rest.len() < 20, "stopped early");

        let text = tempfile::Builder::new().suffix(".wav").tempfile().unwrap();
        std::fs::write(text.path(), "not audio").unwrap();
        assert!(matches!(
            FileSource::new(text.path(), false).open(),
            Err(SourceError::Decode(_))
        ));
    }
}
