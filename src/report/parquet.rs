//! Parquet records as `compare` input: the tables `analyze --format
//! parquet` writes (`docs/schema.md`, "Parquet tables"), or a Spark job's
//! hive-partitioned folders of the same tables, read a batch at a time and
//! joined back into analysis records.
//!
//! Files are told apart by their columns (actors: `actor_id`; failed:
//! `error`; articles: `origin_path`), and matched into sets: `DIR/actors.parquet`
//! with `DIR/articles.parquet`; `NAME.parquet` with `NAME.articles.parquet`;
//! `OUT/actors/<partition>/part-*.parquet` with
//! `OUT/articles/<partition>/part-*.parquet`. Within a set the actor rows of
//! one article are consecutive (both writers do so) and are joined with the
//! article's row by id in one pass: articles read ahead wait until their
//! actor rows come, so memory stays small when both tables list articles in
//! the same order (they do, per partition, for both writers). An article
//! with no actor rows has none; actor rows without an article row still
//! count (without a summary; their origin is the actors file and row).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::article::Origin;
use crate::output::parquet::{SCHEMA_VERSION_KEY, Table};
use crate::record::{
    ActorStance, ArticleAnalysis, EngineInfo, Evidence, LabelProbs, NamingTerm, SCHEMA_VERSION,
    Summary, SummaryMethod, is_readable_schema_version, readable_schema_versions,
};

use super::accumulate::RecordConsumer;
use super::load::{check_values, malformed};
use super::{FailedEntry, FailureKind, InputSummary};

/// Rows decoded at a time.
const BATCH_ROWS: usize = 8192;

/// Whether `path` is a Parquet file by its name.
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The Parquet files under `dir` (recursive, sorted, links followed),
/// leaving out hidden files and Spark's bookkeeping (`_SUCCESS`,
/// `_committed_*`, `.crc`). Folders that cannot be read are reported.
pub fn parquet_files(dir: &Path) -> (Vec<PathBuf>, Vec<crate::input::InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !e.file_name().to_string_lossy().starts_with(['.', '_'])
        });
    for entry in walk {
        match entry {
            Ok(entry) if entry.file_type().is_file() && is_parquet(entry.path()) => {
                files.push(entry.into_path());
            }
            Ok(_) => {}
            Err(err) => errors.push(crate::input::InputError::new(
                Origin::file(
                    err.path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| dir.display().to_string()),
                ),
                err.to_string(),
            )),
        }
    }
    (files, errors)
}

/// The files of one record set, each table's in path order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableSet {
    /// What the files have in common (for messages and ordering).
    pub key: PathBuf,
    pub actors: Vec<PathBuf>,
    pub articles: Vec<PathBuf>,
    pub failed: Vec<PathBuf>,
}

/// Sorts Parquet files into record sets by their tables (read from each
/// file's columns) and names. Files that are not newsframe tables come
/// back as errors.
pub fn table_sets(files: &[PathBuf]) -> (Vec<TableSet>, Vec<(PathBuf, String)>) {
    let mut sets: BTreeMap<PathBuf, TableSet> = BTreeMap::new();
    let mut errors = Vec::new();
    for path in files {
        let table = match table_of(path) {
            Ok(table) => table,
            Err(err) => {
                errors.push((path.clone(), format!("{err:#}")));
                continue;
            }
        };
        let key = set_key(path, table);
        let set = sets.entry(key.clone()).or_insert_with(|| TableSet {
            key,
            ..TableSet::default()
        });
        match table {
            Table::Actors => set.actors.push(path.clone()),
            Table::Articles => set.articles.push(path.clone()),
            Table::Failed => set.failed.push(path.clone()),
        }
    }
    let mut sets: Vec<TableSet> = sets.into_values().collect();
    for set in &mut sets {
        set.actors.sort();
        set.articles.sort();
        set.failed.sort();
    }
    (sets, errors)
}

/// Which table a file holds, by its columns; refuses other files and
/// other schema versions.
fn table_of(path: &Path) -> anyhow::Result<Table> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{}: not a readable Parquet file", path.display()))?;
    if let Some(version) = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|kv| kv.key == SCHEMA_VERSION_KEY))
        .and_then(|kv| kv.value.clone())
        && !version.trim().parse().is_ok_and(is_readable_schema_version)
    {
        anyhow::bail!(
            "{}: record schema_version {version} is not supported (this newsframe reads {})",
            path.display(),
            readable_schema_versions()
        );
    }
    let schema = builder.schema();
    let has = |name: &str| schema.field_with_name(name).is_ok();
    if has("actor_id") {
        Ok(Table::Actors)
    } else if has("error") {
        Ok(Table::Failed)
    } else if has("origin_path") {
        Ok(Table::Articles)
    } else {
        anyhow::bail!(
            "{}: not a newsframe records table (no actor_id, error or origin_path column; see docs/schema.md)",
            path.display()
        )
    }
}

/// What the files of one record set share: their folder for
/// `DIR/<table>.parquet`, the name for `NAME.parquet` / `NAME.<table>.parquet`,
/// and the root and partition for `OUT/<table>/<partition>/part-*.parquet`.
fn set_key(path: &Path, table: Table) -> PathBuf {
    let parent = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    if lower == format!("{}.parquet", table.name()) {
        return parent;
    }
    let suffix = format!(".{}.parquet", table.name());
    if table != Table::Actors && lower.ends_with(&suffix) {
        return parent.join(&name[..name.len() - suffix.len()]);
    }
    let components: Vec<_> = path.components().collect();
    for i in (0..components.len().saturating_sub(1)).rev() {
        if components[i].as_os_str() == table.name() {
            let mut key: PathBuf = components[..i].iter().collect();
            key.push("*");
            for c in &components[i + 1..components.len() - 1] {
                key.push(c);
            }
            return key;
        }
    }
    if table == Table::Actors {
        return parent.join(&name[..name.len() - ".parquet".len()]);
    }
    path.to_path_buf()
}

/// Reads one record set into `consumer`: failures, then analyses (actor
/// rows joined with article rows). Each file counts as one input.
pub fn read_table_set(set: &TableSet, consumer: &mut dyn RecordConsumer) -> anyhow::Result<()> {
    for path in &set.failed {
        read_failed(path, consumer)?;
    }
    let mut articles = TableRows::<ArticleRow>::new(&set.articles)?;
    let mut actors = TableRows::<ActorRow>::new(&set.actors)?;
    let mut pending: HashMap<String, VecDeque<ArticleAnalysis>> = HashMap::new();
    let mut summary = InputSummary {
        path: set.key.display().to_string(),
        analyses: 0,
        failed: 0,
        malformed: 0,
    };
    let mut group: Vec<(Origin, ActorRow)> = Vec::new();
    loop {
        let next = actors.next_row()?;
        let same = match (&next, group.first()) {
            (Some(Ok((_, row))), Some((_, first))) => row.article.id == first.article.id,
            _ => group.is_empty(),
        };
        if !same {
            let rows = std::mem::take(&mut group);
            let record = join(rows, &mut articles, &mut pending, &mut summary, consumer)?;
            emit(record, &mut summary, consumer);
        }
        match next {
            None => break,
            Some(Ok(row)) => group.push(row),
            Some(Err(bad)) => emit(Err(bad), &mut summary, consumer),
        }
    }
    // Articles with no actor rows: those read ahead, then the rest.
    let mut left: Vec<ArticleAnalysis> = pending.into_values().flatten().collect();
    left.sort_by(|a, b| {
        a.origin
            .path
            .cmp(&b.origin.path)
            .then(a.origin.line.cmp(&b.origin.line))
    });
    for a in left {
        emit(Ok(a), &mut summary, consumer);
    }
    while let Some(row) = articles.next_row()? {
        emit(row.map(|(_, a)| a.0), &mut summary, consumer);
    }
    consumer.input(summary);
    Ok(())
}

/// Hands a joined record (checked as a JSONL line is) or an invalid row to
/// `consumer`, counting it.
fn emit(
    record: Result<ArticleAnalysis, (Origin, String)>,
    summary: &mut InputSummary,
    consumer: &mut dyn RecordConsumer,
) {
    let record = record.and_then(|a| match check_values(&a) {
        Ok(()) => Ok(a),
        Err(e) => Err((a.origin.clone(), format!("invalid analysis record: {e}"))),
    });
    match record {
        Ok(a) => {
            summary.analyses += 1;
            consumer.analysis(a.origin.clone(), a);
        }
        Err((origin, message)) => {
            summary.malformed += 1;
            consumer.failed(malformed(&origin, message));
        }
    }
}

/// The record of one article's actor rows: its article row found by id
/// (read ahead as far as needed), else built from the actor rows alone.
fn join(
    rows: Vec<(Origin, ActorRow)>,
    articles: &mut TableRows<ArticleRow>,
    pending: &mut HashMap<String, VecDeque<ArticleAnalysis>>,
    summary: &mut InputSummary,
    consumer: &mut dyn RecordConsumer,
) -> anyhow::Result<Result<ArticleAnalysis, (Origin, String)>> {
    let Some((origin, first)) = rows.first() else {
        return Ok(Err((Origin::file(""), "no rows".into())));
    };
    let id = first.article.id.clone();
    let origin = origin.clone();
    let mut article = pending.get_mut(&id).and_then(VecDeque::pop_front);
    if pending.get(&id).is_some_and(VecDeque::is_empty) {
        pending.remove(&id);
    }
    while article.is_none() {
        match articles.next_row()? {
            None => break,
            Some(Err(bad)) => emit(Err(bad), summary, consumer),
            Some(Ok((_, ArticleRow(a)))) if a.id == id => article = Some(a),
            Some(Ok((_, ArticleRow(a)))) => pending.entry(a.id.clone()).or_default().push_back(a),
        }
    }
    let mut article = match article {
        Some(a) => a,
        None => ArticleAnalysis {
            schema_version: SCHEMA_VERSION,
            id: first.article.id.clone(),
            source: first.article.source.clone(),
            date: first.article.date.clone(),
            lang: first.article.lang.clone(),
            title: first.article.title.clone(),
            url: None,
            origin,
            content_hash: None,
            extra: BTreeMap::new(),
            engine: EngineInfo {
                summary: None,
                stance: first.engine_stance.clone(),
                actors: first.engine_actors.clone(),
            },
            summary: None,
            actors: Vec::new(),
            quotes: None,
            warnings: Vec::new(),
        },
    };
    article.actors = rows.into_iter().map(|(_, row)| row.actor).collect();
    Ok(Ok(article))
}

fn read_failed(path: &Path, consumer: &mut dyn RecordConsumer) -> anyhow::Result<()> {
    let mut rows = TableRows::<FailedRow>::new(std::slice::from_ref(&path.to_path_buf()))?;
    let mut summary = InputSummary {
        path: path.display().to_string(),
        analyses: 0,
        failed: 0,
        malformed: 0,
    };
    while let Some(row) = rows.next_row()? {
        match row {
            Ok((_, entry)) => {
                summary.failed += 1;
                consumer.failed(entry.0);
            }
            Err((origin, message)) => {
                summary.malformed += 1;
                consumer.failed(malformed(&origin, message));
            }
        }
    }
    consumer.input(summary);
    Ok(())
}

/// One row of a table, read from the columns of a batch.
trait Row: Sized {
    /// The row `i` of `batch`, or why it is not a valid row.
    fn read(columns: &Columns, i: usize, origin: &Origin) -> Result<Self, String>;
}

/// A row with where it was read, or why the row there is not valid.
type RowResult<R> = Result<(Origin, R), (Origin, String)>;

/// The rows of a table's files, in order, a batch at a time.
struct TableRows<R: Row> {
    files: VecDeque<PathBuf>,
    current: Option<(PathBuf, ParquetRecordBatchReader)>,
    batch: Option<Columns>,
    next: usize,
    /// Rows of the current file before the batch.
    row_base: usize,
    _row: std::marker::PhantomData<R>,
}

impl<R: Row> TableRows<R> {
    fn new(files: &[PathBuf]) -> anyhow::Result<TableRows<R>> {
        Ok(TableRows {
            files: files.iter().cloned().collect(),
            current: None,
            batch: None,
            next: 0,
            row_base: 0,
            _row: std::marker::PhantomData,
        })
    }

    /// The next row: Ok((origin, row)), or Err((origin, message)) for an
    /// invalid row; None at the end of the last file.
    fn next_row(&mut self) -> anyhow::Result<Option<RowResult<R>>> {
        loop {
            if let (Some(columns), Some((path, _))) = (&self.batch, &self.current)
                && self.next < columns.rows
            {
                let i = self.next;
                self.next += 1;
                let origin = Origin::line(path.display().to_string(), self.row_base + i + 1);
                return Ok(Some(match R::read(columns, i, &origin) {
                    Ok(row) => Ok((origin, row)),
                    Err(message) => Err((origin, message)),
                }));
            }
            if let Some(columns) = self.batch.take() {
                self.row_base += columns.rows;
            }
            self.next = 0;
            if let Some((path, reader)) = &mut self.current {
                match reader.next() {
                    Some(batch) => {
                        let batch =
                            batch.with_context(|| format!("cannot read {}", path.display()))?;
                        self.batch = Some(Columns::new(batch));
                        continue;
                    }
                    None => self.current = None,
                }
            }
            let Some(path) = self.files.pop_front() else {
                return Ok(None);
            };
            let file =
                File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
                .with_context(|| format!("cannot read {}", path.display()))?;
            self.current = Some((path, reader));
            self.row_base = 0;
        }
    }
}

/// A decoded batch, columns found by name.
struct Columns {
    rows: usize,
    by_name: HashMap<String, ArrayRef>,
}

impl Columns {
    fn new(batch: RecordBatch) -> Columns {
        let schema = batch.schema();
        let by_name = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(f, c)| (f.name().clone(), c.clone()))
            .collect();
        Columns {
            rows: batch.num_rows(),
            by_name,
        }
    }

    /// A text column's value (null, or a column that is absent: None).
    fn str(&self, name: &str, i: usize) -> Result<Option<&str>, String> {
        let Some(col) = self.by_name.get(name) else {
            return Ok(None);
        };
        if col.is_null(i) {
            return Ok(None);
        }
        if let Some(a) = col.as_string_opt::<i32>() {
            Ok(Some(a.value(i)))
        } else if let Some(a) = col.as_string_opt::<i64>() {
            Ok(Some(a.value(i)))
        } else if let Some(a) = col.as_string_view_opt() {
            Ok(Some(a.value(i)))
        } else {
            Err(format!("column {name} is not text ({})", col.data_type()))
        }
    }

    fn string(&self, name: &str, i: usize) -> Result<Option<String>, String> {
        Ok(self.str(name, i)?.map(str::to_string))
    }

    fn required(&self, name: &str, i: usize) -> Result<String, String> {
        self.string(name, i)?
            .ok_or_else(|| format!("{name} is missing"))
    }

    fn int(&self, name: &str, i: usize) -> Result<Option<i64>, String> {
        let Some(col) = self.by_name.get(name) else {
            return Ok(None);
        };
        if col.is_null(i) {
            return Ok(None);
        }
        match col.data_type() {
            DataType::Int64 => Ok(Some(col.as_primitive::<Int64Type>().value(i))),
            DataType::Int32 => Ok(Some(i64::from(col.as_primitive::<Int32Type>().value(i)))),
            other => Err(format!("column {name} is not an integer ({other})")),
        }
    }

    fn float(&self, name: &str, i: usize) -> Result<Option<f64>, String> {
        let Some(col) = self.by_name.get(name) else {
            return Ok(None);
        };
        if col.is_null(i) {
            return Ok(None);
        }
        match col.as_primitive_opt::<Float64Type>() {
            Some(a) => Ok(Some(a.value(i))),
            None => Err(format!(
                "column {name} is not a double ({})",
                col.data_type()
            )),
        }
    }

    fn strings(&self, name: &str, i: usize) -> Result<Vec<String>, String> {
        let Some(col) = self.by_name.get(name) else {
            return Ok(Vec::new());
        };
        if col.is_null(i) {
            return Ok(Vec::new());
        }
        let values = if let Some(list) = col.as_list_opt::<i32>() {
            list.value(i)
        } else if let Some(list) = col.as_list_opt::<i64>() {
            list.value(i)
        } else {
            return Err(format!("column {name} is not a list ({})", col.data_type()));
        };
        let inner = Columns {
            rows: values.len(),
            by_name: HashMap::from([(String::new(), values)]),
        };
        (0..inner.rows)
            .map(|j| Ok(inner.string("", j)?.unwrap_or_default()))
            .collect()
    }

    /// The row's `schema_version`, which must be the one this build reads.
    fn check_version(&self, i: usize) -> Result<(), String> {
        match self.int("schema_version", i)? {
            Some(v) if u64::try_from(v).is_ok_and(is_readable_schema_version) => Ok(()),
            Some(v) => Err(format!(
                "record schema_version {v} is not supported (this newsframe reads {})",
                readable_schema_versions()
            )),
            None => Err("no schema_version".into()),
        }
    }

    fn count(&self, name: &str, i: usize) -> Result<Option<usize>, String> {
        self.int(name, i)?
            .map(|v| usize::try_from(v).map_err(|_| format!("{name} {v} is negative")))
            .transpose()
    }
}

/// The article columns the actors table repeats.
struct ArticleHead {
    id: String,
    source: Option<String>,
    date: Option<String>,
    lang: String,
    title: Option<String>,
}

impl ArticleHead {
    fn read(c: &Columns, i: usize) -> Result<ArticleHead, String> {
        Ok(ArticleHead {
            id: c.required("article_id", i)?,
            source: c.string("source", i)?,
            date: c.string("date", i)?,
            lang: c.required("lang", i)?,
            title: c.string("title", i)?,
        })
    }
}

struct ActorRow {
    article: ArticleHead,
    engine_stance: Option<String>,
    engine_actors: Option<String>,
    actor: ActorStance,
}

impl Row for ActorRow {
    fn read(c: &Columns, i: usize, _origin: &Origin) -> Result<ActorRow, String> {
        c.check_version(i)?;
        let probs = match (
            c.float("p_positive", i)?,
            c.float("p_neutral", i)?,
            c.float("p_negative", i)?,
        ) {
            (Some(positive), Some(neutral), Some(negative)) => Some(LabelProbs {
                positive,
                neutral,
                negative,
            }),
            (None, None, None) => None,
            _ => return Err("p_positive, p_neutral and p_negative are null only together".into()),
        };
        let evidence: Vec<Evidence> = match c.str("evidence", i)? {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| format!("evidence is not a JSON array of evidence: {e}"))?,
            None => Vec::new(),
        };
        // Absent in tables written before the column existed.
        let naming: Vec<NamingTerm> = match c.str("naming", i)? {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| format!("naming is not a JSON array of naming terms: {e}"))?,
            None => Vec::new(),
        };
        Ok(ActorRow {
            article: ArticleHead::read(c, i)?,
            engine_stance: c.string("engine_stance", i)?,
            engine_actors: c.string("engine_actors", i)?,
            actor: ActorStance {
                id: c.required("actor_id", i)?,
                name: c.required("actor_name", i)?,
                kind: c.string("actor_kind", i)?,
                mentions: c.count("mentions", i)?.ok_or("mentions is missing")?,
                stance: c.str("stance", i)?.map(str::parse).transpose()?,
                score: c.float("score", i)?,
                confidence: c.float("confidence", i)?,
                probs,
                evidence,
                naming,
            },
        })
    }
}

struct ArticleRow(ArticleAnalysis);

impl Row for ArticleRow {
    fn read(c: &Columns, i: usize, _origin: &Origin) -> Result<ArticleRow, String> {
        c.check_version(i)?;
        let head = ArticleHead::read(c, i)?;
        let extra = match c.str("extra", i)? {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| format!("extra is not a JSON object of strings: {e}"))?,
            None => BTreeMap::new(),
        };
        let summary = match c.string("summary", i)? {
            Some(text) => Some(Summary {
                text,
                method: match c.str("summary_method", i)? {
                    Some("abstractive") => SummaryMethod::Abstractive,
                    Some("extractive") | None => SummaryMethod::Extractive,
                    Some(other) => return Err(format!("unknown summary_method {other:?}")),
                },
                sentences: Vec::new(),
                // Absent from tables written before the column existed.
                lang: c.string("summary_lang", i)?,
            }),
            None => None,
        };
        Ok(ArticleRow(ArticleAnalysis {
            schema_version: SCHEMA_VERSION,
            id: head.id,
            source: head.source,
            date: head.date,
            lang: head.lang,
            title: head.title,
            url: c.string("url", i)?,
            origin: Origin {
                path: c.required("origin_path", i)?,
                line: c.count("origin_line", i)?,
            },
            content_hash: c.string("content_hash", i)?,
            extra,
            engine: EngineInfo {
                summary: c.string("engine_summary", i)?,
                stance: c.string("engine_stance", i)?,
                actors: c.string("engine_actors", i)?,
            },
            summary,
            actors: Vec::new(),
            // Absent from tables written before the column existed.
            quotes: match c.str("quotes", i)? {
                Some(text) => Some(
                    serde_json::from_str(text)
                        .map_err(|e| format!("quotes is not a JSON array of quotations: {e}"))?,
                ),
                None => None,
            },
            warnings: c.strings("warnings", i)?,
        }))
    }
}

struct FailedRow(FailedEntry);

impl Row for FailedRow {
    fn read(c: &Columns, i: usize, _origin: &Origin) -> Result<FailedRow, String> {
        c.check_version(i)?;
        let origin = Origin {
            path: c.required("origin_path", i)?,
            line: c.count("origin_line", i)?,
        };
        Ok(FailedRow(FailedEntry {
            origin: origin.to_string(),
            id: c.string("article_id", i)?,
            source: c.string("source", i)?,
            kind: FailureKind::Analysis,
            error: c.required("error", i)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_pair_into_sets_by_name_and_partition() {
        let key = |p: &str, t| set_key(Path::new(p), t);
        assert_eq!(key("d/actors.parquet", Table::Actors), PathBuf::from("d"));
        assert_eq!(
            key("d/articles.parquet", Table::Articles),
            PathBuf::from("d")
        );
        assert_eq!(key("d/run.parquet", Table::Actors), PathBuf::from("d/run"));
        assert_eq!(
            key("d/run.articles.parquet", Table::Articles),
            PathBuf::from("d/run")
        );
        assert_eq!(
            key("d/run.failed.parquet", Table::Failed),
            PathBuf::from("d/run")
        );
        let spark_actors = key(
            "out/actors/outlet=A/month=2019-05/part-0-x.parquet",
            Table::Actors,
        );
        let spark_articles = key(
            "out/articles/outlet=A/month=2019-05/part-0-y.parquet",
            Table::Articles,
        );
        assert_eq!(spark_actors, spark_articles);
        assert_ne!(
            spark_actors,
            key(
                "out/actors/outlet=B/month=2019-05/part-0-x.parquet",
                Table::Actors
            )
        );
        // A folder that happens to be named like a table does not matter
        // when the file names its table.
        assert_eq!(
            key("data/actors/run1/articles.parquet", Table::Articles),
            key("data/actors/run1/actors.parquet", Table::Actors)
        );
    }
}
