//! Soundmind's model files: the catalogue of downloadable models, downloads, and the models folder.
//!
//! This crate owns the catalogue ([`Catalog`], embedded from `catalog.toml`), downloads ([`download`]: disk check,
//! resume from `<file>.part`, SHA-256/SHA-1 checked while writing, stall watchdog, mirror fallback, atomic move into
//! place) and the folder itself ([`ModelStore`]: list, add a local file, remove). It reports progress through a
//! callback ([`DownloadEvent`]), never through a UI type, so the CLI, the web server and the desktop window all drive
//! the same code.
//!
//! It must not import the store, the app, the audio crate or any engine implementation: only `soundmind-engine`
//! (errors, cancellation) and `soundmind-remote`'s [`Http`](soundmind_remote::Http), so every download passes the
//! one guard (as [`Purpose::ModelFile`](soundmind_remote::Purpose::ModelFile): privacy mode lets catalogue files
//! through, offline mode does not). It never picks the models folder either: the app passes it in.
//!
//! Design decision: the catalogue carries only checksums that upstream published (whisper.cpp's SHA-1s), and an entry
//! without one is marked `unverified` and refused unless the caller opts in. The cost: some quantized whisper.cpp
//! models need `allow_unverified` (or `add` from a file the user trusts) until a published digest is added, and SHA-1
//! is a weaker check than SHA-256; the gain is that no digest in the catalogue is a guess.
#![warn(missing_docs)]

mod catalog;
mod disk;
mod download;
mod durable;
mod error;
mod format;
mod registry;
mod store;
mod verify;

pub use catalog::{Catalog, CatalogEntry, Checksum, ModelKind, validate_name};
pub use disk::{DiskSpace, SystemDisk};
pub use download::{DownloadEvent, DownloadOptions, PART_SUFFIX, download};
pub use error::ModelError;
pub use format::{GGML_MAGIC, ModelFormat, sniff, sniff_bytes};
pub use store::{ModelStatus, ModelStore, Origin};
pub use verify::sha256_file;

/// `1.5 GB`, `142 MB`, `885 kB`, `12 B`: sizes for people (decimal units, as disks and downloads are sold).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ if value < 10.0 => format!("{value:.1} {}", UNITS[unit]),
        _ => format!("{value:.0} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_sizes() {
        assert_eq!(super::human_bytes(12), "12 B");
        assert_eq!(super::human_bytes(885_098), "885 kB");
        assert_eq!(super::human_bytes(147_951_465), "148 MB");
        assert_eq!(super::human_bytes(1_624_555_275), "1.6 GB");
    }
}
