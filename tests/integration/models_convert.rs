//! scripts/convert_pickle.py: a plain checkpoint becomes model.safetensors
//! with the same tensors; a pickle that would run code is refused before
//! anything runs; `models fetch` converts a pickle-only model.
//!
//! Needs the project's Python with torch and safetensors (NEWSFRAME_PYTHON,
//! or the venv scripts/setup makes), so the tests are ignored unless asked
//! for (`cargo test -- --ignored`), and then fail without it.

use crate::common;
use crate::models_hub_server;

use std::path::{Path, PathBuf};
use std::process::Command;

use models_hub_server::{COMMIT, HubServer, fixture_registry, fixture_repo};
use newsframe::models::convert::convert_pickle;
use newsframe::models::{FileStatus, HubCache, HubConfig, ModelError, ModelStore, Registry};

/// What `convert_pickle` runs: the project's Python with its modules.
const CONVERTER_MODULES: &[&str] = &["torch", "safetensors", "numpy"];

fn python() -> PathBuf {
    common::require(
        common::python_with(CONVERTER_MODULES),
        &common::python_needed(CONVERTER_MODULES),
    )
}

fn run_python(python: &Path, script: &str) -> String {
    let out = Command::new(python).arg("-c").arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs Python with torch (scripts/setup)"]
fn a_plain_checkpoint_converts_with_every_tensor_equal() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let source = fixture_repo("newsframe-test/tiny-pickle").join("pytorch_model.bin");
    let target = dir.path().join("model.safetensors");
    convert_pickle(&python, &source, &target, &dir.path().join("work")).unwrap();
    let check = format!(
        "import torch\nfrom safetensors.torch import load_file\n\
         a = torch.load(r'{}', weights_only=True)\nb = load_file(r'{}')\n\
         assert sorted(a) == sorted(b), (sorted(a), sorted(b))\n\
         assert all(torch.equal(a[k], b[k]) for k in a)\nprint(len(b))",
        source.display(),
        target.display()
    );
    // Tied tensors (lm_head = shared) are both present.
    assert_eq!(run_python(&python, &check).trim(), "4");
}

#[test]
#[ignore = "needs Python with torch (scripts/setup)"]
fn a_malicious_pickle_is_refused_and_nothing_runs() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let evil = dir.path().join("pytorch_model.bin");
    // A checkpoint whose unpickling would run a shell command.
    run_python(
        &python,
        &format!(
            "import os, torch\n\
             class Evil:\n    def __reduce__(self):\n        return (os.system, ('touch {}',))\n\
             torch.save({{'weight': torch.zeros(2), 'x': Evil()}}, r'{}')",
            marker.display(),
            evil.display()
        ),
    );
    assert!(!marker.exists());
    let target = dir.path().join("model.safetensors");
    let err = convert_pickle(&python, &evil, &target, &dir.path().join("work")).unwrap_err();
    assert!(matches!(err, ModelError::Conversion { .. }), "{err}");
    assert!(err.to_string().contains("refused as unsafe"), "{err}");
    assert!(!marker.exists(), "the pickle's code ran");
    assert!(!target.exists());
    assert!(!dir.path().join("model.safetensors.tmp").exists());
}

#[test]
#[ignore = "needs Python with torch (scripts/setup)"]
fn fetch_falls_back_to_the_pickle_and_converts_it() {
    let python = python();
    let server = HubServer::start();
    let cache = tempfile::tempdir().unwrap();
    let registry = Registry::from_file(&fixture_registry()).unwrap();
    let mut store = ModelStore::new(
        registry,
        HubCache::new(cache.path()),
        HubConfig::new(server.endpoint()),
    );
    store.python = python;
    let mut lines = Vec::new();
    let report = store.fetch("tiny-pickle", &mut |l| lines.push(l)).unwrap();
    assert!(report.converted);
    assert_eq!(report.downloaded, ["pytorch_model.bin", "config.json"]);
    assert!(
        lines.iter().any(|l| l.contains("has no model.safetensors")),
        "{lines:?}"
    );
    let model = store.locate("tiny-pickle").unwrap();
    assert_eq!(
        model.weights,
        cache.path().join(format!(
            "models--newsframe-test--tiny-pickle/snapshots/{COMMIT}/model.safetensors"
        ))
    );
    let checks = store.verify("tiny-pickle").unwrap();
    let statuses: Vec<_> = checks
        .iter()
        .map(|c| (c.path.as_str(), c.status.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            // The converted file, held to the hash recorded when it was written.
            ("model.safetensors", FileStatus::MatchesRecord),
            ("pytorch_model.bin", FileStatus::Verified),
            ("config.json", FileStatus::Verified),
        ]
    );
}

#[test]
#[ignore = "needs Python with torch (scripts/setup)"]
fn import_of_a_pickle_only_folder_converts_it() {
    let python = python();
    let cache = tempfile::tempdir().unwrap();
    let registry = Registry::from_file(&fixture_registry()).unwrap();
    let mut hub = HubConfig::new("http://127.0.0.1:9");
    hub.offline = true;
    let mut store = ModelStore::new(registry, HubCache::new(cache.path()), hub);
    store.python = python;
    let source = fixture_repo("newsframe-test/tiny-pickle");
    // Recognized by its pinned hashes, without --name.
    let report = store
        .import(&source, None, &mut |l| eprintln!("{l}"))
        .unwrap();
    assert!(report.converted);
    assert_eq!(report.model.entry.as_ref().unwrap().name, "tiny-pickle");
    assert!(report.model.weights.is_file());
    assert!(
        store
            .verify("tiny-pickle")
            .unwrap()
            .iter()
            .all(|c| !c.is_failure())
    );
}
