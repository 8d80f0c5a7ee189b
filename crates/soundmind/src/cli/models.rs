//! `soundmind models list | download NAME | remove NAME | add FILE`

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use soundmind_app::config::Config;
use soundmind_engine::CancelToken;
use soundmind_models::{DownloadEvent, DownloadOptions, human_bytes};

use crate::engines;

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List the catalogue and what is installed
    List,
    /// Download a model (resumable, checksum-verified)
    Download(DownloadArgs),
    /// Delete an installed model
    Remove {
        /// Model name, as in `soundmind models list`
        name: String,
    },
    /// Register a model file you already have (it is checked, then copied into the models folder)
    Add {
        /// The ggml/GGUF file
        file: PathBuf,
        /// Name to list it under (default: from the file name)
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Model name, as in `soundmind models list`
    name: String,
    /// Also download models whose publisher gives no checksum (they cannot be verified)
    #[arg(long)]
    allow_unverified: bool,
}

pub fn run(cmd: ModelsCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let store = engines::model_store(config)?;
    let mut out = std::io::stdout().lock();
    match cmd {
        ModelsCommand::List => {
            writeln!(out, "Models folder: {}", store.dir().display())?;
            for status in store.list()? {
                let mark = if status.installed { "installed" } else { "" };
                let verified = if status.entry.unverified {
                    " (no checksum)"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{:<24} {:<8} {:>9}  {:<9}  {}{verified}",
                    status.entry.name,
                    format!("{:?}", status.entry.kind).to_lowercase(),
                    human_bytes(status.entry.size_bytes),
                    mark,
                    status.entry.licence,
                )?;
            }
        }
        ModelsCommand::Download(args) => {
            if config.offline.value {
                anyhow::bail!(
                    "offline mode is on ({}), so {} was not downloaded. Copy its file to this machine and add it \
                     with `soundmind models add FILE`, or download it with offline mode off.",
                    config.offline.source,
                    args.name
                );
            }
            let http = engines::http(config)?;
            let bar = ProgressBar::hidden();
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_message(args.name.clone());
            let options = DownloadOptions {
                allow_unverified: args.allow_unverified,
                ..DownloadOptions::default()
            };
            let mut on_event = |event: DownloadEvent| match event {
                DownloadEvent::Started { total, .. } => bar.set_length(total.unwrap_or(0)),
                DownloadEvent::Resumed { from } => {
                    bar.set_position(from);
                    bar.println(format!("resuming at {}", human_bytes(from)));
                }
                DownloadEvent::Progress { done, .. } => bar.set_position(done),
                DownloadEvent::MirrorFallback { url, reason } => {
                    bar.println(format!("{reason}; trying {url}"))
                }
                DownloadEvent::Verifying => bar.set_message(format!("{} (verifying)", args.name)),
                DownloadEvent::Done { .. } => bar.finish_and_clear(),
                _ => {}
            };
            let path = store.download(&args.name, &http, &options, &mut on_event, &CancelToken::new())?;
            writeln!(out, "{} is ready: {}", args.name, path.display())?;
        }
        ModelsCommand::Remove { name } => {
            let path = store.remove(&name)?;
            writeln!(out, "Removed {name} ({})", path.display())?;
        }
        ModelsCommand::Add { file, name } => {
            let status = store.add(&file, name.as_deref())?;
            writeln!(out, "Added {} ({})", status.entry.name, status.path.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
