use std::time::{Duration, Instant};

use soundmind_engine::{CancelToken, EngineError, SttEvent, SttOptions, Transcriber};
use soundmind_remote::{Http, HttpPolicy};
use soundmind_testkit::servers::{FakeOpenAi, Reply};

use crate::util::{http, tone, transcriber};

fn run(
    t: &dyn Transcriber,
    audio: &[f32],
    options: &SttOptions,
) -> Result<soundmind_engine::Transcript, EngineError> {
    t.transcribe(audio, options, &mut |_| {}, &CancelToken::new())
}

/// The parts of a canonical 16-bit PCM WAV header, read back from the bytes the server received.
fn wav_format(bytes: &[u8]) -> (u16, u16, u32, u16, usize) {
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..16], b"WAVEfmt ");
    assert_eq!(&bytes[36..40], b"data");
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    assert_eq!(u32_at(4) as usize, bytes.len() - 8, "RIFF size");
    let data_len = u32_at(40) as usize;
    assert_eq!(data_len, bytes.len() - 44, "data size");
    (u16_at(20), u16_at(22), u32_at(24), u16_at(34), data_len / 2)
}

#[test]
fn success_uploads_a_real_wav_with_the_form_fields() {
    let server = FakeOpenAi::start();
    server.push(Reply::Json(
        serde_json::json!({ "text": "  Hello there.\n", "usage": { "seconds": 1 } }),
    ));
    let stt = transcriber(&server.base_url(), http(false), 3);
    let options = SttOptions {
        language: Some("de".into()),
        vocabulary: vec!["Priya".into(), "Donaukanal".into()],
        ..Default::default()
    };
    let audio = tone();
    let mut events = Vec::new();
    let transcript = stt
        .transcribe(&audio, &options, &mut |e| events.push(e), &CancelToken::new())
        .unwrap();

    assert_eq!(transcript.text, "Hello there.");
    assert_eq!(transcript.language.as_deref(), Some("de"));
    assert_eq!(
        transcript.raw["usage"]["seconds"], 1,
        "the whole JSON is kept for the sidecar"
    );
    assert_eq!(events.last(), Some(&SttEvent::Progress(1.0)));
    assert_eq!(stt.model(), "gpt-4o-transcribe");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/audio/transcriptions");
    assert_eq!(
        request.authorization.as_deref(),
        Some("Bearer sk-test-secret-key")
    );
    assert_eq!(request.fields["model"], "gpt-4o-transcribe");
    assert_eq!(request.fields["response_format"], "json");
    assert_eq!(request.fields["language"], "de");
    assert_eq!(
        request.fields["prompt"],
        "Names and terms that may appear: Priya, Donaukanal."
    );
    let file = request.file.as_ref().expect("a file part");
    assert_eq!(file.field, "file");
    assert_eq!(file.file_name.as_deref(), Some("audio.wav"));
    assert_eq!(file.content_type.as_deref(), Some("audio/wav"));
    let (format, channels, rate, bits, samples) = wav_format(&file.bytes);
    assert_eq!((format, channels, rate, bits), (1, 1, 16_000, 16));
    assert_eq!(samples, audio.len());
    // The 5th sample of the tone, as 16-bit PCM.
    let fifth = i16::from_le_bytes([file.bytes[44 + 8], file.bytes[44 + 9]]);
    assert_eq!(fifth, (audio[4] * 32767.0).round() as i16);
}

#[test]
fn optional_fields_are_left_out() {
    let server = FakeOpenAi::start();
    let mut stt_config = transcriber(&server.base_url(), http(false), 1).config().clone();
    stt_config.api_key = None;
    let stt = soundmind_remote::OpenAiTranscriber::new(stt_config, http(false));
    let transcript = run(&stt, &tone(), &SttOptions::default()).unwrap();
    assert_eq!(transcript.text, "fake transcript");
    assert_eq!(transcript.language, None);
    let request = &server.requests()[0];
    assert_eq!(request.authorization, None);
    assert!(!request.fields.contains_key("language"));
    assert!(!request.fields.contains_key("prompt"));
}

#[test]
fn rate_limit_then_success_waits_for_retry_after() {
    let server = FakeOpenAi::start();
    server
        .push(Reply::rate_limited("0.4"))
        .push(Reply::ok("after the wait"));
    let stt = transcriber(&server.base_url(), http(false), 3);
    let started = Instant::now();
    let transcript = run(&stt, &tone(), &SttOptions::default()).unwrap();
    assert_eq!(transcript.text, "after the wait");
    assert_eq!(server.request_count(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "Retry-After was not obeyed"
    );
}

#[test]
fn server_errors_give_up_after_exactly_three_attempts() {
    let server = FakeOpenAi::start();
    for _ in 0..3 {
        server.push(Reply::status(500));
    }
    server.push(Reply::ok("a fourth attempt would get this"));
    let err = run(
        &transcriber(&server.base_url(), http(false), 3),
        &tone(),
        &SttOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, EngineError::Server { status: 500, .. }), "{err:?}");
    assert_eq!(err.kind(), "InternalServerError");
    assert_eq!(server.request_count(), 3);
}

#[test]
fn unauthorized_is_an_auth_error_without_retry() {
    let server = FakeOpenAi::start();
    server.push(Reply::Status {
        status: 401,
        retry_after: None,
        body: r#"{"error":{"message":"Incorrect API key provided: sk-test-secret-key"}}"#.into(),
    });
    let err = run(
        &transcriber(&server.base_url(), http(false), 3),
        &tone(),
        &SttOptions::default(),
    )
    .unwrap_err();
    match &err {
        EngineError::Auth { service, env_var, .. } => {
            assert_eq!(service, "OpenAI-compatible STT");
            assert_eq!(env_var, "OPENAI_API_KEY");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert!(
        !err.to_string().contains("sk-test-secret-key"),
        "the key leaked: {err}"
    );
    assert_eq!(server.request_count(), 1);
}

#[test]
fn html_instead_of_json_is_a_bad_response() {
    let server = FakeOpenAi::start();
    server.push(Reply::html(
        "<html><body>Please log in to the Wi-Fi</body></html>",
    ));
    let err = run(
        &transcriber(&server.base_url(), http(false), 1),
        &tone(),
        &SttOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, EngineError::BadResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("text/html"), "{err}");
}

#[test]
fn a_slow_server_times_out_as_unreachable() {
    let server = FakeOpenAi::start();
    server.push(Reply::delay(Duration::from_secs(3)));
    let impatient = Http::new(HttpPolicy {
        read_timeout: Duration::from_millis(300),
        ..HttpPolicy::default()
    })
    .unwrap();
    let started = Instant::now();
    let err = run(
        &transcriber(&server.base_url(), impatient, 1),
        &tone(),
        &SttOptions::default(),
    )
    .unwrap_err();
    match &err {
        EngineError::Unreachable { url, .. } => assert!(url.contains("/v1/audio/transcriptions"), "{url}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_dropped_connection_is_retried() {
    let server = FakeOpenAi::start();
    server.push(Reply::DropConnection).push(Reply::ok("second try"));
    let transcript = run(
        &transcriber(&server.base_url(), http(false), 3),
        &tone(),
        &SttOptions::default(),
    )
    .unwrap();
    assert_eq!(transcript.text, "second try");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn cancelled_before_the_call_sends_nothing() {
    let server = FakeOpenAi::start();
    let cancel = CancelToken::new();
    cancel.cancel();
    let stt = transcriber(&server.base_url(), http(false), 3);
    let err = stt
        .transcribe(&tone(), &SttOptions::default(), &mut |_| {}, &cancel)
        .unwrap_err();
    assert!(matches!(err, EngineError::Cancelled));
    let err = run(&stt, &[], &SttOptions::default()).unwrap_err();
    assert!(matches!(err, EngineError::BadAudio(_)));
    assert_eq!(server.request_count(), 0);
}
