//! The `insights/` folder of a journal: HSJ's `yyMMdd_HHmm_insights.md` files, listed and written.

use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;

use soundmind_core::insights::{InsightsFile, StoredInsights};

use crate::StoreError;
use crate::atomic::create_atomic;
use crate::journal::Journal;

/// One insights file, as [`Journal::list_insights`] finds it.
#[derive(Debug)]
pub struct InsightsEntry {
    /// The file name, e.g. `251111_2040_insights.md`.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its contents, or why they could not be read.
    pub insights: Result<StoredInsights, StoreError>,
}

impl Journal {
    /// The folder that holds insights files.
    pub fn insights_dir(&self) -> PathBuf {
        self.root().join("insights")
    }

    /// Every `*_insights.md` file, newest first. Files are ordered by their time (`generated_at`, else the stamp
    /// in the name), so HSJ's UTC files and Soundmind's local-time files interleave correctly.
    pub fn list_insights(&self) -> Result<Vec<InsightsEntry>, StoreError> {
        let dir = self.insights_dir();
        let read = match fs::read_dir(&dir) {
            Ok(read) => read,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io("list", &dir)(e)),
        };
        let mut entries: Vec<InsightsEntry> = read
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                name.ends_with("_insights.md").then_some(name)
            })
            .map(|name| {
                let path = dir.join(&name);
                let insights = fs::read(&path)
                    .map_err(StoreError::io("read", &path))
                    .and_then(|bytes| {
                        StoredInsights::parse(&name, &bytes).map_err(|source| StoreError::Corrupt {
                            path: path.clone(),
                            source,
                        })
                    });
                InsightsEntry { name, path, insights }
            })
            .collect();
        let time = |e: &InsightsEntry| {
            let stored = e.insights.as_ref().ok();
            let generated = stored.and_then(|s| s.generated_at).map(|t| t.naive_utc());
            (generated, stored.and_then(|s| s.name_stamp))
        };
        entries.sort_by(|a, b| time(b).cmp(&time(a)).then_with(|| b.name.cmp(&a.name)));
        Ok(entries)
    }

    /// Writes a new insights file; never overwrites (a second file in the same minute gets the seconds too).
    pub fn write_insights(&self, file: &InsightsFile) -> Result<PathBuf, StoreError> {
        let dir = self.insights_dir();
        fs::create_dir_all(&dir).map_err(StoreError::io("create", &dir))?;
        let text = file.render();
        for name in [file.file_name(), file.file_name_with_seconds()] {
            let path = dir.join(name);
            match create_atomic(&path, text.as_bytes()) {
                Ok(()) => return Ok(path),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(StoreError::io("write", path)(e)),
            }
        }
        Err(StoreError::io("write insights in", &dir)(std::io::Error::other(
            "an insights file for this second already exists",
        )))
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn file(at: &str, title: &str) -> InsightsFile {
        InsightsFile {
            generated_at: DateTime::parse_from_rfc3339(at).unwrap(),
            model_llm: "m".into(),
            range_text: "251103".into(),
            since: "251103_0714".into(),
            until: "251103_0714".into(),
            source_sessions: vec!["251103_0714.md".into()],
            prior_insights_refs: vec![],
            words: 10,
            items: vec![format!("**{title}**\n\nWhat now?")],
        }
    }

    #[test]
    fn files_are_never_overwritten_and_list_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path());
        assert!(journal.list_insights().unwrap().is_empty(), "no folder yet");

        let first = journal
            .write_insights(&file("2025-11-24T09:05:07+01:00", "first"))
            .unwrap();
        let second = journal
            .write_insights(&file("2025-11-24T09:05:59+01:00", "second"))
            .unwrap();
        assert_eq!(first.file_name().unwrap(), "251124_0905_insights.md");
        assert_eq!(second.file_name().unwrap(), "251124_090559_insights.md");
        // HSJ's UTC file from 08:30 UTC is after 09:05 at +01:00.
        fs::write(
            journal.insights_dir().join("251124_0830_insights.md"),
            "---\ngenerated_at: \"2025-11-24T08:30:00Z\"\n---\n\n# Insight — x\n\n**hsj**\n",
        )
        .unwrap();
        fs::write(journal.insights_dir().join("notes.md"), "not an insight").unwrap();

        let names: Vec<String> = journal
            .list_insights()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            [
                "251124_0830_insights.md",
                "251124_090559_insights.md",
                "251124_0905_insights.md"
            ]
        );
    }
}
