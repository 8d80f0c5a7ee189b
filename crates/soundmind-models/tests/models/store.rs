use std::path::{Path, PathBuf};

use soundmind_models::{Catalog, GGML_MAGIC, ModelError, ModelKind, ModelStore, Origin};

use crate::util::{entry, random_bytes, sha256_hex};

/// A whisper.cpp-style ggml file: the magic, then (here random) hyper-parameters and weights.
fn ggml_file(dir: &Path, name: &str) -> (PathBuf, Vec<u8>) {
    let mut bytes = GGML_MAGIC.to_le_bytes().to_vec();
    bytes.extend(random_bytes(50_000, 21));
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

/// A GGUF header (magic, version 3, no tensors, no metadata): what llama.cpp checks first.
fn gguf_file(dir: &Path, name: &str) -> PathBuf {
    let mut bytes = b"GGUF".to_vec();
    bytes.extend(3u32.to_le_bytes());
    bytes.extend(0u64.to_le_bytes());
    bytes.extend(0u64.to_le_bytes());
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The real SmolLM2 GGUF when `scripts/test-models` installed it, else a synthetic GGUF header.
fn some_gguf(dir: &Path) -> PathBuf {
    let real = soundmind_testkit::test_models_dir().join("SmolLM2-135M-Instruct.Q4_1.gguf");
    if real.exists() {
        real
    } else {
        gguf_file(dir, "SmolLM2-135M-Instruct.Q4_1.gguf")
    }
}

fn store(dir: &Path, catalog: Catalog) -> ModelStore {
    ModelStore::new(dir.join("models"), catalog)
}

#[test]
fn add_accepts_ggml_and_gguf_files_and_records_them() {
    let scratch = tempfile::tempdir().unwrap();
    let store = store(scratch.path(), Catalog::default());
    let (ggml, ggml_bytes) = ggml_file(scratch.path(), "my-whisper.bin");
    let gguf = some_gguf(scratch.path());

    let added = store.add(&ggml, None).unwrap();
    assert_eq!(added.entry.name, "my-whisper");
    assert_eq!(added.entry.kind, ModelKind::Whisper);
    assert_eq!(added.origin, Origin::Added);
    assert!(added.installed);
    assert_eq!(std::fs::read(&added.path).unwrap(), ggml_bytes);
    assert_eq!(
        added.entry.sha256.as_deref(),
        Some(sha256_hex(&ggml_bytes).as_str())
    );

    let llm = store.add(&gguf, Some("smollm2")).unwrap();
    assert_eq!(llm.entry.kind, ModelKind::Llm);
    assert_eq!(llm.path, store.dir().join("SmolLM2-135M-Instruct.Q4_1.gguf"));
    assert_eq!(
        std::fs::metadata(&llm.path).unwrap().len(),
        std::fs::metadata(&gguf).unwrap().len()
    );

    let listed: Vec<(String, bool)> = store
        .list()
        .unwrap()
        .into_iter()
        .map(|s| (s.entry.name, s.installed))
        .collect();
    assert_eq!(
        listed,
        [("my-whisper".to_string(), true), ("smollm2".to_string(), true)]
    );
    assert_eq!(store.path_of("smollm2"), Some(llm.path.clone()));

    let registry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.dir().join("registry.json")).unwrap()).unwrap();
    assert_eq!(registry["models"][1]["name"], "smollm2");
    assert_eq!(registry["models"][1]["kind"], "llm");

    // The same name twice is refused; no temporary files are left in the folder.
    assert!(matches!(
        store.add(&ggml, None),
        Err(ModelError::AlreadyInstalled { .. })
    ));
    let mut names: Vec<String> = std::fs::read_dir(store.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".registry.lock"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            "my-whisper.bin",
            "registry.json"
        ]
    );
}

#[test]
fn add_refuses_files_that_are_not_models() {
    let scratch = tempfile::tempdir().unwrap();
    let store = store(scratch.path(), Catalog::default());
    let text = scratch.path().join("notes.txt");
    std::fs::write(&text, "Dear diary, today I downloaded a model.\n").unwrap();
    let empty = scratch.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();

    for (file, why) in [(&text, "not a ggml (lmgg) or GGUF header"), (&empty, "empty")] {
        match store.add(file, None) {
            Err(ModelError::NotAModel { path, reason }) => {
                assert_eq!(&path, file);
                assert!(reason.contains(why), "{reason}");
            }
            other => panic!("{}: expected NotAModel, got {other:?}", file.display()),
        }
    }
    assert!(matches!(
        store.add(&scratch.path().join("missing.bin"), None),
        Err(ModelError::Io { .. })
    ));
    let (ggml, _) = ggml_file(scratch.path(), "ok.bin");
    assert!(matches!(
        store.add(&ggml, Some("../escape")),
        Err(ModelError::InvalidName { .. })
    ));
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn adding_under_a_catalogue_name_installs_that_entry_after_checking_it() {
    let scratch = tempfile::tempdir().unwrap();
    let (ggml, bytes) = ggml_file(scratch.path(), "downloaded-by-hand.bin");
    let mut wrong = entry(
        "wrong",
        vec!["https://example.com/ggml-wrong.bin".into()],
        b"other bytes",
    );
    wrong.size_bytes = bytes.len() as u64;
    let catalog = Catalog::new(vec![
        entry(
            "base.en",
            vec!["https://example.com/ggml-base.en.bin".into()],
            &bytes,
        ),
        wrong,
        {
            let mut llm = entry("llm", vec!["https://example.com/llm.gguf".into()], &bytes);
            llm.kind = ModelKind::Llm;
            llm.file_name = "llm.gguf".into();
            llm
        },
    ])
    .unwrap();
    let store = store(scratch.path(), catalog);

    let status = store.add(&ggml, Some("base.en")).unwrap();
    assert_eq!(status.origin, Origin::Catalog);
    assert_eq!(status.path, store.dir().join("ggml-base.en.bin"));
    assert!(store.list().unwrap()[0].installed);
    assert!(
        !store.dir().join("registry.json").exists(),
        "catalogue models need no registry record"
    );

    assert!(matches!(
        store.add(&ggml, Some("wrong")),
        Err(ModelError::ChecksumMismatch { .. })
    ));
    assert!(!store.dir().join("ggml-wrong.bin").exists());
    match store.add(&ggml, Some("llm")) {
        Err(ModelError::NotAModel { reason, .. }) => assert!(reason.contains("GGUF"), "{reason}"),
        other => panic!("expected NotAModel, got {other:?}"),
    }
}

#[test]
fn remove_deletes_the_file_and_the_registry_entry() {
    let scratch = tempfile::tempdir().unwrap();
    let (ggml, bytes) = ggml_file(scratch.path(), "keep-me.bin");
    let catalog = Catalog::new(vec![entry(
        "tiny",
        vec!["https://example.com/ggml-tiny.bin".into()],
        &bytes,
    )])
    .unwrap();
    let store = store(scratch.path(), catalog);
    assert!(matches!(
        store.remove("tiny"),
        Err(ModelError::NotInstalled { .. })
    ));

    let added = store.add(&ggml, Some("mine")).unwrap();
    store.add(&ggml, Some("tiny")).unwrap();
    std::fs::write(store.dir().join("ggml-tiny.bin.part"), b"stale").unwrap();

    assert_eq!(store.remove("mine").unwrap(), added.path);
    assert!(!added.path.exists());
    assert!(ggml.exists(), "the user's original file is never touched");
    assert!(store.path_of("mine").is_none());
    let registry = std::fs::read_to_string(store.dir().join("registry.json")).unwrap();
    assert!(!registry.contains("mine"), "{registry}");
    assert!(matches!(
        store.remove("mine"),
        Err(ModelError::NotInCatalog { .. })
    ));

    assert_eq!(store.remove("tiny").unwrap(), store.dir().join("ggml-tiny.bin"));
    assert!(
        !store.dir().join("ggml-tiny.bin.part").exists(),
        "its partial download goes too"
    );
    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].installed);
    assert!(matches!(
        store.remove("tiny"),
        Err(ModelError::NotInstalled { .. })
    ));
}
