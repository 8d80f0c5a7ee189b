//! `soundmind diagnose mic`: record a few seconds with the meter, then show what was heard. Nothing is kept.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use clap::Args;
use soundmind_app::config::Config;
use soundmind_app::take::{TakeControl, TakeEnd, TakeTranscription, record_take};
use soundmind_audio::{AudioSource, FileSource};
use soundmind_engine::{Preset, SttOptions};

use crate::cli::EXIT_ERROR;
use crate::cli::journal::terminal::Meter;
use crate::engines::{self, SttChoice};

#[derive(Debug, Args)]
pub struct MicArgs {
    /// How long to record, in seconds (0.5 to 30)
    #[arg(long, default_value_t = 3.0, value_parser = seconds)]
    seconds: f64,
    /// Microphone to use (part of its name; default: the system's)
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// Use an audio file instead of the microphone (played at speaking speed)
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
}

fn seconds(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
    (0.5..=30.0)
        .contains(&value)
        .then_some(value)
        .ok_or_else(|| "choose between 0.5 and 30 seconds".to_string())
}

pub fn mic(args: &MicArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let mut source: Box<dyn AudioSource> = match &args.input {
        Some(file) => Box::new(FileSource::new(file, true)),
        None => Box::new(soundmind_capture::Microphone::new(args.device.clone())),
    };
    let stream = match source.open() {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("soundmind: {e}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    };
    let language = Some(config.language.value.clone()).filter(|l| l != "auto");
    let transcription = TakeTranscription {
        engine: Arc::from(engines::transcriber(
            config,
            &SttChoice {
                model: None,
                preset: Preset::Default,
                language: language.clone(),
            },
        )?),
        options: SttOptions {
            language,
            ..SttOptions::default()
        },
        streaming: false,
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: recording {:.1} s. Say a sentence.",
        source.describe(),
        args.seconds
    )?;
    let scratch = tempfile::tempdir()?;
    let (controls, rx) = mpsc::channel();
    let seconds = args.seconds;
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs_f64(seconds));
        let _ = controls.send(TakeControl::Stop);
    });
    let interactive = std::io::stderr().is_terminal();
    let mut meter = Meter::new();
    let (mut peak, mut loudest) = (f32::NEG_INFINITY, 0.0f64);
    let end = record_take(
        stream,
        &scratch.path().join("check.wav"),
        &transcription,
        &rx,
        &mut |level| {
            if level.dbfs > peak {
                peak = level.dbfs;
                loudest = level.seconds;
            }
            if interactive {
                meter.draw(level);
            }
        },
    )?;
    if interactive {
        meter.clear();
    }
    match end {
        TakeEnd::Kept(take) => {
            writeln!(
                out,
                "recorded {:.1} s, voiced {:.1} s, loudest {peak:.0} dBFS at {loudest:.1} s",
                take.seconds, take.voiced_seconds
            )?;
            match take.transcript {
                Ok(t) if !t.text.is_empty() => writeln!(out, "heard: {}", t.text)?,
                Ok(_) => writeln!(
                    out,
                    "heard: nothing recognisable. Speak closer, or check the input level."
                )?,
                Err(e) => writeln!(out, "transcription failed: {e}")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        TakeEnd::Discarded { seconds, .. } => {
            writeln!(
                out,
                "heard almost nothing in {seconds:.1} s (loudest {peak:.0} dBFS): check that the microphone is \
                 connected, not muted, and chosen (--device)."
            )?;
            Ok(ExitCode::FAILURE)
        }
        TakeEnd::Cancelled => Ok(ExitCode::FAILURE),
    }
}
