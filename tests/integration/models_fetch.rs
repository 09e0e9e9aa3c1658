//! `models fetch` against a local stand-in for the hub: the cache layout
//! Python's huggingface_hub uses, resumed downloads, checksums, offline mode,
//! HTTP errors, and where the token goes.

use crate::common;
use crate::models_hub_server;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use models_hub_server::{
    COMMIT, HubServer, fixture_registry, fixture_repo, git_blob_id, sha256_hex,
};
use newsframe::models::{FileStatus, HubCache, HubConfig, ModelError, ModelStore, Registry};

const REPO: &str = "newsframe-test/tiny-bert";

/// Python's huggingface_hub, the other reader and writer of the cache.
fn python_with_hub() -> PathBuf {
    let modules = ["huggingface_hub"];
    common::require(
        common::python_with(&modules),
        &common::python_needed(&modules),
    )
}

fn store(server: &HubServer, cache: &Path) -> ModelStore {
    models_hub_server::fixture_store(server, cache)
}

fn quiet() -> impl FnMut(String) {
    |line| eprintln!("{line}")
}

fn fixture_bytes(file: &str) -> Vec<u8> {
    fs::read(fixture_repo(REPO).join(file)).unwrap()
}

fn leftovers(cache: &Path) -> Vec<String> {
    walkdir::WalkDir::new(cache)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".incomplete"))
        .collect()
}

#[test]
fn fresh_download_fills_the_hub_cache_layout() {
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let store = store(&server, cache.path());
    assert!(!store.is_installed("tiny-embed"));

    let report = store.fetch("tiny-embed", &mut quiet()).unwrap();
    assert_eq!(
        report.downloaded,
        ["model.safetensors", "config.json", "vocab.txt"]
    );
    let repo_dir = cache.path().join("models--newsframe-test--tiny-bert");
    let snapshot = repo_dir.join("snapshots").join(COMMIT);
    assert_eq!(report.model.dir, snapshot);
    assert_eq!(report.model.revision, COMMIT);
    assert_eq!(report.model.label(), format!("tiny-embed@{COMMIT}"));

    // Blobs are named as the hub names them: the LFS sha256, else git's blob id.
    let weights = fixture_bytes("model.safetensors");
    let config = fixture_bytes("config.json");
    assert_eq!(
        fs::read_link(snapshot.join("model.safetensors")).unwrap(),
        Path::new("../../blobs").join(sha256_hex(&weights))
    );
    assert_eq!(
        fs::read_link(snapshot.join("config.json")).unwrap(),
        Path::new("../../blobs").join(git_blob_id(&config))
    );
    assert_eq!(
        fs::read(snapshot.join("model.safetensors")).unwrap(),
        weights
    );
    assert!(leftovers(cache.path()).is_empty());

    let located = store.locate("tiny-embed").unwrap();
    assert_eq!(located.weights, snapshot.join("model.safetensors"));
    let checks = store.verify("tiny-embed").unwrap();
    assert!(
        checks.iter().all(|c| c.status == FileStatus::Verified),
        "{checks:?}"
    );

    // A second fetch downloads nothing.
    let before = server.requests().len();
    let again = store.fetch("tiny-embed", &mut quiet()).unwrap();
    assert!(again.downloaded.is_empty());
    assert_eq!(server.requests().len(), before);
}

#[test]
#[ignore = "needs Python with huggingface_hub (NEWSFRAME_FIXTURE_DEPS=1 scripts/setup)"]
fn python_huggingface_hub_finds_what_fetch_wrote() {
    let python = python_with_hub();
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    store(&server, cache.path())
        .fetch("tiny-embed", &mut quiet())
        .unwrap();
    let script = format!(
        "from huggingface_hub import try_to_load_from_cache as f\n\
         for name in ['config.json', 'vocab.txt', 'model.safetensors']:\n    \
         print(f('{REPO}', name, cache_dir=r'{}', revision='{COMMIT}'))",
        cache.path().display()
    );
    let out = Command::new(&python)
        .arg("-c")
        .arg(&script)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let snapshot = cache.path().join(format!(
        "models--newsframe-test--tiny-bert/snapshots/{COMMIT}"
    ));
    for name in ["config.json", "vocab.txt", "model.safetensors"] {
        assert!(
            stdout.contains(&snapshot.join(name).display().to_string()),
            "{name}: {stdout}"
        );
    }
}

#[test]
fn a_cut_connection_resumes_with_range() {
    let server = HubServer::start();
    server.knobs.lock().unwrap().cut = Some(("model.safetensors".into(), 1));
    let cache = tempfile::tempdir().unwrap();
    let store = store(&server, cache.path());
    store.fetch("tiny-embed", &mut quiet()).unwrap();

    let weights = fixture_bytes("model.safetensors");
    let gets: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("model.safetensors"))
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(gets[0].headers.get("range"), None);
    assert_eq!(
        gets[1].headers.get("range"),
        Some(&format!("bytes={}-", weights.len() / 2))
    );
    let model = store.locate("tiny-embed").unwrap();
    assert_eq!(fs::read(&model.weights).unwrap(), weights);
}

#[test]
fn a_partial_file_from_an_earlier_run_is_resumed() {
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let store = store(&server, cache.path());
    let weights = fixture_bytes("model.safetensors");
    let partial = HubCache::new(cache.path()).incomplete_path(REPO, &sha256_hex(&weights));
    fs::create_dir_all(partial.parent().unwrap()).unwrap();
    fs::write(&partial, &weights[..1000]).unwrap();

    store.fetch("tiny-embed", &mut quiet()).unwrap();
    let get = server
        .requests()
        .into_iter()
        .find(|r| r.method == "GET" && r.path.ends_with("model.safetensors"))
        .unwrap();
    assert_eq!(
        get.headers.get("range").map(String::as_str),
        Some("bytes=1000-")
    );
    assert_eq!(
        fs::read(store.locate("tiny-embed").unwrap().weights).unwrap(),
        weights
    );
}

#[test]
fn a_checksum_mismatch_installs_nothing() {
    let server = HubServer::start();
    let mut corrupted = fixture_bytes("config.json");
    corrupted[0] ^= 0x20;
    server.knobs.lock().unwrap().corrupt = Some(("config.json".into(), corrupted));
    let cache = tempfile::tempdir().unwrap();
    let store = store(&server, cache.path());

    let err = store.fetch("tiny-embed", &mut quiet()).unwrap_err();
    assert!(matches!(err, ModelError::ChecksumMismatch { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("config.json") && message.contains("nothing was installed"),
        "{message}"
    );
    let snapshot = cache.path().join(format!(
        "models--newsframe-test--tiny-bert/snapshots/{COMMIT}"
    ));
    assert!(!snapshot.join("config.json").exists());
    assert!(leftovers(cache.path()).is_empty());
    assert!(!store.is_installed("tiny-embed"));
}

#[test]
fn unverified_files_are_checked_against_the_hubs_ids_and_recorded() {
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let store = store(&server, cache.path());
    let mut lines = Vec::new();
    store
        .fetch("tiny-unverified", &mut |l| lines.push(l))
        .unwrap();
    let weights_sha = sha256_hex(&fixture_bytes("model.safetensors"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("recorded on first use") && l.contains(&weights_sha)),
        "{lines:?}"
    );
    let checks = store.verify("tiny-unverified").unwrap();
    assert!(
        checks.iter().all(|c| c.status == FileStatus::MatchesRecord),
        "{checks:?}"
    );

    // A blob altered later is caught by verify.
    let blob = cache.path().join(format!(
        "models--newsframe-test--tiny-bert/blobs/{weights_sha}"
    ));
    let mut bytes = fs::read(&blob).unwrap();
    bytes[100] ^= 1;
    fs::write(&blob, bytes).unwrap();
    let checks = store.verify("tiny-unverified").unwrap();
    assert!(
        matches!(checks[0].status, FileStatus::Mismatch { .. }),
        "{checks:?}"
    );

    // The hub's LFS id catches a corrupted body even without a registry hash.
    let server = HubServer::start();
    let mut corrupted = fixture_bytes("model.safetensors");
    corrupted[10] ^= 1;
    server.knobs.lock().unwrap().corrupt = Some(("model.safetensors".into(), corrupted));
    let cache = tempfile::tempdir().unwrap();
    let err = store_for(&server, cache.path())
        .fetch("tiny-unverified", &mut quiet())
        .unwrap_err();
    assert!(matches!(err, ModelError::ChecksumMismatch { .. }), "{err}");
}

fn store_for(server: &HubServer, cache: &Path) -> ModelStore {
    store(server, cache)
}

#[test]
fn offline_mode_uses_no_network_and_says_what_is_missing() {
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let mut offline = store(&server, cache.path());
    offline.hub.offline = true;
    let err = offline.fetch("tiny-embed", &mut quiet()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ModelError::Offline { .. }), "{message}");
    assert!(
        message.contains("HF_HUB_OFFLINE") && message.contains("model.safetensors"),
        "{message}"
    );
    assert!(server.requests().is_empty());

    // Once installed, offline is fine.
    store(&server, cache.path())
        .fetch("tiny-embed", &mut quiet())
        .unwrap();
    let count = server.requests().len();
    offline.fetch("tiny-embed", &mut quiet()).unwrap();
    assert!(offline.locate("tiny-embed").is_ok());
    assert_eq!(server.requests().len(), count);
}

#[test]
fn a_missing_file_names_repo_file_and_revision() {
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let mut store = store(&server, cache.path());
    store.registry.entries[0].files[1].path = "no-such-file.txt".into();
    let err = store.fetch("tiny-embed", &mut quiet()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ModelError::NotFound { .. }), "{message}");
    for part in ["no-such-file.txt", REPO, COMMIT, "404"] {
        assert!(message.contains(part), "{part} not in {message}");
    }
}

#[test]
fn a_refused_repo_gives_the_token_hint() {
    let server = HubServer::start();
    server.knobs.lock().unwrap().private_repo = Some((REPO.into(), "hf_right".into()));
    let cache = tempfile::tempdir().unwrap();
    let mut store = store(&server, cache.path());
    let err = store.fetch("tiny-embed", &mut quiet()).unwrap_err();
    assert!(
        matches!(err, ModelError::AccessDenied { status: 401, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("set HF_TOKEN"), "{err}");

    store.hub.token = Some("hf_wrong".into());
    let err = store.fetch("tiny-embed", &mut quiet()).unwrap_err();
    assert!(err.to_string().contains("HF_TOKEN was refused"), "{err}");
    assert!(!err.to_string().contains("hf_wrong"));

    store.hub.token = Some("hf_right".into());
    store.fetch("tiny-embed", &mut quiet()).unwrap();
}

#[test]
fn the_token_goes_to_the_endpoint_only() {
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let mut store = store(&server, cache.path());
    store.hub.token = Some("hf_test_token_0123".into());
    store.fetch("tiny-embed", &mut quiet()).unwrap();
    let requests = server.requests();
    let bearer = Some("Bearer hf_test_token_0123".to_string());
    let (hub, cdn): (Vec<_>, Vec<_>) = requests.iter().partition(|r| r.host == "127.0.0.1");
    assert!(!cdn.is_empty(), "weights came through the redirect");
    assert!(
        hub.iter()
            .all(|r| r.headers.get("authorization") == bearer.as_ref()),
        "{hub:?}"
    );
    assert!(
        cdn.iter().all(|r| !r.headers.contains_key("authorization")),
        "{cdn:?}"
    );
}

/// The real binary, with the token in its environment: never in its output.
#[test]
fn the_binary_never_prints_the_token() {
    let token = "hf_NeverPrintMe_5cret";
    let server = HubServer::start();
    server.knobs.lock().unwrap().private_repo = Some((REPO.into(), "hf_other".into()));
    let cache = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = common::newsframe()
            .args(args)
            .env("HF_ENDPOINT", server.endpoint())
            .env("HF_HUB_CACHE", cache.path())
            .env("HF_TOKEN", token)
            .env("NEWSFRAME_REGISTRY", fixture_registry())
            .env_remove("HF_HUB_OFFLINE")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(token), "token printed: {text}");
        assert!(!text.contains("NeverPrintMe"), "token printed: {text}");
        (out.status.code(), text)
    };
    let (code, text) = run(&["models", "fetch", "tiny-embed"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("HF_TOKEN was refused"), "{text}");

    server.knobs.lock().unwrap().private_repo = None;
    let (code, text) = run(&["models", "fetch", "tiny-embed", "tiny-unverified"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run(&["models", "list"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("tiny-embed") && l.trim_end().ends_with("yes")),
        "{text}"
    );
    let (code, text) = run(&["models", "verify"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run(&["models", "path", "tiny-embed"]);
    assert_eq!(code, Some(0));
    assert!(text.trim().ends_with(COMMIT), "{text}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_says_space_is_needed() {
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let store = store(&server, cache.path());
    let weights = fixture_bytes("model.safetensors");
    let partial = HubCache::new(cache.path()).incomplete_path(REPO, &sha256_hex(&weights));
    fs::create_dir_all(partial.parent().unwrap()).unwrap();
    // Writes to /dev/full fail with ENOSPC, as on a full disk.
    std::os::unix::fs::symlink("/dev/full", &partial).unwrap();
    let err = store.fetch("tiny-embed", &mut quiet()).unwrap_err();
    assert!(matches!(err, ModelError::DiskFull { .. }), "{err}");
    assert!(err.to_string().contains("free at least 8.4 kB"), "{err}");
}

#[test]
#[ignore = "needs Python with huggingface_hub (NEWSFRAME_FIXTURE_DEPS=1 scripts/setup)"]
fn what_python_huggingface_hub_downloaded_is_reused() {
    let python = python_with_hub();
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let script = format!(
        "from huggingface_hub import hf_hub_download\n\
         for name in ['config.json', 'vocab.txt', 'model.safetensors']:\n    \
         print(hf_hub_download('{REPO}', name, revision='{COMMIT}', cache_dir=r'{}'))",
        cache.path().display()
    );
    let out = Command::new(&python)
        .arg("-c")
        .arg(&script)
        .env("HF_ENDPOINT", server.endpoint())
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_TOKEN")
        .env("HF_HUB_DISABLE_TELEMETRY", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let before = server.requests().len();
    let store = store(&server, cache.path());
    let model = store.locate("tiny-embed").unwrap();
    assert_eq!(
        fs::read(&model.weights).unwrap(),
        fixture_bytes("model.safetensors")
    );
    let report = store.fetch("tiny-embed", &mut quiet()).unwrap();
    assert!(report.downloaded.is_empty(), "{:?}", report.downloaded);
    assert_eq!(server.requests().len(), before);
    let checks = store.verify("tiny-embed").unwrap();
    assert!(
        checks.iter().all(|c| c.status == FileStatus::Verified),
        "{checks:?}"
    );
}

#[test]
fn an_unreachable_hub_says_so_and_points_to_import() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cache = tempfile::tempdir().unwrap();
    let registry = Registry::from_file(&fixture_registry()).unwrap();
    let store = ModelStore::new(
        registry,
        HubCache::new(cache.path()),
        HubConfig::new(format!("http://127.0.0.1:{port}")),
    );
    let err = store.fetch("tiny-embed", &mut quiet()).unwrap_err();
    assert!(matches!(err, ModelError::Network { .. }), "{err}");
    assert!(err.to_string().contains("models import"), "{err}");
}
