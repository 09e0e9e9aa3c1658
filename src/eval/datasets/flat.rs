//! Flat rows, one example per row: XL-Sum, MLSUM, CNN/DailyMail, X-Stance,
//! SemEval-2016 and generic JSONL/CSV, told apart only by their column names
//! (see [`super::DatasetFormat`]'s field defaults and `--field`).

use super::rows::{Row, field_text};
use super::{ColumnMap, RowError, StanceExample, SummaryExample};
use crate::eval::labels::LabelMap;

/// A row's id, or `line-N` when the data has none.
fn id_of(row: &Row, fields: &ColumnMap) -> String {
    field_text(&row.1, fields.column("id"))
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| format!("line-{}", row.0.line.unwrap_or(0)))
}

fn required(row: &Row, fields: &ColumnMap, field: &'static str) -> Result<String, RowError> {
    let column = fields.column(field);
    field_text(&row.1, column).ok_or_else(|| RowError::MissingColumn {
        field,
        column: column.to_string(),
    })
}

pub fn summary(row: &Row, fields: &ColumnMap) -> Result<SummaryExample, RowError> {
    let reference = required(row, fields, "summary")?;
    Ok(SummaryExample {
        id: id_of(row, fields),
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
    let label = required(row, fields, "label")?;
    let gold = labels.label(&label)?;
    let id = id_of(row, fields);
    Ok(vec![StanceExample {
        id: id.clone(),
        article_id: id,
        origin: row.0.clone(),
        actor: field_text(&row.1, fields.column("target")),
        lang: field_text(&row.1, fields.column("lang")),
        title: field_text(&row.1, fields.column("title")),
        text: field_text(&row.1, fields.column("text")).unwrap_or_default(),
        gold: Some(gold),
        spans: Vec::new(),
    }])
}
