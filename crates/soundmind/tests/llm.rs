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

/// Adds a session after the fixture's insights file (251111_2040), as a copy of an HSJ session with a new answer.
fn add_session_after_the_last_insights(journal: &Path, id: &str, answer: &str) {
    let template = std::fs::read_to_string(journal.join("251111_0648.md")).unwrap();
    let (frontmatter, _) = template.split_once("\n---\n").unwrap();
    let frontmatter = frontmatter.replace("251111_0648.md", &format!("{id}.md"));
    let text =
        format!("{frontmatter}\n---\n\n## AI Q\n\n```llm-question\nWhat is on your mind?\n```\n\n{answer}\n");
    std::fs::write(journal.join(format!("{id}.md")), text).unwrap();
}

#[test]
fn insights_read_summaries_before_the_last_insights_and_new_sessions_in_full_on_the_hsj_journal() {
    let home = tempfile::tempdir().unwrap();
    let journal = soundmind_testkit::hsj_journal_copy();
    add_session_after_the_last_insights(
        journal.path(),
        "251120_0800",
        "I kept the coffee rule and the garden felt quieter this week.",
    );

    let server = FakeChat::start();
    server.push(ChatReply::stream(&[
        "**Quieter mornings**\n\nYou said the garden \"felt quieter\". ",
        "What else changed that week?\n\n---\n\n**Rules you keep**\n\nThe coffee rule held. ",
        "What makes a rule easy to keep?\n\n---\n\n**A third one**\n\nCut by --count?",
    ]));
    let base = server.origin();
    let dir = journal.path().to_str().unwrap().to_string();
    let env = [
        ("OLLAMA_BASE_URL", base.as_str()),
        ("LLM_MODEL", "ollama:qwen2.5:7b-instruct"),
        ("SESSIONS_DIR", dir.as_str()),
        ("TZ", "UTC"),
    ];
    let run = soundmind(&["insight", "generate", "--count", "2"], home.path(), &env);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Rules you keep") && !run.stdout.contains("A third one"),
        "{}",
        run.stdout
    );

    // What the model saw: the newest insights as the prior excerpt, older sessions as summaries only, the new
    // session in full.
    let requests = server.requests();
    let chat = requests
        .iter()
        .find(|r| r.path == "/api/chat")
        .expect("a chat call");
    let messages = chat.body["messages"].as_array().unwrap();
    let system = messages[0]["content"].as_str().unwrap();
    let sources = messages[1]["content"].as_str().unwrap();
    assert!(
        system.contains("Write 2 insights") && system.contains("251103 → 251120"),
        "{system}"
    );
    assert!(
        sources.contains("Being asked, being in the loop"),
        "prior excerpt: {sources}"
    );
    assert!(sources.contains("<summary session=\"251103_0714\">"), "{sources}");
    assert!(
        !sources.contains("<transcript session=\"251103_0714\">"),
        "{sources}"
    );
    assert!(
        sources.contains("<transcript session=\"251120_0800\">")
            && sources.contains("the garden felt quieter this week"),
        "{sources}"
    );

    // The file: HSJ's layout next to HSJ's own, listed newest first.
    let run = soundmind(&["insight", "list"], home.path(), &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[1].starts_with("251111_2040_insights.md  # Insights — 251103 → 251111"),
        "{}",
        run.stdout
    );
    let name = lines[0].split_whitespace().next().unwrap();
    let text = std::fs::read_to_string(journal.path().join("insights").join(name)).unwrap();
    assert!(
        text.contains("\n# Insights — 251103 → 251120\n\n**Quieter mornings**"),
        "{text}"
    );
    assert!(text.contains("model_llm: ollama:qwen2.5:7b-instruct\n"), "{text}");
    assert!(
        text.contains("- 251120_0800.md\n") && text.contains("- 251111_2040_insights.md\n"),
        "{text}"
    );
    assert!(text.contains("not therapy"), "{text}");
    let events = std::fs::read_to_string(journal.path().join("events.log")).unwrap();
    let last = events.lines().last().unwrap();
    assert!(
        last.contains("insights.generated") && !last.contains("garden"),
        "{last}"
    );

    // Nothing new since: a clear message and no call to the model.
    let calls = server.request_count();
    let run = soundmind(&["insight", "generate"], home.path(), &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no new sessions since the last insights"),
        "{}",
        run.stderr
    );
    assert_eq!(server.request_count(), calls);
}

/// SmolLM2-135M reads the real prompt (sized to its context window) and streams a real answer; it is far too
/// small to write good insights, so this checks that whatever it writes is checked before anything is saved.
#[test]
fn insights_from_the_local_model_are_checked_before_anything_is_written() {
    use soundmind_core::insights::StoredInsights;

    let home = tempfile::tempdir().unwrap();
    let journal = soundmind_testkit::hsj_journal_copy();
    let insights = journal.path().join("insights");
    std::fs::remove_dir_all(&insights).unwrap();
    let dir = journal.path().to_str().unwrap().to_string();
    let spec = smollm_spec();
    let env = [("SESSIONS_DIR", dir.as_str()), ("LLM_MODEL", spec.as_str())];
    let run = soundmind(
        &["insight", "generate", "--count", "1", "--max-words", "400"],
        home.path(),
        &env,
    );
    let files: Vec<_> = std::fs::read_dir(&insights)
        .map(|dir| dir.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    match run.code {
        0 => {
            assert_eq!(files.len(), 1, "{}", run.stderr);
            let text = std::fs::read_to_string(&files[0]).unwrap();
            let name = files[0].file_name().unwrap().to_str().unwrap();
            let stored = StoredInsights::parse(name, text.as_bytes()).unwrap();
            assert_eq!(stored.items.len(), 1, "{text}");
            assert!(
                soundmind_core::dialogue::guard::check_insight(&stored.items[0]).is_ok(),
                "{text}"
            );
            // 400 words keep the two newest sessions in full and the next two as summaries; the oldest is left out.
            assert!(
                text.contains("- 251111_0648.md") && !text.contains("- 251103_0714.md"),
                "{text}"
            );
            assert!(run.stderr.contains("no room for 251103_0714"), "{}", run.stderr);
        }
        2 => {
            assert!(
                run.stderr.contains("no usable insights") && run.stderr.contains("nothing was written"),
                "{}",
                run.stderr
            );
            assert!(files.is_empty(), "{files:?}");
        }
        code => panic!("exit {code}: {}\n{}", run.stdout, run.stderr),
    }
}
