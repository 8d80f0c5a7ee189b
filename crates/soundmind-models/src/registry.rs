//! `registry.json`: the models a user added from local files (catalogue models need no record: their file is the
//! record).

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::durable::write_atomic;
use crate::{CatalogEntry, ModelError, ModelKind};

/// The registry's file name in the models folder.
pub(crate) const REGISTRY_FILE: &str = "registry.json";
/// Held (OS advisory lock) while the registry or the folder is being changed.
const LOCK_FILE: &str = ".registry.lock";
const VERSION: u32 = 1;

/// A model added from a local file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LocalModel {
    pub(crate) name: String,
    pub(crate) kind: ModelKind,
    pub(crate) file_name: String,
    pub(crate) size_bytes: u64,
    pub(crate) sha256: String,
    /// Where the file was copied from, for `list`.
    pub(crate) source: String,
}

impl LocalModel {
    /// The catalogue-shaped description `list` shows.
    pub(crate) fn to_entry(&self) -> CatalogEntry {
        CatalogEntry {
            name: self.name.clone(),
            kind: self.kind,
            file_name: self.file_name.clone(),
            size_bytes: self.size_bytes,
            sha256: Some(self.sha256.clone()),
            sha1: None,
            unverified: false,
            urls: Vec::new(),
            licence: "unknown (added from a local file)".into(),
            description: format!("added from {}", self.source),
            params: Default::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Registry {
    version: u32,
    pub(crate) models: Vec<LocalModel>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            version: VERSION,
            models: Vec::new(),
        }
    }
}

impl Registry {
    pub(crate) fn path(dir: &Path) -> PathBuf {
        dir.join(REGISTRY_FILE)
    }

    /// Reads the registry; a missing file is an empty registry.
    pub(crate) fn load(dir: &Path) -> Result<Self, ModelError> {
        let path = Self::path(dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(ModelError::Io { path, source: e }),
        };
        let registry: Registry = serde_json::from_str(&text).map_err(|e| ModelError::Registry {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if registry.version != VERSION {
            return Err(ModelError::Registry {
                path,
                reason: format!(
                    "version {} is not supported (expected {VERSION})",
                    registry.version
                ),
            });
        }
        Ok(registry)
    }

    /// Writes the registry atomically (temp file, fsync, rename, fsync the folder).
    pub(crate) fn save(&self, dir: &Path) -> Result<(), ModelError> {
        let mut json = serde_json::to_string_pretty(self).expect("the registry serialises");
        json.push('\n');
        write_atomic(&Self::path(dir), json.as_bytes())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&LocalModel> {
        self.models.iter().find(|m| m.name == name)
    }
}

/// An exclusive lock on the models folder's registry, released on drop (or when the process dies).
#[derive(Debug)]
pub(crate) struct FolderLock {
    _file: File,
}

impl FolderLock {
    pub(crate) fn acquire(dir: &Path) -> Result<Self, ModelError> {
        let path = dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(ModelError::io(&path))?;
        match file.lock() {
            Ok(()) => {}
            // Some network file systems have no locks: go on unguarded rather than refuse to work.
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {}
            Err(e) => return Err(ModelError::Io { path, source: e }),
        }
        Ok(Self { _file: file })
    }
}
