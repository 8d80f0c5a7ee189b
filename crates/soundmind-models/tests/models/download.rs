use std::path::Path;
use std::time::{Duration, Instant};

use soundmind_engine::{CancelToken, EngineError};
use soundmind_models::{Catalog, DownloadEvent, ModelError, ModelStore};
use soundmind_testkit::servers::{FileServer, Serve};

use crate::util::{entry, files_in, http, options, plenty, random_bytes, run, sha1_hex};

const MB3: usize = 3 * 1024 * 1024;

#[test]
fn a_clean_download_reports_progress_and_verifies_sha256() {
    let bytes = random_bytes(MB3, 1);
    let server = FileServer::start();
    server.add("/m/ggml-clean.bin", bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    let model = entry("clean", vec![server.url("/m/ggml-clean.bin")], &bytes);

    let (result, events) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &plenty),
    );
    let path = result.unwrap();

    assert_eq!(path, dir.path().join("ggml-clean.bin"));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_eq!(files_in(dir.path()), ["ggml-clean.bin"], "no .part left behind");
    assert_eq!(
        events.first(),
        Some(&DownloadEvent::Started {
            url: server.url("/m/ggml-clean.bin"),
            total: Some(MB3 as u64)
        })
    );
    let progress: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            DownloadEvent::Progress { done, total } => {
                assert_eq!(*total, Some(MB3 as u64));
                Some(*done)
            }
            _ => None,
        })
        .collect();
    assert!(progress.len() >= 3, "{progress:?}");
    assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
    assert_eq!(progress.last(), Some(&(MB3 as u64)));
    let n = events.len();
    assert_eq!(events[n - 2], DownloadEvent::Verifying);
    assert_eq!(events[n - 1], DownloadEvent::Done { path: path.clone() });
    assert_eq!(server.requests_for("/m/ggml-clean.bin")[0].range, None);

    // Installed now: a second call does nothing on the network.
    let (again, _) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &plenty),
    );
    assert_eq!(again.unwrap(), path);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn sha1_only_entries_are_verified_with_sha1() {
    let bytes = random_bytes(200_000, 2);
    let server = FileServer::start();
    server.add("/sha1.bin", bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut model = entry("sha1", vec![server.url("/sha1.bin")], &bytes);
    model.sha256 = None;
    model.sha1 = Some(sha1_hex(&bytes));
    let (result, _) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(1, &plenty),
    );
    assert!(result.is_ok(), "{result:?}");

    let other = tempfile::tempdir().unwrap();
    model.sha1 = Some(sha1_hex(b"something else"));
    let (result, _) = run(
        other.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(1, &plenty),
    );
    assert!(
        matches!(result, Err(ModelError::ChecksumMismatch { ref expected, .. }) if expected.starts_with("sha1:"))
    );
}

#[test]
fn a_cut_transfer_resumes_with_a_range_request() {
    let bytes = random_bytes(MB3, 3);
    let server = FileServer::start();
    server.add("/cut.bin", bytes.clone());
    server.plan("/cut.bin", Serve::CutAfter(1_000_000));
    let dir = tempfile::tempdir().unwrap();
    let model = entry("cut", vec![server.url("/cut.bin")], &bytes);

    let (result, events) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &plenty),
    );
    let path = result.unwrap();

    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the resumed file verifies");
    let ranges: Vec<Option<String>> = server
        .requests_for("/cut.bin")
        .into_iter()
        .map(|r| r.range)
        .collect();
    assert_eq!(ranges, [None, Some("bytes=1000000-".to_string())]);
    assert!(
        events.contains(&DownloadEvent::Resumed { from: 1_000_000 }),
        "{events:?}"
    );
    assert_eq!(files_in(dir.path()), ["ggml-cut.bin"]);
}

#[test]
fn the_next_call_resumes_a_partial_file() {
    let bytes = random_bytes(MB3, 4);
    let server = FileServer::start();
    server.add("/later.bin", bytes.clone());
    server.plan("/later.bin", Serve::CutAfter(700_000));
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(
        dir.path(),
        Catalog::new(vec![entry("later", vec![server.url("/later.bin")], &bytes)]).unwrap(),
    );
    let http = http(Duration::from_secs(5));
    let no_retry = options(1, &plenty);

    let err = store
        .download("later", &http, &no_retry, &mut |_| {}, &CancelToken::new())
        .unwrap_err();
    assert!(
        matches!(err, ModelError::Http(EngineError::Unreachable { .. })),
        "{err:?}"
    );
    assert_eq!(store.status("later").unwrap().partial_bytes, Some(700_000));

    let path = store
        .download("later", &http, &no_retry, &mut |_| {}, &CancelToken::new())
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), bytes);
    assert_eq!(
        server.requests_for("/later.bin")[1].range.as_deref(),
        Some("bytes=700000-")
    );
    let status = store.status("later").unwrap();
    assert!(status.installed && status.partial_bytes.is_none());
}

#[test]
fn a_server_that_ignores_range_starts_over() {
    let bytes = random_bytes(1_000_000, 5);
    let server = FileServer::start();
    server.add("/norange.bin", bytes.clone());
    server.plan("/norange.bin", Serve::CutAfter(300_000));
    server.plan("/norange.bin", Serve::IgnoreRange);
    let dir = tempfile::tempdir().unwrap();
    let model = entry("norange", vec![server.url("/norange.bin")], &bytes);
    let (result, events) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &plenty),
    );
    assert_eq!(std::fs::read(result.unwrap()).unwrap(), bytes);
    assert!(!events.iter().any(|e| matches!(e, DownloadEvent::Resumed { .. })));
}

#[test]
fn a_corrupt_file_is_rejected_and_nothing_is_left() {
    let published = random_bytes(500_000, 6);
    let mut served = published.clone();
    served[250_000] ^= 0xff;
    let server = FileServer::start();
    server.add("/corrupt.bin", served);
    let dir = tempfile::tempdir().unwrap();
    let model = entry("corrupt", vec![server.url("/corrupt.bin")], &published);

    let (result, events) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &plenty),
    );
    match result {
        Err(ModelError::ChecksumMismatch {
            expected,
            actual,
            url,
        }) => {
            assert_eq!(expected, format!("sha256:{}", model.sha256.as_deref().unwrap()));
            assert_ne!(actual, expected);
            assert_eq!(url, server.url("/corrupt.bin"));
        }
        other => panic!("expected ChecksumMismatch, got {other:?}"),
    }
    assert!(events.contains(&DownloadEvent::Verifying));
    assert!(
        files_in(dir.path()).is_empty(),
        "left behind: {:?}",
        files_in(dir.path())
    );
    assert_eq!(
        server.requests().len(),
        1,
        "a mismatch is not retried on the same URL"
    );
}

#[test]
fn a_stalled_server_trips_the_watchdog_and_the_mirror_finishes() {
    let bytes = random_bytes(MB3, 7);
    let server = FileServer::start();
    server.add("/primary/stall.bin", bytes.clone());
    server.add("/mirror/stall.bin", bytes.clone());
    server.set_default(
        "/primary/stall.bin",
        Serve::StallAfter(500_000, Duration::from_secs(6)),
    );
    let dir = tempfile::tempdir().unwrap();
    let primary = server.url("/primary/stall.bin");
    let mirror = server.url("/mirror/stall.bin");
    let model = entry("stall", vec![primary.clone(), mirror.clone()], &bytes);

    let started = Instant::now();
    // A 1 s watchdog (30 s in production) keeps a busy test machine from looking like a stall.
    let (result, events) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(1)),
        &options(2, &plenty),
    );
    let path = result.unwrap();

    assert_eq!(std::fs::read(path).unwrap(), bytes);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "the watchdog did not fire: {:?}",
        started.elapsed()
    );
    let fallback = events
        .iter()
        .find_map(|e| match e {
            DownloadEvent::MirrorFallback { url, reason } => Some((url.clone(), reason.clone())),
            _ => None,
        })
        .expect("a mirror fallback event");
    assert_eq!(fallback.0, mirror);
    assert!(fallback.1.contains("stalled"), "{}", fallback.1);
    // Two stalled attempts on the primary (the second resumed), then the mirror continues the same partial file.
    let primary_ranges: Vec<_> = server
        .requests_for("/primary/stall.bin")
        .into_iter()
        .map(|r| r.range)
        .collect();
    assert_eq!(primary_ranges, [None, Some("bytes=500000-".to_string())]);
    let mirror_requests = server.requests_for("/mirror/stall.bin");
    assert_eq!(mirror_requests.len(), 1);
    assert_eq!(mirror_requests[0].range.as_deref(), Some("bytes=1000000-"));
}

#[test]
fn disk_space_is_checked_before_downloading() {
    let bytes = random_bytes(MB3, 8);
    let server = FileServer::start();
    server.add("/big.bin", bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    let model = entry("big", vec![server.url("/big.bin")], &bytes);
    let small_disk = |_: &Path| Ok(MB3 as u64); // the file fits, the 10 % margin does not

    let (result, events) = run(
        dir.path(),
        &model,
        &http(Duration::from_secs(5)),
        &options(3, &small_disk),
    );
    match result {
        Err(ModelError::DiskFull {
            needed, available, ..
        }) => {
            assert_eq!(needed, MB3 as u64 + MB3 as u64 / 10);
            assert_eq!(available, MB3 as u64);
        }
        other => panic!("expected DiskFull, got {other:?}"),
    }
    assert!(events.is_empty());
    assert!(
        server.requests().is_empty(),
        "nothing may be fetched before the check"
    );
    assert!(files_in(dir.path()).is_empty());

    // A catalogue size that was only an estimate is checked again against the server's Content-Length.
    let mut underestimated = model.clone();
    underestimated.size_bytes = 1_000;
    let (result, _) = run(
        dir.path(),
        &underestimated,
        &http(Duration::from_secs(5)),
        &options(3, &|_: &Path| Ok(1_000_000)),
    );
    assert!(matches!(result, Err(ModelError::DiskFull { .. })), "{result:?}");
}
