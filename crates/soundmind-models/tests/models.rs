//! soundmind-models against a real loopback HTTP server (`soundmind_testkit::servers::FileServer`) and real files:
//!
//! - `download`: a clean download (progress, SHA-256 and SHA-1 verified), a transfer cut halfway and resumed with
//!   `Range` (in the same call and in the next one), a server that ignores `Range`, a corrupt file rejected without
//!   leftovers, a stalled server that trips the watchdog and falls back to a mirror, disk space checked before any
//!   byte is fetched.
//! - `download_guards`: unverified entries need an opt-in, offline mode skips a non-loopback URL, cancel keeps the
//!   partial file, a second downloader is refused, and the real SmolLM2 GGUF (when installed) downloads and resumes.
//! - `store`: listing, adding real ggml/GGUF files (and refusing others), removing, the registry file.

#[path = "models/download.rs"]
mod download;
#[path = "models/download_guards.rs"]
mod download_guards;
#[path = "models/store.rs"]
mod store;

mod util {
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use sha2::Digest;
    use soundmind_engine::CancelToken;
    use soundmind_models::{
        CatalogEntry, DiskSpace, DownloadEvent, DownloadOptions, ModelError, ModelKind, download,
    };
    use soundmind_remote::{Http, HttpPolicy, RetryPolicy};

    /// Deterministic pseudo-random bytes (xorshift64*).
    pub(crate) fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            out.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
        }
        out.truncate(len);
        out
    }

    pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
        hex::encode(sha2::Sha256::digest(bytes))
    }

    pub(crate) fn sha1_hex(bytes: &[u8]) -> String {
        hex::encode(sha1::Sha1::digest(bytes))
    }

    /// A catalogue entry for `bytes` served at `urls`, verified by SHA-256.
    pub(crate) fn entry(name: &str, urls: Vec<String>, bytes: &[u8]) -> CatalogEntry {
        CatalogEntry {
            name: name.to_string(),
            kind: ModelKind::Whisper,
            file_name: format!("ggml-{name}.bin"),
            size_bytes: bytes.len() as u64,
            sha256: Some(sha256_hex(bytes)),
            sha1: None,
            unverified: false,
            urls,
            licence: "MIT".into(),
            description: "test model".into(),
            params: Default::default(),
        }
    }

    /// A client whose stall watchdog fires after `read_timeout`.
    pub(crate) fn http(read_timeout: Duration) -> Http {
        Http::new(HttpPolicy {
            read_timeout,
            connect_timeout: Duration::from_secs(2),
            ..HttpPolicy::default()
        })
        .expect("http client")
    }

    pub(crate) fn plenty(_: &Path) -> std::io::Result<u64> {
        Ok(u64::MAX / 2)
    }

    pub(crate) fn options(attempts: u32, disk: &dyn DiskSpace) -> DownloadOptions<'_> {
        DownloadOptions {
            allow_unverified: false,
            retry: RetryPolicy {
                attempts,
                base: Duration::from_millis(10),
                max_jitter_fraction: 0.3,
                max_retry_after: Duration::from_secs(5),
            },
            disk,
        }
    }

    /// Downloads `entry` into `dir`, collecting the events.
    pub(crate) fn run(
        dir: &Path,
        entry: &CatalogEntry,
        http: &Http,
        options: &DownloadOptions<'_>,
    ) -> (Result<PathBuf, ModelError>, Vec<DownloadEvent>) {
        let mut events = Vec::new();
        let result = download(
            dir,
            entry,
            http,
            options,
            &mut |e| events.push(e),
            &CancelToken::new(),
        );
        (result, events)
    }

    /// Names of the files in `dir`, sorted.
    pub(crate) fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}
