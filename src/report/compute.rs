//! From records to a [`Report`]: stories, engine groups, and per group ×
//! actor the counts, coverage, mean score with a seeded bootstrap interval,
//! label distribution and most representative evidence; per actor the
//! divergence of groups; per group the novelty of its summaries.

use std::collections::{BTreeMap, BTreeSet};

use crate::record::{ArticleAnalysis, EngineInfo, StanceLabel};
use crate::stats::{self, BootstrapConfig, Interval};

use super::cluster::{self, Similarity, TfIdfCosine, TokenJaccard};
use super::load::{LoadedAnalysis, LoadedRecords};
use super::novelty::{NoveltyIndex, summary_sentences};
use super::{
    ActorSummary, Cell, CellEvidence, Divergence, Group, GroupBy, GroupScore, LabelCounts,
    REPORT_SCHEMA_VERSION, Report, ReportConfig, ReportError, Section, SimilarityKind, StoryMode,
    SummaryEntry, SummarySentence,
};

/// The name of the group of articles that lack the grouping field.
pub const UNKNOWN_GROUP: &str = "(unknown)";

/// Builds the report. Fails only on a configuration error or when records
/// of different engine setups would be mixed without `group_by_engine`.
pub fn build_report(loaded: &LoadedRecords, config: &ReportConfig) -> Result<Report, ReportError> {
    validate(config)?;
    let needle = config.story_filter.as_deref().map(str::to_lowercase);
    let selected: Vec<&LoadedAnalysis> = loaded
        .analyses
        .iter()
        .filter(|a| match &needle {
            None => true,
            Some(n) => story_text(&a.analysis).to_lowercase().contains(n.as_str()),
        })
        .collect();

    let mut engines: BTreeMap<EngineInfo, usize> = BTreeMap::new();
    for a in &selected {
        *engines.entry(a.analysis.engine.clone()).or_insert(0) += 1;
    }
    if engines.len() > 1 && !config.group_by_engine {
        return Err(ReportError::MixedEngines(engines.into_iter().collect()));
    }

    let mut sections = Vec::new();
    for (story_id, story_label, members) in split_stories(&selected, config) {
        let mut by_engine: BTreeMap<EngineInfo, Vec<&LoadedAnalysis>> = BTreeMap::new();
        for a in members {
            by_engine
                .entry(a.analysis.engine.clone())
                .or_default()
                .push(a);
        }
        for (engine, articles) in by_engine {
            sections.push(build_section(
                &story_id,
                &story_label,
                engine,
                &articles,
                config,
            ));
        }
    }

    Ok(Report {
        schema_version: REPORT_SCHEMA_VERSION,
        generator: format!("newsframe {}", env!("CARGO_PKG_VERSION")),
        generated_at: config.generated_at.clone().unwrap_or_else(now_rfc3339),
        config: config.clone(),
        inputs: loaded.inputs.clone(),
        failed: loaded.failed.clone(),
        sections,
    })
}

fn validate(config: &ReportConfig) -> Result<(), ReportError> {
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

/// Title and summary: what a story is recognized by.
fn story_text(a: &ArticleAnalysis) -> String {
    let title = a.title.as_deref().unwrap_or("");
    let summary = a.summary.as_ref().map(|s| s.text.as_str()).unwrap_or("");
    format!("{title}\n{summary}")
}

type Story<'a> = (String, String, Vec<&'a LoadedAnalysis>);

fn split_stories<'a>(selected: &[&'a LoadedAnalysis], config: &ReportConfig) -> Vec<Story<'a>> {
    if selected.is_empty() {
        return Vec::new();
    }
    let texts: Vec<String> = selected.iter().map(|a| story_text(&a.analysis)).collect();
    let docs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let similarity: &dyn Similarity = match config.similarity {
        SimilarityKind::Tfidf => &TfIdfCosine,
        SimilarityKind::Jaccard => &TokenJaccard,
    };
    let mut clusters = match config.stories {
        StoryMode::Single => vec![(0..selected.len()).collect::<Vec<_>>()],
        StoryMode::Cluster => cluster::cluster(&docs, similarity, config.cluster_threshold),
    };
    // Largest story first; ties keep input order (clusters come sorted by
    // their first member and the sort is stable).
    clusters.sort_by_key(|c| std::cmp::Reverse(c.len()));
    let single = config.stories == StoryMode::Single;
    clusters
        .into_iter()
        .enumerate()
        .map(|(i, members)| {
            let central = members[cluster::most_central(&docs, similarity, &members)];
            let a = &selected[central].analysis;
            let label = a
                .title
                .clone()
                .or_else(|| a.summary.as_ref().map(|s| s.text.clone()))
                .unwrap_or_else(|| a.id.clone());
            let id = if single {
                config
                    .story_filter
                    .clone()
                    .map(|f| format!("story:{f}"))
                    .unwrap_or_else(|| "all".to_string())
            } else {
                format!("story-{}", i + 1)
            };
            (id, label, members.iter().map(|&m| selected[m]).collect())
        })
        .collect()
}

fn group_key(a: &ArticleAnalysis, by: GroupBy) -> String {
    let value = match by {
        GroupBy::Source => a.source.clone(),
        GroupBy::Lang => Some(a.lang.clone()),
        GroupBy::Date => a.date.clone(),
        GroupBy::Month => a.date.as_ref().map(|d| d.chars().take(7).collect()),
    };
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| UNKNOWN_GROUP.to_string())
}

fn build_section(
    story_id: &str,
    story_label: &str,
    engine: EngineInfo,
    articles: &[&LoadedAnalysis],
    config: &ReportConfig,
) -> Section {
    let mut groups: BTreeMap<String, Vec<&ArticleAnalysis>> = BTreeMap::new();
    for a in articles {
        groups
            .entry(group_key(&a.analysis, config.group_by))
            .or_default()
            .push(&a.analysis);
    }
    // Actors in the order of the actor set (first appearance).
    let mut actor_order: Vec<(String, String, Option<String>)> = Vec::new();
    for a in articles {
        for actor in &a.analysis.actors {
            if !actor_order.iter().any(|(id, _, _)| id == &actor.id) {
                actor_order.push((actor.id.clone(), actor.name.clone(), actor.kind.clone()));
            }
        }
    }

    let mut cells = Vec::new();
    for (group, members) in &groups {
        for (actor_id, _, _) in &actor_order {
            cells.push(build_cell(group, actor_id, members, config));
        }
    }

    let actors: Vec<ActorSummary> = actor_order
        .iter()
        .map(|(id, name, kind)| {
            let row: Vec<&Cell> = cells.iter().filter(|c| &c.actor == id).collect();
            ActorSummary {
                id: id.clone(),
                name: name.clone(),
                kind: kind.clone(),
                groups_mentioning: row.iter().filter(|c| c.articles_mentioning > 0).count(),
                articles_mentioning: row.iter().map(|c| c.articles_mentioning).sum(),
                divergence: divergence(&row),
            }
        })
        .collect();

    let group_list = build_groups(&groups, config);
    let languages: Vec<String> = articles
        .iter()
        .map(|a| a.analysis.lang.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let notes = section_notes(&group_list, &actors, &languages, config);

    Section {
        story_id: story_id.to_string(),
        story_label: story_label.to_string(),
        engine,
        group_by: config.group_by,
        articles: articles.len(),
        languages,
        notes,
        groups: group_list,
        actors,
        cells,
    }
}

fn build_cell(
    group: &str,
    actor_id: &str,
    members: &[&ArticleAnalysis],
    config: &ReportConfig,
) -> Cell {
    let mut mentioning = Vec::new();
    let mut mentions = 0;
    let mut scores = Vec::new();
    let mut labels = LabelCounts::default();
    for a in members {
        let Some(stance) = a.actors.iter().find(|s| s.id == actor_id) else {
            continue;
        };
        if stance.mentions == 0 {
            continue;
        }
        mentions += stance.mentions;
        mentioning.push((*a, stance));
        if let Some(score) = stance.score.filter(|s| s.is_finite()) {
            scores.push(score);
        }
        match stance.stance {
            Some(StanceLabel::Positive) => labels.positive += 1,
            Some(StanceLabel::Neutral) => labels.neutral += 1,
            Some(StanceLabel::Negative) => labels.negative += 1,
            None => {}
        }
    }
    let mean_score = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    let interval = bootstrap_interval(
        &scores,
        &BootstrapConfig {
            samples: config.bootstrap_samples,
            seed: config.seed ^ fnv1a(&[group, actor_id]),
            confidence: config.confidence_level,
        },
    );

    let prevailing = prevailing_label(labels, mean_score);
    let mut best: Option<(bool, f64, CellEvidence)> = None;
    for (a, stance) in &mentioning {
        for e in &stance.evidence {
            let agrees = Some(e.label) == prevailing;
            let better = match &best {
                None => true,
                Some((b_agrees, b_p, _)) => (agrees, e.p) > (*b_agrees, *b_p),
            };
            if better {
                best = Some((
                    agrees,
                    e.p,
                    CellEvidence {
                        article_id: a.id.clone(),
                        title: a.title.clone(),
                        origin: a.origin.clone(),
                        sentence: e.sentence,
                        text: e.text.clone(),
                        label: e.label,
                        p: e.p,
                    },
                ));
            }
        }
    }

    Cell {
        group: group.to_string(),
        actor: actor_id.to_string(),
        articles: members.len(),
        articles_mentioning: mentioning.len(),
        mentions,
        coverage: if members.is_empty() {
            0.0
        } else {
            mentioning.len() as f64 / members.len() as f64
        },
        mean_score,
        scored_articles: scores.len(),
        interval,
        labels,
        evidence: best.map(|(_, _, e)| e),
    }
}

/// The most frequent article label; ties go to the label the mean leans to.
fn prevailing_label(labels: LabelCounts, mean: Option<f64>) -> Option<StanceLabel> {
    let mean = mean?;
    let lean = if mean > 0.0 {
        StanceLabel::Positive
    } else if mean < 0.0 {
        StanceLabel::Negative
    } else {
        StanceLabel::Neutral
    };
    let count = |l: StanceLabel| match l {
        StanceLabel::Positive => labels.positive,
        StanceLabel::Neutral => labels.neutral,
        StanceLabel::Negative => labels.negative,
    };
    let top = StanceLabel::ALL.iter().map(|&l| count(l)).max()?;
    if top == 0 || count(lean) == top {
        return Some(lean);
    }
    StanceLabel::ALL.iter().copied().find(|&l| count(l) == top)
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

/// FNV-1a over the parts (separated by 0xff): a stable per-cell seed.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(std::iter::once(&0xffu8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

fn divergence(row: &[&Cell]) -> Option<Divergence> {
    let scored: Vec<(&str, f64)> = row
        .iter()
        .filter_map(|c| c.mean_score.map(|s| (c.group.as_str(), s)))
        .collect();
    if scored.len() < 2 {
        return None;
    }
    // First group wins ties, so the pair is stable.
    let mut lowest = scored[0];
    let mut highest = scored[0];
    for &(g, s) in &scored[1..] {
        if s < lowest.1 {
            lowest = (g, s);
        }
        if s > highest.1 {
            highest = (g, s);
        }
    }
    let n = scored.len() as f64;
    let mean = scored.iter().map(|(_, s)| s).sum::<f64>() / n;
    let var = scored.iter().map(|(_, s)| (s - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some(Divergence {
        groups: scored.len(),
        range: highest.1 - lowest.1,
        sd: var.sqrt(),
        lowest: GroupScore {
            group: lowest.0.to_string(),
            score: lowest.1,
        },
        highest: GroupScore {
            group: highest.0.to_string(),
            score: highest.1,
        },
    })
}

fn build_groups(
    groups: &BTreeMap<String, Vec<&ArticleAnalysis>>,
    config: &ReportConfig,
) -> Vec<Group> {
    // Sentences of every article's summary, and per language an index of
    // them: word overlap only means something within one language.
    let sentences: Vec<Vec<Vec<String>>> = groups
        .values()
        .map(|members| {
            members
                .iter()
                .map(|a| {
                    a.summary
                        .as_ref()
                        .map(|s| summary_sentences(&a.lang, &s.text))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    let mut by_lang: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (g, members) in groups.values().enumerate() {
        for (a, sents) in members.iter().zip(&sentences[g]) {
            let list = by_lang.entry(a.lang.as_str()).or_default();
            list.extend(sents.iter().map(|s| (g, s.as_str())));
        }
    }
    let indexes: BTreeMap<&str, NoveltyIndex> = by_lang
        .iter()
        .map(|(lang, list)| (*lang, NoveltyIndex::new(list)))
        .collect();
    groups
        .iter()
        .enumerate()
        .map(|(g, (name, members))| {
            let summaries = members
                .iter()
                .zip(&sentences[g])
                .filter_map(|(a, sents)| {
                    let summary = a.summary.as_ref()?;
                    let index = &indexes[a.lang.as_str()];
                    Some(SummaryEntry {
                        article_id: a.id.clone(),
                        title: a.title.clone(),
                        date: a.date.clone(),
                        lang: a.lang.clone(),
                        method: match summary.method {
                            crate::record::SummaryMethod::Abstractive => "abstractive",
                            crate::record::SummaryMethod::Extractive => "extractive",
                        }
                        .to_string(),
                        text: summary.text.clone(),
                        sentences: sents
                            .iter()
                            .map(|s| {
                                let novelty = index.novelty(g, s);
                                SummarySentence {
                                    text: s.clone(),
                                    novelty,
                                    novel: novelty.is_some_and(|n| n >= config.novelty_threshold),
                                }
                            })
                            .collect(),
                    })
                })
                .collect();
            let languages: Vec<String> = members
                .iter()
                .map(|a| a.lang.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let dates: BTreeSet<&str> = members.iter().filter_map(|a| a.date.as_deref()).collect();
            Group {
                name: name.clone(),
                articles: members.len(),
                languages,
                first_date: dates.first().map(|d| d.to_string()),
                last_date: dates.last().map(|d| d.to_string()),
                summaries,
            }
        })
        .collect()
}

fn section_notes(
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
