//! Voice activity: where speech is, and where the pauses are to cut long audio.
//!
//! Uses the WebRTC VAD (a small C library, bundled by the `webrtc-vad` crate) on 30 ms frames, then smooths
//! its per-frame decisions into spans: short gaps inside speech are bridged, and tiny blips are dropped.

use std::ops::Range;

use soundmind_engine::SAMPLE_RATE;
use webrtc_vad::{SampleRate, Vad, VadMode};

const FRAME: usize = (SAMPLE_RATE as usize / 1000) * 30;

/// Tuning for [`speech_spans`].
#[derive(Debug, Clone, Copy)]
pub struct VadConfig {
    /// Silence shorter than this inside speech does not end a span.
    pub min_pause_ms: u32,
    /// Spans shorter than this are noise and dropped.
    pub min_speech_ms: u32,
    /// Padding kept around each span so word edges are not clipped.
    pub pad_ms: u32,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            min_pause_ms: 500,
            min_speech_ms: 200,
            pad_ms: 150,
        }
    }
}

fn ms_to_frames(ms: u32) -> usize {
    (ms as usize).div_ceil(30)
}

/// Per-frame speech decisions (30 ms frames at 16 kHz).
pub fn frame_decisions(samples: &[f32]) -> Vec<bool> {
    // The WebRTC VAD holds a raw C pointer, so it lives only for this call.
    let mut vad = Vad::new_with_rate_and_mode(SampleRate::Rate16kHz, VadMode::Aggressive);
    samples
        .chunks_exact(FRAME)
        .map(|frame| {
            let pcm: Vec<i16> = frame
                .iter()
                .map(|s| (s.clamp(-1.0, 1.0) * i16::MAX as f32) as i16)
                .collect();
            vad.is_voice_segment(&pcm).unwrap_or(false)
        })
        .collect()
}

/// Sample ranges that hold speech, in order.
pub fn speech_spans(samples: &[f32], config: VadConfig) -> Vec<Range<usize>> {
    let decisions = frame_decisions(samples);
    let bridge = ms_to_frames(config.min_pause_ms);
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut silent_run = usize::MAX;
    for (i, &speech) in decisions.iter().enumerate() {
        if speech {
            match spans.last_mut() {
                Some(last) if silent_run < bridge => last.end = i + 1,
                _ => spans.push(i..i + 1),
            }
            silent_run = 0;
        } else {
            silent_run = silent_run.saturating_add(1);
        }
    }
    let min_frames = ms_to_frames(config.min_speech_ms);
    let pad = (config.pad_ms as usize * SAMPLE_RATE as usize) / 1000;
    spans
        .into_iter()
        .filter(|s| s.len() >= min_frames)
        .map(|s| (s.start * FRAME).saturating_sub(pad)..(s.end * FRAME + pad).min(samples.len()))
        .collect()
}

/// Seconds of speech the VAD found.
pub fn speech_seconds(samples: &[f32]) -> f32 {
    frame_decisions(samples).iter().filter(|&&s| s).count() as f32 * 0.03
}

/// Cuts long audio into chunks of at most `max_seconds` that end in pauses where possible, covering the whole
/// input without gaps (so nothing is lost between chunks). Short audio is one chunk.
pub fn split_at_pauses(samples: &[f32], max_seconds: f32) -> Vec<Range<usize>> {
    let max_len = (max_seconds * SAMPLE_RATE as f32) as usize;
    if samples.len() <= max_len {
        return std::iter::once(0..samples.len()).collect();
    }
    let decisions = frame_decisions(samples);
    let mut chunks = Vec::new();
    let mut start = 0;
    while samples.len() - start > max_len {
        let limit = start + max_len;
        // The middle of the longest silent run in the last half of the window is the best cut.
        let (lo, hi) = ((start + max_len / 2) / FRAME, limit / FRAME);
        let mut best: Option<(usize, usize)> = None; // (run length, middle frame)
        let mut run = 0;
        for (f, &speech) in decisions.iter().enumerate().take(hi).skip(lo) {
            if speech {
                run = 0;
            } else {
                run += 1;
                if best.is_none_or(|(len, _)| run > len) {
                    best = Some((run, f + 1 - run / 2));
                }
            }
        }
        let cut = best
            .map_or(limit, |(_, middle)| middle * FRAME)
            .clamp(start + 1, limit);
        chunks.push(start..cut);
        start = cut;
    }
    chunks.push(start..samples.len());
    chunks
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) use soundmind_testkit::voice_like as voice;

    #[test]
    fn finds_speech_between_silences() {
        let mut samples = vec![0.0; 16_000];
        samples.extend(voice(1.5));
        samples.extend(vec![0.0; 24_000]);
        samples.extend(voice(1.0));
        samples.extend(vec![0.0; 8_000]);
        let spans = speech_spans(&samples, VadConfig::default());
        assert_eq!(spans.len(), 2, "{spans:?}");
        assert!(
            spans[0].start < 16_000 && spans[0].end > 16_000 + 22_000,
            "{spans:?}"
        );
        assert!(speech_spans(&vec![0.0; 48_000], VadConfig::default()).is_empty());
    }

    #[test]
    fn long_audio_is_cut_in_pauses_without_gaps() {
        let mut samples = Vec::new();
        for _ in 0..6 {
            samples.extend(voice(7.0));
            samples.extend(vec![0.0; 12_000]);
        }
        let chunks = split_at_pauses(&samples, 20.0);
        assert!(chunks.len() >= 3, "{chunks:?}");
        assert_eq!(chunks.first().unwrap().start, 0);
        assert_eq!(chunks.last().unwrap().end, samples.len());
        for pair in chunks.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            // Each cut lands in silence.
            assert_eq!(
                samples[pair[0].end], 0.0,
                "cut at {} is inside speech",
                pair[0].end
            );
        }
    }
}
