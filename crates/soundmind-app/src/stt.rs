//! Turning audio into a transcript with any [`Transcriber`]: silence is never sent to the engine, long audio is
//! cut at pauses into windows the engine handles well, and phantom phrases on silent stretches are dropped.

use std::ops::Range;

use soundmind_audio::{gate, vad};
use soundmind_engine::{
    CancelToken, EngineError, SAMPLE_RATE, Segment, SttEvent, SttOptions, Transcriber, Transcript,
};

/// The longest stretch sent to the engine in one call; Whisper's window is 30 s.
const MAX_WINDOW_SECONDS: f32 = 28.0;

/// Speech windows of `samples`: speech spans grouped into windows of at most [`MAX_WINDOW_SECONDS`], leaving out
/// leading, trailing and long inner silences so the engine spends no time on them.
pub fn speech_windows(samples: &[f32]) -> Vec<Range<usize>> {
    let max_len = (MAX_WINDOW_SECONDS * SAMPLE_RATE as f32) as usize;
    let mut windows: Vec<Range<usize>> = Vec::new();
    for span in vad::speech_spans(samples, vad::VadConfig::default()) {
        // A single span longer than a window (a long unbroken answer) is cut at its quietest points.
        for piece in vad::split_at_pauses(&samples[span.clone()], MAX_WINDOW_SECONDS) {
            let piece = span.start + piece.start..span.start + piece.end;
            match windows.last_mut() {
                Some(last) if piece.end - last.start <= max_len => last.end = piece.end,
                _ => windows.push(piece),
            }
        }
    }
    windows
}

/// Transcribes 16 kHz mono `samples`. Audio without speech gives an empty transcript without calling the engine.
pub fn transcribe(
    engine: &dyn Transcriber,
    samples: &[f32],
    options: &SttOptions,
    on_event: &mut dyn FnMut(SttEvent),
    cancel: &CancelToken,
) -> Result<Transcript, EngineError> {
    let windows = if gate::has_no_speech(samples) {
        Vec::new()
    } else {
        speech_windows(samples)
    };
    let mut segments: Vec<Segment> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut raws = Vec::new();
    let mut language = options.language.clone();
    for (i, window) in windows.iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let audio = &samples[window.clone()];
        let offset_ms = (window.start as u64 * 1000) / u64::from(SAMPLE_RATE);
        let done_before = i as f32 / windows.len() as f32;
        let mut forward = |event: SttEvent| match event {
            SttEvent::Progress(p) => on_event(SttEvent::Progress(done_before + p / windows.len() as f32)),
            SttEvent::Segment(s) => on_event(SttEvent::Segment(shift(s, offset_ms))),
        };
        let part = gate::filter_phantoms(engine.transcribe(audio, options, &mut forward, cancel)?, audio);
        if language.is_none() {
            language = part.language.clone();
        }
        segments.extend(part.segments.into_iter().map(|s| shift(s, offset_ms)));
        if !part.text.is_empty() {
            texts.push(part.text);
        }
        raws.push(serde_json::json!({"offset_ms": offset_ms, "output": part.raw}));
    }
    on_event(SttEvent::Progress(1.0));
    let text = texts.join(" ");
    let raw = serde_json::json!({
        "text": text,
        "language": language,
        "engine": engine.name(),
        "model": engine.model(),
        "segments": segments,
        "windows": raws,
    });
    Ok(Transcript {
        text,
        segments,
        language,
        raw,
    })
}

fn shift(mut segment: Segment, offset_ms: u64) -> Segment {
    segment.start_ms += offset_ms;
    segment.end_ms += offset_ms;
    segment
}

#[cfg(test)]
mod tests {
    use super::*;

    use soundmind_testkit::voice_like as buzz;

    #[test]
    fn windows_skip_silence_and_stay_under_the_engine_window() {
        let mut samples = vec![0.0; 5 * 16_000];
        for _ in 0..8 {
            samples.extend(buzz(6.0));
            samples.extend(vec![0.0; 16_000]);
        }
        samples.extend(vec![0.0; 10 * 16_000]);
        let windows = speech_windows(&samples);
        assert!(windows.len() >= 2, "{windows:?}");
        assert!(
            windows[0].start >= 4 * 16_000,
            "leading silence is skipped: {windows:?}"
        );
        assert!(
            windows.last().unwrap().end < samples.len() - 8 * 16_000,
            "trailing silence is skipped"
        );
        for w in &windows {
            assert!(
                w.len() <= (MAX_WINDOW_SECONDS * 16_000.0) as usize + 16_000,
                "{w:?}"
            );
        }
        assert!(speech_windows(&vec![0.0; 80_000]).is_empty());
    }
}
