//! Records at scale: `analyze --format parquet` (the flat tables round-trip
//! to the JSONL records, nulls included), `compare` over JSONL, Parquet
//! files, Spark-style partitioned folders and stdin giving the same report,
//! and `--shard K/N` runs that together are the single run.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{newsframe, python_needed, python_with, require};
use newsframe::output::parquet::{ParquetRecords, Table};
use newsframe::record::Record;
use newsframe::report::accumulate::RecordConsumer;
use newsframe::report::load::LoadedRecords;
use newsframe::report::parquet::{parquet_files, read_table_set, table_sets};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn analyze(args: &[&str]) -> std::process::Output {
    let mut cmd = newsframe();
    cmd.arg("analyze")
        .arg(repo("data/samples"))
        .args(["--actors"])
        .arg(repo("data/actors/venezuela.toml"))
        .args(["--engine", "builtin"])
        .args(args);
    cmd.output().unwrap()
}

fn jsonl_records(path: &Path) -> Vec<Record> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The records of a Parquet record set, read back as `compare` reads them.
pub(crate) fn parquet_records(dir: &Path) -> LoadedRecords {
    let (files, errors) = parquet_files(dir);
    assert!(errors.is_empty(), "{errors:?}");
    let (sets, unreadable) = table_sets(&files);
    assert!(unreadable.is_empty(), "{unreadable:?}");
    let mut loaded = LoadedRecords::default();
    for set in &sets {
        read_table_set(set, &mut loaded).unwrap();
    }
    loaded
}

/// Column names of a table file, in order, and its key-value metadata.
fn columns_and_metadata(path: &Path) -> (Vec<String>, Vec<(String, Option<String>)>) {
    let file = std::fs::File::open(path).unwrap();
    let builder =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let columns = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let metadata = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|kv| (kv.key, kv.value))
        .collect();
    (columns, metadata)
}

#[test]
fn analyze_parquet_round_trips_the_jsonl_records() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("records.jsonl");
    let out = analyze(&["--out", jsonl.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tables = dir.path().join("tables");
    let out = analyze(&["--format", "parquet", "--out", tables.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for table in Table::ALL {
        let path = tables.join(format!("{}.parquet", table.name()));
        let (columns, metadata) = columns_and_metadata(&path);
        let expected: Vec<String> = table
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(columns, expected);
        assert!(metadata.contains(&("newsframe.schema_version".into(), Some("2".into()))));
    }
    assert_eq!(
        columns_and_metadata(&tables.join("actors.parquet")).0[..9],
        [
            "schema_version",
            "article_id",
            "source",
            "date",
            "lang",
            "title",
            "engine_stance",
            "engine_actors",
            "actor_id"
        ]
    );
    // No temporary files are left beside the tables.
    let names: Vec<String> = std::fs::read_dir(&tables)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");

    let expected: Vec<Record> = jsonl_records(&jsonl);
    let loaded = parquet_records(&tables);
    let mut analyses = expected.iter().filter_map(|r| match r {
        Record::Analysis(a) => Some(a.as_ref().clone()),
        Record::Failed(_) => None,
    });
    assert!(loaded.failed.is_empty());
    assert_eq!(loaded.analyses.len(), analyses.clone().count());
    assert!(!loaded.analyses.is_empty());
    for got in &loaded.analyses {
        let mut want = analyses.next().unwrap();
        // The sentence indexes of an extractive summary are not a column.
        if let Some(summary) = &mut want.summary {
            summary.sentences.clear();
        }
        assert_eq!(got.analysis, want);
    }
    // Nulls survive: unmentioned actors have no stance, no score, no probs.
    assert!(loaded.analyses.iter().any(|a| {
        a.analysis.actors.iter().any(|s| {
            s.mentions == 0 && s.stance.is_none() && s.score.is_none() && s.probs.is_none()
        })
    }));

    // The same as a file: actors in it, the other tables beside it.
    let file = dir.path().join("run.parquet");
    let out = analyze(&["--format", "parquet", "--out", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["run.parquet", "run.articles.parquet", "run.failed.parquet"] {
        assert!(dir.path().join(name).is_file(), "{name}");
    }
}

#[test]
fn parquet_needs_a_file_and_no_resume() {
    let out = analyze(&["--format", "parquet"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--format parquet needs --out"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(&[
        "--format",
        "parquet",
        "--out",
        dir.path().join("t").to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resume needs JSONL"));
    assert!(!dir.path().join("t").exists());
}

#[test]
#[ignore = "needs Python with pyarrow (NEWSFRAME_PYTHON)"]
fn pyarrow_reads_the_tables() {
    let python = require(python_with(&["pyarrow"]), &python_needed(&["pyarrow"]));
    let dir = tempfile::tempdir().unwrap();
    let (tables, jsonl) = tables_and_records(dir.path());
    let script = r#"
import json, sys
import pyarrow.parquet as pq
d = sys.argv[1]
actors = pq.read_table(f"{d}/actors.parquet")
articles = pq.read_table(f"{d}/articles.parquet").to_pydict()
failed = pq.read_table(f"{d}/failed.parquet")
meta = pq.read_metadata(f"{d}/actors.parquet").metadata
records = [json.loads(l) for l in open(sys.argv[2])]
analyses = [r for r in records if "actors" in r]
rows = [(r["id"], a["id"], a["mentions"], a["score"], a["stance"]) for r in analyses for a in r["actors"]]
t = actors.to_pydict()
got = list(zip(t["article_id"], t["actor_id"], t["mentions"], t["score"], t["stance"]))
print(json.dumps({"same": rows == got, "articles": len(articles["article_id"]),
    "summaries": articles["summary"] == [r.get("summary", {}).get("text") for r in analyses],
    "warnings": articles["warnings"] == [r["warnings"] for r in analyses],
    "failed": failed.num_rows, "records": len(analyses),
    "version": meta[b"newsframe.schema_version"].decode(),
    "types": {f.name: str(f.type) for f in actors.schema}}))
"#;
    let v = python_json(&python, script, &tables, &jsonl);
    assert_eq!(v["same"], true, "{v}");
    assert_eq!(v["summaries"], true, "{v}");
    assert_eq!(v["warnings"], true, "{v}");
    assert_eq!(v["articles"], v["records"]);
    assert_eq!(v["failed"], 0);
    assert_eq!(v["version"], newsframe::record::SCHEMA_VERSION.to_string());
    assert_eq!(v["types"]["mentions"], "int64");
    assert_eq!(v["types"]["score"], "double");
    assert_eq!(v["types"]["schema_version"], "int32");
    assert_eq!(v["types"]["article_id"], "string");
}

/// What a Python script prints as JSON, given the tables folder and the
/// JSONL records as its arguments.
fn python_json(python: &Path, script: &str, tables: &Path, jsonl: &Path) -> Value {
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(tables)
        .arg(jsonl)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The same articles analyzed into Parquet tables (`DIR/tables`) and into
/// JSON lines (`DIR/records.jsonl`).
fn tables_and_records(dir: &Path) -> (PathBuf, PathBuf) {
    let tables = dir.join("tables");
    let out = analyze(&["--format", "parquet", "--out", tables.to_str().unwrap()]);
    assert!(out.status.success());
    let jsonl = dir.join("records.jsonl");
    assert!(
        analyze(&["--out", jsonl.to_str().unwrap()])
            .status
            .success()
    );
    (tables, jsonl)
}

/// The documented columns (docs/schema.md, "Parquet tables") as DuckDB and
/// pandas see them: names, order and SQL types, and the same rows as the
/// JSONL records.
#[test]
#[ignore = "needs Python with duckdb and pandas (NEWSFRAME_FIXTURE_DEPS=1 scripts/setup)"]
fn duckdb_and_pandas_read_the_documented_columns() {
    let modules = ["duckdb", "pandas", "pyarrow"];
    let python = require(python_with(&modules), &python_needed(&modules));
    let dir = tempfile::tempdir().unwrap();
    let (tables, jsonl) = tables_and_records(dir.path());
    let script = r#"
import json, sys
import duckdb, pandas
d = sys.argv[1]
def columns(table):
    rows = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{d}/{table}.parquet')").fetchall()
    return [[r[0], r[1]] for r in rows]
records = [json.loads(l) for l in open(sys.argv[2])]
analyses = [r for r in records if "actors" in r]
pairs = duckdb.sql(f"SELECT count(*), count(stance) FROM read_parquet('{d}/actors.parquet')").fetchall()[0]
frame = pandas.read_parquet(f"{d}/actors.parquet")
print(json.dumps({
    "actors": columns("actors"), "articles": columns("articles"), "failed": columns("failed"),
    "pairs": pairs[0], "labeled": pairs[1],
    "want_pairs": sum(len(r["actors"]) for r in analyses),
    "want_labeled": sum(1 for r in analyses for a in r["actors"] if a["stance"] is not None),
    "pandas_ids": frame["article_id"].tolist() == [r["id"] for r in analyses for _ in r["actors"]],
}))
"#;
    let v = python_json(&python, script, &tables, &jsonl);
    let columns = |spec: &str| -> Value {
        Value::Array(
            spec.split(',')
                .map(|c| {
                    let (name, ty) = c.trim().split_once(' ').unwrap();
                    serde_json::json!([name, ty])
                })
                .collect(),
        )
    };
    assert_eq!(
        v["actors"],
        columns(
            "schema_version INTEGER, article_id VARCHAR, source VARCHAR, date VARCHAR, \
             lang VARCHAR, title VARCHAR, engine_stance VARCHAR, engine_actors VARCHAR, \
             actor_id VARCHAR, actor_name VARCHAR, actor_kind VARCHAR, mentions BIGINT, \
             stance VARCHAR, score DOUBLE, confidence DOUBLE, p_positive DOUBLE, \
             p_neutral DOUBLE, p_negative DOUBLE, evidence VARCHAR, naming VARCHAR"
        )
    );
    assert_eq!(
        v["articles"],
        columns(
            "schema_version INTEGER, article_id VARCHAR, source VARCHAR, date VARCHAR, \
             lang VARCHAR, title VARCHAR, url VARCHAR, origin_path VARCHAR, \
             origin_line BIGINT, content_hash VARCHAR, extra VARCHAR, \
             engine_summary VARCHAR, engine_stance VARCHAR, engine_actors VARCHAR, \
             summary VARCHAR, summary_method VARCHAR, summary_lang VARCHAR, quotes VARCHAR, \
             warnings VARCHAR[]"
        )
    );
    assert_eq!(
        v["failed"],
        columns(
            "schema_version INTEGER, article_id VARCHAR, source VARCHAR, \
             origin_path VARCHAR, origin_line BIGINT, error VARCHAR"
        )
    );
    assert_eq!(v["pairs"], v["want_pairs"], "{v}");
    assert_eq!(v["labeled"], v["want_labeled"], "{v}");
    assert_eq!(v["pandas_ids"], true, "{v}");
}

/// Writes records into Spark's layout: one folder per outlet and month
/// under `actors/` and `articles/`, with `_SUCCESS` and `.crc` files.
fn write_partitioned(records: &[Record], root: &Path) {
    let mut partitions: std::collections::BTreeMap<String, Vec<&Record>> = Default::default();
    for r in records {
        let key = match r {
            Record::Analysis(a) => format!(
                "outlet={}/month={}",
                a.source.as_deref().unwrap_or("unknown").replace('/', "_"),
                a.date
                    .as_deref()
                    .map(|d| &d[..7.min(d.len())])
                    .unwrap_or("unknown")
            ),
            Record::Failed(_) => "failed".into(),
        };
        partitions.entry(key).or_default().push(r);
    }
    for (i, (key, members)) in partitions.iter().enumerate() {
        let scratch = root.join(format!(".scratch-{i}"));
        let mut tables = ParquetRecords::claim(&scratch).unwrap().open().unwrap();
        for r in members {
            tables.write(r).unwrap();
        }
        tables.finish_unless_all_failed(1, 0).unwrap();
        for table in Table::ALL {
            let folder = if key == "failed" {
                root.join(table.name())
            } else {
                root.join(table.name()).join(key)
            };
            if (table == Table::Failed) != (key == "failed") {
                continue;
            }
            std::fs::create_dir_all(&folder).unwrap();
            let part = folder.join(format!("part-{i:05}-x.snappy.parquet"));
            std::fs::rename(scratch.join(format!("{}.parquet", table.name())), &part).unwrap();
            std::fs::write(
                folder.join(format!(".part-{i:05}-x.snappy.parquet.crc")),
                "crc",
            )
            .unwrap();
        }
        std::fs::remove_dir_all(&scratch).unwrap();
    }
    for table in Table::ALL {
        let _ = std::fs::create_dir_all(root.join(table.name()));
        std::fs::write(root.join(table.name()).join("_SUCCESS"), "").unwrap();
    }
}

fn compare_json(inputs: &[&Path], stdin: Option<&Path>) -> Value {
    let mut cmd = newsframe();
    cmd.arg("compare").env("SOURCE_DATE_EPOCH", "1558483200");
    for i in inputs {
        cmd.arg(i);
    }
    if let Some(path) = stdin {
        cmd.arg("-").pipe_stdin(path).unwrap();
    }
    let out = cmd.args(["--format", "json"]).output().unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn compare_gives_the_same_report_from_jsonl_parquet_and_partitions() {
    let fixture = repo("tests/fixtures/records/venezuela_2019.jsonl");
    let records: Vec<Record> = std::fs::read_to_string(&fixture)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("records.jsonl");
    let lines: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
    let tables = dir.path().join("tables");
    let mut writer = ParquetRecords::claim(&tables).unwrap().open().unwrap();
    for r in &records {
        writer.write(r).unwrap();
    }
    writer.finish_unless_all_failed(1, 0).unwrap();
    let spark = dir.path().join("spark");
    write_partitioned(&records, &spark);

    let base = compare_json(&[&jsonl], None);
    assert!(!base["sections"].as_array().unwrap().is_empty());
    for other in [
        compare_json(&[&tables], None),
        compare_json(
            &[
                &tables.join("actors.parquet"),
                &tables.join("articles.parquet"),
                &tables.join("failed.parquet"),
            ],
            None,
        ),
        compare_json(&[&spark], None),
        compare_json(&[], Some(&jsonl)),
    ] {
        assert_eq!(other["sections"], base["sections"]);
        assert_eq!(other["failed"], base["failed"]);
    }

    // Records in reverse order: every number of every cell is the same
    // (only the order of summaries within a group follows the input).
    let reversed = dir.path().join("reversed.jsonl");
    let mut back = lines.clone();
    back.reverse();
    std::fs::write(&reversed, back.join("\n") + "\n").unwrap();
    let other = compare_json(&[&reversed], None);
    let sections = |v: &Value| v["sections"].as_array().unwrap().clone();
    for (a, b) in sections(&base).iter().zip(sections(&other).iter()) {
        assert_eq!(a["cells"], b["cells"]);
        assert_eq!(a["actors"], b["actors"]);
    }
}

#[test]
fn compare_writes_its_tidy_table_as_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo("tests/fixtures/records/venezuela_2019.jsonl");
    let out = dir.path().join("report.parquet");
    let run = newsframe()
        .arg("compare")
        .arg(&fixture)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "the fixture holds a failed record"
    );
    let (columns, metadata) = columns_and_metadata(&out);
    assert_eq!(
        columns,
        ["story", "engine", "outlet", "actor", "metric", "value"]
    );
    assert!(metadata.contains(&("newsframe.report_schema_version".into(), Some("2".into()))));
    let refused = newsframe()
        .arg("compare")
        .arg(&fixture)
        .args(["--format", "parquet"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs --out"));
}

#[test]
fn a_parquet_file_that_is_not_a_table_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.parquet"), "PAR1 not really").unwrap();
    let out = newsframe().arg("compare").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.parquet"), "{stderr}");
}

#[test]
fn shards_together_are_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(repo("data/samples"))
        .arg(&corpus)
        .status()
        .unwrap();
    assert!(copied.success());
    // An input that cannot be read has no id: it belongs to shard 1.
    std::fs::write(
        corpus.join("zz-more.jsonl"),
        "not json\n{\"id\": \"x1\", \"text\": \"Norway hosts the talks in Oslo.\"}\n",
    )
    .unwrap();
    let run = |extra: &[&str], out: &Path, code: i32| {
        let status = newsframe()
            .arg("analyze")
            .arg(&corpus)
            .arg("--actors")
            .arg(repo("data/actors/venezuela.toml"))
            .args(["--engine", "builtin", "--out"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            status.status.code(),
            Some(code),
            "{extra:?}: the malformed line fails in shard 1"
        );
        std::fs::read_to_string(out).unwrap()
    };
    let single = run(&[], &dir.path().join("all.jsonl"), 1);
    let single: Vec<&str> = single.lines().collect();
    assert!(single.len() > 5);
    let mut together: Vec<String> = Vec::new();
    let mut sizes = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let code = if k == 1 { 1 } else { 0 };
        let text = run(
            &["--shard", &shard],
            &dir.path().join(format!("s{k}.jsonl")),
            code,
        );
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        // Each shard keeps the single run's order.
        let mut at = 0;
        for line in &lines {
            at += single[at..]
                .iter()
                .position(|l| l == line)
                .expect("in the single run")
                + 1;
        }
        if k > 1 {
            assert!(
                !text.contains("\"error\""),
                "unreadable inputs go to shard 1"
            );
        }
        sizes.push(lines.len());
        together.extend(lines);
    }
    let mut all: Vec<String> = single.iter().map(|l| l.to_string()).collect();
    all.sort();
    together.sort();
    assert_eq!(together, all);
    assert!(sizes.iter().all(|&n| n > 0), "{sizes:?}");

    let bad = newsframe()
        .args(["analyze", "-", "--actor", "x=X", "--shard", "4/3"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("1 <= K <= N"));
}

/// The consumer interface takes records one at a time: a report over many
/// records of one outlet keeps a bounded number of summaries and says so.
#[test]
fn many_records_keep_a_bounded_number_of_summaries() {
    let fixture = repo("tests/fixtures/records/venezuela_2019.jsonl");
    let first: Record = std::fs::read_to_string(&fixture)
        .unwrap()
        .lines()
        .find_map(|l| {
            serde_json::from_str::<Record>(l)
                .ok()
                .filter(|r| matches!(r, Record::Analysis(_)))
        })
        .unwrap();
    let Record::Analysis(first) = first else {
        unreachable!()
    };
    let config = newsframe::report::ReportConfig {
        generated_at: Some("2019-05-22T00:00:00Z".into()),
        ..Default::default()
    };
    let mut builder = newsframe::report::accumulate::ReportBuilder::new(&config).unwrap();
    let n = 3 * newsframe::report::accumulate::SUMMARIES_PER_GROUP;
    for i in 0..n {
        let mut a = first.as_ref().clone();
        a.id = format!("copy-{i}");
        builder.analysis(a.origin.clone(), a);
    }
    let report = builder.finish().unwrap();
    let section = &report.sections[0];
    assert_eq!(section.articles, n);
    assert_eq!(section.groups[0].articles, n);
    assert_eq!(
        section.groups[0].summaries.len(),
        newsframe::report::accumulate::SUMMARIES_PER_GROUP
    );
    assert!(
        section
            .notes
            .iter()
            .any(|n| n.starts_with("Summaries shown: at most")),
        "{:?}",
        section.notes
    );
}
