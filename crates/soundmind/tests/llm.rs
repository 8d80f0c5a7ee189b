//! `soundmind diagnose llm | compare | privacy | cloud` end to end: real llama.cpp generation on SmolLM2, and the
//! remote engines against a fake server on loopback that speaks their wire formats.

use std::path::Path;
use std::process::Command;

use soundmind_testkit::servers::{ChatReply, FakeChat};
use soundmind_testkit::test_model;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn soundmind(args: &[&str], home: &Path, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_soundmind"));
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SOUNDMIND_CONFIG", home.join("config.toml"))
        .env("SOUNDMIND_MODELS_DIR", home.join("models"))
        .env("SOUNDMIND_CACHE_DIR", home.join("cache"));
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run soundmind");
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn smollm_spec() -> String {
    format!(
        "local:{}",
        test_model("SmolLM2-135M-Instruct.Q4_1.gguf").display()
    )
}

#[test]
fn diagnose_llm_streams_real_tokens_from_the_local_model() {
    let home = tempfile::tempdir().unwrap();
    let run = soundmind(
        &["diagnose", "llm", "--model", &smollm_spec(), "--max-tokens", "24"],
        home.path(),
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("model:       local:SmolLM2-135M-Instruct.Q4_1 (llama.cpp)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("135 M parameters"), "{}", run.stdout);
    let answer = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("answer:"))
        .expect("answer line");
    assert!(answer.split_whitespace().count() >= 3, "{}", run.stdout);
    assert!(run.stdout.contains("tokens/s"), "{}", run.stdout);
}

#[test]
fn a_missing_local_model_says_how_to_get_it() {
    let home = tempfile::tempdir().unwrap();
    let run = soundmind(&["diagnose", "llm"], home.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("qwen2.5-1.5b-instruct is not installed")
            && run
                .stderr
                .contains("soundmind models download qwen2.5-1.5b-instruct"),
        "{}",
        run.stderr
    );
    let run = soundmind(
        &["diagnose", "llm", "--model", "local:/no/such/model.gguf"],
        home.path(),
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("/no/such/model.gguf"), "{}", run.stderr);
    let run = soundmind(&["diagnose", "llm", "--model", "mystery:model"], home.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown provider"), "{}", run.stderr);
}

#[test]
fn ollama_on_localhost_works_in_privacy_mode_and_the_cloud_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let server = FakeChat::start();
    server.push(ChatReply::stream(&[
        "What keeps ",
        "pulling you ",
        "away from the form?",
    ]));
    let base = format!("http://localhost:{}", server.addr().port());
    let run = soundmind(
        &["diagnose", "llm", "--model", "ollama:qwen2.5:7b-instruct"],
        home.path(),
        &[("OLLAMA_BASE_URL", &base)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("answer:      What keeps pulling you away from the form?"),
        "{}",
        run.stdout
    );
    let chat = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/chat")
        .expect("chat request");
    assert_eq!(chat.body["model"], "qwen2.5:7b-instruct");
    assert_eq!(chat.body["stream"], true);

    let run = soundmind(
        &["diagnose", "llm", "--model", "anthropic:claude-sonnet-4"],
        home.path(),
        &[("ANTHROPIC_API_KEY", "sk-ant-test")],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("privacy mode is on: refused to contact https://api.anthropic.com"),
        "{}",
        run.stderr
    );
}

#[test]
fn cloud_engines_stream_through_their_configured_base_urls() {
    let home = tempfile::tempdir().unwrap();
    let server = FakeChat::start();
    server.require_key("sk-test-key");
    server.push(ChatReply::stream(&["What would ", "make tomorrow different?"]));
    server.push(ChatReply::stream(&["Which part ", "of the form stops you?"]));
    let (origin, openai) = (server.origin(), server.openai_base());
    let env = [
        ("SOUNDMIND_PRIVACY", "0"),
        ("ANTHROPIC_BASE_URL", origin.as_str()),
        ("ANTHROPIC_API_KEY", "sk-test-key"),
        ("OPENAI_BASE_URL", openai.as_str()),
        ("OPENAI_API_KEY", "sk-test-key"),
    ];
    let run = soundmind(
        &[
            "diagnose",
            "llm",
            "--model",
            "anthropic:claude-sonnet-4:20250514:thinking",
        ],
        home.path(),
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("answer:      What would make tomorrow different?"),
        "{}",
        run.stdout
    );
    let run = soundmind(
        &["diagnose", "llm", "--model", "openai:gpt-4o-mini"],
        home.path(),
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("answer:      Which part of the form stops you?"),
        "{}",
        run.stdout
    );
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths.contains(&"/v1/messages".to_string()) && paths.contains(&"/v1/chat/completions".to_string())
    );
    let thinking = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/messages")
        .unwrap();
    assert_eq!(thinking.body["thinking"]["type"], "enabled");
}

#[test]
fn diagnose_cloud_checks_keys_without_sending_journal_text() {
    let home = tempfile::tempdir().unwrap();
    let server = FakeChat::start();
    server.require_key("sk-good");
    let base = server.origin();
    let openai = server.openai_base();
    let run = soundmind(
        &["diagnose", "cloud"],
        home.path(),
        &[
            ("SOUNDMIND_PRIVACY", "0"),
            ("ANTHROPIC_BASE_URL", &base),
            ("ANTHROPIC_API_KEY", "sk-good"),
            ("OPENAI_BASE_URL", &openai),
            ("OPENAI_API_KEY", "sk-wrong"),
        ],
    );
    assert_eq!(
        run.code, 1,
        "the wrong OpenAI key fails the check: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("secrets.anthropic_api_key  set (env ANTHROPIC_API_KEY)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("anthropic  ok:"), "{}", run.stdout);
    assert!(
        run.stdout.contains("openai     failed:") && !run.stdout.contains("sk-wrong"),
        "{}",
        run.stdout
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" && r.path.ends_with("/models")),
        "{requests:?}"
    );

    // In privacy mode nothing is contacted.
    let run = soundmind(
        &["diagnose", "cloud"],
        home.path(),
        &[("ANTHROPIC_BASE_URL", "https://api.anthropic.com")],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("privacy mode is on"), "{}", run.stdout);
}

#[test]
fn diagnose_privacy_reports_what_would_leave_the_machine() {
    let home = tempfile::tempdir().unwrap();
    let run = soundmind(&["diagnose", "privacy"], home.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("privacy mode: on (default)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("guard:        privacy mode is on: refused"),
        "{}",
        run.stdout
    );

    let run = soundmind(
        &["diagnose", "privacy"],
        home.path(),
        &[("LLM_MODEL", "anthropic:claude-sonnet-4")],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("refused: privacy mode is on"),
        "{}",
        run.stdout
    );

    let run = soundmind(
        &["diagnose", "privacy"],
        home.path(),
        &[
            ("LLM_MODEL", "anthropic:claude-sonnet-4"),
            ("SOUNDMIND_PRIVACY", "0"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("leaves this machine"), "{}", run.stdout);
}

#[test]
fn diagnose_compare_scores_two_models_on_the_same_prompt() {
    let home = tempfile::tempdir().unwrap();
    let server = FakeChat::start();
    server.push(ChatReply::stream(&["Great job! Keep going!"]));
    let base = server.origin();
    let run = soundmind(
        &[
            "diagnose",
            "compare",
            "ollama:qwen2.5:7b-instruct",
            &smollm_spec(),
            "--max-tokens",
            "24",
        ],
        home.path(),
        &[("OLLAMA_BASE_URL", &base)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("✗ no praise") && run.stdout.contains("✗ no exclamation mark"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("score:").count(), 2, "{}", run.stdout);
    assert!(run.stdout.contains("recommended: "), "{}", run.stdout);
}

#[test]
fn fix_summaries_fills_the_missing_ones_and_regenerates_one_on_the_hsj_journal() {
    use soundmind_core::SessionDoc;

    let home = tempfile::tempdir().unwrap();
    let journal = soundmind_testkit::hsj_journal_copy();
    let summary_of = |id: &str| {
        let text = std::fs::read_to_string(journal.path().join(format!("{id}.md"))).unwrap();
        SessionDoc::parse(text.as_bytes())
            .unwrap()
            .frontmatter
            .summary()
            .to_string()
    };
    let missing: Vec<String> = std::fs::read_dir(journal.path())
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let id = name.strip_suffix(".md")?.to_string();
            let text = std::fs::read_to_string(journal.path().join(&name)).ok()?;
            let doc = SessionDoc::parse(text.as_bytes()).ok()?;
            let answered = doc
                .exchanges()
                .iter()
                .any(|x| matches!(x.answer, soundmind_core::Answer::Text(_)));
            (doc.frontmatter.summary().is_empty() && answered).then_some(id)
        })
        .collect();
    assert!(
        !missing.is_empty(),
        "the fixtures include sessions without a summary"
    );

    let server = FakeChat::start();
    for _ in &missing {
        server.push(ChatReply::stream(&["They reflected on ", "their week."]));
    }
    let base = server.origin();
    let dir = journal.path().to_str().unwrap().to_string();
    let env = [
        ("OLLAMA_BASE_URL", base.as_str()),
        ("LLM_MODEL", "ollama:qwen2.5:7b-instruct"),
        ("SESSIONS_DIR", dir.as_str()),
    ];
    let run = soundmind(
        &["fix", "summaries", "backfill", "--missing-only"],
        home.path(),
        &env,
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for id in &missing {
        assert_eq!(summary_of(id), "They reflected on their week.", "{id}");
    }
    let chats = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/chat")
        .count();
    assert_eq!(chats, missing.len(), "sessions with a summary were left alone");

    let kept = "251108_1036";
    let before = summary_of(kept);
    server.push(ChatReply::stream(&["A rewritten summary."]));
    let run = soundmind(&["fix", "summaries", "regenerate", kept], home.path(), &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(summary_of(kept), "A rewritten summary.");
    assert_ne!(before, "A rewritten summary.");

    let run = soundmind(
        &["fix", "summaries", "regenerate", "../etc/passwd"],
        home.path(),
        &env,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}
