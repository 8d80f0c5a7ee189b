//! The dedicated thread each model lives on: requests go in over a channel, one at a time. If the thread dies (a
//! panic outside the guarded call), the next request starts a fresh one.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use soundmind_engine::EngineError;

type Start<R> = Arc<dyn Fn(Receiver<R>) + Send + Sync>;

/// A thread that owns a model and serves requests of type `R`.
pub(crate) struct Worker<R: Send + 'static> {
    name: &'static str,
    stack_size: usize,
    start: Start<R>,
    handle: Mutex<Handle<R>>,
}

struct Handle<R> {
    tx: Option<Sender<R>>,
    thread: Option<JoinHandle<()>>,
}

impl<R: Send + 'static> std::fmt::Debug for Worker<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<R: Send + 'static> Worker<R> {
    /// Starts the thread, which runs `serve` until the channel closes.
    pub(crate) fn new(
        name: &'static str,
        stack_size: usize,
        serve: impl Fn(Receiver<R>) + Send + Sync + 'static,
    ) -> Self {
        let start: Start<R> = Arc::new(serve);
        let handle = Mutex::new(spawn(name, stack_size, &start));
        Self {
            name,
            stack_size,
            start,
            handle,
        }
    }

    /// Hands `request` to the thread, restarting it if it died.
    pub(crate) fn send(&self, request: R) -> Result<(), EngineError> {
        let mut handle = self.handle.lock().unwrap_or_else(PoisonError::into_inner);
        let request = match handle.tx.as_ref().map(|tx| tx.send(request)) {
            Some(Ok(())) => return Ok(()),
            Some(Err(mpsc::SendError(request))) => request,
            None => {
                return Err(EngineError::Internal(format!(
                    "the {} thread could not start",
                    self.name
                )));
            }
        };
        if let Some(old) = handle.thread.take() {
            let _ = old.join();
        }
        *handle = spawn(self.name, self.stack_size, &self.start);
        handle
            .tx
            .as_ref()
            .and_then(|tx| tx.send(request).ok())
            .ok_or_else(|| EngineError::Internal(format!("the {} thread could not start", self.name)))
    }
}

impl<R: Send + 'static> Drop for Worker<R> {
    fn drop(&mut self) {
        let handle = self.handle.get_mut().unwrap_or_else(PoisonError::into_inner);
        // Closing the channel ends the serve loop, which frees the model.
        handle.tx.take();
        if let Some(thread) = handle.thread.take() {
            let _ = thread.join();
        }
    }
}

fn spawn<R: Send + 'static>(name: &'static str, stack_size: usize, start: &Start<R>) -> Handle<R> {
    let (tx, rx) = mpsc::channel();
    let serve = Arc::clone(start);
    let thread = std::thread::Builder::new()
        .name(name.into())
        .stack_size(stack_size)
        .spawn(move || serve(rx));
    match thread {
        Ok(thread) => Handle {
            tx: Some(tx),
            thread: Some(thread),
        },
        Err(_) => Handle {
            tx: None,
            thread: None,
        },
    }
}

/// What an engine thread does next.
pub(crate) enum Next<R> {
    /// Serve this request.
    Serve(R),
    /// Nothing came for the idle timeout: free the model.
    Unload,
    /// The owner is gone: end the thread.
    Stop,
}

/// Waits for the next request. With a model `loaded` and an `idle` timeout, waits at most that long.
pub(crate) fn next_request<R>(rx: &Receiver<R>, loaded: bool, idle: Option<Duration>) -> Next<R> {
    match idle.filter(|_| loaded) {
        Some(timeout) => match rx.recv_timeout(timeout) {
            Ok(request) => Next::Serve(request),
            Err(RecvTimeoutError::Timeout) => Next::Unload,
            Err(RecvTimeoutError::Disconnected) => Next::Stop,
        },
        None => rx.recv().map_or(Next::Stop, Next::Serve),
    }
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
