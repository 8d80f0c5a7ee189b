//! Decoding real files in every format people record in, made by ffmpeg at test time from one known signal,
//! and every kind of bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use soundmind_audio::{AudioError, Decoder, decode_file, level, vad};

const RATE: usize = 16_000;

/// 1 s silence, 2 s voice-like buzz, 1 s silence, 1 s buzz, 1 s silence: 6 s with known speech positions.
fn reference_signal() -> Vec<f32> {
    let buzz = soundmind_testkit::voice_like;
    let mut signal = vec![0.0; RATE];
    signal.extend(buzz(2.0));
    signal.extend(vec![0.0; RATE]);
    signal.extend(buzz(1.0));
    signal.extend(vec![0.0; RATE]);
    signal
}

fn write_reference(dir: &Path) -> PathBuf {
    let path = dir.join("reference.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE as u32,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    for s in reference_signal() {
        writer.write_sample((s * 32767.0) as i16).unwrap();
    }
    writer.finalize().unwrap();
    path
}

fn ffmpeg(input: &Path, output: &Path, args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(input)
        .args(args)
        .arg(output)
        .status()
        .expect("ffmpeg is needed for these tests (./scripts/test installs it)");
    assert!(status.success(), "ffmpeg failed for {}", output.display());
}

#[test]
fn every_supported_format_decodes_to_the_same_speech() {
    let dir = tempfile::tempdir().unwrap();
    let reference = write_reference(dir.path());
    let formats: &[(&str, &[&str])] = &[
        (
            "wav-44k-stereo-s16.wav",
            &["-ar", "44100", "-ac", "2", "-c:a", "pcm_s16le"],
        ),
        ("wav-48k-s24.wav", &["-ar", "48000", "-c:a", "pcm_s24le"]),
        ("wav-22k-s32.wav", &["-ar", "22050", "-c:a", "pcm_s32le"]),
        ("wav-f32.wav", &["-c:a", "pcm_f32le"]),
        ("wav-8k-u8.wav", &["-ar", "8000", "-c:a", "pcm_u8"]),
        ("flac.flac", &["-c:a", "flac"]),
        ("mp3.mp3", &["-c:a", "libmp3lame", "-b:a", "64k"]),
        ("aac.m4a", &["-c:a", "aac", "-b:a", "64k"]),
        ("opus.ogg", &["-c:a", "libopus", "-b:a", "32k"]),
        ("opus.webm", &["-c:a", "libopus", "-b:a", "32k"]),
        ("vorbis.ogg", &["-c:a", "libvorbis"]),
    ];
    for (name, args) in formats {
        let path = dir.path().join(name);
        ffmpeg(&reference, &path, args);
        let (samples, info) = decode_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let seconds = samples.len() as f32 / RATE as f32;
        assert!((seconds - 6.0).abs() < 0.12, "{name}: {seconds} s ({info:?})");
        // Speech is where it was: two spans starting near 1 s and 4 s.
        let spans = vad::speech_spans(&samples, vad::VadConfig::default());
        assert_eq!(spans.len(), 2, "{name}: {spans:?}");
        let start = |i: usize| spans[i].start as f32 / RATE as f32;
        assert!(
            (start(0) - 0.85).abs() < 0.2 && (start(1) - 3.85).abs() < 0.2,
            "{name}: {spans:?}"
        );
        let voiced = level::voiced_seconds(&samples, RATE as u32);
        assert!((voiced - 3.0).abs() < 0.25, "{name}: voiced {voiced}");
    }
}

#[test]
fn a_mislabelled_file_is_detected_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let reference = write_reference(dir.path());
    let disguised = dir.path().join("actually-a-wav.mp3");
    std::fs::copy(&reference, &disguised).unwrap();
    let (samples, info) = decode_file(&disguised).unwrap();
    assert_eq!(samples.len(), 6 * RATE);
    assert!(info.codec.starts_with("pcm"), "{info:?}");
}

#[test]
fn bad_inputs_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(decode_file(&empty), Err(AudioError::Empty { .. })));

    let reference = write_reference(dir.path());
    let truncated = dir.path().join("truncated.wav");
    std::fs::write(&truncated, &std::fs::read(&reference).unwrap()[..20]).unwrap();
    let err = decode_file(&truncated).unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::Unrecognised { .. } | AudioError::Corrupt { .. } | AudioError::ZeroLength { .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("truncated.wav"));

    let text = dir.path().join("notes.wav");
    std::fs::write(
        &text,
        "this is not audio at all, just some words in a text file\n".repeat(20),
    )
    .unwrap();
    let err = decode_file(&text).unwrap_err();
    assert!(matches!(err, AudioError::Unrecognised { .. }), "{err}");
    assert!(err.to_string().contains("supported: WAV, WebM/Opus"), "{err}");

    let header_only = dir.path().join("zero.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    hound::WavWriter::create(&header_only, spec)
        .unwrap()
        .finalize()
        .unwrap();
    assert!(matches!(
        decode_file(&header_only),
        Err(AudioError::ZeroLength { .. })
    ));

    let missing = dir.path().join("missing.wav");
    assert!(matches!(decode_file(&missing), Err(AudioError::Io { .. })));

    // A video without sound.
    let video = dir.path().join("video.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=64x64:rate=5",
            "-c:v",
            "mpeg4",
        ])
        .arg(&video)
        .status()
        .unwrap();
    assert!(status.success());
    let err = decode_file(&video).unwrap_err();
    assert!(matches!(err, AudioError::NoAudioTrack { .. }), "{err}");

    // A video with sound decodes its audio track.
    let with_audio = dir.path().join("video-with-audio.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=6:size=64x64:rate=5",
            "-i",
        ])
        .arg(&reference)
        .args(["-c:v", "mpeg4", "-c:a", "aac", "-shortest"])
        .arg(&with_audio)
        .status()
        .unwrap();
    assert!(status.success());
    let (samples, _) = decode_file(&with_audio).unwrap();
    assert!((samples.len() as f32 / RATE as f32 - 6.0).abs() < 0.15);
}

#[test]
fn a_three_hour_file_streams_in_bounded_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("three-hours.flac");
    // Three hours of near-silence with a tone every 10 minutes; FLAC keeps it small on disk.
    let status = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=16000:duration=10800",
        ])
        .args([
            "-af",
            "volume='if(lt(mod(t,600),1),0.5,0)':eval=frame",
            "-c:a",
            "flac",
        ])
        .arg(&long)
        .status()
        .unwrap();
    assert!(status.success());
    let mut decoder = Decoder::open(&long).unwrap();
    let (mut total, mut largest, mut loud_blocks) = (0usize, 0usize, 0usize);
    while let Some(block) = decoder.next_block().unwrap() {
        total += block.len();
        largest = largest.max(block.len());
        if level::rms_dbfs(&block) > -45.0 {
            loud_blocks += 1;
        }
    }
    assert_eq!(total, 10_800 * RATE);
    assert!(
        largest <= 64 * 1024,
        "blocks must stay small to bound memory, got {largest}"
    );
    assert!(
        loud_blocks >= 18,
        "the tones every 10 minutes are found: {loud_blocks}"
    );
}

#[test]
fn espeak_speech_in_a_24_bit_stereo_extensible_wav_decodes() {
    let reference = decode_file(&soundmind_testkit::test_model("clips/minute.wav"))
        .unwrap()
        .0;
    let (samples, info) = decode_file(&soundmind_testkit::test_model("clips/minute-44k-stereo.wav")).unwrap();
    assert_eq!((info.source_rate, info.channels), (44_100, 2));
    let delta = (samples.len() as f32 - reference.len() as f32).abs() / RATE as f32;
    assert!(delta < 0.01, "lengths differ by {delta} s");
    let voiced = |s: &[f32]| level::voiced_seconds(s, RATE as u32);
    assert!((voiced(&samples) - voiced(&reference)).abs() < 0.5);
}
