//! Downloading a catalogue entry: disk check first, resume from `<file>.part`, hash while writing, stall watchdog,
//! mirror fallback, atomic move into place.

use std::fmt;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use soundmind_engine::{CancelToken, EngineError};
use soundmind_remote::{Http, HttpResponse, RetryPolicy, Service, check_status, with_retry};

use crate::disk::{DiskSpace, SystemDisk, check_space};
use crate::durable::{rename_durable, sync_dir};
use crate::verify::Hasher;
use crate::{CatalogEntry, Checksum, ModelError};

/// What a download reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownloadEvent {
    /// A server answered; `total` is the whole file's size when it said.
    Started {
        /// The URL that answered.
        url: String,
        /// The file's full size.
        total: Option<u64>,
    },
    /// The server accepted a `Range` request: the first `from` bytes were already on disk.
    Resumed {
        /// Bytes kept from the partial file.
        from: u64,
    },
    /// Bytes on disk so far (at most every 1 % or 256 KiB, and at the end).
    Progress {
        /// Bytes on disk.
        done: u64,
        /// The full size, when known.
        total: Option<u64>,
    },
    /// The previous URL failed; trying the next one.
    MirrorFallback {
        /// The URL tried next.
        url: String,
        /// Why the previous one failed.
        reason: String,
    },
    /// All bytes are on disk; checking the digest.
    Verifying,
    /// The model is in place.
    Done {
        /// Its path.
        path: PathBuf,
    },
}

/// How to download.
pub struct DownloadOptions<'a> {
    /// Download an entry without a published checksum (marked `unverified` in the catalogue). Off by default:
    /// without a digest nothing tells a truncated, tampered or wrong file from the real one, and a bad model file can
    /// crash the native loader instead of failing cleanly.
    pub allow_unverified: bool,
    /// Retries per URL for transient failures (a stall, a dropped connection, 5xx); each retry resumes the partial
    /// file. After the last one the next mirror is tried.
    pub retry: RetryPolicy,
    /// Where free space comes from.
    pub disk: &'a dyn DiskSpace,
}

impl Default for DownloadOptions<'_> {
    fn default() -> Self {
        Self {
            allow_unverified: false,
            retry: RetryPolicy::default(),
            disk: &SystemDisk,
        }
    }
}

impl fmt::Debug for DownloadOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("allow_unverified", &self.allow_unverified)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// The partial file's suffix.
pub const PART_SUFFIX: &str = ".part";

/// Downloads `entry` into `dir` and returns the final path. Already installed: returns at once.
///
/// In order: refuse unverified entries (unless allowed); lock `<file>.part` against a second downloader; check free
/// space (the rest of the file + 10 %); then for each URL (primary, then mirrors), with [`DownloadOptions::retry`]
/// for transient failures: request `Range: bytes=N-` when a partial file exists (a 206 continues it, a 200 starts
/// over), write and hash each chunk, fail the attempt when the server stalls longer than the client's read timeout.
/// A digest mismatch deletes the partial file and moves on to the next URL. On success: fsync, rename into place,
/// fsync the folder. A failed or cancelled download keeps its partial file for the next call.
pub fn download(
    dir: &Path,
    entry: &CatalogEntry,
    http: &Http,
    options: &DownloadOptions<'_>,
    on_event: &mut dyn FnMut(DownloadEvent),
    cancel: &CancelToken,
) -> Result<PathBuf, ModelError> {
    entry.validate()?;
    let expected = entry.checksum();
    if expected.is_none() && !options.allow_unverified {
        return Err(ModelError::Unverified {
            name: entry.name.clone(),
        });
    }
    std::fs::create_dir_all(dir).map_err(ModelError::io(dir))?;
    let final_path = dir.join(&entry.file_name);
    if final_path.is_file() {
        on_event(DownloadEvent::Done {
            path: final_path.clone(),
        });
        return Ok(final_path);
    }
    let part_path = dir.join(format!("{}{PART_SUFFIX}", entry.file_name));
    let mut part = File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&part_path)
        .map_err(ModelError::io(&part_path))?;
    match part.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(ModelError::Busy { path: part_path }),
        // Some network file systems have no locks: download unguarded rather than not at all.
        Err(std::fs::TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {}
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(ModelError::Io {
                path: part_path,
                source: e,
            });
        }
    }

    let mut job = Job {
        dir,
        entry,
        http,
        options,
        expected,
        part_path: &part_path,
        known_total: None,
        on_event,
    };
    let result = job.run(&mut part, cancel);
    // An empty partial file is no use to a later resume.
    let empty = part.metadata().map(|m| m.len() == 0).unwrap_or(false);
    drop(part);
    match result {
        Ok(()) => {
            rename_durable(&part_path, &final_path)?;
            on_event(DownloadEvent::Done {
                path: final_path.clone(),
            });
            Ok(final_path)
        }
        Err(e) => {
            if empty {
                let _ = std::fs::remove_file(&part_path);
                let _ = sync_dir(dir);
            }
            Err(e)
        }
    }
}

struct Job<'a, 'e> {
    dir: &'a Path,
    entry: &'a CatalogEntry,
    http: &'a Http,
    options: &'a DownloadOptions<'a>,
    expected: Option<Checksum>,
    part_path: &'a Path,
    /// The size the first server announced: a mirror must agree before its bytes continue ours.
    known_total: Option<u64>,
    on_event: &'e mut dyn FnMut(DownloadEvent),
}

/// How an attempt failed: an HTTP failure for [`with_retry`] to judge, or an error that ends this URL (a digest
/// mismatch) or the whole download (disk, cancel).
enum Failure {
    Retry(EngineError),
    Stop(ModelError),
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        Failure::Retry(e)
    }
}

impl From<ModelError> for Failure {
    fn from(e: ModelError) -> Self {
        Failure::Stop(e)
    }
}

impl Job<'_, '_> {
    fn run(&mut self, part: &mut File, cancel: &CancelToken) -> Result<(), ModelError> {
        let have = part.metadata().map_err(ModelError::io(self.part_path))?.len();
        self.check_space(self.entry.size_bytes.saturating_sub(have))?;
        let entry = self.entry;
        let mut last_error: Option<ModelError> = None;
        for (index, url) in entry.urls.iter().enumerate() {
            if index > 0 {
                let reason = last_error.as_ref().map(ToString::to_string).unwrap_or_default();
                (self.on_event)(DownloadEvent::MirrorFallback {
                    url: url.clone(),
                    reason,
                });
            }
            let outcome = with_retry(&self.options.retry, cancel, |_| {
                match self.attempt(url, part, cancel) {
                    Ok(()) => Ok(Ok(())),
                    Err(Failure::Retry(e)) => Err(e),
                    Err(Failure::Stop(e)) => Ok(Err(e)),
                }
            });
            match outcome {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(mismatch @ ModelError::ChecksumMismatch { .. })) => last_error = Some(mismatch),
                Ok(Err(fatal)) => return Err(fatal),
                Err(EngineError::Cancelled) => return Err(ModelError::Cancelled),
                Err(http) => last_error = Some(ModelError::Http(http)),
            }
        }
        Err(last_error.unwrap_or_else(|| ModelError::NotInCatalog {
            name: entry.name.clone(),
        }))
    }

    fn check_space(&self, remaining: u64) -> Result<(), ModelError> {
        check_space(self.options.disk, self.dir, remaining)
    }

    /// One request, resuming the partial file when there is one.
    fn attempt(&mut self, url: &str, part: &mut File, cancel: &CancelToken) -> Result<(), Failure> {
        let have = part.metadata().map_err(ModelError::io(self.part_path))?.len();
        let mut request = self.http.get_model_file(url);
        if have > 0 {
            request = request.header("Range", &format!("bytes={have}-"));
        }
        let response = request.send()?;
        match response.status() {
            206 if have > 0 => match parse_content_range(response.header("content-range")) {
                Some((from, total)) if from == have && self.agrees(total) => {
                    (self.on_event)(DownloadEvent::Resumed { from: have });
                    self.receive(response, part, have, total, cancel)
                }
                _ => self.restart(part, url, "the server resumed at a different offset or size"),
            },
            416 if have > 0 => self.restart(part, url, "the server refused to resume"),
            _ => {
                let response = check_status(response, &DOWNLOAD_SERVICE)?;
                let total = response.content_length();
                if !self.agrees(total) {
                    return self.restart(part, url, "this mirror's file has a different size");
                }
                self.receive(response, part, 0, total, cancel)
            }
        }
    }

    /// Records the first size a server announced; later answers must agree before they continue the partial file.
    fn agrees(&mut self, total: Option<u64>) -> bool {
        match (self.known_total, total) {
            (Some(known), Some(new)) => known == new,
            (None, Some(new)) => {
                self.known_total = Some(new);
                true
            }
            _ => true,
        }
    }

    /// Empties the partial file and fails this attempt with a transient error, so the retry starts from zero.
    fn restart(&mut self, part: &mut File, url: &str, why: &str) -> Result<(), Failure> {
        part.set_len(0).map_err(ModelError::io(self.part_path))?;
        self.known_total = None;
        Err(Failure::Retry(EngineError::BadResponse {
            service: url.to_string(),
            reason: format!("{why}; starting over"),
        }))
    }

    fn receive(
        &mut self,
        mut response: HttpResponse,
        part: &mut File,
        start: u64,
        total: Option<u64>,
        cancel: &CancelToken,
    ) -> Result<(), Failure> {
        let url = response.url().to_string();
        let io = ModelError::io(self.part_path);
        (self.on_event)(DownloadEvent::Started {
            url: url.clone(),
            total,
        });
        if let Some(total) = total.filter(|t| *t > self.entry.size_bytes) {
            // The catalogue's size was low (an estimate): check again with the server's.
            self.check_space(total.saturating_sub(start))?;
        }
        let mut hasher = Hasher::for_checksum(self.expected.as_ref());
        if start == 0 {
            part.set_len(0).map_err(ModelError::io(self.part_path))?;
        } else {
            hasher.update_from_file(self.part_path, start)?;
        }
        part.seek(SeekFrom::Start(start))
            .map_err(ModelError::io(self.part_path))?;
        let step = total.map_or(256 * 1024, |t| (t / 100).max(256 * 1024));
        let mut buf = vec![0u8; 64 * 1024];
        let mut done = start;
        let mut reported = start;
        loop {
            if cancel.is_cancelled() {
                return Err(ModelError::Cancelled.into());
            }
            // A stall or a cut connection ends here with a transient error; what arrived stays in the partial file.
            let n = response.read_chunk(&mut buf)?;
            if n == 0 {
                break;
            }
            part.write_all(&buf[..n])
                .map_err(ModelError::io(self.part_path))?;
            hasher.update(&buf[..n]);
            done += n as u64;
            if done - reported >= step {
                reported = done;
                (self.on_event)(DownloadEvent::Progress { done, total });
            }
        }
        if let Some(total) = total
            && done != total
        {
            return Err(Failure::Retry(EngineError::Unreachable {
                url,
                reason: format!("the transfer ended after {done} of {total} bytes"),
            }));
        }
        if reported != done || done == 0 {
            (self.on_event)(DownloadEvent::Progress { done, total });
        }
        part.sync_all().map_err(io)?;
        (self.on_event)(DownloadEvent::Verifying);
        if let (Some(expected), Some(actual)) = (&self.expected, hasher.finish()) {
            let expected = expected.to_string();
            if actual != expected {
                part.set_len(0).map_err(ModelError::io(self.part_path))?;
                self.known_total = None;
                return Err(ModelError::ChecksumMismatch {
                    expected,
                    actual,
                    url,
                }
                .into());
            }
        }
        Ok(())
    }
}

const DOWNLOAD_SERVICE: Service<'static> = Service {
    name: "model download",
    env_var: "HF_TOKEN",
    api_key: None,
};

/// `bytes 100-199/1000` → `(100, Some(1000))`; `bytes 100-199/*` → `(100, None)`.
fn parse_content_range(value: Option<&str>) -> Option<(u64, Option<u64>)> {
    let spec = value?.trim().strip_prefix("bytes ")?;
    let (range, total) = spec.split_once('/')?;
    let (from, _) = range.split_once('-')?;
    let total = if total.trim() == "*" {
        None
    } else {
        Some(total.trim().parse().ok()?)
    };
    Some((from.trim().parse().ok()?, total))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_range() {
        assert_eq!(
            parse_content_range(Some("bytes 100-199/1000")),
            Some((100, Some(1000)))
        );
        assert_eq!(parse_content_range(Some("bytes 5-9/*")), Some((5, None)));
        assert_eq!(parse_content_range(Some("bytes */1000")), None);
        assert_eq!(parse_content_range(None), None);
    }
}
