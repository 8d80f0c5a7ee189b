//! The model catalogue: what can be downloaded, from where, and how to verify it. The built-in one is
//! `catalog.toml`, embedded in the binary.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// The embedded catalogue file.
const BUILTIN: &str = include_str!("../catalog.toml");

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// A whisper.cpp speech-to-text model (ggml).
    Whisper,
    /// A language model for llama.cpp (GGUF).
    Llm,
    /// A voice-activity model (whisper.cpp's Silero ggml).
    Vad,
    /// A text-to-speech voice.
    Tts,
}

impl ModelKind {
    /// The lowercase name used in the catalogue.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Whisper => "whisper",
            ModelKind::Llm => "llm",
            ModelKind::Vad => "vad",
            ModelKind::Tts => "tts",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A published digest of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checksum {
    /// SHA-256, lowercase hex.
    Sha256(String),
    /// SHA-1, lowercase hex (whisper.cpp publishes these).
    Sha1(String),
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Checksum::Sha256(hex) => write!(f, "sha256:{hex}"),
            Checksum::Sha1(hex) => write!(f, "sha1:{hex}"),
        }
    }
}

/// One downloadable model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// What users type (`base.en`); unique in a catalogue.
    pub name: String,
    /// What it is for.
    pub kind: ModelKind,
    /// The file in the models folder (one path component).
    pub file_name: String,
    /// The expected size: it sizes the disk check and progress before the server says; it is not a checksum.
    pub size_bytes: u64,
    /// The published SHA-256 (preferred when both are set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The published SHA-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// Explicitly marks an entry without a published checksum; such a download needs `allow_unverified`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
    /// Where to get it: the primary first, then mirrors.
    pub urls: Vec<String>,
    /// The licence of the weights.
    pub licence: String,
    /// One line for lists.
    pub description: String,
    /// Engine hints as strings (for LLMs: `chat_template`, `context_length`, …). Unknown keys are kept.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

impl CatalogEntry {
    /// The digest a download must match: SHA-256 when published, else SHA-1, else `None`.
    pub fn checksum(&self) -> Option<Checksum> {
        let clean = |h: &Option<String>| {
            h.as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_ascii_lowercase)
        };
        clean(&self.sha256)
            .map(Checksum::Sha256)
            .or_else(|| clean(&self.sha1).map(Checksum::Sha1))
    }

    /// Checks one entry: a usable name and file name, a size, URLs, a licence, and a well-formed checksum unless it is
    /// explicitly marked unverified.
    pub fn validate(&self) -> Result<(), ModelError> {
        let fail = |reason: String| Err(ModelError::Catalog(format!("model {:?}: {reason}", self.name)));
        validate_name(&self.name).map_err(|e| ModelError::Catalog(e.to_string()))?;
        if let Err(reason) = check_file_name(&self.file_name) {
            return fail(format!("file_name {:?}: {reason}", self.file_name));
        }
        if self.size_bytes == 0 {
            return fail("size_bytes is 0".into());
        }
        if self.urls.is_empty() {
            return fail("no urls".into());
        }
        if let Some(url) = self
            .urls
            .iter()
            .find(|u| !u.starts_with("https://") && !u.starts_with("http://"))
        {
            return fail(format!("{url:?} is not an http(s) URL"));
        }
        if self.licence.trim().is_empty() {
            return fail("no licence".into());
        }
        for (hash, len, algo) in [(&self.sha256, 64, "sha256"), (&self.sha1, 40, "sha1")] {
            if let Some(hex) = hash
                && (hex.len() != len
                    || !hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            {
                return fail(format!("{algo} must be {len} lowercase hex digits, not {hex:?}"));
            }
        }
        match (self.checksum().is_some(), self.unverified) {
            (false, false) => {
                fail("no sha256 or sha1; mark it `unverified = true` if none is published".into())
            }
            (true, true) => fail("has a checksum but is marked unverified".into()),
            _ => Ok(()),
        }
    }
}

/// A list of catalogue entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    model: Vec<CatalogEntry>,
}

impl Catalog {
    /// The catalogue shipped in the binary (`catalog.toml`).
    pub fn builtin() -> Result<Self, ModelError> {
        Self::from_toml(BUILTIN)
    }

    /// Parses and validates a catalogue in the `catalog.toml` format (`[[model]]` tables).
    pub fn from_toml(text: &str) -> Result<Self, ModelError> {
        let file: CatalogFile = toml::from_str(text).map_err(|e| ModelError::Catalog(e.to_string()))?;
        Self::new(file.model)
    }

    /// A catalogue from entries (tests, or a catalogue assembled by the app). Validates every entry and refuses
    /// duplicate names or file names.
    pub fn new(entries: Vec<CatalogEntry>) -> Result<Self, ModelError> {
        let mut names = HashSet::new();
        let mut files = HashSet::new();
        for entry in &entries {
            entry.validate()?;
            if !names.insert(entry.name.as_str()) {
                return Err(ModelError::Catalog(format!(
                    "model {:?} is listed twice",
                    entry.name
                )));
            }
            if !files.insert(entry.file_name.as_str()) {
                return Err(ModelError::Catalog(format!(
                    "file {:?} is listed twice",
                    entry.file_name
                )));
            }
        }
        Ok(Self { entries })
    }

    /// Every entry, in catalogue order.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// The entry called `name`, or [`ModelError::NotInCatalog`].
    pub fn find(&self, name: &str) -> Result<&CatalogEntry, ModelError> {
        self.get(name).ok_or_else(|| ModelError::NotInCatalog {
            name: name.to_string(),
        })
    }

    /// The entries of one kind.
    pub fn of_kind(&self, kind: ModelKind) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.iter().filter(move |e| e.kind == kind)
    }
}

/// A model name: 1 to 100 characters from `A-Z a-z 0-9 . _ -`, not starting with `.` or `-`.
pub fn validate_name(name: &str) -> Result<(), ModelError> {
    let invalid = |reason: &str| {
        Err(ModelError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() || name.len() > 100 {
        return invalid("use 1 to 100 characters");
    }
    if name.starts_with(['.', '-']) {
        return invalid("it must not start with '.' or '-'");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return invalid("use only letters, digits, '.', '_' and '-'");
    }
    Ok(())
}

/// A file name that stays inside the models folder and cannot clash with our own files.
pub(crate) fn check_file_name(file_name: &str) -> Result<(), String> {
    if file_name.is_empty() || file_name.len() > 200 {
        return Err("use 1 to 200 characters".into());
    }
    if file_name.starts_with('.') || file_name.contains(['/', '\\', ':', '\0']) {
        return Err("must be a plain file name (no folders, not hidden)".into());
    }
    if file_name.ends_with(".part") || file_name == crate::registry::REGISTRY_FILE {
        return Err("is reserved for Soundmind's own files".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_is_valid() {
        let catalog = Catalog::builtin().expect("catalog.toml parses and validates");
        assert!(catalog.entries().len() >= 25);
        for entry in catalog.entries() {
            assert!(!entry.name.is_empty() && !entry.urls.is_empty() && entry.size_bytes > 0);
            assert!(
                !entry.licence.is_empty() && !entry.description.is_empty(),
                "{}",
                entry.name
            );
            assert!(entry.checksum().is_some() || entry.unverified, "{}", entry.name);
            if entry.kind == ModelKind::Whisper {
                assert_eq!(entry.file_name, format!("ggml-{}.bin", entry.name));
                assert_eq!(
                    entry.urls[0],
                    format!(
                        "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/{}",
                        entry.file_name
                    )
                );
                assert!(
                    entry.urls.iter().any(|u| u.starts_with("https://hf-mirror.com/")),
                    "{}",
                    entry.name
                );
            }
        }
        for name in [
            "tiny",
            "tiny.en",
            "base",
            "base.en",
            "small",
            "medium",
            "large-v3",
            "large-v3-turbo",
        ] {
            assert!(
                matches!(catalog.find(name).unwrap().checksum(), Some(Checksum::Sha1(_))),
                "{name}"
            );
        }
        for name in ["tiny-q5_1", "base.en-q5_1", "small-q8_0", "large-v3-turbo-q8_0"] {
            assert!(catalog.find(name).unwrap().unverified, "{name}");
        }
        assert_eq!(
            catalog.find("base.en").unwrap().checksum().unwrap().to_string(),
            "sha1:137c40403d78fd54d454da0f9bd998f78703390c"
        );
        assert_eq!(catalog.of_kind(ModelKind::Vad).count(), 1);
        assert!(matches!(
            catalog.find("nope"),
            Err(ModelError::NotInCatalog { .. })
        ));
    }

    #[test]
    fn malformed_entries_are_refused() {
        let good = r#"
            [[model]]
            name = "smollm2-135m"
            kind = "llm"
            file_name = "SmolLM2-135M-Instruct.Q4_1.gguf"
            size_bytes = 98362432
            sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
            urls = ["https://example.com/a.gguf"]
            licence = "Apache-2.0"
            description = "tiny LLM"
            params = { chat_template = "chatml", context_length = "8192" }
        "#;
        let catalog = Catalog::from_toml(good).unwrap();
        assert_eq!(catalog.entries()[0].params["chat_template"], "chatml");
        for (from, to) in [
            ("sha256 = \"b179", "sha256 = \"B179"),
            (
                "sha256 = \"b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53\"",
                "",
            ),
            ("size_bytes = 98362432", "size_bytes = 0"),
            ("[\"https://example.com/a.gguf\"]", "[]"),
            ("\"SmolLM2-135M-Instruct.Q4_1.gguf\"", "\"../escape.gguf\""),
            ("\"SmolLM2-135M-Instruct.Q4_1.gguf\"", "\"registry.json\""),
            ("name = \"smollm2-135m\"", "name = \"has space\""),
            ("licence = \"Apache-2.0\"", "licence = \"\""),
            ("kind = \"llm\"", "kind = \"video\""),
            ("description = \"tiny LLM\"", "description = \"x\"\nmystery = 1"),
        ] {
            let broken = good.replace(from, to);
            assert_ne!(broken, good, "{from}");
            assert!(Catalog::from_toml(&broken).is_err(), "accepted: {to}");
        }
        let marked = good.replace(
            "sha256 = \"b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53\"",
            "unverified = true",
        );
        assert!(Catalog::from_toml(&marked).unwrap().entries()[0].unverified);
        let twice = format!("{good}\n{good}");
        assert!(Catalog::from_toml(&twice).is_err());
    }
}
