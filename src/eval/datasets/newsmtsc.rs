//! NewsMTSC (Hamborg and Donnay, EACL 2021): one sentence per line with one
//! or more targets, each with its character span, mention text and polarity
//! (2.0 negative, 4.0 neutral, 6.0 positive).
//!
//! ```json
//! {"primary_gid": "…", "sentence_normalized": "…",
//!  "targets": [{"Input.gid": "…", "from": 0, "to": 5, "mention": "Trump",
//!               "polarity": 2.0, "further_mentions": [{"from": 40, "to": 42}]}]}
//! ```
//!
//! Each target is one example, with id `Input.gid` (else `primary_gid#k`),
//! its span (`from`/`to`, characters) and the spans of `further_mentions`,
//! so that the stance toward each target of a sentence is judged at the
//! place the data marks.

use serde_json::{Map, Value};

use super::rows::{Row, field_text};
use super::{CharSpan, ColumnMap, RowError, StanceExample};
use crate::eval::labels::LabelMap;

pub fn stance(
    row: &Row,
    _fields: &ColumnMap,
    labels: &LabelMap,
) -> Result<Vec<StanceExample>, RowError> {
    let (origin, map) = row;
    let sentence = field_text(map, "sentence_normalized")
        .ok_or_else(|| RowError::missing("sentence_normalized"))?;
    let primary = field_text(map, "primary_gid")
        .unwrap_or_else(|| format!("line-{}", origin.line.unwrap_or(0)));
    let Some(Value::Array(targets)) = map.get("targets") else {
        return Err(RowError::MissingField {
            name: "targets",
            what: "array ",
            note: "",
        });
    };
    let chars = sentence.chars().count();
    let mut examples = Vec::with_capacity(targets.len());
    for (k, target) in targets.iter().enumerate() {
        let place = || format!("targets[{k}]");
        let Value::Object(t) = target else {
            return Err(RowError::NotAnObject { place: place() });
        };
        let polarity = t
            .get("polarity")
            .ok_or_else(|| RowError::Polarity.at(place()))?;
        let gold = labels
            .label_value(polarity)
            .map_err(|e| RowError::from(e).at(place()))?;
        let id = field_text(t, "Input.gid").unwrap_or_else(|| format!("{primary}#{k}"));
        let mut spans = Vec::new();
        if let Some(span) = span_of(t, chars).map_err(|e| e.at(place()))? {
            spans.push(span);
        }
        if let Some(Value::Array(further)) = t.get("further_mentions") {
            for (j, m) in further.iter().enumerate() {
                let place = format!("targets[{k}].further_mentions[{j}]");
                let Value::Object(m) = m else {
                    return Err(RowError::NotAnObject { place });
                };
                let span = span_of(m, chars).map_err(|e| e.at(place))?;
                spans.extend(span);
            }
        }
        examples.push(StanceExample {
            id: id.clone(),
            article_id: id,
            origin: origin.clone(),
            actor: field_text(t, "mention"),
            lang: None,
            title: None,
            text: sentence.clone(),
            gold: Some(gold),
            spans,
        });
    }
    Ok(examples)
}

/// The `from`/`to` span of a mention object; None when it has neither.
fn span_of(m: &Map<String, Value>, chars: usize) -> Result<Option<CharSpan>, RowError> {
    let offset = |name: &'static str| -> Result<Option<usize>, RowError> {
        match m.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(|n| Some(n as usize))
                .ok_or_else(|| RowError::NotAnOffset {
                    name,
                    value: v.clone(),
                }),
        }
    };
    match (offset("from")?, offset("to")?) {
        (None, None) => Ok(None),
        (Some(start), Some(end)) if start < end && end <= chars => {
            Ok(Some(CharSpan { start, end }))
        }
        (Some(start), Some(end)) => Err(RowError::SpanOutside { start, end, chars }),
        _ => Err(RowError::HalfSpan),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Origin;

    fn row(json: &str) -> Row {
        let Value::Object(map) = serde_json::from_str(json).unwrap() else {
            unreachable!()
        };
        (Origin::line("x.jsonl", 1), map)
    }

    #[test]
    fn spans_are_characters_and_further_mentions_follow() {
        let examples = stance(
            &row(r#"{"primary_gid": "p", "sentence_normalized": "Clinton’s aide met Trump; she left.",
                "targets": [{"Input.gid": "a", "from": 0, "to": 9, "mention": "Clinton’s", "polarity": 2.0,
                             "further_mentions": [{"from": 26, "to": 29, "mention": "she"}]},
                            {"Input.gid": "b", "from": 19, "to": 24, "mention": "Trump", "polarity": 6.0}]}"#),
            &ColumnMap::default(),
            &LabelMap::default(),
        )
        .unwrap();
        assert_eq!(
            examples[0].spans,
            [
                CharSpan { start: 0, end: 9 },
                CharSpan { start: 26, end: 29 }
            ]
        );
        assert_eq!(examples[1].spans, [CharSpan { start: 19, end: 24 }]);
    }

    #[test]
    fn a_span_outside_the_sentence_is_a_row_error() {
        let err = stance(
            &row(r#"{"sentence_normalized": "Short.", "targets": [{"from": 2, "to": 40, "mention": "x", "polarity": 4.0}]}"#),
            &ColumnMap::default(),
            &LabelMap::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("targets[0]") && err.contains("outside the sentence"),
            "{err}"
        );
    }
}
