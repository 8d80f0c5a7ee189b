use std::time::{Duration, Instant};

use serde_json::json;
use soundmind_engine::{ChatMessage, ChatModel, EngineError, Role};
use soundmind_remote::{ANTHROPIC_DEFAULT_URL, AnthropicChat, AnthropicConfig};
use soundmind_testkit::servers::{ChatReply, FakeChat};

use crate::util::{
    KEY, anthropic_chat, chat, chat_cancelled_after_first_delta, fast_retry, http, journal_request,
    many_deltas, prompt_tokens,
};

#[test]
fn streams_deltas_in_order_and_sends_the_whole_request() {
    let server = FakeChat::start();
    server.push(ChatReply::stream(&["How ", "was the ", "walk, Grüße 🌿?"]));
    let engine = anthropic_chat(&server.origin(), http(false), 3, false);
    let request = journal_request();
    let (result, deltas) = chat(&engine, &request);
    let result = result.unwrap();

    assert_eq!(deltas, ["How ", "was the ", "walk, Grüße 🌿?"]);
    assert_eq!(result.text, "How was the walk, Grüße 🌿?");
    assert_eq!(result.finish_reason.as_deref(), Some("end_turn"));
    // The fake serves everything up to the breakpoint from its cache: instructions and the past summary.
    let cached =
        (request.messages[0].content.chars().count() + request.messages[1].content.chars().count()) / 4;
    assert_eq!(result.cached_prompt_tokens, cached as u32);
    assert_eq!(
        result.prompt_tokens + result.cached_prompt_tokens,
        prompt_tokens(&request)
    );
    assert_eq!(result.completion_tokens, 3);
    assert!(result.time_to_first_token.is_some());
    assert_eq!(engine.name(), "anthropic");
    assert_eq!(engine.model(), "anthropic:claude-sonnet-4-20250514");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/messages")
    );
    assert_eq!(sent.header("x-api-key"), Some(KEY));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(
        sent.body,
        json!({
            "model": "claude-sonnet-4-20250514",
            "max_tokens": 200,
            "stream": true,
            "system": [{ "type": "text", "text": request.messages[0].content }],
            "messages": [{
                "role": "user",
                "content": [
                    {
                        "type": "text",
                        "text": request.messages[1].content,
                        "cache_control": { "type": "ephemeral" },
                    },
                    { "type": "text", "text": request.messages[2].content },
                ],
            }],
            "temperature": 0.7,
            "stop_sequences": ["\n\n"],
            "top_p": 0.9,
        })
    );
}

#[test]
fn the_cache_breakpoint_follows_the_last_stable_message() {
    let server = FakeChat::start();
    let engine = anthropic_chat(&server.origin(), http(false), 1, false);
    let mut request = journal_request();

    // Only the instructions are stable: the breakpoint is on the system block.
    request.messages[1].stable_prefix = false;
    chat(&engine, &request).0.unwrap();
    // Nothing stable: no breakpoint at all.
    request.messages[0].stable_prefix = false;
    chat(&engine, &request).0.unwrap();
    // A stable assistant message (an earlier question) after the user's words.
    request
        .messages
        .push(ChatMessage::stable(Role::Assistant, "What helped today?"));
    chat(&engine, &request).0.unwrap();

    let bodies: Vec<_> = server.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(
        bodies[0]["system"][0]["cache_control"],
        json!({ "type": "ephemeral" })
    );
    assert!(!bodies[0]["messages"].to_string().contains("cache_control"));
    assert!(!bodies[1].to_string().contains("cache_control"), "{}", bodies[1]);
    assert!(!bodies[2]["system"].to_string().contains("cache_control"));
    assert_eq!(
        bodies[2]["messages"][1],
        json!({
            "role": "assistant",
            "content": [{
                "type": "text",
                "text": "What helped today?",
                "cache_control": { "type": "ephemeral" },
            }],
        })
    );
}

#[test]
fn thinking_has_its_own_budget_and_is_never_shown() {
    let server = FakeChat::start();
    server.push(ChatReply::thinking(
        &["The user mentions ", "a walk."],
        &["What did ", "you notice?"],
    ));
    let engine = anthropic_chat(&server.origin(), http(false), 1, true);
    assert_eq!(engine.model(), "anthropic:claude-sonnet-4-20250514:thinking");
    let mut request = journal_request();
    request.thinking_budget = Some(3000);
    let (result, deltas) = chat(&engine, &request);
    let result = result.unwrap();
    assert_eq!(deltas, ["What did ", "you notice?"]);
    assert_eq!(result.text, "What did you notice?");
    assert_eq!(
        result.completion_tokens, 4,
        "thinking tokens are billed as output"
    );
    assert_eq!(result.finish_reason.as_deref(), Some("end_turn"));

    // Without a budget: 2048; a budget under the API's minimum is raised to 1024.
    request.thinking_budget = None;
    chat(&engine, &request).0.unwrap();
    request.thinking_budget = Some(10);
    chat(&engine, &request).0.unwrap();

    let bodies: Vec<_> = server.requests().into_iter().map(|r| r.body).collect();
    for (body, budget) in bodies.iter().zip([3000, 2048, 1024]) {
        assert_eq!(
            body["thinking"],
            json!({ "type": "enabled", "budget_tokens": budget })
        );
        assert_eq!(
            body["max_tokens"],
            json!(budget + 200),
            "the answer keeps all of its max_tokens"
        );
        assert_eq!(body["temperature"], json!(1.0));
        assert!(body.get("top_p").is_none(), "{body}");
    }
}

#[test]
fn the_token_limit_ends_with_max_tokens() {
    let server = FakeChat::start();
    server.push(ChatReply::stream(&["one ", "two ", "three"]));
    let mut request = journal_request();
    request.sampling.max_tokens = 2;
    let (result, deltas) = chat(&anthropic_chat(&server.origin(), http(false), 1, false), &request);
    assert_eq!(deltas, ["one ", "two "]);
    assert_eq!(result.unwrap().finish_reason.as_deref(), Some("max_tokens"));
}

#[test]
fn rate_limit_then_success_waits_for_retry_after() {
    let server = FakeChat::start();
    server
        .push(ChatReply::rate_limited("0.3"))
        .push(ChatReply::stream(&["after ", "the wait"]));
    let started = Instant::now();
    let (result, _) = chat(
        &anthropic_chat(&server.origin(), http(false), 3, false),
        &journal_request(),
    );
    assert_eq!(result.unwrap().text, "after the wait");
    assert_eq!(server.request_count(), 2);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn server_errors_give_up_after_exactly_the_attempts() {
    let server = FakeChat::start();
    server
        .push(ChatReply::status(500))
        .push(ChatReply::status(529))
        .push(ChatReply::status(500))
        .push(ChatReply::stream(&["a fourth attempt would get this"]));
    let (result, _) = chat(
        &anthropic_chat(&server.origin(), http(false), 3, false),
        &journal_request(),
    );
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::Server { status: 500, .. }), "{err:?}");
    assert_eq!(server.request_count(), 3);
}

#[test]
fn a_stream_cut_after_deltas_is_interrupted_and_not_retried() {
    let server = FakeChat::start();
    server
        .push(ChatReply::cut_after(&["How ", "are ", "you?"], 2))
        .push(ChatReply::stream(&["a retry would repeat text"]));
    let (result, deltas) = chat(
        &anthropic_chat(&server.origin(), http(false), 3, false),
        &journal_request(),
    );
    let err = result.unwrap_err();
    match &err {
        EngineError::Interrupted { service, .. } => assert_eq!(service, "Anthropic"),
        other => panic!("expected Interrupted, got {other:?}"),
    }
    assert!(!err.to_string().contains(KEY));
    assert_eq!(deltas, ["How ", "are "]);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_stream_cut_before_any_delta_is_retried() {
    let server = FakeChat::start();
    server
        .push(ChatReply::cut_after(&["lost"], 0))
        .push(ChatReply::stream(&["second ", "try"]));
    let (result, deltas) = chat(
        &anthropic_chat(&server.origin(), http(false), 3, false),
        &journal_request(),
    );
    assert_eq!(result.unwrap().text, "second try");
    assert_eq!(deltas, ["second ", "try"]);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn html_is_a_bad_response_naming_text_html() {
    let server = FakeChat::start();
    for _ in 0..2 {
        server.push(ChatReply::html("<!DOCTYPE html><title>Sign in</title>"));
    }
    let (result, _) = chat(
        &anthropic_chat(&server.origin(), http(false), 2, false),
        &journal_request(),
    );
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::BadResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("text/html"), "{err}");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_wrong_key_is_an_auth_error_that_never_shows_the_key() {
    let server = FakeChat::start();
    server.require_key("sk-ant-the-right-key");
    let engine = anthropic_chat(&server.origin(), http(false), 3, false);
    let (result, _) = chat(&engine, &journal_request());
    let err = result.unwrap_err();
    match &err {
        EngineError::Auth { service, env_var, .. } => {
            assert_eq!(service, "Anthropic");
            assert_eq!(env_var, "ANTHROPIC_API_KEY");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert!(!err.to_string().contains(KEY), "the key leaked: {err}");
    assert_eq!(server.request_count(), 1);
    let probe = engine.probe().unwrap_err();
    assert!(matches!(probe, EngineError::Auth { .. }), "{probe:?}");
    assert!(!probe.to_string().contains(KEY), "the key leaked: {probe}");
}

#[test]
fn a_missing_key_fails_before_any_network() {
    let server = FakeChat::start();
    let mut config = anthropic_chat(&server.origin(), http(false), 3, false)
        .config()
        .clone();
    config.api_key = None;
    let engine = AnthropicChat::new(config, http(false));
    let (result, _) = chat(&engine, &journal_request());
    match result {
        Err(EngineError::Auth { env_var, reason, .. }) => {
            assert_eq!(env_var, "ANTHROPIC_API_KEY");
            assert!(reason.contains("no API key"), "{reason}");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert!(matches!(engine.probe(), Err(EngineError::Auth { .. })));
    assert_eq!(server.request_count(), 0);
}

#[test]
fn an_error_event_is_an_error_and_overload_is_retried() {
    let server = FakeChat::start();
    server.push(ChatReply::StreamError("Overloaded".into()));
    let (result, _) = chat(
        &anthropic_chat(&server.origin(), http(false), 1, false),
        &journal_request(),
    );
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::Server { status: 529, .. }), "{err:?}");
    assert!(err.to_string().contains("overloaded_error: Overloaded"), "{err}");

    server
        .push(ChatReply::StreamError("Overloaded".into()))
        .push(ChatReply::stream(&["calmer ", "now"]));
    let (result, deltas) = chat(
        &anthropic_chat(&server.origin(), http(false), 2, false),
        &journal_request(),
    );
    assert_eq!(result.unwrap().text, "calmer now");
    assert_eq!(deltas, ["calmer ", "now"]);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn cancel_mid_stream_stops_it() {
    let server = FakeChat::start();
    server.push(ChatReply::Stream(many_deltas()));
    let (result, deltas) = chat_cancelled_after_first_delta(
        &anthropic_chat(&server.origin(), http(false), 3, false),
        &journal_request(),
    );
    assert!(matches!(result, Err(EngineError::Cancelled)), "{result:?}");
    assert_eq!(deltas, ["word0 "]);
}

#[test]
fn probe_lists_models_with_the_key_headers() {
    let server = FakeChat::start();
    let engine = anthropic_chat(&server.origin(), http(false), 1, false);
    assert_eq!(
        engine.probe().unwrap(),
        "4 models, claude-sonnet-4-20250514 listed"
    );
    let sent = &server.requests()[0];
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("GET", "/v1/models"));
    assert_eq!(sent.header("x-api-key"), Some(KEY));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(
        sent.body,
        serde_json::Value::Null,
        "a probe sends no journal text"
    );

    server.push(ChatReply::html("<html>captive portal</html>"));
    let err = engine.probe().unwrap_err();
    assert!(matches!(err, EngineError::BadResponse { .. }), "{err:?}");
}

#[test]
fn privacy_mode_refuses_anthropic() {
    let config = AnthropicConfig {
        retry: fast_retry(3),
        ..AnthropicConfig::new("claude-sonnet-4-20250514", Some(KEY.into()))
    };
    assert_eq!(config.base_url, ANTHROPIC_DEFAULT_URL);
    let engine = AnthropicChat::new(config, http(true));
    let started = Instant::now();
    let (result, _) = chat(&engine, &journal_request());
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::PrivacyBlocked { .. }), "{err:?}");
    assert!(err.to_string().contains("privacy mode"), "{err}");
    assert!(matches!(engine.probe(), Err(EngineError::PrivacyBlocked { .. })));
    assert!(started.elapsed() < Duration::from_millis(100));
}
