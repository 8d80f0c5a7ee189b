use std::time::{Duration, Instant};

use serde_json::json;
use soundmind_engine::{ChatModel, EngineError};
use soundmind_remote::{OPENAI_BASE_URL, OpenAiChat, OpenAiChatConfig};
use soundmind_testkit::servers::{ChatReply, FakeChat};

use crate::util::{
    KEY, chat, chat_cancelled_after_first_delta, fast_retry, http, journal_request, many_deltas, openai_chat,
    prompt_tokens,
};

#[test]
fn streams_deltas_in_order_and_sends_the_whole_request() {
    let server = FakeChat::start();
    server.push(ChatReply::stream(&["How ", "was the ", "walk, Grüße 🌿?"]));
    let engine = openai_chat(&server.openai_base(), http(false), 3);
    let request = journal_request();
    let (result, deltas) = chat(&engine, &request);
    let result = result.unwrap();

    assert_eq!(deltas, ["How ", "was the ", "walk, Grüße 🌿?"]);
    assert_eq!(result.text, "How was the walk, Grüße 🌿?");
    assert_eq!(result.finish_reason.as_deref(), Some("stop"));
    assert_eq!(result.prompt_tokens, prompt_tokens(&request));
    assert_eq!(result.cached_prompt_tokens, 0);
    assert_eq!(result.completion_tokens, 3);
    let first = result.time_to_first_token.expect("time to first token");
    assert!(first <= result.total, "{first:?} > {:?}", result.total);
    assert_eq!(engine.name(), "openai");
    assert_eq!(engine.model(), "openai:gpt-4o-mini");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(sent.header("authorization"), Some("Bearer sk-test-secret-key"));
    assert_eq!(
        sent.body,
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                { "role": "system", "content": request.messages[0].content },
                { "role": "user", "content": request.messages[1].content },
                { "role": "user", "content": request.messages[2].content },
            ],
            "stream": true,
            "stream_options": { "include_usage": true },
            "temperature": 0.7,
            "max_tokens": 200,
            "stop": ["\n\n"],
            "top_p": 0.9,
            "seed": 42,
        })
    );
}

#[test]
fn the_token_limit_ends_with_length() {
    let server = FakeChat::start();
    server.push(ChatReply::stream(&["one ", "two ", "three ", "four"]));
    let mut request = journal_request();
    request.sampling.max_tokens = 2;
    let (result, deltas) = chat(&openai_chat(&server.openai_base(), http(false), 1), &request);
    let result = result.unwrap();
    assert_eq!(deltas, ["one ", "two "]);
    assert_eq!(result.finish_reason.as_deref(), Some("length"));
}

#[test]
fn a_local_server_needs_no_key_and_reasoning_is_not_shown() {
    let server = FakeChat::start();
    server.push(ChatReply::thinking(&["The user ", "is tired."], &["Rest well?"]));
    let mut config = openai_chat(&server.openai_base(), http(false), 1)
        .config()
        .clone();
    config.api_key = None;
    let (result, deltas) = chat(&OpenAiChat::new(config, http(false)), &journal_request());
    assert_eq!(result.unwrap().text, "Rest well?");
    assert_eq!(deltas, ["Rest well?"]);
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[test]
fn rate_limit_then_success_waits_for_retry_after() {
    let server = FakeChat::start();
    server
        .push(ChatReply::rate_limited("0.3"))
        .push(ChatReply::stream(&["after ", "the wait"]));
    let started = Instant::now();
    let (result, deltas) = chat(
        &openai_chat(&server.openai_base(), http(false), 3),
        &journal_request(),
    );
    assert_eq!(result.unwrap().text, "after the wait");
    assert_eq!(deltas, ["after ", "the wait"]);
    assert_eq!(server.request_count(), 2);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn server_errors_give_up_after_exactly_the_attempts() {
    let server = FakeChat::start();
    for _ in 0..3 {
        server.push(ChatReply::status(500));
    }
    server.push(ChatReply::stream(&["a fourth attempt would get this"]));
    let (result, deltas) = chat(
        &openai_chat(&server.openai_base(), http(false), 3),
        &journal_request(),
    );
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::Server { status: 500, .. }), "{err:?}");
    assert_eq!(server.request_count(), 3);
    assert!(deltas.is_empty());
}

#[test]
fn a_stream_cut_after_deltas_is_interrupted_and_not_retried() {
    let server = FakeChat::start();
    server
        .push(ChatReply::cut_after(&["How ", "are ", "you?"], 2))
        .push(ChatReply::stream(&["a retry would repeat text"]));
    let (result, deltas) = chat(
        &openai_chat(&server.openai_base(), http(false), 3),
        &journal_request(),
    );
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::Interrupted { .. }), "{err:?}");
    assert!(!err.is_transient());
    assert_eq!(err.kind(), "StreamInterrupted");
    assert_eq!(
        deltas,
        ["How ", "are "],
        "delivered once each, nothing after the cut"
    );
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_stream_cut_before_any_delta_is_retried() {
    let server = FakeChat::start();
    server
        .push(ChatReply::cut_after(&["lost"], 0))
        .push(ChatReply::stream(&["second ", "try"]));
    let (result, deltas) = chat(
        &openai_chat(&server.openai_base(), http(false), 3),
        &journal_request(),
    );
    assert_eq!(result.unwrap().text, "second try");
    assert_eq!(deltas, ["second ", "try"]);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn html_is_a_bad_response_naming_text_html() {
    let server = FakeChat::start();
    for _ in 0..3 {
        server.push(ChatReply::html(
            "<html><body>Please log in to the Wi-Fi</body></html>",
        ));
    }
    let (result, _) = chat(
        &openai_chat(&server.openai_base(), http(false), 2),
        &journal_request(),
    );
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::BadResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("text/html"), "{err}");
    assert!(err.to_string().contains("Please log in"), "{err}");
    assert_eq!(
        server.request_count(),
        2,
        "no more attempts than the policy allows"
    );
}

#[test]
fn a_wrong_key_is_an_auth_error_that_never_shows_the_key() {
    let server = FakeChat::start();
    server.require_key("sk-the-right-key");
    let (result, _) = chat(
        &openai_chat(&server.openai_base(), http(false), 3),
        &journal_request(),
    );
    let err = result.unwrap_err();
    match &err {
        EngineError::Auth { env_var, .. } => assert_eq!(env_var, "OPENAI_API_KEY"),
        other => panic!("expected Auth, got {other:?}"),
    }
    assert!(!err.to_string().contains(KEY), "the key leaked: {err}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn openai_without_a_key_fails_before_any_network() {
    let engine = OpenAiChat::new(OpenAiChatConfig::openai("gpt-4o-mini", None), http(false));
    let started = Instant::now();
    let (result, _) = chat(&engine, &journal_request());
    let err = result.unwrap_err();
    match &err {
        EngineError::Auth { env_var, .. } => assert_eq!(env_var, "OPENAI_API_KEY"),
        other => panic!("expected Auth, got {other:?}"),
    }
    assert!(matches!(engine.probe(), Err(EngineError::Auth { .. })));
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "no DNS, no connection"
    );
}

#[test]
fn an_error_in_the_stream_is_an_error_and_retried_before_any_text() {
    let server = FakeChat::start();
    server.push(ChatReply::StreamError("The server had an error".into()));
    let (result, _) = chat(
        &openai_chat(&server.openai_base(), http(false), 1),
        &journal_request(),
    );
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::Server { status: 500, .. }), "{err:?}");
    assert!(err.to_string().contains("The server had an error"), "{err}");

    server
        .push(ChatReply::StreamError("again".into()))
        .push(ChatReply::stream(&["fine"]));
    let (result, _) = chat(
        &openai_chat(&server.openai_base(), http(false), 2),
        &journal_request(),
    );
    assert_eq!(result.unwrap().text, "fine");
    assert_eq!(server.request_count(), 3);
}

#[test]
fn cancel_mid_stream_stops_it() {
    let server = FakeChat::start();
    server.push(ChatReply::Stream(many_deltas()));
    let (result, deltas) = chat_cancelled_after_first_delta(
        &openai_chat(&server.openai_base(), http(false), 3),
        &journal_request(),
    );
    assert!(matches!(result, Err(EngineError::Cancelled)), "{result:?}");
    assert_eq!(deltas, ["word0 "]);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn probe_lists_models_and_reports_failures() {
    let server = FakeChat::start();
    let engine = openai_chat(&server.openai_base(), http(false), 1);
    assert_eq!(engine.probe().unwrap(), "4 models, gpt-4o-mini listed");
    server.set_models(&["gpt-4.1"]);
    assert_eq!(engine.probe().unwrap(), "1 models, gpt-4o-mini not listed");
    let sent = &server.requests()[0];
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("GET", "/v1/models"));
    assert_eq!(sent.header("authorization"), Some("Bearer sk-test-secret-key"));
    assert_eq!(
        sent.body,
        serde_json::Value::Null,
        "a probe sends no journal text"
    );

    server.push(ChatReply::status(503));
    assert!(matches!(
        engine.probe(),
        Err(EngineError::Server { status: 503, .. })
    ));
    server.require_key("sk-other");
    assert!(matches!(engine.probe(), Err(EngineError::Auth { .. })));
}

#[test]
fn privacy_mode_refuses_openai_itself() {
    let config = OpenAiChatConfig {
        retry: fast_retry(3),
        ..OpenAiChatConfig::openai("gpt-4o-mini", Some(KEY.into()))
    };
    assert_eq!(config.base_url, OPENAI_BASE_URL);
    let engine = OpenAiChat::new(config, http(true));
    let (result, _) = chat(&engine, &journal_request());
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::PrivacyBlocked { .. }), "{err:?}");
    assert!(err.to_string().contains("privacy mode"), "{err}");
    assert!(matches!(engine.probe(), Err(EngineError::PrivacyBlocked { .. })));
}
