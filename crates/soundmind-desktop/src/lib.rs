//! Soundmind's desktop app: one Tauri 2 window showing the web UI's pages, whisper.cpp and llama.cpp in the same
//! process, and the native microphone.
//!
//! **Transport.** The window loads the same axum router as `soundmind web`, served in-process on 127.0.0.1 with a
//! per-launch token. A Tauri custom protocol would avoid the port, but the journal's live channel is a WebSocket
//! (meter, transcript, question tokens), and custom protocols answer one request at a time. One router also keeps
//! the browser and the desktop the same. Nothing else can use the port: the token goes straight to the window,
//! never to a terminal or a log, and becomes an HttpOnly, SameSite=Strict cookie; the Host, Origin and CSRF
//! checks refuse every other site and app. The page gets no Tauri API at all (no capability names its origin),
//! so the native side is reached only through the server: the [`Shell`] records and opens the folder dialog.
//!
//! **Lifecycle.** Closing the window (or Quit) stops the server; the journal's open take is kept and
//! transcribed, or marked pending, and the summary written, before [`run`] returns. A crash is recovered by
//! the session service on the next start, as in the terminal.
#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use soundmind_app::config::{Config, ConfigInputs};
use soundmind_audio::{AudioSource, FileSource};
use soundmind_web::{AppState, EngineSetupError, Engines, Shell, WebServer};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder, Wry};

/// The main window's label.
const MAIN: &str = "main";

/// Why the desktop app could not run.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    /// Nothing to draw a window on (an SSH session, a server, a container).
    #[error(
        "there is no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set).\n\
         Run `soundmind web` to use Soundmind in a browser, or `soundmind journal` in this terminal"
    )]
    NoDisplay,
    /// The windowing toolkit or the webview would not start.
    #[error(
        "the window could not be opened: {0}.\n\
         Soundmind's window needs GTK 3 and WebKitGTK 4.1 (on Debian and Ubuntu: \
         `sudo apt install libwebkit2gtk-4.1-0`). Meanwhile `soundmind web` works in any browser"
    )]
    Webview(String),
    /// The in-process server could not start.
    #[error(transparent)]
    Server(#[from] soundmind_web::WebError),
    /// The server's runtime or thread.
    #[error("the app's server could not start: {0}")]
    Runtime(std::io::Error),
}

/// What the binary passes in besides the configuration and the engines.
#[derive(Debug, Default, Clone)]
pub struct DesktopOptions {
    /// Record answers from this audio file, played at speaking speed, instead of the microphone. For tests
    /// (the binary sets it from `SOUNDMIND_TEST_MICROPHONE`).
    pub test_microphone: Option<PathBuf>,
    /// Print the port (never the token) on stderr once the server listens, for tests that check it closes.
    pub report_port: bool,
}

/// Opens the window and runs until it is closed. `context` is the binary's `tauri::generate_context!()`.
pub fn run(
    context: tauri::Context<Wry>,
    inputs: ConfigInputs,
    engines: Arc<dyn Engines>,
    options: DesktopOptions,
) -> Result<(), DesktopError> {
    check_display()?;
    let app_handle: Arc<OnceLock<AppHandle>> = Arc::default();
    let shell = Arc::new(DesktopShell {
        app: Arc::clone(&app_handle),
        test_microphone: options.test_microphone.clone(),
    });
    let server = ServerThread::start(inputs, engines, shell)?;
    if options.report_port {
        eprintln!("soundmind: serving the window on 127.0.0.1:{}", server.port);
    }

    let opening = match tauri::Url::parse(&server.url) {
        Ok(url) => url,
        Err(e) => {
            server.stop();
            return Err(DesktopError::Webview(e.to_string()));
        }
    };
    let app = tauri::Builder::default()
        // First, so that a second launch hands over before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window(MAIN) {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .menu(app_menu)
        .on_menu_event({
            let state = server.state.clone();
            let base = opening.clone();
            move |app, event| on_menu(app, event.id().as_ref(), &state, &base)
        })
        .setup(move |app| {
            WebviewWindowBuilder::new(app, MAIN, WebviewUrl::External(opening))
                .title("Soundmind")
                .inner_size(960.0, 780.0)
                .min_inner_size(480.0, 520.0)
                .build()?;
            Ok(())
        })
        .build(context)
        .map_err(|e| DesktopError::Webview(e.to_string()));
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            server.stop();
            return Err(e);
        }
    };
    let _ = app_handle.set(app.handle().clone());
    // The loop ends when the last window closes or on Quit; the server then ends the session safely.
    app.run_return(|_, _: RunEvent| {});
    server.stop();
    Ok(())
}

/// On Linux and the BSDs a window needs an X11 or Wayland display, and GTK must be able to open it.
fn check_display() -> Result<(), DesktopError> {
    #[cfg(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    ))]
    {
        let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
            return Err(DesktopError::NoDisplay);
        }
        #[cfg(target_os = "linux")]
        gtk::init().map_err(|e| DesktopError::Webview(format!("GTK could not open the display: {e}")))?;
    }
    Ok(())
}

/// The in-process web server, on a thread with its own runtime (Tauri's loop owns the main thread).
struct ServerThread {
    url: String,
    port: u16,
    state: AppState,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl ServerThread {
    fn start(
        inputs: ConfigInputs,
        engines: Arc<dyn Engines>,
        shell: Arc<dyn Shell>,
    ) -> Result<Self, DesktopError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("soundmind-server")
            .enable_all()
            .build()
            .map_err(DesktopError::Runtime)?;
        let server = runtime.block_on(WebServer::bind_with_shell(0, inputs, engines, Some(shell)))?;
        let (url, port, state) = (server.url(), server.port(), server.state().clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("soundmind-server".into())
            .spawn(move || {
                runtime.block_on(server.serve(async {
                    let _ = stopped.await;
                }))
            })
            .map_err(DesktopError::Runtime)?;
        Ok(Self {
            url,
            port,
            state,
            stop,
            thread,
        })
    }

    /// Stops accepting requests, ends the journal's session (its open take kept) and waits for both.
    fn stop(self) {
        let _ = self.stop.send(());
        match self.thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("soundmind: the server stopped with an error: {e}"),
            Err(_) => eprintln!("soundmind: the server thread panicked"),
        }
    }
}

/// The window's native side, reached by the pages through the server.
struct DesktopShell {
    app: Arc<OnceLock<AppHandle>>,
    test_microphone: Option<PathBuf>,
}

impl Shell for DesktopShell {
    fn microphone(&self, _: &Config) -> Result<Box<dyn AudioSource>, EngineSetupError> {
        if let Some(file) = &self.test_microphone {
            return Ok(Box::new(FileSource::new(file, true)));
        }
        // The system's default input, as in `soundmind journal` without --device.
        Ok(Box::new(soundmind_capture::Microphone::new(None)))
    }

    fn pick_folder(&self, start: &Path) -> Option<PathBuf> {
        use tauri_plugin_dialog::DialogExt;
        let app = self.app.get()?;
        let mut dialog = app.dialog().file().set_title("Sessions folder");
        if start.is_dir() {
            dialog = dialog.set_directory(start);
        }
        if let Some(window) = app.get_webview_window(MAIN) {
            dialog = dialog.set_parent(&window);
        }
        dialog.blocking_pick_folder()?.into_path().ok()
    }
}

/// Soundmind's menu: About, Preferences, Open sessions folder and Quit (under the app's name on macOS).
fn app_menu(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    let about = MenuItem::with_id(app, "about", "About Soundmind", true, None::<&str>)?;
    let preferences = MenuItem::with_id(app, "preferences", "Preferences…", true, Some("CmdOrCtrl+,"))?;
    let journal = MenuItem::with_id(app, "journal", "Journal", true, Some("CmdOrCtrl+J"))?;
    let sessions = MenuItem::with_id(app, "sessions", "Sessions", true, Some("CmdOrCtrl+L"))?;
    let folder = MenuItem::with_id(
        app,
        "open-folder",
        "Open sessions folder",
        true,
        Some("CmdOrCtrl+Shift+O"),
    )?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, Some("CmdOrCtrl+Q"))?;
    let separator = || PredefinedMenuItem::separator(app);
    let soundmind = Submenu::with_items(
        app,
        "Soundmind",
        true,
        &[&about, &separator()?, &preferences, &separator()?, &quit],
    )?;
    let go = Submenu::with_items(app, "Go", true, &[&journal, &sessions, &folder])?;
    // Copy and paste in text fields need the standard Edit menu on macOS.
    let edit = Submenu::with_items(
        app,
        "Edit",
        true,
        &[
            &PredefinedMenuItem::undo(app, None)?,
            &PredefinedMenuItem::redo(app, None)?,
            &separator()?,
            &PredefinedMenuItem::cut(app, None)?,
            &PredefinedMenuItem::copy(app, None)?,
            &PredefinedMenuItem::paste(app, None)?,
            &PredefinedMenuItem::select_all(app, None)?,
        ],
    )?;
    Menu::with_items(app, &[&soundmind, &edit, &go])
}

fn on_menu(app: &AppHandle, id: &str, state: &AppState, base: &tauri::Url) {
    let show = |path: &str| {
        if let (Some(window), Ok(url)) = (app.get_webview_window(MAIN), base.join(path)) {
            let _ = window.navigate(url);
        }
    };
    match id {
        "about" => show("/about"),
        "preferences" => show("/settings"),
        "journal" => show("/journal"),
        "sessions" => show("/sessions"),
        "open-folder" => {
            let folder = state.config().sessions_dir.value;
            // A folder that is not there yet (first run, or deleted meanwhile) opens its parent.
            let target = if folder.is_dir() { folder.join(".") } else { folder };
            if let Err(e) = soundmind_web::open_in_file_manager(&target) {
                eprintln!("soundmind: could not open the file manager: {e}");
            }
        }
        // The same path as closing the window: the loop ends and the server ends the session safely.
        "quit" => app.exit(0),
        _ => {}
    }
}
