//! `--format csv`: tidy long format, one number per row, so pandas
//! (`pd.read_csv`) and R (`read.csv`) read it directly.
//!
//! Columns: `story, engine, <group>, actor, metric, value`, where `<group>`
//! is `outlet` (or `lang`, `date`, `month` with `--by`). Cell metrics have
//! both group and actor; actor metrics (`divergence_*`) leave the group
//! empty. A missing value (no mention, no interval) is an empty field, read
//! as NaN/NA. Numbers keep full precision (the JSON's values exactly).

use super::{Report, engine_label};

/// The metrics of each group × actor, in row order.
pub const CELL_METRICS: [&str; 10] = [
    "articles",
    "articles_mentioning",
    "mentions",
    "coverage",
    "mean_score",
    "ci_low",
    "ci_high",
    "labels_positive",
    "labels_neutral",
    "labels_negative",
];

/// The metrics of each actor across groups, in row order.
pub const ACTOR_METRICS: [&str; 4] = [
    "groups_mentioning",
    "divergence_range",
    "divergence_sd",
    "divergence_groups",
];

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    let noun = report.config.group_by.noun();
    w.write_record(["story", "engine", noun, "actor", "metric", "value"])?;
    for section in &report.sections {
        let engine = engine_label(&section.engine);
        for cell in &section.cells {
            let values = [
                Some(cell.articles as f64),
                Some(cell.articles_mentioning as f64),
                Some(cell.mentions as f64),
                Some(cell.coverage),
                cell.mean_score,
                cell.interval.map(|i| i.low),
                cell.interval.map(|i| i.high),
                Some(cell.labels.positive as f64),
                Some(cell.labels.neutral as f64),
                Some(cell.labels.negative as f64),
            ];
            for (metric, value) in CELL_METRICS.iter().zip(values) {
                w.write_record([
                    section.story_id.as_str(),
                    engine.as_str(),
                    cell.group.as_str(),
                    cell.actor.as_str(),
                    metric,
                    &number(value),
                ])?;
            }
        }
        for actor in &section.actors {
            let d = actor.divergence.as_ref();
            let values = [
                Some(actor.groups_mentioning as f64),
                d.map(|d| d.range),
                d.map(|d| d.sd),
                d.map(|d| d.groups as f64),
            ];
            for (metric, value) in ACTOR_METRICS.iter().zip(values) {
                w.write_record([
                    section.story_id.as_str(),
                    engine.as_str(),
                    "",
                    actor.id.as_str(),
                    metric,
                    &number(value),
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Shortest text that reads back as the same f64; empty for a missing value.
fn number(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("{v}"),
        None => String::new(),
    }
}
