//! Argument groups that several commands share: which articles to read
//! ([`InputArgs`]), the actors ([`ActorArgs`]), the engine ([`EngineArgs`]),
//! the summary ([`SummaryArgs`]) and where records go ([`RecordOutputArgs`]).
//! Each group turns itself into the library's settings; defaults are the
//! library's own `Default`s, so a flag's default and the library's agree.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::actors::ActorSet;
use crate::article::Article;
use crate::engine::{DEFAULT_SUMMARY_BATCH_TOKENS, DeviceChoice, EngineChoice, Precision};
use crate::input::{
    DEFAULT_MAX_ARTICLE_BYTES, InputConfig, StdinFormat, jsonl::FieldMap, read_inputs,
};
use crate::output::records::Layout;
use crate::pipeline::PipelineConfig;
use crate::preprocess::preprocess;
use crate::record::FailedArticle;
use crate::stance::nli::NliStanceConfig;
use crate::summarize::builtin::ExtractiveConfig;

/// Which articles to read and how. Shared by every command that reads articles.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Files or directories to read (.txt, .md, .html, .htm, .jsonl, .json);
    /// `-` reads standard input. Directories are read recursively, sorted.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Outlet name for articles that do not name their own source.
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub source: Option<String>,

    /// Take each article's outlet from the name of the folder holding it.
    #[arg(long, help_heading = "Input")]
    pub source_from_dir: bool,

    /// Language (ISO 639-1) of every article, overriding metadata and detection.
    #[arg(long, value_name = "CODE", help_heading = "Input")]
    pub lang: Option<String>,

    /// Format of standard input when INPUT is `-`.
    #[arg(long, value_enum, default_value_t = StdinFormat::Txt, help_heading = "Input")]
    pub stdin_format: StdinFormat,

    /// Refuse articles larger than this many bytes (a file, stdin, or one
    /// JSONL record's text) with an error of their own; the others go on.
    /// 0: no limit.
    #[arg(long, default_value_t = DEFAULT_MAX_ARTICLE_BYTES, value_name = "BYTES", help_heading = "Input")]
    pub max_article_bytes: u64,

    /// JSON field holding the article text.
    #[arg(
        long,
        default_value = "text",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub text_field: String,
    /// JSON field holding the title.
    #[arg(
        long,
        default_value = "title",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub title_field: String,
    /// JSON field holding the outlet name.
    #[arg(
        long,
        default_value = "source",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub source_field: String,
    /// JSON field holding the date.
    #[arg(
        long,
        default_value = "date",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub date_field: String,
    /// JSON field holding the URL.
    #[arg(
        long,
        default_value = "url",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub url_field: String,
    /// JSON field holding the language code.
    #[arg(
        long,
        default_value = "lang",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub lang_field: String,
    /// JSON field holding the article id.
    #[arg(
        long,
        default_value = "id",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub id_field: String,
}

impl InputArgs {
    pub fn input_config(&self) -> InputConfig {
        InputConfig {
            fields: FieldMap {
                text: self.text_field.clone(),
                title: self.title_field.clone(),
                source: self.source_field.clone(),
                date: self.date_field.clone(),
                url: self.url_field.clone(),
                lang: self.lang_field.clone(),
                id: self.id_field.clone(),
            },
            source: self.source.clone(),
            source_from_dir: self.source_from_dir,
            stdin_format: self.stdin_format,
            max_article_bytes: self.max_article_bytes,
        }
    }

    /// The articles of `paths` read and preprocessed as these options say,
    /// in order; an input that cannot be read comes as its failure record.
    pub fn articles(
        &self,
        paths: &[PathBuf],
    ) -> impl Iterator<Item = Result<Article, FailedArticle>> + use<> {
        let config = self.preprocess_config();
        read_inputs(paths, &self.input_config()).map(move |item| match item {
            Ok(raw) => Ok(preprocess(raw, &config)),
            Err(err) => Err(FailedArticle::unreadable(err.origin, err.message)),
        })
    }

    pub fn preprocess_config(&self) -> crate::preprocess::PreprocessConfig {
        crate::preprocess::PreprocessConfig {
            lang: self.lang.clone(),
        }
    }
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

impl ActorArgs {
    /// The actor set of `--actors` and `--actor`; an error when it is empty.
    pub fn actor_set(&self) -> anyhow::Result<ActorSet> {
        let mut set = match &self.actors {
            Some(path) => ActorSet::load(path)?,
            None => ActorSet::empty("inline"),
        };
        for spec in &self.inline_actors {
            set.add_inline(spec)?;
        }
        if set.actors.is_empty() {
            bail!(
                "no actors to look for: pass --actors FILE (e.g. data/actors/venezuela.toml) or --actor 'id=alias|alias'"
            );
        }
        Ok(set)
    }
}

/// Engine options shared by `analyze`, `stance`, `compare` and `eval`.
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// Engine: `auto` uses the transformer models when installed, else the
    /// builtin engine (with a notice); `builtin` needs no downloads.
    #[arg(long, value_enum, default_value_t = EngineChoice::default(), help_heading = "Engine")]
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
    #[arg(long, default_value_t = default_batch_size(), value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Engine")]
    pub batch_size: u32,

    /// Most sentences judged per actor and article (the most informative
    /// are kept); 0 judges all.
    #[arg(long, default_value_t = PipelineConfig::DEFAULT_MAX_MENTIONS, value_name = "N", help_heading = "Engine")]
    pub max_mentions: usize,

    /// Replace the builtin stance lexicons with `<lang>.tsv` files from DIR.
    #[arg(long, value_name = "DIR", help_heading = "Engine")]
    pub lexicons: Option<PathBuf>,

    /// Number format of the transformer models: `f32` reproduces Hugging Face
    /// transformers; `bf16` is several times faster on CPUs with AVX512-BF16 or
    /// AMX, probabilities within about 0.01 (DeBERTa-v2 NLI, T5/mT5 summaries);
    /// `int8` quantizes the dense layers' weights per row (x86-64 with AVX2),
    /// not yet checked on a real summarizer. Records name it with the model.
    #[arg(long, default_value_t = Precision::default(), value_name = "f32|bf16|int8", help_heading = "Engine")]
    pub precision: Precision,

    /// Number format of the summary model alone (default: --precision). Which
    /// format is fastest differs by model and CPU: on CPUs with AMX, int8 decodes
    /// summaries fastest while bf16 runs the stance model fastest
    /// (`--summary-precision int8 --stance-precision bf16`; see docs/benchmarks.md).
    #[arg(long, value_name = "f32|bf16|int8", help_heading = "Engine")]
    pub summary_precision: Option<Precision>,

    /// Number format of the stance model alone, NLI or --stance-model
    /// (default: --precision).
    #[arg(long, value_name = "f32|bf16|int8", help_heading = "Engine")]
    pub stance_precision: Option<Precision>,

    /// Where the transformer models run: `cpu`, `cuda` / `cuda:N` (a CUDA GPU;
    /// an error where libtorch sees none), or `auto` (a GPU when there is
    /// one). The project's own T5/mT5, DeBERTa-v2 and BERT networks only;
    /// int8 is CPU-only.
    #[arg(long, default_value_t = DeviceChoice::default(), value_name = "cpu|cuda[:N]|auto", help_heading = "Engine")]
    pub device: DeviceChoice,

    /// Threads for the transformer models. Default: all cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Engine")]
    pub threads: Option<u32>,
}

/// `--batch-size` by default: the NLI scorer's own default.
fn default_batch_size() -> u32 {
    NliStanceConfig::default().batch_size as u32
}

impl EngineArgs {
    /// The options given other values than their defaults, as flags: for
    /// commands that may run no engine (`eval --pred`) to refuse them.
    pub fn changed_flags(&self) -> Vec<&'static str> {
        [
            ("--engine", self.engine != EngineChoice::default()),
            ("--nli-model", self.nli_model.is_some()),
            ("--stance-model", self.stance_model.is_some()),
            ("--batch-size", self.batch_size != default_batch_size()),
            (
                "--max-mentions",
                self.max_mentions != PipelineConfig::DEFAULT_MAX_MENTIONS,
            ),
            ("--lexicons", self.lexicons.is_some()),
            ("--precision", self.precision != Precision::default()),
            ("--summary-precision", self.summary_precision.is_some()),
            ("--stance-precision", self.stance_precision.is_some()),
            ("--device", self.device != DeviceChoice::default()),
            ("--threads", self.threads.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, changed)| changed.then_some(flag))
        .collect()
    }

    /// Sets the pipeline's engine options from these arguments.
    pub fn configure(&self, config: &mut PipelineConfig) {
        config.max_mentions = self.max_mentions;
        let engine = &mut config.engine;
        engine.choice = self.engine;
        engine.nli_model = self.nli_model.clone();
        engine.stance_model = self.stance_model.clone();
        engine.nli.batch_size = self.batch_size as usize;
        engine.lexicon_dir = self.lexicons.clone();
        engine.precision = self.precision;
        engine.summary_precision = self.summary_precision;
        engine.stance_precision = self.stance_precision;
        engine.device = self.device;
        engine.threads = self.threads.map(|n| n as usize);
    }
}

/// Where and how records are written.
#[derive(Debug, Clone, Args)]
pub struct RecordOutputArgs {
    /// Write records to this JSONL file, one per article, each flushed as
    /// soon as it is done. An existing file is replaced only when the run
    /// ends (until then it stays as it was). With --format parquet: a
    /// folder for the three tables, or NAME.parquet (see docs/schema.md).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub out: Option<PathBuf>,

    /// Output format. Default: text on standard output, jsonl with --out.
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<RecordFormat>,

    /// With --out: skip articles that already have a record in the file
    /// (same id and content), and append the others. The file must hold
    /// records of the same engine, models and actor set; a record cut short
    /// by an interrupted run is dropped.
    #[arg(long, requires = "out", help_heading = "Output")]
    pub resume: bool,

    /// Write only the articles of shard K of N (K from 1), chosen by a
    /// stable hash of the article id: N runs, one per shard, together
    /// write exactly the records of one run. Unreadable inputs go to shard 1.
    #[arg(long, value_name = "K/N", help_heading = "Output")]
    pub shard: Option<crate::shard::Shard>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordFormat {
    /// Summary and a table of actors, for people.
    Text,
    /// One JSON array.
    Json,
    /// One JSON record per line.
    Jsonl,
    /// Parquet tables (actors, articles, failed; see docs/schema.md); needs
    /// --out DIR, or --out FILE.parquet for the actors table with the other
    /// two beside it.
    Parquet,
}

impl RecordOutputArgs {
    /// The format asked for, else text on standard output and JSONL in a file.
    pub fn format(&self) -> RecordFormat {
        self.format.unwrap_or(if self.out.is_some() {
            RecordFormat::Jsonl
        } else {
            RecordFormat::Text
        })
    }
}

impl RecordFormat {
    /// The layout of a JSON or text format; `None` for Parquet, which is
    /// not a stream of items.
    pub fn layout(self) -> Option<Layout> {
        match self {
            RecordFormat::Text => Some(Layout::Text),
            RecordFormat::Json => Some(Layout::JsonArray),
            RecordFormat::Jsonl => Some(Layout::JsonLines),
            RecordFormat::Parquet => None,
        }
    }
}

/// Summary options of the commands that write summaries (`analyze`,
/// `compare` on articles, `eval summarize`).
#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// Summary model (a name from the model registry or a model directory;
    /// transformer engine).
    #[arg(long, value_name = "NAME", help_heading = "Engine")]
    pub summary_model: Option<String>,

    /// Write every summary in this language (ISO 639-1 code: en, es, fr, …).
    /// The transformer engine then uses a cross-lingual model (default
    /// mt5-crosssum, CrossSum's many-to-many mT5) and refuses a language the
    /// model lacks, listing those it has; the builtin engine cannot
    /// translate and keeps each article's language (with a warning).
    #[arg(long, value_name = "CODE", value_parser = parse_summary_lang, help_heading = "Summary")]
    pub summary_lang: Option<String>,

    /// Most sentences in a builtin (extractive) summary; 0 for no limit.
    #[arg(long, default_value_t = ExtractiveConfig::default().max_sentences, value_name = "N", help_heading = "Summary")]
    pub summary_sentences: usize,

    /// Target length in words of a builtin (extractive) summary; 0 for none.
    /// A further sentence joins when it brings the summary nearer this
    /// length; the best sentence is always kept.
    #[arg(long, default_value_t = ExtractiveConfig::default().target_words, value_name = "N", help_heading = "Summary")]
    pub summary_words: usize,

    /// Articles that fit the summary model's window are decoded together, as
    /// many as fit N padded input tokens (T5/mT5; summaries are the same as
    /// one at a time). Larger is faster and takes more memory; 0 decodes one
    /// article at a time.
    #[arg(long, default_value_t = DEFAULT_SUMMARY_BATCH_TOKENS, value_name = "N", help_heading = "Summary")]
    pub summary_batch_tokens: usize,
}

fn parse_summary_lang(value: &str) -> Result<String, String> {
    crate::summarize::language::parse_code(value)
}

impl SummaryArgs {
    /// The options given other values than their defaults, as flags (see
    /// [`EngineArgs::changed_flags`]).
    pub fn changed_flags(&self) -> Vec<&'static str> {
        let defaults = ExtractiveConfig::default();
        [
            ("--summary-model", self.summary_model.is_some()),
            ("--summary-lang", self.summary_lang.is_some()),
            (
                "--summary-sentences",
                self.summary_sentences != defaults.max_sentences,
            ),
            (
                "--summary-words",
                self.summary_words != defaults.target_words,
            ),
            (
                "--summary-batch-tokens",
                self.summary_batch_tokens != DEFAULT_SUMMARY_BATCH_TOKENS,
            ),
        ]
        .into_iter()
        .filter_map(|(flag, changed)| changed.then_some(flag))
        .collect()
    }

    /// Turns summaries on and sets the pipeline's summary options.
    pub fn configure(&self, config: &mut PipelineConfig) {
        config.summarize = true;
        config.engine.summary_model = self.summary_model.clone();
        config.engine.summary_lang = self.summary_lang.clone();
        config.engine.extractive.max_sentences = self.summary_sentences;
        config.engine.extractive.target_words = self.summary_words;
        config.engine.summary_batch_tokens = Some(self.summary_batch_tokens);
    }
}

/// How `eval` writes its scores: a table for people, JSON for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    Table,
    Json,
}
