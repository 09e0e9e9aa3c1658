//! The trained model directory: `config.json` (the base's, with the
//! classification fields), weights under transformers' names — a full
//! `model.safetensors`, or an overlay of the trained tensors on a registry
//! base (`newsframe-overlay.json` + `overlay.safetensors`) — the base's
//! tokenizer files, and a model card (`README.md`, `newsframe-card.json`).

use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tch::{Kind, Tensor};

use crate::models::digest::hash_file;
use crate::transformer::bert::Pooling;
use crate::transformer::model_dir::ModelDir;

use super::data::LABELS;
use super::model::{FRESH_HEAD_PREFIX, Network, quantize_delta};
use crate::transformer::overlay::{DELTA_INT8, DELTA_SCALE};

use super::{TrainConfig, TrainError, TrainReport, Trainable};

/// Schema of `newsframe-card.json`.
pub const CARD_SCHEMA_VERSION: u32 = 1;

/// Number format of an overlay's tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OverlayFormat {
    F16,
    Bf16,
    F32,
    /// Each trained matrix as its change from the base in int8 with a
    /// float32 scale per row; vectors and new tensors in float16.
    Int8Delta,
}

impl OverlayFormat {
    /// The number format of stored tensors (an int8 delta's vectors and new
    /// tensors: float16).
    pub fn kind(self) -> Kind {
        match self {
            OverlayFormat::F16 | OverlayFormat::Int8Delta => Kind::Half,
            OverlayFormat::Bf16 => Kind::BFloat16,
            OverlayFormat::F32 => Kind::Float,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OverlayFormat::F16 => "F16",
            OverlayFormat::Bf16 => "BF16",
            OverlayFormat::F32 => "F32",
            OverlayFormat::Int8Delta => "INT8-DELTA",
        }
    }
}

/// Tokenizer files copied from the base when it has them.
const TOKENIZER_FILES: [&str; 5] = [
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "spm.model",
];

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn sha256_file(path: &Path) -> Result<String, TrainError> {
    hash_file(path)
        .map(|d| d.sha256)
        .map_err(|e| TrainError::io(path, e))
}

/// The trained tensors as an overlay stores them: in `format`, or for
/// [`OverlayFormat::Int8Delta`] each matrix the base also has as
/// `NAME.delta_int8` + `NAME.delta_scale` (see `transformer::overlay`).
fn overlay_tensors(
    network: &mut Network,
    format: OverlayFormat,
    base_weights: &Path,
) -> Result<Vec<(String, Tensor)>, TrainError> {
    let trained = network.state_dict(true);
    let prefix = network.net.overlay_base_prefix();
    if format != OverlayFormat::Int8Delta {
        return Ok(trained
            .into_iter()
            .map(|(n, t)| (n, t.to_kind(format.kind())))
            .collect());
    }
    let base: std::collections::HashMap<String, Tensor> = Tensor::read_safetensors(base_weights)
        .map_err(|e| TrainError::io(base_weights, e))?
        .into_iter()
        .map(|(name, t)| (prefixed(name, prefix), t))
        .collect();
    let mut tensors = Vec::new();
    for (name, t) in trained {
        match base.get(&name) {
            Some(b)
                if t.dim() == 2 && b.size() == t.size() && !name.starts_with(FRESH_HEAD_PREFIX) =>
            {
                let (q, scale) = quantize_delta(&t, &b.to_kind(Kind::Float));
                tensors.push((format!("{name}.{DELTA_INT8}"), q));
                tensors.push((format!("{name}.{DELTA_SCALE}"), scale));
            }
            _ => tensors.push((name, t.to_kind(Kind::Half))),
        }
    }
    Ok(tensors)
}

/// A base tensor's name in the classification model (`prefix` added).
fn prefixed(name: String, prefix: &str) -> String {
    if name.starts_with(prefix) {
        name
    } else {
        format!("{prefix}{name}")
    }
}

/// Writes the finished model into `dir` (created).
pub fn write_model_dir(
    dir: &Path,
    config: &TrainConfig,
    base: &ModelDir,
    network: &mut Network,
    report: &TrainReport,
    max_length: usize,
) -> Result<(), TrainError> {
    std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| TrainError::io(&path, e))
    };
    write(
        "config.json",
        serde_json::to_string_pretty(&with_pooling(
            classification_config(base.config(), network.net.transformers_class()),
            config.pooling,
        ))
        .expect("config serializes")
        .as_bytes(),
    )?;
    for name in TOKENIZER_FILES {
        let from = base.path.join(name);
        if from.is_file() {
            std::fs::copy(&from, dir.join(name)).map_err(|e| TrainError::io(&from, e))?;
        }
    }
    if !dir.join("tokenizer.json").is_file() {
        return Err(TrainError::Usage(format!(
            "the base {} has no tokenizer.json, which the model directory needs",
            base.path.display()
        )));
    }
    let base_weights = base.safetensors_path()?;
    let base_sha256 = sha256_file(&base_weights)?;
    let weights_file = match config.overlay {
        None => {
            let tensors = network.state_dict(false);
            let path = dir.join("model.safetensors");
            Tensor::write_safetensors(&tensors, &path).map_err(|e| TrainError::io(&path, e))?;
            "model.safetensors"
        }
        Some(format) => {
            let tensors = overlay_tensors(network, format, &base_weights)?;
            let path = dir.join("overlay.safetensors");
            Tensor::write_safetensors(&tensors, &path).map_err(|e| TrainError::io(&path, e))?;
            let overlay = json!({
                "base_model": config.base.name,
                "base_sha256": {"model.safetensors": base_sha256},
                "base_prefix": network.net.overlay_base_prefix(),
                "weights": "overlay.safetensors",
            });
            write(
                "newsframe-overlay.json",
                serde_json::to_string_pretty(&overlay)
                    .expect("json serializes")
                    .as_bytes(),
            )?;
            "overlay.safetensors"
        }
    };
    let card = card(config, report, &base_sha256, weights_file, max_length)?;
    write(
        "newsframe-card.json",
        serde_json::to_string_pretty(&card)
            .expect("card serializes")
            .as_bytes(),
    )?;
    write("README.md", readme(config, report, &card).as_bytes())
}

/// The base's config with transformers' sequence classification fields
/// (`class`: e.g. `BertForSequenceClassification`).
pub fn classification_config(base: &Value, class: &str) -> Value {
    let mut config = base.clone();
    let id2label: serde_json::Map<String, Value> = LABELS
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), json!(l.as_str())))
        .collect();
    let label2id: serde_json::Map<String, Value> = LABELS
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str().to_string(), json!(i)))
        .collect();
    if let Value::Object(map) = &mut config {
        map.insert("architectures".into(), json!([class]));
        map.insert("id2label".into(), Value::Object(id2label));
        map.insert("label2id".into(), Value::Object(label2id));
        map.insert("problem_type".into(), json!("single_label_classification"));
        map.remove("_name_or_path");
    }
    config
}

/// `config` naming a pooling other than transformers' own
/// (`newsframe_pooling`), which the engine reads; transformers refuses the
/// wider classifier rather than misreading it.
fn with_pooling(mut config: Value, pooling: Pooling) -> Value {
    if let (Value::Object(map), Pooling::MeanAndTarget) = (&mut config, pooling) {
        map.insert("newsframe_pooling".into(), json!(pooling.name()));
        map.insert(
            "architectures".into(),
            json!(["NewsframeBertTargetPooledClassifier"]),
        );
    }
    config
}

fn card(
    config: &TrainConfig,
    report: &TrainReport,
    base_sha256: &str,
    weights_file: &str,
    max_length: usize,
) -> Result<Value, TrainError> {
    let mut training_files = vec![json!({
        "role": "train",
        "file": file_name(&config.train),
        "sha256": sha256_file(&config.train)?,
    })];
    if let Some(dev) = &config.dev {
        training_files.push(json!({
            "role": "dev",
            "file": file_name(dev),
            "sha256": sha256_file(dev)?,
        }));
    }
    Ok(json!({
        "schema_version": CARD_SCHEMA_VERSION,
        "task": "stance",
        "input": "sentence-pair: the sentence first, the target mention second; the sentence is cut to fit",
        "labels": LABELS.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        "base_model": {
            "name": config.base.name,
            "revision": config.base.revision,
            "sha256": {"model.safetensors": base_sha256},
        },
        "weights": weights_file,
        "weights_format": config.overlay.map_or("F32", |f| f.as_str()),
        "training_files": training_files,
        "dev": match &config.dev {
            Some(dev) => json!({"file": file_name(dev)}),
            None if config.dev_fraction == 0.0 => json!({"none": "every pair trained; the last epoch is kept"}),
            None => json!({"fraction_of_train_texts": config.dev_fraction, "split_seed": config.seed}),
        },
        "hyperparameters": {
            "epochs": config.epochs,
            "learning_rate": config.optim.lr,
            "batch_size": config.batch_size,
            "batch_order": config.batch_order.as_str(),
            "warmup_fraction": config.warmup,
            "weight_decay": config.optim.weight_decay,
            "max_grad_norm": config.optim.max_grad_norm,
            "adam_betas": [config.optim.beta1, config.optim.beta2],
            "adam_eps": config.optim.eps,
            "max_length": max_length,
            "patience": config.patience,
            "trainable": match config.trainable {
                Trainable::All => "all".to_string(),
                Trainable::Top(k) => format!("top {k} layers + pooler + classifier"),
            },
            "frozen_layers_cached": config.trainable != Trainable::All,
            "pooling": config.pooling.name(),
            "dataset_format": config.load.format.map(|f| f.as_str()),
            "label_map": config
                .load
                .labels
                .entries()
                .map(|(from, to)| json!([from, to.as_str()]))
                .collect::<Vec<_>>(),
        },
        "seed": config.seed,
        "threads": tch::get_num_threads(),
        "history": report.history,
        "best_epoch": report.best_epoch,
        "dev_metrics": report.dev,
        "evaluations": report.reports,
        "date": crate::report::compute::now_rfc3339(),
        "newsframe_version": env!("CARGO_PKG_VERSION"),
    }))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn readme(config: &TrainConfig, report: &TrainReport, card: &Value) -> String {
    let mut text = format!(
        "# Stance classifier on {base}\n\n\
         Sentence-pair classifier (sentence, target mention) → negative / neutral / positive, \
         trained with `newsframe train stance` (newsframe {version}) on `{train}` \
         (sha256 `{sha}`).\n\n\
         - Base: {base} (revision {revision})\n\
         - Trained: {trainable}\n\
         - Head: {head}\n\
         - Weights: `{weights}` ({format})\n\
         - Best epoch: {best} of {ran}; seed {seed}\n\n\
         ## Dev metrics (model selection)\n\n\
         {dev}\n",
        base = config.base.name,
        version = env!("CARGO_PKG_VERSION"),
        train = file_name(&config.train),
        sha = card["training_files"][0]["sha256"].as_str().unwrap_or(""),
        revision = config.base.revision,
        trainable = card["hyperparameters"]["trainable"].as_str().unwrap_or(""),
        head = match config.pooling {
            Pooling::Cls => "the first token, as transformers' sequence classification reads it",
            Pooling::MeanAndTarget =>
                "the mean of all tokens beside the mean of the target's \
                                       tokens (`newsframe_pooling: mean+target`; newsframe only)",
        },
        weights = card["weights"].as_str().unwrap_or(""),
        format = card["weights_format"].as_str().unwrap_or(""),
        best = report.best_epoch,
        ran = report.history.len(),
        seed = config.seed,
        dev = match &report.dev {
            Some(dev) => format!(
                "macro-F1 {:.4}{}, accuracy {:.4} on {} pairs ({}).",
                dev.macro_f1,
                ci_text(dev.macro_f1_ci95),
                dev.accuracy,
                dev.pairs,
                dev.file
            ),
            None =>
                "None: trained without a dev split (`--dev-fraction 0`); the last epoch is kept."
                    .into(),
        },
    );
    if !report.reports.is_empty() {
        text.push_str("\n## Evaluations\n\n| file | pairs | macro-F1 (95% CI) | accuracy |\n|---|---|---|---|\n");
        for r in &report.reports {
            text.push_str(&format!(
                "| {} | {} | {:.4}{} | {:.4} |\n",
                file_name(Path::new(&r.file)),
                r.pairs,
                r.macro_f1,
                ci_text(r.macro_f1_ci95),
                r.accuracy
            ));
        }
    }
    text.push_str("\n## Epochs\n\n| epoch | train loss | dev macro-F1 | dev accuracy | seconds |\n|---|---|---|---|---|\n");
    for e in &report.history {
        text.push_str(&format!(
            "| {} | {:.4} | {} | {} | {:.0} |\n",
            e.epoch,
            e.train_loss,
            optional_number(e.dev_macro_f1),
            optional_number(e.dev_accuracy),
            e.seconds
        ));
    }
    text.push_str("\nAll settings, file hashes and numbers: `newsframe-card.json`.\n");
    text
}

/// Four decimals, or `-` where there is no value.
fn optional_number(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.4}"))
}

fn ci_text(ci: Option<(f64, f64)>) -> String {
    ci.map_or(String::new(), |(l, h)| format!(" [{l:.4}, {h:.4}]"))
}
