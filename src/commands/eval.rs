//! `newsframe eval`: scores summaries (ROUGE) and stances (accuracy,
//! macro-F1, F_avg, confusion) against a labeled dataset, as a table for
//! people or JSON (`--format json`, versioned by
//! [`crate::eval::EVAL_SCHEMA_VERSION`]) for machines.
//!
//! Predictions come from newsframe's pipeline (`--engine`, the default) or
//! from a file (`--pred`: `analyze` output or plain JSONL, see
//! [`crate::eval::predictions`]), so every system is scored the same way.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::commands::Outcome;
use crate::commands::args::{EngineArgs, EvalFormat, SummaryArgs};
use crate::commands::records::start_pipeline;
use crate::eval::EVAL_SCHEMA_VERSION;
use crate::eval::datasets::{self, ColumnMap, DatasetError, DatasetFormat, LoadConfig, Loaded};
use crate::eval::labels::LabelMap;
use crate::eval::predictions;
use crate::eval::rouge::{RougeMode, RougeVariant};
use crate::eval::stances::{StanceEvaluation, StanceGroup};
use crate::eval::summaries::{
    BaselineRow, ModeChoice, RougeGroup, SummaryEvalConfig, SummaryEvaluation,
};
use crate::output::Destination;
use crate::output::guard::ReadPaths;
use crate::pipeline::{Pipeline, PipelineConfig};
use crate::stats::{BootstrapConfig, Interval};

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub task: EvalTask,
}

#[derive(Debug, Subcommand)]
pub enum EvalTask {
    /// ROUGE-1/2/L/Lsum of summaries against reference summaries.
    Summarize(SummarizeArgs),
    /// Accuracy, macro-F1, per-class scores and confusion of stance labels.
    Stance(EvalStanceArgs),
    /// Precision and recall of quotation extraction (quotes, speakers, actors).
    Quotes(crate::commands::eval_quotes::EvalQuotesArgs),
}

/// What every evaluation reads and writes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// The labeled dataset (JSONL, CSV or tab-separated; see --dataset-format).
    #[arg(value_name = "DATASET")]
    pub dataset: PathBuf,

    /// Predictions to score: analyze output JSONL, or JSONL with `id` and
    /// `summary` (summarize) or `id`, optional `actor`, and `label` (stance).
    /// Without it, the engine (--engine) makes the predictions.
    #[arg(long, value_name = "FILE")]
    pub pred: Option<PathBuf>,

    /// The engine that makes the predictions when --pred is not given, with
    /// the options of `analyze`.
    #[command(flatten)]
    pub engine: EngineArgs,

    /// Dataset format; detected from the extension and fields when omitted.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub dataset_format: Option<DatasetFormat>,

    /// Map a field to a column: NAME=COLUMN, NAME one of id, text, summary,
    /// lang, title, target, label. Repeatable.
    #[arg(long = "field", value_name = "NAME=COLUMN")]
    pub fields: Vec<String>,

    /// Language (ISO 639-1) of every example, overriding the data.
    #[arg(long, value_name = "CODE")]
    pub lang: Option<String>,

    /// Bootstrap resamples for 95% confidence intervals (0: none).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: usize,

    /// Seed of the bootstrap resampling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// Output: a readable table or JSON with every number.
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,

    /// Include every example's scores or labels in the JSON report.
    #[arg(long)]
    pub per_example: bool,

    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Tokenization: `english` is rouge-score's (ASCII only); `multilingual`
    /// keeps words in any script. Default: english when every example is
    /// English, multilingual otherwise.
    #[arg(long, value_enum, value_name = "MODE")]
    pub rouge_mode: Option<RougeMode>,

    /// Do not stem tokens (stemming is on by default: Porter in English mode,
    /// Snowball per language in multilingual mode).
    #[arg(long)]
    pub no_stem: bool,

    /// Score ROUGE-Lsum on the texts' own lines only: do not split one-line
    /// texts into sentences first.
    #[arg(long)]
    pub no_sentence_split: bool,

    /// Summary options for engine predictions, as `analyze` takes them.
    #[command(flatten)]
    pub summary: SummaryArgs,

    /// Score a baseline instead of an engine: `lead-K`, the first K sentences
    /// of each article as `analyze` segments it (e.g. `lead-2`). Without it,
    /// Lead-1..3 are reported next to the predictions.
    #[arg(long, value_name = "lead-K", value_parser = parse_lead, conflicts_with = "pred")]
    pub baseline: Option<usize>,
}

/// `lead-K` with K ≥ 1.
fn parse_lead(value: &str) -> Result<usize, String> {
    value
        .strip_prefix("lead-")
        .and_then(|k| k.parse::<usize>().ok())
        .filter(|&k| k >= 1)
        .ok_or_else(|| {
            format!("{value:?} is not a baseline; expected lead-K with K >= 1, e.g. lead-2")
        })
}

/// Lead-k baselines reported next to a system's scores.
const REPORTED_LEADS: [usize; 3] = [1, 2, 3];

#[derive(Debug, Args)]
pub struct EvalStanceArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Actor set (TOML) for engine predictions; the dataset's actor ids
    /// must be defined in it (data/actors/venezuela.toml for data/eval).
    /// Without it, the engine judges each example's own target: the span
    /// the dataset marks (NewsMTSC), else the target's name in the text.
    #[arg(long, value_name = "FILE", conflicts_with = "pred")]
    pub actors: Option<PathBuf>,

    /// Read the dataset's label FROM as TO (negative, neutral or positive);
    /// repeatable. Once given, only mapped names are labels.
    #[arg(long = "label-map", value_name = "FROM=TO")]
    pub label_map: Vec<String>,
}

pub fn run(args: &EvalArgs) -> anyhow::Result<Outcome> {
    match &args.task {
        EvalTask::Summarize(a) => run_summarize(a),
        EvalTask::Stance(a) => run_stance(a),
        EvalTask::Quotes(a) => crate::commands::eval_quotes::run(a),
    }
}

/// Where the numbers came from, for the report.
#[derive(Debug, Serialize)]
struct DatasetInfo {
    path: String,
    format: DatasetFormat,
    examples: usize,
    failed_rows: usize,
}

#[derive(Debug, Serialize)]
struct PredictionInfo {
    /// `file` or `engine`.
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// Engines (and model revisions) named by analyze records.
    engines: Vec<String>,
    failed_lines: usize,
}

#[derive(Debug, Serialize)]
struct Report<'a, T> {
    schema_version: u32,
    task: &'static str,
    newsframe_version: &'static str,
    dataset: DatasetInfo,
    predictions: PredictionInfo,
    bootstrap: BootstrapConfig,
    #[serde(flatten)]
    evaluation: &'a T,
}

impl CommonArgs {
    /// Refuses an --out that is the dataset, the predictions or another
    /// input in `reads`, and claims it before any work is done.
    fn claim_output(&self, reads: ReadPaths) -> anyhow::Result<Destination> {
        reads
            .file("dataset", Some(&self.dataset))
            .file("--pred", self.pred.as_deref())
            .refuse_output(self.out.as_deref(), "--out")?;
        Destination::claim(self.out.as_deref())
    }

    /// Sets the pipeline's engine options from these arguments.
    fn configure(&self, config: &mut PipelineConfig) {
        self.engine.configure(config);
    }

    /// Refuses engine options (with the task's own, `more`) next to
    /// --pred, which runs no engine.
    fn check_engine_use(&self, more: Vec<&'static str>) -> anyhow::Result<()> {
        let mut changed = self.engine.changed_flags();
        changed.extend(more);
        if self.pred.is_some() && !changed.is_empty() {
            anyhow::bail!(
                "--pred scores a file, so the engine options ({}) do not apply: drop them \
                 or --pred",
                changed.join(", ")
            );
        }
        Ok(())
    }

    fn load_config(&self) -> anyhow::Result<LoadConfig> {
        Ok(LoadConfig {
            format: self.dataset_format,
            fields: ColumnMap::parse(&self.fields)?,
            lang: self.lang.clone(),
            labels: LabelMap::default(),
        })
    }

    fn prediction_info(&self, engines: Vec<String>, failed_lines: usize) -> PredictionInfo {
        PredictionInfo {
            source: if self.pred.is_some() {
                "file"
            } else {
                "engine"
            },
            path: self.pred.as_ref().map(|p| p.display().to_string()),
            engines,
            failed_lines,
        }
    }

    /// Where predictions come from, for messages.
    fn prediction_source(&self) -> String {
        match &self.pred {
            Some(p) => p.display().to_string(),
            None => "the engine's output".to_string(),
        }
    }

    fn bootstrap(&self) -> BootstrapConfig {
        BootstrapConfig {
            samples: self.bootstrap,
            seed: self.seed,
            ..BootstrapConfig::default()
        }
    }
}

/// Prints every row error and warning; returns the number of failed rows.
fn report_load<T>(loaded: &Loaded<T>, path: &Path) -> anyhow::Result<usize> {
    for warning in &loaded.warnings {
        eprintln!("newsframe: warning: {warning}");
    }
    for err in &loaded.errors {
        eprintln!("newsframe: {err}");
    }
    if loaded.examples.is_empty() {
        anyhow::bail!(
            "{}: no usable example in the dataset (format {}); check --dataset-format and --field",
            path.display(),
            loaded.format.as_str()
        );
    }
    Ok(loaded.errors.len())
}

fn report_errors(errors: &[DatasetError]) -> usize {
    for err in errors {
        eprintln!("newsframe: {err}");
    }
    errors.len()
}

fn run_summarize(args: &SummarizeArgs) -> anyhow::Result<Outcome> {
    let common = &args.common;
    common.check_engine_use(args.summary.changed_flags())?;
    let out = common.claim_output(ReadPaths::new())?;
    let loaded = datasets::load_summaries(&common.dataset, &common.load_config()?)
        .map_err(anyhow::Error::new)?;
    let failed_rows = report_load(&loaded, &common.dataset)?;
    let preds = match (&common.pred, args.baseline) {
        (_, Some(k)) => crate::eval::engine::lead(&loaded.examples, k),
        (Some(path), None) => predictions::read_summaries(path).map_err(anyhow::Error::new)?,
        (None, None) => {
            let mut config = PipelineConfig::new(crate::actors::ActorSet::empty("none"));
            common.configure(&mut config);
            args.summary.configure(&mut config);
            let pipeline = build_pipeline(config)?;
            crate::eval::engine::summaries(&pipeline, &loaded.examples)
        }
    };
    let failed_lines = report_errors(&preds.errors);
    let config = SummaryEvalConfig {
        mode: args.rouge_mode,
        stem: !args.no_stem,
        split_sentences: !args.no_sentence_split,
        bootstrap: common.bootstrap(),
    };
    let mut evaluation = crate::eval::summaries::evaluate(&loaded.examples, &preds.by_id, &config);
    if args.baseline.is_none() {
        // Scored exactly as the system is, without intervals.
        let plain = SummaryEvalConfig {
            bootstrap: BootstrapConfig {
                samples: 0,
                ..config.bootstrap
            },
            ..config
        };
        for k in REPORTED_LEADS {
            let lead = crate::eval::engine::lead(&loaded.examples, k);
            let scored = crate::eval::summaries::evaluate(&loaded.examples, &lead.by_id, &plain);
            evaluation
                .baselines
                .push(BaselineRow::of(&format!("lead-{k}"), &scored));
        }
    }
    if !common.per_example {
        evaluation.examples.clear();
    }
    eprintln!(
        "newsframe: ROUGE mode: {} ({}): {}",
        evaluation.rouge.mode.as_str(),
        evaluation.rouge.mode_choice,
        evaluation.rouge.tokenizer
    );
    if evaluation.rouge.mode_choice == ModeChoice::Auto
        && evaluation.rouge.mode == RougeMode::Multilingual
    {
        let seen: Vec<String> = evaluation
            .by_language
            .iter()
            .map(|(lang, g)| format!("{lang} {}", g.n))
            .collect();
        eprintln!(
            "newsframe: languages seen: {} (pass --lang or --rouge-mode to decide otherwise)",
            seen.join(", ")
        );
    }
    if evaluation.overall.missing > 0 {
        eprintln!(
            "newsframe: warning: {} of {} examples have no prediction in {}; they score 0",
            evaluation.overall.missing,
            evaluation.overall.n,
            common.prediction_source()
        );
        if evaluation.overall.missing == evaluation.overall.n {
            eprintln!(
                "newsframe: hint: no prediction id matches a dataset id; the dataset's ids \
                 come from its `id` field (map another with --field id=COLUMN)"
            );
        }
    }
    let report = Report {
        schema_version: EVAL_SCHEMA_VERSION,
        task: "summarize",
        newsframe_version: env!("CARGO_PKG_VERSION"),
        dataset: DatasetInfo {
            path: common.dataset.display().to_string(),
            format: loaded.format,
            examples: loaded.examples.len(),
            failed_rows,
        },
        predictions: common.prediction_info(preds.engines.iter().cloned().collect(), failed_lines),
        bootstrap: config.bootstrap,
        evaluation: &evaluation,
    };
    write_report(common, out, &report, |out| {
        write_summary_table(out, &report)
    })?;
    Ok(Outcome::from_failures(failed_rows + failed_lines))
}

fn run_stance(args: &EvalStanceArgs) -> anyhow::Result<Outcome> {
    let common = &args.common;
    common.check_engine_use(Vec::new())?;
    let out = common.claim_output(ReadPaths::new().file("--actors", args.actors.as_deref()))?;
    let load = LoadConfig {
        labels: LabelMap::parse(&args.label_map).map_err(anyhow::Error::msg)?,
        ..common.load_config()?
    };
    let loaded = datasets::load_stance(&common.dataset, &load).map_err(anyhow::Error::new)?;
    let failed_rows = report_load(&loaded, &common.dataset)?;
    let preds = match &common.pred {
        Some(path) => predictions::read_stance(path).map_err(anyhow::Error::new)?,
        None => {
            let Some(actors_path) = &args.actors else {
                if loaded.format == DatasetFormat::Project {
                    anyhow::bail!(
                        "engine stance on newsframe's labeled articles needs the actor set that \
                         defines their actor ids: pass --actors FILE (data/actors/venezuela.toml \
                         for data/eval), or score a prediction file with --pred"
                    );
                }
                // No actor set: each example's own target (its marked span,
                // else its name in the text) is what the engine judges.
                let mut config = PipelineConfig::new(crate::actors::ActorSet::empty("targets"));
                common.configure(&mut config);
                config.summarize = false;
                let pipeline = build_pipeline(config)?;
                if loaded.examples.iter().all(|e| e.spans.is_empty()) {
                    eprintln!(
                        "newsframe: no actor set given and the dataset marks no target span: \
                         each target is looked for by name in its text (pass --actors FILE \
                         when targets are actor ids)"
                    );
                }
                return finish_stance(
                    args,
                    out,
                    &loaded,
                    failed_rows,
                    crate::eval::targets::stances(&pipeline, &loaded.examples),
                );
            };
            let actors = crate::actors::ActorSet::load(actors_path)
                .with_context(|| format!("cannot load actor set {}", actors_path.display()))?;
            let unknown = crate::eval::engine::unknown_actors(&loaded.examples, &actors);
            if !unknown.is_empty() {
                let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
                anyhow::bail!(
                    "{}: {} target(s) are not actor ids of {} (e.g. {:?}); engine stance \
                     scores actors of the set only: add them to the set, leave --actors out \
                     to judge each example's own target, or score a prediction file with --pred",
                    common.dataset.display(),
                    unknown.len(),
                    actors_path.display(),
                    shown
                );
            }
            let mut config = PipelineConfig::new(actors);
            common.configure(&mut config);
            config.summarize = false;
            let pipeline = build_pipeline(config)?;
            crate::eval::engine::stances(&pipeline, &loaded.examples)
        }
    };
    finish_stance(args, out, &loaded, failed_rows, preds)
}

/// Scores stance predictions and writes the report.
fn finish_stance(
    args: &EvalStanceArgs,
    out: Destination,
    loaded: &Loaded<datasets::StanceExample>,
    failed_rows: usize,
    preds: predictions::StancePredictions,
) -> anyhow::Result<Outcome> {
    let common = &args.common;
    let failed_lines = report_errors(&preds.errors);
    let bootstrap = common.bootstrap();
    let mut evaluation =
        crate::eval::stances::evaluate(&loaded.examples, loaded.scheme, &preds, &bootstrap);
    if !common.per_example {
        evaluation.examples.clear();
    }
    if evaluation.unmatched > 0 {
        eprintln!(
            "newsframe: warning: {} of {} examples have no prediction record in {}; \
             those with a gold label count as wrong",
            evaluation.unmatched,
            loaded.examples.len(),
            common.prediction_source()
        );
        if evaluation.unmatched == loaded.examples.len() {
            eprintln!(
                "newsframe: hint: no prediction matches a dataset id (and actor); the \
                 dataset's ids come from its `id` field (map another with --field id=COLUMN)"
            );
        }
    }
    let report = Report {
        schema_version: EVAL_SCHEMA_VERSION,
        task: "stance",
        newsframe_version: env!("CARGO_PKG_VERSION"),
        dataset: DatasetInfo {
            path: common.dataset.display().to_string(),
            format: loaded.format,
            examples: loaded.examples.len(),
            failed_rows,
        },
        predictions: common.prediction_info(preds.engines.iter().cloned().collect(), failed_lines),
        bootstrap,
        evaluation: &evaluation,
    };
    write_report(common, out, &report, |out| write_stance_table(out, &report))?;
    Ok(Outcome::from_failures(failed_rows + failed_lines))
}

fn build_pipeline(config: PipelineConfig) -> anyhow::Result<Pipeline> {
    start_pipeline(config).context("cannot start the engine")
}

fn write_report<T: Serialize>(
    common: &CommonArgs,
    destination: Destination,
    report: &Report<'_, T>,
    table: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut out = destination.replace()?;
    match common.format {
        EvalFormat::Json => {
            serde_json::to_writer_pretty(&mut out, report)?;
            out.write_all(b"\n")?;
        }
        EvalFormat::Table => table(&mut out)?,
    }
    out.commit()
}

fn header<T>(out: &mut dyn Write, report: &Report<'_, T>) -> std::io::Result<()> {
    let d = &report.dataset;
    writeln!(
        out,
        "dataset:     {} ({}, {} examples{})",
        d.path,
        d.format.as_str(),
        d.examples,
        if d.failed_rows > 0 {
            format!(", {} rows failed", d.failed_rows)
        } else {
            String::new()
        }
    )?;
    let p = &report.predictions;
    let engines = if p.engines.is_empty() {
        String::new()
    } else {
        format!(" [{}]", p.engines.join(", "))
    };
    let source = p.path.as_deref().unwrap_or("engine");
    writeln!(out, "predictions: {source}{engines}")?;
    let b = &report.bootstrap;
    if b.samples > 0 {
        writeln!(
            out,
            "intervals:   {:.0}% bootstrap, {} resamples, seed {}",
            b.confidence * 100.0,
            b.samples,
            b.seed
        )?;
    }
    Ok(())
}

/// An interval as text: ×100 with 2 decimals for ROUGE, 4 decimals otherwise.
fn ci_text(ci: Option<Interval>, scale: f64) -> String {
    let digits = if scale == 1.0 { 4 } else { 2 };
    ci.map_or(String::new(), |c| {
        format!("[{:.digits$}, {:.digits$}]", c.low * scale, c.high * scale)
    })
}

fn write_summary_table(
    out: &mut dyn Write,
    report: &Report<'_, SummaryEvaluation>,
) -> std::io::Result<()> {
    let e = report.evaluation;
    header(out, report)?;
    writeln!(
        out,
        "ROUGE mode:  {} ({}); {}",
        e.rouge.mode.as_str(),
        if e.rouge.mode_choice == ModeChoice::Auto {
            "chosen from the data's languages"
        } else {
            "given"
        },
        e.rouge.tokenizer
    )?;
    if !e.rouge.unstemmed_languages.is_empty() {
        writeln!(
            out,
            "             no stemmer for: {}",
            e.rouge.unstemmed_languages.join(", ")
        )?;
    }
    if e.rouge.split_sentences {
        writeln!(
            out,
            "Lsum:        one-line texts split into sentences first"
        )?;
    }
    writeln!(out, "scores are means over examples, × 100")?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<10} {:>7} {:>7} {:>7}  F1 95% CI",
        "variant", "P", "R", "F1"
    )?;
    for variant in RougeVariant::ALL {
        let s = e.overall.scores.get(variant);
        writeln!(
            out,
            "{:<10} {:>7.2} {:>7.2} {:>7.2}  {}",
            variant.name(),
            s.precision * 100.0,
            s.recall * 100.0,
            s.f1 * 100.0,
            ci_text(s.f1_ci, 100.0)
        )?;
    }
    if e.overall.missing > 0 {
        writeln!(
            out,
            "{} of {} examples had no prediction (scored 0)",
            e.overall.missing, e.overall.n
        )?;
    }
    if !e.baselines.is_empty() {
        writeln!(out)?;
        writeln!(out, "baselines on the same examples (F1 × 100)")?;
        for row in &e.baselines {
            writeln!(
                out,
                "{:<10} R1 {:>6.2}  R2 {:>6.2}  RL {:>6.2}  RLsum {:>6.2}",
                row.name,
                row.f1.rouge1 * 100.0,
                row.f1.rouge2 * 100.0,
                row.f1.rouge_l * 100.0,
                row.f1.rouge_lsum * 100.0
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "by language (F1 × 100)")?;
    writeln!(
        out,
        "{:<6} {:>5} {:>7} {:>7} {:>7} {:>9}  R1 95% CI",
        "lang", "n", "R1", "R2", "RL", "RLsum"
    )?;
    for (lang, g) in &e.by_language {
        write_lang_row(out, lang, g)?;
    }
    Ok(())
}

fn write_lang_row(out: &mut dyn Write, lang: &str, g: &RougeGroup) -> std::io::Result<()> {
    let f = |variant| g.scores.get(variant).f1 * 100.0;
    writeln!(
        out,
        "{:<6} {:>5} {:>7.2} {:>7.2} {:>7.2} {:>9.2}  {}",
        lang,
        g.n,
        f(RougeVariant::Rouge1),
        f(RougeVariant::Rouge2),
        f(RougeVariant::RougeL),
        f(RougeVariant::RougeLsum),
        ci_text(g.scores.rouge1.f1_ci, 100.0)
    )
}

fn write_stance_table(
    out: &mut dyn Write,
    report: &Report<'_, StanceEvaluation>,
) -> std::io::Result<()> {
    let e = report.evaluation;
    header(out, report)?;
    writeln!(out)?;
    let o = &e.overall;
    writeln!(out, "scored:      {} gold labels", o.n)?;
    writeln!(
        out,
        "accuracy:    {:.4}  {}",
        o.accuracy,
        ci_text(e.accuracy_ci, 1.0)
    )?;
    writeln!(
        out,
        "macro-F1:    {:.4}  {}",
        o.macro_f1,
        ci_text(e.macro_f1_ci, 1.0)
    )?;
    if let Some(f_avg) = o.f_avg {
        writeln!(
            out,
            "F_avg:       {:.4}  {}  (mean F1 of FAVOR and AGAINST, SemEval-2016)",
            f_avg,
            ci_text(e.f_avg_ci, 1.0)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<10} {:>9} {:>9} {:>9} {:>8}",
        "class", "precision", "recall", "F1", "support"
    )?;
    for c in &e.per_class {
        writeln!(
            out,
            "{:<10} {:>9.4} {:>9.4} {:>9.4} {:>8}",
            c.label, c.precision, c.recall, c.f1, c.support
        )?;
    }
    writeln!(out)?;
    writeln!(out, "confusion (rows: gold, columns: predicted)")?;
    write!(out, "{:<10}", "")?;
    for label in e.labels.iter().copied().chain(["missing"]) {
        write!(out, " {label:>9}")?;
    }
    writeln!(out)?;
    for (label, row) in e.labels.iter().zip(&e.confusion) {
        write!(out, "{label:<10}")?;
        for n in row {
            write!(out, " {n:>9}")?;
        }
        writeln!(out)?;
    }
    if e.gold_not_mentioned > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "{} actor labels are null (not mentioned): left out of the scores above",
            e.gold_not_mentioned
        )?;
    }
    if let Some(m) = &e.mention_detection {
        writeln!(
            out,
            "mention detection: precision {:.4}, recall {:.4}, accuracy {:.4} \
             (tp {}, fp {}, fn {}, tn {})",
            m.precision,
            m.recall,
            m.accuracy,
            m.counts.true_positive,
            m.counts.false_positive,
            m.counts.false_negative,
            m.counts.true_negative
        )?;
    }
    write_groups(out, "language", &e.by_language)?;
    // Target-sentiment data names a different target in almost every
    // example: a table of them says nothing (the JSON report keeps it).
    if e.by_actor.len() <= MAX_ACTOR_ROWS {
        write_groups(out, "actor", &e.by_actor)?;
    } else {
        writeln!(out)?;
        writeln!(
            out,
            "by actor: {} distinct targets, not listed (see --format json)",
            e.by_actor.len()
        )?;
    }
    Ok(())
}

/// The most actors the table lists one by one.
const MAX_ACTOR_ROWS: usize = 50;

fn write_groups(
    out: &mut dyn Write,
    title: &str,
    groups: &std::collections::BTreeMap<String, StanceGroup>,
) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "by {title}")?;
    let width = groups
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 40);
    writeln!(
        out,
        "{:<width$} {:>5} {:>9} {:>9} {:>8}",
        title, "n", "accuracy", "macro-F1", "missing"
    )?;
    for (key, g) in groups {
        let shown: String = key.chars().take(width).collect();
        writeln!(
            out,
            "{:<width$} {:>5} {:>9.4} {:>9.4} {:>8}",
            shown, g.n, g.accuracy, g.macro_f1, g.missing
        )?;
    }
    Ok(())
}
