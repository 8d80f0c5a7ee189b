//! The session service end to end: typed answers, the in-process SmolLM2 (llama.cpp), a copy of the HSJ fixture
//! journal, and the Anthropic engine against a fake server for the cloud path. Every question a user would see must
//! pass the guard.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use soundmind_app::questions::{PromptExchange, QuestionContext, QuestionSource, next_question};
use soundmind_app::session::{SessionEvent, SessionService};
use soundmind_core::dialogue::guard::check;
use soundmind_core::dialogue::{QuestionBank, guard};
use soundmind_core::safeguarding::CheckIn;
use soundmind_core::{AudioFile, SessionDoc};
use soundmind_engine::{CancelToken, ChatModel, Embedder};
use soundmind_local::{LlamaChat, LlamaConfig, LlamaEmbedder};
use soundmind_remote::{AnthropicChat, AnthropicConfig, Http, HttpPolicy};
use soundmind_testkit::servers::{ChatReply, FakeChat};
use soundmind_testkit::{hsj_journal_copy, test_model};

fn smollm() -> Arc<dyn ChatModel> {
    let path = test_model("SmolLM2-135M-Instruct.Q4_1.gguf");
    Arc::new(LlamaChat::new(
        LlamaConfig::new(path).threads(2).context_length(2048),
    ))
}

/// Collects events; the sink is what a front end would hand the service.
fn recorder() -> (Arc<Mutex<Vec<SessionEvent>>>, soundmind_app::session::EventSink) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    (events, Arc::new(move |e| sink.lock().unwrap().push(e)))
}

fn finals(events: &[SessionEvent]) -> Vec<(String, &'static str)> {
    events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::QuestionFinal { text, source } => Some((text.clone(), *source)),
            _ => None,
        })
        .collect()
}

const ANSWERS: [&str; 3] = [
    "I put off the job application again today. Every time I open the form I find something else to do.",
    "Mostly I am afraid they will say no, and then all the waiting will have been for nothing.",
    "Maybe I could fill in just the first page tomorrow morning, before I check my email.",
];

#[test]
fn a_three_exchange_session_runs_end_to_end_on_the_local_model() {
    let journal = hsj_journal_copy();
    let mut service = SessionService::new(journal.path(), smollm());
    service.summary_debounce = Duration::from_secs(3600); // only the summary at the end
    service.country = Some("GB".into());
    let service = Arc::new(service);
    let (events, sink) = recorder();
    let cancel = CancelToken::new();

    let mut session = service.start(sink).expect("start");
    let opening = session.question().to_string();
    assert_eq!(opening, QuestionBank::builtin().opening());
    for (i, answer) in ANSWERS.into_iter().enumerate() {
        // The first answer was spoken: its take is referenced in the frontmatter, as the voice loop does.
        let audio = (i == 0).then(|| AudioFile::recorded(&format!("{}_01.wav", session.id()), None, 3.5));
        let next = session
            .submit_answer(answer, audio, &cancel)
            .expect("answer")
            .expect("a question");
        guard::check(&next).unwrap_or_else(|e| panic!("{next:?} reached the user: {e}"));
    }
    let id = session.id().clone();
    session.end(&cancel).expect("end");

    let events = events.lock().unwrap();
    let finals = finals(&events);
    assert_eq!(finals.len(), 3, "{events:?}");
    for (text, source) in &finals {
        eprintln!("[{source}] {text}");
        assert!(guard::check(text).is_ok(), "{text}");
    }
    // A new journal: the first-run note comes before the first question, with the key numbers.
    let Some(SessionEvent::FirstRunNote(note)) = events.first() else {
        panic!("first event: {:?}", events.first())
    };
    assert!(note.contains("not therapy") && note.contains("999"), "{note}");
    assert!(matches!(events.get(1), Some(SessionEvent::Started { .. })));
    assert!(
        events.iter().any(|e| matches!(e, SessionEvent::QuestionToken(_))),
        "tokens streamed"
    );
    let Some(SessionEvent::Ended { footer }) = events.last() else {
        panic!("last event: {:?}", events.last())
    };
    assert!(
        footer.contains("Samaritans") || footer.contains("116 123"),
        "{footer}"
    );

    // On disk: the three answers under the questions that were asked, HSJ's format.
    let text = std::fs::read_to_string(journal.path().join(format!("{id}.md"))).unwrap();
    let doc = SessionDoc::parse(text.as_bytes()).unwrap();
    let exchanges = doc.exchanges();
    assert_eq!(exchanges.len(), 3);
    assert_eq!(exchanges[0].question, opening);
    assert_eq!(exchanges[1].question, finals[0].0);
    assert!(text.contains(ANSWERS[2]));
    let audio = doc.frontmatter.audio_files().unwrap();
    assert_eq!(audio.len(), 1);
    assert_eq!(audio[0].wav(), Some(format!("{id}_01.wav").as_str()));
    assert_eq!(doc.frontmatter.duration_seconds(), 3.5);
    // History came from the HSJ fixtures, and the summary was written at the end.
    assert!(!doc.frontmatter.recent_summary_refs().is_empty(), "{text}");
    let summary = doc.frontmatter.summary();
    assert!(!summary.is_empty() && !summary.contains('\n'), "{text}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SessionEvent::SummaryUpdated(s) if s == summary))
    );
}

#[test]
fn fifty_real_generations_all_pass_the_guard() {
    let chat = smollm();
    let prompts = soundmind_app::prompts::Prompts::builtin();
    let bank = QuestionBank::builtin();
    let answers = [
        "Work has been overwhelming and I can't switch off in the evenings.",
        "I had a good talk with my brother and felt closer to him than in years.",
        "I keep thinking about the argument with my partner, going round in circles.",
        "Nothing much happened today, I just feel a bit flat.",
        "I want to start running again but I never find the time.",
    ];
    let mut sources = [0usize; 3];
    for i in 0..50 {
        let exchanges = [PromptExchange {
            question: "What is on your mind today?".into(),
            answer: answers[i % answers.len()].into(),
        }];
        let ctx = QuestionContext {
            exchanges: &exchanges,
            history: &[],
            elapsed: Duration::from_secs(60 * (i as u64 % 25)),
            language: "en",
            pick: i as u64,
        };
        let q = next_question(
            chat.as_ref(),
            &prompts,
            bank,
            &ctx,
            &mut |_| {},
            &CancelToken::new(),
        )
        .unwrap();
        guard::check(&q.text)
            .unwrap_or_else(|e| panic!("generation {i}: {:?} passed to the user: {e}", q.text));
        sources[q.source as usize] += 1;
    }
    println!(
        "50 SmolLM2 generations: {} passed the guard first time, {} after the corrective retry, {} from the bank",
        sources[QuestionSource::Model as usize],
        sources[QuestionSource::Retry as usize],
        sources[QuestionSource::Bank as usize]
    );
}

#[test]
fn crisis_language_gets_help_lines_not_a_question() {
    let journal = tempfile::tempdir().unwrap();
    let mut service = SessionService::new(journal.path(), smollm());
    service.country = Some("US".into());
    let service = Arc::new(service);
    let (events, sink) = recorder();
    let cancel = CancelToken::new();
    let mut session = service.start(sink).unwrap();
    let next = session
        .submit_answer("Honestly I don't want to be alive anymore.", None, &cancel)
        .unwrap();
    assert_eq!(next, None, "no reflective question after crisis language");
    assert!(
        session.submit_answer("more", None, &cancel).is_err(),
        "the dialogue stays paused"
    );
    let id = session.id().clone();
    session.end(&cancel).unwrap();

    let events = events.lock().unwrap();
    assert!(finals(&events).is_empty(), "{events:?}");
    let crisis = events.iter().find_map(|e| match e {
        SessionEvent::Crisis {
            message, resources, ..
        } => Some((message.clone(), resources.clone())),
        _ => None,
    });
    let (message, resources) = crisis.expect("crisis event");
    assert!(
        message.contains("someone you trust") && message.contains("end this session"),
        "{message}"
    );
    assert!(resources.contains("988"), "{resources}");
    // The answer is saved; the log says what happened without what was said.
    let text = std::fs::read_to_string(journal.path().join(format!("{id}.md"))).unwrap();
    assert!(text.contains("don't want to be alive"));
    let log = std::fs::read_to_string(journal.path().join("events.log")).unwrap();
    assert!(
        log.contains("crisis_flagged") && log.contains("suicidal"),
        "{log}"
    );
    assert!(!log.contains("alive"), "no content in the log: {log}");

    // A negation is not a crisis, but gets a gentle resources line and the session goes on.
    let (events, sink) = recorder();
    let mut session = service.start(sink).unwrap();
    let next = session.submit_answer(
        "I would never kill myself, but work is wearing me down.",
        None,
        &cancel,
    );
    assert!(next.unwrap().is_some());
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, SessionEvent::ResourcesNote(_)))
    );
}

#[test]
fn inferred_risk_gets_the_safety_check_in_and_a_no_to_it_stops_the_dialogue() {
    let journal = tempfile::tempdir().unwrap();
    let mut service = SessionService::new(journal.path(), smollm());
    service.country = Some("GB".into());
    let service = Arc::new(service);
    let cancel = CancelToken::new();
    let check_in = &soundmind_core::safeguarding::CareWording::builtin()
        .concern
        .check_in;
    // Said in the middle of an ordinary answer, without a word from the phrase table.
    let heavy = "Work was fine, I made pasta. This is my last entry, I won't need the app after tonight. \
                 Then I watched the football.";

    // "No" to the check-in: a crisis, no reflective question.
    let (events, sink) = recorder();
    let mut session = service.start(sink).unwrap();
    let next = session.submit_answer(heavy, None, &cancel).unwrap();
    assert_eq!(
        next.as_deref(),
        Some(check_in.as_str()),
        "the fixed check-in, not a model's question"
    );
    {
        let events = events.lock().unwrap();
        assert_eq!(finals(&events), vec![(check_in.clone(), "safety")], "{events:?}");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, SessionEvent::ResourcesNote(note) if note.contains("116 123"))),
            "the help lines are in view: {events:?}"
        );
    }
    assert_eq!(
        session.submit_answer("no, not really", None, &cancel).unwrap(),
        None
    );
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, SessionEvent::Crisis { .. }))
    );
    assert_eq!(
        finals(&events.lock().unwrap()).len(),
        1,
        "no question after the crisis"
    );
    session.end(&cancel).unwrap();
    let log = std::fs::read_to_string(journal.path().join("events.log")).unwrap();
    assert!(
        log.contains("safety_check_asked") && log.contains("crisis_flagged"),
        "{log}"
    );
    assert!(!log.contains("last entry"), "no content in the log: {log}");

    // "Yes" to it: the dialogue goes on with a guarded question.
    let (events, sink) = recorder();
    let mut session = service.start(sink).unwrap();
    session.submit_answer(heavy, None, &cancel).unwrap();
    let next = session
        .submit_answer(
            "Yes, I'm safe. I meant the old diary app, I'm moving to paper.",
            None,
            &cancel,
        )
        .unwrap();
    let next = next.expect("a question follows a yes");
    assert_ne!(&next, check_in);
    assert!(
        !events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, SessionEvent::Crisis { .. }))
    );
    session.end(&cancel).unwrap();
}

#[test]
fn bad_answers_and_a_failing_model_still_give_a_guarded_question() {
    let journal = tempfile::tempdir().unwrap();
    let service = Arc::new(SessionService::new(journal.path(), smollm()));
    let (events, sink) = recorder();
    let cancel = CancelToken::new();
    let mut session = service.start(sink).unwrap();
    // Empty and huge answers: saved, and a question follows (the huge one is trimmed to the context).
    for answer in [
        String::new(),
        "I walked along the river and thought about work. ".repeat(2_100),
    ] {
        let next = session
            .submit_answer(&answer, None, &cancel)
            .unwrap()
            .expect("question");
        assert!(guard::check(&next).is_ok(), "{next}");
    }
    assert!(
        session
            .submit_answer("Give me a question.", None, &cancel)
            .unwrap()
            .is_some()
    );
    let events = events.lock().unwrap();
    assert_eq!(
        finals(&events).last().unwrap().1,
        "bank",
        "asked for a question: one from the bank"
    );

    // A model that answers garbage (the fake server) ends in the bank, never in the user's view.
    let server = FakeChat::start();
    for _ in 0..2 {
        server.push(ChatReply::stream(&["!!!", " <b>ok</b>"]));
    }
    let http = Http::new(HttpPolicy::default()).unwrap();
    let garbage: Arc<dyn ChatModel> = Arc::new(AnthropicChat::new(
        AnthropicConfig {
            base_url: server.origin(),
            ..AnthropicConfig::new("claude-sonnet-4-20250514", Some("sk-test".into()))
        },
        http,
    ));
    let service = Arc::new(SessionService::new(journal.path(), garbage));
    let (events, sink) = recorder();
    let mut session = service.start(sink).unwrap();
    let next = session
        .submit_answer("I slept badly again.", None, &cancel)
        .unwrap()
        .unwrap();
    assert!(guard::check(&next).is_ok());
    assert_eq!(finals(&events.lock().unwrap())[0].1, "bank");
    // A model that answers nothing at all, twice: the bank again.
    server.push(ChatReply::stream(&[]));
    server.push(ChatReply::stream(&[]));
    let next = session
        .submit_answer("Still tired.", None, &cancel)
        .unwrap()
        .unwrap();
    assert!(guard::check(&next).is_ok());
    assert_eq!(finals(&events.lock().unwrap())[1].1, "bank");

    // A language the model does not know: whatever it writes is guarded, and the bank is there if it fails.
    let mut service = SessionService::new(journal.path(), smollm());
    service.language = "tlh".into();
    let service = Arc::new(service);
    let (_, sink) = recorder();
    let mut session = service.start(sink).unwrap();
    let next = session
        .submit_answer("jIQuch. DaHjaj QaQ jaj.", None, &cancel)
        .unwrap()
        .expect("question");
    assert!(guard::check(&next).is_ok(), "{next}");
}

#[test]
fn the_cloud_path_streams_and_caches_the_fixed_prefix() {
    let journal = hsj_journal_copy();
    let server = FakeChat::start();
    server.push(ChatReply::stream(&[
        "What made ",
        "the first page ",
        "feel possible this morning?",
    ]));
    let http = Http::new(HttpPolicy::default()).unwrap();
    let chat: Arc<dyn ChatModel> = Arc::new(AnthropicChat::new(
        AnthropicConfig {
            base_url: server.origin(),
            ..AnthropicConfig::new("claude-sonnet-4-20250514", Some("sk-test".into()))
        },
        http,
    ));
    let mut service = SessionService::new(journal.path(), chat);
    service.summary_debounce = Duration::from_millis(50);
    let service = Arc::new(service);
    let (events, sink) = recorder();
    let mut session = service.start(sink).unwrap();
    let next = session
        .submit_answer(ANSWERS[2], None, &CancelToken::new())
        .unwrap()
        .unwrap();
    assert_eq!(next, "What made the first page feel possible this morning?");
    // The debounced summary runs on its own after the pause.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, SessionEvent::SummaryUpdated(_)))
    {
        assert!(std::time::Instant::now() < deadline, "no background summary");
        std::thread::sleep(Duration::from_millis(20));
    }
    session.end(&CancelToken::new()).unwrap();

    let question_call = &server.requests()[0];
    assert_eq!(question_call.path, "/v1/messages");
    let system = question_call.body["system"].as_array().expect("system blocks");
    assert!(
        system[0]["text"]
            .as_str()
            .unwrap()
            .contains("ONE short follow-up question")
    );
    assert_eq!(
        system.last().unwrap()["cache_control"]["type"],
        "ephemeral",
        "the instructions and history are the cached prefix"
    );
    let history = system.last().unwrap()["text"].as_str().unwrap();
    assert!(
        history.contains("<summary session="),
        "HSJ summaries carried as history: {history}"
    );
}

/// A chat model the fake server refuses at once (401, never retried): every question comes from the bank.
fn refused_chat(server: &FakeChat) -> Arc<dyn ChatModel> {
    server.require_key("the-right-key");
    Arc::new(AnthropicChat::new(
        AnthropicConfig {
            base_url: server.origin(),
            ..AnthropicConfig::new("claude-sonnet-4-20250514", Some("sk-wrong".into()))
        },
        Http::new(HttpPolicy::default()).unwrap(),
    ))
}

#[test]
fn the_first_run_note_shows_once_and_is_this_helping_comes_every_eight_sessions() {
    let journal = tempfile::tempdir().unwrap();
    let server = FakeChat::start();
    let mut service = SessionService::new(journal.path(), refused_chat(&server));
    service.country = Some("GB".into());
    let service = Arc::new(service);
    let cancel = CancelToken::new();
    let run_session = || {
        let (events, sink) = recorder();
        let mut session = service.start(sink).unwrap();
        let next = session
            .submit_answer("A quiet day at home.", None, &cancel)
            .unwrap()
            .unwrap();
        check(&next).unwrap();
        session.end(&cancel).unwrap();
        let events = events.lock().unwrap().clone();
        let first_run = events.iter().any(|e| matches!(e, SessionEvent::FirstRunNote(_)));
        let check_in = events.iter().any(|e| matches!(e, SessionEvent::CheckInDue(_)));
        (first_run, check_in)
    };
    let runs: Vec<(bool, bool)> = (0..8).map(|_| run_session()).collect();
    assert_eq!(runs[0], (true, false), "the note once, in a new journal");
    assert!(runs[1..7].iter().all(|r| *r == (false, false)), "{runs:?}");
    assert_eq!(runs[7], (false, true), "the eighth session asks");

    let shown = service
        .record_check_in(CheckIn::Worse)
        .unwrap()
        .expect("a message");
    assert!(
        shown.contains("someone you trust") && shown.contains("Samaritans"),
        "{shown}"
    );
    assert_eq!(service.record_check_in(CheckIn::Helpful).unwrap(), None);
    let log = std::fs::read_to_string(journal.path().join("events.log")).unwrap();
    let check_ins: Vec<&str> = log.lines().filter(|l| l.contains("wellbeing.check_in")).collect();
    assert_eq!(check_ins.len(), 2);
    assert!(
        check_ins[0].contains("\"rating\":\"worse\"") && !check_ins[0].contains("quiet"),
        "{log}"
    );
    assert_eq!(
        run_session(),
        (false, false),
        "counting starts again after an answer"
    );
}

#[test]
fn the_semantic_layer_raises_what_the_rules_let_through_and_a_broken_model_only_logs() {
    let journal = tempfile::tempdir().unwrap();
    let cancel = CancelToken::new();
    let check_in = &soundmind_core::safeguarding::CareWording::builtin()
        .concern
        .check_in;
    // No phrase and no concept of the rule layers; the semantic layer hears a preparation.
    let answer = "I have been quietly putting things in order so nobody has to deal with my mess.";
    assert_eq!(
        soundmind_core::safeguarding::screen(answer),
        soundmind_core::safeguarding::Screening::Clear
    );

    let mut service = SessionService::new(journal.path(), smollm());
    let model = test_model("SmolLM2-135M-Instruct.Q4_1.gguf");
    service.semantic = Some(Arc::new(LlamaEmbedder::new(model, 2)) as Arc<dyn Embedder>);
    let service = Arc::new(service);
    let (events, sink) = recorder();
    let mut session = service.start(sink).unwrap();
    let next = session.submit_answer(answer, None, &cancel).unwrap();
    assert_eq!(
        next.as_deref(),
        Some(check_in.as_str()),
        "{:?}",
        events.lock().unwrap()
    );
    session.end(&cancel).unwrap();
    let log = std::fs::read_to_string(journal.path().join("events.log")).unwrap();
    assert!(log.contains("safety_check_asked"), "{log}");

    // A model file that cannot load: the answer keeps the rule layers' finding, the dialogue goes on, the log
    // says why (without the words).
    let broken = journal.path().join("broken.gguf");
    std::fs::write(&broken, b"GGUF but not really a model").unwrap();
    let mut service = SessionService::new(journal.path(), smollm());
    service.semantic = Some(Arc::new(LlamaEmbedder::new(broken, 2)) as Arc<dyn Embedder>);
    let service = Arc::new(service);
    let (events, sink) = recorder();
    let mut session = service.start(sink).unwrap();
    let next = session.submit_answer(answer, None, &cancel).unwrap();
    assert!(
        next.is_some_and(|q| q != *check_in),
        "{:?}",
        events.lock().unwrap()
    );
    session.end(&cancel).unwrap();
    let log = std::fs::read_to_string(journal.path().join("events.log")).unwrap();
    assert!(log.contains("semantic_screen_failed"), "{log}");
    assert!(!log.contains("in order"), "no content in the log: {log}");
}
