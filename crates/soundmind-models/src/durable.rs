//! Durable file operations: data reaches the disk before a rename makes it visible, and the rename itself is
//! flushed by syncing the folder.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::ModelError;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename over `path`, fsync the
/// folder. Readers see the old or the new contents, never a mix, even after a crash.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = File::create(&temp).map_err(ModelError::io(&temp))?;
        file.write_all(bytes).map_err(ModelError::io(&temp))?;
        file.sync_all().map_err(ModelError::io(&temp))?;
        drop(file);
        std::fs::rename(&temp, path).map_err(ModelError::io(path))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Flushes a folder's entries (a rename or a removal) to disk. A no-op where folders cannot be opened (Windows).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), ModelError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(ModelError::io(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Renames `from` to `to` and flushes the folder.
pub(crate) fn rename_durable(from: &Path, to: &Path) -> Result<(), ModelError> {
    std::fs::rename(from, to).map_err(ModelError::io(to))?;
    sync_dir(to.parent().unwrap_or(Path::new(".")))
}
