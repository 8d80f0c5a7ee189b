use std::time::{Duration, Instant};

use soundmind_engine::{EngineError, SttOptions, Transcriber};
use soundmind_remote::{Http, HttpPolicy, MAX_REDIRECTS, Purpose};
use soundmind_testkit::servers::{FakeOpenAi, Reply};

use crate::util::{http, tone, transcriber};

#[test]
fn the_guard_allows_only_loopback() {
    let private = http(true);
    for allowed in [
        "http://127.0.0.1:8080/v1",
        "http://127.8.9.10/",
        "https://[::1]:8443/v1",
        "http://localhost:11434/api/chat",
        "http://LOCALHOST/",
        "http://2130706433/", // 127.0.0.1 as one number; the URL parser normalises it
    ] {
        assert!(private.check(allowed).is_ok(), "{allowed} should be allowed");
    }
    for refused in [
        "https://api.openai.com/v1",
        "https://api.example.invalid/v1",
        "http://localhost.example.com/",
        "http://localhost./",
        "http://10.0.0.1/",
        "http://0.0.0.0:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
    ] {
        match private.check(refused) {
            Err(EngineError::PrivacyBlocked { .. }) => {}
            other => panic!("{refused} should be PrivacyBlocked, got {other:?}"),
        }
    }
    for nonsense in ["file:///etc/passwd", "ftp://127.0.0.1/", "not a url"] {
        assert!(private.check(nonsense).is_err(), "{nonsense}");
    }
    // Without privacy mode any http(s) URL passes the guard.
    assert!(http(false).check("https://api.openai.com/v1").is_ok());
}

#[test]
fn privacy_mode_lets_model_files_out_and_offline_mode_lets_nothing_out() {
    let guard = |privacy, offline| {
        Http::new(HttpPolicy {
            privacy,
            offline,
            ..HttpPolicy::default()
        })
        .unwrap()
    };
    let hub = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin";
    let cloud = "https://api.openai.com/v1";

    let private = guard(true, false);
    assert!(private.check_for(Purpose::ModelFile, hub).is_ok());
    assert!(matches!(
        private.check_for(Purpose::JournalContent, cloud),
        Err(EngineError::PrivacyBlocked { .. })
    ));

    let offline = guard(false, true);
    for purpose in [Purpose::ModelFile, Purpose::JournalContent] {
        match offline.check_for(purpose, hub) {
            Err(e @ EngineError::OfflineBlocked { .. }) => {
                assert!(e.to_string().contains("offline mode is on"), "{e}")
            }
            other => panic!("{purpose:?} should be OfflineBlocked, got {other:?}"),
        }
        assert!(offline.check_for(purpose, "http://127.0.0.1:8080/x").is_ok());
    }
    // The request builders carry their purpose: a refused model file never reaches the network.
    let err = offline.get_model_file(hub).send().unwrap_err();
    assert!(matches!(err, EngineError::OfflineBlocked { .. }), "{err:?}");
    let err = private.get(cloud).send().unwrap_err();
    assert!(matches!(err, EngineError::PrivacyBlocked { .. }), "{err:?}");
}

#[test]
fn a_model_file_may_be_redirected_off_the_machine_in_privacy_mode_but_not_offline() {
    let server = FakeOpenAi::start();
    let cdn = "https://cdn.example.invalid/ggml-base.en.bin";
    server.push(Reply::Redirect(cdn.into()));
    // Privacy mode follows a model host's redirect to its CDN (here it cannot resolve, so the error is the
    // network's, not the guard's).
    let err = http(true)
        .get_model_file(&format!("{}/model", server.origin()))
        .send()
        .unwrap_err();
    assert!(
        !matches!(
            err,
            EngineError::PrivacyBlocked { .. } | EngineError::OfflineBlocked { .. }
        ),
        "{err:?}"
    );

    server.push(Reply::Redirect(cdn.into()));
    let offline = Http::new(HttpPolicy {
        offline: true,
        connect_timeout: Duration::from_secs(2),
        ..HttpPolicy::default()
    })
    .unwrap();
    let err = offline
        .get_model_file(&format!("{}/model", server.origin()))
        .send()
        .unwrap_err();
    match err {
        EngineError::OfflineBlocked { url } => assert!(url.contains("cdn.example.invalid"), "{url}"),
        other => panic!("expected OfflineBlocked, got {other:?}"),
    }
}

#[test]
fn privacy_mode_talks_to_127_0_0_1_and_localhost() {
    let server = FakeOpenAi::start();
    server.push(Reply::ok("by address")).push(Reply::ok("by name"));
    let by_address = transcriber(&server.base_url(), http(true), 1);
    let text = by_address
        .transcribe(&tone(), &SttOptions::default(), &mut |_| {}, &Default::default())
        .unwrap()
        .text;
    assert_eq!(text, "by address");
    let by_name = transcriber(
        &format!("http://localhost:{}/v1", server.addr().port()),
        http(true),
        1,
    );
    let text = by_name
        .transcribe(&tone(), &SttOptions::default(), &mut |_| {}, &Default::default())
        .unwrap()
        .text;
    assert_eq!(text, "by name");
}

#[test]
fn privacy_mode_refuses_remote_hosts_before_any_network_io() {
    for base in [
        "https://api.openai.com/v1",
        "https://api.example.invalid/v1?key=sk-in-the-query",
    ] {
        let stt = transcriber(base, http(true), 3);
        let started = Instant::now();
        let err = stt
            .transcribe(&tone(), &SttOptions::default(), &mut |_| {}, &Default::default())
            .unwrap_err();
        match &err {
            EngineError::PrivacyBlocked { url } => {
                assert!(url.starts_with(&base[..20]), "{url}");
                assert!(!url.contains("sk-in-the-query"), "the query leaked: {url}");
            }
            other => panic!("expected PrivacyBlocked for {base}, got {other:?}"),
        }
        assert!(!err.is_transient(), "a refused URL must not be retried");
        // No DNS lookup, no connection, no retry backoff: the refusal is immediate.
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn privacy_mode_refuses_a_redirect_off_the_machine() {
    let server = FakeOpenAi::start();
    server.push(Reply::Redirect(
        "https://api.example.invalid/v1/audio/transcriptions".into(),
    ));
    let err = transcriber(&server.base_url(), http(true), 3)
        .transcribe(&tone(), &SttOptions::default(), &mut |_| {}, &Default::default())
        .unwrap_err();
    match &err {
        EngineError::PrivacyBlocked { url } => assert!(url.contains("api.example.invalid"), "{url}"),
        other => panic!("expected PrivacyBlocked, got {other:?}"),
    }
    assert_eq!(
        server.request_count(),
        1,
        "the refused redirect must not be retried"
    );

    // A redirect that stays on loopback is followed.
    server
        .push(Reply::Redirect(format!("{}/moved", server.origin())))
        .push(Reply::ok("moved"));
    let response = http(true)
        .get(&format!("{}/start", server.origin()))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().unwrap().contains("moved"));
    let paths: Vec<String> = server.requests().iter().skip(1).map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/start", "/moved"]);
}

#[test]
fn redirect_loops_stop_after_the_limit() {
    let server = FakeOpenAi::start();
    for _ in 0..=MAX_REDIRECTS + 1 {
        server.push(Reply::Redirect(format!("{}/again", server.origin())));
    }
    let err = http(false)
        .get(&format!("{}/start", server.origin()))
        .send()
        .unwrap_err();
    assert!(err.to_string().contains("redirected more than"), "{err}");
    assert_eq!(server.request_count(), MAX_REDIRECTS + 1);
}
