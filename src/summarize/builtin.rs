//! The builtin extractive summarizer: no model, any language we segment.
//!
//! Each sentence is a TF-IDF vector over folded words (stop words of en,
//! es, fr, de and pt removed; IDF over the article's sentences). Centrality
//! is continuous LexRank: PageRank (damping 0.85) over the cosine-similarity
//! graph. A sentence's score mixes normalized centrality with the lead prior
//! of news writing, `1 / sqrt(1 + position)`: `(1 − λ)·centrality + λ·lead`.
//! Sentences are picked best first, skipping any whose cosine similarity to
//! a picked one exceeds `max_similarity` (redundancy), until the sentence
//! or word budget is spent; very short sentences (datelines, bylines) are
//! skipped. The summary lists the picked sentences in article order.
//!
//! ```
//! use newsframe::article::{ArticleMeta, Origin, RawArticle};
//! use newsframe::preprocess::{preprocess, PreprocessConfig};
//! use newsframe::summarize::{Summarizer, builtin::{BuiltinSummarizer, ExtractiveConfig}};
//!
//! let raw = RawArticle::new(Origin::file("x.txt"), ArticleMeta::default(),
//!     "Talks between the government and the opposition began in Oslo on Monday. \
//!      Norway is mediating the talks. The weather was mild.".to_string());
//! let article = preprocess(raw, &PreprocessConfig::default());
//! let summarizer = BuiltinSummarizer::new(ExtractiveConfig { max_sentences: 1, ..Default::default() });
//! let summary = &summarizer.summarize(&[&article]).unwrap()[0];
//! assert_eq!(summary.sentences, vec![0]);
//! ```

use std::collections::{HashMap, HashSet};

use unicode_segmentation::UnicodeSegmentation;

use crate::actors::fold::fold_str;
use crate::article::Article;
use crate::record::{Summary, SummaryMethod};

use super::Summarizer;

/// Settings of the extractive summarizer; defaults documented per field.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractiveConfig {
    /// Most sentences in a summary (default 3; 0 = no sentence limit).
    pub max_sentences: usize,
    /// Most words in a summary (default 0 = no word limit). The first pick
    /// is always kept, even when longer.
    pub max_words: usize,
    /// λ, the weight of the lead prior against centrality (default 0.4).
    pub lead_weight: f64,
    /// A sentence this similar (cosine) to a picked one is redundant
    /// (default 0.5).
    pub max_similarity: f64,
    /// Sentences with fewer words are not picked (default 6).
    pub min_words: usize,
    /// Score reduction for a sentence entirely in quotation marks, scaled by
    /// its quoted share (default 0.5): a summary reports, quotes color.
    pub quote_penalty: f64,
    /// Score factor for a sentence opening with a connective (`And`, `But`,
    /// `Pero`, `Mais`, `Aber`, …) that leans on the sentence before it
    /// (default 0.85).
    pub connective_penalty: f64,
}

impl Default for ExtractiveConfig {
    fn default() -> ExtractiveConfig {
        ExtractiveConfig {
            max_sentences: 3,
            max_words: 0,
            lead_weight: 0.4,
            max_similarity: 0.5,
            min_words: 6,
            quote_penalty: 0.5,
            connective_penalty: 0.85,
        }
    }
}

/// The builtin extractive summarizer.
#[derive(Debug, Clone, Default)]
pub struct BuiltinSummarizer {
    config: ExtractiveConfig,
}

impl BuiltinSummarizer {
    pub fn new(config: ExtractiveConfig) -> BuiltinSummarizer {
        BuiltinSummarizer { config }
    }

    /// The summary of one article.
    pub fn summarize_one(&self, article: &Article) -> Summary {
        let picked = self.pick(article);
        let text = picked
            .iter()
            .map(|&i| article.sentence_text(i).trim())
            .collect::<Vec<_>>()
            .join(" ");
        Summary {
            text,
            method: SummaryMethod::Extractive,
            sentences: picked,
        }
    }

    /// Sentence scores (centrality mixed with the lead prior), for tests and
    /// diagnostics.
    pub fn scores(&self, article: &Article) -> Vec<f64> {
        let vectors = tfidf_vectors(article);
        let sim = similarity_matrix(&vectors);
        let centrality = lexrank(&sim);
        let max = centrality.iter().cloned().fold(0.0, f64::max);
        let lambda = self.config.lead_weight;
        centrality
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let c = if max > 0.0 { c / max } else { 0.0 };
                let text = article.sentence_text(i);
                let base = (1.0 - lambda) * c + lambda / (1.0 + i as f64).sqrt();
                let connective = if starts_with_connective(text) {
                    self.config.connective_penalty
                } else {
                    1.0
                };
                base * (1.0 - self.config.quote_penalty * quoted_fraction(text)) * connective
            })
            .collect()
    }

    fn pick(&self, article: &Article) -> Vec<usize> {
        let n = article.sentences.len();
        if n == 0 {
            return Vec::new();
        }
        let vectors = tfidf_vectors(article);
        let sim = similarity_matrix(&vectors);
        let scores = self.scores(article);
        let words: Vec<usize> = (0..n)
            .map(|i| article.sentence_text(i).unicode_words().count())
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let eligible: Vec<usize> = {
            let long: Vec<usize> = order
                .iter()
                .copied()
                .filter(|&i| words[i] >= self.config.min_words)
                .collect();
            if long.is_empty() { order.clone() } else { long }
        };
        let mut picked: Vec<usize> = Vec::new();
        let mut used_words = 0;
        for i in eligible {
            if self.config.max_sentences > 0 && picked.len() >= self.config.max_sentences {
                break;
            }
            if picked
                .iter()
                .any(|&p| sim[i][p] > self.config.max_similarity)
            {
                continue;
            }
            if self.config.max_words > 0
                && !picked.is_empty()
                && used_words + words[i] > self.config.max_words
            {
                continue;
            }
            used_words += words[i];
            picked.push(i);
        }
        picked.sort_unstable();
        picked
    }
}

impl Summarizer for BuiltinSummarizer {
    fn describe(&self) -> String {
        format!("builtin-extractive@{}", env!("CARGO_PKG_VERSION"))
    }

    fn summarize(&self, articles: &[&Article]) -> anyhow::Result<Vec<Summary>> {
        Ok(articles.iter().map(|a| self.summarize_one(a)).collect())
    }
}

/// The share of a sentence's letters that stand inside quotation marks.
fn quoted_fraction(text: &str) -> f64 {
    let mut inside = false;
    let (mut quoted, mut total) = (0usize, 0usize);
    for ch in text.chars() {
        match ch {
            '“' | '«' | '„' => inside = true,
            '”' | '»' => inside = false,
            '"' => inside = !inside,
            c if c.is_alphanumeric() => {
                total += 1;
                if inside {
                    quoted += 1;
                }
            }
            _ => {}
        }
    }
    if total == 0 {
        0.0
    } else {
        quoted as f64 / total as f64
    }
}

fn starts_with_connective(text: &str) -> bool {
    const CONNECTIVES: &[&str] = &[
        "and", "but", "or", "so", "also", "others", "y", "pero", "o", "tambien", "et", "mais",
        "ou", "aussi", "und", "aber", "oder", "auch", "e", "mas", "ou", "tambem",
    ];
    text.unicode_words()
        .next()
        .is_some_and(|w| CONNECTIVES.contains(&fold_str(w, true).as_str()))
}

type Vector = HashMap<String, f64>;

fn tfidf_vectors(article: &Article) -> Vec<Vector> {
    let stop = stop_words();
    let terms: Vec<Vec<String>> = (0..article.sentences.len())
        .map(|i| {
            article
                .sentence_text(i)
                .unicode_words()
                .map(|w| fold_str(w, true))
                .filter(|w| !stop.contains(w.as_str()) && w.chars().count() > 1)
                .collect()
        })
        .collect();
    let n = terms.len() as f64;
    let mut df: HashMap<&str, f64> = HashMap::new();
    for sentence in &terms {
        let unique: HashSet<&str> = sentence.iter().map(String::as_str).collect();
        for t in unique {
            *df.entry(t).or_default() += 1.0;
        }
    }
    terms
        .iter()
        .map(|sentence| {
            let mut v: Vector = HashMap::new();
            for t in sentence {
                *v.entry(t.clone()).or_default() += 1.0;
            }
            for (t, w) in v.iter_mut() {
                *w *= (1.0 + n / df[t.as_str()]).ln();
            }
            v
        })
        .collect()
}

fn cosine(a: &Vector, b: &Vector) -> f64 {
    let dot: f64 = a.iter().filter_map(|(t, x)| b.get(t).map(|y| x * y)).sum();
    let na: f64 = a.values().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.values().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

fn similarity_matrix(vectors: &[Vector]) -> Vec<Vec<f64>> {
    let n = vectors.len();
    let mut sim = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in i + 1..n {
            let s = cosine(&vectors[i], &vectors[j]);
            sim[i][j] = s;
            sim[j][i] = s;
        }
    }
    sim
}

/// Continuous LexRank: PageRank over the similarity graph.
fn lexrank(sim: &[Vec<f64>]) -> Vec<f64> {
    let n = sim.len();
    if n == 0 {
        return Vec::new();
    }
    let damping = 0.85;
    let out: Vec<f64> = sim.iter().map(|row| row.iter().sum()).collect();
    let mut rank = vec![1.0 / n as f64; n];
    for _ in 0..100 {
        let mut next = vec![(1.0 - damping) / n as f64; n];
        for j in 0..n {
            if out[j] == 0.0 {
                // A sentence sharing nothing spreads its rank evenly.
                for r in next.iter_mut() {
                    *r += damping * rank[j] / n as f64;
                }
                continue;
            }
            for i in 0..n {
                if sim[j][i] > 0.0 {
                    next[i] += damping * rank[j] * sim[j][i] / out[j];
                }
            }
        }
        let delta: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        rank = next;
        if delta < 1e-9 {
            break;
        }
    }
    rank
}

/// Function words of the languages with lexicons, folded.
fn stop_words() -> HashSet<&'static str> {
    const WORDS: &str = "a an and are as at be been but by for from had has have he her his i in is it its \
        of on or she that the their them they this to was were which who will with would said says \
        el la los las un una unos unas y o de del al en por para con que se su sus es son fue ha han \
        lo le les como mas pero sobre tras entre dijo segun \
        le la les un une des et ou de du au aux en par pour avec que qui se sa son ses est sont a ete \
        il elle ils dans sur ce cette ces a dit selon \
        der die das den dem des ein eine einer eines und oder von zu mit auf fur im in ist sind war \
        hat haben wird sich sie er es nicht dass bei aus nach sagte \
        o os as um uma e ou do da dos das no na nos nas em por para com que se sua seu foi tem disse";
    WORDS.split_whitespace().collect()
}
