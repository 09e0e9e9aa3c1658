//! `compare` in one streaming pass: records are folded into per-section,
//! per-group and per group × actor state as they are read, and the report
//! is made from that state at the end. Memory grows with the number of
//! groups × actors, not with the number of records:
//!
//! - a cell keeps sufficient statistics (counts, labels, exact fixed-point
//!   sums of the scores and of their squares, min and max), the best
//!   evidence sentence per label, and its scores themselves only while it
//!   has at most [`EXACT_BOOTSTRAP_LIMIT`] of them (see [`ScoreStats`]);
//! - a group keeps at most [`SUMMARIES_PER_GROUP`] summaries, chosen by a
//!   hash of the article id (so the choice does not depend on input order);
//! - the story label is the most central of at most [`LABEL_SAMPLE`]
//!   articles, chosen the same way;
//! - at most [`FAILED_LISTED`] failures are listed (all are counted).
//!
//! Below the caps the report is exactly what the records give; above them
//! the report says what was capped. `--stories cluster` needs every
//! article's text to cluster and keeps the records (it suits the hundreds
//! of articles of a few stories, not an archive).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use crate::record::{ArticleAnalysis, EngineInfo, StanceLabel};
use crate::stats::{self, BootstrapConfig, Interval};

use super::cluster::{self, EmbeddingCosine, Similarity, TextEmbedder, TfIdfCosine, TokenJaccard};
use super::naming::NamingCounts;
use super::novelty::{NoveltyIndex, summary_sentences};
use super::{
    ActorSummary, Cell, CellEvidence, Divergence, FailedEntry, Group, GroupBy, GroupScore,
    InputSummary, LabelCounts, REPORT_SCHEMA_VERSION, Report, ReportConfig, ReportError, Section,
    SimilarityKind, StoryMode, SummaryEntry, SummarySentence,
};

/// Scores a cell keeps for the exact resampling bootstrap. With more, the
/// interval comes from the cell's sufficient statistics (see [`ScoreStats`]).
pub const EXACT_BOOTSTRAP_LIMIT: usize = 1000;

/// Summaries shown (and compared for novelty) per group.
pub const SUMMARIES_PER_GROUP: usize = 100;

/// Articles among which a single story's label (its most central title) is found.
pub const LABEL_SAMPLE: usize = 2000;

/// Failures listed in the report; the rest are counted.
pub const FAILED_LISTED: usize = 1000;

/// The name of the group of articles that lack the grouping field.
pub const UNKNOWN_GROUP: &str = "(unknown)";

/// Where records go as they are read: the streaming report, or the
/// in-memory list of [`super::load::LoadedRecords`].
pub trait RecordConsumer {
    /// An analysis, with where it was read from.
    fn analysis(&mut self, read_from: crate::article::Origin, analysis: ArticleAnalysis);
    /// A failure record or an unreadable line.
    fn failed(&mut self, entry: FailedEntry);
    /// The counts of one input, once it is read.
    fn input(&mut self, summary: InputSummary);
}

/// Scores a cell in a fixed-point sum: 2^96 units per 1. A score in [−1, 1]
/// (the records' range) is kept to 2^−96, and 2^31 of them fit in an i128:
/// the sum is exact, so it does not depend on the order records come in.
const FIXED_ONE: f64 = 79_228_162_514_264_337_593_543_950_336.0; // 2^96

fn fixed(x: f64) -> i128 {
    (x * FIXED_ONE).round() as i128
}

/// What a cell knows about its scores. The mean is exact whatever the
/// order. The interval is the percentile bootstrap of the mean: computed by
/// resampling while the cell has at most [`EXACT_BOOTSTRAP_LIMIT`] scores
/// (sorted first, so the resamples depend on the scores, not on the order
/// they came in); above that, from the bootstrap distribution's normal
/// limit, mean ± z·√(σ̂²/n) with σ̂² the plug-in variance (the variance the
/// bootstrap resamples from), clipped to [min, max] as percentiles are.
#[derive(Debug, Clone, Default)]
pub struct ScoreStats {
    n: usize,
    sum: i128,
    sum_sq: i128,
    min: f64,
    max: f64,
    /// The scores, while there are at most [`EXACT_BOOTSTRAP_LIMIT`].
    values: Option<Vec<f64>>,
}

impl ScoreStats {
    pub fn new() -> ScoreStats {
        ScoreStats {
            values: Some(Vec::new()),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            ..ScoreStats::default()
        }
    }

    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum = self.sum.saturating_add(fixed(x));
        self.sum_sq = self.sum_sq.saturating_add(fixed(x * x));
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if let Some(values) = &mut self.values {
            if values.len() < EXACT_BOOTSTRAP_LIMIT {
                values.push(x);
            } else {
                self.values = None;
            }
        }
    }

    pub fn count(&self) -> usize {
        self.n
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / FIXED_ONE / self.n as f64)
    }

    /// The interval of the mean; None with fewer than two scores.
    pub fn interval(&self, bootstrap: &BootstrapConfig) -> Option<Interval> {
        if self.n < 2 || bootstrap.samples == 0 {
            return None;
        }
        if let Some(values) = &self.values {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            return stats::mean_interval(&sorted, bootstrap);
        }
        let n = self.n as f64;
        let mean = self.sum as f64 / FIXED_ONE / n;
        let variance = (self.sum_sq as f64 / FIXED_ONE / n - mean * mean).max(0.0);
        let half = stats::normal_quantile(0.5 + bootstrap.confidence / 2.0) * (variance / n).sqrt();
        Some(Interval {
            low: (mean - half).max(self.min),
            high: (mean + half).min(self.max),
            level: bootstrap.confidence,
        })
    }
}

/// One group × one actor, as records come.
#[derive(Debug, Clone)]
struct CellState {
    articles_mentioning: usize,
    mentions: usize,
    labels: LabelCounts,
    scores: ScoreStats,
    /// Per label (negative, neutral, positive): the evidence sentence with
    /// the highest probability, the first one seen on ties, and when it was seen.
    best: [Option<(f64, u64, CellEvidence)>; 3],
    naming: NamingCounts,
}

impl CellState {
    fn new() -> CellState {
        CellState {
            articles_mentioning: 0,
            mentions: 0,
            labels: LabelCounts::default(),
            scores: ScoreStats::new(),
            best: [None, None, None],
            naming: NamingCounts::default(),
        }
    }
}

fn label_slot(label: StanceLabel) -> usize {
    match label {
        StanceLabel::Negative => 0,
        StanceLabel::Neutral => 1,
        StanceLabel::Positive => 2,
    }
}

/// A kept summary (which are kept: see [`BottomK`]).
#[derive(Debug, Clone)]
struct KeptSummary {
    lang: String,
    entry: SummaryEntry,
}

#[derive(Debug, Clone)]
struct GroupState {
    articles: usize,
    languages: BTreeSet<String>,
    first_date: Option<String>,
    last_date: Option<String>,
    summaries: BottomK<KeptSummary>,
    /// One per actor of the section, in its order.
    cells: Vec<CellState>,
}

/// The `k` items of smallest rank: a sample that is the same whatever the
/// order items come in (ranks are hashes of article ids, ties broken by
/// arrival).
#[derive(Debug, Clone)]
struct BottomK<T> {
    k: usize,
    seen: usize,
    items: std::collections::BinaryHeap<Ranked<T>>,
}

#[derive(Debug, Clone)]
struct Ranked<T>((u64, u64), T);

impl<T> PartialEq for Ranked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T> Eq for Ranked<T> {}
impl<T> PartialOrd for Ranked<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Ranked<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl<T> BottomK<T> {
    fn new(k: usize) -> BottomK<T> {
        BottomK {
            k,
            seen: 0,
            items: std::collections::BinaryHeap::new(),
        }
    }

    /// Offers an item; `make` runs only when it is kept.
    fn offer(&mut self, rank: (u64, u64), make: impl FnOnce() -> T) {
        self.seen += 1;
        if self.items.len() < self.k {
            self.items.push(Ranked(rank, make()));
        } else if self.items.peek().is_some_and(|top| rank < top.0) {
            self.items.pop();
            self.items.push(Ranked(rank, make()));
        }
    }

    /// The kept items in arrival order.
    fn into_arrival_order(self) -> Vec<T> {
        let mut items: Vec<Ranked<T>> = self.items.into_vec();
        items.sort_by_key(|r| r.0.1);
        items.into_iter().map(|r| r.1).collect()
    }
}

/// The first 8 bytes of the SHA-256 of an article id: a rank that does not
/// depend on where the article is in the input.
fn id_rank(id: &str) -> u64 {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// One story as made by one engine setup, as records come.
#[derive(Debug, Clone)]
struct SectionState {
    articles: usize,
    languages: BTreeSet<String>,
    /// Actors in order of first appearance, and where each is.
    actors: Vec<(String, String, Option<String>)>,
    actor_index: HashMap<String, usize>,
    groups: BTreeMap<String, GroupState>,
    /// Evidence sentences seen, for first-seen tie breaking.
    evidence_seen: u64,
    voices: super::voices::VoicesState,
}

impl SectionState {
    fn new() -> SectionState {
        SectionState {
            articles: 0,
            languages: BTreeSet::new(),
            actors: Vec::new(),
            actor_index: HashMap::new(),
            groups: BTreeMap::new(),
            evidence_seen: 0,
            voices: super::voices::VoicesState::new(),
        }
    }

    /// Folds in one article; `rank` is [`id_rank`] of its id.
    fn add(&mut self, a: &ArticleAnalysis, rank: u64, arrival: u64, config: &ReportConfig) {
        self.articles += 1;
        if !self.languages.contains(&a.lang) {
            self.languages.insert(a.lang.clone());
        }
        for actor in &a.actors {
            if !self.actor_index.contains_key(&actor.id) {
                self.actor_index.insert(actor.id.clone(), self.actors.len());
                self.actors
                    .push((actor.id.clone(), actor.name.clone(), actor.kind.clone()));
                for group in self.groups.values_mut() {
                    group.cells.push(CellState::new());
                }
            }
        }
        let key = group_key(a, config.group_by);
        self.voices.add(&key, a);
        let actor_count = self.actors.len();
        let group = self.groups.entry(key).or_insert_with(|| GroupState {
            articles: 0,
            languages: BTreeSet::new(),
            first_date: None,
            last_date: None,
            summaries: BottomK::new(SUMMARIES_PER_GROUP),
            cells: vec![CellState::new(); actor_count],
        });
        group.articles += 1;
        if !group.languages.contains(&a.lang) {
            group.languages.insert(a.lang.clone());
        }
        if let Some(date) = &a.date {
            if group.first_date.as_ref().is_none_or(|d| date < d) {
                group.first_date = Some(date.clone());
            }
            if group.last_date.as_ref().is_none_or(|d| date > d) {
                group.last_date = Some(date.clone());
            }
        }
        if let Some(summary) = &a.summary {
            // Summaries are compared in the language they are written in.
            let lang = summary.lang_or(&a.lang).to_string();
            group.summaries.offer((rank, arrival), || KeptSummary {
                lang: lang.clone(),
                entry: SummaryEntry {
                    article_id: a.id.clone(),
                    title: a.title.clone(),
                    date: a.date.clone(),
                    source_lang: (lang != a.lang).then(|| a.lang.clone()),
                    lang,
                    method: summary.method.as_str().to_string(),
                    text: summary.text.clone(),
                    sentences: Vec::new(),
                },
            });
        }
        // The first entry of an actor listed twice counts, as before.
        let mut done = vec![false; self.actors.len()];
        for stance in &a.actors {
            let index = self.actor_index[&stance.id];
            if std::mem::replace(&mut done[index], true) || stance.mentions == 0 {
                continue;
            }
            let cell = &mut group.cells[index];
            cell.articles_mentioning += 1;
            cell.mentions = cell.mentions.saturating_add(stance.mentions);
            cell.naming.add(&stance.naming);
            if let Some(score) = stance.score.filter(|s| s.is_finite()) {
                cell.scores.add(score);
            }
            match stance.stance {
                Some(StanceLabel::Positive) => cell.labels.positive += 1,
                Some(StanceLabel::Neutral) => cell.labels.neutral += 1,
                Some(StanceLabel::Negative) => cell.labels.negative += 1,
                None => {}
            }
            for e in &stance.evidence {
                self.evidence_seen += 1;
                let slot = &mut cell.best[label_slot(e.label)];
                if slot.as_ref().is_none_or(|(p, _, _)| e.p > *p) {
                    *slot = Some((
                        e.p,
                        self.evidence_seen,
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
    }

    fn finish(
        self,
        story_id: &str,
        story_label: &str,
        engine: EngineInfo,
        config: &ReportConfig,
    ) -> Section {
        let naming = self.naming();
        let mut cells = Vec::new();
        for (group, state) in &self.groups {
            for (index, (actor_id, _, _)) in self.actors.iter().enumerate() {
                let cell = state
                    .cells
                    .get(index)
                    .cloned()
                    .unwrap_or_else(CellState::new);
                cells.push(finish_cell(group, actor_id, state.articles, cell, config));
            }
        }
        let actors: Vec<ActorSummary> = self
            .actors
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
        let capped: Vec<(String, usize, usize)> = self
            .groups
            .iter()
            .filter(|(_, g)| g.summaries.seen > g.summaries.k)
            .map(|(name, g)| (name.clone(), g.summaries.k, g.summaries.seen))
            .collect();
        let group_names: Vec<String> = self.groups.keys().cloned().collect();
        let actor_ids: Vec<String> = self.actors.iter().map(|a| a.0.clone()).collect();
        let voices = self.voices.finish(&group_names, &actor_ids);
        let groups = finish_groups(self.groups, config);
        let languages: Vec<String> = self.languages.into_iter().collect();
        let mut notes = super::compute::section_notes(&groups, &actors, &languages, config);
        if !capped.is_empty() {
            let total: usize = capped.iter().map(|c| c.2).sum();
            notes.push(format!(
                "Summaries shown: at most {SUMMARIES_PER_GROUP} per {} ({} of {total} in {} {}s: {}), \
                 chosen by a hash of the article id; novelty compares the summaries shown.",
                config.group_by.noun(),
                capped.iter().map(|c| c.1).sum::<usize>(),
                capped.len(),
                config.group_by.noun(),
                capped
                    .iter()
                    .map(|c| c.0.as_str())
                    .take(10)
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if capped.len() > 10 { ", …" } else { "" }
            ));
        }
        Section {
            story_id: story_id.to_string(),
            story_label: story_label.to_string(),
            engine,
            group_by: config.group_by,
            articles: self.articles,
            languages,
            notes,
            groups,
            actors,
            cells,
            voices,
            naming,
        }
    }

    /// The naming section, from the cells' term counts.
    fn naming(&self) -> Vec<super::naming::ActorNaming> {
        let actors: Vec<&str> = self.actors.iter().map(|(id, _, _)| id.as_str()).collect();
        let groups: Vec<&str> = self.groups.keys().map(String::as_str).collect();
        let cells: Vec<Vec<&NamingCounts>> = self
            .groups
            .values()
            .map(|g| g.cells.iter().map(|c| &c.naming).collect())
            .collect();
        super::naming::section_naming(&actors, &groups, &cells)
    }
}

fn finish_cell(
    group: &str,
    actor_id: &str,
    articles: usize,
    cell: CellState,
    config: &ReportConfig,
) -> Cell {
    let mean_score = cell.scores.mean();
    let interval = cell.scores.interval(&BootstrapConfig {
        samples: config.bootstrap_samples,
        seed: config.seed ^ fnv1a(&[group, actor_id]),
        confidence: config.confidence_level,
    });
    let prevailing = prevailing_label(cell.labels, mean_score);
    // A sentence of the prevailing label when there is one, else the most
    // probable of any label (first seen on ties).
    let agreeing = prevailing.and_then(|l| cell.best[label_slot(l)].clone());
    let evidence = agreeing
        .or_else(|| {
            cell.best
                .iter()
                .flatten()
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
                .cloned()
        })
        .map(|(_, _, e)| e);
    Cell {
        group: group.to_string(),
        actor: actor_id.to_string(),
        articles,
        articles_mentioning: cell.articles_mentioning,
        mentions: cell.mentions,
        coverage: if articles == 0 {
            0.0
        } else {
            cell.articles_mentioning as f64 / articles as f64
        },
        mean_score,
        scored_articles: cell.scores.count(),
        interval,
        labels: cell.labels,
        evidence,
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

/// Groups with their kept summaries, each sentence with its novelty
/// against the other groups' kept summaries in the same language.
fn finish_groups(groups: BTreeMap<String, GroupState>, config: &ReportConfig) -> Vec<Group> {
    let groups: Vec<(String, GroupState, Vec<KeptSummary>)> = groups
        .into_iter()
        .map(|(name, mut g)| {
            let kept = std::mem::replace(&mut g.summaries, BottomK::new(0)).into_arrival_order();
            (name, g, kept)
        })
        .collect();
    let sentences: Vec<Vec<Vec<String>>> = groups
        .iter()
        .map(|(_, _, kept)| {
            kept.iter()
                .map(|s| summary_sentences(&s.lang, &s.entry.text))
                .collect()
        })
        .collect();
    let mut by_lang: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (g, (_, _, kept)) in groups.iter().enumerate() {
        for (s, sents) in kept.iter().zip(&sentences[g]) {
            let list = by_lang.entry(s.lang.as_str()).or_default();
            list.extend(sents.iter().map(|t| (g, t.as_str())));
        }
    }
    let indexes: BTreeMap<&str, NoveltyIndex> = by_lang
        .iter()
        .map(|(lang, list)| (*lang, NoveltyIndex::new(list)))
        .collect();
    let mut out = Vec::with_capacity(groups.len());
    for (g, (name, state, kept)) in groups.iter().enumerate() {
        let summaries = kept
            .iter()
            .zip(&sentences[g])
            .map(|(s, sents)| {
                let index = &indexes[s.lang.as_str()];
                let mut entry = s.entry.clone();
                entry.sentences = sents
                    .iter()
                    .map(|t| {
                        let novelty = index.novelty(g, t);
                        SummarySentence {
                            text: t.clone(),
                            novelty,
                            novel: novelty.is_some_and(|n| n >= config.novelty_threshold),
                        }
                    })
                    .collect();
                entry
            })
            .collect();
        out.push(Group {
            name: name.clone(),
            articles: state.articles,
            languages: state.languages.iter().cloned().collect(),
            first_date: state.first_date.clone(),
            last_date: state.last_date.clone(),
            summaries,
        });
    }
    out
}

fn group_key(a: &ArticleAnalysis, by: GroupBy) -> String {
    let value = match by {
        GroupBy::Source => a.source.as_deref(),
        GroupBy::Lang => Some(a.lang.as_str()),
        GroupBy::Date => a.date.as_deref(),
        GroupBy::Month => a.date.as_deref().map(|d| {
            let end = d.char_indices().nth(7).map_or(d.len(), |(i, _)| i);
            &d[..end]
        }),
    };
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or(UNKNOWN_GROUP)
        .to_string()
}

/// Title and summary: what a story is recognized by.
pub fn story_text(a: &ArticleAnalysis) -> String {
    let title = a.title.as_deref().unwrap_or("");
    let summary = a.summary.as_ref().map(|s| s.text.as_str()).unwrap_or("");
    format!("{title}\n{summary}")
}

/// What names a story when its article is the most central one.
fn label_of(a: &ArticleAnalysis) -> String {
    a.title
        .clone()
        .or_else(|| a.summary.as_ref().map(|s| s.text.clone()))
        .unwrap_or_else(|| a.id.clone())
}

/// A candidate for the story label: its text and the label it gives.
#[derive(Debug, Clone)]
struct LabelCandidate {
    text: String,
    label: String,
}

/// How records are held until the report is made.
enum Stories {
    /// One story: folded as records come.
    Single {
        sections: BTreeMap<EngineInfo, SectionState>,
        label_sample: BottomK<LabelCandidate>,
    },
    /// Clustered stories: the records are kept, and folded per story at the end.
    Cluster { analyses: Vec<ArticleAnalysis> },
}

/// The streaming report: feed it records ([`RecordConsumer`]), then
/// [`ReportBuilder::finish`].
pub struct ReportBuilder {
    config: ReportConfig,
    needle: Option<String>,
    arrivals: u64,
    engines: BTreeMap<EngineInfo, usize>,
    stories: Stories,
    inputs: Vec<InputSummary>,
    failed: Vec<FailedEntry>,
    failures: usize,
    analyses: usize,
    /// Sentence embeddings for [`SimilarityKind::Embedding`].
    embedder: Option<Box<dyn TextEmbedder>>,
}

impl ReportBuilder {
    /// A report of nothing yet. Fails on an invalid configuration.
    pub fn new(config: &ReportConfig) -> Result<ReportBuilder, ReportError> {
        super::compute::validate(config)?;
        let stories = match config.stories {
            StoryMode::Single => Stories::Single {
                sections: BTreeMap::new(),
                label_sample: BottomK::new(LABEL_SAMPLE),
            },
            StoryMode::Cluster => Stories::Cluster {
                analyses: Vec::new(),
            },
        };
        Ok(ReportBuilder {
            config: config.clone(),
            needle: config.story_filter.as_deref().map(str::to_lowercase),
            arrivals: 0,
            engines: BTreeMap::new(),
            stories,
            inputs: Vec::new(),
            failed: Vec::new(),
            failures: 0,
            analyses: 0,
            embedder: None,
        })
    }

    /// The sentence embedder that [`SimilarityKind::Embedding`] needs.
    pub fn with_embedder(mut self, embedder: Box<dyn TextEmbedder>) -> ReportBuilder {
        self.embedder = Some(embedder);
        self
    }

    /// Failures and unreadable lines so far (all of them, listed or not).
    pub fn failure_count(&self) -> usize {
        self.failures
    }

    /// Analyses read so far (those `--story` leaves out included).
    pub fn analysis_count(&self) -> usize {
        self.analyses
    }

    /// The report. Fails when records of different engine setups would be
    /// mixed without `group_by_engine`.
    pub fn finish(self) -> Result<Report, ReportError> {
        let config = self.config;
        let embedder = self.embedder.as_deref();
        if self.engines.len() > 1 && !config.group_by_engine {
            return Err(ReportError::MixedEngines(
                self.engines.into_iter().collect(),
            ));
        }
        let mut sections = Vec::new();
        match self.stories {
            Stories::Single {
                sections: states,
                label_sample,
            } => {
                let candidates = label_sample.into_arrival_order();
                if !candidates.is_empty() {
                    let docs: Vec<&str> = candidates.iter().map(|c| c.text.as_str()).collect();
                    let members: Vec<usize> = (0..docs.len()).collect();
                    let similarity = similarity_of(&config, embedder, &docs)?;
                    let label = &candidates
                        [cluster::most_central(&docs, similarity.as_ref(), &members)]
                    .label;
                    let id = config
                        .story_filter
                        .clone()
                        .map(|f| format!("story:{f}"))
                        .unwrap_or_else(|| "all".to_string());
                    for (engine, state) in states {
                        sections.push(state.finish(&id, label, engine, &config));
                    }
                }
            }
            Stories::Cluster { analyses } => {
                let texts: Vec<String> = analyses.iter().map(story_text).collect();
                let docs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let similarity = similarity_of(&config, embedder, &docs)?;
                let mut clusters = if analyses.is_empty() {
                    Vec::new()
                } else {
                    cluster::cluster(&docs, similarity.as_ref(), config.cluster_threshold)
                };
                // Largest story first; ties keep input order (clusters come
                // sorted by their first member and the sort is stable).
                clusters.sort_by_key(|c| std::cmp::Reverse(c.len()));
                for (i, members) in clusters.into_iter().enumerate() {
                    let central =
                        members[cluster::most_central(&docs, similarity.as_ref(), &members)];
                    let label = label_of(&analyses[central]);
                    let mut states: BTreeMap<EngineInfo, SectionState> = BTreeMap::new();
                    for (arrival, &m) in members.iter().enumerate() {
                        let a = &analyses[m];
                        states
                            .entry(a.engine.clone())
                            .or_insert_with(SectionState::new)
                            .add(a, id_rank(&a.id), arrival as u64, &config);
                    }
                    let id = format!("story-{}", i + 1);
                    for (engine, state) in states {
                        sections.push(state.finish(&id, &label, engine, &config));
                    }
                }
            }
        }
        Ok(Report {
            schema_version: REPORT_SCHEMA_VERSION,
            generator: format!("newsframe {}", env!("CARGO_PKG_VERSION")),
            generated_at: config
                .generated_at
                .clone()
                .unwrap_or_else(super::compute::now_rfc3339),
            failed_not_listed: self.failures - self.failed.len(),
            config,
            inputs: self.inputs,
            failed: self.failed,
            sections,
        })
    }
}

/// The configured similarity over `docs`.
fn similarity_of(
    config: &ReportConfig,
    embedder: Option<&dyn TextEmbedder>,
    docs: &[&str],
) -> Result<Box<dyn Similarity>, ReportError> {
    Ok(match config.similarity {
        SimilarityKind::Tfidf => Box::new(TfIdfCosine),
        SimilarityKind::Jaccard => Box::new(TokenJaccard),
        SimilarityKind::Embedding => {
            let embedder = embedder.ok_or_else(|| {
                ReportError::InvalidConfig(
                    "--similarity embedding needs a sentence-embedding model".into(),
                )
            })?;
            Box::new(EmbeddingCosine::of(docs, embedder).map_err(ReportError::Embedding)?)
        }
    })
}

impl RecordConsumer for ReportBuilder {
    fn analysis(&mut self, _read_from: crate::article::Origin, a: ArticleAnalysis) {
        self.analyses += 1;
        if let Some(needle) = &self.needle
            && !story_text(&a).to_lowercase().contains(needle.as_str())
        {
            return;
        }
        match self.engines.get_mut(&a.engine) {
            Some(n) => *n += 1,
            None => {
                self.engines.insert(a.engine.clone(), 1);
            }
        }
        let arrival = self.arrivals;
        self.arrivals += 1;
        match &mut self.stories {
            Stories::Single {
                sections,
                label_sample,
            } => {
                let rank = id_rank(&a.id);
                label_sample.offer((rank, arrival), || LabelCandidate {
                    text: story_text(&a),
                    label: label_of(&a),
                });
                if !sections.contains_key(&a.engine) {
                    sections.insert(a.engine.clone(), SectionState::new());
                }
                if let Some(state) = sections.get_mut(&a.engine) {
                    state.add(&a, rank, arrival, &self.config);
                }
            }
            Stories::Cluster { analyses } => analyses.push(a),
        }
    }

    fn failed(&mut self, entry: FailedEntry) {
        self.failures += 1;
        if self.failed.len() < FAILED_LISTED {
            self.failed.push(entry);
        }
    }

    fn input(&mut self, summary: InputSummary) {
        self.inputs.push(summary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_sums_do_not_depend_on_order() {
        let values: Vec<f64> = (0..5000)
            .map(|i| ((i * 7919) % 2001) as f64 / 1000.0 - 1.0 + 1e-7 * (i % 13) as f64)
            .collect();
        let mut forward = ScoreStats::new();
        values.iter().for_each(|&x| forward.add(x));
        let mut backward = ScoreStats::new();
        values.iter().rev().for_each(|&x| backward.add(x));
        assert_eq!(forward.mean(), backward.mean());
        let naive = values.iter().sum::<f64>() / values.len() as f64;
        assert!((forward.mean().unwrap() - naive).abs() < 1e-14);
        let config = BootstrapConfig {
            samples: 2000,
            seed: 3,
            confidence: 0.95,
        };
        assert_eq!(forward.interval(&config), backward.interval(&config));
    }

    #[test]
    fn exact_bootstrap_does_not_depend_on_order() {
        let values = [0.3, -0.2, 0.9, 0.1, -0.7, 0.4];
        let config = BootstrapConfig {
            samples: 500,
            seed: 11,
            confidence: 0.9,
        };
        let mut a = ScoreStats::new();
        values.iter().for_each(|&x| a.add(x));
        let mut b = ScoreStats::new();
        values.iter().rev().for_each(|&x| b.add(x));
        assert_eq!(a.interval(&config), b.interval(&config));
    }

    /// Above the exact limit the interval is the bootstrap's normal limit:
    /// it must agree with resampling itself to within the resampling's own
    /// Monte Carlo error.
    #[test]
    fn normal_limit_agrees_with_resampling_above_the_limit() {
        // A skewed, bounded sample like real scores: mostly negative, a
        // positive tail.
        let values: Vec<f64> = (0..4000)
            .map(|i| {
                let u = ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64
                    / (1u64 << 53) as f64;
                if u < 0.7 { -0.8 + 0.5 * u } else { 0.9 * u }
            })
            .collect();
        let config = BootstrapConfig {
            samples: 4000,
            seed: 5,
            confidence: 0.95,
        };
        let mut stats = ScoreStats::new();
        values.iter().for_each(|&x| stats.add(x));
        assert!(stats.values.is_none());
        let limit = stats.interval(&config).unwrap();
        let resampled = crate::stats::mean_interval(&values, &config).unwrap();
        let width = resampled.high - resampled.low;
        assert!(
            (limit.low - resampled.low).abs() < 0.05 * width
                && (limit.high - resampled.high).abs() < 0.05 * width,
            "{limit:?} vs {resampled:?}"
        );
    }

    #[test]
    fn bottom_k_keeps_the_same_items_in_any_order() {
        let ids: Vec<String> = (0..50).map(|i| format!("id-{i}")).collect();
        let keep = |order: &[usize]| {
            let mut sample = BottomK::new(10);
            for (arrival, &i) in order.iter().enumerate() {
                sample.offer((id_rank(&ids[i]), arrival as u64), || ids[i].clone());
            }
            let mut kept = sample.into_arrival_order();
            kept.sort();
            kept
        };
        let forward: Vec<usize> = (0..50).collect();
        let backward: Vec<usize> = (0..50).rev().collect();
        assert_eq!(keep(&forward), keep(&backward));
        assert_eq!(keep(&forward).len(), 10);
    }
}
