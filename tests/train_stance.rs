//! `newsframe train stance` on the tiny BERT classifier fixture
//! (tests/fixtures/models/bert-stance-tiny, made by
//! scripts/make_model_fixtures.py) and the tiny mDeBERTa-v3-style fixture
//! (mdeberta-nli-tiny): the classifier matches transformers'
//! BertForSequenceClassification; DeBERTa's train mode without dropout is
//! its inference network; a few seconds of training lower the loss and
//! write a directory that the engine's `SequenceClassifier` and Python
//! transformers load with the logits training ended with (an overlay too,
//! merged over its base); a resumed run equals an uninterrupted one; bad data
//! fails naming its file and line.
#![cfg(feature = "transformer")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use newsframe::eval::datasets::{DatasetFormat, LoadConfig};
use newsframe::eval::labels::LabelMap;
use newsframe::train::data::load_pairs;
use newsframe::train::optim::AdamWConfig;
use newsframe::train::{
    BaseModel, BatchOrder, TrainConfig, TrainError, TrainReport, Trainable, train_stance,
};
use newsframe::transformer::bert::{BertClassifier, BertConfig, HeadInit, Pooling};
use newsframe::transformer::classifier::{ClassifierConfig, SequenceClassifier};
use newsframe::transformer::deberta_v2::{DebertaV2Config, DebertaV2ForSequenceClassification};
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
    model_fixture("bert-stance-tiny")
}

fn model_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

/// An mDeBERTa-v3-style NLI model (multilingual sentencepiece vocabulary):
/// a base whose head training replaces.
fn deberta_fixture() -> PathBuf {
    model_fixture("mdeberta-nli-tiny")
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
    config_on(fixture(), dir, out, epochs)
}

fn config_on(base: PathBuf, dir: &Path, out: &str, epochs: usize) -> TrainConfig {
    RuntimeConfig {
        threads: Some(1),
        ..RuntimeConfig::default()
    }
    .apply();
    TrainConfig {
        base: BaseModel {
            name: base.display().to_string(),
            registry: false,
            revision: "local".into(),
            dir: base,
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
        batch_order: BatchOrder::Grouped,
        warmup: 0.1,
        seed: 7,
        max_length: 64,
        patience: None,
        resume: false,
        trainable: Trainable::All,
        pooling: Pooling::Cls,
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
        report.dev.as_ref().expect("a dev split").macro_f1 > 0.5,
        "dev macro-F1 {}",
        report.dev.as_ref().expect("a dev split").macro_f1
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

/// `--pooling mean-target`: the mean of all tokens beside the mean of the
/// target's; saved so that the engine pools the same way (logits equal to
/// the end of training), whole or with frozen lower layers cached, and so
/// that transformers refuses the wider classifier instead of misreading it.
#[test]
fn target_pooling_trains_and_the_engine_pools_the_same_way() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    for (out, trainable) in [("all", Trainable::All), ("top", Trainable::Top(1))] {
        let mut config = config(tmp.path(), out, 6);
        config.pooling = Pooling::MeanAndTarget;
        config.trainable = trainable;
        let report = train_stance(&config, &mut |_| {}).unwrap();
        let (first, last) = (&report.history[0], report.history.last().unwrap());
        assert!(last.train_loss < first.train_loss, "{out}: the loss fell");
        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(config.out.join("config.json")).unwrap())
                .unwrap();
        assert_eq!(saved["newsframe_pooling"], json!("mean+target"));
        assert_ne!(
            saved["architectures"],
            json!(["BertForSequenceClassification"])
        );
        let card: Value = serde_json::from_str(
            &std::fs::read_to_string(config.out.join("newsframe-card.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(card["hyperparameters"]["pooling"], json!("mean+target"));
        let got = engine_logits(&config.out, &dev_pairs(&config));
        assert_close(&got, &report.dev_logits, 1e-4, out);
    }
    // The same sentence toward two targets: the target half tells them apart.
    let dir = tmp.path().join("all");
    let sentence = "The minister praised the union and attacked the court.";
    let logits = engine_logits(
        &dir,
        &[
            (sentence.to_string(), "union".to_string()),
            (sentence.to_string(), "court".to_string()),
        ],
    );
    assert_ne!(logits[0], logits[1]);
    // DeBERTa bases pool as transformers does, for now: refused, not ignored.
    let mut config = config_on(deberta_fixture(), tmp.path(), "deberta", 1);
    config.pooling = Pooling::MeanAndTarget;
    let err = train_stance(&config, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("--pooling mean+target"), "{err}");
}

/// `--dev-fraction 0`: every pair trains, the last epoch is the model, and
/// the card says there was no dev split rather than showing numbers.
#[test]
fn without_a_dev_split_every_pair_trains_and_the_last_epoch_is_kept() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let mut config = config(tmp.path(), "model", 3);
    config.dev = None;
    config.dev_fraction = 0.0;
    let mut notes = Vec::new();
    let report: TrainReport = train_stance(&config, &mut |event| {
        if let newsframe::train::Event::Note(note) = event {
            notes.push(note);
        }
    })
    .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("data: 48 training pairs")),
        "{notes:?}"
    );
    assert!(report.dev.is_none());
    assert!(report.history.iter().all(|e| e.dev_macro_f1.is_none()));
    assert_eq!(report.best_epoch, 3, "the last epoch is kept");
    let card: Value = serde_json::from_str(
        &std::fs::read_to_string(config.out.join("newsframe-card.json")).unwrap(),
    )
    .unwrap();
    assert!(card["dev"]["none"].is_string(), "card dev: {}", card["dev"]);
    assert!(card["dev_metrics"].is_null());
    let readme = std::fs::read_to_string(config.out.join("README.md")).unwrap();
    assert!(readme.contains("without a dev split"), "{readme}");

    // --patience has nothing to watch without a dev split.
    let mut patient = config.clone();
    patient.out = tmp.path().join("patient");
    patient.patience = Some(1);
    let err = train_stance(&patient, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("--patience needs a dev split"), "{err}");
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

#[test]
fn an_int8_delta_overlay_gives_the_logits_training_ended_with_in_a_quarter_of_the_bytes() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let mut config = config(tmp.path(), "delta", 3);
    config.base.name = "bert-stance-tiny".into();
    config.base.registry = true;
    config.trainable = Trainable::Top(2);
    config.overlay = Some(newsframe::train::output::OverlayFormat::Int8Delta);
    let report = train_stance(&config, &mut |_| {}).unwrap();
    let manifest = OverlayManifest::read(&config.out).unwrap();
    let stored: std::collections::HashMap<String, Tensor> =
        Tensor::read_safetensors(config.out.join("overlay.safetensors"))
            .unwrap()
            .into_iter()
            .collect();
    // A matrix the base has: its change in int8 with a scale per row.
    let query = "bert.encoder.layer.1.attention.self.query.weight";
    assert_eq!(
        stored[&format!("{query}.delta_int8")].kind(),
        tch::Kind::Int8
    );
    let rows = stored[&format!("{query}.delta_int8")].size()[0];
    assert_eq!(stored[&format!("{query}.delta_scale")].size(), [rows]);
    assert!(!stored.contains_key(query));
    // The new head and the vectors: float16.
    assert_eq!(stored["classifier.weight"].kind(), tch::Kind::Half);
    assert_eq!(
        stored["bert.encoder.layer.1.output.LayerNorm.weight"].kind(),
        tch::Kind::Half
    );
    // The training changed the matrix (the delta is not all zero).
    assert!(
        stored[&format!("{query}.delta_int8")]
            .abs()
            .sum(tch::Kind::Int64)
            .int64_value(&[])
            > 0
    );
    let merged = materialize(&config.out, &manifest, &fixture()).unwrap();
    let got = engine_logits(merged.path(), &dev_pairs(&config));
    assert_close(&got, &report.dev_logits, 1e-4, "int8 delta overlay logits");
}

/// Padded `[rows, seq]` ids and mask of `rows`.
fn padded(rows: &[Vec<i64>]) -> (Tensor, Tensor) {
    let seq = rows.iter().map(Vec::len).max().unwrap();
    let pad = |fill: &dyn Fn(&[i64], usize) -> i64| -> Tensor {
        let flat: Vec<i64> = rows
            .iter()
            .flat_map(|r| (0..seq).map(move |i| fill(r, i)))
            .collect();
        Tensor::from_slice(&flat).view([rows.len() as i64, seq as i64])
    };
    (
        pad(&|r, i| r.get(i).copied().unwrap_or(0)),
        pad(&|r, i| i64::from(i < r.len())),
    )
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

/// One network for inference and training: DeBERTa's train mode with the
/// fixtures' dropout (0) gives the inference logits, and so does inference
/// once the parameters are handed out (positions projected in every pass
/// instead of at load); both equal transformers' logits. With dropout the
/// train mode differs and inference does not.
#[test]
fn deberta_train_mode_without_dropout_is_the_inference_network() {
    let _turn = one_at_a_time();
    // Shared position projections, and separate ones with few buckets.
    for name in ["mdeberta-nli-tiny", "deberta-buckets-tiny"] {
        let dir = ModelDir::open(&model_fixture(name)).unwrap();
        let config: DebertaV2Config = dir.parse_config().unwrap();
        assert_eq!(config.hidden_dropout_prob, 0.0, "{name}");
        assert_eq!(config.attention_probs_dropout_prob, 0.0, "{name}");
        let weights = SafetensorsFile::open(&dir.safetensors_path().unwrap()).unwrap();
        let reference: Value = serde_json::from_str(
            &std::fs::read_to_string(model_fixture(name).join("reference.json")).unwrap(),
        )
        .unwrap();
        let rows: Vec<Vec<i64>> = serde_json::from_value(reference["input_ids"].clone()).unwrap();
        let want: Vec<Vec<f32>> = serde_json::from_value(reference["logits"].clone()).unwrap();
        let (ids, mask) = padded(&rows);
        let mut net =
            DebertaV2ForSequenceClassification::load(&weights, &config, 3, Precision::F32).unwrap();
        let inference = net.logits(&ids, &mask);
        let got = Vec::<Vec<f32>>::try_from(&inference).unwrap();
        assert_close(&got, &want, 1e-4, &format!("{name}: inference"));
        let train = tch::no_grad(|| net.forward(&ids, &mask, true));
        assert!(
            max_diff(&train, &inference) < 1e-5,
            "{name}: train mode without dropout differs by {}",
            max_diff(&train, &inference)
        );
        let _ = net.parameters_mut();
        let projected_now = net.logits(&ids, &mask);
        assert!(
            max_diff(&projected_now, &inference) < 1e-5,
            "{name}: inference after handing out the parameters differs by {}",
            max_diff(&projected_now, &inference)
        );

        let mut noisy = config.clone();
        noisy.hidden_dropout_prob = 0.3;
        noisy.attention_probs_dropout_prob = 0.3;
        let net =
            DebertaV2ForSequenceClassification::load(&weights, &noisy, 3, Precision::F32).unwrap();
        tch::manual_seed(1);
        assert!(max_diff(&net.logits(&ids, &mask), &inference) < 1e-6);
        let dropped = tch::no_grad(|| net.forward(&ids, &mask, true));
        assert!(
            max_diff(&dropped, &inference) > 1e-3,
            "{name}: dropout changed nothing in train mode"
        );
    }
}

#[test]
fn a_deberta_base_trains_and_the_engine_loads_the_same_logits() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let config = config_on(deberta_fixture(), tmp.path(), "model", 12);
    let report = train_stance(&config, &mut |_| {}).unwrap();
    let (first, last) = (&report.history[0], report.history.last().unwrap());
    assert!(
        last.train_loss < first.train_loss * 0.7,
        "mean loss of epoch 1 {} → of the last {}",
        first.train_loss,
        last.train_loss
    );
    assert!(
        report.dev.as_ref().expect("a dev split").macro_f1 > 0.5,
        "dev macro-F1 {}",
        report.dev.as_ref().expect("a dev split").macro_f1
    );
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(config.out.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(
        saved["architectures"],
        json!(["DebertaV2ForSequenceClassification"])
    );
    assert_eq!(
        saved["id2label"],
        json!({"0": "negative", "1": "neutral", "2": "positive"})
    );
    assert!(config.out.join("spm.model").is_file());
    // transformers' names, and everything trained (the relative position
    // embeddings too).
    let stored: std::collections::HashMap<String, Tensor> =
        Tensor::read_safetensors(config.out.join("model.safetensors"))
            .unwrap()
            .into_iter()
            .collect();
    let base: std::collections::HashMap<String, Tensor> =
        Tensor::read_safetensors(deberta_fixture().join("model.safetensors"))
            .unwrap()
            .into_iter()
            .collect();
    assert!(stored.keys().all(|n| !n.contains(".qkv.")));
    for name in [
        "deberta.encoder.layer.0.attention.self.query_proj.weight",
        "deberta.encoder.layer.1.attention.self.value_proj.bias",
        "deberta.encoder.rel_embeddings.weight",
        "deberta.encoder.LayerNorm.weight",
        "deberta.embeddings.word_embeddings.weight",
        "pooler.dense.weight",
    ] {
        let (a, b) = (&stored[name], &base[name]);
        assert_eq!(a.size(), b.size(), "{name}");
        assert!(max_diff(a, b) > 0.0, "{name} did not train");
    }
    assert_eq!(stored["classifier.weight"].size(), [3, 32]);
    let got = engine_logits(&config.out, &dev_pairs(&config));
    assert_close(&got, &report.dev_logits, 1e-4, "reloaded logits");
}

/// A trained DeBERTa-v2 model loads in Python transformers with the logits
/// training ended with.
#[test]
#[ignore = "needs Python with transformers (NEWSFRAME_FIXTURE_DEPS=1 scripts/setup)"]
fn a_trained_deberta_model_gives_the_same_logits_in_transformers() {
    let modules = ["transformers", "sentencepiece"];
    let python = common::require(
        common::python_with(&modules),
        &common::python_needed(&modules),
    );
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let config = config_on(deberta_fixture(), tmp.path(), "model", 3);
    let report = train_stance(&config, &mut |_| {}).unwrap();
    python_parity(
        &python,
        &config.out,
        &dev_pairs(&config),
        &report.dev_logits,
    );
}

/// `--train-layers 1` on DeBERTa: the lower layer's output is cached (the
/// relative position embeddings stay frozen), and the overlay merged over
/// its base gives the logits training ended with; also over a base stored
/// in float16, as the registry's mDeBERTa is.
#[test]
fn a_deberta_overlay_of_the_top_layer_gives_the_logits_training_ended_with() {
    let _turn = one_at_a_time();
    for name in ["mdeberta-nli-tiny", "mdeberta-nli-f16"] {
        let tmp = tempfile::tempdir().unwrap();
        let base = model_fixture(name);
        let mut config = config_on(base.clone(), tmp.path(), "overlay", 3);
        config.base.name = name.into();
        config.base.registry = true;
        config.trainable = Trainable::Top(1);
        config.overlay = Some(newsframe::train::output::OverlayFormat::F16);
        let mut notes = Vec::new();
        let report = train_stance(&config, &mut |event| {
            if let newsframe::train::Event::Note(line) = event {
                notes.push(line);
            }
        })
        .unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("cached the 1 frozen layers")),
            "{name}: {notes:?}"
        );
        let manifest = OverlayManifest::read(&config.out).unwrap();
        assert_eq!(manifest.base_prefix, "");
        let stored = Tensor::read_safetensors(config.out.join("overlay.safetensors")).unwrap();
        let names: Vec<&str> = stored.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            names.contains(&"deberta.encoder.layer.1.attention.self.key_proj.weight"),
            "{name}: {names:?}"
        );
        assert!(names.contains(&"classifier.bias"), "{name}: {names:?}");
        assert!(
            names.iter().all(|n| !n.contains("layer.0.")
                && !n.contains("embeddings")
                && !n.contains("encoder.LayerNorm")),
            "{name}: {names:?}"
        );
        let merged = materialize(&config.out, &manifest, &base).unwrap();
        let got = engine_logits(merged.path(), &dev_pairs(&config));
        assert_close(
            &got,
            &report.dev_logits,
            1e-4,
            &format!("{name}: overlay logits"),
        );
    }
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
        err.contains("bad.jsonl:2")
            && err.contains("unknown stance label \"great\"")
            && err.contains("--label-map"),
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
fn a_base_of_another_architecture_is_refused_naming_the_trainable_ones() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let config = config_on(model_fixture("xlmr-nli-tiny"), tmp.path(), "model", 1);
    let err = train_stance(&config, &mut |_| {}).unwrap_err().to_string();
    assert!(
        err.contains("xlm-roberta") && err.contains("bert, deberta-v2"),
        "{err}"
    );
    assert!(!config.out.exists());
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

/// `train stance --label-map`: the data's own label names (here 0/1/2 for
/// negative/neutral/positive, where 0 alone would read as neutral) become
/// the model's labels; a name the map lacks fails naming file and line.
#[test]
fn the_command_reads_other_label_names_through_label_map() {
    let tmp = tempfile::tempdir().unwrap();
    let train = write_data(tmp.path(), "train.jsonl", 12, 0);
    let renamed = std::fs::read_to_string(&train)
        .unwrap()
        .replace("\"negative\"", "0")
        .replace("\"neutral\"", "1")
        .replace("\"positive\"", "2");
    std::fs::write(&train, &renamed).unwrap();
    let map = ["0=negative", "1=neutral", "2=positive"].map(String::from);
    let load = LoadConfig {
        format: Some(DatasetFormat::Jsonl),
        labels: LabelMap::parse(&map).unwrap(),
        ..LoadConfig::default()
    };
    let pairs = load_pairs(&train, &load).unwrap();
    let labels: Vec<usize> = pairs.iter().map(|p| p.label).collect();
    assert_eq!(
        &labels[..3],
        [0, 1, 2],
        "the first rows are bad, fine, good"
    );

    let run = |extra: &[&str], out: &str| {
        common::newsframe()
            .args(["train", "stance", "--base"])
            .arg(fixture())
            .arg("--train")
            .arg(&train)
            .arg("--out")
            .arg(tmp.path().join(out))
            .args([
                "--format",
                "jsonl",
                "--epochs",
                "1",
                "--dev-fraction",
                "0.3",
            ])
            .args(["--threads", "1"])
            .args(extra)
            .output()
            .unwrap()
    };
    // Only two of the three names mapped: "2" is an error, not read as NewsMTSC's negative.
    let partial = run(
        &["--label-map", "0=negative", "--label-map", "1=neutral"],
        "partial",
    );
    let stderr = String::from_utf8_lossy(&partial.stderr);
    assert_eq!(partial.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("train.jsonl:3") && stderr.contains("not in --label-map"),
        "{stderr}"
    );
    let mut args = Vec::new();
    for pair in &map {
        args.extend(["--label-map", pair.as_str()]);
    }
    let ok = run(&args, "model");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let card: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("model/newsframe-card.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        card["hyperparameters"]["label_map"],
        json!([["0", "negative"], ["1", "neutral"], ["2", "positive"]])
    );
}
