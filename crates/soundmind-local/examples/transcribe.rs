//! Transcribes a 16 kHz mono WAV and prints the text and the time taken.
//!
//! `cargo run --release --example transcribe -- MODEL.bin CLIP.wav [fast|default|accuracy] [THREADS] [VOCAB,...]`

use std::time::Instant;

use soundmind_engine::{CancelToken, SttOptions, Transcriber};
use soundmind_local::{WhisperConfig, WhisperTranscriber};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, wav, rest @ ..] = args.as_slice() else {
        eprintln!("usage: transcribe MODEL.bin CLIP.wav [fast|default|accuracy] [THREADS] [VOCAB,...]");
        std::process::exit(2);
    };
    let preset = rest
        .first()
        .map_or(Ok(Default::default()), |p| p.parse())
        .unwrap();
    let threads = rest.get(1).map_or(2, |t| t.parse().unwrap());
    let vocabulary = rest
        .get(2)
        .map(|v| v.split(',').map(String::from).collect())
        .unwrap_or_default();

    let mut reader = hound::WavReader::open(wav).unwrap();
    let spec = reader.spec();
    assert!(
        spec.sample_rate == 16_000 && spec.channels == 1,
        "needs 16 kHz mono, got {spec:?}"
    );
    let audio: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect();

    let t = WhisperTranscriber::new(WhisperConfig::new(model).threads(threads));
    t.check_model().unwrap();
    let options = SttOptions {
        preset,
        vocabulary,
        ..Default::default()
    };
    let cancel = CancelToken::new();
    // First call includes loading the model; the second is the warm time.
    for run in ["cold (load + transcribe)", "warm"] {
        let start = Instant::now();
        let out = t.transcribe(&audio, &options, &mut |_| {}, &cancel).unwrap();
        println!(
            "{run}: {:.2} s for {:.1} s of audio: {}",
            start.elapsed().as_secs_f64(),
            audio.len() as f64 / 16_000.0,
            out.text
        );
    }
}
