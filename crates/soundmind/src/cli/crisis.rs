//! `soundmind crisis [--country CC]`: help lines from the versioned data file shipped in the binary.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use soundmind_app::config::{self, ConfigInputs, FlagOverrides};
use soundmind_core::safeguarding::CrisisDirectory;

/// Arguments of `soundmind crisis`.
#[derive(Debug, Args)]
pub struct CrisisArgs {
    /// Two-letter country code, e.g. US, GB, DE (default: from your config or locale)
    #[arg(long, value_name = "CC")]
    country: Option<String>,
    /// List the countries with local help lines
    #[arg(long)]
    list: bool,
}

pub fn run(args: CrisisArgs, flags: FlagOverrides) -> anyhow::Result<ExitCode> {
    let directory = CrisisDirectory::builtin();
    let mut out = std::io::stdout().lock();
    if args.list {
        for code in directory.country_codes() {
            let country = directory.lookup(code).expect("listed codes resolve");
            writeln!(out, "{code}  {}", country.name)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // The country from the config is a convenience; a broken config must never keep help lines from showing.
    let country = args.country.or_else(|| {
        let inputs = ConfigInputs::from_process(flags);
        config::resolve(&inputs).ok().and_then(|c| c.country.value)
    });
    match country.as_deref().map(|code| directory.lookup(code)) {
        None => {
            writeln!(out, "{}", directory.render_plain(None))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Ok(found)) => {
            writeln!(out, "{}", directory.render_plain(Some(found)))?;
            Ok(ExitCode::SUCCESS)
        }
        // Someone may be in crisis: a country without local lines (or a mistyped code) still gets help, and the
        // command succeeds. The note goes first, so the lines are the last thing on the screen.
        Some(Err(unknown)) => {
            let code = unknown.code.trim().to_ascii_uppercase();
            if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
                writeln!(
                    out,
                    "There are no local help lines for {code} in Soundmind yet. These services help people \
                     anywhere, and your local emergency number works too.\n"
                )?;
            } else {
                writeln!(
                    out,
                    "\"{}\" is not a two-letter country code (for example GB, US, DE), so here are services that \
                     help people anywhere; your local emergency number works too.\n",
                    unknown.code.trim()
                )?;
            }
            writeln!(out, "{}", directory.render_plain(None))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
