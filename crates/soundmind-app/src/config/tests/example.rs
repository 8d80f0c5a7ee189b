//! The annotated example config file states the true defaults.

use std::path::Path;

use super::Case;
use crate::config::{ConfigRow, EXAMPLE_CONFIG, file};

/// Uncomments every `# key = value` line of the example (prose and `Example:` lines stay comments).
fn uncomment(example: &str) -> String {
    let is_setting = |line: &str| {
        line.split_once(" = ")
            .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    };
    let lines = example.lines().map(|line| match line.strip_prefix("# ") {
        Some(rest) if is_setting(rest) => rest,
        _ => line,
    });
    lines.collect::<Vec<_>>().join("\n")
}

#[test]
fn example_file_parses_and_states_the_defaults() {
    let path = Path::new("config.example.toml");
    assert_eq!(
        file::parse(EXAMPLE_CONFIG, path).unwrap(),
        file::RawFile::default()
    );
    let active = uncomment(EXAMPLE_CONFIG);
    file::parse(&active, path).unwrap();

    let defaults = Case::new().resolve();
    let case = Case::new().file(&active);
    let from_example = case.resolve();
    let dynamic = [
        "journal.sessions_dir",
        "journal.country",
        "models.dir",
        "cache.dir",
    ];
    for (d, e) in defaults.rows().iter().zip(from_example.rows()) {
        assert_eq!(
            d,
            &ConfigRow {
                source: "default".into(),
                ..e.clone()
            },
            "{} differs",
            e.key
        );
        let expected = if dynamic.contains(&e.key.as_str()) {
            "default".to_owned()
        } else {
            format!("file {}", case.file_path().display())
        };
        assert_eq!(e.source, expected, "{} not set by the example", e.key);
    }
    // Machine-dependent keys are still documented, under their section.
    for key in dynamic {
        let (section, leaf) = key.split_once('.').unwrap();
        let body = EXAMPLE_CONFIG.split(&format!("\n[{section}]\n")).nth(1).unwrap();
        let body = body.split("\n[").next().unwrap();
        assert!(
            body.contains(&format!("Example: {leaf} = ")),
            "{key} undocumented"
        );
    }
}
