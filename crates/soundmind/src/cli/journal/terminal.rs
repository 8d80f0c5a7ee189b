//! The terminal during a take: raw-mode keys (crossterm reads a lone Esc at once, without HSJ's double-press
//! problem) and a one-line meter redrawn in place.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;
use soundmind_app::take::{TakeControl, TakeLevel};
use soundmind_audio::level::meter_fraction;

/// Reads keys in raw mode until dropped, turning them into take controls.
pub struct KeyReader {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl KeyReader {
    /// Enter or any other key stops; Space pauses; Esc cancels; q (or Ctrl-C) keeps the answer and ends.
    pub fn start(controls: Sender<TakeControl>) -> anyhow::Result<Self> {
        terminal::enable_raw_mode()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if !event::poll(Duration::from_millis(50)).unwrap_or(false) {
                        continue;
                    }
                    let Ok(Event::Key(key)) = event::read() else {
                        continue;
                    };
                    if key.kind != KeyEventKind::Press {
                        continue;
                    }
                    let control = match key.code {
                        KeyCode::Char(' ') => TakeControl::TogglePause,
                        KeyCode::Esc => TakeControl::Cancel,
                        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                            TakeControl::StopAndEnd
                        }
                        KeyCode::Char('q' | 'Q') => TakeControl::StopAndEnd,
                        _ => TakeControl::Stop,
                    };
                    let _ = controls.send(control);
                }
            })
        };
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for KeyReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = terminal::disable_raw_mode();
    }
}

/// Reads one key in raw mode (for "is this helping?"): the character typed, or `None` for Esc.
pub fn read_choice() -> anyhow::Result<Option<char>> {
    terminal::enable_raw_mode()?;
    let choice = loop {
        if let Event::Key(key) = event::read()?
            && key.kind == KeyEventKind::Press
        {
            break match key.code {
                KeyCode::Char(c) => Some(c),
                _ => None,
            };
        }
    };
    terminal::disable_raw_mode()?;
    Ok(choice)
}

/// The meter line: status, a 16-cell bar (−60 → 0 dBFS), the timer and the key hints; redrawn at most 20 times a
/// second.
pub struct Meter {
    last: Option<Instant>,
}

const CELLS: usize = 16;
const HINTS: &str = "Enter stop · Space pause · Esc redo · q end";

impl Meter {
    /// A meter that has drawn nothing yet.
    pub fn new() -> Self {
        Self { last: None }
    }

    /// Redraws the line for `level`.
    pub fn draw(&mut self, level: TakeLevel) {
        if self.last.is_some_and(|t| t.elapsed() < Duration::from_millis(50)) {
            return;
        }
        self.last = Some(Instant::now());
        let filled = (meter_fraction(level.dbfs) * CELLS as f32).round() as usize;
        let bar: String = (0..CELLS).map(|i| if i < filled { '█' } else { '░' }).collect();
        let status = if level.paused { "Paused   " } else { "Recording" };
        let secs = level.seconds as u64;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K● {status} {}:{:02} {bar}  {HINTS}",
            secs / 60,
            secs % 60
        );
        let _ = err.flush();
    }

    /// Clears the meter line.
    pub fn clear(&self) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}
