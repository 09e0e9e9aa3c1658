//! JSON Lines (and JSON) articles: one object per line with text and metadata.
//!
//! Field names are configurable ([`FieldMap`], `--text-field` etc.) so that
//! exports from other tools read without conversion. A `.json` file holding
//! one array of objects (or one object) is read too. A malformed line is
//! reported as `file:line` and the rest of the file goes on.

use std::io::BufRead;

use serde_json::Value;

use crate::article::{ArticleMeta, Origin, RawArticle};
use crate::input::{InputError, ReadResult};

/// Names of the JSON fields that hold each part of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    pub text: String,
    pub title: String,
    pub source: String,
    pub date: String,
    pub url: String,
    pub lang: String,
    pub id: String,
}

impl Default for FieldMap {
    fn default() -> FieldMap {
        FieldMap {
            text: "text".into(),
            title: "title".into(),
            source: "source".into(),
            date: "date".into(),
            url: "url".into(),
            lang: "lang".into(),
            id: "id".into(),
        }
    }
}

/// Reads records from `reader`, one result per non-blank line.
///
/// A file whose first non-blank character is `[` is read as one JSON array.
pub fn read_records<R: BufRead + 'static>(
    reader: R,
    path: String,
    fields: FieldMap,
) -> Box<dyn Iterator<Item = ReadResult>> {
    let mut reader = reader;
    let starts_with_bracket = match reader.fill_buf() {
        Ok(buf) => {
            buf.iter()
                .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
                == Some(&b'[')
        }
        Err(_) => false,
    };
    if starts_with_bracket {
        return read_array(reader, path, fields);
    }
    let empty_path = path.clone();
    let lines = reader
        .split(b'\n')
        .enumerate()
        .filter_map(move |(i, line)| {
            let origin = Origin::line(path.clone(), i + 1);
            let bytes = match line {
                Ok(bytes) => bytes,
                Err(err) => return Some(Err(InputError::new(origin, err.to_string()))),
            };
            let text = match std::str::from_utf8(&bytes) {
                Ok(text) => text,
                Err(_) => return Some(Err(InputError::new(origin, "line is not valid UTF-8"))),
            };
            let text = text.trim_start_matches('\u{FEFF}').trim();
            if text.is_empty() {
                return None;
            }
            Some(
                serde_json::from_str::<Value>(text)
                    .map_err(|err| InputError::new(origin.clone(), malformed(&err)))
                    .and_then(|value| record_to_article(&value, origin, &fields)),
            )
        });
    // An empty file is an error, not silence: the user named it for a reason.
    let mut lines = lines.peekable();
    if lines.peek().is_none() {
        return Box::new(std::iter::once(Err(InputError::new(
            Origin::file(empty_path),
            "empty file: no JSON records",
        ))));
    }
    Box::new(lines)
}

fn read_array<R: BufRead>(
    mut reader: R,
    path: String,
    fields: FieldMap,
) -> Box<dyn Iterator<Item = ReadResult>> {
    let mut text = String::new();
    if let Err(err) = reader.read_to_string(&mut text) {
        return Box::new(std::iter::once(Err(InputError::new(
            Origin::file(path),
            err.to_string(),
        ))));
    }
    match serde_json::from_str::<Value>(text.trim_start_matches('\u{FEFF}')) {
        Ok(Value::Array(items)) => {
            if items.is_empty() {
                return Box::new(std::iter::once(Err(InputError::new(
                    Origin::file(path),
                    "empty JSON array: no records",
                ))));
            }
            Box::new(items.into_iter().enumerate().map(move |(i, value)| {
                // For a JSON array, "line" is the 1-based record number.
                record_to_article(&value, Origin::line(path.clone(), i + 1), &fields)
            }))
        }
        Ok(_) => Box::new(std::iter::once(Err(InputError::new(
            Origin::file(path),
            "expected a JSON array of article objects",
        )))),
        Err(err) => Box::new(std::iter::once(Err(InputError::new(
            Origin::file(path),
            format!("malformed JSON: {err}"),
        )))),
    }
}

/// Describes a JSON error of one line: its column, not serde's "line 1".
fn malformed(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let message = match message.rfind(" at line ") {
        Some(pos) => &message[..pos],
        None => &message,
    };
    format!("malformed JSON at column {}: {message}", err.column())
}

/// Turns one JSON object into an article, or says which field is wrong.
pub fn record_to_article(value: &Value, origin: Origin, fields: &FieldMap) -> ReadResult {
    let Value::Object(map) = value else {
        return Err(InputError::new(origin, "expected a JSON object per line"));
    };
    let text = match map.get(&fields.text) {
        Some(Value::String(text)) if !text.trim().is_empty() => text.clone(),
        Some(Value::String(_)) => {
            return Err(InputError::new(
                origin,
                format!("field \"{}\" is empty", fields.text),
            ));
        }
        Some(_) => {
            return Err(InputError::new(
                origin,
                format!("field \"{}\" must be a string", fields.text),
            ));
        }
        None => {
            return Err(InputError::new(
                origin,
                format!(
                    "no \"{}\" field (name the text field with --text-field)",
                    fields.text
                ),
            ));
        }
    };
    let mut warnings = Vec::new();
    let mut get = |name: &str| -> Option<String> {
        match map.get(name)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::Null | Value::String(_) => None,
            _ => {
                warnings.push(format!("field \"{name}\" is not a string; ignored"));
                None
            }
        }
    };
    let meta = ArticleMeta {
        id: get(&fields.id),
        title: get(&fields.title),
        source: get(&fields.source),
        date: get(&fields.date),
        url: get(&fields.url),
        lang: get(&fields.lang),
        ..Default::default()
    };
    let mut raw = RawArticle::new(origin, meta, text);
    raw.warnings = warnings;
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &'static str) -> Vec<ReadResult> {
        read_records(
            std::io::Cursor::new(text.as_bytes()),
            "a.jsonl".into(),
            FieldMap::default(),
        )
        .collect()
    }

    #[test]
    fn malformed_line_names_file_and_line_and_goes_on() {
        let results =
            read("{\"text\":\"One.\",\"source\":\"A\"}\n{oops\n\n{\"text\":\"Two.\",\"id\":7}\n");
        assert_eq!(results.len(), 3);
        assert_eq!(
            results[0].as_ref().unwrap().meta.source.as_deref(),
            Some("A")
        );
        let err = results[1].as_ref().unwrap_err();
        assert_eq!(err.origin, Origin::line("a.jsonl", 2));
        assert!(err.to_string().starts_with("a.jsonl:2: malformed JSON"));
        assert_eq!(results[2].as_ref().unwrap().meta.id.as_deref(), Some("7"));
    }

    #[test]
    fn missing_text_field_says_how_to_fix() {
        let results = read("{\"body\":\"x\"}\n");
        assert!(
            results[0]
                .as_ref()
                .unwrap_err()
                .message
                .contains("--text-field")
        );
    }

    #[test]
    fn custom_field_names() {
        let fields = FieldMap {
            text: "body".into(),
            source: "outlet".into(),
            ..Default::default()
        };
        let results: Vec<_> = read_records(
            std::io::Cursor::new(b"{\"body\":\"Hi.\",\"outlet\":\"X\"}".to_vec()),
            "b.jsonl".into(),
            fields,
        )
        .collect();
        let raw = results[0].as_ref().unwrap();
        assert_eq!(
            (raw.text.as_str(), raw.meta.source.as_deref()),
            ("Hi.", Some("X"))
        );
    }

    #[test]
    fn json_array() {
        let results = read("[{\"text\":\"A.\"},{\"text\":\"B.\"}]");
        assert_eq!(results.len(), 2);
        assert_eq!(
            results[1].as_ref().unwrap().origin,
            Origin::line("a.jsonl", 2)
        );
    }

    #[test]
    fn empty_file_is_an_error() {
        let results = read("\n\n");
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }
}
