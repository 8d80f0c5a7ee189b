//! [`LlamaChat`] on a real model (SmolLM2-135M-Instruct, Q4_1): streaming, KV prefix reuse, context trimming,
//! stop strings, cancellation, idle unloading, and bad model files.

use std::time::Duration;

use soundmind_engine::{CancelToken, ChatMessage, ChatModel, ChatRequest, EngineError, Role, Sampling};
use soundmind_local::{LlamaChat, LlamaConfig};

use crate::util::model;

const SMOLLM: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

fn smollm() -> LlamaConfig {
    LlamaConfig::new(model(SMOLLM)).threads(2).context_length(2048)
}

fn greedy(max_tokens: u32) -> Sampling {
    Sampling {
        temperature: 0.0,
        max_tokens,
        ..Sampling::default()
    }
}

fn request(messages: Vec<ChatMessage>, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages,
        sampling: greedy(max_tokens),
        thinking_budget: None,
    }
}

fn session_start() -> Vec<ChatMessage> {
    vec![
        ChatMessage::stable(
            Role::System,
            "You are a thoughtful journaling companion. Ask one short, open question about what the user said.",
        ),
        ChatMessage::stable(
            Role::System,
            "Earlier sessions: the user has been sleeping badly and worries about a job interview.",
        ),
        ChatMessage::new(
            Role::User,
            "Today I finally went for a long walk by the river and felt calmer than I have in weeks.",
        ),
    ]
}

fn chat(engine: &LlamaChat, request: &ChatRequest) -> (Vec<String>, soundmind_engine::ChatResult) {
    let mut deltas = Vec::new();
    let result = engine
        .chat(request, &mut |d| deltas.push(d.to_string()), &CancelToken::new())
        .expect("chat");
    (deltas, result)
}

#[test]
fn streams_real_tokens_in_process() {
    let engine = LlamaChat::new(smollm());
    let info = engine.load().expect("load");
    assert_eq!(info.context_length, 2048);
    assert!(info.parameters > 100_000_000, "{info:?}");
    assert_eq!(info.template, "the model's own chat template");
    let (deltas, result) = chat(&engine, &request(session_start(), 32));
    eprintln!("{deltas:?} {result:?}");
    assert!(deltas.len() > 3, "tokens arrive one by one: {deltas:?}");
    assert_eq!(deltas.concat(), result.text);
    assert!(!result.text.trim().is_empty());
    assert!(result.completion_tokens > 3 && result.completion_tokens <= 32);
    assert!(
        result.prompt_tokens > 40,
        "the whole prompt was evaluated: {result:?}"
    );
    assert_eq!(result.cached_prompt_tokens, 0);
    assert!(result.time_to_first_token.is_some());
    assert!(matches!(result.finish_reason.as_deref(), Some("stop" | "length")));
    assert_eq!(engine.model(), "local:SmolLM2-135M-Instruct.Q4_1");
    let words = engine
        .count_tokens("journaling helps me think")
        .expect("local engines count");
    assert!((3..=8).contains(&words), "{words}");
}

#[test]
fn the_second_turn_reuses_the_cache_and_answers_as_a_fresh_evaluation() {
    let engine = LlamaChat::new(smollm());
    let first = request(session_start(), 24);
    let (_, answer) = chat(&engine, &first);
    let mut messages = session_start();
    messages.push(ChatMessage::new(Role::Assistant, answer.text.clone()));
    messages.push(ChatMessage::new(Role::User, "Mostly that I could breathe again."));
    let second = request(messages, 24);

    let (_, reused) = chat(&engine, &second);
    assert!(
        reused.cached_prompt_tokens >= answer.prompt_tokens,
        "the first turn's prompt is not evaluated again: {reused:?}"
    );
    assert!(
        reused.prompt_tokens * 3 < reused.cached_prompt_tokens,
        "only the new tokens are evaluated: {reused:?}"
    );

    engine.clear_cache();
    let (_, fresh) = chat(&engine, &second);
    assert_eq!(fresh.cached_prompt_tokens, 0);
    assert_eq!(
        fresh.prompt_tokens,
        reused.prompt_tokens + reused.cached_prompt_tokens
    );
    // Batched and token-by-token evaluation round differently, so long greedy answers may drift apart late; a cache
    // reused at the wrong positions would derail the answer from its first words.
    let opening = |text: &str| text.split_whitespace().take(5).collect::<Vec<_>>().join(" ");
    assert_eq!(
        opening(&fresh.text),
        opening(&reused.text),
        "{:?} vs {:?}",
        fresh.text,
        reused.text
    );
}

#[test]
fn long_conversations_lose_their_oldest_exchanges_and_too_long_instructions_are_refused() {
    let engine = LlamaChat::new(smollm().context_length(512));
    let mut messages = session_start();
    for i in 0..12 {
        messages.insert(
            2,
            ChatMessage::new(Role::Assistant, format!("What happened on day {i}?")),
        );
        messages.insert(
            3,
            ChatMessage::new(Role::User, "I walked and thought about work. ".repeat(6)),
        );
    }
    let (_, result) = chat(&engine, &request(messages, 32));
    let prompt = result.prompt_tokens + result.cached_prompt_tokens;
    assert!(prompt + 32 <= 512, "trimmed to fit: {result:?}");
    assert!(prompt > 300, "as much as fits is kept: {result:?}");

    let huge = vec![
        ChatMessage::stable(Role::System, "Always be kind. ".repeat(200)),
        ChatMessage::new(Role::User, "Hello"),
    ];
    match engine.chat(&request(huge, 32), &mut |_| {}, &CancelToken::new()) {
        Err(e @ EngineError::ContextTooLong { .. }) => assert!(e.to_string().contains("512"), "{e}"),
        other => panic!("expected ContextTooLong, got {other:?}"),
    }
    // The engine stays usable.
    assert!(chat(&engine, &request(session_start(), 8)).1.completion_tokens > 0);
}

#[test]
fn stop_strings_end_the_answer() {
    let engine = LlamaChat::new(smollm());
    let (_, free) = chat(&engine, &request(session_start(), 32));
    let words: Vec<&str> = free.text.split_whitespace().collect();
    assert!(words.len() > 3, "{:?}", free.text);
    let stop = format!(" {}", words[2]);
    let mut stopped = request(session_start(), 32);
    stopped.sampling.stop = vec![stop.clone()];
    let (deltas, result) = chat(&engine, &stopped);
    let expected = &free.text[..free.text.find(&stop).expect("stop in text")];
    assert_eq!(result.text, expected);
    assert_eq!(deltas.concat(), expected, "the stop string is never streamed");
    assert_eq!(result.finish_reason.as_deref(), Some("stop"));
}

#[test]
fn cancel_stops_generation_and_the_engine_goes_on() {
    let engine = LlamaChat::new(smollm());
    let cancel = CancelToken::new();
    let mut seen = 0;
    let result = engine.chat(
        &request(session_start(), 200),
        &mut |_| {
            seen += 1;
            cancel.cancel();
        },
        &cancel,
    );
    assert!(matches!(result, Err(EngineError::Cancelled)), "{result:?}");
    assert!(seen <= 3, "stopped within a token or two, saw {seen}");
    assert!(chat(&engine, &request(session_start(), 8)).1.completion_tokens > 0);
}

#[test]
fn an_idle_model_is_freed_and_reloads_on_demand() {
    let engine = LlamaChat::new(smollm().idle_timeout(Some(Duration::from_millis(200))));
    chat(&engine, &request(session_start(), 4));
    assert!(engine.is_loaded());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while engine.is_loaded() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!engine.is_loaded(), "freed after the idle timeout");
    chat(&engine, &request(session_start(), 4));
    assert_eq!(engine.load_count(), 2);
}

#[test]
fn bad_model_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let try_load = |config: LlamaConfig| LlamaChat::new(config).load().map(|_| ()).unwrap_err();

    let missing = try_load(LlamaConfig::new(dir.path().join("nope.gguf")));
    assert!(matches!(missing, EngineError::ModelMissing { .. }), "{missing}");

    let not_gguf = try_load(LlamaConfig::new(model("ggml-tiny.en.bin")));
    assert!(
        matches!(&not_gguf, EngineError::InvalidModel { reason, .. } if reason.contains("not a GGUF")),
        "{not_gguf}"
    );

    let bytes = std::fs::read(model(SMOLLM)).unwrap();
    let truncated = dir.path().join("truncated.gguf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = try_load(LlamaConfig::new(&truncated));
    assert!(matches!(err, EngineError::InvalidModel { .. }), "{err}");

    let header_only = dir.path().join("header.gguf");
    std::fs::write(&header_only, &bytes[..64]).unwrap();
    let err = try_load(LlamaConfig::new(&header_only));
    assert!(matches!(err, EngineError::InvalidModel { .. }), "{err}");

    let mut small_machine = smollm();
    small_machine.available_memory = Some(50_000_000);
    let err = try_load(small_machine);
    match &err {
        EngineError::InsufficientMemory {
            needed, available, ..
        } => {
            assert!(*needed > 98_000_000 && *available == 50_000_000, "{err}");
            assert!(err.to_string().contains("smaller model"), "{err}");
        }
        other => panic!("expected InsufficientMemory, got {other}"),
    }
}
