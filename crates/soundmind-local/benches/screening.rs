//! Crisis-screening speed on a two-minute answer (about 300 words): the phrase and concept layers, and the
//! semantic layer (cutting into pieces, SmolLM2 vectors, the probe), which is what runs between the end of an
//! answer and the next question.
//!
//! `cargo bench -p soundmind-local --bench screening [-- --threads N]`. Prints medians.

use std::path::PathBuf;
use std::time::Instant;

use soundmind_core::safeguarding::screening::screen;
use soundmind_core::safeguarding::screening::semantic::{SemanticProbe, pieces};
use soundmind_engine::{CancelToken, Embedder};
use soundmind_local::LlamaEmbedder;

/// About two minutes of speech, punctuated (typed) and as speech-to-text often writes it (no punctuation).
fn answer(punctuated: bool) -> String {
    let sentences = [
        "Work was long today and the meeting ran over again",
        "I kept thinking about what my sister said on the phone last weekend",
        "She thinks I should take the job in the other city but I am not sure I want to move",
        "The flat is small but it is mine and the neighbours are kind",
        "In the evening I made soup and watched half of a film about a family of bakers",
        "I felt tired and a bit flat but not as bad as last month",
        "Tomorrow I want to go for a walk before work and call the landlord about the heating",
    ];
    let mut out = String::new();
    while out.split_whitespace().count() < 300 {
        for s in sentences {
            out.push_str(s);
            out.push_str(if punctuated { ". " } else { " " });
        }
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, and only the real
    // run measures (the eval in tests/semantic.rs already runs the layer on a real model).
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let threads = args
        .iter()
        .position(|a| a == "--threads")
        .and_then(|i| args.get(i + 1))
        .map_or(2, |t| t.parse().expect("--threads N"));
    let dir = std::env::var_os("SOUNDMIND_TEST_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/soundmind/test-models")
        });
    let probe = SemanticProbe::builtin();
    let embedder = LlamaEmbedder::new(dir.join(&probe.model_file), threads);
    embedder
        .embed(&["warm up"], &CancelToken::new())
        .expect("the screening model loads");
    for punctuated in [true, false] {
        let text = answer(punctuated);
        let words = text.split_whitespace().count();
        let rules: Vec<f64> = (0..200)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(screen(&text));
                started.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let cut = pieces(&text);
        let refs: Vec<&str> = cut.iter().map(String::as_str).collect();
        let semantic: Vec<f64> = (0..5)
            .map(|_| {
                let started = Instant::now();
                let vectors = embedder.embed(&refs, &CancelToken::new()).unwrap();
                std::hint::black_box(probe.judge(&vectors));
                started.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        println!(
            "{} answer, {words} words: phrase + concept layers {:.2} ms; semantic layer {:.0} ms ({} pieces, {threads} threads)",
            if punctuated { "typed" } else { "unpunctuated" },
            median(rules),
            median(semantic),
            cut.len(),
        );
    }
}
