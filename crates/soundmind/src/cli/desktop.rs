//! `soundmind desktop` (and `soundmind` alone): the journal in a window of its own.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use soundmind_app::config::{ConfigInputs, FlagOverrides};
use soundmind_desktop::{DesktopError, DesktopOptions};

use super::web::BinaryEngines;

/// Arguments of `soundmind desktop`.
#[derive(Debug, Args)]
pub struct DesktopArgs {}

/// Opens the window; without a display that is an error that says what to use instead.
pub fn run(_args: DesktopArgs, flags: FlagOverrides) -> anyhow::Result<ExitCode> {
    open(flags).context("could not open Soundmind's window")?;
    Ok(ExitCode::SUCCESS)
}

/// `soundmind` with no command: the window, or where there is no display, the journal's overview after a word
/// on why (a terminal over SSH is a normal place to type `soundmind`).
pub fn run_or_overview(flags: FlagOverrides) -> anyhow::Result<ExitCode> {
    match open(flags.clone()) {
        Err(DesktopError::NoDisplay) => {
            eprintln!("soundmind: {}\n", DesktopError::NoDisplay);
            super::sessions::overview(&super::resolve(flags)?)
        }
        other => {
            other.context("could not open Soundmind's window")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open(flags: FlagOverrides) -> Result<(), DesktopError> {
    let options = DesktopOptions {
        test_microphone: std::env::var_os("SOUNDMIND_TEST_MICROPHONE").map(Into::into),
        report_port: std::env::var_os("SOUNDMIND_REPORT_PORT").is_some(),
    };
    soundmind_desktop::run(
        tauri::generate_context!(),
        ConfigInputs::from_process(flags),
        Arc::new(BinaryEngines),
        options,
    )
}
