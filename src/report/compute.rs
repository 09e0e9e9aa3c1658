//! From records to a [`Report`]: the in-memory entry point over
//! [`LoadedRecords`] (the streaming work is [`super::accumulate`]), the
//! checks of a configuration, the notes a section carries, and the report's
//! timestamp.

use crate::stats::{self, BootstrapConfig, Interval};

use super::accumulate::{RecordConsumer, ReportBuilder};
use super::load::LoadedRecords;
use super::{ActorSummary, Group, Report, ReportConfig, ReportError};

pub use super::accumulate::UNKNOWN_GROUP;

/// Builds the report of records already in memory. Fails only on a
/// configuration error or when records of different engine setups would
/// be mixed without `group_by_engine`.
pub fn build_report(loaded: &LoadedRecords, config: &ReportConfig) -> Result<Report, ReportError> {
    let mut builder = ReportBuilder::new(config)?;
    for a in &loaded.analyses {
        builder.analysis(a.read_from.clone(), a.analysis.clone());
    }
    for f in &loaded.failed {
        builder.failed(f.clone());
    }
    for input in &loaded.inputs {
        builder.input(input.clone());
    }
    builder.finish()
}

/// Percentile bootstrap interval of the mean of `scores` (resampling
/// articles with replacement). None with fewer than two scores: one article
/// has no spread to show.
pub fn bootstrap_interval(scores: &[f64], bootstrap: &BootstrapConfig) -> Option<Interval> {
    if scores.len() < 2 {
        return None;
    }
    stats::mean_interval(scores, bootstrap)
}

pub(super) fn validate(config: &ReportConfig) -> Result<(), ReportError> {
    if !(config.confidence_level > 0.0 && config.confidence_level < 1.0) {
        return Err(ReportError::InvalidConfig(format!(
            "confidence level {} must be between 0 and 1 (e.g. 0.95)",
            config.confidence_level
        )));
    }
    if !(0.0..=1.0).contains(&config.cluster_threshold) {
        return Err(ReportError::InvalidConfig(format!(
            "cluster threshold {} must be between 0 and 1",
            config.cluster_threshold
        )));
    }
    if !(0.0..=1.0).contains(&config.novelty_threshold) {
        return Err(ReportError::InvalidConfig(format!(
            "novelty threshold {} must be between 0 and 1",
            config.novelty_threshold
        )));
    }
    Ok(())
}

pub(super) fn section_notes(
    groups: &[Group],
    actors: &[ActorSummary],
    languages: &[String],
    config: &ReportConfig,
) -> Vec<String> {
    let noun = config.group_by.noun();
    let mut notes = Vec::new();
    if languages.len() > 1 {
        notes.push(format!(
            "Articles are in {} languages ({}). Stance scores are comparable across languages only as far as the \
             engine is; summary novelty compares words with summaries in the same language only (none: not shown).",
            languages.len(),
            languages.join(", ")
        ));
    }
    let single: Vec<&str> = groups
        .iter()
        .filter(|g| g.articles == 1)
        .map(|g| g.name.as_str())
        .collect();
    if !single.is_empty() {
        notes.push(format!(
            "One article only ({}): {}. Their scores have no interval and may not represent the {noun}.",
            single.len(),
            single.join(", ")
        ));
    }
    let unmentioned: Vec<&str> = actors
        .iter()
        .filter(|a| a.articles_mentioning == 0)
        .map(|a| a.name.as_str())
        .collect();
    if !unmentioned.is_empty() {
        notes.push(format!(
            "Mentioned by no {noun}: {}.",
            unmentioned.join(", ")
        ));
    }
    notes
}

/// Now (or `SOURCE_DATE_EPOCH`) as RFC 3339 UTC, to the second.
pub fn now_rfc3339() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    rfc3339_utc(secs)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic
/// Gregorian; Howard Hinnant's days-to-civil algorithm).
pub fn rfc3339_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_558_483_200), "2019-05-22T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }

    #[test]
    fn bootstrap_is_seeded_and_brackets_the_mean() {
        let config = |samples, seed| BootstrapConfig {
            samples,
            seed,
            confidence: 0.95,
        };
        let scores = [0.1, 0.5, 0.9, -0.2];
        let a = bootstrap_interval(&scores, &config(2000, 7)).unwrap();
        let b = bootstrap_interval(&scores, &config(2000, 7)).unwrap();
        assert_eq!(a, b);
        assert!(a.low < 0.325 && 0.325 < a.high);
        assert!(a.low >= -0.2 && a.high <= 0.9);
        assert_eq!(a.level, 0.95);
        assert_eq!(bootstrap_interval(&[0.3], &config(100, 1)), None);
        let many: Vec<f64> = (0..30).map(|i| f64::from(i % 7) / 7.0 - 0.4).collect();
        let c = bootstrap_interval(&many, &config(500, 1)).unwrap();
        let d = bootstrap_interval(&many, &config(500, 2)).unwrap();
        assert_ne!(c, d, "the seed matters");
    }
}
