//! `soundmind completions SHELL`

use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Arguments of `soundmind completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for
    shell: Shell,
}

pub fn run(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = super::Cli::command();
    // Generated into memory first: clap_complete panics on a write error, and `completions bash | head` closes
    // the pipe early (main treats that error as success).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "soundmind", &mut script);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
    Ok(ExitCode::SUCCESS)
}
