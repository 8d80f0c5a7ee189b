//! The `soundmind` binary: parses the command line, resolves the configuration, and runs one command.
//!
//! This is the only crate that knows every other one. Flags are parsed before anything else is built, so
//! `--help` and `--version` stay instant.

// A binary has no public API: `pub` in its modules only means "visible to the rest of the CLI".
#![allow(unreachable_pub)]

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

mod cli;
mod engines;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`soundmind sessions list | head`) is not an error.
            if err.chain().any(|cause| {
                cause
                    .downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = io::stderr().lock();
            let _ = writeln!(stderr, "soundmind: error: {err}");
            for cause in err.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {cause}");
            }
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
