//! Hallucination guards: silence and noise must give an empty transcript, never "Thank you." or "[BLANK_AUDIO]".
//!
//! Whisper invents stock phrases on audio without speech. Two guards stop that: before transcription, audio with
//! too little voice is not sent to the engine at all; after it, a known phantom phrase is dropped only when the
//! audio under its segment is silent, so a user who really says "thank you" keeps it.

use soundmind_engine::{SAMPLE_RATE, Segment, Transcript};

use crate::{level, vad};

/// Below this much voiced audio a take holds no speech worth transcribing.
pub const MIN_SPEECH_SECONDS: f32 = 0.3;

/// Phrases Whisper is known to produce on silence, music or noise (lower case, without punctuation).
pub const PHANTOM_PHRASES: &[&str] = &[
    "thank you",
    "thank you very much",
    "thanks for watching",
    "thank you for watching",
    "please subscribe",
    "subtitles by the amaraorg community",
    "you",
    "bye",
    "okay",
    "so",
    "the end",
    "untertitel im auftrag des zdf 2017",
    "untertitel der amaraorg community",
    "vielen dank",
];

/// True when `samples` (16 kHz mono) hold no speech: too little energy above −40 dBFS, or too little that the
/// VAD calls voice (steady noise can be loud without being speech).
pub fn has_no_speech(samples: &[f32]) -> bool {
    level::voiced_seconds(samples, SAMPLE_RATE) < MIN_SPEECH_SECONDS
        || vad::speech_seconds(samples) < MIN_SPEECH_SECONDS
}

/// Removes non-speech tags (`[BLANK_AUDIO]`, `(music)`) everywhere, and phantom phrases whose audio is silent.
pub fn filter_phantoms(mut transcript: Transcript, samples: &[f32]) -> Transcript {
    let keep = |segment: &Segment| {
        let norm = normalise(&segment.text);
        if norm.is_empty() {
            return false;
        }
        if !PHANTOM_PHRASES.contains(&norm.as_str()) {
            return true;
        }
        let ms_to_sample = |ms: u64| ((ms as usize) * SAMPLE_RATE as usize / 1000).min(samples.len());
        let under = &samples[ms_to_sample(segment.start_ms)
            ..ms_to_sample(segment.end_ms).max(ms_to_sample(segment.start_ms))];
        !has_no_speech(under)
    };
    transcript.segments = transcript
        .segments
        .into_iter()
        .map(|mut s| {
            s.text = strip_tags(&s.text);
            s
        })
        .filter(keep)
        .collect();
    if transcript.segments.is_empty() {
        let text = strip_tags(&transcript.text);
        transcript.text = if normalise(&text).is_empty()
            || (PHANTOM_PHRASES.contains(&normalise(&text).as_str()) && has_no_speech(samples))
        {
            String::new()
        } else {
            text
        };
    } else {
        transcript.text = transcript
            .segments
            .iter()
            .map(|s| s.text.trim())
            .collect::<Vec<_>>()
            .join(" ");
    }
    transcript
}

/// Drops `[...]` and `(...)` tags such as `[BLANK_AUDIO]`, `[Music]`, `(silence)`.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start_ms: u64, end_ms: u64, text: &str) -> Segment {
        Segment {
            start_ms,
            end_ms,
            text: text.into(),
        }
    }

    fn transcript(segments: Vec<Segment>) -> Transcript {
        let text = segments
            .iter()
            .map(|s| s.text.clone())
            .collect::<Vec<_>>()
            .join(" ");
        Transcript {
            text,
            segments,
            language: None,
            raw: serde_json::Value::Null,
        }
    }

    #[test]
    fn silence_and_quiet_noise_have_no_speech() {
        assert!(has_no_speech(&vec![0.0; 48_000]));
        let mut seed = 1u32;
        let noise: Vec<f32> = (0..48_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((seed >> 8) as f32 / (1 << 24) as f32 - 0.5) * 0.01
            })
            .collect();
        assert!(has_no_speech(&noise));
        assert!(!has_no_speech(&crate::vad::tests::voice(1.0)));
    }

    #[test]
    fn phantoms_go_only_where_the_audio_is_silent() {
        let mut samples = crate::vad::tests::voice(2.0);
        samples.extend(vec![0.0; 32_000]);
        let t = transcript(vec![
            segment(0, 1000, " Thank you."),
            segment(1000, 2000, " I slept badly."),
            segment(2000, 4000, " Thank you."),
            segment(2000, 4000, " [BLANK_AUDIO]"),
        ]);
        let filtered = filter_phantoms(t, &samples);
        assert_eq!(filtered.text, "Thank you. I slept badly.");
        let silent = filter_phantoms(
            transcript(vec![segment(0, 2000, "[BLANK_AUDIO]")]),
            &vec![0.0; 32_000],
        );
        assert_eq!(silent.text, "");
    }
}
