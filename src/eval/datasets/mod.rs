//! Labeled datasets in, [`SummaryExample`]s and [`StanceExample`]s out.
//!
//! Formats (picked with `--format`, or detected from the file extension and
//! the fields of its first row):
//!
//! | format | task | layout | fields used |
//! |---|---|---|---|
//! | `project` | both | JSONL | id, lang, title, text, summary, stance{actor: {label}} |
//! | `xlsum` | summarize | JSONL | id, title, text, summary |
//! | `mlsum` | summarize | JSONL | url (as id), title, text, summary |
//! | `cnndm` | summarize | CSV or JSONL | id, article, highlights |
//! | `newsmtsc` | stance | JSONL | primary_gid, sentence_normalized, targets[{mention, polarity}] |
//! | `xstance` | stance | JSONL | id, language, question, comment, label |
//! | `semeval` | stance | tab-separated (or `.csv`), header, Latin-1 ok | ID, Target, Tweet, Stance |
//! | `jsonl`, `csv` | both | generic | id, text, summary / target, label, lang |
//!
//! `--field name=column` renames any flat field (`text`, `summary`, `id`,
//! `lang`, `title`, `target`, `label`). A bad row is reported with its file
//! and line and skipped; the rest loads.

mod flat;
mod newsmtsc;
mod project;
pub mod rows;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::article::Origin;
use crate::eval::labels::{LabelError, LabelMap, LabelScheme};
use crate::record::StanceLabel;
use rows::Layout;

/// One article (or document) with its reference summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryExample {
    pub id: String,
    pub origin: Origin,
    /// ISO 639-1 code when the data or `--lang` gives one.
    pub lang: Option<String>,
    pub title: Option<String>,
    /// The text to summarize (may be empty when predictions come from a file).
    pub text: String,
    /// The reference summary; sentences separated by newlines count for Lsum.
    pub reference: String,
}

/// One gold stance: a text's stance toward one target (actor).
#[derive(Debug, Clone, PartialEq)]
pub struct StanceExample {
    /// Unique per example: the article id, plus `#actor` for multi-actor data.
    pub id: String,
    /// The id predictions are matched by.
    pub article_id: String,
    pub origin: Origin,
    /// Actor id (project data) or target text (public datasets).
    pub actor: Option<String>,
    pub lang: Option<String>,
    pub title: Option<String>,
    pub text: String,
    /// None: the actor is not mentioned (project data only).
    pub gold: Option<StanceLabel>,
    /// Where the target is named in `text`, as character offsets: the
    /// marked mention first, then further mentions of the same target
    /// (NewsMTSC's `from`/`to` and `further_mentions`). Empty when the data
    /// marks no span.
    pub spans: Vec<CharSpan>,
}

/// A character range `[start, end)` of an example's text (characters, not
/// bytes, as the datasets count them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharSpan {
    pub start: usize,
    pub end: usize,
}

/// Why one row could not become examples; [`DatasetError`] adds the file
/// and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowError {
    /// A logical field whose column (default or `--field`) the row lacks.
    #[error("missing field {column:?} ({field}); map it with --field {field}=COLUMN")]
    MissingColumn { field: &'static str, column: String },
    /// A field the format requires; `what` says what it should hold.
    #[error("missing {what}field {name:?}{note}")]
    MissingField {
        name: &'static str,
        /// `"object "`, `"array "` or empty.
        what: &'static str,
        /// What the field is for, e.g. ` (the reference summary)`, or empty.
        note: &'static str,
    },
    #[error("{0}")]
    Label(#[from] LabelError),
    #[error("label must be a string or null, got {0}")]
    LabelType(serde_json::Value),
    #[error("missing \"polarity\"")]
    Polarity,
    #[error("{place} is not an object")]
    NotAnObject { place: String },
    #[error("{name:?} must be a character offset, got {value}")]
    NotAnOffset {
        name: &'static str,
        value: serde_json::Value,
    },
    #[error("span {start}..{end} is outside the sentence ({chars} characters)")]
    SpanOutside {
        start: usize,
        end: usize,
        chars: usize,
    },
    #[error("\"from\" and \"to\" must be given together")]
    HalfSpan,
    /// An error inside a part of the row (`actor "x"`, `targets[2]`).
    #[error("{place}: {source}")]
    In {
        place: String,
        source: Box<RowError>,
    },
}

impl RowError {
    /// A required field the row lacks.
    pub fn missing(name: &'static str) -> RowError {
        RowError::MissingField {
            name,
            what: "",
            note: "",
        }
    }

    /// This error, located at `place` inside the row.
    pub fn at(self, place: impl Into<String>) -> RowError {
        RowError::In {
            place: place.into(),
            source: Box::new(self),
        }
    }
}

/// A `--field` argument that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldArgError {
    #[error("--field {0:?}: expected NAME=COLUMN")]
    NoEquals(String),
    #[error("--field {pair:?}: unknown field {name:?} (known: {known})", known = ColumnMap::NAMES.join(", "))]
    UnknownField { pair: String, name: String },
}

/// A row that could not be read. Loading goes on without it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct DatasetError {
    pub origin: Origin,
    pub message: String,
}

impl DatasetError {
    pub fn new(origin: Origin, message: impl Into<String>) -> DatasetError {
        DatasetError {
            origin,
            message: message.into(),
        }
    }
}

/// Dataset formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DatasetFormat {
    /// newsframe's own labeled articles (data/eval/articles.jsonl).
    #[value(alias = "eval")]
    Project,
    /// XL-Sum JSONL.
    Xlsum,
    /// MLSUM JSONL.
    Mlsum,
    /// CNN/DailyMail, CSV or JSONL.
    Cnndm,
    /// NewsMTSC JSONL.
    Newsmtsc,
    /// X-Stance JSONL.
    Xstance,
    /// SemEval-2016 Task 6, tab-separated.
    Semeval,
    /// Any JSONL, with `--field` mapping.
    Jsonl,
    /// Any CSV with a header, with `--field` mapping.
    Csv,
}

impl DatasetFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetFormat::Project => "project",
            DatasetFormat::Xlsum => "xlsum",
            DatasetFormat::Mlsum => "mlsum",
            DatasetFormat::Cnndm => "cnndm",
            DatasetFormat::Newsmtsc => "newsmtsc",
            DatasetFormat::Xstance => "xstance",
            DatasetFormat::Semeval => "semeval",
            DatasetFormat::Jsonl => "jsonl",
            DatasetFormat::Csv => "csv",
        }
    }

    /// Column names of the logical fields, before `--field` overrides.
    fn default_fields(self) -> ColumnMap {
        let pairs: &[(&str, &str)] = match self {
            DatasetFormat::Mlsum => &[("id", "url")],
            DatasetFormat::Cnndm => &[("text", "article"), ("summary", "highlights")],
            DatasetFormat::Xstance => &[
                ("text", "comment"),
                ("target", "question"),
                ("lang", "language"),
            ],
            DatasetFormat::Semeval => &[
                ("id", "ID"),
                ("text", "Tweet"),
                ("target", "Target"),
                ("label", "Stance"),
            ],
            _ => &[],
        };
        let mut fields = ColumnMap::default();
        for (name, column) in pairs {
            fields.0.insert(name.to_string(), column.to_string());
        }
        fields
    }

    /// Language of every example when the data names none.
    fn default_lang(self) -> Option<&'static str> {
        match self {
            DatasetFormat::Cnndm | DatasetFormat::Semeval | DatasetFormat::Newsmtsc => Some("en"),
            _ => None,
        }
    }

    fn scheme(self) -> LabelScheme {
        match self {
            DatasetFormat::Semeval => LabelScheme::Semeval,
            DatasetFormat::Xstance => LabelScheme::Xstance,
            _ => LabelScheme::Sentiment,
        }
    }
}

/// Logical field name → the dataset column holding it (`--field`).
/// Unmapped names are their own column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap(pub BTreeMap<String, String>);

impl ColumnMap {
    /// The fields `--field` may name.
    pub const NAMES: [&'static str; 7] =
        ["id", "text", "summary", "lang", "title", "target", "label"];

    /// Parses `name=column` pairs.
    pub fn parse(pairs: &[String]) -> Result<ColumnMap, FieldArgError> {
        let mut map = ColumnMap::default();
        for pair in pairs {
            let (name, column) = pair
                .split_once('=')
                .ok_or_else(|| FieldArgError::NoEquals(pair.clone()))?;
            let name = name.trim();
            if !Self::NAMES.contains(&name) {
                return Err(FieldArgError::UnknownField {
                    pair: pair.clone(),
                    name: name.to_string(),
                });
            }
            map.0.insert(name.to_string(), column.trim().to_string());
        }
        Ok(map)
    }

    /// The column holding logical field `name`.
    pub fn column<'a>(&'a self, name: &'a str) -> &'a str {
        self.0.get(name).map_or(name, String::as_str)
    }

    fn overridden_by(mut self, other: &ColumnMap) -> ColumnMap {
        self.0
            .extend(other.0.iter().map(|(k, v)| (k.clone(), v.clone())));
        self
    }
}

/// How to read a dataset.
#[derive(Debug, Clone, Default)]
pub struct LoadConfig {
    /// The format; None detects it.
    pub format: Option<DatasetFormat>,
    /// `--field` overrides of column names.
    pub fields: ColumnMap,
    /// Language of every example, overriding the data.
    pub lang: Option<String>,
    /// `--label-map`: the dataset's own stance label names.
    pub labels: LabelMap,
}

/// A loaded dataset: its examples and the rows that failed.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub format: DatasetFormat,
    pub scheme: LabelScheme,
    pub examples: Vec<T>,
    pub errors: Vec<DatasetError>,
    pub warnings: Vec<String>,
}

/// Loads summarization examples from `path`.
pub fn load_summaries(
    path: &Path,
    config: &LoadConfig,
) -> Result<Loaded<SummaryExample>, DatasetError> {
    let (format, layout, text, warning) = open(path, config.format)?;
    let fields = format.default_fields().overridden_by(&config.fields);
    let convert: fn(&rows::Row, &ColumnMap) -> Result<SummaryExample, RowError> = match format {
        DatasetFormat::Project => project::summary,
        DatasetFormat::Xlsum
        | DatasetFormat::Mlsum
        | DatasetFormat::Cnndm
        | DatasetFormat::Jsonl
        | DatasetFormat::Csv => flat::summary,
        other => {
            return Err(DatasetError::new(
                Origin::file(path.display().to_string()),
                format!(
                    "the {} format holds stance labels, not summaries: use `newsframe eval stance`",
                    other.as_str()
                ),
            ));
        }
    };
    let mut loaded = collect(path, &text, layout, format, warning, |row| {
        convert(row, &fields).map(|e| vec![e])
    });
    for example in &mut loaded.examples {
        set_lang(&mut example.lang, config, format);
    }
    Ok(loaded)
}

/// Loads stance examples from `path`.
pub fn load_stance(
    path: &Path,
    config: &LoadConfig,
) -> Result<Loaded<StanceExample>, DatasetError> {
    let (format, layout, text, warning) = open(path, config.format)?;
    let fields = format.default_fields().overridden_by(&config.fields);
    type Convert = fn(&rows::Row, &ColumnMap, &LabelMap) -> Result<Vec<StanceExample>, RowError>;
    let convert: Convert = match format {
        DatasetFormat::Project => project::stance,
        DatasetFormat::Newsmtsc => newsmtsc::stance,
        DatasetFormat::Xstance
        | DatasetFormat::Semeval
        | DatasetFormat::Jsonl
        | DatasetFormat::Csv => flat::stance,
        other => {
            return Err(DatasetError::new(
                Origin::file(path.display().to_string()),
                format!(
                    "the {} format holds summaries, not stance labels: use `newsframe eval summarize`",
                    other.as_str()
                ),
            ));
        }
    };
    let mut loaded = collect(path, &text, layout, format, warning, |row| {
        convert(row, &fields, &config.labels)
    });
    for example in &mut loaded.examples {
        set_lang(&mut example.lang, config, format);
    }
    Ok(loaded)
}

fn set_lang(lang: &mut Option<String>, config: &LoadConfig, format: DatasetFormat) {
    if let Some(forced) = &config.lang {
        *lang = Some(forced.clone());
    } else if lang.as_deref().is_none_or(str::is_empty) {
        *lang = format.default_lang().map(str::to_string);
    }
    if let Some(code) = lang.as_mut() {
        *code = code.trim().to_ascii_lowercase();
    }
}

fn collect<T>(
    path: &Path,
    text: &str,
    layout: Layout,
    format: DatasetFormat,
    warning: Option<String>,
    mut convert: impl FnMut(&rows::Row) -> Result<Vec<T>, RowError>,
) -> Loaded<T> {
    let mut loaded = Loaded {
        format,
        scheme: format.scheme(),
        examples: Vec::new(),
        errors: Vec::new(),
        warnings: warning.into_iter().collect(),
    };
    for row in rows::rows(path, text, layout) {
        match row {
            Ok(row) => match convert(&row) {
                Ok(examples) => loaded.examples.extend(examples),
                Err(err) => loaded
                    .errors
                    .push(DatasetError::new(row.0.clone(), err.to_string())),
            },
            Err(err) => loaded.errors.push(err),
        }
    }
    loaded
}

/// Reads the file and settles its format and layout.
fn open(
    path: &Path,
    format: Option<DatasetFormat>,
) -> Result<(DatasetFormat, Layout, String, Option<String>), DatasetError> {
    let (text, warning) = rows::read_text(path)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    // The extension decides the layout where it names one; SemEval-2016's
    // official files are tab-separated `.txt`, its common redistribution
    // is a Latin-1 `.csv`.
    let layout = match (ext.as_str(), format) {
        ("csv", _) | (_, Some(DatasetFormat::Csv)) => Layout::Csv,
        ("tsv" | "txt", _) | (_, Some(DatasetFormat::Semeval)) => Layout::Tsv,
        _ => Layout::Jsonl,
    };
    let format = match format {
        Some(f) => f,
        None => detect(path, &text, layout)?,
    };
    Ok((format, layout, text, warning))
}

/// Guesses the format from the first row's fields.
fn detect(path: &Path, text: &str, layout: Layout) -> Result<DatasetFormat, DatasetError> {
    let first = rows::rows(path, text, layout)
        .into_iter()
        .find_map(Result::ok);
    let Some((_, row)) = first else {
        return Err(DatasetError::new(
            Origin::file(path.display().to_string()),
            "no readable row to detect the format from; pass --dataset-format",
        ));
    };
    let has = |k: &str| row.contains_key(k);
    Ok(
        if has("stance") && row.get("stance").is_some_and(|v| v.is_object()) {
            DatasetFormat::Project
        } else if has("targets") && has("sentence_normalized") {
            DatasetFormat::Newsmtsc
        } else if has("question") && has("comment") {
            DatasetFormat::Xstance
        } else if has("Tweet") && has("Target") {
            DatasetFormat::Semeval
        } else if has("article") && has("highlights") {
            DatasetFormat::Cnndm
        } else if has("summary") && has("text") && has("topic") {
            DatasetFormat::Mlsum
        } else if has("summary") && has("text") && has("url") && has("id") {
            DatasetFormat::Xlsum
        } else if layout == Layout::Csv {
            DatasetFormat::Csv
        } else {
            DatasetFormat::Jsonl
        },
    )
}
