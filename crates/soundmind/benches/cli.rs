//! `cargo bench -p soundmind --bench cli`: start-up, listing and search times of the real binary.
//!
//! Prints three numbers (the Foundation issue's goals in brackets):
//! - `soundmind --help` wall time [≤ 20 ms]
//! - `sessions list` over 1,000 generated sessions [≤ 100 ms]
//! - `sessions search` over 10,000 generated sessions, per query with a warm index [≤ 50 ms]
//!
//! Each is the median of repeated runs of the release binary in a fresh process, as a user would run it.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "sleep",
    "coffee",
    "meeting",
    "Priya",
    "release",
    "walk",
    "Maya",
    "brother",
    "lunch",
    "garden",
    "tired",
    "resentful",
    "calendar",
    "morning",
    "evening",
    "phone",
    "work",
    "plan",
    "weekend",
    "run",
    "book",
    "friend",
    "anxious",
    "calm",
    "deadline",
    "email",
    "train",
    "rain",
    "sun",
    "kitchen",
    "music",
    "breath",
    "project",
    "decision",
    "boundary",
    "habit",
    "journal",
    "café",
    "Donaukanal",
    "argument",
    "cake",
    "mother",
    "father",
];

fn sentence(seed: &mut u64, n: usize) -> String {
    let mut words = Vec::with_capacity(n);
    for _ in 0..n {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        words.push(WORDS[(*seed >> 33) as usize % WORDS.len()]);
    }
    let mut s = words.join(" ");
    s[..1].make_ascii_uppercase();
    s + "."
}

fn generate(dir: &Path, count: usize) {
    fs::create_dir_all(dir).unwrap();
    let mut seed = 42u64;
    for i in 0..count {
        let (day, minute) = (i / 600, i % 600);
        let id = format!(
            "{:02}{:02}{:02}_{:02}{:02}",
            20 + day / 365,
            1 + (day / 28) % 12,
            1 + day % 28,
            minute / 60 % 24,
            minute % 60
        );
        let summary = sentence(&mut seed, 40);
        let mut body = String::new();
        for q in 0..3 {
            if q > 0 {
                body.push_str("\n\n\n");
            }
            body.push_str("## AI Q\n\n```llm-question\nWhat feels most present for you right now?\n```\n\n");
            for _ in 0..6 {
                body.push_str(&sentence(&mut seed, 14));
                body.push('\n');
            }
        }
        let text = format!(
            "---\ncreated_at: '2025-01-01T07:14:09.821648'\ntranscript_file: {id}.md\nrecent_summary_refs: []\nmodel_llm: local:smollm2\nmodel_stt: tiny.en\napp_version: soundmind 0.1.0\nduration_seconds: 64.2\naudio_file:\n- wav: {id}_01.wav\n  mp3: null\n  duration_seconds: 64.2\nsummary: {summary}\n---\n\n{body}"
        );
        fs::write(dir.join(format!("{id}.md")), text).unwrap();
    }
}

fn run(args: &[&str], env: &[(&str, &Path)]) -> Duration {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soundmind"));
    cmd.args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env("SOUNDMIND_CONFIG", "/nonexistent/soundmind.toml");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let status = cmd.status().unwrap();
    let elapsed = start.elapsed();
    assert!(status.code().is_some_and(|c| c <= 1), "{args:?} failed: {status}");
    elapsed
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing special. Keep both quiet and fast
    // enough: the full run only happens under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let small = tmp.path().join("journal-1k");
    let large = tmp.path().join("journal-10k");
    generate(&small, 1_000);
    generate(&large, 10_000);
    let env = [("SOUNDMIND_CACHE_DIR", cache.as_path())];

    let help = median((0..30).map(|_| run(&["--help"], &env)).collect());
    println!(
        "soundmind --help                                {:>10}   (goal ≤ 20 ms)",
        ms(help)
    );

    let small_arg = small.to_str().unwrap();
    let list = median(
        (0..15)
            .map(|_| run(&["--sessions-dir", small_arg, "sessions", "list"], &env))
            .collect(),
    );
    println!(
        "sessions list, 1,000 sessions                  {:>10}   (goal ≤ 100 ms)",
        ms(list)
    );

    let large_arg = large.to_str().unwrap();
    let cold = run(
        &["--sessions-dir", large_arg, "sessions", "search", "coffee"],
        &env,
    );
    let queries = [
        "coffee",
        "Priya meeting",
        "cafe",
        "Donaukanal walk",
        "boundary",
        "garden rain",
        "zzzz",
    ];
    let search = median(
        (0..21)
            .map(|i| {
                run(
                    &[
                        "--sessions-dir",
                        large_arg,
                        "sessions",
                        "search",
                        queries[i % queries.len()],
                    ],
                    &env,
                )
            })
            .collect(),
    );
    println!(
        "sessions search, 10,000 sessions (per query)   {:>10}   (goal ≤ 50 ms; first run builds the index: {})",
        ms(search),
        ms(cold)
    );
}
