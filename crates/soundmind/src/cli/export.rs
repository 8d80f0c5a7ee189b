//! `soundmind export ID… | --all --to DIR`: sessions as Markdown, audio and one self-contained HTML page each.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use soundmind_app::Sessions;
use soundmind_app::config::Config;
use soundmind_app::export;
use soundmind_core::SessionId;

/// Arguments of `soundmind export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Session ids, e.g. 251103_0714
    #[arg(value_name = "ID", required_unless_present = "all", conflicts_with = "all")]
    ids: Vec<String>,
    /// Every session in the journal
    #[arg(long)]
    all: bool,
    /// The folder to write into (one subfolder per session); must be outside the journal
    #[arg(long, value_name = "DIR")]
    to: PathBuf,
    /// Replace files left by an earlier export
    #[arg(long)]
    force: bool,
}

pub fn run(args: ExportArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let sessions = Sessions::from_config(config);
    let ids: Vec<SessionId> = if args.all {
        let mut ids = Vec::new();
        for entry in sessions.list()? {
            match entry.doc {
                Ok(_) => ids.push(entry.id),
                Err(e) => eprintln!("soundmind: warning: {} is not exported: {e}", entry.id),
            }
        }
        ids.reverse(); // oldest first, as they happened
        ids
    } else {
        args.ids
            .iter()
            .map(|id| SessionId::parse(id).with_context(|| format!("{id} is not a session id")))
            .collect::<anyhow::Result<_>>()?
    };
    if ids.is_empty() {
        println!(
            "No sessions to export in {}.",
            sessions.journal().root().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let done = export::export(sessions.journal(), &ids, &args.to, args.force)
        .with_context(|| format!("could not export to {}", args.to.display()))?;
    let mut out = std::io::stdout().lock();
    for session in &done {
        writeln!(
            out,
            "{}: {} ({} audio file{})",
            session.id,
            session.html.display(),
            session.audio.len(),
            if session.audio.len() == 1 { "" } else { "s" }
        )?;
    }
    writeln!(out, "{} session(s) exported to {}", done.len(), args.to.display())?;
    Ok(ExitCode::SUCCESS)
}
