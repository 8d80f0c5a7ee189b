//! The command tree. One module per subcommand, each with its own args type and a `run`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use soundmind_app::config::{self, Config, ConfigInputs, FlagOverrides, default_config_file};
use soundmind_app::prompts::Prompts;

mod completions;
mod config_cmd;
mod crisis;
mod desktop;
mod diagnose;
mod diagnose_llm;
mod diagnose_mic;
mod export;
mod fix;
mod insight;
mod journal;
mod models;
mod sessions;
mod transcribe;
mod web;

/// Exit status for an error the user can fix (bad input, missing file).
pub const EXIT_ERROR: u8 = 2;

const ABOUT: &str = "A voice-first reflective journal that keeps your words on your machine.";

const AFTER_HELP: &str = "\
Your sessions are plain Markdown files in your sessions folder (see `soundmind config show`).
Soundmind reads and continues Healthyself Journal folders.

Soundmind is not therapy and not for emergencies. If you are in crisis, run `soundmind crisis`
for help lines in your country, or call your local emergency number.";

/// Soundmind: speak, and it asks one good question back.
#[derive(Debug, Parser)]
#[command(name = "soundmind", version, about = ABOUT, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Overrides for this one run; they are never saved.
#[derive(Debug, Args)]
struct GlobalArgs {
    /// The journal folder to use (default: from the config file, SESSIONS_DIR, or ./sessions if it exists)
    #[arg(long, global = true, value_name = "DIR")]
    sessions_dir: Option<PathBuf>,
    /// Let nothing leave this machine for this run, model downloads included (see privacy.offline)
    #[arg(long, global = true)]
    offline: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Journal by voice: answer a question, get the next one (or --type, or --input FILE...)
    Journal(journal::JournalArgs),
    /// List, show and search your sessions
    #[command(subcommand)]
    Sessions(sessions::SessionsCommand),
    /// Inspect the configuration
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Transcribe audio files on this machine (or with the configured engine)
    Transcribe(transcribe::TranscribeArgs),
    /// List, download, remove and add models
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Check engines and models on this machine
    #[command(subcommand)]
    Diagnose(diagnose::DiagnoseCommand),
    /// Repair the journal: write missing summaries, or rewrite them
    #[command(subcommand)]
    Fix(fix::FixCommand),
    /// Observations across your sessions, in your own words
    #[command(subcommand)]
    Insight(insight::InsightCommand),
    /// Copy sessions with their audio to a folder, each with a self-contained HTML page
    Export(export::ExportArgs),
    /// Show crisis help lines for your country (works offline)
    Crisis(crisis::CrisisArgs),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
    /// Open the journal in your browser (a server on 127.0.0.1 that only you can use)
    Web(web::WebArgs),
    /// Open the journal in a window (also what `soundmind` alone does)
    Desktop(desktop::DesktopArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let flags = FlagOverrides {
        sessions_dir: cli.global.sessions_dir,
        offline: cli.global.offline.then_some(true),
        ..Default::default()
    };
    match cli.command {
        None => desktop::run_or_overview(flags),
        Some(Command::Journal(args)) => journal::run(args, flags),
        Some(Command::Sessions(cmd)) => sessions::run(cmd, &resolve(flags)?),
        Some(Command::Config(cmd)) => config_cmd::run(cmd, &resolve(flags)?),
        Some(Command::Transcribe(args)) => transcribe::run(args, &resolve(flags)?),
        Some(Command::Models(cmd)) => models::run(cmd, &resolve(flags)?),
        Some(Command::Diagnose(cmd)) => diagnose::run(cmd, &resolve(flags)?),
        Some(Command::Fix(cmd)) => fix::run(cmd, &resolve(flags)?),
        Some(Command::Insight(cmd)) => insight::run(cmd, &resolve(flags)?),
        Some(Command::Export(args)) => export::run(args, &resolve(flags)?),
        Some(Command::Crisis(args)) => crisis::run(args, flags),
        Some(Command::Completions(args)) => completions::run(args),
        Some(Command::Web(args)) => web::run(args, flags),
        Some(Command::Desktop(args)) => desktop::run(args, flags),
    }
}

fn resolve(flags: FlagOverrides) -> anyhow::Result<Config> {
    let inputs = ConfigInputs::from_process(flags);
    config::resolve(&inputs).context("could not load the configuration")
}

#[derive(Debug, Args)]
pub(crate) struct ModelArg {
    /// Model spec (default: the configured llm.model)
    #[arg(long, value_name = "SPEC")]
    pub(crate) model: Option<String>,
}

/// The user's prompt overrides live next to the config file, in `prompts/`.
pub(crate) fn prompts() -> Prompts {
    let dir: Option<PathBuf> = default_config_file().and_then(|f| f.parent().map(|p| p.join("prompts")));
    let prompts = Prompts::load(dir.as_deref());
    for warning in prompts.warnings() {
        eprintln!("soundmind: warning: {warning}");
    }
    prompts
}
