//! `soundmind web`: the browser UI on 127.0.0.1, opened in the default browser.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use soundmind_app::config::{Config, ConfigInputs, FlagOverrides};
use soundmind_app::take::TakeTranscription;
use soundmind_engine::{ChatModel, Preset, SttOptions};
use soundmind_web::{EngineSetupError, Engines, WebServer};

use crate::engines::{self, SttChoice};

/// Arguments of `soundmind web`.
#[derive(Debug, Args)]
pub struct WebArgs {
    /// Port on 127.0.0.1 (default: a free one)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Print the address instead of opening a browser
    #[arg(long)]
    no_open: bool,
}

/// The binary's engines, for the web server (and the desktop app).
pub(crate) struct BinaryEngines;

impl Engines for BinaryEngines {
    fn chat(&self, config: &Config) -> Result<Arc<dyn ChatModel>, EngineSetupError> {
        Ok(Arc::from(engines::chat_model(config, None)?))
    }

    fn transcription(&self, config: &Config) -> Result<TakeTranscription, EngineSetupError> {
        let language = Some(config.language.value.clone()).filter(|l| l != "auto");
        let choice = SttChoice {
            model: None,
            preset: Preset::Default,
            language: language.clone(),
        };
        Ok(TakeTranscription {
            engine: Arc::from(engines::transcriber(config, &choice)?),
            options: SttOptions {
                language,
                vocabulary: Vec::new(),
                preset: Preset::Default,
            },
            streaming: true,
        })
    }

    fn http(&self, config: &Config) -> Result<soundmind_remote::Http, EngineSetupError> {
        Ok(engines::http(config)?)
    }

    fn model_store(&self, config: &Config) -> Result<soundmind_models::ModelStore, EngineSetupError> {
        Ok(engines::model_store(config)?)
    }

    fn semantic_screen(&self, config: &Config) -> Option<Arc<dyn soundmind_engine::Embedder>> {
        engines::semantic_screen(config)
    }

    fn needed_models(&self, config: &Config) -> Vec<String> {
        engines::needed_models(config)
    }
}

pub fn run(args: WebArgs, flags: FlagOverrides) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("could not start the web server's runtime")?;
    runtime.block_on(async {
        let inputs = ConfigInputs::from_process(flags);
        let server = WebServer::bind(args.port, inputs, Arc::new(BinaryEngines))
            .await
            .context("could not start the web server")?;
        let url = server.url();
        // The address carries a one-time key: it is printed for this person only, never logged.
        println!("Soundmind is running at {url}");
        println!("Press Ctrl-C to stop; an answer being recorded is kept.");
        if !args.no_open {
            open_browser(&url);
        }
        server
            .serve(stop_signal())
            .await
            .context("the web server stopped")?;
        // Whoever started us may have stopped reading; that is no reason to fail on the way out.
        let _ = writeln!(std::io::stdout(), "Soundmind stopped.");
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let opened = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if opened.is_err() {
        println!("Open the address above in your browser.");
    }
}

/// Ctrl-C, or SIGTERM from a service manager or a closing session.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
