use std::time::{Duration, Instant};

use serde_json::json;
use soundmind_engine::{ChatModel, EngineError};
use soundmind_remote::{OllamaChat, OllamaConfig};
use soundmind_testkit::servers::{ChatReply, FakeChat};

use crate::util::{
    chat, chat_cancelled_after_first_delta, closed_port, fast_retry, http, journal_request, many_deltas,
    ollama_chat, prompt_tokens,
};

#[test]
fn streams_deltas_in_order_and_sends_the_whole_request() {
    let server = FakeChat::start();
    server.push(ChatReply::stream(&["How ", "was the ", "walk, Grüße 🌿?"]));
    let engine = ollama_chat(&server.origin(), http(false), 3);
    let request = journal_request();
    let (result, deltas) = chat(&engine, &request);
    let result = result.unwrap();

    assert_eq!(deltas, ["How ", "was the ", "walk, Grüße 🌿?"]);
    assert_eq!(result.text, "How was the walk, Grüße 🌿?");
    assert_eq!(result.finish_reason.as_deref(), Some("stop"));
    assert_eq!(result.prompt_tokens, prompt_tokens(&request));
    assert_eq!(result.completion_tokens, 3);
    assert_eq!(result.prompt_eval, Some(Duration::from_millis(150)));
    assert!(result.time_to_first_token.is_some());
    assert_eq!(engine.name(), "ollama");
    assert_eq!(engine.model(), "ollama:qwen2.5:7b-instruct");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/api/chat"));
    assert_eq!(
        sent.body,
        json!({
            "model": "qwen2.5:7b-instruct",
            "messages": [
                { "role": "system", "content": request.messages[0].content },
                { "role": "user", "content": request.messages[1].content },
                { "role": "user", "content": request.messages[2].content },
            ],
            "stream": true,
            "options": {
                "temperature": 0.7,
                "num_predict": 200,
                "num_ctx": 8192,
                "stop": ["\n\n"],
                "top_p": 0.9,
                "seed": 42,
            },
        })
    );
}

#[test]
fn thinking_is_not_shown_and_the_token_limit_ends_with_length() {
    let server = FakeChat::start();
    server.push(ChatReply::thinking(
        &["The user ", "is tired."],
        &["Rest ", "well", "?"],
    ));
    let mut request = journal_request();
    request.sampling.max_tokens = 2;
    let (result, deltas) = chat(&ollama_chat(&server.origin(), http(false), 1), &request);
    let result = result.unwrap();
    assert_eq!(deltas, ["Rest ", "well"]);
    assert_eq!(result.finish_reason.as_deref(), Some("length"));
}

#[test]
fn rate_limit_then_success_waits_for_retry_after() {
    let server = FakeChat::start();
    server
        .push(ChatReply::rate_limited("0.3"))
        .push(ChatReply::stream(&["after ", "the wait"]));
    let started = Instant::now();
    let (result, _) = chat(&ollama_chat(&server.origin(), http(false), 3), &journal_request());
    assert_eq!(result.unwrap().text, "after the wait");
    assert_eq!(server.request_count(), 2);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn server_errors_give_up_after_exactly_the_attempts() {
    let server = FakeChat::start();
    for _ in 0..4 {
        server.push(ChatReply::status(500));
    }
    let (result, _) = chat(&ollama_chat(&server.origin(), http(false), 4), &journal_request());
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::Server { status: 500, .. }), "{err:?}");
    assert_eq!(server.request_count(), 4);
}

#[test]
fn a_stream_cut_after_deltas_is_interrupted_and_not_retried() {
    let server = FakeChat::start();
    server
        .push(ChatReply::cut_after(&["How ", "are ", "you?"], 1))
        .push(ChatReply::stream(&["a retry would repeat text"]));
    let (result, deltas) = chat(&ollama_chat(&server.origin(), http(false), 3), &journal_request());
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::Interrupted { .. }), "{err:?}");
    assert_eq!(deltas, ["How "]);
    assert_eq!(server.request_count(), 1);

    // The closing line cut: every delta arrived, but without `done` the answer is not known to be whole.
    let server = FakeChat::start();
    server
        .push(ChatReply::cut_after(&["All ", "here"], 2))
        .push(ChatReply::stream(&["a retry would repeat text"]));
    let (result, deltas) = chat(&ollama_chat(&server.origin(), http(false), 3), &journal_request());
    assert!(
        matches!(result, Err(EngineError::Interrupted { .. })),
        "{result:?}"
    );
    assert_eq!(deltas, ["All ", "here"]);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_stream_cut_before_any_delta_is_retried() {
    let server = FakeChat::start();
    server
        .push(ChatReply::cut_after(&["lost"], 0))
        .push(ChatReply::stream(&["second ", "try"]));
    let (result, deltas) = chat(&ollama_chat(&server.origin(), http(false), 3), &journal_request());
    assert_eq!(result.unwrap().text, "second try");
    assert_eq!(deltas, ["second ", "try"]);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn html_is_a_bad_response_naming_text_html() {
    let server = FakeChat::start();
    server.push(ChatReply::html("<html><body>502 Bad Gateway</body></html>"));
    let (result, _) = chat(&ollama_chat(&server.origin(), http(false), 1), &journal_request());
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::BadResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("text/html"), "{err}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn unauthorized_from_a_proxy_is_an_auth_error_without_retry() {
    let server = FakeChat::start();
    server.push(ChatReply::status(401));
    let (result, _) = chat(&ollama_chat(&server.origin(), http(false), 3), &journal_request());
    assert!(matches!(result, Err(EngineError::Auth { .. })), "{result:?}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn an_error_line_is_an_error() {
    let server = FakeChat::start();
    server.push(ChatReply::StreamError(
        "llama runner process has terminated".into(),
    ));
    let (result, _) = chat(&ollama_chat(&server.origin(), http(false), 1), &journal_request());
    let err = result.unwrap_err();
    assert!(matches!(err, EngineError::Server { .. }), "{err:?}");
    assert!(
        err.to_string().contains("llama runner process has terminated"),
        "{err}"
    );
}

#[test]
fn cancel_mid_stream_stops_it() {
    let server = FakeChat::start();
    server.push(ChatReply::Stream(many_deltas()));
    let (result, deltas) =
        chat_cancelled_after_first_delta(&ollama_chat(&server.origin(), http(false), 3), &journal_request());
    assert!(matches!(result, Err(EngineError::Cancelled)), "{result:?}");
    assert_eq!(deltas, ["word0 "]);
}

#[test]
fn a_model_that_is_not_pulled_says_how_to_pull_it() {
    let server = FakeChat::start();
    server.set_models(&["llama3.2"]);
    let engine = ollama_chat(&server.origin(), http(false), 3);
    let (result, _) = chat(&engine, &journal_request());
    let err = result.unwrap_err();
    match &err {
        EngineError::ModelMissing { name, hint } => {
            assert_eq!(name, "qwen2.5:7b-instruct");
            assert_eq!(hint, "run `ollama pull qwen2.5:7b-instruct`");
        }
        other => panic!("expected ModelMissing, got {other:?}"),
    }
    assert_eq!(server.request_count(), 1, "not retried");
    assert!(matches!(engine.probe(), Err(EngineError::ModelMissing { .. })));
}

#[test]
fn a_refused_connection_says_to_start_ollama() {
    let base = format!("http://127.0.0.1:{}", closed_port());
    let engine = ollama_chat(&base, http(false), 2);
    let (result, _) = chat(&engine, &journal_request());
    let err = result.unwrap_err();
    match &err {
        EngineError::Unreachable { url, reason } => {
            assert!(url.ends_with("/api/chat"), "{url}");
            assert!(
                reason.contains("is Ollama running? Start it with `ollama serve`"),
                "{reason}"
            );
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let probe = engine.probe().unwrap_err();
    assert!(probe.to_string().contains("ollama serve"), "{probe}");
}

#[test]
fn probe_finds_the_model_among_the_tags() {
    let server = FakeChat::start();
    let engine = ollama_chat(&server.origin(), http(false), 1);
    assert_eq!(
        engine.probe().unwrap(),
        "Ollama has 4 models, qwen2.5:7b-instruct installed"
    );
    let sent = &server.requests()[0];
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("GET", "/api/tags"));

    // A tag without a version is `:latest`.
    let config = OllamaConfig {
        base_url: server.origin(),
        retry: fast_retry(1),
        ..OllamaConfig::new("llama3.2")
    };
    assert!(OllamaChat::new(config, http(false)).probe().is_ok());

    server.push(ChatReply::status(500));
    assert!(matches!(
        engine.probe(),
        Err(EngineError::Server { status: 500, .. })
    ));
}

#[test]
fn privacy_mode_still_talks_to_ollama_on_localhost() {
    let server = FakeChat::start();
    let engine = ollama_chat(
        &format!("http://localhost:{}", server.addr().port()),
        http(true),
        1,
    );
    let (result, deltas) = chat(&engine, &journal_request());
    assert_eq!(result.unwrap().text, "Fake answer?");
    assert_eq!(deltas, ["Fake ", "answer?"]);
    assert!(engine.probe().is_ok());
}
