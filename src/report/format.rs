//! How numbers appear in reports, for every format: scores and shares for
//! people (Markdown, HTML), exact values for machines (CSV).

use super::Cell;

/// A score as shown to people: two decimals with a sign, `0.00` for zero.
pub fn fmt_score(score: f64) -> String {
    let r = (score * 100.0).round() / 100.0;
    if r == 0.0 {
        "0.00".to_string()
    } else {
        format!("{r:+.2}")
    }
}

/// A share as a whole percentage.
pub fn fmt_percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Two decimals (ranges, standard deviations, novelty, probabilities).
pub fn fmt_decimal(value: f64) -> String {
    format!("{value:.2}")
}

/// `+0.66 [+0.55, +0.78]`, `+0.10 (n=1)`, or `not mentioned`.
pub fn score_text(c: &Cell) -> String {
    match (c.mean_score, c.interval) {
        (Some(m), Some(i)) => format!(
            "{} [{}, {}]",
            fmt_score(m),
            fmt_score(i.low),
            fmt_score(i.high)
        ),
        (Some(m), None) => format!("{} (n={})", fmt_score(m), c.scored_articles),
        (None, _) if c.articles_mentioning > 0 => "no score".to_string(),
        (None, _) => "not mentioned".to_string(),
    }
}

/// Shortest text that reads back as the same f64; empty for a missing value.
pub fn fmt_exact(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("{v}"),
        None => String::new(),
    }
}
