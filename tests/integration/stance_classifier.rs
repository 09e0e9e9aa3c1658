//! The target-sentiment classifier: parity with transformers on a tiny
//! DeBERTa-v2 fixture whose labels are in a non-standard order, overlay
//! directories (merge, base check), and `--stance-model` end to end.
#![cfg(feature = "transformer")]

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::Isolated;
use newsframe::transformer::classifier::{ClassifierConfig, SequenceClassifier};
use newsframe::transformer::overlay::{self, OverlayManifest};
use newsframe::transformer::{Precision, RuntimeConfig};
use serde_json::Value;
use tch::{Kind, Tensor};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FIXTURE: &str = "tests/fixtures/models/stance-deberta-tiny";

fn fixture() -> PathBuf {
    Path::new(ROOT).join(FIXTURE)
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture().join("reference.json")).unwrap())
        .unwrap()
}

fn pairs(reference: &Value) -> Vec<(String, String)> {
    reference["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["sentence"].as_str().unwrap().to_string(),
                p["target"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn load(dir: &Path, batch_size: usize) -> SequenceClassifier {
    RuntimeConfig {
        threads: Some(1),
        ..Default::default()
    }
    .apply();
    let max_length = reference()["max_length"].as_u64().unwrap() as usize;
    let config = ClassifierConfig {
        max_length,
        batch_size,
        ..ClassifierConfig::default()
    };
    SequenceClassifier::load(dir, "stance-tiny@test", config).unwrap()
}

/// Largest difference from transformers' probabilities, by label name.
fn max_diff_from_reference(classifier: &SequenceClassifier) -> f64 {
    let reference = reference();
    let pairs = pairs(&reference);
    let texts: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(s, t)| (s.as_str(), t.as_str()))
        .collect();
    let probs = classifier.classify(&texts).unwrap();
    let mut diff: f64 = 0.0;
    for (got, want) in probs.iter().zip(reference["probs"].as_array().unwrap()) {
        diff = diff.max((got.positive - want["positive"].as_f64().unwrap()).abs());
        diff = diff.max((got.neutral - want["neutral"].as_f64().unwrap()).abs());
        diff = diff.max((got.negative - want["negative"].as_f64().unwrap()).abs());
        assert!((got.positive + got.neutral + got.negative - 1.0).abs() < 1e-9);
    }
    diff
}

#[test]
fn classifier_matches_transformers_with_labels_read_by_name() {
    let reference = reference();
    let classifier = load(&fixture(), 4);
    // id2label is 0 positive, 1 negative, 2 neutral.
    let labels = classifier.labels();
    assert_eq!(
        (labels.positive, labels.negative, labels.neutral),
        (0, 1, 2)
    );
    let pairs = pairs(&reference);
    let texts: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(s, t)| (s.as_str(), t.as_str()))
        .collect();
    let encoded = classifier.tokenizer().encode_pairs_typed(&texts).unwrap();
    for (i, row) in encoded.iter().enumerate() {
        let want: Vec<i64> = reference["input_ids"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(row.ids, want, "token ids of pair {i}");
        assert_eq!(row.ids.len(), row.type_ids.len());
    }
    // The long pair keeps its whole target: only the sentence was cut.
    let last = encoded.last().unwrap();
    assert_eq!(last.ids.len(), 40);
    let rows: Vec<_> = encoded.iter().collect();
    let logits = classifier.logits(&rows).unwrap();
    let want = Tensor::from_slice(
        &reference["logits"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
            .collect::<Vec<f64>>(),
    )
    .view([rows.len() as i64, 3]);
    let logit_diff = (logits.to_kind(Kind::Double) - want)
        .abs()
        .max()
        .double_value(&[]);
    assert!(logit_diff < 1e-4, "logits differ by {logit_diff}");
    let diff = max_diff_from_reference(&classifier);
    eprintln!("stance-deberta-tiny: max |probability diff| = {diff:.2e}");
    assert!(diff < 1e-4, "probabilities differ by {diff}");
}

#[test]
fn batch_size_does_not_change_results() {
    let reference = reference();
    let pairs = pairs(&reference);
    let texts: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(s, t)| (s.as_str(), t.as_str()))
        .collect();
    let one = load(&fixture(), 1).classify(&texts).unwrap();
    let all = load(&fixture(), 64).classify(&texts).unwrap();
    for (a, b) in one.iter().zip(&all) {
        assert!((a.positive - b.positive).abs() < 1e-6, "{a:?} vs {b:?}");
        assert!((a.negative - b.negative).abs() < 1e-6, "{a:?} vs {b:?}");
    }
}

#[test]
fn bf16_stays_near_float32() {
    RuntimeConfig {
        threads: Some(1),
        ..Default::default()
    }
    .apply();
    let config = ClassifierConfig {
        max_length: reference()["max_length"].as_u64().unwrap() as usize,
        precision: Precision::Bf16,
        ..ClassifierConfig::default()
    };
    let classifier = SequenceClassifier::load(&fixture(), "stance-tiny@test+bf16", config).unwrap();
    let diff = max_diff_from_reference(&classifier);
    eprintln!("stance-deberta-tiny (bf16): max |probability diff| = {diff:.2e}");
    assert!(diff < 0.03, "bf16 probabilities differ by {diff}");
}

/// A copy of the fixture with `config.json` changed by `edit`.
fn edited_fixture(edit: impl FnOnce(&mut Value)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let path = dir.path().join("config.json");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut config);
    std::fs::write(&path, config.to_string()).unwrap();
    dir
}

#[test]
fn a_model_without_the_three_stance_labels_is_refused() {
    let nli_labels = edited_fixture(|c| {
        c["id2label"] =
            serde_json::json!({"0": "entailment", "1": "neutral", "2": "contradiction"});
    });
    let err = SequenceClassifier::load(nli_labels.path(), "x", ClassifierConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no label named \"negative\""), "{err}");
    assert!(err.contains("config.json"), "{err}");

    let bert = edited_fixture(|c| c["model_type"] = "t5".into());
    let err = SequenceClassifier::load(bert.path(), "x", ClassifierConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("supported: deberta-v2"), "{err}");
}

/// The fixture split as a shipped overlay would be: a base file with the
/// encoder's tensors under their base names (no `deberta.` prefix), and an
/// overlay directory with the head (and `extra`) tensors.
struct SplitFixture {
    base: tempfile::TempDir,
    overlay: tempfile::TempDir,
}

fn split_fixture(extra: &[(&str, Tensor)], base_sha256: Option<&str>) -> SplitFixture {
    let tensors = Tensor::read_safetensors(fixture().join("model.safetensors")).unwrap();
    let (encoder, head): (Vec<_>, Vec<_>) = tensors
        .into_iter()
        .partition(|(name, _)| name.starts_with("deberta."));
    let base = tempfile::tempdir().unwrap();
    let base_tensors: Vec<(String, Tensor)> = encoder
        .into_iter()
        .map(|(name, t)| (name["deberta.".len()..].to_string(), t))
        .collect();
    Tensor::write_safetensors(&base_tensors, base.path().join("model.safetensors")).unwrap();
    let overlay = tempfile::tempdir().unwrap();
    let mut overlay_tensors: Vec<(String, Tensor)> = head;
    overlay_tensors.extend(
        extra
            .iter()
            .map(|(n, t)| (n.to_string(), t.shallow_clone())),
    );
    Tensor::write_safetensors(&overlay_tensors, overlay.path().join("overlay.safetensors"))
        .unwrap();
    for file in ["config.json", "tokenizer.json"] {
        std::fs::copy(fixture().join(file), overlay.path().join(file)).unwrap();
    }
    let sha = match base_sha256 {
        Some(sha) => sha.to_string(),
        None => overlay::sha256_of(&base.path().join("model.safetensors")).unwrap(),
    };
    let manifest = serde_json::json!({
        "base_model": "deberta-base-tiny",
        "base_sha256": {"model.safetensors": sha},
        "base_prefix": "deberta.",
        "weights": "overlay.safetensors",
    });
    std::fs::write(
        overlay.path().join(overlay::OVERLAY_MANIFEST),
        manifest.to_string(),
    )
    .unwrap();
    SplitFixture { base, overlay }
}

#[test]
fn an_overlay_over_its_base_is_the_full_model() {
    let split = split_fixture(&[], None);
    assert!(overlay::is_overlay(split.overlay.path()));
    let manifest = OverlayManifest::read(split.overlay.path()).unwrap();
    let merged = overlay::materialize(split.overlay.path(), &manifest, split.base.path()).unwrap();
    assert_eq!(
        merged.overlay_sha256,
        overlay::sha256_of(&split.overlay.path().join("overlay.safetensors")).unwrap()
    );
    let classifier = load(merged.path(), 4);
    drop(merged);
    // The merged directory is gone; the loaded model still runs.
    let diff = max_diff_from_reference(&classifier);
    assert!(
        diff < 1e-4,
        "overlay model differs from the full one by {diff}"
    );
}

#[test]
fn overlay_tensors_replace_the_base_ones_and_half_precision_is_read() {
    let replaced = "deberta.encoder.layer.1.output.dense.weight";
    let zeros = Tensor::zeros([32, 48], (Kind::Half, tch::Device::Cpu));
    let split = split_fixture(&[(replaced, zeros)], None);
    let manifest = OverlayManifest::read(split.overlay.path()).unwrap();
    let merged = overlay::materialize(split.overlay.path(), &manifest, split.base.path()).unwrap();
    let tensors: BTreeMap<String, Tensor> =
        Tensor::read_safetensors(merged.path().join("model.safetensors"))
            .unwrap()
            .into_iter()
            .collect();
    let weight = &tensors[replaced];
    assert_eq!(weight.kind(), Kind::Float);
    assert_eq!(weight.abs().sum(Kind::Double).double_value(&[]), 0.0);
    // Base tensors keep their values under the prefixed name.
    let base: BTreeMap<String, Tensor> =
        Tensor::read_safetensors(split.base.path().join("model.safetensors"))
            .unwrap()
            .into_iter()
            .collect();
    let original = &base["encoder.layer.1.output.dense.weight"];
    assert!(original.abs().sum(Kind::Double).double_value(&[]) > 0.0);
    assert!(
        tensors["deberta.encoder.layer.0.output.dense.weight"]
            .equal(&base["encoder.layer.0.output.dense.weight"])
    );
    // And the model computes something else than the unchanged one.
    let classifier = load(merged.path(), 4);
    assert!(max_diff_from_reference(&classifier) > 1e-3);
}

#[test]
fn an_int8_delta_is_added_to_the_base_matrix_row_by_row() {
    let name = "deberta.encoder.layer.1.output.dense.weight";
    // Row r changes by (r + 1) × 0.5 × q, with q = 2 everywhere.
    let q = Tensor::full([32, 48], 2, (Kind::Int8, tch::Device::Cpu));
    let scale = (Tensor::arange(32, (Kind::Float, tch::Device::Cpu)) + 1.0) * 0.5;
    let split = split_fixture(
        &[
            (&format!("{name}.{}", overlay::DELTA_INT8), q),
            (
                &format!("{name}.{}", overlay::DELTA_SCALE),
                scale.shallow_clone(),
            ),
        ],
        None,
    );
    let manifest = OverlayManifest::read(split.overlay.path()).unwrap();
    let merged = overlay::materialize(split.overlay.path(), &manifest, split.base.path()).unwrap();
    let tensors: BTreeMap<String, Tensor> =
        Tensor::read_safetensors(merged.path().join("model.safetensors"))
            .unwrap()
            .into_iter()
            .collect();
    assert!(!tensors.keys().any(|n| n.contains("delta")));
    let base: BTreeMap<String, Tensor> =
        Tensor::read_safetensors(split.base.path().join("model.safetensors"))
            .unwrap()
            .into_iter()
            .collect();
    let change = &tensors[name] - &base["encoder.layer.1.output.dense.weight"];
    let want = (scale * 2.0).unsqueeze(1).expand([32, 48], false);
    assert!(change.allclose(&want, 1e-5, 1e-6, false));
}

#[test]
fn an_int8_delta_without_its_scale_or_of_another_shape_is_refused() {
    let name = "deberta.encoder.layer.1.output.dense.weight";
    let cases = [
        vec![(
            format!("{name}.{}", overlay::DELTA_INT8),
            Tensor::zeros([32, 48], (Kind::Int8, tch::Device::Cpu)),
        )],
        vec![
            (
                format!("{name}.{}", overlay::DELTA_INT8),
                Tensor::zeros([48, 32], (Kind::Int8, tch::Device::Cpu)),
            ),
            (
                format!("{name}.{}", overlay::DELTA_SCALE),
                Tensor::ones([48], (Kind::Float, tch::Device::Cpu)),
            ),
        ],
        vec![(
            format!("{name}.{}", overlay::DELTA_SCALE),
            Tensor::ones([32], (Kind::Float, tch::Device::Cpu)),
        )],
    ];
    for extra in cases {
        let refs: Vec<(&str, Tensor)> = extra
            .iter()
            .map(|(n, t)| (n.as_str(), t.shallow_clone()))
            .collect();
        let split = split_fixture(&refs, None);
        let manifest = OverlayManifest::read(split.overlay.path()).unwrap();
        let err = overlay::materialize(split.overlay.path(), &manifest, split.base.path())
            .err()
            .expect("refused")
            .to_string();
        assert!(
            err.contains(name) && err.contains("overlay.safetensors"),
            "{err}"
        );
    }
}

#[test]
fn an_overlay_over_another_base_file_is_refused_with_what_to_install() {
    let split = split_fixture(&[], Some(&"0".repeat(64)));
    let manifest = OverlayManifest::read(split.overlay.path()).unwrap();
    let err = overlay::materialize(split.overlay.path(), &manifest, split.base.path())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("newsframe models fetch deberta-base-tiny"),
        "{err}"
    );
    assert!(err.contains(&"0".repeat(64)), "{err}");
}

/// The binary in the repository root with an empty hub cache, offline, and
/// the built-in registry.
fn hermetic() -> Isolated<Command> {
    let mut cmd = common::newsframe();
    cmd.current_dir(ROOT);
    cmd
}

/// `newsframe stance` over the samples with `extra` arguments, in an empty
/// hub cache (only what is given by path can be used) unless `env` sets
/// another cache or registry.
fn stance(extra: &[&str], env: &[(&str, &Path)]) -> std::process::Output {
    let mut cmd = hermetic();
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.args([
        "stance",
        "data/samples",
        "--actors",
        "data/actors/venezuela.toml",
    ])
    .args(extra)
    .output()
    .unwrap()
}

/// The records of a successful `stance --stance-model MODEL` run.
fn stance_records(model: &str, env: &[(&str, &Path)]) -> Vec<Value> {
    let output = stance(
        &[
            "--stance-model",
            model,
            "--format",
            "jsonl",
            "--threads",
            "1",
        ],
        env,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Exit status and standard error of a run that must fail.
fn stance_error(extra: &[&str]) -> (Option<i32>, String) {
    let output = stance(extra, &[]);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn stance_with_a_classifier_directory_writes_records_naming_it() {
    let records = stance_records(FIXTURE, &[]);
    assert!(records.len() >= 5, "{} records", records.len());
    let mut judged = 0;
    for record in &records {
        let stance = record["engine"]["stance"].as_str().unwrap();
        assert!(stance.ends_with("stance-deberta-tiny"), "{stance}");
        assert!(record.get("summary").is_none());
        for actor in record["actors"].as_array().unwrap() {
            if actor["mentions"] == 0 {
                continue;
            }
            judged += 1;
            let probs = &actor["probs"];
            let sum: f64 = ["positive", "neutral", "negative"]
                .iter()
                .map(|k| probs[k].as_f64().unwrap())
                .sum();
            assert!((sum - 1.0).abs() < 1e-4, "{probs}");
            assert!(!actor["evidence"].as_array().unwrap().is_empty());
        }
    }
    assert!(judged > 0);
}

#[test]
fn stance_model_errors_are_usage_errors_that_say_what_to_do() {
    let (code, stderr) = stance_error(&["--engine", "builtin", "--stance-model", FIXTURE]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--engine builtin"), "{stderr}");

    let (code, stderr) = stance_error(&["--stance-model", "no-such-stance-model"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("unknown stance model \"no-such-stance-model\"")
            && stderr.contains("newsmtsc-minilm-l6"),
        "{stderr}"
    );

    // The bundled model needs its base from the registry, which an empty
    // cache lacks (or, in a tree without the overlay, the overlay itself).
    let (code, stderr) = stance_error(&["--stance-model", "newsmtsc-minilm-l6"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("newsframe models fetch minilm-l6")
            || stderr.contains("is not at models/stance/newsmtsc-minilm-l6"),
        "{stderr}"
    );
}

#[test]
fn an_overlay_directory_runs_over_its_installed_registry_base() {
    let split = split_fixture(&[], None);
    // The base installed in a hub cache as a registry model.
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let cache = tempfile::tempdir().unwrap();
    let snapshot = cache
        .path()
        .join("models--test--deberta-base-tiny/snapshots")
        .join(commit);
    std::fs::create_dir_all(&snapshot).unwrap();
    std::fs::copy(
        split.base.path().join("model.safetensors"),
        snapshot.join("model.safetensors"),
    )
    .unwrap();
    std::fs::copy(fixture().join("config.json"), snapshot.join("config.json")).unwrap();
    let registry = cache.path().join("registry.toml");
    std::fs::write(
        &registry,
        format!(
            r#"schema_version = 1
[[model]]
name = "deberta-base-tiny"
task = "embed"
architecture = "deberta-v2"
repo = "test/deberta-base-tiny"
revision = "{commit}"
license = "mit"
languages = ["en"]
max_input_tokens = 128
weights = [{{ path = "model.safetensors", sha256 = "unverified" }}]
files = [{{ path = "config.json", sha256 = "unverified" }}]
"#
        ),
    )
    .unwrap();
    let env = [
        ("NEWSFRAME_REGISTRY", registry.as_path()),
        ("HF_HUB_CACHE", cache.path()),
    ];
    let overlay_dir = split.overlay.path().to_str().unwrap();
    let from_overlay = stance_records(overlay_dir, &env);
    let full = stance_records(FIXTURE, &[]);
    let overlay_sha =
        overlay::sha256_of(&split.overlay.path().join("overlay.safetensors")).unwrap();
    let dir_name = split.overlay.path().file_name().unwrap().to_str().unwrap();
    let expected = format!(
        "{dir_name}@overlay-{}+deberta-base-tiny@{commit}",
        &overlay_sha[..12]
    );
    assert_eq!(from_overlay.len(), full.len());
    for (a, b) in from_overlay.iter().zip(&full) {
        assert_eq!(a["engine"]["stance"], expected.as_str());
        // The same effective weights: the same stances.
        assert_eq!(a["actors"], b["actors"]);
    }
}

#[test]
fn eval_stance_takes_the_stance_model_and_names_it() {
    let output = hermetic()
        .args(["eval", "stance", "data/eval/articles.jsonl"])
        .args([
            "--actors",
            "data/actors/venezuela.toml",
            "--stance-model",
            FIXTURE,
        ])
        .args(["--threads", "1", "--bootstrap", "0", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let engines = report["predictions"]["engines"].as_array().unwrap();
    assert_eq!(engines.len(), 1, "{engines:?}");
    assert!(
        engines[0]
            .as_str()
            .unwrap()
            .ends_with("stance-deberta-tiny"),
        "{engines:?}"
    );
}

#[test]
fn analyze_under_auto_runs_the_named_stance_model_with_builtin_summaries() {
    let output = hermetic()
        .args(["analyze", "data/samples/caracas-observer"])
        .args([
            "--actors",
            "data/actors/venezuela.toml",
            "--stance-model",
            FIXTURE,
        ])
        .args(["--threads", "1", "--format", "jsonl"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    assert!(
        stderr.contains("builtin (extractive) summaries"),
        "{stderr}"
    );
    let first: Value = serde_json::from_str(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(
        first["engine"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("builtin")
    );
    assert!(
        first["engine"]["stance"]
            .as_str()
            .unwrap()
            .ends_with("stance-deberta-tiny")
    );
}
