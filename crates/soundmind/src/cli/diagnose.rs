//! `soundmind diagnose …`: `stt` (which engine and model, what the CPU offers, how fast a built-in clip runs) here;
//! `llm`, `compare`, `privacy` and `cloud` in [`super::diagnose_llm`].

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand};
use soundmind_app::config::Config;
use soundmind_app::stt;
use soundmind_engine::{CancelToken, Preset, SttOptions};

use super::diagnose_llm;
use crate::engines::{self, SttChoice};

/// A 4-second espeak recording shipped in the binary, and what it says.
const CLIP: &[u8] = include_bytes!("../../../../data/diagnose-clip.wav");
const CLIP_TEXT: &str = "I slept badly last night, but the morning walk helped a lot.";

#[derive(Debug, Subcommand)]
pub enum DiagnoseCommand {
    /// Speech-to-text: engine, model, CPU features, and the time for a built-in clip
    Stt(SttArgs),
    /// Microphone: record a few seconds with the meter, then show the level and what was heard (nothing is kept)
    Mic(crate::cli::diagnose_mic::MicArgs),
    /// Chat model: load time, time to first token, tokens/s and the text for a built-in journaling prompt
    Llm(diagnose_llm::LlmArgs),
    /// Two chat models on the same built-in prompt, their questions scored (ends with ?, 5-40 words, no !, no praise, open)
    Compare(diagnose_llm::CompareArgs),
    /// Where each configured engine sends data, and whether privacy mode allows it (sends nothing)
    Privacy,
    /// Which API keys are set and whether the services accept them (lists models; sends no journal text)
    Cloud,
}

#[derive(Debug, Args)]
pub struct SttArgs {
    /// Whisper model: a catalogue name or a path to a ggml file
    #[arg(long, value_name = "NAME|PATH")]
    model: Option<String>,
}

pub fn run(cmd: DiagnoseCommand, config: &Config) -> anyhow::Result<ExitCode> {
    match cmd {
        DiagnoseCommand::Stt(args) => stt_report(&args, config),
        DiagnoseCommand::Mic(args) => crate::cli::diagnose_mic::mic(&args, config),
        DiagnoseCommand::Llm(args) => diagnose_llm::llm(&args, config),
        DiagnoseCommand::Compare(args) => diagnose_llm::compare(&args, config),
        DiagnoseCommand::Privacy => diagnose_llm::privacy(config),
        DiagnoseCommand::Cloud => diagnose_llm::cloud(config),
    }
}

fn stt_report(args: &SttArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let choice = SttChoice {
        model: args.model.clone(),
        preset: Preset::Default,
        language: Some("en".into()),
    };
    writeln!(
        out,
        "backend:   {} ({})",
        config.stt_backend.value, config.stt_backend.source
    )?;
    writeln!(
        out,
        "cpu:       {} threads available",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    )?;
    writeln!(out, "ggml:      {}", soundmind_local::system_info())?;
    let engine = engines::transcriber(config, &choice)?;
    writeln!(out, "engine:    {} / model {}", engine.name(), engine.model())?;

    let dir = tempfile::tempdir()?;
    let clip = dir.path().join("clip.wav");
    std::fs::write(&clip, CLIP)?;
    let (samples, _) = soundmind_audio::decode_file(&clip)?;
    let options = SttOptions {
        language: Some("en".into()),
        ..SttOptions::default()
    };
    let cancel = CancelToken::new();
    let started = Instant::now();
    let first = stt::transcribe(engine.as_ref(), &samples, &options, &mut |_| {}, &cancel)?;
    let cold = started.elapsed();
    let started = Instant::now();
    stt::transcribe(engine.as_ref(), &samples, &options, &mut |_| {}, &cancel)?;
    let warm = started.elapsed();
    let seconds = samples.len() as f64 / 16_000.0;
    writeln!(out, "clip:      {seconds:.1} s of speech")?;
    writeln!(
        out,
        "first run: {:.0} ms (includes loading the model)",
        cold.as_secs_f64() * 1000.0
    )?;
    writeln!(
        out,
        "warm run:  {:.0} ms ({:.1}x real time)",
        warm.as_secs_f64() * 1000.0,
        seconds / warm.as_secs_f64()
    )?;
    writeln!(out, "heard:     {}", first.text)?;
    writeln!(out, "expected:  {CLIP_TEXT}")?;
    Ok(ExitCode::SUCCESS)
}
