//! Cross-process locks, one per session, so the CLI and the app can share a journal folder.
//!
//! A lock is a file under `<sessions>/.soundmind/locks/` locked with the OS's advisory file lock (`flock` on
//! Unix, `LockFileEx` on Windows). The session file itself cannot carry the lock: every save renames a new
//! file over it, which would orphan a lock held on the old inode. The OS releases the lock when the process
//! dies, so a crash never leaves a session locked.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::StoreError;

/// A held lock; released on drop.
#[derive(Debug)]
pub struct SessionLock {
    file: File,
    path: PathBuf,
}

/// The folder inside a journal where Soundmind keeps its own bookkeeping.
pub const STATE_DIR: &str = ".soundmind";

impl SessionLock {
    /// Waits up to `timeout` for the lock named `name` in `sessions_dir`.
    pub fn acquire(sessions_dir: &Path, name: &str, timeout: Duration) -> Result<Self, StoreError> {
        let dir = sessions_dir.join(STATE_DIR).join("locks");
        fs::create_dir_all(&dir).map_err(StoreError::io("create", &dir))?;
        let path = dir.join(format!("{name}.lock"));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(StoreError::io("open", &path))?;
        let deadline = Instant::now() + timeout;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = if holder.trim().is_empty() {
                        "unknown".into()
                    } else {
                        holder.trim().into()
                    };
                    return Err(StoreError::Locked { path, holder });
                }
                Err(fs::TryLockError::Error(e)) => return Err(StoreError::io("lock", &path)(e)),
            }
        }
        // Say who holds it, for the error another process will print. Best effort: the lock is what matters.
        let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| {
            let exe = std::env::args().next().unwrap_or_default();
            writeln!(file, "pid {} ({})", std::process::id(), exe)
        });
        Ok(Self { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_times_out_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = SessionLock::acquire(dir.path(), "s", Duration::from_secs(1)).unwrap();
        // std locks are per open file description, so a second open in this process contends like another process.
        match SessionLock::acquire(dir.path(), "s", Duration::from_millis(50)) {
            Err(StoreError::Locked { holder, .. }) => {
                assert!(holder.contains(&std::process::id().to_string()))
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(first);
        SessionLock::acquire(dir.path(), "s", Duration::from_millis(50)).unwrap();
    }
}
