//! Trains the semantic layer of the crisis screen and writes `data/screening-probe.toml`.
//!
//! `cargo run --release -p soundmind-local --example train_screening_probe -- [MODEL.gguf] [OUT.toml]`
//!
//! It embeds the statements that may be tuned on (the exemplar bank `data/screening-exemplars.toml` and the dev
//! split of the evaluation corpus; never the held-out split) with the model (SmolLM2-135M-Instruct Q4_1 from
//! `./scripts/test-models` by default), fits logistic regressions on the standardised vectors (statement of risk
//! against hard negative, and one per kind of risk), and sets the threshold by 5-fold cross-validation: as low as
//! it can go while the layer adds at most [`EXTRA_FALSE_ALARMS`] of the hard negatives to those the phrase and
//! concept layers already raise. Deterministic: the same files give the same weights.

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use soundmind_core::safeguarding::screening::semantic::KINDS;
use soundmind_core::safeguarding::screening::{CrisisKind, screen};
use soundmind_engine::{CancelToken, Embedder};
use soundmind_local::LlamaEmbedder;
use soundmind_testkit::screening::split;

/// The share of hard negatives the semantic layer may add to what the other layers raise, on the tuned splits.
const EXTRA_FALSE_ALARMS: f64 = 0.04;
const L2: f64 = 0.01;
const STEPS: usize = 2000;
const RATE: f64 = 0.1;
const FOLDS: usize = 5;

fn kind_of(category: &str) -> Option<CrisisKind> {
    match category {
        c if c.starts_with("neg_") => None,
        "self_harm" => Some(CrisisKind::SelfHarm),
        "harm_to_others" => Some(CrisisKind::HarmToOthers),
        "abuse" => Some(CrisisKind::Abuse),
        _ => Some(CrisisKind::SuicidalIntent),
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = args.first().map(PathBuf::from).unwrap_or_else(|| {
        let dir = std::env::var_os("SOUNDMIND_TEST_MODELS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/soundmind/test-models")
            });
        dir.join("SmolLM2-135M-Instruct.Q4_1.gguf")
    });
    let out = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("data/screening-probe.toml"));

    let statements: Vec<_> = split("bank").into_iter().chain(split("dev")).collect();
    let texts: Vec<&str> = statements.iter().map(|s| s.text.as_str()).collect();
    let kinds: Vec<Option<CrisisKind>> = statements.iter().map(|s| kind_of(&s.category)).collect();
    let risk: Vec<f64> = kinds.iter().map(|k| f64::from(u8::from(k.is_some()))).collect();
    let raised: Vec<bool> = texts.iter().map(|t| screen(t).stops_reflection()).collect();

    eprintln!("embedding {} statements with {}", texts.len(), model.display());
    let started = std::time::Instant::now();
    let embedder = LlamaEmbedder::new(&model, 2);
    let x: Vec<Vec<f64>> = embedder
        .embed(&texts, &CancelToken::new())
        .expect("embedding")
        .into_iter()
        .map(|v| v.into_iter().map(f64::from).collect())
        .collect();
    eprintln!("embedded in {:.1} s", started.elapsed().as_secs_f64());

    let (mean, scale) = standardisation(&x);
    let z: Vec<Vec<f64>> = x.iter().map(|v| standardise(v, &mean, &scale)).collect();

    // Cross-validated risk scores, for the threshold.
    let order = shuffled(z.len());
    let mut scores = vec![0.0; z.len()];
    for fold in 0..FOLDS {
        let (train, test): (Vec<usize>, Vec<usize>) = order.iter().partition(|&&i| i % FOLDS != fold);
        let (w, b) = fit(&z, &risk, &train);
        for i in test {
            scores[i] = dot(&w, &z[i]) + b;
        }
    }
    let negatives = risk.iter().filter(|&&r| r == 0.0).count();
    let mut unraised: Vec<f64> = (0..z.len())
        .filter(|&i| risk[i] == 0.0 && !raised[i])
        .map(|i| scores[i])
        .collect();
    unraised.sort_by(|a, b| b.total_cmp(a));
    let allowed = (EXTRA_FALSE_ALARMS * negatives as f64) as usize;
    let threshold = unraised.get(allowed).copied().unwrap_or(f64::MAX);
    let caught = |with_probe: bool, positive: bool| {
        let n = (0..z.len()).filter(|&i| (risk[i] == 1.0) == positive).count();
        let hit = (0..z.len())
            .filter(|&i| (risk[i] == 1.0) == positive && (raised[i] || (with_probe && scores[i] > threshold)))
            .count();
        100.0 * hit as f64 / n as f64
    };
    eprintln!(
        "cross-validated on {} statements: recall {:.1}% -> {:.1}%, hard negatives raised {:.1}% -> {:.1}%",
        z.len(),
        caught(false, true),
        caught(true, true),
        caught(false, false),
        caught(true, false)
    );

    let all: Vec<usize> = (0..z.len()).collect();
    let (w, b) = fit(&z, &risk, &all);
    let mut kind_weights = Vec::new();
    for kind in KINDS {
        let rows: Vec<usize> = (0..z.len())
            .filter(|&i| kinds[i].is_none_or(|k| k == kind))
            .collect();
        let target: Vec<f64> = kinds
            .iter()
            .map(|k| f64::from(u8::from(*k == Some(kind))))
            .collect();
        kind_weights.push(fold_standardisation(fit(&z, &target, &rows), &mean, &scale));
    }
    let (risk_w, risk_b) = fold_standardisation((w, b), &mean, &scale);

    let sha = hex(&Sha256::digest(std::fs::read(&model).expect("model file")));
    let file_name = model.file_name().unwrap().to_string_lossy();
    let mut toml = format!(
        "# The semantic layer of the crisis screen: linear weights over mean-pooled {file_name} vectors.\n\
         # Written by `cargo run --release -p soundmind-local --example train_screening_probe` from\n\
         # data/screening-exemplars.toml and the dev split (never the held-out split); do not edit by hand.\n\
         # The threshold lets the layer add at most {:.0}% of the hard negatives (cross-validated).\n\
         version = 1\ntrained = \"{}\"\nmodel_file = \"{file_name}\"\nmodel_sha256 = \"{sha}\"\nthreshold = {threshold:.6}\n",
        100.0 * EXTRA_FALSE_ALARMS,
        chrono::Utc::now().format("%Y-%m-%d"),
    );
    toml += &linear("[risk]", &risk_w, risk_b);
    for (w, b) in &kind_weights {
        toml += &linear("[[kinds]]", w, *b);
    }
    std::fs::write(&out, toml).expect("write the weights");
    eprintln!("wrote {}", out.display());
}

fn linear(header: &str, w: &[f64], b: f64) -> String {
    let weights: Vec<String> = w.iter().map(|v| format!("{v:.6}")).collect();
    format!("{header}\nbias = {b:.6}\nweights = [{}]\n", weights.join(", "))
}

fn standardisation(x: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let d = x[0].len();
    let n = x.len() as f64;
    let mean: Vec<f64> = (0..d).map(|j| x.iter().map(|v| v[j]).sum::<f64>() / n).collect();
    let scale = (0..d)
        .map(|j| (x.iter().map(|v| (v[j] - mean[j]).powi(2)).sum::<f64>() / n).sqrt() + 1e-6)
        .collect();
    (mean, scale)
}

fn standardise(v: &[f64], mean: &[f64], scale: &[f64]) -> Vec<f64> {
    v.iter()
        .zip(mean)
        .zip(scale)
        .map(|((x, m), s)| (x - m) / s)
        .collect()
}

/// `w·((x - mean) / scale) + b` as `w'·x + b'`, so the app needs no statistics.
fn fold_standardisation((w, b): (Vec<f64>, f64), mean: &[f64], scale: &[f64]) -> (Vec<f64>, f64) {
    let folded: Vec<f64> = w.iter().zip(scale).map(|(w, s)| w / s).collect();
    let shift: f64 = folded.iter().zip(mean).map(|(w, m)| w * m).sum();
    (folded, b - shift)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// L2-regularised logistic regression by gradient descent on `rows`.
fn fit(z: &[Vec<f64>], y: &[f64], rows: &[usize]) -> (Vec<f64>, f64) {
    let d = z[0].len();
    let n = rows.len() as f64;
    let (mut w, mut b) = (vec![0.0; d], 0.0);
    for _ in 0..STEPS {
        let mut grad = vec![0.0; d];
        let mut grad_b = 0.0;
        for &i in rows {
            let p = 1.0 / (1.0 + (-(dot(&w, &z[i]) + b)).exp());
            let e = p - y[i];
            for (g, x) in grad.iter_mut().zip(&z[i]) {
                *g += e * x;
            }
            grad_b += e;
        }
        for (wj, g) in w.iter_mut().zip(&grad) {
            *wj -= RATE * (g / n + L2 * *wj);
        }
        b -= RATE * grad_b / n;
    }
    (w, b)
}

/// 0..n in a fixed pseudo-random order (an LCG), so the folds are the same on every run.
fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state: u64 = 0x5EED;
    for i in (1..n).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        order.swap(i, (state >> 33) as usize % (i + 1));
    }
    order
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
