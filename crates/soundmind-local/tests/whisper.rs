//! WhisperTranscriber against the real tiny.en (and base) models.

use std::sync::Arc;
use std::time::{Duration, Instant};

use soundmind_engine::{CancelToken, EngineError, Preset, SttEvent, SttOptions, Transcriber};
use soundmind_local::{WhisperConfig, WhisperTranscriber};

use crate::util::{clip, model, word_recall};

fn tiny_en() -> WhisperTranscriber {
    WhisperTranscriber::new(WhisperConfig::new(model("ggml-tiny.en.bin")).threads(2))
}

fn run(
    t: &WhisperTranscriber,
    audio: &[f32],
    options: &SttOptions,
) -> (Result<soundmind_engine::Transcript, EngineError>, Vec<SttEvent>) {
    let mut events = Vec::new();
    let result = t.transcribe(audio, options, &mut |e| events.push(e), &CancelToken::new());
    (result, events)
}

#[test]
fn transcribes_real_speech_with_timestamps_events_and_raw() {
    let t = tiny_en();
    assert_eq!(t.name(), "whisper.cpp");
    assert_eq!(t.model(), "tiny.en");
    let (audio, expected) = clip("short");
    let expected = expected.expect("clips/short.txt");
    let started = Instant::now();
    let (result, events) = run(&t, &audio, &SttOptions::default());
    let transcript = result.expect("transcribe short.wav");
    eprintln!(
        "short.wav ({:.1} s) in {:?}: {:?}",
        audio.len() as f64 / 16_000.0,
        started.elapsed(),
        transcript.text
    );

    let recall = word_recall(&expected, &transcript.text);
    assert!(
        recall >= 0.8,
        "recall {recall:.2}: expected {expected:?}, got {:?}",
        transcript.text
    );
    assert_eq!(transcript.language.as_deref(), Some("en"));

    // Segments: non-empty, ordered, inside the clip.
    let duration_ms = audio.len() as u64 * 1000 / 16_000;
    assert!(!transcript.segments.is_empty());
    let mut last_end = 0;
    for s in &transcript.segments {
        assert!(
            s.start_ms <= s.end_ms && s.start_ms >= last_end.min(s.start_ms),
            "{s:?}"
        );
        assert!(
            s.end_ms <= duration_ms + 1000,
            "{s:?} ends after the clip ({duration_ms} ms)"
        );
        assert!(!s.text.is_empty() && s.text == s.text.trim());
        last_end = s.end_ms;
    }

    // Events: progress ends at 1.0, and every final segment was reported as it came.
    let progress: Vec<f32> = events
        .iter()
        .filter_map(|e| match e {
            SttEvent::Progress(p) => Some(*p),
            _ => None,
        })
        .collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert_eq!(progress.last().copied(), Some(1.0));
    let streamed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SttEvent::Segment(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(streamed, transcript.segments);

    // Raw: what the `.stt.json` sidecar keeps.
    let raw = &transcript.raw;
    assert_eq!(raw["engine"], "whisper.cpp");
    assert_eq!(raw["language"], "en");
    assert!(raw["model_path"].as_str().unwrap().ends_with("ggml-tiny.en.bin"));
    let segs = raw["segments"].as_array().unwrap();
    assert!(!segs.is_empty());
    assert!(segs[0]["start"].is_f64() && segs[0]["end"].is_f64() && segs[0]["text"].is_string());
}

#[test]
fn presets_and_vocabulary_all_transcribe() {
    let t = tiny_en();
    let (audio, expected) = clip("short");
    let expected = expected.unwrap();
    for preset in [Preset::Fast, Preset::Accuracy] {
        let options = SttOptions {
            preset,
            language: Some("en".into()),
            ..Default::default()
        };
        let (result, _) = run(&t, &audio, &options);
        let text = result.unwrap_or_else(|e| panic!("{preset:?}: {e}")).text;
        assert!(word_recall(&expected, &text) >= 0.8, "{preset:?}: {text:?}");
    }
    // The vocabulary becomes whisper's initial prompt. Unrelated names nudge tiny.en a little on this clip
    // ("helped a lot" -> "held to light"), hence the lower bar.
    let options = SttOptions {
        vocabulary: vec!["Priya".into(), "Donaukanal".into()],
        ..Default::default()
    };
    let text = run(&t, &audio, &options).0.expect("with vocabulary").text;
    assert!(word_recall(&expected, &text) >= 0.7, "vocabulary: {text:?}");
}

#[test]
fn silence_gives_next_to_nothing() {
    let t = tiny_en();
    let (audio, _) = clip("silence");
    let (result, _) = run(&t, &audio, &SttOptions::default());
    let transcript = result.expect("silence");
    // whisper.cpp marks silence as "[BLANK_AUDIO]", which stays in `raw` but not in the text.
    eprintln!(
        "silence -> text {:?}, raw segments {}",
        transcript.text, transcript.raw["segments"]
    );
    assert!(
        transcript.text.len() <= 16,
        "silence became {:?}",
        transcript.text
    );

    // Too short to process and empty input are fine too.
    for audio in [vec![], vec![0.0f32; 800]] {
        let (result, _) = run(&t, &audio, &SttOptions::default());
        assert_eq!(result.expect("short input").text, "");
    }
}

#[test]
fn junk_truncated_and_wrong_format_models_are_invalid() {
    let dir = std::env::temp_dir().join(format!("soundmind-local-bad-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let real = std::fs::read(model("ggml-tiny.en.bin")).unwrap();
    let cases = [
        (
            "junk.bin",
            b"this is definitely not a whisper model, just text".to_vec(),
            "magic",
        ),
        ("truncated.bin", real[..real.len() / 2].to_vec(), "truncated"),
        ("header-only.bin", real[..200].to_vec(), "truncated"),
    ];
    for (name, bytes, reason_has) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let t = WhisperTranscriber::from_path(&path);
        assert!(matches!(t.check_model(), Err(EngineError::InvalidModel { .. })));
        let (result, _) = run(&t, &[0.0; 16_000], &SttOptions::default());
        match result {
            Err(EngineError::InvalidModel { path: p, reason }) => {
                assert_eq!(p, path);
                assert!(reason.contains(reason_has), "{name}: {reason}");
            }
            other => panic!("{name}: expected InvalidModel, got {other:?}"),
        }
    }
    // A GGUF (the LLM) is a model, but not a whisper one.
    let t = WhisperTranscriber::from_path(model("SmolLM2-135M-Instruct.Q4_1.gguf"));
    match run(&t, &[0.0; 16_000], &SttOptions::default()).0 {
        Err(EngineError::InvalidModel { reason, .. }) => assert!(reason.contains("GGUF"), "{reason}"),
        other => panic!("gguf: {other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn missing_model_is_model_missing() {
    let t = WhisperTranscriber::from_path("/nonexistent/ggml-tiny.en.bin");
    let (result, _) = run(&t, &[0.0; 16_000], &SttOptions::default());
    match result {
        Err(e @ EngineError::ModelMissing { .. }) => assert_eq!(e.kind(), "ModelMissing"),
        other => panic!("{other:?}"),
    }
    assert!(!t.is_loaded());
}

#[test]
fn bad_audio_is_refused() {
    let t = WhisperTranscriber::from_path("/nonexistent/ggml-tiny.en.bin");
    let (result, _) = run(&t, &[0.0, f32::NAN], &SttOptions::default());
    assert!(matches!(result, Err(EngineError::BadAudio(_))), "{result:?}");
}

#[test]
fn cancellation_stops_a_long_transcription() {
    let t = tiny_en();
    let (audio, _) = clip("minute");
    // Warm up so the timing below measures the abort, not the model load.
    t.preload();

    // Cancelled from another thread while the encoder runs: ggml's abort callback stops the graph.
    let cancel = CancelToken::new();
    let canceller = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            cancel.cancel();
            Instant::now()
        })
    };
    let result = t.transcribe(&audio, &SttOptions::default(), &mut |_| {}, &cancel);
    let returned = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    assert!(matches!(result, Err(EngineError::Cancelled)), "{result:?}");
    let lag = returned.saturating_duration_since(cancelled_at);
    eprintln!("returned {lag:?} after cancel");
    assert!(lag < Duration::from_secs(5), "took {lag:?} to stop after cancel");

    // Cancelled from the event callback (on the caller's thread) as soon as a segment arrives.
    let cancel = CancelToken::new();
    let result = t.transcribe(
        &audio,
        &SttOptions::default(),
        &mut |e| {
            if matches!(e, SttEvent::Segment(_)) {
                cancel.cancel();
            }
        },
        &cancel,
    );
    assert!(matches!(result, Err(EngineError::Cancelled)), "{result:?}");

    // Cancelled before the start: nothing runs. And the model still works afterwards.
    let (short, _) = clip("short");
    let result = t.transcribe(&short, &SttOptions::default(), &mut |_| {}, &cancel);
    assert!(matches!(result, Err(EngineError::Cancelled)));
    let (result, _) = run(&t, &short, &SttOptions::default());
    assert!(!result.unwrap().text.is_empty());
}

#[test]
fn a_panic_in_the_engine_is_an_error_and_the_next_call_works() {
    let t = tiny_en();
    let (audio, _) = clip("short");
    assert!(run(&t, &audio, &SttOptions::default()).0.is_ok());
    t.inject_panic_for_test();
    match run(&t, &audio, &SttOptions::default()).0 {
        Err(EngineError::Internal(msg)) => assert!(msg.contains("panicked"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(!t.is_loaded(), "the model is dropped after a panic");
    let again = run(&t, &audio, &SttOptions::default())
        .0
        .expect("works after the panic");
    assert!(!again.text.is_empty());
    assert_eq!(t.load_count(), 2);
}

#[test]
fn the_model_unloads_when_idle_and_reloads_on_demand() {
    let t = WhisperTranscriber::new(
        WhisperConfig::new(model("ggml-tiny.en.bin"))
            .threads(2)
            .idle_timeout(Some(Duration::from_millis(300))),
    );
    t.preload();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !t.is_loaded() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(t.is_loaded(), "preload loads the model");
    std::thread::sleep(Duration::from_millis(1200));
    assert!(!t.is_loaded(), "unloaded after the idle timeout");
    let (audio, _) = clip("short");
    assert!(run(&t, &audio, &SttOptions::default()).0.is_ok());
    assert_eq!(t.load_count(), 2);
}

#[test]
fn callers_on_many_threads_share_one_engine() {
    let t = Arc::new(tiny_en());
    let (audio, expected) = clip("short");
    let (audio, expected) = (Arc::new(audio), Arc::new(expected.unwrap()));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let (t, audio, expected) = (Arc::clone(&t), Arc::clone(&audio), Arc::clone(&expected));
            std::thread::spawn(move || {
                let (result, _) = run(&t, &audio, &SttOptions::default());
                assert!(word_recall(&expected, &result.unwrap().text) >= 0.8);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(t.load_count(), 1);
}

#[test]
fn the_multilingual_base_model_detects_german() {
    let t = WhisperTranscriber::new(WhisperConfig::new(model("ggml-base.bin")).threads(2));
    let (audio, expected) = clip("german");
    let (result, _) = run(&t, &audio, &SttOptions::default());
    let transcript = result.expect("german.wav");
    eprintln!("german -> {:?} {:?}", transcript.language, transcript.text);
    assert_eq!(transcript.language.as_deref(), Some("de"));
    assert!(
        word_recall(&expected.unwrap(), &transcript.text) >= 0.6,
        "{:?}",
        transcript.text
    );
}
