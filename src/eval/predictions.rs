//! Predictions read from a file (`--pred`), so that any system is scored the
//! same way as newsframe's own engines.
//!
//! Accepted lines (JSONL, one object per line):
//! - `analyze` output records ([`crate::record::ArticleAnalysis`]): the
//!   summary is `summary.text`; each actor in `actors` gives a stance
//!   (`stance`, null when `mentions` is 0). Records of failed articles
//!   (`error`) count as failures.
//! - plain records: `{"id": …, "summary": "…"}` for summaries;
//!   `{"id": …, "label": …}` with optional `"actor"` (or `"target"`) for
//!   stance, the label in any convention of [`crate::eval::labels`].
//!
//! Predictions are matched to gold examples by id (and actor).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::{Map, Value};

use crate::eval::datasets::DatasetError;
use crate::eval::datasets::rows::{Layout, field_text, read_text, rows};
use crate::eval::labels::parse_label_value;
use crate::record::StanceLabel;

/// Summaries by id.
#[derive(Debug, Clone, Default)]
pub struct SummaryPredictions {
    pub by_id: HashMap<String, String>,
    /// Engines named by analyze records (`engine.summary`).
    pub engines: BTreeSet<String>,
    pub errors: Vec<DatasetError>,
}

/// One predicted stance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StancePrediction {
    /// None: the system found no mention (or gave no label).
    pub label: Option<StanceLabel>,
    /// Mentions found, when the system reports them.
    pub mentions: Option<usize>,
}

impl StancePrediction {
    /// Whether the system says the actor is mentioned.
    pub fn mentioned(&self) -> bool {
        self.mentions.map_or(self.label.is_some(), |m| m > 0)
    }
}

/// Stances by (id, actor); actor None for single-target records.
#[derive(Debug, Clone, Default)]
pub struct StancePredictions {
    pub by_key: HashMap<(String, Option<String>), StancePrediction>,
    /// Engines named by analyze records (`engine.stance`).
    pub engines: BTreeSet<String>,
    pub errors: Vec<DatasetError>,
}

impl StancePredictions {
    /// The prediction for `id` and `actor`: the actor's own, else the
    /// record's single label.
    pub fn get(&self, id: &str, actor: Option<&str>) -> Option<&StancePrediction> {
        if let Some(actor) = actor
            && let Some(p) = self.by_key.get(&(id.to_string(), Some(actor.to_string())))
        {
            return Some(p);
        }
        self.by_key.get(&(id.to_string(), None))
    }
}

fn read_rows(
    path: &Path,
) -> Result<(Vec<crate::eval::datasets::rows::Row>, Vec<DatasetError>), DatasetError> {
    let (text, _) = read_text(path)?;
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for row in rows(path, &text, Layout::Jsonl) {
        match row {
            Ok(row) => ok.push(row),
            Err(err) => errors.push(err),
        }
    }
    Ok((ok, errors))
}

fn record_id(map: &Map<String, Value>) -> Result<String, String> {
    field_text(map, "id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "missing field \"id\"".to_string())
}

fn failed(map: &Map<String, Value>) -> Option<String> {
    map.get("error")
        .and_then(Value::as_str)
        .map(|e| format!("the article failed in analysis: {e}"))
}

fn engine(map: &Map<String, Value>, part: &str) -> Option<String> {
    map.get("engine")?.get(part)?.as_str().map(str::to_string)
}

/// Reads summary predictions from `path`.
pub fn read_summaries(path: &Path) -> Result<SummaryPredictions, DatasetError> {
    let (rows, errors) = read_rows(path)?;
    let mut out = SummaryPredictions {
        errors,
        ..Default::default()
    };
    for (origin, map) in rows {
        let parsed = (|| {
            if let Some(err) = failed(&map) {
                return Err(err);
            }
            let id = record_id(&map)?;
            let text = match map.get("summary").or_else(|| map.get("prediction")) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Object(obj)) => obj
                    .get("text")
                    .and_then(Value::as_str)
                    .ok_or_else(|| "summary object without \"text\"".to_string())?
                    .to_string(),
                Some(other) => return Err(format!("summary must be text, got {other}")),
                None => return Err("missing field \"summary\"".to_string()),
            };
            Ok((id, text))
        })();
        match parsed {
            Ok((id, text)) => {
                if let Some(e) = engine(&map, "summary") {
                    out.engines.insert(e);
                }
                if out.by_id.insert(id.clone(), text).is_some() {
                    out.errors.push(DatasetError::new(
                        origin,
                        format!("duplicate id {id:?}; the last one is used"),
                    ));
                }
            }
            Err(message) => out.errors.push(DatasetError::new(origin, message)),
        }
    }
    Ok(out)
}

/// Reads stance predictions from `path`.
pub fn read_stance(path: &Path) -> Result<StancePredictions, DatasetError> {
    let (rows, errors) = read_rows(path)?;
    let mut out = StancePredictions {
        errors,
        ..Default::default()
    };
    for (origin, map) in rows {
        match stance_entries(&map) {
            Ok(entries) => {
                if let Some(e) = engine(&map, "stance") {
                    out.engines.insert(e);
                }
                for (key, prediction) in entries {
                    out.by_key.insert(key, prediction);
                }
            }
            Err(message) => out.errors.push(DatasetError::new(origin, message)),
        }
    }
    Ok(out)
}

type Entry = ((String, Option<String>), StancePrediction);

fn stance_entries(map: &Map<String, Value>) -> Result<Vec<Entry>, String> {
    if let Some(err) = failed(map) {
        return Err(err);
    }
    let id = record_id(map)?;
    if let Some(actors) = map.get("actors") {
        let Value::Array(actors) = actors else {
            return Err("\"actors\" must be an array".to_string());
        };
        let mut entries = Vec::with_capacity(actors.len());
        for (k, actor) in actors.iter().enumerate() {
            let actor_id = actor
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("actors[{k}]: missing \"id\""))?;
            let label = match actor.get("stance") {
                None | Some(Value::Null) => None,
                Some(v) => Some(parse_label_value(v).map_err(|e| format!("actors[{k}]: {e}"))?),
            };
            let mentions = actor
                .get("mentions")
                .and_then(Value::as_u64)
                .map(|m| m as usize);
            entries.push((
                (id.clone(), Some(actor_id.to_string())),
                StancePrediction { label, mentions },
            ));
        }
        return Ok(entries);
    }
    let label = match map.get("label").or_else(|| map.get("stance")) {
        None => return Err("missing field \"label\" (or \"actors\")".to_string()),
        Some(Value::Null) => None,
        Some(v) => Some(parse_label_value(v).map_err(|e| e.to_string())?),
    };
    let actor = field_text(map, "actor").or_else(|| field_text(map, "target"));
    let mentions = map
        .get("mentions")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    Ok(vec![((id, actor), StancePrediction { label, mentions })])
}
