//! `newsframe train stance`: fine-tunes the engine's own encoder with a
//! 3-label sequence classification head on (sentence, target) pairs and
//! writes a model directory the engine loads as is (`config.json`,
//! `model.safetensors` under transformers' names, `tokenizer.json`, a model
//! card), or an overlay of the trained tensors on a registry base model.
//!
//! - [`data`]: labeled pairs from the eval loaders, strict; dev split; tokens.
//! - [`model`]: the network made trainable; weights under transformers' names.
//! - [`optim`]: AdamW, gradient clipping, linear schedule.
//! - [`output`]: the model directory and its card.
//!
//! The run works in `<out>.partial/`; each epoch leaves a checkpoint there
//! (`--resume` continues from it) and the model directory is renamed to
//! `<out>` only when complete. Each epoch reseeds libtorch and the shuffle
//! from `seed + epoch`, so a resumed run gives the weights an uninterrupted
//! one gives (libtorch's generator is process-wide: two runs at once in one
//! process draw from it in turn and lose that). With `Top(k)` the frozen lower layers run once per example, in
//! inference mode (no dropout there), and epochs reuse their output.

pub mod data;
pub mod model;
pub mod optim;
pub mod output;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::eval::classify::ClassMetrics;
use crate::eval::datasets::LoadConfig;
use crate::stats::{BootstrapConfig, Interval, interval};
use crate::transformer::TransformerError;
use crate::transformer::bert::Pooling;
use crate::transformer::model_dir::ModelDir;
use crate::transformer::tokenize::TextTokenizer;

use data::{Encoded, LABELS};
use model::Network;
pub use model::Trainable;
use optim::{AdamW, AdamWConfig, linear_lr};

/// Why a training run stopped.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Bad training data: one line per problem, each naming file and line.
    #[error("{}", summarize_lines(.0))]
    Data(Vec<String>),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Model(TransformerError),
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("checkpoint {path}: {message}")]
    Checkpoint { path: PathBuf, message: String },
    /// The run stopped where [`TrainConfig::stop_after`] asked; `--resume` continues it.
    #[error("stopped after epoch {epochs} as asked; continue with --resume (checkpoint in {})", .dir.display())]
    Paused { epochs: usize, dir: PathBuf },
}

impl TrainError {
    pub fn io(path: &Path, err: impl std::fmt::Display) -> TrainError {
        TrainError::Io {
            path: path.to_path_buf(),
            message: err.to_string(),
        }
    }
}

fn summarize_lines(lines: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut text = lines
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if lines.len() > SHOWN {
        text.push_str(&format!("\n… and {} more", lines.len() - SHOWN));
    }
    text
}

/// Where the base model comes from, for the card and the overlay.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BaseModel {
    /// The registry name, or the directory as given.
    pub name: String,
    /// Whether `name` is a registry name (an overlay needs one).
    pub registry: bool,
    pub revision: String,
    pub dir: PathBuf,
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub base: BaseModel,
    pub train: PathBuf,
    /// A separate dev file; None: `dev_fraction` of the training texts.
    pub dev: Option<PathBuf>,
    /// 0: no dev split; every pair trains and the last epoch is kept.
    pub dev_fraction: f64,
    pub load: LoadConfig,
    pub out: PathBuf,
    pub epochs: usize,
    pub optim: AdamWConfig,
    pub batch_size: usize,
    pub batch_order: BatchOrder,
    /// Warm-up as a fraction of all steps.
    pub warmup: f64,
    pub seed: u64,
    pub max_length: usize,
    /// Stop after this many epochs without a better dev macro-F1.
    pub patience: Option<usize>,
    pub resume: bool,
    pub trainable: Trainable,
    /// How the classifier pools the encoder's states (BERT bases).
    pub pooling: Pooling,
    /// Write an overlay with the trained tensors in this format instead of
    /// a full `model.safetensors`.
    pub overlay: Option<output::OverlayFormat>,
    /// Files to score the final model on (macro-F1 with bootstrap intervals).
    pub reports: Vec<PathBuf>,
    /// Stop (resumably) once this many epochs are done, to split a long run.
    pub stop_after: Option<usize>,
}

/// How an epoch's pairs are cut into batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BatchOrder {
    /// Shuffled, then sorted by length within windows of 50 batches: less
    /// padding, so faster; batches are less mixed.
    Grouped,
    /// Plainly shuffled, as transformers' Trainer samples them.
    Shuffled,
}

impl BatchOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchOrder::Grouped => "grouped",
            BatchOrder::Shuffled => "shuffled",
        }
    }
}

/// Progress of a run, for a progress bar or a log.
pub enum Event<'a> {
    /// A line worth showing (data sizes, cache, resume).
    Note(String),
    EpochStart {
        epoch: usize,
        epochs: usize,
        steps: usize,
    },
    Step {
        loss: f64,
    },
    EpochEnd(&'a EpochSummary),
}

/// One epoch's numbers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpochSummary {
    /// 1-based.
    pub epoch: usize,
    pub train_loss: f64,
    /// None when the run has no dev split (`--dev-fraction 0`).
    pub dev_macro_f1: Option<f64>,
    pub dev_accuracy: Option<f64>,
    pub seconds: f64,
    pub lr_end: f64,
}

/// Macro-F1 and accuracy of a model on a labeled file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Scored {
    pub file: String,
    pub sha256: String,
    pub pairs: usize,
    pub macro_f1: f64,
    pub macro_f1_ci95: Option<(f64, f64)>,
    pub accuracy: f64,
    pub f1: Vec<(String, f64)>,
}

/// What a finished run reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainReport {
    pub out: PathBuf,
    pub history: Vec<EpochSummary>,
    pub best_epoch: usize,
    /// None when the run has no dev split (`--dev-fraction 0`).
    pub dev: Option<Scored>,
    pub reports: Vec<Scored>,
    /// The final model's logits on the dev pairs, in their order (empty
    /// without a dev split).
    #[serde(skip)]
    pub dev_logits: Vec<Vec<f32>>,
}

/// Checkpoint bookkeeping (`state.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct RunState {
    /// Hash of everything that must match for `--resume`.
    fingerprint: String,
    epochs_done: usize,
    best_epoch: usize,
    best_f1: f64,
    history: Vec<EpochSummary>,
}

/// The inputs of each step, built once.
struct Prepared {
    train: Vec<Encoded>,
    dev: Vec<Encoded>,
    /// Frozen layers' output per example (`[tokens, hidden]`), when some are frozen.
    train_cache: Option<Vec<Tensor>>,
    dev_cache: Option<Vec<Tensor>>,
}

/// Trains, writes `config.out`, and reports.
pub fn train_stance(
    config: &TrainConfig,
    progress: &mut dyn FnMut(Event),
) -> Result<TrainReport, TrainError> {
    validate(config)?;
    let work = partial_dir(&config.out);
    let checkpoint = work.join("checkpoint");
    if config.out.exists() {
        return Err(TrainError::Usage(format!(
            "{} already exists; remove it or choose another --out",
            config.out.display()
        )));
    }
    if work.exists() && !config.resume {
        return Err(TrainError::Usage(format!(
            "{} holds an unfinished run; pass --resume to continue it, or delete it",
            work.display()
        )));
    }
    if config.resume && !checkpoint.join("state.json").is_file() {
        return Err(TrainError::Usage(format!(
            "--resume: no checkpoint in {} (nothing to resume)",
            checkpoint.display()
        )));
    }
    std::fs::create_dir_all(&checkpoint).map_err(|e| TrainError::io(&checkpoint, e))?;

    // Data.
    let train_pairs = data::load_pairs(&config.train, &config.load)?;
    let (train_pairs, dev_pairs) = match &config.dev {
        Some(dev) => (train_pairs, data::load_pairs(dev, &config.load)?),
        None => data::split_dev(train_pairs, config.dev_fraction, config.seed),
    };
    let wants_dev = config.dev.is_some() || config.dev_fraction > 0.0;
    if train_pairs.is_empty() || (wants_dev && dev_pairs.is_empty()) {
        return Err(TrainError::Usage(format!(
            "{} training and {} dev pairs: both need some (give --dev FILE or a --dev-fraction \
             that leaves texts on both sides)",
            train_pairs.len(),
            dev_pairs.len()
        )));
    }
    progress(Event::Note(format!(
        "data: {} training pairs {:?}, {} dev pairs {:?}",
        train_pairs.len(),
        data::label_counts(&train_pairs),
        dev_pairs.len(),
        data::label_counts(&dev_pairs)
    )));

    let dir = ModelDir::open(&config.base.dir)?;
    let max_positions = dir
        .config()
        .get("max_position_embeddings")
        .and_then(|v| v.as_u64())
        .unwrap_or(512) as usize;
    let max_length = config.max_length.min(max_positions);
    let tokenizer = TextTokenizer::load(&dir, max_length)?;
    let train = data::encode(&tokenizer, &train_pairs)?;
    let dev = data::encode(&tokenizer, &dev_pairs)?;

    tch::manual_seed(config.seed as i64);
    let mut network = Network::load(&dir, LABELS.len() as i64, config.trainable, config.pooling)?;
    let params = network.trained_parameters();
    let mut optimizer = AdamW::new(config.optim, params);
    progress(Event::Note(format!(
        "model: {} trainable values ({}), base {}",
        optimizer.numel(),
        trainable_text(config.trainable),
        config.base.name
    )));

    let fingerprint = fingerprint(config, max_length)?;
    let mut state = RunState {
        fingerprint: fingerprint.clone(),
        epochs_done: 0,
        best_epoch: 0,
        best_f1: -1.0,
        history: Vec::new(),
    };
    if config.resume {
        state = read_state(&checkpoint)?;
        if state.fingerprint != fingerprint {
            return Err(TrainError::Checkpoint {
                path: checkpoint.clone(),
                message: "was written by a run with other data, base or settings; \
                          repeat that run's options or delete the folder"
                    .into(),
            });
        }
        network.load_trained(&checkpoint.join("last.safetensors"))?;
        optimizer.load(&checkpoint.join("optimizer.safetensors"))?;
        progress(Event::Note(format!(
            "resumed after epoch {} (best so far: epoch {}, dev macro-F1 {:.4})",
            state.epochs_done, state.best_epoch, state.best_f1
        )));
    }

    let mut prepared = Prepared {
        train,
        dev,
        train_cache: None,
        dev_cache: None,
    };
    if network.first_trained_layer > 0 {
        let started = Instant::now();
        prepared.train_cache = Some(cache_states(&network, &prepared.train));
        prepared.dev_cache = Some(cache_states(&network, &prepared.dev));
        progress(Event::Note(format!(
            "cached the {} frozen layers' output in {:.1}s",
            network.first_trained_layer,
            started.elapsed().as_secs_f64()
        )));
    }

    let steps_per_epoch = prepared.train.len().div_ceil(config.batch_size);
    let total_steps = (steps_per_epoch * config.epochs) as u64;
    let warmup_steps = (config.warmup * total_steps as f64).round() as u64;
    for epoch in state.epochs_done..config.epochs {
        if let Some(patience) = config.patience
            && epoch > 0
            && state.epochs_done - state.best_epoch >= patience
        {
            progress(Event::Note(format!(
                "early stop: no better dev macro-F1 for {patience} epoch(s)"
            )));
            break;
        }
        let started = Instant::now();
        tch::manual_seed(config.seed as i64 + epoch as i64 + 1);
        let mut rng = fastrand::Rng::with_seed(config.seed.wrapping_add(epoch as u64 + 1));
        let lengths: Vec<usize> = prepared.train.iter().map(|e| e.ids.len()).collect();
        let batches = plan_batches(&lengths, config.batch_size, config.batch_order, &mut rng);
        progress(Event::EpochStart {
            epoch: epoch + 1,
            epochs: config.epochs,
            steps: batches.len(),
        });
        let mut loss_sum = 0.0;
        let mut lr = config.optim.lr;
        for batch in &batches {
            lr = linear_lr(config.optim.lr, optimizer.step, warmup_steps, total_steps);
            let labels = Tensor::from_slice(
                &batch
                    .iter()
                    .map(|&i| prepared.train[i].label as i64)
                    .collect::<Vec<_>>(),
            );
            let logits = logits_of(
                &network,
                &prepared.train,
                prepared.train_cache.as_deref(),
                batch,
                true,
            );
            let loss = logits.cross_entropy_for_logits(&labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step(lr);
            let value = loss.double_value(&[]);
            if !value.is_finite() {
                return Err(TrainError::Usage(format!(
                    "the loss became {value} in epoch {}; lower --lr",
                    epoch + 1
                )));
            }
            loss_sum += value;
            progress(Event::Step { loss: value });
        }
        let dev_metrics = (!prepared.dev.is_empty()).then(|| {
            let dev_pred = predict(&network, &prepared.dev, prepared.dev_cache.as_deref());
            metrics_of(&prepared.dev, &dev_pred)
        });
        let summary = EpochSummary {
            epoch: epoch + 1,
            train_loss: loss_sum / batches.len().max(1) as f64,
            dev_macro_f1: dev_metrics.as_ref().map(|m| m.macro_f1),
            dev_accuracy: dev_metrics.as_ref().map(|m| m.accuracy),
            seconds: started.elapsed().as_secs_f64(),
            lr_end: lr,
        };
        progress(Event::EpochEnd(&summary));
        state.epochs_done = epoch + 1;
        // Without a dev split the latest epoch is the one kept.
        let improved = summary.dev_macro_f1.is_none_or(|f1| f1 > state.best_f1);
        if improved {
            state.best_f1 = summary.dev_macro_f1.unwrap_or(state.best_f1);
            state.best_epoch = epoch + 1;
            network.save_trained(&checkpoint.join("best.safetensors.tmp"))?;
            rename(
                &checkpoint.join("best.safetensors.tmp"),
                &checkpoint.join("best.safetensors"),
            )?;
        }
        state.history.push(summary);
        network.save_trained(&checkpoint.join("last.safetensors"))?;
        optimizer.save(&checkpoint.join("optimizer.safetensors"))?;
        write_state(&checkpoint, &state)?;
        if config.stop_after == Some(epoch + 1) && epoch + 1 < config.epochs {
            return Err(TrainError::Paused {
                epochs: epoch + 1,
                dir: checkpoint,
            });
        }
    }

    // The best epoch's weights, as they will be stored.
    network.load_trained(&checkpoint.join("best.safetensors"))?;
    if let Some(format) = config.overlay {
        network.round_trained(format);
    }
    let (dev_pred, dev_logits) =
        predict_with_logits(&network, &prepared.dev, prepared.dev_cache.as_deref());
    let dev_scored = (!prepared.dev.is_empty()).then(|| {
        scored(
            &config
                .dev
                .as_deref()
                .map_or("dev split of the training file".into(), |p| {
                    p.display().to_string()
                }),
            "",
            &prepared.dev,
            &dev_pred,
        )
    });
    let mut reports = Vec::new();
    for path in &config.reports {
        let pairs = data::load_pairs(path, &config.load)?;
        let encoded = data::encode(&tokenizer, &pairs)?;
        let pred = predict(&network, &encoded, None);
        let result = scored(
            &path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            &output::sha256_file(path)?,
            &encoded,
            &pred,
        );
        progress(Event::Note(format!(
            "{}: macro-F1 {:.4} (95% CI {}), accuracy {:.4} ({} pairs)",
            result.file,
            result.macro_f1,
            result
                .macro_f1_ci95
                .map_or("-".into(), |(l, h)| format!("{l:.4}-{h:.4}")),
            result.accuracy,
            result.pairs
        )));
        reports.push(result);
    }
    let report = TrainReport {
        out: config.out.clone(),
        history: state.history.clone(),
        best_epoch: state.best_epoch,
        dev: dev_scored,
        reports,
        dev_logits,
    };
    let staged = work.join("model");
    if staged.exists() {
        std::fs::remove_dir_all(&staged).map_err(|e| TrainError::io(&staged, e))?;
    }
    output::write_model_dir(&staged, config, &dir, &mut network, &report, max_length)?;
    rename(&staged, &config.out)?;
    std::fs::remove_dir_all(&work).map_err(|e| TrainError::io(&work, e))?;
    Ok(report)
}

fn validate(config: &TrainConfig) -> Result<(), TrainError> {
    let usage = |m: String| Err(TrainError::Usage(m));
    if config.epochs == 0 {
        return usage("--epochs must be at least 1".into());
    }
    if config.batch_size == 0 {
        return usage("--batch-size must be at least 1".into());
    }
    if !(config.optim.lr > 0.0 && config.optim.lr.is_finite()) {
        return usage(format!(
            "--lr {} must be a positive number",
            config.optim.lr
        ));
    }
    if !(0.0..1.0).contains(&config.warmup) {
        return usage(format!(
            "--warmup {} must be a fraction in [0, 1)",
            config.warmup
        ));
    }
    if config.dev.is_none() && !(0.0..1.0).contains(&config.dev_fraction) {
        return usage(format!(
            "--dev-fraction {} must be in [0, 1) (0: no dev split)",
            config.dev_fraction
        ));
    }
    if config.dev.is_none() && config.dev_fraction == 0.0 && config.patience.is_some() {
        return usage("--patience needs a dev split: give --dev FILE or --dev-fraction > 0".into());
    }
    if config.max_length < 8 {
        return usage(format!(
            "--max-length {} is too short (8 or more)",
            config.max_length
        ));
    }
    if config.overlay.is_some() {
        if !config.base.registry {
            return usage(
                "--overlay needs --base to be a registry model name (the overlay names its base)"
                    .into(),
            );
        }
        if config.trainable == Trainable::All {
            return usage(
                "--overlay stores only trained layers: give --train-layers K as well".into(),
            );
        }
    }
    Ok(())
}

/// `<out>.partial`, next to `out` so the final rename stays on one file system.
pub fn partial_dir(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

fn trainable_text(trainable: Trainable) -> String {
    match trainable {
        Trainable::All => "all parameters".into(),
        Trainable::Top(k) => format!("top {k} layers, pooler and classifier"),
    }
}

fn rename(from: &Path, to: &Path) -> Result<(), TrainError> {
    std::fs::rename(from, to)
        .map_err(|e| TrainError::io(to, format!("cannot move {} here: {e}", from.display())))
}

fn fingerprint(config: &TrainConfig, max_length: usize) -> Result<String, TrainError> {
    let mut parts = vec![
        output::sha256_file(&config.train)?,
        config
            .dev
            .as_deref()
            .map(output::sha256_file)
            .transpose()?
            .unwrap_or_else(|| format!("fraction {}", config.dev_fraction)),
        config.base.name.clone(),
        config.base.revision.clone(),
    ];
    parts.push(format!(
        "{:?} {} {:?} {} {} {} {} {:?} {:?}",
        config.optim,
        config.batch_size,
        config.batch_order,
        config.epochs,
        config.warmup,
        config.seed,
        max_length,
        config.trainable,
        config.load.format
    ));
    // What turns rows into pairs: other columns or label names are other data.
    parts.push(format!("{:?} {:?}", config.load.fields, config.load.labels));
    // Only when not the default, so runs started before it resume.
    if config.pooling != Pooling::Cls {
        parts.push(format!("pooling {}", config.pooling.name()));
    }
    Ok(output::sha256_hex(parts.join("\n").as_bytes()))
}

fn read_state(dir: &Path) -> Result<RunState, TrainError> {
    let path = dir.join("state.json");
    let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| TrainError::Checkpoint {
        path,
        message: e.to_string(),
    })
}

fn write_state(dir: &Path, state: &RunState) -> Result<(), TrainError> {
    let tmp = dir.join("state.json.tmp");
    let text = serde_json::to_string_pretty(state).expect("state serializes");
    std::fs::write(&tmp, text).map_err(|e| TrainError::io(&tmp, e))?;
    rename(&tmp, &dir.join("state.json"))
}

/// An epoch's batches. Grouped: shuffle, sort windows of 50 batches by
/// length, cut, shuffle the batches (less padding). Shuffled: shuffle, cut.
fn plan_batches(
    lengths: &[usize],
    batch: usize,
    order_kind: BatchOrder,
    rng: &mut fastrand::Rng,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    rng.shuffle(&mut order);
    if order_kind == BatchOrder::Shuffled {
        return order.chunks(batch).map(<[usize]>::to_vec).collect();
    }
    for chunk in order.chunks_mut(batch * 50) {
        chunk.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    }
    let mut batches: Vec<Vec<usize>> = order.chunks(batch).map(<[usize]>::to_vec).collect();
    rng.shuffle(&mut batches);
    batches
}

/// Padded `[batch, seq]` ids, mask and token types of `examples[batch]`.
fn batch_inputs(examples: &[Encoded], batch: &[usize], pad_id: i64) -> (Tensor, Tensor, Tensor) {
    let seq = batch
        .iter()
        .map(|&i| examples[i].ids.len())
        .max()
        .unwrap_or(0);
    let mut ids = Vec::with_capacity(batch.len() * seq);
    let mut mask = Vec::with_capacity(batch.len() * seq);
    let mut types = Vec::with_capacity(batch.len() * seq);
    for &i in batch {
        let e = &examples[i];
        let pad = seq - e.ids.len();
        ids.extend(
            e.ids
                .iter()
                .copied()
                .chain(std::iter::repeat_n(pad_id, pad)),
        );
        mask.extend(std::iter::repeat_n(1i64, e.ids.len()).chain(std::iter::repeat_n(0, pad)));
        types.extend(
            e.type_ids
                .iter()
                .copied()
                .chain(std::iter::repeat_n(0, pad)),
        );
    }
    let shape = [batch.len() as i64, seq as i64];
    (
        Tensor::from_slice(&ids).view(shape),
        Tensor::from_slice(&mask).view(shape),
        Tensor::from_slice(&types).view(shape),
    )
}

/// Logits of `examples[batch]`, from cached frozen states when given.
fn logits_of(
    network: &Network,
    examples: &[Encoded],
    cache: Option<&[Tensor]>,
    batch: &[usize],
    train: bool,
) -> Tensor {
    let (ids, mask, types) = batch_inputs(examples, batch, network.pad_id);
    match cache {
        Some(cache) => {
            let states: Vec<&Tensor> = batch.iter().map(|&i| &cache[i]).collect();
            let padded = Tensor::pad_sequence(&states, true, 0.0);
            network.forward_from_states(padded, &mask, &types, train)
        }
        None => {
            let types = network.uses_token_types.then_some(&types);
            network.forward(&ids, &mask, types, train)
        }
    }
}

/// Batches for inference: by length, 64 at a time.
fn inference_batches(examples: &[Encoded]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.sort_by_key(|&i| examples[i].ids.len());
    order.chunks(64).map(<[usize]>::to_vec).collect()
}

/// The frozen layers' output of every example, unpadded.
fn cache_states(network: &Network, examples: &[Encoded]) -> Vec<Tensor> {
    let mut cache: Vec<Option<Tensor>> = (0..examples.len()).map(|_| None).collect();
    for batch in inference_batches(examples) {
        let (ids, mask, types) = batch_inputs(examples, &batch, network.pad_id);
        let types = network.uses_token_types.then_some(&types);
        let states = network.frozen_states(&ids, &mask, types);
        for (row, &i) in batch.iter().enumerate() {
            let len = examples[i].ids.len() as i64;
            cache[i] = Some(states.get(row as i64).narrow(0, 0, len).copy());
        }
    }
    cache
        .into_iter()
        .map(|t| t.expect("every example cached"))
        .collect()
}

/// Predictions of the network (no dropout), in example order.
fn predict(
    network: &Network,
    examples: &[Encoded],
    cache: Option<&[Tensor]>,
) -> Vec<Option<usize>> {
    predict_with_logits(network, examples, cache).0
}

/// Predictions and logits, in example order.
fn predict_with_logits(
    network: &Network,
    examples: &[Encoded],
    cache: Option<&[Tensor]>,
) -> (Vec<Option<usize>>, Vec<Vec<f32>>) {
    let _guard = tch::no_grad_guard();
    let mut pred = vec![None; examples.len()];
    let mut all = vec![Vec::new(); examples.len()];
    for batch in inference_batches(examples) {
        let logits = logits_of(network, examples, cache, &batch, false);
        let rows: Vec<Vec<f32>> = Vec::<Vec<f32>>::try_from(&logits).unwrap_or_default();
        for (&i, row) in batch.iter().zip(rows) {
            let best = row
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(k, _)| k);
            pred[i] = best;
            all[i] = row;
        }
    }
    (pred, all)
}

fn metrics_of(examples: &[Encoded], pred: &[Option<usize>]) -> ClassMetrics {
    let gold: Vec<usize> = examples.iter().map(|e| e.label).collect();
    ClassMetrics::compute(LABELS.len(), &gold, pred)
}

/// Metrics with a 95% bootstrap interval of macro-F1 (1,000 resamples, seed 0).
fn scored(file: &str, sha256: &str, examples: &[Encoded], pred: &[Option<usize>]) -> Scored {
    let gold: Vec<usize> = examples.iter().map(|e| e.label).collect();
    let metrics = ClassMetrics::compute(LABELS.len(), &gold, pred);
    let ci: Option<Interval> = interval(gold.len(), &BootstrapConfig::default(), |idx| {
        let g: Vec<usize> = idx.iter().map(|&i| gold[i]).collect();
        let p: Vec<Option<usize>> = idx.iter().map(|&i| pred[i]).collect();
        ClassMetrics::compute(LABELS.len(), &g, &p).macro_f1
    });
    Scored {
        file: file.to_string(),
        sha256: sha256.to_string(),
        pairs: examples.len(),
        macro_f1: metrics.macro_f1,
        macro_f1_ci95: ci.map(|i| (i.low, i.high)),
        accuracy: metrics.accuracy,
        f1: LABELS
            .iter()
            .zip(&metrics.f1)
            .map(|(l, f)| (l.as_str().to_string(), *f))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covered_once(batches: &[Vec<usize>], n: usize, batch: usize) {
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..n).collect::<Vec<_>>());
        assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= batch));
    }

    #[test]
    fn both_batch_orders_cover_every_pair_once_and_repeat_with_the_seed() {
        let lengths: Vec<usize> = (0..1000).map(|i| 5 + (i * 37) % 120).collect();
        for order in [BatchOrder::Grouped, BatchOrder::Shuffled] {
            let a = plan_batches(&lengths, 32, order, &mut fastrand::Rng::with_seed(3));
            let b = plan_batches(&lengths, 32, order, &mut fastrand::Rng::with_seed(3));
            covered_once(&a, lengths.len(), 32);
            assert_eq!(a, b, "{order:?} is not deterministic");
        }
    }

    #[test]
    fn grouped_batches_pad_less_than_shuffled_ones() {
        let lengths: Vec<usize> = (0..3200).map(|i| 5 + (i * 37) % 120).collect();
        let padding = |order| {
            plan_batches(&lengths, 32, order, &mut fastrand::Rng::with_seed(1))
                .iter()
                .map(|b| {
                    let max = b.iter().map(|&i| lengths[i]).max().unwrap();
                    b.iter().map(|&i| max - lengths[i]).sum::<usize>()
                })
                .sum::<usize>()
        };
        assert!(padding(BatchOrder::Grouped) * 5 < padding(BatchOrder::Shuffled));
    }
}
