//! newsframe's own labeled articles (`data/eval/articles.jsonl`): one
//! article per line with a reference summary and a stance label per actor.
//!
//! ```json
//! {"id": "…", "event": "…", "source": "…", "lang": "es", "date": "…",
//!  "title": "…", "text": "…", "summary": "…",
//!  "stance": {"government": {"label": "negative", "rationale": "…"},
//!             "norway": {"label": null, "rationale": "not mentioned"}},
//!  "hard_cases": ["…"]}
//! ```
//!
//! A null label means the article does not mention the actor.

use serde_json::Value;

use super::rows::{Row, field_text};
use super::{ColumnMap, RowError, StanceExample, SummaryExample};
use crate::eval::labels::LabelMap;

fn id_of(row: &Row, fields: &ColumnMap) -> Result<String, RowError> {
    field_text(&row.1, fields.column("id"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| RowError::missing("id"))
}

pub fn summary(row: &Row, fields: &ColumnMap) -> Result<SummaryExample, RowError> {
    let id = id_of(row, fields)?;
    let reference = field_text(&row.1, fields.column("summary")).ok_or(RowError::MissingField {
        name: "summary",
        what: "",
        note: " (the reference summary)",
    })?;
    Ok(SummaryExample {
        id,
        origin: row.0.clone(),
        lang: field_text(&row.1, fields.column("lang")),
        title: field_text(&row.1, fields.column("title")),
        text: field_text(&row.1, fields.column("text")).unwrap_or_default(),
        reference,
    })
}

pub fn stance(
    row: &Row,
    fields: &ColumnMap,
    labels: &LabelMap,
) -> Result<Vec<StanceExample>, RowError> {
    let id = id_of(row, fields)?;
    let Some(Value::Object(stance)) = row.1.get("stance") else {
        return Err(RowError::MissingField {
            name: "stance",
            what: "object ",
            note: " (actor id → {label})",
        });
    };
    let mut examples = Vec::with_capacity(stance.len());
    for (actor, entry) in stance {
        let label = match entry {
            Value::Object(obj) => obj.get("label").cloned().unwrap_or(Value::Null),
            other => other.clone(), // a bare label is accepted too
        };
        let gold = match &label {
            Value::Null => None,
            Value::String(s) => Some(
                labels
                    .label(s)
                    .map_err(|e| RowError::from(e).at(format!("actor {actor:?}")))?,
            ),
            other => {
                return Err(RowError::LabelType(other.clone()).at(format!("actor {actor:?}")));
            }
        };
        examples.push(StanceExample {
            id: format!("{id}#{actor}"),
            article_id: id.clone(),
            origin: row.0.clone(),
            actor: Some(actor.clone()),
            lang: field_text(&row.1, fields.column("lang")),
            title: field_text(&row.1, fields.column("title")),
            text: field_text(&row.1, fields.column("text")).unwrap_or_default(),
            gold,
            spans: Vec::new(),
        });
    }
    Ok(examples)
}
