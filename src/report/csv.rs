//! `--format csv`: tidy long format, one number per row, so pandas
//! (`pd.read_csv`) and R (`read.csv`) read it directly.
//!
//! Columns: `story, engine, <group>, actor, metric, value`, where `<group>`
//! is `outlet` (or `lang`, `date`, `month` with `--by`). Cell metrics have
//! both group and actor (the `voice_*` metrics of [`super::voices`] too,
//! when the records carry quotations); actor metrics (`divergence_*`) leave
//! the group empty; naming terms are metrics `naming_count:<term>` and
//! `naming_z:<term>` of a group and actor. A missing value (no mention, no
//! interval) is an empty field, read as NaN/NA. Numbers keep full precision
//! (the JSON's values exactly).
//!
//! Text cells come from articles (an outlet's `og:site_name`, an actor id),
//! so a spreadsheet must not run them: a text cell starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets a leading `'` and is quoted
//! (OWASP's advice against CSV injection). Number cells are written as
//! numbers, a negative score included.

use std::borrow::Cow;
use std::io::Write;

use super::format::fmt_exact;
use super::{Report, engine_label};

/// One cell of a CSV row: text (neutralized for spreadsheets) or a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CsvField<'a> {
    Text(&'a str),
    /// A number; `None` is a missing value (an empty field).
    Number(Option<f64>),
}

/// Whether a spreadsheet would read `text` as a formula (or strip the
/// character that hides one).
fn is_formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `text` as a spreadsheet shows it but never evaluates it: a formula-like
/// cell gets a leading `'`.
pub fn spreadsheet_text(text: &str) -> Cow<'_, str> {
    if is_formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Writes one CSV row (RFC 4180: comma-separated, CRLF-free `\n` ends).
/// Text cells are quoted when they hold a comma, quote or line break, and
/// always when they were neutralized; quotes inside are doubled.
pub fn write_row(out: &mut dyn Write, fields: &[CsvField]) -> std::io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        match field {
            CsvField::Number(value) => out.write_all(fmt_exact(*value).as_bytes())?,
            CsvField::Text(text) => {
                let neutralized = is_formula_like(text);
                let cell = spreadsheet_text(text);
                if neutralized || cell.contains([',', '"', '\n', '\r']) {
                    write!(out, "\"{}\"", cell.replace('"', "\"\""))?;
                } else {
                    out.write_all(cell.as_bytes())?;
                }
            }
        }
    }
    out.write_all(b"\n")
}

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

/// One row of the tidy table: a number of a cell (group and actor) or of
/// an actor across groups (`group` empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TidyRow<'a> {
    pub story: &'a str,
    pub engine: &'a str,
    pub group: &'a str,
    pub actor: &'a str,
    pub metric: &'a str,
    pub value: Option<f64>,
}

/// Hands `row` every row of the tidy table, in order: per section its
/// cells' metrics, then its actors' metrics, then its naming terms
/// (`naming_count:<term>`, `naming_z:<term>` per group × actor).
pub fn for_each_row(
    report: &Report,
    mut row: impl FnMut(TidyRow) -> std::io::Result<()>,
) -> std::io::Result<()> {
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
                row(TidyRow {
                    story: &section.story_id,
                    engine: &engine,
                    group: &cell.group,
                    actor: &cell.actor,
                    metric,
                    value,
                })?;
            }
        }
        for cell in section.voices.iter().flat_map(|v| &v.cells) {
            for (metric, value) in super::voices::cell_rows(cell) {
                row(TidyRow {
                    story: &section.story_id,
                    engine: &engine,
                    group: &cell.group,
                    actor: &cell.actor,
                    metric,
                    value: Some(value),
                })?;
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
                row(TidyRow {
                    story: &section.story_id,
                    engine: &engine,
                    group: "",
                    actor: &actor.id,
                    metric,
                    value,
                })?;
            }
        }
        for (group, actor, metric, value) in super::naming::csv_rows(section) {
            row(TidyRow {
                story: &section.story_id,
                engine: &engine,
                group,
                actor,
                metric: &metric,
                value,
            })?;
        }
    }
    Ok(())
}

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    let noun = report.config.group_by.noun();
    let header = ["story", "engine", noun, "actor", "metric", "value"].map(CsvField::Text);
    write_row(&mut w, &header)?;
    for_each_row(report, |r| {
        write_row(
            &mut w,
            &[
                CsvField::Text(r.story),
                CsvField::Text(r.engine),
                CsvField::Text(r.group),
                CsvField::Text(r.actor),
                CsvField::Text(r.metric),
                CsvField::Number(r.value),
            ],
        )
    })?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fields: &[CsvField]) -> String {
        let mut out = Vec::new();
        write_row(&mut out, fields).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formula_like_text_is_neutralized_and_quoted() {
        for (text, cell) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("+1", "\"'+1\""),
            ("-2+3", "\"'-2+3\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tx", "\"'\tx\""),
            ("\r=1", "\"'\r=1\""),
            ("El País", "El País"),
            ("a,b", "\"a,b\""),
        ] {
            assert_eq!(
                row(&[CsvField::Text(text)]),
                format!("{cell}\n"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn negative_numbers_stay_numbers() {
        assert_eq!(
            row(&[
                CsvField::Text("-x"),
                CsvField::Number(Some(-0.5)),
                CsvField::Number(None)
            ]),
            "\"'-x\",-0.5,\n"
        );
        // A standard reader gets the values back.
        let text = row(&[CsvField::Text("=1+2"), CsvField::Number(Some(-0.25))]);
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[0], "'=1+2");
        assert_eq!(record[1].parse::<f64>().unwrap(), -0.25);
    }
}
