//! Free disk space, asked before a download starts (and again when the server announces a bigger file).

use std::path::Path;

use crate::ModelError;

/// Free space in a folder. The system one asks the OS; tests pass a closure `|dir: &Path| Ok(bytes)`.
pub trait DiskSpace {
    /// Bytes available to this user in `dir`.
    fn available(&self, dir: &Path) -> std::io::Result<u64>;
}

/// The OS's answer (`statvfs`, `GetDiskFreeSpaceEx`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemDisk;

impl DiskSpace for SystemDisk {
    fn available(&self, dir: &Path) -> std::io::Result<u64> {
        fs4::available_space(dir)
    }
}

impl<F: Fn(&Path) -> std::io::Result<u64>> DiskSpace for F {
    fn available(&self, dir: &Path) -> std::io::Result<u64> {
        self(dir)
    }
}

/// Fails with [`ModelError::DiskFull`] unless `dir` has room for `remaining` bytes plus a 10 % margin (for the
/// file system's own overhead, and so a download never fills the disk to the last byte).
pub(crate) fn check_space(disk: &dyn DiskSpace, dir: &Path, remaining: u64) -> Result<(), ModelError> {
    let needed = remaining.saturating_add(remaining / 10);
    let available = disk.available(dir).map_err(ModelError::io(dir))?;
    if available < needed {
        return Err(ModelError::DiskFull {
            dir: dir.to_path_buf(),
            needed,
            available,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_answers_and_the_margin_applies() {
        let dir = std::env::temp_dir();
        assert!(SystemDisk.available(&dir).unwrap() > 0);
        let fixed = |_: &Path| Ok(1_100);
        assert!(check_space(&fixed, &dir, 1_000).is_ok());
        assert!(matches!(
            check_space(&fixed, &dir, 1_001),
            Err(ModelError::DiskFull {
                needed: 1_101,
                available: 1_100,
                ..
            })
        ));
    }
}
