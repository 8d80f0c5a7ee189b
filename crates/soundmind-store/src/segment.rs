//! Audio segments written as they arrive: 16 kHz mono PCM16 WAV files that survive a crash at any moment.
//!
//! The WAV header is written first with zero sizes and rewritten with the real sizes at each sync (about once a
//! second) and at the end. A `<segment>.recording` marker sits next to the file while it is open. After a crash
//! the marker tells the next start that the segment was cut off; [`repair_wav`] then fixes the header from the
//! file's length, so everything that reached the disk is kept and can be transcribed.

use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::StoreError;
use crate::atomic::sync_parent;

const HEADER_LEN: u64 = 44;
/// Segments are 16 kHz mono 16-bit, as HSJ records them.
pub const SEGMENT_RATE: u32 = 16_000;
/// How often the header is updated and the data fsynced while recording.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

/// The marker file that says "this segment is being written".
pub fn marker_path(wav: &Path) -> PathBuf {
    let mut name = wav.file_name().unwrap_or_default().to_os_string();
    name.push(".recording");
    wav.with_file_name(name)
}

/// Writes one segment as audio arrives.
#[derive(Debug)]
pub struct SegmentWriter {
    file: File,
    path: PathBuf,
    data_bytes: u64,
    last_sync: Instant,
}

impl SegmentWriter {
    /// Creates `path` (which must not exist) and its `.recording` marker, both durably.
    pub fn create(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(StoreError::io("create", dir))?;
        }
        let marker = marker_path(path);
        File::create(&marker)
            .and_then(|f| f.sync_all())
            .map_err(StoreError::io("create", &marker))?;
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(StoreError::io("create", path))?;
        file.write_all(&header(0))
            .map_err(StoreError::io("write", path))?;
        file.sync_all().map_err(StoreError::io("sync", path))?;
        sync_parent(path).map_err(StoreError::io("sync the folder of", path))?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            data_bytes: 0,
            last_sync: Instant::now(),
        })
    }

    /// Appends samples (16 kHz mono, `[-1, 1]`); syncs to disk when a second has passed since the last sync.
    pub fn append(&mut self, samples: &[f32]) -> Result<(), StoreError> {
        let mut bytes = Vec::with_capacity(samples.len() * 2);
        for s in samples {
            bytes.extend_from_slice(&((s.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16).to_le_bytes());
        }
        self.file
            .write_all(&bytes)
            .map_err(StoreError::io("write", &self.path))?;
        self.data_bytes += bytes.len() as u64;
        if self.last_sync.elapsed() >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(())
    }

    /// Writes the current sizes into the header and fsyncs: everything appended so far is durable.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        let io = StoreError::io("sync", &self.path);
        let result = (|| {
            self.file.seek(SeekFrom::Start(0))?;
            self.file.write_all(&header(self.data_bytes))?;
            self.file.seek(SeekFrom::End(0))?;
            self.file.sync_data()
        })();
        self.last_sync = Instant::now();
        result.map_err(io)
    }

    /// Seconds recorded so far.
    pub fn seconds(&self) -> f64 {
        self.data_bytes as f64 / 2.0 / f64::from(SEGMENT_RATE)
    }

    /// The segment file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Syncs a final time and removes the marker: the segment is complete.
    pub fn finish(mut self) -> Result<PathBuf, StoreError> {
        self.sync()?;
        let marker = marker_path(&self.path);
        fs::remove_file(&marker).map_err(StoreError::io("remove", &marker))?;
        sync_parent(&self.path).map_err(StoreError::io("sync the folder of", &self.path))?;
        Ok(self.path)
    }

    /// Deletes the segment (a cancelled or discarded take).
    pub fn discard(self) -> Result<(), StoreError> {
        let path = self.path.clone();
        drop(self.file);
        fs::remove_file(&path).map_err(StoreError::io("remove", &path))?;
        let _ = fs::remove_file(marker_path(&path));
        sync_parent(&path).map_err(StoreError::io("sync the folder of", &path))
    }
}

/// A 44-byte PCM16 mono 16 kHz WAV header for `data_bytes` of samples.
fn header(data_bytes: u64) -> [u8; HEADER_LEN as usize] {
    let data = u32::try_from(data_bytes).unwrap_or(u32::MAX);
    let mut h = [0u8; HEADER_LEN as usize];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data.saturating_add(36).to_le_bytes());
    h[8..16].copy_from_slice(b"WAVEfmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&1u16.to_le_bytes()); // mono
    h[24..28].copy_from_slice(&SEGMENT_RATE.to_le_bytes());
    h[28..32].copy_from_slice(&(SEGMENT_RATE * 2).to_le_bytes());
    h[32..34].copy_from_slice(&2u16.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data.to_le_bytes());
    h
}

/// Fixes a segment left by a crash: sets the header sizes from the file length (dropping a torn half sample)
/// and removes the `.recording` marker. Returns the seconds of audio kept.
pub fn repair_wav(path: &Path) -> Result<f64, StoreError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(StoreError::io("open", path))?;
    let len = file.metadata().map_err(StoreError::io("read", path))?.len();
    let data_bytes = len.saturating_sub(HEADER_LEN) & !1;
    let io = StoreError::io("repair", path);
    (|| {
        file.set_len(HEADER_LEN + data_bytes)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header(data_bytes))?;
        file.sync_all()
    })()
    .map_err(io)?;
    let marker = marker_path(path);
    match fs::remove_file(&marker) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(StoreError::io("remove", marker)(e));
        }
        _ => {}
    }
    sync_parent(path).map_err(StoreError::io("sync the folder of", path))?;
    Ok(data_bytes as f64 / 2.0 / f64::from(SEGMENT_RATE))
}

/// Segments under `session_dir` that a crash left behind (their `.recording` marker still exists).
pub fn interrupted_segments(session_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(session_dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let wav = name.strip_suffix(".recording")?;
            let path = session_dir.join(wav);
            path.exists().then_some(path)
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_segment_is_a_valid_wav() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s").join("s_01.wav");
        let mut writer = SegmentWriter::create(&path).unwrap();
        assert!(marker_path(&path).exists());
        writer.append(&vec![0.25; 16_000]).unwrap();
        writer.append(&vec![-0.25; 8_000]).unwrap();
        assert_eq!(writer.seconds(), 1.5);
        writer.finish().unwrap();
        assert!(!marker_path(&path).exists());
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 44 + 48_000);
        assert_eq!(u32::from_le_bytes(bytes[40..44].try_into().unwrap()), 48_000);
        assert_eq!(i16::from_le_bytes([bytes[44], bytes[45]]), 8192);
    }

    #[test]
    fn a_crashed_segment_is_found_and_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s_02.wav");
        let mut writer = SegmentWriter::create(&path).unwrap();
        writer.append(&vec![0.1; 16_000]).unwrap();
        // Simulate a crash: sizes in the header are stale, a torn half sample at the end, the marker remains.
        std::mem::forget(writer);
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&[7])
            .unwrap();
        assert_eq!(interrupted_segments(dir.path()), vec![path.clone()]);
        assert_eq!(repair_wav(&path).unwrap(), 1.0);
        assert!(interrupted_segments(dir.path()).is_empty());
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 44 + 32_000);
        assert_eq!(u32::from_le_bytes(bytes[4..8].try_into().unwrap()), 36 + 32_000);
    }
}
