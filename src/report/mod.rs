//! The reporter behind `newsframe compare`: analysis records in, a comparison
//! of outlets (or languages, or dates) × actors out, written as Markdown, CSV,
//! JSON or one self-contained HTML page.
//!
//! The flow is [`load`] (JSONL records, failures and malformed lines kept
//! apart) and [`parquet`] (the Parquet tables of `analyze --format parquet`
//! or of a Spark job) → [`accumulate::ReportBuilder`] (one streaming pass:
//! stories, engine groups, per-cell statistics, divergence, summary
//! novelty) → one of the [`ReportFormat`] writers. The [`Report`] structure is the JSON output itself and is
//! documented in `docs/report.md`.
//!
//! ```
//! use newsframe::report::{compute::build_report, load::LoadedRecords, ReportConfig};
//!
//! let loaded = LoadedRecords::default();
//! let report = build_report(&loaded, &ReportConfig::default()).unwrap();
//! assert!(report.sections.is_empty());
//! ```

pub mod accumulate;
pub mod cluster;
pub mod compute;
pub mod csv;
pub mod format;
pub mod html;
pub mod json;
pub mod load;
pub mod markdown;
pub mod naming;
pub mod novelty;
pub mod parquet;
pub mod svg;
pub mod table;
pub mod voices;

use serde::{Deserialize, Serialize};

use crate::article::Origin;
use crate::record::EngineInfo;
use crate::stats::Interval;

/// Version of the report structure (JSON output, CSV columns). Bump on any
/// change. 2: voices, naming, summary languages, the similarity's model.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

/// Which record field forms the groups compared side by side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// The outlet (`source`).
    #[default]
    Source,
    /// The article language.
    Lang,
    /// The publication date (`YYYY-MM-DD` as given).
    Date,
    /// The publication month (`YYYY-MM`).
    Month,
}

impl GroupBy {
    /// The word used for a group in tables and CSV headers.
    pub fn noun(self) -> &'static str {
        match self {
            GroupBy::Source => "outlet",
            GroupBy::Lang => "lang",
            GroupBy::Date => "date",
            GroupBy::Month => "month",
        }
    }
}

/// How articles are split into stories before they are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum StoryMode {
    /// Every article belongs to one story (the input is one story).
    #[default]
    Single,
    /// Cluster articles into stories by the similarity of title and summary.
    Cluster,
}

/// The similarity used to cluster articles into stories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SimilarityKind {
    /// Cosine of tf-idf vectors of title + summary words.
    #[default]
    Tfidf,
    /// Jaccard overlap of title + summary word sets.
    Jaccard,
    /// Cosine of multilingual sentence embeddings of title + summary: one
    /// story across languages (needs a sentence-embedding model).
    Embedding,
}

/// Everything that shapes a report. Defaults are what `compare` uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportConfig {
    /// Groups compared side by side (default: outlet).
    pub group_by: GroupBy,
    /// Keep only articles whose title or summary contains this text
    /// (case-insensitive); they form one story. Default: none.
    pub story_filter: Option<String>,
    /// Single story (default) or clusters of articles about the same event.
    pub stories: StoryMode,
    /// Similarity for clustering (default: tf-idf cosine).
    pub similarity: SimilarityKind,
    /// Stories merge while their articles are at least this similar on average (default 0.05; tf-idf cosines of short texts are small).
    pub cluster_threshold: f64,
    /// The sentence-embedding model of [`SimilarityKind::Embedding`]
    /// (`name@revision`), as the report names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_model: Option<String>,
    /// Report records of different engines side by side instead of
    /// refusing to mix them (default: false, refuse).
    pub group_by_engine: bool,
    /// Bootstrap resamples for the interval of a mean score (default 2000).
    pub bootstrap_samples: usize,
    /// Coverage of the bootstrap interval (default 0.95).
    pub confidence_level: f64,
    /// Seed of the bootstrap; each cell derives its own stream from it and
    /// its names, so results do not depend on input order (default 42).
    pub seed: u64,
    /// A summary sentence is "said only here" when at least this share of
    /// its words appear in no single sentence of another group's summaries
    /// (default 0.5).
    pub novelty_threshold: f64,
    /// Timestamp written into the report (RFC 3339). Default: now, or
    /// `SOURCE_DATE_EPOCH` when set, for reproducible files.
    pub generated_at: Option<String>,
}

impl Default for ReportConfig {
    fn default() -> ReportConfig {
        ReportConfig {
            group_by: GroupBy::Source,
            story_filter: None,
            stories: StoryMode::Single,
            similarity: SimilarityKind::Tfidf,
            cluster_threshold: 0.05,
            embedding_model: None,
            group_by_engine: false,
            bootstrap_samples: 2000,
            confidence_level: 0.95,
            seed: 42,
            novelty_threshold: 0.5,
            generated_at: None,
        }
    }
}

/// Errors of the reporter that the user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "the records were made by {} different engine setups and their scores are not comparable:\n{}\n\
         Compare records of one engine at a time, or pass --group-by-engine to report each setup separately",
        .0.len(), .0.iter().map(|(e, n)| format!("  - {} ({n} record{})", engine_label(e), if *n == 1 { "" } else { "s" })).collect::<Vec<_>>().join("\n")
    )]
    MixedEngines(Vec<(EngineInfo, usize)>),
    #[error("{0}")]
    InvalidConfig(String),
    #[error("cannot embed the articles' titles and summaries for clustering: {0:#}")]
    Embedding(anyhow::Error),
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A readable one-line description of an engine setup.
pub fn engine_label(engine: &EngineInfo) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &engine.summary {
        parts.push(format!("summary {s}"));
    }
    if let Some(s) = &engine.stance {
        parts.push(format!("stance {s}"));
    }
    if let Some(s) = &engine.actors {
        parts.push(format!("actors {s}"));
    }
    if parts.is_empty() {
        "unknown engine".to_string()
    } else {
        parts.join(", ")
    }
}

/// The whole comparison; serialized as is for `--format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    /// `newsframe <version>`.
    pub generator: String,
    /// When the report was made (RFC 3339, UTC).
    pub generated_at: String,
    pub config: ReportConfig,
    /// One entry per input file read.
    pub inputs: Vec<InputSummary>,
    /// Records that hold an analysis failure, and lines that could not be
    /// read: the first [`accumulate::FAILED_LISTED`] of them.
    pub failed: Vec<FailedEntry>,
    /// Failures beyond those listed in `failed` (counted, not listed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed_not_listed: usize,
    /// One section per story (and per engine setup with `--group-by-engine`).
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSummary {
    pub path: String,
    /// Analysis records read.
    pub analyses: usize,
    /// Failure records read (`{"error": …}` lines written by `analyze`).
    pub failed: usize,
    /// Lines that are not valid records.
    pub malformed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedEntry {
    /// `file:line` of the record or line.
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `analysis` (the article failed in `analyze`) or `malformed` (the line
    /// is not a valid record).
    pub kind: FailureKind,
    pub error: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    Analysis,
    Malformed,
}

/// One story (as made by one engine setup): groups × actors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// `story-1`, `story-2`, … (`all` when the input is one story).
    pub story_id: String,
    /// The most central article title of the story.
    pub story_label: String,
    pub engine: EngineInfo,
    /// What a group is: `outlet`, `lang`, `date` or `month`.
    pub group_by: GroupBy,
    pub articles: usize,
    /// Languages of the articles, sorted.
    pub languages: Vec<String>,
    /// Things a reader must know to read the numbers right.
    pub notes: Vec<String>,
    pub groups: Vec<Group>,
    pub actors: Vec<ActorSummary>,
    /// One per group × actor, groups outer, both in the order above.
    pub cells: Vec<Cell>,
    /// Who each group quotes ([`voices`]); absent when no record of the
    /// section carries quotations (records older than quotation extraction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voices: Option<voices::VoicesSection>,
    /// Per actor named by some group: each group's terms for it, most
    /// distinctive first (see [`naming`]). Absent in reports of records
    /// without naming terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub naming: Vec<naming::ActorNaming>,
}

impl Section {
    pub fn cell(&self, group: &str, actor: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.group == group && c.actor == actor)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub articles: usize,
    pub languages: Vec<String>,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub summaries: Vec<SummaryEntry>,
}

/// One article's summary, split into sentences with their novelty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryEntry {
    pub article_id: String,
    pub title: Option<String>,
    pub date: Option<String>,
    /// The summary's language: the one asked for (`summary.lang`), else the
    /// article's.
    pub lang: String,
    /// The article's language, when the summary is in another one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_lang: Option<String>,
    pub method: String,
    pub text: String,
    pub sentences: Vec<SummarySentence>,
}

impl SummaryEntry {
    /// How reports name the language: `en`, or `en, from es` for a summary
    /// written in another language than its article.
    pub fn language_label(&self) -> String {
        match &self.source_lang {
            Some(source) => format!("{}, from {source}", self.lang),
            None => self.lang.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummarySentence {
    pub text: String,
    /// Share of the sentence's words found in no single sentence of another
    /// group's summaries in the same language (1 = all new). Null when no
    /// other group has a summary in that language.
    pub novelty: Option<f64>,
    /// `novelty >= novelty_threshold`: said only by this group.
    pub novel: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorSummary {
    pub id: String,
    pub name: String,
    pub kind: Option<String>,
    /// Groups with at least one article mentioning the actor.
    pub groups_mentioning: usize,
    pub articles_mentioning: usize,
    /// How far groups' mean scores are apart; null with fewer than two
    /// groups that score the actor.
    pub divergence: Option<Divergence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// Groups with a mean score.
    pub groups: usize,
    /// max − min of the groups' mean scores.
    pub range: f64,
    /// Sample standard deviation (n − 1) of the groups' mean scores.
    pub sd: f64,
    /// The most opposed pair: the lowest and the highest mean score.
    pub lowest: GroupScore,
    pub highest: GroupScore,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScore {
    pub group: String,
    pub score: f64,
}

/// One group × one actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub group: String,
    pub actor: String,
    /// Articles of the group.
    pub articles: usize,
    /// Articles of the group that mention the actor.
    pub articles_mentioning: usize,
    /// Mentions summed over the group's articles.
    pub mentions: usize,
    /// articles_mentioning / articles: leaving an actor out is a choice too.
    pub coverage: f64,
    /// Mean of the article scores (P(positive) − P(negative), in [−1, 1]);
    /// null when no article mentions the actor.
    pub mean_score: Option<f64>,
    /// Articles that carry a score (the n of the mean).
    pub scored_articles: usize,
    /// Percentile bootstrap interval of the mean; null with fewer than two
    /// scored articles.
    pub interval: Option<Interval>,
    /// Article-level labels of the articles mentioning the actor.
    pub labels: LabelCounts,
    /// The sentence that best shows the cell's prevailing stance.
    pub evidence: Option<CellEvidence>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelCounts {
    pub positive: usize,
    pub neutral: usize,
    pub negative: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellEvidence {
    pub article_id: String,
    pub title: Option<String>,
    pub origin: Origin,
    pub sentence: usize,
    pub text: String,
    pub label: crate::record::StanceLabel,
    pub p: f64,
}

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown tables, for a terminal or a paper draft.
    Md,
    /// Tidy long CSV: story, engine, group, actor, metric, value.
    Csv,
    /// The full report structure (see docs/report.md).
    Json,
    /// One self-contained HTML page with charts.
    Html,
    /// The csv rows as one Parquet table (typed: value is a double).
    Parquet,
}

impl ReportFormat {
    /// The format a file name asks for, by extension.
    pub fn from_path(path: &std::path::Path) -> Option<ReportFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(ReportFormat::Md),
            "csv" => Some(ReportFormat::Csv),
            "json" => Some(ReportFormat::Json),
            "html" | "htm" => Some(ReportFormat::Html),
            "parquet" => Some(ReportFormat::Parquet),
            _ => None,
        }
    }

    /// Writes `report` in this format.
    pub fn write(self, report: &Report, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        match self {
            ReportFormat::Md => markdown::write(report, out),
            ReportFormat::Csv => csv::write(report, out),
            ReportFormat::Json => json::write(report, out),
            ReportFormat::Html => html::write(report, out),
            ReportFormat::Parquet => table::write(report, out),
        }
    }
}
