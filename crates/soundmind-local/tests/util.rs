//! Test models, WAV decoding, and transcript comparison.

use std::path::{Path, PathBuf};

/// The test-model folder: `$SOUNDMIND_TEST_MODELS`, else `~/.cache/soundmind/test-models`.
pub(crate) fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SOUNDMIND_TEST_MODELS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    Path::new(&home).join(".cache/soundmind/test-models")
}

/// A file in the test-model folder; fails (never skips) when it is missing.
pub(crate) fn model(name: &str) -> PathBuf {
    let path = models_dir().join(name);
    assert!(
        path.is_file(),
        "test model {} is missing: run ./scripts/test-models",
        path.display()
    );
    path
}

/// A clip as 16 kHz mono f32, and its expected transcript (`clips/<name>.txt`) when there is one.
pub(crate) fn clip(name: &str) -> (Vec<f32>, Option<String>) {
    let wav = model(&format!("clips/{name}.wav"));
    let txt = wav.with_extension("txt");
    let expected = std::fs::read_to_string(&txt).ok().map(|s| s.trim().to_string());
    (read_wav_16k_mono(&wav), expected)
}

/// Decodes a PCM/float WAV to 16 kHz mono f32 (down-mixing and linearly resampling only when needed).
pub(crate) fn read_wav_16k_mono(path: &Path) -> Vec<f32> {
    let mut reader = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    let channels = usize::from(spec.channels.max(1));
    let mono: Vec<f32> = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    if spec.sample_rate == 16_000 {
        return mono;
    }
    let ratio = spec.sample_rate as f64 / 16_000.0;
    let n = (mono.len() as f64 / ratio) as usize;
    (0..n)
        .map(|i| {
            let x = i as f64 * ratio;
            let j = x as usize;
            let frac = (x - j as f64) as f32;
            let a = mono[j.min(mono.len() - 1)];
            let b = mono[(j + 1).min(mono.len() - 1)];
            a + (b - a) * frac
        })
        .collect()
}

/// Lower-case words without punctuation.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// The share of the expected words found in `got` (order-insensitive, with multiplicity).
pub(crate) fn word_recall(expected: &str, got: &str) -> f64 {
    let want = words(expected);
    let mut have = words(got);
    let mut hits = 0;
    for w in &want {
        if let Some(i) = have.iter().position(|h| h == w) {
            have.swap_remove(i);
            hits += 1;
        }
    }
    hits as f64 / want.len().max(1) as f64
}
