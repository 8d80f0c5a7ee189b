//! `soundmind fix summaries backfill | regenerate`: write or rewrite session summaries with the configured model.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use soundmind_app::Sessions;
use soundmind_app::config::Config;
use soundmind_engine::CancelToken;

use crate::cli::{ModelArg, prompts};
use crate::engines;

#[derive(Debug, Subcommand)]
pub enum FixCommand {
    /// Session summaries: fill in missing ones, or rewrite them
    #[command(subcommand)]
    Summaries(SummariesCommand),
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
    let FixCommand::Summaries(cmd) = cmd;
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
