//! `soundmind journal` end to end: real whisper.cpp (tiny.en) and SmolLM2 in-process, espeak clips as answers,
//! typed answers from a pipe, the missing microphone, the per-journal lock, and kill -9 while recording.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use soundmind_core::dialogue::guard;
use soundmind_core::{Answer, SessionDoc};
use soundmind_testkit::test_model;
use soundmind_testkit::wer::word_error_rate;

fn command(journal: &Path, home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_soundmind"));
    let smollm = test_model("SmolLM2-135M-Instruct.Q4_1.gguf");
    command
        .arg("--sessions-dir")
        .arg(journal)
        .arg("journal")
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SOUNDMIND_CONFIG", home.join("config.toml"))
        .env("SOUNDMIND_MODELS_DIR", home.join("models"))
        .env("SOUNDMIND_CACHE_DIR", home.join("cache"))
        .env("LLM_MODEL", format!("local:{}", smollm.display()))
        .env("STT_MODEL", test_model("ggml-tiny.en.bin"));
    command
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_with(mut command: Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start soundmind");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `soundmind fix stt ARGS` on `journal` with the local tiny.en model.
fn fix_stt(journal: &Path, home: &Path, args: &[&str]) -> Run {
    let mut fix = Command::new(env!("CARGO_BIN_EXE_soundmind"));
    fix.arg("--sessions-dir")
        .arg(journal)
        .args(["fix", "stt"])
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("SOUNDMIND_CONFIG", home.join("config.toml"))
        .env("STT_MODEL", test_model("ggml-tiny.en.bin"));
    run_with(fix, "")
}

fn clip(name: &str) -> (PathBuf, String) {
    let text = std::fs::read_to_string(test_model(&format!("clips/{name}.txt"))).unwrap();
    (test_model(&format!("clips/{name}.wav")), text)
}

fn only_session(journal: &Path) -> (String, SessionDoc) {
    let mut sessions: Vec<PathBuf> = std::fs::read_dir(journal)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let path = sessions.pop().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = SessionDoc::parse(text.as_bytes()).unwrap();
    (path.file_stem().unwrap().to_string_lossy().into_owned(), doc)
}

#[test]
fn three_spoken_answers_become_a_session_with_transcripts_guarded_questions_and_a_summary() {
    let home = tempfile::tempdir().unwrap();
    let journal = tempfile::tempdir().unwrap();
    let (short, short_text) = clip("short");
    let (minute, minute_text) = clip("minute");
    let files = [&short, &minute, &short];
    let mut args = vec!["--timings", "--input"];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    let run = run_with(command(journal.path(), home.path(), &args), "");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    let (id, doc) = only_session(journal.path());
    let exchanges = doc.exchanges();
    assert_eq!(exchanges.len(), 3, "{}", doc.body());
    for (exchange, reference) in exchanges.iter().zip([&short_text, &minute_text, &short_text]) {
        let Answer::Text(answer) = &exchange.answer else {
            panic!("pending: {exchange:?}")
        };
        let wer = word_error_rate(reference, answer);
        assert!(wer <= 0.25, "WER {wer:.2}: {answer}");
    }
    // Every question after the opening one was generated (or taken from the bank) and guarded.
    for exchange in &exchanges[1..] {
        guard::check(&exchange.question).unwrap_or_else(|e| panic!("{:?}: {e}", exchange.question));
    }
    assert!(
        !doc.frontmatter.summary().is_empty(),
        "summary written at the end"
    );
    let audio = doc.frontmatter.audio_files().unwrap();
    assert_eq!(audio.len(), 3);
    for (i, file) in audio.iter().enumerate() {
        let name = format!("{id}_{:02}.wav", i + 1);
        assert_eq!(file.wav(), Some(name.as_str()));
        let dir = journal.path().join(&id);
        // Compressed in the background: the Ogg is verified and the transcript saved, so the WAV is gone.
        let ogg = name.replace(".wav", ".ogg");
        assert_eq!(file.ogg(), Some(ogg.as_str()));
        assert!(dir.join(&ogg).exists() && dir.join(name.replace(".wav", ".stt.json")).exists());
        assert!(!dir.join(&name).exists());
        assert!(
            !dir.join(format!("{name}.recording")).exists(),
            "takes are complete"
        );
    }
    assert!(
        (doc.frontmatter.duration_seconds() - 68.0).abs() < 3.0,
        "{}",
        doc.frontmatter.duration_seconds()
    );
    assert_eq!(run.stdout.matches("[timings]").count(), 3, "{}", run.stdout);
    assert!(run.stdout.contains("Session saved to"), "{}", run.stdout);
}

#[test]
fn typed_answers_from_a_pipe_are_one_per_line() {
    let home = tempfile::tempdir().unwrap();
    let journal = tempfile::tempdir().unwrap();
    let answers = "I slept badly and kept thinking about work.\n\nMaybe I will talk to my manager.\n";
    let run = run_with(command(journal.path(), home.path(), &["--type"]), answers);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, doc) = only_session(journal.path());
    let exchanges = doc.exchanges();
    assert_eq!(exchanges.len(), 2, "the blank line is not an answer");
    assert_eq!(
        exchanges[1].answer,
        Answer::Text("Maybe I will talk to my manager.".into())
    );
    // Each question is printed once, final and guarded (stdout is not a terminal: no provisional tokens).
    assert!(run.stdout.contains(&exchanges[1].question), "{}", run.stdout);
    assert!(
        run.stdout.contains("not therapy"),
        "the first-run note: {}",
        run.stdout
    );

    // --resume continues the newest session in the same file, without the first-run note.
    let resumed = run_with(
        command(journal.path(), home.path(), &["--type", "--resume"]),
        "Talking to him went better than I feared.\n",
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(!resumed.stdout.contains("not therapy"), "{}", resumed.stdout);
    let (_, doc) = only_session(journal.path());
    assert_eq!(doc.exchanges().len(), 3);
}

#[test]
fn no_microphone_unreadable_input_and_a_second_loop_are_clear_errors() {
    let home = tempfile::tempdir().unwrap();
    let journal = tempfile::tempdir().unwrap();
    // An empty ALSA configuration: no devices, as on a headless server.
    let alsa = home.path().join("alsa.conf");
    std::fs::write(&alsa, "").unwrap();
    let mut no_mic = command(journal.path(), home.path(), &[]);
    no_mic.env("ALSA_CONFIG_PATH", &alsa);
    let run1 = run_with(no_mic, "");
    assert_eq!(run1.code, 2, "{}", run1.stderr);
    assert!(
        run1.stderr.contains("no microphone found") && run1.stderr.contains("--type"),
        "{}",
        run1.stderr
    );

    let not_audio = home.path().join("notes.wav");
    std::fs::write(&not_audio, "just text").unwrap();
    let run2 = run_with(
        command(
            journal.path(),
            home.path(),
            &["--input", not_audio.to_str().unwrap()],
        ),
        "",
    );
    assert_eq!(run2.code, 2, "{}", run2.stderr);
    assert!(
        run2.stderr.contains("notes.wav") && run2.stderr.contains("supported"),
        "{}",
        run2.stderr
    );
    let sessions = std::fs::read_dir(journal.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "md"))
        .count();
    assert_eq!(sessions, 0, "nothing was created for bad input");

    // A loop waiting for typed input holds the journal; a second one is refused and says who holds it.
    let mut first = command(journal.path(), home.path(), &["--type"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = journal.path().join(".soundmind/locks/journal.lock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&lock).is_ok_and(|s| s.contains("pid")) {
        assert!(Instant::now() < deadline, "the first loop never took the lock");
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = run_with(command(journal.path(), home.path(), &["--type"]), "hello\n");
    assert_eq!(second.code, 2, "{}", second.stderr);
    assert!(
        second.stderr.contains("another `soundmind journal` is running")
            && second.stderr.contains(&format!("pid {}", first.id())),
        "{}",
        second.stderr
    );
    drop(first.stdin.take());
    assert!(first.wait().unwrap().success());
}

/// Kills the loop at a random moment while it records a clip fed at speaking speed, then checks that every
/// sample it had received is in the segment on disk (samples are written as they arrive, so a killed process loses
/// nothing the kernel has; only a power cut could lose up to the last second, the sync interval), and that
/// `fix stt` then completes the session: the answer announced before recording gets its transcript.
#[test]
fn kill_9_while_recording_never_loses_audio_and_fix_stt_completes_the_session() {
    let (minute, _) = clip("minute");
    let (reference, _) = soundmind_audio::decode_file(&minute).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut random = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for trial in 0..20 {
        let journal = tempfile::tempdir().unwrap();
        let mut child = command(
            journal.path(),
            home.path(),
            &["--realtime", "--input", minute.to_str().unwrap()],
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        let (segment, started) = wait_for_segment(journal.path(), &mut child);
        std::thread::sleep(Duration::from_millis(200 + random() % 4_000));
        let received = started.elapsed().as_secs_f64();
        child.kill().unwrap();
        child.wait().unwrap();

        let marker = segment.with_file_name(format!(
            "{}.recording",
            segment.file_name().unwrap().to_string_lossy()
        ));
        assert!(marker.exists(), "trial {trial}: the crash left its marker");
        // Read what is on disk as the repair will (sizes from the file's length), without changing the file.
        let bytes = std::fs::read(&segment).unwrap();
        let kept: Vec<f32> = bytes[44..]
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / f32::from(i16::MAX))
            .collect();
        let seconds = kept.len() as f64 / 16_000.0;
        assert!(
            seconds >= received - 0.5,
            "trial {trial}: {seconds:.2} s on disk after {received:.2} s received"
        );
        // What is on disk is the clip's beginning, sample for sample (PCM16 rounding aside).
        let worst = kept
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-3, "trial {trial}: samples differ by {worst}");

        // The session already holds the announced answer; `fix stt` finishes it.
        let (_, doc) = only_session(journal.path());
        assert_eq!(
            doc.frontmatter.pending_audio().len(),
            1,
            "trial {trial}: {}",
            doc.body()
        );
        let fixed = fix_stt(journal.path(), home.path(), &["--too-short", "delete"]);
        assert_eq!(fixed.code, 0, "trial {trial}: {}\n{}", fixed.stdout, fixed.stderr);
        let (_, doc) = only_session(journal.path());
        assert!(
            doc.frontmatter.pending_audio().is_empty(),
            "trial {trial}: {}",
            doc.body()
        );
        assert!(
            !doc.body().contains("transcription pending"),
            "trial {trial}: {}",
            doc.body()
        );
        assert!(!marker.exists(), "trial {trial}: repaired");
        if seconds >= 2.5 {
            let answer = match &doc.exchanges()[0].answer {
                Answer::Text(text) => text.to_lowercase(),
                other => panic!("trial {trial}: {other:?}"),
            };
            assert!(
                answer.contains("today"),
                "trial {trial} ({seconds:.1} s): {answer}"
            );
        }
    }
}

/// Waits until the loop has created its first segment; returns it and when it appeared.
fn wait_for_segment(journal: &Path, child: &mut Child) -> (PathBuf, Instant) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(child.try_wait().unwrap().is_none(), "the loop exited early");
        assert!(Instant::now() < deadline, "no segment appeared");
        let found = std::fs::read_dir(journal)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
            .flat_map(|dir| std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok))
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "wav"));
        if let Some(segment) = found {
            return (segment, Instant::now());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The loop in a real terminal (tmux): the meter moves, Space pauses and resumes, Esc throws the take away and
/// asks again, Enter keeps the answer. A clip at speaking speed stands in for the microphone.
#[test]
fn in_a_terminal_the_meter_shows_and_the_keys_work() {
    let home = tempfile::tempdir().unwrap();
    let journal = tempfile::tempdir().unwrap();
    let (minute, _) = clip("minute");
    let session = format!("soundmind-test-{}", std::process::id());
    let program = format!(
        "env -i HOME={home} PATH=/usr/bin:/bin TERM=xterm SOUNDMIND_CONFIG={home}/config.toml \
         SOUNDMIND_MODELS_DIR={home}/models SOUNDMIND_CACHE_DIR={home}/cache LLM_MODEL=local:{llm} STT_MODEL={stt} \
         {exe} --sessions-dir {journal} journal --realtime --input {clip} {clip} {clip}; sleep 600",
        home = home.path().display(),
        llm = test_model("SmolLM2-135M-Instruct.Q4_1.gguf").display(),
        stt = test_model("ggml-tiny.en.bin").display(),
        exe = env!("CARGO_BIN_EXE_soundmind"),
        journal = journal.path().display(),
        clip = minute.display(),
    );
    let tmux = |args: &[&str]| {
        let out = Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux is installed by scripts/test");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    struct Kill(String);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .args(["kill-session", "-t", &self.0])
                .status();
        }
    }
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "160",
        "-y",
        "50",
        &program,
    ]);
    let _kill = Kill(session.clone());
    let screen = || tmux(&["capture-pane", "-p", "-t", &session]);
    let wait_for = |what: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = screen();
            if text.contains(what) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what:?}; the screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let keys = |k: &str| tmux(&["send-keys", "-t", &session, k]);

    // The meter moves with the voice: some redraw shows a filled cell.
    let recording = wait_for("█");
    assert!(
        recording.contains("● Recording 0:0") && recording.contains("Esc redo"),
        "{recording}"
    );
    keys("Space");
    wait_for("● Paused");
    keys("Space");
    wait_for("● Recording");
    keys("Escape");
    wait_for("(discarded; the same question again)");
    wait_for("● Recording 0:03");
    keys("Enter");
    // The third answer: q within 5 s throws the short take away and ends the session.
    wait_for("You:");
    wait_for("● Recording 0:01");
    keys("q");
    wait_for("too short to keep; ending the session");
    let done = wait_for("Session saved to");
    assert!(done.contains("You:") && done.contains("slowly"), "{done}");

    let (id, doc) = only_session(journal.path());
    assert_eq!(doc.exchanges().len(), 1, "the cancelled take left no exchange");
    let audio = doc.frontmatter.audio_files().unwrap();
    assert_eq!(audio.len(), 1);
    let seconds = audio[0].duration_seconds();
    assert!(
        (3.0..10.0).contains(&seconds),
        "Enter kept a short answer: {seconds}"
    );
    // Esc deleted the first take, so the kept one reuses its number (HSJ numbers after what exists).
    assert_eq!(audio[0].wav(), Some(format!("{id}_01.wav").as_str()));
    let takes: Vec<String> = std::fs::read_dir(journal.path().join(&id))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".wav") || name.ends_with(".ogg"))
        .collect();
    assert_eq!(
        takes,
        [format!("{id}_01.ogg")],
        "only the kept take is on disk, compressed"
    );
}

#[test]
fn diagnose_mic_records_shows_the_level_and_what_was_heard() {
    let home = tempfile::tempdir().unwrap();
    let (short, _) = clip("short");
    let mut command = Command::new(env!("CARGO_BIN_EXE_soundmind"));
    command
        .args(["diagnose", "mic", "--seconds", "2", "--input"])
        .arg(&short)
        .env_clear()
        .env("HOME", home.path())
        .env("SOUNDMIND_CONFIG", home.path().join("config.toml"))
        .env("STT_MODEL", test_model("ggml-tiny.en.bin"));
    let heard = run_with(command, "");
    assert_eq!(heard.code, 0, "{}", heard.stderr);
    assert!(heard.stdout.contains("recorded 2."), "{}", heard.stdout);
    assert!(heard.stdout.contains("heard: I slept badly"), "{}", heard.stdout);

    let mut out_of_range = Command::new(env!("CARGO_BIN_EXE_soundmind"));
    out_of_range
        .args(["diagnose", "mic", "--seconds", "90"])
        .env("SOUNDMIND_CONFIG", home.path().join("config.toml"));
    let refused = run_with(out_of_range, "");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("between 0.5 and 30"),
        "{}",
        refused.stderr
    );
}

/// Transcription fails (the cloud engine refuses the key): the answer's audio stays, the session file holds a
/// pending placeholder, the sentinel says why, and the same question is asked again. `fix stt` later completes it
/// with the local engine.
#[test]
fn a_failed_transcription_keeps_the_audio_pending_and_asks_the_same_question_again() {
    use soundmind_testkit::servers::{FakeOpenAi, Reply};

    let home = tempfile::tempdir().unwrap();
    let journal = tempfile::tempdir().unwrap();
    let server = FakeOpenAi::start();
    server.push(Reply::status(401));
    server.push(Reply::ok("I went for a long walk by the river after work."));
    let (short, short_text) = clip("short");
    let base = server.base_url();
    let mut cloud = command(
        journal.path(),
        home.path(),
        &[
            "--no-streaming",
            "--input",
            short.to_str().unwrap(),
            short.to_str().unwrap(),
        ],
    );
    cloud
        .env("STT_BACKEND", "cloud-openai")
        .env("OPENAI_BASE_URL", &base)
        .env("OPENAI_API_KEY", "sk-test");
    let run = run_with(cloud, "");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("transcription failed") && run.stderr.contains("fix stt"),
        "{}",
        run.stderr
    );

    let (id, doc) = only_session(journal.path());
    let exchanges = doc.exchanges();
    assert_eq!(exchanges.len(), 2, "{}", doc.body());
    let first = format!("{id}_01.wav");
    assert_eq!(
        exchanges[0].answer,
        Answer::Pending {
            segment: first.clone()
        }
    );
    assert_eq!(
        exchanges[1].question, exchanges[0].question,
        "the same question again"
    );
    assert_eq!(
        exchanges[1].answer,
        Answer::Text("I went for a long walk by the river after work.".into())
    );
    let pending = doc.frontmatter.pending_audio();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].pending_reason(), Some("AuthenticationError"));
    let dir = journal.path().join(&id);
    assert!(dir.join(&first).exists(), "the audio stays");
    assert!(dir.join(format!("{id}_01.stt.error.txt")).exists());

    let fixed = fix_stt(journal.path(), home.path(), &[]);
    assert_eq!(fixed.code, 0, "{}\n{}", fixed.stdout, fixed.stderr);
    let (_, doc) = only_session(journal.path());
    let Answer::Text(answer) = &doc.exchanges()[0].answer else {
        panic!("{}", doc.body())
    };
    assert!(word_error_rate(&short_text, answer) <= 0.25, "{answer}");
    assert!(doc.frontmatter.pending_audio().is_empty());
}

/// The disk fills up mid-answer (a file-size limit makes every write past 300 KB fail, as a full disk does): the
/// take stops, what was written stays with its marker, the error says where, and `fix stt` completes it later.
#[test]
fn a_full_disk_mid_answer_keeps_what_was_recorded() {
    let home = tempfile::tempdir().unwrap();
    let journal = tempfile::tempdir().unwrap();
    let (minute, _) = clip("minute");
    let inner = command(
        journal.path(),
        home.path(),
        &["--input", minute.to_str().unwrap()],
    );
    // The shell ignores SIGXFSZ so a write past the limit fails with EFBIG instead of killing the process.
    let mut limited = Command::new("bash");
    limited
        .args(["-c", "trap '' XFSZ; ulimit -f 300; exec \"$@\"", "bash"])
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear()
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))));
    let run = run_with(limited, "");
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("the recording stopped after") && run.stderr.contains("kept in"),
        "{}",
        run.stderr
    );
    let (id, doc) = only_session(journal.path());
    assert_eq!(doc.frontmatter.pending_audio().len(), 1, "{}", doc.body());
    let wav = journal.path().join(&id).join(format!("{id}_01.wav"));
    assert!(
        std::fs::metadata(&wav).unwrap().len() > 200_000,
        "what was written stays"
    );

    let fixed = fix_stt(journal.path(), home.path(), &[]);
    assert_eq!(fixed.code, 0, "{}\n{}", fixed.stdout, fixed.stderr);
    let (_, doc) = only_session(journal.path());
    let Answer::Text(answer) = &doc.exchanges()[0].answer else {
        panic!("{}", doc.body())
    };
    assert!(answer.to_lowercase().contains("today started slowly"), "{answer}");
}

/// A statement of risk said aloud (espeak-ng speaks it, whisper transcribes it) stops the dialogue with the help
/// lines before any question is asked, and the second answer on the command line is never taken.
#[test]
fn a_spoken_crisis_statement_stops_the_dialogue_with_help_lines() {
    let home = tempfile::tempdir().unwrap();
    let journal = tempfile::tempdir().unwrap();
    let spoken = home.path().join("spoken.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&spoken)
        .arg("Work was hard again today. Honestly, I want to kill myself.")
        .status()
        .expect("espeak-ng is installed by scripts/test");
    assert!(status.success());
    let (short, _) = clip("short");
    let run = run_with(
        command(
            journal.path(),
            home.path(),
            &["--input", spoken.to_str().unwrap(), short.to_str().unwrap()],
        ),
        "",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("someone you trust") && run.stdout.contains("Find A Helpline"),
        "{}",
        run.stdout
    );
    let (_, doc) = only_session(journal.path());
    let exchanges = doc.exchanges();
    assert_eq!(
        exchanges.len(),
        1,
        "the second answer is not taken: {}",
        doc.body()
    );
    let Answer::Text(answer) = &exchanges[0].answer else {
        panic!("pending: {:?}", exchanges[0])
    };
    assert!(answer.to_lowercase().contains("kill myself"), "{answer}");
    let log = std::fs::read_to_string(journal.path().join("events.log")).unwrap();
    assert!(log.contains("crisis_flagged"), "{log}");
}
