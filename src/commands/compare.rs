//! `newsframe compare`: how outlets (or languages, or dates) frame the
//! actors of a story, side by side, from analysis records — as Markdown,
//! tidy CSV, JSON or one self-contained HTML page. See `docs/report.md`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::article::Origin;
use crate::commands::Outcome;
use crate::commands::args::{ActorArgs, EngineArgs, InputArgs, SummaryArgs};
use crate::commands::records::start_pipeline;
use crate::commands::stories::{DEFAULT_EMBEDDING_MODEL, SimilarityChoice};
use crate::output::Destination;
use crate::output::guard::{ReadPaths, refuse_same_output};
use crate::output::records::{Layout, RecordStream};
use crate::pipeline::PipelineConfig;
use crate::record::{ArticleAnalysis, Record};
use crate::report::accumulate::{RecordConsumer, ReportBuilder};
use crate::report::load::{failure_entry, looks_like_records, malformed, read_jsonl_path};
use crate::report::parquet::{is_parquet, parquet_files, read_table_set, table_sets};
use crate::report::{
    FailedEntry, FailureKind, GroupBy, InputSummary, ReportConfig, ReportFormat, StoryMode,
};

#[derive(Debug, Args)]
#[command(
    after_help = "INPUT may be analysis records (JSONL or the Parquet tables written by \
`newsframe analyze`, or a Spark job's partitioned folders of them), compared as they are \
in one streaming pass, or articles, which are analyzed first with the Engine and Actors \
options. `-` reads records from standard input. Exit status: 0 ok, 1 some records failed \
or were unreadable (listed in the report), 2 usage or fatal error. See docs/report.md."
)]
pub struct CompareArgs {
    /// Analysis records (JSONL or Parquet tables written by `newsframe
    /// analyze`, or folders of Parquet partitions), articles
    /// (analyzed first, as `analyze` would, with the engine and actor
    /// options below), or folders holding either; `-` reads records from
    /// standard input.
    #[command(flatten)]
    pub input: InputArgs,

    /// Actors, for inputs that are articles.
    #[command(flatten)]
    pub actors: ActorArgs,

    /// Engine, for inputs that are articles.
    #[command(flatten)]
    pub engine: EngineArgs,

    /// Summary, for inputs that are articles.
    #[command(flatten)]
    pub summary: SummaryArgs,

    /// Also write the records made from article inputs to FILE (JSONL), to
    /// compare them again without analyzing again.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub records_out: Option<PathBuf>,

    /// What to compare side by side: outlets, languages, dates or months.
    #[arg(long, value_enum, default_value_t = ReportConfig::default().group_by, help_heading = "Report")]
    pub by: GroupBy,

    /// Keep only articles whose title or summary contains TEXT
    /// (case-insensitive), as one story.
    #[arg(long, value_name = "TEXT", help_heading = "Report")]
    pub story: Option<String>,

    /// Treat the input as one story, or cluster articles about the same event
    /// into stories (by title and summary words) and report each.
    #[arg(long, value_enum, default_value_t = ReportConfig::default().stories, help_heading = "Report")]
    pub stories: StoryMode,

    /// Similarity used to cluster stories: multilingual sentence embeddings
    /// when the embedding model is installed (auto), else tf-idf word overlap.
    #[arg(long, value_enum, default_value_t = SimilarityChoice::Auto, help_heading = "Report")]
    pub similarity: SimilarityChoice,

    /// The sentence-embedding model of --similarity auto|embedding: a
    /// registry name or a model directory.
    #[arg(long, default_value = DEFAULT_EMBEDDING_MODEL, value_name = "NAME|DIR", help_heading = "Report")]
    pub embedding_model: String,

    /// Stories merge while their articles are at least this similar (0–1)
    /// on average. Default: 0.05 for word overlap, 0.4 for embeddings.
    #[arg(long, value_name = "SIM", help_heading = "Report")]
    pub cluster_threshold: Option<f64>,

    /// Report records of each engine setup separately instead of refusing
    /// to compare scores made by different engines or model revisions.
    #[arg(long, help_heading = "Report")]
    pub group_by_engine: bool,

    /// Bootstrap resamples for the interval of each mean score.
    #[arg(long, default_value_t = ReportConfig::default().bootstrap_samples, value_name = "N", help_heading = "Statistics")]
    pub bootstrap_samples: usize,

    /// Coverage of the bootstrap intervals.
    #[arg(long, default_value_t = ReportConfig::default().confidence_level, value_name = "LEVEL", help_heading = "Statistics")]
    pub confidence: f64,

    /// Seed of the bootstrap: the same records and seed give the same report.
    #[arg(long, default_value_t = ReportConfig::default().seed, help_heading = "Statistics")]
    pub seed: u64,

    /// A summary sentence is "said only here" when at least this share of
    /// its words appears in no sentence of another group's summaries.
    #[arg(long, default_value_t = ReportConfig::default().novelty_threshold, value_name = "SHARE", help_heading = "Statistics")]
    pub novelty_threshold: f64,

    /// Output format; by default taken from the --out extension, else md.
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<ReportFormat>,

    /// Write to this file instead of standard output (`-`: stdout).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub out: Option<PathBuf>,
}

impl CompareArgs {
    pub fn report_config(&self) -> ReportConfig {
        ReportConfig {
            group_by: self.by,
            story_filter: self.story.clone(),
            stories: self.stories,
            // Set by `stories::resolve`, which knows what is installed.
            similarity: ReportConfig::default().similarity,
            embedding_model: None,
            cluster_threshold: self
                .cluster_threshold
                .unwrap_or(ReportConfig::default().cluster_threshold),
            group_by_engine: self.group_by_engine,
            bootstrap_samples: self.bootstrap_samples,
            confidence_level: self.confidence,
            seed: self.seed,
            novelty_threshold: self.novelty_threshold,
            generated_at: None,
        }
    }

    fn format(&self) -> ReportFormat {
        self.format
            .or_else(|| self.out.as_deref().and_then(ReportFormat::from_path))
            .unwrap_or(ReportFormat::Md)
    }
}

pub fn run(args: &CompareArgs) -> anyhow::Result<Outcome> {
    let mut config = args.report_config();
    if args.format() == ReportFormat::Parquet && args.out.as_deref().is_none_or(|o| o == "-") {
        bail!("--format parquet needs --out FILE: Parquet is not written to standard output");
    }
    let reads = ReadPaths::new()
        .articles(&args.input.inputs)
        .file("--actors", args.actors.actors.as_deref());
    reads.refuse_output(args.out.as_deref(), "--out")?;
    reads.refuse_output(args.records_out.as_deref(), "--records-out")?;
    refuse_same_output(
        ("--out", args.out.as_deref()),
        ("--records-out", args.records_out.as_deref()),
    )?;
    // Claimed (locked) before the long work, so a second run fails at once.
    let report_out = Destination::claim(args.out.as_deref())?;
    let records_out = args
        .records_out
        .as_deref()
        .map(|path| Destination::claim(Some(path)))
        .transpose()?;
    let Classified {
        records: record_files,
        parquet: parquet_files,
        articles: article_inputs,
        errors: walk_errors,
    } = classify_inputs(&args.input.inputs)?;
    let embedder = crate::commands::stories::resolve(
        &mut config,
        args.similarity,
        &args.embedding_model,
        args.cluster_threshold,
    )?;
    let mut builder = ReportBuilder::new(&config)?;
    if let Some(embedder) = embedder {
        builder = builder.with_embedder(embedder);
    }
    let mut report = Printing(&mut builder);
    for err in walk_errors {
        report.failed(malformed(&err.origin, err.message));
    }
    for path in &record_files {
        read_jsonl_path(path, &mut report)
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    let (sets, unreadable) = table_sets(&parquet_files);
    for (path, message) in unreadable {
        report.failed(malformed(
            &Origin::file(path.display().to_string()),
            message,
        ));
    }
    for set in &sets {
        read_table_set(set, &mut report)?;
    }
    if !article_inputs.is_empty() {
        analyze_articles(args, &article_inputs, records_out, &mut report)?;
    } else if records_out.is_some() {
        bail!("--records-out writes the records made from article inputs, and there are none");
    }
    let (analyses, failures) = (builder.analysis_count(), builder.failure_count());
    let report = builder.finish()?;
    let mut out = report_out.replace()?;
    args.format().write(&report, &mut out)?;
    out.commit()?;
    eprintln!(
        "newsframe: compared {analyses} analyses in {} section(s); {failures} not included",
        report.sections.len(),
    );
    Ok(Outcome::from_failures(failures))
}

/// Passes records on to the report, telling each failure on stderr as it
/// comes (the report lists only the first ones).
struct Printing<'a>(&'a mut ReportBuilder);

impl RecordConsumer for Printing<'_> {
    fn analysis(&mut self, read_from: Origin, analysis: ArticleAnalysis) {
        self.0.analysis(read_from, analysis);
    }

    fn failed(&mut self, entry: FailedEntry) {
        let line = format!(
            "newsframe: {}: {}{}",
            entry.origin,
            match entry.kind {
                FailureKind::Analysis => "article failed in analyze: ",
                FailureKind::Malformed => "",
            },
            entry.error
        );
        eprintln!("{}", crate::terminal::printable(&line));
        self.0.failed(entry);
    }

    fn input(&mut self, summary: InputSummary) {
        self.0.input(summary);
    }
}

/// Runs the analyze pipeline over article inputs and adds its records.
fn analyze_articles(
    args: &CompareArgs,
    inputs: &[PathBuf],
    records_out: Option<Destination>,
    report: &mut dyn RecordConsumer,
) -> anyhow::Result<()> {
    let mut config = PipelineConfig::new(args.actors.actor_set()?);
    args.engine.configure(&mut config);
    args.summary.configure(&mut config);
    let pipeline = start_pipeline(config)?;
    // Articles stream through the pipeline a batch at a time, their
    // records into the report.
    let mut records_out = match records_out {
        Some(destination) => Some(RecordStream::new(
            destination.replace()?,
            Layout::JsonLines,
        )?),
        None => None,
    };
    let mut summary = InputSummary {
        path: format!("{} article input(s), analyzed", inputs.len()),
        analyses: 0,
        failed: 0,
        malformed: 0,
    };
    pipeline.analyze_stream(args.input.articles(inputs), |record| {
        if let Some(out) = &mut records_out {
            out.write(&record, |_| Ok(()))?;
        }
        match record {
            Record::Analysis(analysis) => {
                summary.analyses += 1;
                report.analysis(analysis.origin.clone(), *analysis);
            }
            Record::Failed(failed) => {
                summary.failed += 1;
                report.failed(failure_entry(failed));
            }
        }
        anyhow::Ok(())
    })?;
    if let Some(out) = records_out {
        out.finish()?;
    }
    report.input(summary);
    Ok(())
}

/// Splits inputs into analysis-record files and article inputs. Folders are
/// walked (sorted, symbolic links followed); their `.jsonl` files that hold
/// records are records. A file named twice (or reached twice through links)
/// is read once, with a notice: its records would otherwise count twice.
/// Folder entries that cannot be walked come back as errors, for the report.
fn classify_inputs(inputs: &[PathBuf]) -> anyhow::Result<Classified> {
    let mut classified = Classified::default();
    let mut seen = std::collections::HashSet::new();
    let mut add = |path: &Path, classified: &mut Classified| {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if seen.insert(key) {
            classify_file(path, classified);
        } else {
            eprintln!(
                "newsframe: notice: {} is named more than once; read once",
                path.display()
            );
        }
    };
    for input in inputs {
        if input.as_os_str() == "-" {
            classified.records.push(input.clone());
        } else if input.is_dir() {
            let (files, errors) = crate::input::article_files(input);
            for file in files {
                add(&file, &mut classified);
            }
            classified.errors.extend(errors);
            let (files, errors) = parquet_files(input);
            for file in files {
                add(&file, &mut classified);
            }
            classified.errors.extend(errors);
        } else if input.exists() {
            add(input, &mut classified);
        } else {
            bail!("{}: no such file or folder", input.display());
        }
    }
    Ok(classified)
}

/// Inputs of `compare`, sorted out.
#[derive(Debug, Default)]
struct Classified {
    records: Vec<PathBuf>,
    /// Parquet record tables.
    parquet: Vec<PathBuf>,
    articles: Vec<PathBuf>,
    errors: Vec<crate::input::InputError>,
}

fn classify_file(path: &Path, classified: &mut Classified) {
    if is_parquet(path) {
        classified.parquet.push(path.to_path_buf());
    } else if looks_like_records(path) {
        classified.records.push(path.to_path_buf());
    } else {
        classified.articles.push(path.to_path_buf());
    }
}
