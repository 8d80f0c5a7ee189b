//! `soundmind insight generate | list`: observations across sessions, written to `insights/` in HSJ's format.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use soundmind_app::Sessions;
use soundmind_app::config::Config;
use soundmind_app::insights::{
    DEFAULT_MAX_WORDS, InsightsError, InsightsRequest, generate_insights, list_insights,
};
use soundmind_engine::CancelToken;

use crate::cli::{ModelArg, prompts};
use crate::engines;

#[derive(Debug, Subcommand)]
pub enum InsightCommand {
    /// Write insights about the sessions since the last ones
    Generate(GenerateArgs),
    /// List insights files, newest first
    List,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many insights (default: the model chooses two or three)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=10))]
    count: Option<u16>,
    /// At most this many words of your sessions go to the model (the newest are kept first)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_WORDS)]
    max_words: usize,
    #[command(flatten)]
    model: ModelArg,
}

pub fn run(cmd: InsightCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let sessions = Sessions::from_config(config);
    let journal = sessions.journal();
    let mut out = std::io::stdout().lock();
    match cmd {
        InsightCommand::List => {
            let entries = list_insights(journal)?;
            if entries.is_empty() {
                writeln!(out, "No insights yet. Run `soundmind insight generate`.")?;
            }
            for entry in entries {
                match entry.insights {
                    Ok(stored) => writeln!(out, "{}  {}", entry.name, stored.title)?,
                    Err(e) => writeln!(out, "{}  (unreadable: {e})", entry.name)?,
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        InsightCommand::Generate(args) => {
            let chat = engines::chat_model(config, args.model.model.as_deref())?;
            let request = InsightsRequest {
                count: args.count.map(usize::from),
                max_words: args.max_words,
                language: config.language.value.clone(),
            };
            // On a terminal the insights appear as they are written; otherwise the final text is printed once.
            let streaming = std::io::stdout().is_terminal();
            let now = chrono::Local::now().fixed_offset();
            let result = generate_insights(
                journal,
                chat.as_ref(),
                &prompts(),
                &request,
                now,
                &mut |delta| {
                    if streaming {
                        let _ = write!(out, "{delta}");
                        let _ = out.flush();
                    }
                },
                &CancelToken::new(),
            );
            let generated = match result {
                Ok(generated) => generated,
                Err(e @ (InsightsError::NothingNew { .. } | InsightsError::NoSessions)) => {
                    eprintln!("soundmind: {e}");
                    return Ok(ExitCode::FAILURE);
                }
                Err(e) => return Err(e.into()),
            };
            if streaming {
                writeln!(out)?;
            } else {
                writeln!(out, "{}", generated.file.items.join("\n\n---\n\n"))?;
            }
            if !generated.left_out.is_empty() {
                let ids: Vec<String> = generated.left_out.iter().map(ToString::to_string).collect();
                eprintln!(
                    "soundmind: the word budget had no room for {} (raise --max-words or use a model with a larger context)",
                    ids.join(", ")
                );
            }
            eprintln!(
                "Insights from {} sessions saved to {}",
                generated.file.source_sessions.len(),
                generated.path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
