//! `newsframe train stance`: arguments, base model lookup, progress display;
//! the training itself is [`crate::train`].

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Outcome;
use crate::eval::datasets::{ColumnMap, DatasetFormat, LoadConfig};
use crate::eval::labels::LabelMap;

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(subcommand)]
    pub command: TrainCommand,
}

#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// Fine-tune a stance classifier on labeled (sentence, target) pairs.
    Stance(TrainStanceArgs),
}

#[derive(Debug, Args)]
pub struct TrainStanceArgs {
    /// Base model: a registry name (see `newsframe models list`) or a model directory.
    #[arg(long, value_name = "NAME|DIR")]
    pub base: String,

    /// Labeled training data (NewsMTSC JSONL, the project's eval format, or JSONL/CSV with --field).
    #[arg(long, value_name = "FILE")]
    pub train: PathBuf,

    /// Labeled dev data for early stopping and model choice; default: --dev-fraction of --train.
    #[arg(long, value_name = "FILE")]
    pub dev: Option<PathBuf>,

    /// Fraction of the training texts held out as dev when --dev is not given;
    /// 0: no dev split (every pair trains, the last epoch is kept).
    #[arg(long, default_value_t = 0.1, conflicts_with = "dev")]
    pub dev_fraction: f64,

    /// Output model directory (must not exist; written when training is complete).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    #[arg(long, default_value_t = 3)]
    pub epochs: usize,

    /// Peak learning rate (AdamW, linear decay to 0).
    #[arg(long, default_value_t = 5e-5)]
    pub lr: f64,

    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,

    /// How pairs are cut into batches: grouped by length (less padding,
    /// faster) or plainly shuffled.
    #[arg(long, value_enum, default_value = "grouped")]
    pub batch_order: crate::train::BatchOrder,

    /// Linear warm-up, as a fraction of all steps.
    #[arg(long, default_value_t = 0.0)]
    pub warmup: f64,

    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,

    /// Seed of the head's initialization, dropout, shuffling and the dev split.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Token window of a pair (the sentence is cut to fit); at most the model's positions.
    #[arg(long, default_value_t = 256)]
    pub max_length: usize,

    /// Stop after this many epochs without a better dev macro-F1.
    #[arg(long)]
    pub patience: Option<usize>,

    /// Continue the unfinished run in <out>.partial from its last epoch.
    #[arg(long)]
    pub resume: bool,

    /// Train only the top K layers, the pooler and the classifier (the frozen
    /// layers' output is computed once per example).
    #[arg(long, value_name = "K")]
    pub train_layers: Option<usize>,

    /// How the classifier reads the encoder's output: `cls` is transformers'
    /// `BertForSequenceClassification` (first token through a tanh dense);
    /// `mean-target` puts the mean of all tokens next to the mean of the
    /// target's tokens (BERT-family bases; the model is then for newsframe,
    /// not transformers).
    #[arg(long, value_enum, default_value = "cls")]
    pub pooling: PoolingArg,

    /// Write only the trained tensors, in this format, as an overlay on the
    /// registry base (needs --train-layers): f16, bf16, f32, or int8-delta
    /// (each matrix as its int8 change from the base, a scale per row).
    #[arg(long, value_name = "FORMAT", num_args = 0..=1, default_missing_value = "f16")]
    pub overlay: Option<crate::train::output::OverlayFormat>,

    /// Data format; detected from the extension and fields when omitted.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub format: Option<DatasetFormat>,

    /// Map a field to a column: NAME=COLUMN, NAME one of text, target, label, id.
    #[arg(long = "field", value_name = "NAME=COLUMN")]
    pub fields: Vec<String>,

    /// Read the data's label FROM as TO (negative, neutral or positive);
    /// repeatable, e.g. --label-map against=negative. Once given, only
    /// mapped names are labels.
    #[arg(long = "label-map", value_name = "FROM=TO")]
    pub label_map: Vec<String>,

    /// Also score the final model on this labeled file (repeatable); the
    /// numbers go into the model card with 95% bootstrap intervals.
    #[arg(long = "report", value_name = "FILE")]
    pub reports: Vec<PathBuf>,

    /// Threads for libtorch. Default: all cores.
    #[arg(long)]
    pub threads: Option<usize>,

    /// Stop after this many epochs, resumable with --resume (splits a long run).
    #[arg(long, value_name = "N")]
    pub stop_after: Option<usize>,
}

pub fn run(args: &TrainArgs) -> anyhow::Result<Outcome> {
    match &args.command {
        TrainCommand::Stance(args) => stance(args),
    }
}

fn stance(args: &TrainStanceArgs) -> anyhow::Result<Outcome> {
    use crate::models::ModelStore;
    use crate::train::optim::AdamWConfig;
    use crate::train::{BaseModel, TrainConfig, Trainable, train_stance};
    use crate::transformer::RuntimeConfig;

    let store = ModelStore::from_env()?;
    let installed = store.locate(&args.base)?;
    let base = BaseModel {
        name: args.base.clone(),
        registry: installed.entry.is_some(),
        revision: installed.revision.clone(),
        dir: installed.dir.clone(),
    };
    RuntimeConfig {
        threads: args.threads,
        ..RuntimeConfig::default()
    }
    .apply();
    let config = TrainConfig {
        base,
        train: args.train.clone(),
        dev: args.dev.clone(),
        dev_fraction: args.dev_fraction,
        load: LoadConfig {
            format: args.format,
            fields: ColumnMap::parse(&args.fields)?,
            lang: None,
            labels: LabelMap::parse(&args.label_map).map_err(anyhow::Error::msg)?,
        },
        out: args.out.clone(),
        epochs: args.epochs,
        optim: AdamWConfig {
            lr: args.lr,
            weight_decay: args.weight_decay,
            ..AdamWConfig::default()
        },
        batch_size: args.batch_size,
        batch_order: args.batch_order,
        warmup: args.warmup,
        seed: args.seed,
        max_length: args.max_length,
        patience: args.patience,
        resume: args.resume,
        trainable: args.train_layers.map_or(Trainable::All, Trainable::Top),
        pooling: args.pooling.into(),
        overlay: args.overlay,
        reports: args.reports.clone(),
        stop_after: args.stop_after,
    };
    let mut display = Display::new(std::io::stderr().is_terminal());
    let report = match train_stance(&config, &mut |event| display.show(event)) {
        Err(paused @ crate::train::TrainError::Paused { .. }) => {
            eprintln!("{paused}");
            return Ok(Outcome::Success);
        }
        other => other?,
    };
    match &report.dev {
        Some(dev) => eprintln!(
            "wrote {} (best epoch {}, dev macro-F1 {:.4})",
            report.out.display(),
            report.best_epoch,
            dev.macro_f1
        ),
        None => eprintln!(
            "wrote {} (epoch {}, no dev split)",
            report.out.display(),
            report.best_epoch
        ),
    }
    Ok(Outcome::Success)
}

/// `--pooling`, as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PoolingArg {
    Cls,
    MeanTarget,
}

impl From<PoolingArg> for crate::transformer::bert::Pooling {
    fn from(arg: PoolingArg) -> Self {
        match arg {
            PoolingArg::Cls => crate::transformer::bert::Pooling::Cls,
            PoolingArg::MeanTarget => crate::transformer::bert::Pooling::MeanAndTarget,
        }
    }
}

/// A progress bar with ETA on a terminal; one line per epoch otherwise.
struct Display {
    tty: bool,
    bar: Option<indicatif::ProgressBar>,
    loss_sum: f64,
    steps: usize,
    /// Steps of the epoch and when it started, for the plain log's ETA.
    total: usize,
    started: std::time::Instant,
}

impl Display {
    fn new(tty: bool) -> Display {
        Display {
            tty,
            bar: None,
            loss_sum: 0.0,
            steps: 0,
            total: 0,
            started: std::time::Instant::now(),
        }
    }

    fn show(&mut self, event: crate::train::Event) {
        use crate::train::Event;
        match event {
            Event::Note(line) => match &self.bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            },
            Event::EpochStart {
                epoch,
                epochs,
                steps,
            } => {
                self.loss_sum = 0.0;
                self.steps = 0;
                self.total = steps;
                self.started = std::time::Instant::now();
                if self.tty {
                    let bar = indicatif::ProgressBar::new(steps as u64);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "epoch {prefix} [{bar:30}] {pos}/{len} {msg} (ETA {eta})",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    );
                    bar.set_prefix(format!("{epoch}/{epochs}"));
                    self.bar = Some(bar);
                }
            }
            Event::Step { loss } => {
                self.loss_sum += loss;
                self.steps += 1;
                let mean = self.loss_sum / self.steps as f64;
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("loss {mean:.4}"));
                    bar.inc(1);
                } else if self.total >= 10
                    && self.steps.is_multiple_of(self.total / 10)
                    && self.steps < self.total
                {
                    // A log line every tenth of an epoch.
                    let elapsed = self.started.elapsed().as_secs_f64();
                    let eta = elapsed / self.steps as f64 * (self.total - self.steps) as f64;
                    eprintln!(
                        "  step {}/{}: loss {mean:.4}, {elapsed:.0}s, ETA {eta:.0}s",
                        self.steps, self.total
                    );
                }
            }
            Event::EpochEnd(summary) => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                let dev = match (summary.dev_macro_f1, summary.dev_accuracy) {
                    (Some(f1), Some(accuracy)) => {
                        format!(", dev macro-F1 {f1:.4}, dev accuracy {accuracy:.4}")
                    }
                    _ => String::new(),
                };
                eprintln!(
                    "epoch {}: train loss {:.4}{dev}, {:.0}s",
                    summary.epoch, summary.train_loss, summary.seconds
                );
            }
        }
    }
}
