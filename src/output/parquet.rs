//! Records as Parquet tables (`analyze --format parquet`): the flat schema
//! of `docs/schema.md` ("Parquet tables") that pandas, polars, R, DuckDB and
//! Spark load as they are.
//!
//! Three tables: `actors` (one row per article × actor, article columns
//! repeated), `articles` (one row per analyzed article, with its summary)
//! and `failed` (one row per failed article). `--out DIR` writes
//! `DIR/actors.parquet`, `DIR/articles.parquet` and `DIR/failed.parquet`;
//! `--out NAME.parquet` writes the actors table there and the other two
//! beside it as `NAME.articles.parquet` and `NAME.failed.parquet`.
//!
//! Each file is written to a temporary file beside it and renamed into
//! place when the run ends ([`super::Destination::replace`]), so a failed
//! run leaves nothing that looks complete. Rows are handed to the Parquet
//! writer every [`ROWS_PER_BATCH`] rows and row groups are closed every
//! [`ROWS_PER_ROW_GROUP`] rows, so memory stays bounded on any corpus.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use arrow_array::builder::{
    Float64Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::{Destination, Output};
use crate::record::{ArticleAnalysis, FailedArticle, Record, SCHEMA_VERSION};

/// File metadata key that names the record schema version.
pub const SCHEMA_VERSION_KEY: &str = "newsframe.schema_version";

/// Rows buffered before they are handed to the Parquet writer.
pub const ROWS_PER_BATCH: usize = 8192;

/// Rows per Parquet row group (the writer holds one row group's encoded
/// pages in memory).
pub const ROWS_PER_ROW_GROUP: usize = 65_536;

/// The three tables of a record set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Actors,
    Articles,
    Failed,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Actors, Table::Articles, Table::Failed];

    pub fn name(self) -> &'static str {
        match self {
            Table::Actors => "actors",
            Table::Articles => "articles",
            Table::Failed => "failed",
        }
    }

    /// The table's columns, in order (docs/schema.md).
    pub fn schema(self) -> SchemaRef {
        let s = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
        let i64f = |name: &str, nullable| Field::new(name, DataType::Int64, nullable);
        let f64f = |name: &str| Field::new(name, DataType::Float64, true);
        let version = Field::new("schema_version", DataType::Int32, false);
        let fields = match self {
            Table::Actors => vec![
                version,
                s("article_id", false),
                s("source", true),
                s("date", true),
                s("lang", false),
                s("title", true),
                s("engine_stance", true),
                s("engine_actors", true),
                s("actor_id", false),
                s("actor_name", false),
                s("actor_kind", true),
                i64f("mentions", false),
                s("stance", true),
                f64f("score"),
                f64f("confidence"),
                f64f("p_positive"),
                f64f("p_neutral"),
                f64f("p_negative"),
                s("evidence", true),
                s("naming", true),
            ],
            Table::Articles => vec![
                version,
                s("article_id", false),
                s("source", true),
                s("date", true),
                s("lang", false),
                s("title", true),
                s("url", true),
                s("origin_path", false),
                i64f("origin_line", true),
                s("content_hash", true),
                s("extra", true),
                s("engine_summary", true),
                s("engine_stance", true),
                s("engine_actors", true),
                s("summary", true),
                s("summary_method", true),
                s("summary_lang", true),
                s("quotes", true),
                Field::new(
                    "warnings",
                    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                    false,
                ),
            ],
            Table::Failed => vec![
                version,
                s("article_id", true),
                s("source", true),
                s("origin_path", false),
                i64f("origin_line", true),
                s("error", false),
            ],
        };
        Arc::new(Schema::new(fields))
    }
}

/// Where the three tables of `--out` go: `DIR/<table>.parquet`, or for a
/// path ending in `.parquet` the actors table there and the others beside
/// it as `<stem>.<table>.parquet`.
pub fn table_paths(out: &Path) -> [(Table, PathBuf); 3] {
    let is_file = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    Table::ALL.map(|table| {
        let path = if !is_file {
            out.join(format!("{}.parquet", table.name()))
        } else if table == Table::Actors {
            out.to_path_buf()
        } else {
            let stem = out
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.with_file_name(format!("{stem}.{}.parquet", table.name()))
        };
        (table, path)
    })
}

/// Writes records into the three Parquet tables.
pub struct ParquetRecords {
    actors: TableWriter<ActorRows>,
    articles: TableWriter<ArticleRows>,
    failed: TableWriter<FailedRows>,
    written: usize,
}

impl ParquetRecords {
    /// Claims the three files of `out` (locks taken, nothing written yet).
    pub fn claim(out: &Path) -> anyhow::Result<ParquetClaim> {
        let [actors, articles, failed] = table_paths(out).map(|(_, path)| path);
        Ok(ParquetClaim {
            actors: Destination::claim(Some(&actors))?,
            articles: Destination::claim(Some(&articles))?,
            failed: Destination::claim(Some(&failed))?,
        })
    }

    /// Writes one record: its actor rows and its article row, or its
    /// failure row.
    pub fn write(&mut self, record: &Record) -> anyhow::Result<()> {
        match record {
            Record::Analysis(a) => {
                self.actors.rows.push(a);
                self.actors.maybe_flush()?;
                self.articles.rows.push(a);
                self.articles.maybe_flush()?;
            }
            Record::Failed(f) => {
                self.failed.rows.push(f);
                self.failed.maybe_flush()?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Records written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Closes the three files and puts them in place; except when every
    /// input failed and a previous output would be replaced, which is then
    /// kept (as for JSONL).
    pub fn finish_unless_all_failed(self, succeeded: usize, failed: usize) -> anyhow::Result<()> {
        if succeeded == 0 && failed > 0 && self.actors.replaces_existing() {
            eprintln!(
                "newsframe: {}: kept as it was, since no input could be read",
                self.actors.name
            );
            return Ok(());
        }
        // The failed and articles tables first: a reader that finds the
        // actors table finds the others complete beside it.
        self.failed.finish()?;
        self.articles.finish()?;
        self.actors.finish()
    }
}

/// The three claimed outputs of a Parquet record set.
pub struct ParquetClaim {
    actors: Destination,
    articles: Destination,
    failed: Destination,
}

impl ParquetClaim {
    /// Opens the temporary files and writes the headers.
    pub fn open(self) -> anyhow::Result<ParquetRecords> {
        Ok(ParquetRecords {
            actors: TableWriter::new(self.actors.replace()?, ActorRows::new())?,
            articles: TableWriter::new(self.articles.replace()?, ArticleRows::new())?,
            failed: TableWriter::new(self.failed.replace()?, FailedRows::new())?,
            written: 0,
        })
    }
}

/// Rows of one table waiting to become a record batch.
trait Rows {
    type Item: ?Sized;
    const TABLE: Table;
    fn push(&mut self, item: &Self::Item);
    fn len(&self) -> usize;
    /// The buffered rows as columns; the buffers start empty again.
    fn take(&mut self) -> Vec<ArrayRef>;
}

struct TableWriter<R: Rows> {
    name: String,
    replaces_existing: bool,
    rows: R,
    writer: ArrowWriter<Output>,
    schema: SchemaRef,
}

impl<R: Rows> TableWriter<R> {
    fn new(out: Output, rows: R) -> anyhow::Result<TableWriter<R>> {
        let name = out.name();
        let replaces_existing = out.replaces_existing();
        let schema = R::TABLE.schema();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROWS_PER_ROW_GROUP))
            .set_key_value_metadata(Some(vec![KeyValue::new(
                SCHEMA_VERSION_KEY.to_string(),
                SCHEMA_VERSION.to_string(),
            )]))
            .set_created_by(format!("newsframe {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props))
            .with_context(|| format!("cannot write {name}"))?;
        Ok(TableWriter {
            name,
            replaces_existing,
            rows,
            writer,
            schema,
        })
    }

    fn replaces_existing(&self) -> bool {
        self.replaces_existing
    }

    fn maybe_flush(&mut self) -> anyhow::Result<()> {
        if self.rows.len() >= ROWS_PER_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows.len() == 0 {
            return Ok(());
        }
        let batch = RecordBatch::try_new(self.schema.clone(), self.rows.take())
            .with_context(|| format!("cannot write {}", self.name))?;
        self.writer
            .write(&batch)
            .with_context(|| format!("cannot write {}", self.name))
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.flush()?;
        let out = self
            .writer
            .into_inner()
            .with_context(|| format!("cannot write {}", self.name))?;
        out.commit()
    }
}

/// The columns article rows of both tables repeat.
struct ArticleColumns {
    version: Int32Builder,
    id: StringBuilder,
    source: StringBuilder,
    date: StringBuilder,
    lang: StringBuilder,
    title: StringBuilder,
}

impl ArticleColumns {
    fn new() -> ArticleColumns {
        ArticleColumns {
            version: Int32Builder::new(),
            id: StringBuilder::new(),
            source: StringBuilder::new(),
            date: StringBuilder::new(),
            lang: StringBuilder::new(),
            title: StringBuilder::new(),
        }
    }

    fn push(&mut self, a: &ArticleAnalysis) {
        self.version.append_value(a.schema_version as i32);
        self.id.append_value(&a.id);
        self.source.append_option(a.source.as_deref());
        self.date.append_option(a.date.as_deref());
        self.lang.append_value(&a.lang);
        self.title.append_option(a.title.as_deref());
    }

    fn take(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.version.finish()),
            Arc::new(self.id.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.lang.finish()),
            Arc::new(self.title.finish()),
        ]
    }
}

struct ActorRows {
    article: ArticleColumns,
    engine_stance: StringBuilder,
    engine_actors: StringBuilder,
    actor_id: StringBuilder,
    actor_name: StringBuilder,
    actor_kind: StringBuilder,
    mentions: Int64Builder,
    stance: StringBuilder,
    score: Float64Builder,
    confidence: Float64Builder,
    p_positive: Float64Builder,
    p_neutral: Float64Builder,
    p_negative: Float64Builder,
    evidence: StringBuilder,
    naming: StringBuilder,
    len: usize,
}

impl ActorRows {
    fn new() -> ActorRows {
        ActorRows {
            article: ArticleColumns::new(),
            engine_stance: StringBuilder::new(),
            engine_actors: StringBuilder::new(),
            actor_id: StringBuilder::new(),
            actor_name: StringBuilder::new(),
            actor_kind: StringBuilder::new(),
            mentions: Int64Builder::new(),
            stance: StringBuilder::new(),
            score: Float64Builder::new(),
            confidence: Float64Builder::new(),
            p_positive: Float64Builder::new(),
            p_neutral: Float64Builder::new(),
            p_negative: Float64Builder::new(),
            evidence: StringBuilder::new(),
            naming: StringBuilder::new(),
            len: 0,
        }
    }
}

impl Rows for ActorRows {
    type Item = ArticleAnalysis;
    const TABLE: Table = Table::Actors;

    fn push(&mut self, a: &ArticleAnalysis) {
        for actor in &a.actors {
            self.article.push(a);
            self.engine_stance.append_option(a.engine.stance.as_deref());
            self.engine_actors.append_option(a.engine.actors.as_deref());
            self.actor_id.append_value(&actor.id);
            self.actor_name.append_value(&actor.name);
            self.actor_kind.append_option(actor.kind.as_deref());
            self.mentions
                .append_value(i64::try_from(actor.mentions).unwrap_or(i64::MAX));
            self.stance.append_option(actor.stance.map(|l| l.as_str()));
            self.score.append_option(actor.score);
            self.confidence.append_option(actor.confidence);
            self.p_positive
                .append_option(actor.probs.map(|p| p.positive));
            self.p_neutral.append_option(actor.probs.map(|p| p.neutral));
            self.p_negative
                .append_option(actor.probs.map(|p| p.negative));
            let evidence = (!actor.evidence.is_empty())
                .then(|| serde_json::to_string(&actor.evidence).unwrap_or_default());
            self.evidence.append_option(evidence);
            let naming = (!actor.naming.is_empty())
                .then(|| serde_json::to_string(&actor.naming).unwrap_or_default());
            self.naming.append_option(naming);
            self.len += 1;
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn take(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        let mut columns = self.article.take();
        columns.extend::<[ArrayRef; 14]>([
            Arc::new(self.engine_stance.finish()),
            Arc::new(self.engine_actors.finish()),
            Arc::new(self.actor_id.finish()),
            Arc::new(self.actor_name.finish()),
            Arc::new(self.actor_kind.finish()),
            Arc::new(self.mentions.finish()),
            Arc::new(self.stance.finish()),
            Arc::new(self.score.finish()),
            Arc::new(self.confidence.finish()),
            Arc::new(self.p_positive.finish()),
            Arc::new(self.p_neutral.finish()),
            Arc::new(self.p_negative.finish()),
            Arc::new(self.evidence.finish()),
            Arc::new(self.naming.finish()),
        ]);
        columns
    }
}

struct ArticleRows {
    article: ArticleColumns,
    url: StringBuilder,
    origin_path: StringBuilder,
    origin_line: Int64Builder,
    content_hash: StringBuilder,
    extra: StringBuilder,
    engine_summary: StringBuilder,
    engine_stance: StringBuilder,
    engine_actors: StringBuilder,
    summary: StringBuilder,
    summary_method: StringBuilder,
    summary_lang: StringBuilder,
    /// The record's quotations as a JSON array; null when it has none recorded.
    quotes: StringBuilder,
    warnings: ListBuilder<StringBuilder>,
    len: usize,
}

impl ArticleRows {
    fn new() -> ArticleRows {
        ArticleRows {
            article: ArticleColumns::new(),
            url: StringBuilder::new(),
            origin_path: StringBuilder::new(),
            origin_line: Int64Builder::new(),
            content_hash: StringBuilder::new(),
            extra: StringBuilder::new(),
            engine_summary: StringBuilder::new(),
            engine_stance: StringBuilder::new(),
            engine_actors: StringBuilder::new(),
            summary: StringBuilder::new(),
            summary_method: StringBuilder::new(),
            summary_lang: StringBuilder::new(),
            quotes: StringBuilder::new(),
            warnings: ListBuilder::new(StringBuilder::new()),
            len: 0,
        }
    }
}

impl Rows for ArticleRows {
    type Item = ArticleAnalysis;
    const TABLE: Table = Table::Articles;

    fn push(&mut self, a: &ArticleAnalysis) {
        self.article.push(a);
        self.url.append_option(a.url.as_deref());
        self.origin_path.append_value(&a.origin.path);
        self.origin_line
            .append_option(a.origin.line.map(|l| i64::try_from(l).unwrap_or(i64::MAX)));
        self.content_hash.append_option(a.content_hash.as_deref());
        let extra =
            (!a.extra.is_empty()).then(|| serde_json::to_string(&a.extra).unwrap_or_default());
        self.extra.append_option(extra);
        self.engine_summary
            .append_option(a.engine.summary.as_deref());
        self.engine_stance.append_option(a.engine.stance.as_deref());
        self.engine_actors.append_option(a.engine.actors.as_deref());
        self.summary
            .append_option(a.summary.as_ref().map(|s| s.text.as_str()));
        self.summary_method
            .append_option(a.summary.as_ref().map(|s| s.method.as_str()));
        self.summary_lang
            .append_option(a.summary.as_ref().and_then(|s| s.lang.as_deref()));
        self.quotes.append_option(
            a.quotes
                .as_ref()
                .map(|q| serde_json::to_string(q).unwrap_or_default()),
        );
        for w in &a.warnings {
            self.warnings.values().append_value(w);
        }
        self.warnings.append(true);
        self.len += 1;
    }

    fn len(&self) -> usize {
        self.len
    }

    fn take(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        let mut columns = self.article.take();
        columns.extend::<[ArrayRef; 13]>([
            Arc::new(self.url.finish()),
            Arc::new(self.origin_path.finish()),
            Arc::new(self.origin_line.finish()),
            Arc::new(self.content_hash.finish()),
            Arc::new(self.extra.finish()),
            Arc::new(self.engine_summary.finish()),
            Arc::new(self.engine_stance.finish()),
            Arc::new(self.engine_actors.finish()),
            Arc::new(self.summary.finish()),
            Arc::new(self.summary_method.finish()),
            Arc::new(self.summary_lang.finish()),
            Arc::new(self.quotes.finish()),
            Arc::new(self.warnings.finish()),
        ]);
        columns
    }
}

struct FailedRows {
    version: Int32Builder,
    id: StringBuilder,
    source: StringBuilder,
    origin_path: StringBuilder,
    origin_line: Int64Builder,
    error: StringBuilder,
    len: usize,
}

impl FailedRows {
    fn new() -> FailedRows {
        FailedRows {
            version: Int32Builder::new(),
            id: StringBuilder::new(),
            source: StringBuilder::new(),
            origin_path: StringBuilder::new(),
            origin_line: Int64Builder::new(),
            error: StringBuilder::new(),
            len: 0,
        }
    }
}

impl Rows for FailedRows {
    type Item = FailedArticle;
    const TABLE: Table = Table::Failed;

    fn push(&mut self, f: &FailedArticle) {
        self.version.append_value(f.schema_version as i32);
        self.id.append_option(f.id.as_deref());
        self.source.append_option(f.source.as_deref());
        self.origin_path.append_value(&f.origin.path);
        self.origin_line
            .append_option(f.origin.line.map(|l| i64::try_from(l).unwrap_or(i64::MAX)));
        self.error.append_value(&f.error);
        self.len += 1;
    }

    fn len(&self) -> usize {
        self.len
    }

    fn take(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        vec![
            Arc::new(self.version.finish()),
            Arc::new(self.id.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.origin_path.finish()),
            Arc::new(self.origin_line.finish()),
            Arc::new(self.error.finish()),
        ]
    }
}
