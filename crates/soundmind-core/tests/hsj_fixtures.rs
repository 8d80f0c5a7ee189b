//! Golden tests over the real session files HSJ 0.2.9 wrote (`shared/fixtures/hsj-sessions`).
//!
//! Each file must load with the right text and numbers, and survive a load–save round trip: byte for byte
//! where the frontmatter is ASCII, and with only HSJ's `\xE9`-style escapes turned into UTF-8 otherwise.

use soundmind_core::{Answer, SessionDoc};
use soundmind_testkit::{HSJ_SESSION_IDS, hsj_sessions};

fn load(id: &str) -> (String, SessionDoc) {
    let bytes = std::fs::read(hsj_sessions().join(format!("{id}.md"))).unwrap();
    let doc = SessionDoc::parse(&bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
    (String::from_utf8(bytes).unwrap(), doc)
}

#[test]
fn every_fixture_loads_with_the_right_shape() {
    // (id, exchanges, pending placeholders, audio entries, duration, has summary)
    let expected = [
        ("251103_0714", 3, 0, 3, 4.25, true),
        ("251105_2152", 4, 0, 4, 9.06, true),
        ("251108_1036", 6, 3, 3, 5.3, true),
        ("251109_1905", 2, 1, 2, 2.99, true),
        ("251111_0648", 2, 0, 2, 2.59, false),
    ];
    for (id, exchanges, placeholders, audio, duration, has_summary) in expected {
        let (_, doc) = load(id);
        let ex = doc.exchanges();
        assert_eq!(ex.len(), exchanges, "{id} exchanges");
        let pending = ex
            .iter()
            .filter(|e| matches!(e.answer, Answer::Pending { .. }))
            .count();
        assert_eq!(pending, placeholders, "{id} placeholders");
        assert_eq!(
            doc.frontmatter.audio_files().unwrap().len(),
            audio,
            "{id} audio entries"
        );
        assert_eq!(doc.frontmatter.duration_seconds(), duration, "{id} duration");
        assert_eq!(!doc.frontmatter.summary().is_empty(), has_summary, "{id} summary");
        assert_eq!(
            doc.frontmatter.map().get("transcript_file").unwrap().as_str(),
            Some(&*format!("{id}.md"))
        );
    }
}

#[test]
fn escaped_yaml_comes_back_as_real_characters() {
    let (_, doc) = load("251103_0714");
    let summary = doc.frontmatter.summary();
    assert!(summary.contains("caf\u{e9} downstairs"), "{summary}");
    assert!(
        summary.contains("(\"na\u{ef}ve of me\") \u{2014} caffeine"),
        "{summary}"
    );
    assert!(summary.starts_with("- Slept badly: woke at 4:10"));

    let (_, doc) = load("251108_1036");
    let summary = doc.frontmatter.summary();
    assert!(summary.contains("Salztorbr\u{fc}cke"));
    assert!(summary.contains(
        "\u{201e}Gr\u{fc}\u{df} euch! \u{2026} drau\u{df}en ist es heute endlich sch\u{f6}n\u{201c}"
    ));
    assert!(summary.ends_with("Maya is in. \u{1f33f}"));
    // The body is raw UTF-8 and stays so.
    assert!(doc.body().contains("Grüß euch!"));
}

#[test]
fn audio_entries_keep_every_hsj_field() {
    let (_, doc) = load("251109_1905");
    let files = doc.frontmatter.audio_files().unwrap();
    let second = &files[1];
    assert_eq!(second.wav(), Some("251109_1905_02.wav"));
    assert_eq!(second.mp3(), Some("251109_1905_02.mp3"));
    assert_eq!(second.duration_seconds(), 1.45);
    assert_eq!(second.voiced_seconds(), Some(1.3));
    assert!(second.is_pending());
    assert_eq!(second.pending_reason(), Some("InternalServerError"));
    assert_eq!(second.source(), Some("cli"));
    assert_eq!(
        doc.exchanges()[1].answer,
        Answer::Pending {
            segment: "251109_1905_02.wav".into()
        }
    );

    let (_, doc) = load("251108_1036");
    let web = &doc.frontmatter.audio_files().unwrap()[0];
    assert_eq!(web.wav(), Some("browser-001.webm"));
    assert_eq!(web.mp3(), None);
    assert_eq!(web.source(), Some("web"));
    assert!(!web.is_pending());
}

#[test]
fn duplicated_web_blocks_are_read_as_hsj_wrote_them() {
    let (_, doc) = load("251108_1036");
    let ex = doc.exchanges();
    assert_eq!(ex[0].question, ex[1].question);
    assert_eq!(
        ex[0].answer,
        Answer::Pending {
            segment: "browser-001.webm".into()
        }
    );
    match &ex[1].answer {
        Answer::Text(t) => assert!(t.starts_with("Just got back from a long walk")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn round_trip_is_byte_identical_except_unicode_escapes() {
    for id in HSJ_SESSION_IDS {
        let (original, doc) = load(id);
        let written = doc.render();
        let reread = SessionDoc::parse(written.as_bytes()).unwrap();
        assert_eq!(reread, doc, "{id}: a field changed in the round trip");
        if original.is_ascii() || !original.split("\n---\n").next().unwrap().contains('\\') {
            assert_eq!(written, original, "{id} should round-trip byte for byte");
            continue;
        }
        // Escaped frontmatter: only lines with escapes may differ, and the body is untouched.
        let (orig_lines, new_lines): (Vec<&str>, Vec<&str>) =
            (original.lines().collect(), written.lines().collect());
        assert_eq!(orig_lines.len(), new_lines.len(), "{id}");
        for (a, b) in orig_lines.iter().zip(&new_lines) {
            if a != b {
                assert!(
                    a.contains("\\x") || a.contains("\\u") || a.contains("\\U"),
                    "{id}: {a:?} became {b:?}"
                );
                assert!(
                    !b.contains("\\x") && !b.contains("\\u"),
                    "{id}: Soundmind writes UTF-8, got {b:?}"
                );
            }
        }
    }
}

#[test]
fn pending_fixture_can_be_repaired_in_place() {
    let (_, mut doc) = load("251109_1905");
    assert_eq!(
        doc.replace_pending("251109_1905_02.wav", "We talked about the garden instead."),
        1
    );
    let mut files = doc.frontmatter.audio_files().unwrap();
    files[1].clear_pending();
    doc.frontmatter.set_audio_files(&files);
    let text = doc.render();
    assert!(!text.contains("hsj:pending"));
    assert!(!text.contains("pending: true"));
    assert!(text.contains("voiced_seconds: 1.3\n  source: cli\n"));
    assert!(text.contains("duration_seconds: 2.99\n"));
}

#[test]
fn utf8_summary_is_written_the_way_pyyaml_would_with_allow_unicode() {
    let (_, doc) = load("251103_0714");
    let written = doc.render();
    let line = written.lines().find(|l| l.starts_with("summary: ")).unwrap();
    assert!(
        line.starts_with("summary: '- Slept badly: woke at 4:10"),
        "{line}"
    );
    assert!(line.contains("caf\u{e9} downstairs"), "{line}");
    assert!(line.contains("she isn''t surprised"), "{line}");
}
