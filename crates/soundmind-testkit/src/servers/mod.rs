//! Real HTTP servers on `127.0.0.1:0` for tests of the remote engines and of model downloads (feature `servers`):
//! [`FakeOpenAi`] (transcription), [`FakeChat`] (OpenAI, Ollama and Anthropic chat) and [`FileServer`].
//!
//! Each server runs an axum router on a multi-threaded tokio runtime on its own thread, so blocking clients in the
//! test thread talk to it over real TCP. Dropping the server stops it through a shutdown channel; requests still in
//! flight (a stalled download) are abandoned, not awaited.

mod chat;
mod files;
mod openai;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Duration;

pub use chat::{ChatReply, DEFAULT_MODELS, FakeChat, ReceivedChatRequest};
pub use files::{FileRequest, FileServer, Serve};
pub use openai::{FakeOpenAi, ReceivedFile, ReceivedRequest, Reply};

/// A running server: its address, and the channel and thread that stop it on drop.
#[derive(Debug)]
struct ServerHandle {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Binds `127.0.0.1:0` (before returning, so the address is ready to use) and serves `router`.
    fn start(router: axum::Router) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("test-server-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    tokio::select! {
                        result = axum::serve(listener, router).into_future() => result.expect("test server failed"),
                        _ = stop => {}
                    }
                });
                runtime.shutdown_timeout(Duration::from_millis(200));
            })
            .expect("spawn server thread");
        Self {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
