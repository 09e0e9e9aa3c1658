//! Rows of a dataset file as JSON objects, whatever the file is: JSONL (one
//! object per line), CSV with a header, or tab-separated text with a header.
//!
//! Text that is not valid UTF-8 is read as Latin-1 (SemEval-2016's files
//! are), with a warning. A bad line is an error naming the file and line;
//! reading goes on with the next.

use std::path::Path;

use serde_json::{Map, Value};

use super::DatasetError;
use crate::article::Origin;

/// One row: its origin (file and line) and its fields.
pub type Row = (Origin, Map<String, Value>);

/// How a file's rows are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Jsonl,
    Csv,
    Tsv,
}

/// The file's text, and a warning when it had to be read as Latin-1.
pub fn read_text(path: &Path) -> Result<(String, Option<String>), DatasetError> {
    let origin = Origin::file(path.display().to_string());
    let bytes = std::fs::read(path)
        .map_err(|err| DatasetError::new(origin.clone(), format!("cannot read: {err}")))?;
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.remove(0);
            }
            Ok((text, None))
        }
        Err(err) => {
            // Every byte is a Latin-1 code point.
            let text = err.into_bytes().iter().map(|&b| char::from(b)).collect();
            Ok((
                text,
                Some(format!(
                    "{origin}: not valid UTF-8; read as Latin-1 (ISO-8859-1)"
                )),
            ))
        }
    }
}

/// Every row of `text` (the content of `path`), in order.
pub fn rows(path: &Path, text: &str, layout: Layout) -> Vec<Result<Row, DatasetError>> {
    let name = path.display().to_string();
    match layout {
        Layout::Jsonl => jsonl_rows(&name, text),
        Layout::Csv => delimited_rows(&name, text, b',', true),
        Layout::Tsv => delimited_rows(&name, text, b'\t', false),
    }
}

fn jsonl_rows(name: &str, text: &str) -> Vec<Result<Row, DatasetError>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let origin = Origin::line(name, i + 1);
        out.push(match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => Ok((origin, map)),
            Ok(_) => Err(DatasetError::new(origin, "expected a JSON object")),
            Err(err) => Err(DatasetError::new(origin, format!("invalid JSON: {err}"))),
        });
    }
    out
}

fn delimited_rows(
    name: &str,
    text: &str,
    delimiter: u8,
    quoting: bool,
) -> Vec<Result<Row, DatasetError>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(quoting)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(err) => {
            return vec![Err(DatasetError::new(
                Origin::line(name, 1),
                format!("cannot read the header row: {err}"),
            ))];
        }
    };
    let mut out = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line() as usize);
                let origin = Origin::line(name, line);
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if record.len() != headers.len() {
                    out.push(Err(DatasetError::new(
                        origin,
                        format!(
                            "{} fields where the header has {}",
                            record.len(),
                            headers.len()
                        ),
                    )));
                    continue;
                }
                let map = headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.clone(), Value::String(v.to_string())))
                    .collect();
                out.push(Ok((origin, map)));
            }
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line() as usize);
                out.push(Err(DatasetError::new(
                    Origin::line(name, line),
                    format!("bad row: {err}"),
                )));
            }
        }
    }
    out
}

/// A field's text: strings as they are, numbers written out, null and
/// absent as None.
pub fn field_text(row: &Map<String, Value>, name: &str) -> Option<String> {
    match row.get(name)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}
