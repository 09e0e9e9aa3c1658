//! NewsMTSC (Hamborg and Donnay, EACL 2021): one sentence per line with one
//! or more targets, each with its character span, mention text and polarity
//! (2.0 negative, 4.0 neutral, 6.0 positive).
//!
//! ```json
//! {"primary_gid": "…", "sentence_normalized": "…",
//!  "targets": [{"Input.gid": "…", "from": 0, "to": 5, "mention": "Trump",
//!               "polarity": 2.0}]}
//! ```
//!
//! Each target is one example, with id `Input.gid` (else `primary_gid#k`).
//! A span (`from`/`to`, character offsets) outside the sentence is an error.

use serde_json::Value;

use super::rows::{Row, field_text};
use super::{FieldMap, StanceExample};
use crate::eval::labels::parse_label_value;

pub fn stance(row: &Row, _fields: &FieldMap) -> Result<Vec<StanceExample>, String> {
    let (origin, map) = row;
    let sentence = field_text(map, "sentence_normalized")
        .ok_or_else(|| "missing field \"sentence_normalized\"".to_string())?;
    let primary = field_text(map, "primary_gid")
        .unwrap_or_else(|| format!("line-{}", origin.line.unwrap_or(0)));
    let Some(Value::Array(targets)) = map.get("targets") else {
        return Err("missing array field \"targets\"".to_string());
    };
    let mut examples = Vec::with_capacity(targets.len());
    for (k, target) in targets.iter().enumerate() {
        let Value::Object(t) = target else {
            return Err(format!("targets[{k}] is not an object"));
        };
        let polarity = t
            .get("polarity")
            .ok_or_else(|| format!("targets[{k}]: missing \"polarity\""))?;
        let gold = parse_label_value(polarity).map_err(|e| format!("targets[{k}]: {e}"))?;
        check_span(t, sentence.chars().count()).map_err(|e| format!("targets[{k}]: {e}"))?;
        let id = field_text(t, "Input.gid").unwrap_or_else(|| format!("{primary}#{k}"));
        examples.push(StanceExample {
            id: id.clone(),
            article_id: id,
            origin: origin.clone(),
            actor: field_text(t, "mention"),
            lang: None,
            title: None,
            text: sentence.clone(),
            gold: Some(gold),
        });
    }
    Ok(examples)
}

/// `from`/`to`, when given, must be character offsets with
/// `0 <= from < to <= chars`.
fn check_span(target: &serde_json::Map<String, Value>, chars: usize) -> Result<(), String> {
    let offset = |key: &str| match target.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(|n| Some(n as usize))
            .ok_or_else(|| format!("\"{key}\" must be a character offset, got {v}")),
    };
    match (offset("from")?, offset("to")?) {
        (Some(from), Some(to)) if from >= to || to > chars => Err(format!(
            "span {from}..{to} is outside the sentence ({chars} characters)"
        )),
        _ => Ok(()),
    }
}
