//! Reading analysis records (the JSONL written by `newsframe analyze`):
//! analyses, failure records and malformed lines kept apart, each failure
//! named by `file:line`, so one bad line never stops a report.

use std::io::BufRead;
use std::path::Path;

use crate::article::Origin;
use crate::record::{
    ArticleAnalysis, FailedArticle, is_readable_schema_version, readable_schema_versions,
};

use super::accumulate::RecordConsumer;
use super::{FailedEntry, FailureKind, InputSummary};

/// An analysis with where it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedAnalysis {
    /// `file:line` of the record in the records file.
    pub read_from: Origin,
    pub analysis: ArticleAnalysis,
}

/// Everything read from the records files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadedRecords {
    pub analyses: Vec<LoadedAnalysis>,
    pub failed: Vec<FailedEntry>,
    pub inputs: Vec<InputSummary>,
}

impl LoadedRecords {
    /// Failures and malformed lines: what makes the run end with status 1.
    pub fn failure_count(&self) -> usize {
        self.failed.len()
    }

    /// Adds records made in this run (by the analyze pipeline) from
    /// `input`, counted under that name.
    pub fn add_records(
        &mut self,
        input: &str,
        records: impl IntoIterator<Item = crate::record::Record>,
    ) {
        let mut summary = InputSummary {
            path: input.to_string(),
            analyses: 0,
            failed: 0,
            malformed: 0,
        };
        for record in records {
            match record {
                crate::record::Record::Analysis(analysis) => {
                    summary.analyses += 1;
                    self.analyses.push(LoadedAnalysis {
                        read_from: analysis.origin.clone(),
                        analysis: *analysis,
                    });
                }
                crate::record::Record::Failed(failed) => {
                    summary.failed += 1;
                    self.failed.push(FailedEntry {
                        origin: failed.origin.to_string(),
                        id: failed.id,
                        source: failed.source,
                        kind: FailureKind::Analysis,
                        error: failed.error,
                    });
                }
            }
        }
        self.inputs.push(summary);
    }

    /// Notes an input that could not be read at all (a dangling link, a
    /// link loop in a folder), so the report lists it and the run ends
    /// with status 1.
    pub fn add_unreadable(&mut self, origin: &str, error: String) {
        self.failed.push(FailedEntry {
            origin: origin.to_string(),
            id: None,
            source: None,
            kind: FailureKind::Malformed,
            error,
        });
    }

    /// Reads one records file (`-` is stdin).
    pub fn read_path(&mut self, path: &Path) -> std::io::Result<()> {
        read_jsonl_path(path, self)
    }

    /// Reads records from `reader`, naming them `name:line`.
    pub fn read(&mut self, name: &str, reader: impl BufRead) -> std::io::Result<()> {
        read_jsonl(name, reader, self)
    }
}

impl RecordConsumer for LoadedRecords {
    fn analysis(&mut self, read_from: Origin, analysis: ArticleAnalysis) {
        self.analyses.push(LoadedAnalysis {
            read_from,
            analysis,
        });
    }

    fn failed(&mut self, entry: FailedEntry) {
        self.failed.push(entry);
    }

    fn input(&mut self, summary: InputSummary) {
        self.inputs.push(summary);
    }
}

/// Reads one JSONL records file (`-` is stdin) into `consumer`, a record
/// at a time.
pub fn read_jsonl_path(path: &Path, consumer: &mut dyn RecordConsumer) -> std::io::Result<()> {
    let name = path.display().to_string();
    if name == "-" {
        let stdin = std::io::stdin();
        read_jsonl(&name, stdin.lock(), consumer)
    } else {
        let file = std::fs::File::open(path)?;
        read_jsonl(&name, std::io::BufReader::new(file), consumer)
    }
}

/// Reads JSONL records from `reader` into `consumer`, naming them
/// `name:line`; failure records and lines that are not records become
/// failures, and the input's counts come last.
pub fn read_jsonl(
    name: &str,
    mut reader: impl BufRead,
    consumer: &mut dyn RecordConsumer,
) -> std::io::Result<()> {
    let mut summary = InputSummary {
        path: name.to_string(),
        analyses: 0,
        failed: 0,
        malformed: 0,
    };
    let mut bytes = Vec::new();
    let mut index = 0;
    loop {
        bytes.clear();
        if reader.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        index += 1;
        let origin = Origin::line(name, index);
        let Ok(line) = std::str::from_utf8(&bytes) else {
            summary.malformed += 1;
            consumer.failed(malformed(&origin, "the line is not UTF-8".into()));
            continue;
        };
        let line = line.trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(Parsed::Analysis(analysis)) => {
                summary.analyses += 1;
                consumer.analysis(origin, *analysis);
            }
            Ok(Parsed::Failed(failed)) => {
                summary.failed += 1;
                consumer.failed(failure_entry(failed));
            }
            Err(message) => {
                summary.malformed += 1;
                consumer.failed(malformed(&origin, message));
            }
        }
    }
    consumer.input(summary);
    Ok(())
}

/// The report entry of a failure record.
pub fn failure_entry(failed: FailedArticle) -> FailedEntry {
    FailedEntry {
        origin: failed.origin.to_string(),
        id: failed.id,
        source: failed.source,
        kind: FailureKind::Analysis,
        error: failed.error,
    }
}

pub fn malformed(origin: &Origin, message: String) -> FailedEntry {
    FailedEntry {
        origin: origin.to_string(),
        id: None,
        source: None,
        kind: FailureKind::Malformed,
        error: message,
    }
}

enum Parsed {
    Analysis(Box<ArticleAnalysis>),
    Failed(FailedArticle),
}

/// Parses one line, telling which kind of record it meant to be so the
/// error says what is wrong with it (serde's untagged error would not).
fn parse_line(line: &str) -> Result<Parsed, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        // serde's "at line 1 column N" would name the wrong line.
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        format!("not valid JSON ({message}, column {})", e.column())
    })?;
    let Some(object) = value.as_object() else {
        return Err("not a JSON object; expected one analysis record per line".into());
    };
    match object.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if is_readable_schema_version(v) => {}
        Some(v) => {
            return Err(format!(
                "record schema_version {v} is not supported (this newsframe reads {}); \
                 re-run `newsframe analyze` with this version",
                readable_schema_versions()
            ));
        }
        None => {
            return Err(
                "no schema_version: this is not an analysis record written by `newsframe analyze`"
                    .into(),
            );
        }
    }
    if object.contains_key("error") && !object.contains_key("actors") {
        serde_json::from_value(value)
            .map(Parsed::Failed)
            .map_err(|e| format!("invalid failure record: {e}"))
    } else {
        let analysis: ArticleAnalysis =
            serde_json::from_value(value).map_err(|e| format!("invalid analysis record: {e}"))?;
        check_values(&analysis).map_err(|e| format!("invalid analysis record: {e}"))?;
        Ok(Parsed::Analysis(Box::new(analysis)))
    }
}

/// A number as a message shows it: `1e308`, not 309 digits.
fn short(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-4..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Most mentions of one actor a record may claim: far more than any
/// article holds, small enough that sums over millions of records do not
/// overflow.
pub const MAX_MENTIONS: usize = 1_000_000_000;

/// Checks what serde cannot: numbers in their ranges (a score in [−1, 1],
/// probabilities in [0, 1], all finite; mentions up to [`MAX_MENTIONS`])
/// and a language code that is a code. A record outside them was not
/// written by `analyze`, and averaging it would print `inf` or `NaN`.
pub fn check_values(a: &ArticleAnalysis) -> Result<(), String> {
    const SLACK: f64 = 1e-9;
    let in_range = |x: f64, lo: f64, hi: f64| x.is_finite() && x >= lo - SLACK && x <= hi + SLACK;
    let lang_ok = !a.lang.is_empty()
        && a.lang.len() <= 16
        && a.lang
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !lang_ok {
        return Err(format!(
            "lang {:?} is not a language code (e.g. \"en\", \"pt-BR\")",
            a.lang
        ));
    }
    for actor in &a.actors {
        let name = &actor.id;
        if actor.mentions > MAX_MENTIONS {
            return Err(format!(
                "actor {name:?}: {} mentions is beyond any article (at most {MAX_MENTIONS})",
                actor.mentions
            ));
        }
        if let Some(score) = actor.score.filter(|&x| !in_range(x, -1.0, 1.0)) {
            return Err(format!(
                "actor {name:?}: score {} is outside [-1, 1]",
                short(score)
            ));
        }
        if let Some(c) = actor.confidence.filter(|&x| !in_range(x, 0.0, 1.0)) {
            return Err(format!(
                "actor {name:?}: confidence {} is outside [0, 1]",
                short(c)
            ));
        }
        if let Some(probs) = &actor.probs {
            for (label, p) in [
                ("positive", probs.positive),
                ("neutral", probs.neutral),
                ("negative", probs.negative),
            ] {
                if !in_range(p, 0.0, 1.0) {
                    return Err(format!(
                        "actor {name:?}: probability of {label} {} is outside [0, 1]",
                        short(p)
                    ));
                }
            }
        }
        if let Some(e) = actor.evidence.iter().find(|e| !in_range(e.p, 0.0, 1.0)) {
            return Err(format!(
                "actor {name:?}: evidence probability {} is outside [0, 1]",
                short(e.p)
            ));
        }
    }
    Ok(())
}

/// True when the file looks like analysis records rather than articles:
/// a `.jsonl`/`.json` file whose first non-empty line is a JSON object with
/// `schema_version` and `actors` or `error`.
pub fn looks_like_records(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if !matches!(
        ext.as_deref(),
        Some("jsonl") | Some("json") | Some("ndjson")
    ) {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let first = std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .find(|l| !l.trim().is_empty());
    let Some(first) = first else {
        return true;
    };
    match serde_json::from_str::<serde_json::Value>(first.trim_start_matches('\u{feff}')) {
        Ok(serde_json::Value::Object(o)) => {
            o.contains_key("schema_version")
                && (o.contains_key("actors") || o.contains_key("error"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_name_file_and_line() {
        let mut loaded = LoadedRecords::default();
        let text = "\n{\"schema_version\": 1, \"id\": \"x\"\nnot json\n{\"schema_version\": 9}\n";
        loaded.read("r.jsonl", text.as_bytes()).unwrap();
        let origins: Vec<&str> = loaded.failed.iter().map(|f| f.origin.as_str()).collect();
        assert_eq!(origins, ["r.jsonl:2", "r.jsonl:3", "r.jsonl:4"]);
        assert!(loaded.failed[2].error.contains("schema_version 9"));
        assert_eq!(loaded.inputs[0].malformed, 3);
    }

    #[test]
    fn out_of_range_values_are_refused_with_their_line() {
        let record = |actor: &str, lang: &str| {
            format!(
                r#"{{"schema_version": 1, "id": "x", "lang": "{lang}", "origin": {{"path": "a.txt"}},
                "engine": {{}}, "summary": null, "warnings": [], "actors": [{actor}]}}"#
            )
            .replace('\n', " ")
        };
        let ok = r#"{"id": "a", "name": "A", "mentions": 2, "stance": "negative", "score": -0.5,
            "confidence": 0.6, "probs": {"positive": 0.1, "neutral": 0.3, "negative": 0.6}, "evidence": []}"#;
        let lines = [
            record(ok, "en"),
            record(&ok.replace("-0.5", "1e308"), "en"),
            record(&ok.replace("0.1,", "-0.1,"), "en"),
            record(
                &ok.replace("\"mentions\": 2", "\"mentions\": 18446744073709551615"),
                "en",
            ),
            record(ok, "en\\u001b[2J"),
        ];
        let mut loaded = LoadedRecords::default();
        loaded.read("r.jsonl", lines.join("\n").as_bytes()).unwrap();
        assert_eq!(loaded.analyses.len(), 1, "{:?}", loaded.failed);
        let errors: Vec<(&str, &str)> = loaded
            .failed
            .iter()
            .map(|f| (f.origin.as_str(), f.error.as_str()))
            .collect();
        assert_eq!(errors.len(), 4);
        assert_eq!(errors[0].0, "r.jsonl:2");
        assert!(
            errors[0].1.contains("score 1e308 is outside [-1, 1]"),
            "{}",
            errors[0].1
        );
        assert!(
            errors[1].1.contains("probability of positive -0.1"),
            "{}",
            errors[1].1
        );
        assert!(errors[2].1.contains("mentions"), "{}", errors[2].1);
        assert!(
            errors[3].1.contains("not a language code"),
            "{}",
            errors[3].1
        );
    }
}
