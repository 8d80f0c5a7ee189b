//! `soundmind fix summaries backfill | regenerate`: write or rewrite session summaries with the configured model.
//! `soundmind fix stt`: transcribe every answer still waiting for its transcript.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use soundmind_app::Sessions;
use soundmind_app::config::Config;
use soundmind_app::repair::{self, ClipOutcome, RepairOptions, RepairProgress, TooShort};
use soundmind_core::SessionId;
use soundmind_core::transcript::Formatting;
use soundmind_engine::{CancelToken, Preset, SttOptions};

use crate::cli::{ModelArg, prompts};
use crate::engines::{self, SttChoice};

#[derive(Debug, Subcommand)]
pub enum FixCommand {
    /// Session summaries: fill in missing ones, or rewrite them
    #[command(subcommand)]
    Summaries(SummariesCommand),
    /// Transcribe answers still waiting for a transcript (failed or interrupted), and replace their placeholders
    Stt(SttArgs),
}

#[derive(Debug, Args)]
pub struct SttArgs {
    /// Only this session, e.g. 251109_1905 (default: the whole journal)
    #[arg(long, value_name = "ID")]
    session: Option<String>,
    /// What to do with clips too short to hold words: leave them pending, mark them with an empty transcript, or
    /// delete them with their placeholder
    #[arg(long, value_enum, default_value_t = TooShortArg::Skip)]
    too_short: TooShortArg,
    /// Clips shorter than this many seconds always count as too short
    #[arg(long, value_name = "SECONDS", default_value_t = repair::DEFAULT_MIN_DURATION)]
    min_duration: f64,
    /// Whisper model: a catalogue name or a path to a ggml file (default: the configured stt.model)
    #[arg(long, value_name = "NAME|PATH")]
    model: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum TooShortArg {
    Skip,
    Mark,
    Delete,
}

impl From<TooShortArg> for TooShort {
    fn from(arg: TooShortArg) -> Self {
        match arg {
            TooShortArg::Skip => TooShort::Skip,
            TooShortArg::Mark => TooShort::Mark,
            TooShortArg::Delete => TooShort::Delete,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SummariesCommand {
    /// Write a summary for every session, oldest first (or only for those without one)
    Backfill {
        /// Only sessions that have no summary yet
        #[arg(long)]
        missing_only: bool,
        #[command(flatten)]
        model: ModelArg,
    },
    /// Rewrite one session's summary
    Regenerate {
        /// The session id, e.g. 250919_0930
        id: String,
        #[command(flatten)]
        model: ModelArg,
    },
}

pub fn run(cmd: FixCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let cmd = match cmd {
        FixCommand::Summaries(cmd) => cmd,
        FixCommand::Stt(args) => return stt(args, config),
    };
    let sessions = Sessions::from_config(config);
    let language = config.language.value.as_str();
    let cancel = CancelToken::new();
    let mut out = std::io::stdout().lock();
    match cmd {
        SummariesCommand::Regenerate { id, model } => {
            let chat = engines::chat_model(config, model.model.as_deref())?;
            let summary = sessions.regenerate_summary(&id, chat.as_ref(), &prompts(), language, &cancel)?;
            writeln!(out, "{summary}")?;
            Ok(ExitCode::SUCCESS)
        }
        SummariesCommand::Backfill { missing_only, model } => {
            let chat = engines::chat_model(config, model.model.as_deref())?;
            let prompts = prompts();
            let (mut written, mut failed) = (0, 0);
            sessions.backfill_summaries(
                missing_only,
                chat.as_ref(),
                &prompts,
                language,
                &cancel,
                &mut |id, outcome| match outcome {
                    Ok(summary) => {
                        written += 1;
                        let _ = writeln!(out, "{id}: {} characters", summary.chars().count());
                    }
                    Err(e) => {
                        failed += 1;
                        let _ = writeln!(out, "{id}: not written: {e}");
                    }
                },
            )?;
            writeln!(out, "{written} summaries written, {failed} failed")?;
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// `fix stt` over the whole journal with the defaults: what `soundmind journal` runs when the person accepts its
/// offer at start.
pub(crate) fn transcribe_pending(config: &Config) -> anyhow::Result<ExitCode> {
    stt(
        SttArgs {
            session: None,
            too_short: TooShortArg::Skip,
            min_duration: repair::DEFAULT_MIN_DURATION,
            model: None,
        },
        config,
    )
}

fn stt(args: SttArgs, config: &Config) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.min_duration.is_finite() && args.min_duration >= 0.0,
        "--min-duration must be a number of seconds, 0 or more (got {})",
        args.min_duration
    );
    let sessions = Sessions::from_config(config);
    let journal = sessions.journal();
    let id = args
        .session
        .as_deref()
        .map(SessionId::parse)
        .transpose()
        .context("--session needs a session id, e.g. 251109_1905")?;
    let pending = repair::pending_segments(journal, id.as_ref()).with_context(|| {
        format!(
            "could not look for pending answers in {}",
            journal.root().display()
        )
    })?;
    let mut out = std::io::stdout().lock();
    if pending.is_empty() {
        writeln!(out, "Nothing to do: every answer has its transcript.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let language = Some(config.language.value.clone()).filter(|l| l != "auto");
    // The model is loaded only when some clip needs it; a missing model still lets the other repairs happen.
    let engine = if pending.iter().any(|p| p.needs_transcript()) {
        let choice = SttChoice {
            model: args.model.clone(),
            preset: Preset::Default,
            language: language.clone(),
        };
        match engines::transcriber(config, &choice) {
            Ok(engine) => Some(engine),
            Err(e) => {
                eprintln!("soundmind: warning: no transcriber, clips that need one are left pending: {e:#}");
                None
            }
        }
    } else {
        None
    };
    let options = RepairOptions {
        too_short: args.too_short.into(),
        min_duration: args.min_duration,
        stt: SttOptions {
            language,
            vocabulary: Vec::new(),
            preset: Preset::Default,
        },
        formatting: Formatting::parse(&config.stt_formatting.value).unwrap_or_default(),
    };
    let report = repair::repair(
        journal,
        id.as_ref(),
        engine.as_deref(),
        &options,
        &CancelToken::new(),
        &mut |progress| {
            let _ = match progress {
                RepairProgress::Transcribing { segment, seconds } => writeln!(
                    out,
                    "{}/{}: transcribing {seconds:.1} s…",
                    segment.session, segment.clip
                ),
                RepairProgress::Done(clip) => {
                    let repaired = if clip.repaired_crash {
                        " (recording cut off by a crash: repaired)"
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "{}/{}: {}{repaired}",
                        clip.session,
                        clip.clip,
                        describe(&clip.outcome)
                    )
                }
            };
        },
    )?;
    let failed = report.failed();
    let transcribed = report
        .clips
        .iter()
        .filter(|c| matches!(c.outcome, Ok(ClipOutcome::Transcribed { .. })))
        .count();
    writeln!(
        out,
        "{transcribed} transcribed, {} other repairs, {failed} failed",
        report.changed() - transcribed
    )?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn describe(outcome: &Result<ClipOutcome, repair::RepairError>) -> String {
    let exchanges = |placeholders: usize, removed: usize| {
        let mut parts = Vec::new();
        if placeholders > 0 {
            parts.push(format!("{placeholders} placeholder(s) replaced"));
        }
        if removed > 0 {
            parts.push(format!("{removed} duplicate placeholder exchange(s) removed"));
        }
        if parts.is_empty() {
            "no placeholder in the session".to_string()
        } else {
            parts.join(", ")
        }
    };
    match outcome {
        Ok(ClipOutcome::Transcribed {
            placeholders,
            duplicates_removed,
            words,
        }) => format!(
            "transcribed, {words} words; {}",
            exchanges(*placeholders, *duplicates_removed)
        ),
        Ok(ClipOutcome::Completed {
            placeholders,
            duplicates_removed,
        }) => format!(
            "transcript already saved; {}",
            exchanges(*placeholders, *duplicates_removed)
        ),
        Ok(ClipOutcome::TooShort {
            action,
            duration_seconds,
            voiced_seconds,
        }) => {
            let what = match action {
                TooShort::Skip => "skipped (use --too-short mark or delete)",
                TooShort::Mark => "marked as empty",
                TooShort::Delete => "deleted",
            };
            format!("too short ({duration_seconds:.2} s, {voiced_seconds:.2} s voiced): {what}")
        }
        Err(e) => format!("FAILED: {e}"),
    }
}
