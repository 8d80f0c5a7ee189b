//! Levels in dBFS and voiced time, with HSJ's thresholds.

/// HSJ's voice threshold: a 20 ms window at or above this level counts as voiced.
pub const VOICE_DBFS: f32 = -40.0;
/// Window for voiced-time measurement.
pub const WINDOW_SECONDS: f32 = 0.02;

/// RMS level of `samples` in dBFS (−∞ for digital silence is clamped to −120).
pub fn rms_dbfs(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return -120.0;
    }
    let mean_square = samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32;
    (10.0 * mean_square.max(1e-12).log10()).max(-120.0)
}

/// Seconds of `samples` (at `rate`) whose 20 ms windows reach [`VOICE_DBFS`].
pub fn voiced_seconds(samples: &[f32], rate: u32) -> f32 {
    let window = ((rate as f32 * WINDOW_SECONDS) as usize).max(1);
    let voiced = samples
        .chunks(window)
        .filter(|w| rms_dbfs(w) >= VOICE_DBFS)
        .map(<[f32]>::len)
        .sum::<usize>();
    voiced as f32 / rate as f32
}

/// A meter position from 0.0 to 1.0 for a level in dBFS (−60 → 0, 0 → 1), as HSJ's meter scales it.
pub fn meter_fraction(dbfs: f32) -> f32 {
    ((dbfs + 60.0) / 60.0).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_levels_and_voiced_time() {
        let rate = 16_000;
        let tone: Vec<f32> = (0..rate).map(|i| 0.5 * (i as f32 * 0.1).sin()).collect();
        assert!((rms_dbfs(&tone) - (-9.03)).abs() < 0.1, "{}", rms_dbfs(&tone));
        let mut half = tone.clone();
        half[8000..].fill(0.0);
        assert!((voiced_seconds(&half, rate as u32) - 0.5).abs() < 0.03);
        assert_eq!(rms_dbfs(&[0.0; 100]), -120.0);
        assert_eq!(meter_fraction(-30.0), 0.5);
    }
}
