//! `newsframe train stance` on the tiny BERT classifier fixture
//! (tests/fixtures/models/bert-stance-tiny, made by
//! scripts/make_model_fixtures.py): the classifier matches transformers'
//! BertForSequenceClassification; a few seconds of training lower the loss
//! and write a directory that the engine's `SequenceClassifier` and Python
//! transformers load with the logits training ended with (an overlay too,
//! merged over its base); a resumed run equals an uninterrupted one; bad data
//! fails naming its file and line.
#![cfg(feature = "transformer")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use newsframe::eval::datasets::{DatasetFormat, LoadConfig};
use newsframe::train::optim::AdamWConfig;
use newsframe::train::{BaseModel, TrainConfig, TrainError, TrainReport, Trainable, train_stance};
use newsframe::transformer::bert::{BertClassifier, BertConfig, HeadInit};
use newsframe::transformer::classifier::{ClassifierConfig, SequenceClassifier};
use newsframe::transformer::model_dir::ModelDir;
use newsframe::transformer::overlay::{OverlayManifest, materialize};
use newsframe::transformer::tokenize::TextTokenizer;
use newsframe::transformer::weights::SafetensorsFile;
use newsframe::transformer::{Precision, RuntimeConfig};
use serde_json::{Value, json};
use tch::Tensor;

/// libtorch's random generator (dropout, the head's initialization) is one
/// per process: tests that train take turns so each run sees only its seed.
static TRAINING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    TRAINING.lock().unwrap_or_else(|e| e.into_inner())
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/bert-stance-tiny")
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture().join("reference.json")).unwrap())
        .unwrap()
}

fn load_classifier(dir: &Path) -> BertClassifier {
    let model = ModelDir::open(dir).unwrap();
    let config: BertConfig = model.parse_config().unwrap();
    let weights = SafetensorsFile::open(&model.safetensors_path().unwrap()).unwrap();
    BertClassifier::load(&weights, &config, Precision::F32, HeadInit::Checkpoint).unwrap()
}

/// Logits of (text, target) pairs, one pair at a time (no padding).
fn logits(
    net: &BertClassifier,
    dir: &Path,
    pairs: &[(String, String)],
    max_length: usize,
) -> Vec<Vec<f32>> {
    let tokenizer = TextTokenizer::load(&ModelDir::open(dir).unwrap(), max_length).unwrap();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let encoded = tokenizer.encode_pairs(&refs).unwrap();
    encoded
        .iter()
        .map(|ids| {
            let sep = *ids.last().unwrap();
            let first = ids.iter().position(|&t| t == sep).unwrap();
            let types: Vec<i64> = (0..ids.len()).map(|i| i64::from(i > first)).collect();
            let n = ids.len() as i64;
            let out = net.logits(
                &Tensor::from_slice(ids).view([1, n]),
                &Tensor::ones([1, n], (tch::Kind::Int64, tch::Device::Cpu)),
                Some(&Tensor::from_slice(&types).view([1, n])),
            );
            Vec::<f32>::try_from(&out.view([-1])).unwrap()
        })
        .collect()
}

fn assert_close(got: &[Vec<f32>], want: &[Vec<f32>], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        for (a, b) in g.iter().zip(w) {
            assert!((a - b).abs() <= tol, "{what}: {g:?} vs {w:?}");
        }
    }
}

#[test]
fn bert_classifier_matches_transformers() {
    let reference = reference();
    let net = load_classifier(&fixture());
    let pairs: Vec<(String, String)> = reference["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["text"].as_str().unwrap().into(),
                p["target"].as_str().unwrap().into(),
            )
        })
        .collect();
    // Token ids and types as transformers' tokenizer gives them.
    let tokenizer = TextTokenizer::load(&ModelDir::open(&fixture()).unwrap(), 24).unwrap();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let ids = tokenizer.encode_pairs(&refs).unwrap();
    let want_ids: Vec<Vec<i64>> = serde_json::from_value(reference["input_ids"].clone()).unwrap();
    assert_eq!(ids, want_ids);
    // One padded batch, as the reference was computed.
    let types: Vec<Vec<i64>> = serde_json::from_value(reference["token_type_ids"].clone()).unwrap();
    let seq = ids.iter().map(Vec::len).max().unwrap();
    let pad = |rows: &[Vec<i64>], fill: i64| -> Tensor {
        let flat: Vec<i64> = rows
            .iter()
            .flat_map(|r| {
                r.iter()
                    .copied()
                    .chain(std::iter::repeat_n(fill, seq - r.len()))
            })
            .collect();
        Tensor::from_slice(&flat).view([rows.len() as i64, seq as i64])
    };
    let ones: Vec<Vec<i64>> = ids.iter().map(|r| vec![1; r.len()]).collect();
    let out = net.logits(&pad(&ids, 0), &pad(&ones, 0), Some(&pad(&types, 0)));
    let got: Vec<Vec<f32>> = Vec::<Vec<f32>>::try_from(&out).unwrap();
    let want: Vec<Vec<f32>> = serde_json::from_value(reference["logits"].clone()).unwrap();
    assert_close(&got, &want, 1e-4, "batched logits");
    // Unpadded, one at a time: the same.
    assert_close(
        &logits(&net, &fixture(), &pairs, 24),
        &want,
        1e-4,
        "single logits",
    );
}

/// A small labeled set whose label follows a word in the text, so a few
/// epochs can learn it.
fn write_data(dir: &Path, name: &str, n: usize, offset: usize) -> PathBuf {
    let words = [
        ("bad", "negative"),
        ("fine", "neutral"),
        ("good", "positive"),
    ];
    let actors = ["government", "police", "president", "minister"];
    let mut text = String::new();
    for i in 0..n {
        let (word, label) = words[(i + offset) % 3];
        let actor = actors[(i / 3 + offset) % 4];
        let row = json!({
            "text": format!("The {actor} was {word} on day {i}."),
            "target": actor,
            "label": label,
        });
        text.push_str(&row.to_string());
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn config(dir: &Path, out: &str, epochs: usize) -> TrainConfig {
    RuntimeConfig {
        threads: Some(1),
        ..RuntimeConfig::default()
    }
    .apply();
    TrainConfig {
        base: BaseModel {
            name: fixture().display().to_string(),
            registry: false,
            revision: "local".into(),
            dir: fixture(),
        },
        train: write_data(dir, "train.jsonl", 48, 0),
        dev: Some(write_data(dir, "dev.jsonl", 12, 1)),
        dev_fraction: 0.1,
        load: LoadConfig {
            format: Some(DatasetFormat::Jsonl),
            ..LoadConfig::default()
        },
        out: dir.join(out),
        epochs,
        optim: AdamWConfig {
            lr: 3e-3,
            ..AdamWConfig::default()
        },
        batch_size: 8,
        warmup: 0.1,
        seed: 7,
        max_length: 64,
        patience: None,
        resume: false,
        trainable: Trainable::All,
        overlay: None,
        reports: Vec::new(),
        stop_after: None,
    }
}

fn dev_pairs(config: &TrainConfig) -> Vec<(String, String)> {
    std::fs::read_to_string(config.dev.as_ref().unwrap())
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["text"].as_str().unwrap().into(),
                v["target"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn training_lowers_the_loss_and_the_engine_loads_the_same_logits() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let config = config(tmp.path(), "model", 12);
    let report: TrainReport = train_stance(&config, &mut |_| {}).unwrap();
    let (first, last) = (&report.history[0], report.history.last().unwrap());
    assert!(
        last.train_loss < first.train_loss * 0.7,
        "mean loss of epoch 1 {} → of the last {}",
        first.train_loss,
        last.train_loss
    );
    assert!(
        report.dev.macro_f1 > 0.5,
        "dev macro-F1 {}",
        report.dev.macro_f1
    );
    for file in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "README.md",
        "newsframe-card.json",
    ] {
        assert!(config.out.join(file).is_file(), "{file} missing");
    }
    assert!(!newsframe::train::partial_dir(&config.out).exists());
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(config.out.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(
        saved["architectures"],
        json!(["BertForSequenceClassification"])
    );
    assert_eq!(
        saved["id2label"],
        json!({"0": "negative", "1": "neutral", "2": "positive"})
    );
    let card: Value = serde_json::from_str(
        &std::fs::read_to_string(config.out.join("newsframe-card.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(card["seed"], json!(7));
    assert_eq!(
        card["training_files"][0]["sha256"].as_str().unwrap().len(),
        64
    );
    // Loaded back by the engine's stance classifier: the logits training ended with.
    let got = engine_logits(&config.out, &dev_pairs(&config));
    assert_close(&got, &report.dev_logits, 1e-4, "reloaded logits");
}

/// What training wrote loads in Python transformers and gives the logits
/// training ended with.
#[test]
#[ignore = "needs Python with transformers (NEWSFRAME_FIXTURE_DEPS=1 scripts/setup)"]
fn a_trained_model_gives_the_same_logits_in_transformers() {
    let modules = ["transformers"];
    let python = common::require(
        common::python_with(&modules),
        &common::python_needed(&modules),
    );
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let config = config(tmp.path(), "model", 3);
    let report = train_stance(&config, &mut |_| {}).unwrap();
    python_parity(
        &python,
        &config.out,
        &dev_pairs(&config),
        &report.dev_logits,
    );
}

/// Logits of the pairs through the engine's `SequenceClassifier`, as
/// `--stance-model DIR` loads it.
fn engine_logits(dir: &Path, pairs: &[(String, String)]) -> Vec<Vec<f32>> {
    let config = ClassifierConfig {
        max_length: 64,
        ..ClassifierConfig::default()
    };
    let classifier = SequenceClassifier::load(dir, "trained", config).unwrap();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let encoded = classifier.tokenizer().encode_pairs_typed(&refs).unwrap();
    let rows: Vec<_> = encoded.iter().collect();
    Vec::<Vec<f32>>::try_from(&classifier.logits(&rows).unwrap()).unwrap()
}

#[test]
fn an_overlay_merged_over_its_base_gives_the_logits_training_ended_with() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let mut config = config(tmp.path(), "overlay", 3);
    config.base.name = "bert-stance-tiny".into();
    config.base.registry = true;
    config.trainable = Trainable::Top(1);
    config.overlay = Some(newsframe::train::output::OverlayFormat::F16);
    let report = train_stance(&config, &mut |_| {}).unwrap();
    assert!(!config.out.join("model.safetensors").exists());
    let manifest = OverlayManifest::read(&config.out).unwrap();
    assert_eq!(manifest.base_model, "bert-stance-tiny");
    assert_eq!(manifest.base_prefix, "bert.");
    // Only the top layer, the pooler and the classifier, in float16.
    let stored = Tensor::read_safetensors(config.out.join("overlay.safetensors")).unwrap();
    assert!(stored.iter().all(|(_, t)| t.kind() == tch::Kind::Half));
    assert!(
        stored
            .iter()
            .any(|(n, _)| n == "bert.encoder.layer.1.attention.self.query.weight")
    );
    assert!(
        stored
            .iter()
            .all(|(n, _)| !n.contains("layer.0.") && !n.contains("embeddings"))
    );
    let merged = materialize(&config.out, &manifest, &fixture()).unwrap();
    let got = engine_logits(merged.path(), &dev_pairs(&config));
    assert_close(&got, &report.dev_logits, 1e-4, "overlay logits");
}

/// Python transformers loads the directory and computes the same logits.
fn python_parity(python: &Path, dir: &Path, pairs: &[(String, String)], want: &[Vec<f32>]) {
    let script = r#"
import json, sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
d, pairs = sys.argv[1], json.loads(sys.argv[2])
tok = AutoTokenizer.from_pretrained(d)
model = AutoModelForSequenceClassification.from_pretrained(d).eval()
out = []
with torch.no_grad():
    for text, target in pairs:
        b = tok(text, target, truncation="only_first", max_length=256, return_tensors="pt")
        out.append(model(**b).logits[0].tolist())
print(json.dumps({"logits": out, "labels": model.config.id2label}))
"#;
    let output = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(dir)
        .arg(serde_json::to_string(pairs).unwrap())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let got: Vec<Vec<f32>> = serde_json::from_value(result["logits"].clone()).unwrap();
    assert_close(&got, want, 1e-4, "transformers' logits");
    assert_eq!(result["labels"]["0"], json!("negative"));
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let mut whole = config(tmp.path(), "whole", 2);
    whole.trainable = Trainable::Top(1);
    let uninterrupted = train_stance(&whole, &mut |_| {}).unwrap();

    let mut split = whole.clone();
    split.out = tmp.path().join("split");
    split.stop_after = Some(1);
    let err = train_stance(&split, &mut |_| {}).unwrap_err();
    assert!(matches!(err, TrainError::Paused { epochs: 1, .. }), "{err}");
    assert!(
        !split.out.exists(),
        "nothing usable before the run completes"
    );
    // Without --resume the unfinished run is not overwritten.
    let refused = train_stance(&split, &mut |_| {}).unwrap_err().to_string();
    assert!(refused.contains("pass --resume"), "{refused}");
    split.resume = true;
    split.stop_after = None;
    let resumed = train_stance(&split, &mut |_| {}).unwrap();
    // The same epochs (seconds aside; losses pass through state.json).
    assert_eq!(resumed.history.len(), uninterrupted.history.len());
    for (a, b) in resumed.history.iter().zip(&uninterrupted.history) {
        assert!((a.train_loss - b.train_loss).abs() < 1e-9, "{a:?} vs {b:?}");
        assert_eq!(a.dev_macro_f1, b.dev_macro_f1);
        assert_eq!(a.lr_end, b.lr_end);
    }
    assert_close(
        &resumed.dev_logits,
        &uninterrupted.dev_logits,
        1e-6,
        "resumed logits",
    );
}

fn data_error(lines: &str, format: DatasetFormat, ext: &str) -> String {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let mut config = config(tmp.path(), "model", 1);
    let path = tmp.path().join(format!("bad.{ext}"));
    std::fs::write(&path, lines).unwrap();
    config.train = path;
    config.load.format = Some(format);
    let err = train_stance(&config, &mut |_| {}).unwrap_err().to_string();
    assert!(!config.out.exists());
    err
}

#[test]
fn bad_data_fails_naming_file_and_line() {
    let ok = r#"{"text": "The police was good.", "target": "police", "label": "positive"}"#;
    let err = data_error(
        &format!(
            "{ok}\n{}\n",
            r#"{"text": "The police was bad.", "target": "police"}"#
        ),
        DatasetFormat::Jsonl,
        "jsonl",
    );
    assert!(
        err.contains("bad.jsonl:2") && err.contains("missing field \"label\""),
        "{err}"
    );
    let err = data_error(
        &format!(
            "{ok}\n{}\n",
            r#"{"text": "x", "target": "police", "label": "great"}"#
        ),
        DatasetFormat::Jsonl,
        "jsonl",
    );
    assert!(
        err.contains("bad.jsonl:2") && err.contains("unknown stance label \"great\""),
        "{err}"
    );
    let err = data_error(
        r#"{"primary_gid": "a", "sentence_normalized": "Trump spoke.", "targets": [{"from": 0, "to": 40, "mention": "Trump", "polarity": 4.0}]}"#,
        DatasetFormat::Newsmtsc,
        "jsonl",
    );
    assert!(
        err.contains("bad.jsonl:1") && err.contains("outside the sentence"),
        "{err}"
    );
    let err = data_error("", DatasetFormat::Jsonl, "jsonl");
    assert!(
        err.contains("bad.jsonl") && err.contains("no labeled example"),
        "{err}"
    );
    let err = data_error(
        "text,target,label\nThe police was good.,police,\n",
        DatasetFormat::Csv,
        "csv",
    );
    assert!(err.contains("bad.csv:2"), "{err}");
}

#[test]
fn the_command_reports_bad_data_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let train = tmp.path().join("train.jsonl");
    std::fs::write(&train, "{\"text\": \"a\", \"target\": \"b\"}\n").unwrap();
    let out = common::process(common::BIN)
        .args(["train", "stance", "--base"])
        .arg(fixture())
        .arg("--train")
        .arg(&train)
        .arg("--out")
        .arg(tmp.path().join("model"))
        .args(["--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("train.jsonl:1"), "{stderr}");
    assert!(!tmp.path().join("model").exists());
}
