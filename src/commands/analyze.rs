//! `newsframe analyze`: the main job. Reads articles, summarizes them, finds
//! the actors, scores the stance toward each, and writes one record per
//! article (see `docs/schema.md`) as text, JSON or JSONL. With `--out` the
//! records go to a JSONL file written record by record, so an interrupted
//! run keeps what it finished and `--resume` carries on from there.
//!
//! The work itself is [`crate::pipeline::Pipeline`]; this module parses
//! arguments, streams inputs in batches, and writes.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::actors::ActorSet;
use crate::article::Article;
use crate::cli::InputArgs;
use crate::commands::Outcome;
use crate::input::read_inputs;
use crate::pipeline::{EngineChoice, Pipeline, PipelineConfig, Precision};
use crate::preprocess::preprocess;
use crate::record::{ArticleAnalysis, FailedArticle, Record, SCHEMA_VERSION};
use crate::summarize::builtin::ExtractiveConfig;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub actors: ActorArgs,

    #[command(flatten)]
    pub engine: EngineArgs,

    /// Summary model (a name from the model registry; transformer engine).
    #[arg(long, value_name = "NAME", help_heading = "Engine")]
    pub summary_model: Option<String>,

    /// Most sentences in a builtin (extractive) summary; 0 for no limit.
    #[arg(long, default_value_t = ExtractiveConfig::default().max_sentences, value_name = "N", help_heading = "Summary")]
    pub summary_sentences: usize,

    /// Most words in a builtin (extractive) summary; 0 for no limit. The
    /// best sentence is always kept.
    #[arg(long, default_value_t = ExtractiveConfig::default().max_words, value_name = "N", help_heading = "Summary")]
    pub summary_words: usize,

    #[command(flatten)]
    pub output: RecordOutputArgs,
}

/// Actor options shared by `analyze`, `stance` and `compare`.
#[derive(Debug, Clone, Args)]
pub struct ActorArgs {
    /// Actor set (TOML), e.g. data/actors/venezuela.toml.
    #[arg(long, value_name = "FILE", help_heading = "Actors")]
    pub actors: Option<PathBuf>,

    /// An actor inline, `id=alias|alias` or `id:Name=alias|alias`; repeat for
    /// more. Adds to (or replaces an actor of) the --actors set. All-capital
    /// aliases (US, UN) match with their case.
    #[arg(long = "actor", value_name = "SPEC", help_heading = "Actors")]
    pub inline_actors: Vec<String>,
}

/// Engine options shared by `analyze`, `stance`, `compare` and `eval`.
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// Engine: `auto` uses the transformer models when installed, else the
    /// builtin engine (with a notice); `builtin` needs no downloads.
    #[arg(long, value_enum, default_value_t = EngineChoice::Auto, help_heading = "Engine")]
    pub engine: EngineChoice,

    /// NLI model for stance (a name from the model registry; transformer engine).
    #[arg(long, value_name = "NAME", help_heading = "Engine")]
    pub nli_model: Option<String>,

    /// Stance from a target-sentiment classifier instead of NLI: a registry
    /// or bundled model name (e.g. newsmtsc-minilm-l6), or a model or overlay
    /// directory. One pass per mention sentence; transformer engine.
    #[arg(
        long,
        value_name = "NAME|DIR",
        conflicts_with = "nli_model",
        help_heading = "Engine"
    )]
    pub stance_model: Option<String>,

    /// Pairs per stance model call (NLI premise/hypothesis or classifier
    /// sentence/target pairs).
    #[arg(long, default_value_t = DEFAULT_BATCH_SIZE, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Engine")]
    pub batch_size: u32,

    /// Most sentences judged per actor and article (the most informative
    /// are kept); 0 judges all.
    #[arg(long, default_value_t = DEFAULT_MAX_MENTIONS, value_name = "N", help_heading = "Engine")]
    pub max_mentions: usize,

    /// Replace the builtin stance lexicons with `<lang>.tsv` files from DIR.
    #[arg(long, value_name = "DIR", help_heading = "Engine")]
    pub lexicons: Option<PathBuf>,

    /// Number format of the transformer models: `f32` reproduces Hugging Face
    /// transformers; `bf16` is several times faster on CPUs with AVX512-BF16 or
    /// AMX, probabilities within about 0.01 (DeBERTa-v2 NLI, T5/mT5 summaries).
    /// Records name it with the model.
    #[arg(
        long,
        default_value = "f32",
        value_name = "f32|bf16",
        help_heading = "Engine"
    )]
    pub precision: Precision,

    /// Threads for the transformer models. Default: all cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Engine")]
    pub threads: Option<u32>,
}

const DEFAULT_BATCH_SIZE: u32 = 16;
const DEFAULT_MAX_MENTIONS: usize = 8;

impl EngineArgs {
    /// The options given other values than their defaults, as flags: for
    /// commands that may run no engine (`eval --pred`) to refuse them.
    pub fn changed_flags(&self) -> Vec<&'static str> {
        [
            ("--engine", self.engine != EngineChoice::Auto),
            ("--nli-model", self.nli_model.is_some()),
            ("--stance-model", self.stance_model.is_some()),
            ("--batch-size", self.batch_size != DEFAULT_BATCH_SIZE),
            ("--max-mentions", self.max_mentions != DEFAULT_MAX_MENTIONS),
            ("--lexicons", self.lexicons.is_some()),
            ("--precision", self.precision != Precision::F32),
            ("--threads", self.threads.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, changed)| changed.then_some(flag))
        .collect()
    }

    /// Sets the pipeline's engine options from these arguments.
    pub fn configure(&self, config: &mut PipelineConfig) {
        config.engine = self.engine;
        config.nli_model = self.nli_model.clone();
        config.stance_model = self.stance_model.clone();
        config.nli.batch_size = self.batch_size as usize;
        config.max_mentions = self.max_mentions;
        config.lexicon_dir = self.lexicons.clone();
        config.precision = self.precision;
        config.threads = self.threads.map(|n| n as usize);
    }
}

/// Where and how records are written.
#[derive(Debug, Clone, Args)]
pub struct RecordOutputArgs {
    /// Write records to this JSONL file, one per article, each flushed as
    /// soon as it is done.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub out: Option<PathBuf>,

    /// Output format. Default: text on standard output, jsonl with --out.
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<RecordFormat>,

    /// With --out: skip articles whose id already has a record in the file,
    /// and append the others (an unfinished last line is dropped).
    #[arg(long, requires = "out", help_heading = "Output")]
    pub resume: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordFormat {
    /// Summary and a table of actors, for people.
    Text,
    /// One JSON array.
    Json,
    /// One JSON record per line.
    Jsonl,
}

/// Articles per pipeline batch: large enough for shared NLI batches, small
/// enough that records appear steadily.
const ARTICLES_PER_BATCH: usize = 8;

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<Outcome> {
    let summary = SummaryOptions {
        model: args.summary_model.clone(),
        max_sentences: args.summary_sentences,
        max_words: args.summary_words,
    };
    run_analysis(
        &args.input,
        &args.actors,
        &args.engine,
        Some(summary),
        &args.output,
    )
}

/// Summary settings of `analyze` (`stance` writes no summary).
#[derive(Debug, Clone, Default)]
pub struct SummaryOptions {
    pub model: Option<String>,
    pub max_sentences: usize,
    pub max_words: usize,
}

/// Builds the actor set from `--actors` and `--actor`.
pub fn actor_set(args: &ActorArgs) -> anyhow::Result<ActorSet> {
    let mut set = match &args.actors {
        Some(path) => ActorSet::load(path)?,
        None => ActorSet::empty("inline"),
    };
    for spec in &args.inline_actors {
        set.add_inline(spec)?;
    }
    if set.actors.is_empty() {
        bail!(
            "no actors to look for: pass --actors FILE (e.g. data/actors/venezuela.toml) or --actor 'id=alias|alias'"
        );
    }
    Ok(set)
}

/// The shared body of `analyze` (`summary: Some(..)`) and `stance`
/// (`None`: no summaries).
pub fn run_analysis(
    input: &InputArgs,
    actors: &ActorArgs,
    engine: &EngineArgs,
    summary: Option<SummaryOptions>,
    output: &RecordOutputArgs,
) -> anyhow::Result<Outcome> {
    // Parse and validate everything cheap before loading any model.
    let format = output.format.unwrap_or(if output.out.is_some() {
        RecordFormat::Jsonl
    } else {
        RecordFormat::Text
    });
    if output.resume && format != RecordFormat::Jsonl {
        bail!("--resume needs JSONL output (drop --format or use --format jsonl)");
    }
    let actors = actor_set(actors)?;
    let mut config = PipelineConfig::new(actors);
    engine.configure(&mut config);
    config.summarize = summary.is_some();
    if let Some(summary) = summary {
        config.summary_model = summary.model;
        config.extractive.max_sentences = summary.max_sentences;
        config.extractive.max_words = summary.max_words;
    }

    let done: HashSet<String> = match (&output.out, output.resume) {
        (Some(path), true) => prepare_resume(path)?,
        _ => HashSet::new(),
    };
    if config.engine == EngineChoice::Builtin
        && (config.summary_model.is_some() || config.nli_model.is_some())
    {
        eprintln!(
            "newsframe: notice: --summary-model and --nli-model choose transformer models; the builtin engine ignores them"
        );
    }
    let pipeline = Pipeline::new(config)?;
    if let Some(notice) = pipeline.notice() {
        eprintln!("newsframe: notice: {notice}");
    }

    let mut sink = RecordSink::open(output.out.as_deref(), format, output.resume)?;
    let progress = Progress::new();
    let preprocess_config = input.preprocess_config();
    let mut failures = 0usize;
    let mut skipped = 0usize;
    let mut pending: Vec<Pending> = Vec::new();
    let mut articles_in_batch = 0;

    let flush = |pending: &mut Vec<Pending>,
                 sink: &mut RecordSink,
                 failures: &mut usize|
     -> anyhow::Result<()> {
        let articles: Vec<Article> = pending
            .iter_mut()
            .filter_map(|p| match p {
                Pending::Article(a) => Some(std::mem::replace(a.as_mut(), placeholder())),
                Pending::Failed(_) => None,
            })
            .collect();
        let mut analyzed = pipeline.analyze(&articles).into_iter();
        for item in pending.drain(..) {
            let record = match item {
                Pending::Failed(record) => Record::Failed(record),
                Pending::Article(_) => analyzed.next().expect("one record per article"),
            };
            if let Record::Failed(f) = &record {
                *failures += 1;
                progress.println(&format!("newsframe: {}: {}", f.origin, f.error));
            }
            sink.write(&record)?;
            progress.inc();
        }
        Ok(())
    };

    for item in read_inputs(&input.inputs, &input.input_config()) {
        match item {
            Ok(raw) => {
                let article = preprocess(raw, &preprocess_config);
                if done.contains(&article.id) {
                    skipped += 1;
                    continue;
                }
                pending.push(Pending::Article(Box::new(article)));
                articles_in_batch += 1;
            }
            Err(err) => pending.push(Pending::Failed(FailedArticle {
                schema_version: SCHEMA_VERSION,
                id: None,
                source: None,
                origin: err.origin.clone(),
                error: err.message.clone(),
            })),
        }
        if articles_in_batch >= ARTICLES_PER_BATCH {
            flush(&mut pending, &mut sink, &mut failures)?;
            articles_in_batch = 0;
        }
    }
    flush(&mut pending, &mut sink, &mut failures)?;
    sink.finish()?;
    progress.finish();
    if skipped > 0 {
        eprintln!("newsframe: resumed: skipped {skipped} articles already in the output");
    }
    Ok(Outcome::from_failures(failures))
}

enum Pending {
    Article(Box<Article>),
    Failed(FailedArticle),
}

fn placeholder() -> Article {
    Article {
        id: String::new(),
        origin: crate::article::Origin::file(""),
        meta: Default::default(),
        language: crate::article::Language {
            code: "und".into(),
            source: crate::article::LanguageSource::Detected,
            confidence: 0.0,
            mixed: false,
            others: Vec::new(),
        },
        body: String::new(),
        paragraphs: Vec::new(),
        sentences: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Reads the ids of the analyses already in `path` and drops an unfinished
/// last line (a run killed mid-write), so appending starts on a fresh line.
/// Failed articles are not counted as done: they are tried again.
pub fn prepare_resume(path: &Path) -> anyhow::Result<HashSet<String>> {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let complete = match text.iter().rposition(|&b| b == b'\n') {
        Some(last) => last + 1,
        None => 0,
    };
    if complete < text.len() {
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.set_len(complete as u64).with_context(|| {
            format!(
                "cannot truncate the unfinished last line of {}",
                path.display()
            )
        })?;
        eprintln!(
            "newsframe: {}: dropped an unfinished last line ({} bytes)",
            path.display(),
            text.len() - complete
        );
    }
    let mut done = HashSet::new();
    for (n, line) in text[..complete].split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Record>(line) {
            Ok(Record::Analysis(a)) => {
                done.insert(a.id);
            }
            Ok(Record::Failed(_)) => {}
            Err(e) => bail!(
                "{}:{}: not an analysis record ({e}); --resume appends only to files written by analyze or stance",
                path.display(),
                n + 1
            ),
        }
    }
    Ok(done)
}

/// Writes records as they come, in one of the formats.
struct RecordSink {
    out: Box<dyn Write>,
    format: RecordFormat,
    written: usize,
}

impl RecordSink {
    fn open(path: Option<&Path>, format: RecordFormat, append: bool) -> anyhow::Result<RecordSink> {
        let out: Box<dyn Write> = match path {
            Some(p) if append && p.as_os_str() != "-" => {
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .with_context(|| format!("cannot append to {}", p.display()))?;
                Box::new(BufWriter::new(file))
            }
            _ => crate::output::open_output(path)?,
        };
        let mut sink = RecordSink {
            out,
            format,
            written: 0,
        };
        if format == RecordFormat::Json {
            sink.out.write_all(b"[")?;
        }
        Ok(sink)
    }

    fn write(&mut self, record: &Record) -> anyhow::Result<()> {
        match self.format {
            RecordFormat::Jsonl => {
                serde_json::to_writer(&mut self.out, record)?;
                self.out.write_all(b"\n")?;
            }
            RecordFormat::Json => {
                if self.written > 0 {
                    self.out.write_all(b",")?;
                }
                self.out.write_all(b"\n")?;
                serde_json::to_writer_pretty(&mut self.out, record)?;
            }
            RecordFormat::Text => {
                if self.written > 0 {
                    writeln!(self.out)?;
                }
                match record {
                    Record::Analysis(a) => write_text(&mut self.out, a)?,
                    Record::Failed(f) => writeln!(self.out, "== {} FAILED: {}", f.origin, f.error)?,
                }
            }
        }
        self.written += 1;
        self.out.flush()?;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        if self.format == RecordFormat::Json {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// The human view: header, summary, then one row per actor with its best
/// evidence sentence.
pub fn write_text(out: &mut dyn Write, a: &ArticleAnalysis) -> std::io::Result<()> {
    let mut header = vec![a.lang.clone()];
    header.extend(a.source.clone());
    header.extend(a.date.clone());
    writeln!(out, "== {} ({}) [{}]", a.id, a.origin, header.join(", "))?;
    if let Some(title) = &a.title {
        writeln!(out, "{title}")?;
    }
    if let Some(summary) = &a.summary {
        writeln!(out)?;
        writeln!(out, "Summary:")?;
        for line in wrap(&summary.text, 96) {
            writeln!(out, "  {line}")?;
        }
    }
    writeln!(out)?;
    let name_width = a
        .actors
        .iter()
        .map(|s| s.id.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(
        out,
        "  {:<name_width$}  {:>8}  {:<8}  {:>6}  {:>4}  evidence",
        "actor", "mentions", "stance", "score", "conf"
    )?;
    for s in &a.actors {
        let (stance, score, conf) = match (s.stance, s.score, s.confidence) {
            (Some(l), Some(sc), Some(c)) => (l.to_string(), format!("{sc:+.2}"), format!("{c:.2}")),
            _ => ("-".to_string(), "-".to_string(), "-".to_string()),
        };
        let evidence = s
            .evidence
            .first()
            .map(|e| format!("[{}] {}", e.sentence + 1, ellipsize(&e.text, 90)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<name_width$}  {:>8}  {:<8}  {:>6}  {:>4}  {}",
            s.id, s.mentions, stance, score, conf, evidence
        )?;
    }
    for w in &a.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    let engine = [
        a.engine.summary.as_deref().map(|s| format!("summary {s}")),
        a.engine.stance.as_deref().map(|s| format!("stance {s}")),
        a.engine.actors.as_deref().map(|s| format!("actors {s}")),
    ];
    let engine: Vec<String> = engine.into_iter().flatten().collect();
    writeln!(out, "  engine: {}", engine.join("; "))?;
    Ok(())
}

fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A progress line on stderr when it is a terminal; nothing in pipes.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {pos} articles  {per_sec}  {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress { bar }
    }

    fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
