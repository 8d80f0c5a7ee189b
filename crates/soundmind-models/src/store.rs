//! [`ModelStore`]: the models folder — what is installed, adding local files, removing, downloading into it.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use soundmind_engine::CancelToken;
use soundmind_remote::Http;

use crate::catalog::check_file_name;
use crate::download::{DownloadEvent, DownloadOptions, PART_SUFFIX, download};
use crate::durable::{rename_durable, sync_dir};
use crate::registry::{FolderLock, LocalModel, Registry};
use crate::verify::Hasher;
use crate::{Catalog, CatalogEntry, Checksum, ModelError, ModelFormat, ModelKind, sniff, validate_name};

/// Where a listed model comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The catalogue (downloadable).
    Catalog,
    /// Added by the user from a local file (recorded in `registry.json`).
    Added,
}

/// One model as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelStatus {
    /// Its description (for added models, built from the registry record).
    pub entry: CatalogEntry,
    /// Catalogue or added.
    pub origin: Origin,
    /// True when its file is in the folder.
    pub installed: bool,
    /// Where its file is (or will be).
    pub path: PathBuf,
    /// The file's size, when installed.
    pub size_on_disk: Option<u64>,
    /// Bytes of an interrupted download waiting to be resumed.
    pub partial_bytes: Option<u64>,
}

/// The models folder. The app chooses the folder (the OS data dir by default); this type never guesses it.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
    catalog: Catalog,
}

impl ModelStore {
    /// A store over `dir` (created when something is written) and `catalog`.
    pub fn new(dir: impl Into<PathBuf>, catalog: Catalog) -> Self {
        Self {
            dir: dir.into(),
            catalog,
        }
    }

    /// The models folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The catalogue.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Every catalogue model (in catalogue order), then every added model, with what is on disk.
    pub fn list(&self) -> Result<Vec<ModelStatus>, ModelError> {
        let mut out: Vec<ModelStatus> = self
            .catalog
            .entries()
            .iter()
            .map(|entry| self.status_of(entry.clone(), Origin::Catalog))
            .collect();
        let registry = Registry::load(&self.dir)?;
        out.extend(
            registry
                .models
                .iter()
                .map(|local| self.status_of(local.to_entry(), Origin::Added)),
        );
        Ok(out)
    }

    /// The status of one model by name.
    pub fn status(&self, name: &str) -> Result<ModelStatus, ModelError> {
        if let Some(entry) = self.catalog.get(name) {
            return Ok(self.status_of(entry.clone(), Origin::Catalog));
        }
        let registry = Registry::load(&self.dir)?;
        let local = registry.get(name).ok_or_else(|| ModelError::NotInCatalog {
            name: name.to_string(),
        })?;
        Ok(self.status_of(local.to_entry(), Origin::Added))
    }

    /// The installed file of `name` (a catalogue or an added model); `None` when it is not installed.
    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        self.status(name).ok().filter(|s| s.installed).map(|s| s.path)
    }

    /// Downloads catalogue model `name` into the folder (see [`download`]).
    pub fn download(
        &self,
        name: &str,
        http: &Http,
        options: &DownloadOptions<'_>,
        on_event: &mut dyn FnMut(DownloadEvent),
        cancel: &CancelToken,
    ) -> Result<PathBuf, ModelError> {
        let entry = self.catalog.find(name)?;
        download(&self.dir, entry, http, options, on_event, cancel)
    }

    /// Deletes an installed model's file (and any partial download of it); an added model also leaves the
    /// registry. Returns the path that was removed.
    pub fn remove(&self, name: &str) -> Result<PathBuf, ModelError> {
        if !self.dir.is_dir() {
            return self.status(name).and_then(|_| {
                Err(ModelError::NotInstalled {
                    name: name.to_string(),
                })
            });
        }
        let _lock = FolderLock::acquire(&self.dir)?;
        if let Some(entry) = self.catalog.get(name) {
            let path = self.dir.join(&entry.file_name);
            let part = self.dir.join(format!("{}{PART_SUFFIX}", entry.file_name));
            let removed_file = remove_if_present(&path)?;
            let removed_part = remove_if_present(&part)?;
            if !removed_file && !removed_part {
                return Err(ModelError::NotInstalled {
                    name: name.to_string(),
                });
            }
            sync_dir(&self.dir)?;
            return Ok(path);
        }
        let mut registry = Registry::load(&self.dir)?;
        let index = registry
            .models
            .iter()
            .position(|m| m.name == name)
            .ok_or_else(|| ModelError::NotInCatalog {
                name: name.to_string(),
            })?;
        let local = registry.models.remove(index);
        let path = self.dir.join(&local.file_name);
        remove_if_present(&path)?;
        registry.save(&self.dir)?;
        Ok(path)
    }

    /// Copies a local model file into the folder, after checking that it exists, is not empty and starts with a
    /// ggml or GGUF header. With the name of a catalogue entry it installs that entry (verified against the
    /// catalogue's checksum when one is published); any other name (default: the file name without extension) is
    /// recorded in `registry.json` with the file's SHA-256. The copy is atomic: a temporary file, fsync, rename,
    /// fsync the folder.
    pub fn add(&self, file: &Path, name: Option<&str>) -> Result<ModelStatus, ModelError> {
        let format = sniff(file)?;
        let name = match name {
            Some(name) => name.to_string(),
            None => default_name(file),
        };
        validate_name(&name)?;
        std::fs::create_dir_all(&self.dir).map_err(ModelError::io(&self.dir))?;
        let _lock = FolderLock::acquire(&self.dir)?;

        if let Some(entry) = self.catalog.get(&name) {
            let wanted = match entry.kind {
                ModelKind::Llm => Some(ModelFormat::Gguf),
                ModelKind::Whisper | ModelKind::Vad => Some(ModelFormat::Ggml),
                ModelKind::Tts => None,
            };
            if let Some(wanted) = wanted.filter(|w| *w != format) {
                return Err(ModelError::NotAModel {
                    path: file.to_path_buf(),
                    reason: format!(
                        "{name} is a {wanted} {} model but this file is {format}",
                        entry.kind
                    ),
                });
            }
            let target = self.dir.join(&entry.file_name);
            if target.exists() {
                return Err(ModelError::AlreadyInstalled { name, path: target });
            }
            self.copy_in(file, &target, entry.checksum().as_ref())?;
            return Ok(self.status_of(entry.clone(), Origin::Catalog));
        }

        let mut registry = Registry::load(&self.dir)?;
        if let Some(existing) = registry.get(&name) {
            return Err(ModelError::AlreadyInstalled {
                name,
                path: self.dir.join(&existing.file_name),
            });
        }
        let file_name = self.free_file_name(file, &name, format, &registry)?;
        let target = self.dir.join(&file_name);
        let sha256 = self.copy_in(file, &target, None)?;
        let size_bytes = std::fs::metadata(&target).map_err(ModelError::io(&target))?.len();
        let local = LocalModel {
            name,
            kind: guess_kind(format, &file_name),
            file_name,
            size_bytes,
            sha256,
            source: file.display().to_string(),
        };
        registry.models.push(local.clone());
        if let Err(e) = registry.save(&self.dir) {
            let _ = std::fs::remove_file(&target);
            return Err(e);
        }
        Ok(self.status_of(local.to_entry(), Origin::Added))
    }

    fn status_of(&self, entry: CatalogEntry, origin: Origin) -> ModelStatus {
        let path = self.dir.join(&entry.file_name);
        let size_on_disk = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let partial_bytes = std::fs::metadata(self.dir.join(format!("{}{PART_SUFFIX}", entry.file_name)))
            .ok()
            .map(|m| m.len())
            .filter(|len| *len > 0);
        ModelStatus {
            entry,
            origin,
            installed: size_on_disk.is_some(),
            path,
            size_on_disk,
            partial_bytes,
        }
    }

    /// The source's own file name when it is free and clashes with nothing in the catalogue; else `<name>.<ext>`.
    fn free_file_name(
        &self,
        file: &Path,
        name: &str,
        format: ModelFormat,
        registry: &Registry,
    ) -> Result<String, ModelError> {
        let taken = |candidate: &str| {
            self.dir.join(candidate).exists()
                || self.catalog.entries().iter().any(|e| e.file_name == candidate)
                || registry.models.iter().any(|m| m.file_name == candidate)
        };
        let own = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if check_file_name(&own).is_ok() && !taken(&own) {
            return Ok(own);
        }
        let extension = match format {
            ModelFormat::Ggml => "bin",
            ModelFormat::Gguf => "gguf",
        };
        let fallback = format!("{name}.{extension}");
        if check_file_name(&fallback).is_ok() && !taken(&fallback) {
            return Ok(fallback);
        }
        Err(ModelError::AlreadyInstalled {
            name: name.to_string(),
            path: self.dir.join(fallback),
        })
    }

    /// Copies `from` to `to` through a temporary file, verifying `expected` when given. Returns the SHA-256.
    fn copy_in(&self, from: &Path, to: &Path, expected: Option<&Checksum>) -> Result<String, ModelError> {
        let name = to
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = self.dir.join(format!(".{name}.adding.{}", std::process::id()));
        let result = copy_hashing(from, &temp, expected).and_then(|(sha256, other)| {
            if let (Some(expected), Some(actual)) = (expected, other) {
                let expected = expected.to_string();
                if actual != expected {
                    return Err(ModelError::ChecksumMismatch {
                        expected,
                        actual,
                        url: from.display().to_string(),
                    });
                }
            }
            rename_durable(&temp, to)?;
            Ok(sha256)
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }
}

/// Copies with fsync, computing the SHA-256 and, when `expected` names another digest, that one too.
fn copy_hashing(
    from: &Path,
    to: &Path,
    expected: Option<&Checksum>,
) -> Result<(String, Option<String>), ModelError> {
    let mut source = File::open(from).map_err(ModelError::io(from))?;
    let mut target = File::create(to).map_err(ModelError::io(to))?;
    let mut sha256 = Hasher::for_checksum(Some(&Checksum::Sha256(String::new())));
    let mut other = Hasher::for_checksum(expected.filter(|c| matches!(c, Checksum::Sha1(_))));
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = source.read(&mut buf).map_err(ModelError::io(from))?;
        if n == 0 {
            break;
        }
        target.write_all(&buf[..n]).map_err(ModelError::io(to))?;
        sha256.update(&buf[..n]);
        other.update(&buf[..n]);
    }
    target.sync_all().map_err(ModelError::io(to))?;
    let sha256 = sha256.finish().unwrap_or_default();
    let other = match expected {
        Some(Checksum::Sha256(_)) => Some(sha256.clone()),
        _ => other.finish(),
    };
    Ok((sha256.trim_start_matches("sha256:").to_string(), other))
}

fn remove_if_present(path: &Path) -> Result<bool, ModelError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(ModelError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// The file name without its extension, with anything outside `A-Z a-z 0-9 . _ -` replaced by `-`.
fn default_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    cleaned.trim_start_matches(['.', '-']).chars().take(100).collect()
}

/// GGUF files are language models; ggml files are whisper.cpp models, or its VAD when the name says so.
fn guess_kind(format: ModelFormat, file_name: &str) -> ModelKind {
    let lower = file_name.to_ascii_lowercase();
    match format {
        ModelFormat::Gguf => ModelKind::Llm,
        ModelFormat::Ggml if lower.contains("vad") || lower.contains("silero") => ModelKind::Vad,
        ModelFormat::Ggml => ModelKind::Whisper,
    }
}
