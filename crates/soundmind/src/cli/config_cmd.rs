//! `soundmind config show`

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use soundmind_app::config::{Config, secret_rows};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting, its value, and where it came from (default, file, env or flag)
    Show,
    /// Print an annotated example config file with every default
    Example,
}

pub fn run(cmd: ConfigCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        ConfigCommand::Show => {
            let mut rows = config.rows();
            rows.extend(secret_rows());
            let key_width = rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
            let value_width = rows
                .iter()
                .map(|r| r.value.chars().count())
                .max()
                .unwrap_or(0)
                .min(60);
            for row in rows {
                writeln!(
                    out,
                    "{:key_width$}  {:value_width$}  ({})",
                    row.key, row.value, row.source
                )?;
            }
        }
        ConfigCommand::Example => out.write_all(soundmind_app::config::EXAMPLE_CONFIG.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
