//! STT benchmark: Soundmind's default local pipeline against HSJ's local engine (faster-whisper), on the same
//! real tiny.en weights and the same ~60 s espeak clip, runs alternating. Run it with `bench/stt.sh`, which
//! prepares the models and the faster-whisper venv and passes `--ct2 DIR --python PATH`.
//!
//! Prints per-engine median transcription time (model load excluded on both sides), WER against the clip's
//! text, model load time and peak RSS of Soundmind's process.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use soundmind_app::stt;
use soundmind_engine::{CancelToken, SttOptions, Transcriber};
use soundmind_local::{WhisperConfig, WhisperTranscriber};
use soundmind_testkit::wer::word_error_rate;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

struct Fw {
    seconds: f64,
    text: String,
}

fn faster_whisper(python: &str, ct2: &str, wav: &str, mode: &str) -> Fw {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/faster_whisper_run.py");
    let out = Command::new(python)
        .args([script, ct2, wav, mode])
        .output()
        .expect("run faster-whisper");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json line");
    Fw {
        seconds: json["seconds"].as_f64().unwrap(),
        text: json["text"].as_str().unwrap().to_string(),
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let (Some(ct2), Some(python)) = (arg("--ct2"), arg("--python")) else {
        eprintln!("run bench/stt.sh (it passes --ct2 and --python)");
        std::process::exit(2);
    };
    let rounds: usize = arg("--rounds").and_then(|r| r.parse().ok()).unwrap_or(3);
    let models = soundmind_testkit::test_models_dir();
    let wav = models.join("clips/minute.wav");
    let reference = std::fs::read_to_string(models.join("clips/minute.txt")).unwrap();
    let (samples, _) = soundmind_audio::decode_file(&wav).unwrap();
    let wav_arg = wav.to_string_lossy().into_owned();

    let engines: Vec<(&str, PathBuf)> = vec![
        ("tiny.en q8_0", models.join("ggml-tiny.en-q8_0.bin")),
        ("tiny.en f16", models.join("ggml-tiny.en.bin")),
    ];
    let options = SttOptions {
        language: Some("en".into()),
        ..SttOptions::default()
    };
    let cancel = CancelToken::new();
    let mut loaded: Vec<(String, WhisperTranscriber, Duration)> = Vec::new();
    for (label, path) in engines {
        let engine = WhisperTranscriber::new(WhisperConfig::new(path).threads(2).idle_timeout(None));
        let started = Instant::now();
        // The first call loads the model; time a load-only warm-up on a short slice.
        engine
            .transcribe(&samples[..16_000], &options, &mut |_| {}, &cancel)
            .unwrap();
        loaded.push((label.to_string(), engine, started.elapsed()));
        if loaded.len() == 1 {
            println!(
                "soundmind peak RSS with tiny.en q8_0 loaded (after one call): {:.0} MB",
                peak_rss_mb()
            );
        }
    }

    let mut ours: Vec<Vec<Duration>> = vec![Vec::new(); loaded.len()];
    let mut our_text = vec![String::new(); loaded.len()];
    let (mut beam, mut greedy) = (Vec::new(), Vec::new());
    let (mut beam_text, mut greedy_text) = (String::new(), String::new());
    for _ in 0..rounds {
        for (i, (_, engine, _)) in loaded.iter().enumerate() {
            let started = Instant::now();
            let t = stt::transcribe(engine, &samples, &options, &mut |_| {}, &cancel).unwrap();
            ours[i].push(started.elapsed());
            our_text[i] = t.text;
        }
        let fw = faster_whisper(&python, &ct2, &wav_arg, "beam5");
        beam.push(Duration::from_secs_f64(fw.seconds));
        beam_text = fw.text;
        let fw = faster_whisper(&python, &ct2, &wav_arg, "greedy");
        greedy.push(Duration::from_secs_f64(fw.seconds));
        greedy_text = fw.text;
    }
    let beam_med = median(beam);
    let greedy_med = median(greedy);
    println!(
        "clip: {:.1} s espeak speech, {rounds} alternating rounds, 2 threads, medians",
        samples.len() as f64 / 16_000.0
    );
    println!(
        "{:<40} {:>8.2} s  WER {:>5.1}%",
        "faster-whisper int8 beam 5 (HSJ default)",
        beam_med.as_secs_f64(),
        word_error_rate(&reference, &beam_text) * 100.0
    );
    println!(
        "{:<40} {:>8.2} s  WER {:>5.1}%",
        "faster-whisper int8 greedy",
        greedy_med.as_secs_f64(),
        word_error_rate(&reference, &greedy_text) * 100.0
    );
    for (i, (label, _, load)) in loaded.iter().enumerate() {
        let m = median(ours[i].clone());
        println!(
            "{:<40} {:>8.2} s  WER {:>5.1}%  {:.2}x vs beam 5, {:.2}x vs greedy; model load {:.0} ms",
            format!("soundmind whisper.cpp {label}"),
            m.as_secs_f64(),
            word_error_rate(&reference, &our_text[i]) * 100.0,
            beam_med.as_secs_f64() / m.as_secs_f64(),
            greedy_med.as_secs_f64() / m.as_secs_f64(),
            load.as_secs_f64() * 1000.0
        );
    }
    println!(
        "soundmind peak RSS at the end (both models loaded, after all runs): {:.0} MB",
        peak_rss_mb()
    );
}
