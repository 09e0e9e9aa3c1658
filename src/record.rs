//! The analysis record: one JSON object per article, the output of `analyze`
//! and the input of `compare` and `eval`. Documented in `docs/schema.md`.
//!
//! The schema is versioned by [`SCHEMA_VERSION`]; every record names the
//! engines (and model revisions) that produced it, so records made by
//! different engines are never mixed silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::article::{Article, Origin, Span};

/// Version of the record schema. Bump on any incompatible change.
/// Version 2 added fields only, so version 1 records still load (without them).
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest record schema this build still reads.
pub const OLDEST_READABLE_SCHEMA_VERSION: u32 = 1;

/// Whether this build reads records of schema `version`.
pub fn is_readable_schema_version(version: u64) -> bool {
    (u64::from(OLDEST_READABLE_SCHEMA_VERSION)..=u64::from(SCHEMA_VERSION)).contains(&version)
}

/// What this build reads, for error messages: "versions 1 to 2".
pub fn readable_schema_versions() -> String {
    format!("versions {OLDEST_READABLE_SCHEMA_VERSION} to {SCHEMA_VERSION}")
}

/// One analyzed article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleAnalysis {
    pub schema_version: u32,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// ISO 639-1 code of the article language (`und` if undetermined).
    pub lang: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub origin: Origin,
    /// Hash of the outlet and cleaned body ([`crate::preprocess::content_hash`]):
    /// with `id`, what `--resume` matches. Absent in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// Input metadata without a field of its own (front-matter keys such as
    /// `section`); absent when there is none, so older records still load.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    /// Which engine and model revision produced each part.
    pub engine: EngineInfo,
    /// Absent for `newsframe stance`, which does not summarize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// Every actor of the actor set, mentioned or not.
    pub actors: Vec<ActorStance>,
    /// Who the article quotes ([`crate::voices`]): empty when no one, absent
    /// in records made before quotations were extracted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotes: Option<Vec<Quotation>>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// Someone's words reported by an article, and who said them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quotation {
    pub kind: QuoteKind,
    /// Sentence index (0-based) where the quotation starts.
    pub sentence: usize,
    /// Byte span of the quoted words (direct) or the reported clause in the
    /// cleaned body.
    pub span: Span,
    pub text: String,
    /// The speaker phrase as written (`Foreign Minister Jorge Arreaza`,
    /// `US officials`); a pronoun is replaced by the speaker it stands for.
    /// Null when the article names no one.
    pub speaker: Option<String>,
    /// The named person (`Jorge Arreaza`), full name when the article or the
    /// actor set gives it; null for unnamed sources and bodies.
    #[serde(default)]
    pub person: Option<String>,
    /// Id of the actor the speaker belongs to (through the set's members and
    /// aliases); null when unknown.
    pub actor: Option<String>,
    /// An unnamed source (`officials said`, `a diplomat said`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymous: bool,
}

/// A quotation in quotation marks, or reported speech (`X said that …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuoteKind {
    Direct,
    Reported,
}

impl QuoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteKind::Direct => "direct",
            QuoteKind::Reported => "reported",
        }
    }
}

/// Engine descriptions such as `builtin-extractive@0.1.0` or
/// `mt5-xlsum@2437a524effdbadc327ced84595508f1e32025b3`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EngineInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance: Option<String>,
    /// The actor set used (file name and content hash), for comparability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actors: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub text: String,
    pub method: SummaryMethod,
    /// For extractive summaries: the article sentence indexes used, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<usize>,
    /// Language of the summary (ISO 639-1), present when a summary language
    /// was asked for (`--summary-lang`) or chosen by a cross-lingual model;
    /// absent, the summary is in the article's language (`lang`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

impl Summary {
    /// The summary's language: its own, else the article's (`article_lang`).
    pub fn lang_or<'a>(&'a self, article_lang: &'a str) -> &'a str {
        self.lang.as_deref().unwrap_or(article_lang)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SummaryMethod {
    Abstractive,
    Extractive,
}

impl SummaryMethod {
    /// The name records use (`abstractive`, `extractive`).
    pub fn as_str(self) -> &'static str {
        match self {
            SummaryMethod::Abstractive => "abstractive",
            SummaryMethod::Extractive => "extractive",
        }
    }
}

/// Stance labels, ordered from most negative to most positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StanceLabel {
    Negative,
    Neutral,
    Positive,
}

impl StanceLabel {
    pub const ALL: [StanceLabel; 3] = [
        StanceLabel::Positive,
        StanceLabel::Neutral,
        StanceLabel::Negative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StanceLabel::Positive => "positive",
            StanceLabel::Neutral => "neutral",
            StanceLabel::Negative => "negative",
        }
    }
}

impl std::fmt::Display for StanceLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for StanceLabel {
    type Err = String;
    fn from_str(s: &str) -> Result<StanceLabel, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "positive" | "pos" => Ok(StanceLabel::Positive),
            "neutral" | "neu" => Ok(StanceLabel::Neutral),
            "negative" | "neg" => Ok(StanceLabel::Negative),
            other => Err(format!(
                "unknown stance label {other:?} (expected positive, neutral or negative)"
            )),
        }
    }
}

/// Probabilities of the three labels; they sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LabelProbs {
    pub positive: f64,
    pub neutral: f64,
    pub negative: f64,
}

impl LabelProbs {
    pub fn get(&self, label: StanceLabel) -> f64 {
        match label {
            StanceLabel::Positive => self.positive,
            StanceLabel::Neutral => self.neutral,
            StanceLabel::Negative => self.negative,
        }
    }

    /// The most probable label (ties go to neutral, then negative).
    pub fn argmax(&self) -> StanceLabel {
        let mut best = StanceLabel::Neutral;
        for label in [StanceLabel::Negative, StanceLabel::Positive] {
            if self.get(label) > self.get(best) {
                best = label;
            }
        }
        best
    }

    /// Expected polarity in [-1, 1]: P(positive) - P(negative).
    pub fn score(&self) -> f64 {
        self.positive - self.negative
    }
}

/// How one article treats one actor.
///
/// An actor the article never mentions has `mentions: 0` and every stance
/// field null: omission is not neutrality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorStance {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub mentions: usize,
    pub stance: Option<StanceLabel>,
    /// In [-1, 1]: P(positive) - P(negative) of the aggregate.
    pub score: Option<f64>,
    /// In [0, 1]: how sure the aggregate label is.
    pub confidence: Option<f64>,
    pub probs: Option<LabelProbs>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// How the article names the actor: each word or name used for it, with
    /// how many of its mentions use it (see [`crate::actors::naming`]).
    /// Schema 2; absent when the actor is not mentioned and in older records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub naming: Vec<NamingTerm>,
}

/// A word or name an article uses for an actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamingTerm {
    /// The term, lowercased: a name of the actor set as written in the
    /// article (`maduro regime`, `juan guaidó`) or a descriptive word next to
    /// one (`self-proclaimed`, `diputado`, `légitime`).
    pub term: String,
    /// Naming phrases of the article that use the term.
    pub count: usize,
    /// The longest such phrase (of equal ones the smallest), as written
    /// (`el diputado Juan Guaidó`).
    pub example: String,
}

/// A sentence that carries an actor's stance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Sentence index in the article (0-based).
    pub sentence: usize,
    /// Byte span of the sentence in the cleaned body.
    pub span: Span,
    pub text: String,
    pub label: StanceLabel,
    /// Probability of `label` for this sentence.
    pub p: f64,
}

/// An article that failed; written in place of its analysis so the batch
/// goes on and the output says what is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedArticle {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub origin: Origin,
    pub error: String,
}

impl FailedArticle {
    /// The record of an input that could not be read: no article, so no id.
    pub fn unreadable(origin: Origin, error: String) -> FailedArticle {
        FailedArticle {
            schema_version: SCHEMA_VERSION,
            id: None,
            source: None,
            origin,
            error,
        }
    }

    /// The record of an article the engines failed on.
    pub fn of_article(article: &Article, error: String) -> FailedArticle {
        FailedArticle {
            schema_version: SCHEMA_VERSION,
            id: Some(article.id.clone()),
            source: article.meta.source.clone(),
            origin: article.origin.clone(),
            error,
        }
    }
}

/// One line of an analysis JSONL file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Record {
    Failed(FailedArticle),
    Analysis(Box<ArticleAnalysis>),
}
