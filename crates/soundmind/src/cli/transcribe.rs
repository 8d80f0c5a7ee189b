//! `soundmind transcribe FILE...`: a plain transcription tool over the same pipeline the journal uses.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use soundmind_app::config::Config;
use soundmind_app::stt;
use soundmind_audio::decode_file;
use soundmind_core::transcript::{Formatting, format_transcript};
use soundmind_engine::{CancelToken, Preset, SttOptions};

use crate::engines::{self, SttChoice};

/// Arguments of `soundmind transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// Audio files: WAV, WebM/Opus, Ogg/Opus, MP3, M4A/AAC or FLAC (any rate and channels)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print segments with timestamps as JSON (one object per file)
    #[arg(long)]
    json: bool,
    /// Spoken language as a two-letter code, or "auto" to detect it
    #[arg(long, value_name = "CODE")]
    language: Option<String>,
    /// Whisper model: a catalogue name (see `soundmind models list`) or a path to a ggml file
    #[arg(long, value_name = "NAME|PATH")]
    model: Option<String>,
    /// Speed/accuracy trade-off
    #[arg(long, value_enum, default_value_t = PresetArg::Default)]
    preset: PresetArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PresetArg {
    Fast,
    Default,
    Accuracy,
}

impl From<PresetArg> for Preset {
    fn from(p: PresetArg) -> Self {
        match p {
            PresetArg::Fast => Preset::Fast,
            PresetArg::Default => Preset::Default,
            PresetArg::Accuracy => Preset::Accuracy,
        }
    }
}

pub fn run(args: TranscribeArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let preset = Preset::from(args.preset);
    let language = match args.language.as_deref().unwrap_or(&config.language.value) {
        "auto" => None,
        code => Some(code.to_string()),
    };
    // Decode every file first: a bad file is reported before any model is loaded.
    let mut decoded = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let (samples, _) = decode_file(file)?;
        decoded.push((file, samples));
    }
    let choice = SttChoice {
        model: args.model.clone(),
        preset,
        language: language.clone(),
    };
    let engine = engines::transcriber(config, &choice)?;
    let options = SttOptions {
        language,
        vocabulary: Vec::new(),
        preset,
    };
    let formatting = Formatting::parse(&config.stt_formatting.value).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    for (file, samples) in decoded {
        let transcript = stt::transcribe(
            engine.as_ref(),
            &samples,
            &options,
            &mut |_| {},
            &CancelToken::new(),
        )
        .with_context(|| format!("could not transcribe {}", file.display()))?;
        if args.json {
            let json = serde_json::json!({
                "file": file,
                "text": transcript.text,
                "language": transcript.language,
                "duration_seconds": samples.len() as f64 / f64::from(soundmind_engine::SAMPLE_RATE),
                "segments": transcript.segments,
                "engine": engine.name(),
                "model": engine.model(),
            });
            writeln!(out, "{json}")?;
        } else {
            if args.files.len() > 1 {
                writeln!(out, "== {}", file.display())?;
            }
            writeln!(out, "{}", format_transcript(&transcript.text, formatting))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
