//! The wait after "stop": `soundmind journal --input short.wav minute.wav --realtime --timings` with tiny.en and
//! SmolLM2 in-process, streaming transcription on (the default) and off (`--no-streaming`), runs alternating.
//! The second answer (the ~60 s clip, fed at speaking speed) is measured: by then both models are loaded.
//!
//! `cargo bench -p soundmind --bench journal [-- --rounds N]` prints the medians of: the transcription tail after
//! stop, stop → first question token, stop → final question.

use std::process::Command;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The three numbers of the second `[timings]` line, in milliseconds.
fn run(streaming: bool, home: &std::path::Path) -> [f64; 3] {
    let models = soundmind_testkit::test_models_dir();
    let journal = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_soundmind"));
    command
        .arg("--sessions-dir")
        .arg(journal.path())
        .args(["journal", "--timings", "--realtime", "--input"])
        .arg(models.join("clips/short.wav"))
        .arg(models.join("clips/minute.wav"))
        .env("SOUNDMIND_CONFIG", home.join("config.toml"))
        .env(
            "LLM_MODEL",
            format!(
                "local:{}",
                models.join("SmolLM2-135M-Instruct.Q4_1.gguf").display()
            ),
        )
        .env("STT_MODEL", models.join("ggml-tiny.en-q8_0.bin"));
    if !streaming {
        command.arg("--no-streaming");
    }
    let out = command.output().expect("run soundmind journal");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .filter(|l| l.starts_with("[timings]"))
        .nth(1)
        .expect("a second [timings] line");
    let numbers: Vec<f64> = line
        .split(" ms")
        .filter_map(|part| part.rsplit(' ').next()?.parse().ok())
        .collect();
    [numbers[0], numbers[1], numbers[2]]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds: usize = arg("--rounds").and_then(|r| r.parse().ok()).unwrap_or(3);
    let home = tempfile::tempdir().unwrap();
    let mut results = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        for (i, streaming) in [true, false].into_iter().enumerate() {
            let r = run(streaming, home.path());
            eprintln!(
                "round {round} streaming={streaming}: tail {} ms, first token {} ms, final {} ms",
                r[0], r[1], r[2]
            );
            results[i].push(r);
        }
    }
    println!(
        "stop → …, medians of {rounds} rounds, ~60 s answer at speaking speed, tiny.en q8_0 + SmolLM2-135M, 2 threads"
    );
    for (label, runs) in ["streaming transcription", "transcribe after stop"]
        .iter()
        .zip(&results)
    {
        let col = |k: usize| median(runs.iter().map(|r| r[k]).collect());
        println!(
            "{label:<24} transcription tail {:>6.0} ms · first question token {:>6.0} ms · final question {:>6.0} ms",
            col(0),
            col(1),
            col(2)
        );
    }
}
