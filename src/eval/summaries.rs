//! Scores a set of summaries against references: mean ROUGE per variant,
//! bootstrap intervals of the mean F1, and the same per language.
//!
//! ROUGE-Lsum needs one sentence per line. Texts that hold no newline are
//! split into sentences first (newsframe's sentence splitter, the same one
//! articles go through), as rouge-score users do with `split_summaries` or
//! nltk's `sent_tokenize`; this changes Lsum only, never ROUGE-1/2/L.
//!
//! An example without a prediction scores 0 (as an empty summary would) and
//! is counted in `missing`, so a system cannot look better by skipping hard
//! articles.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::eval::datasets::SummaryExample;
use crate::eval::language_of;
use crate::eval::rouge::{
    PerVariant, RougeConfig, RougeMode, RougeScorer, RougeScores, has_stemmer,
};
use crate::stats::{BootstrapConfig, Interval, interval};

/// Settings of summary evaluation.
#[derive(Debug, Clone, Copy)]
pub struct SummaryEvalConfig {
    /// Tokenization mode; None picks English when every example is English,
    /// multilingual otherwise.
    pub mode: Option<RougeMode>,
    /// Stem tokens (default true).
    pub stem: bool,
    /// Put each sentence of a one-line text on its own line for Lsum
    /// (default true).
    pub split_sentences: bool,
    pub bootstrap: BootstrapConfig,
}

impl Default for SummaryEvalConfig {
    fn default() -> SummaryEvalConfig {
        SummaryEvalConfig {
            mode: None,
            stem: true,
            split_sentences: true,
            bootstrap: BootstrapConfig::default(),
        }
    }
}

/// Who picked the ROUGE mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeChoice {
    /// Chosen from the data's languages (English only when every example is).
    Auto,
    /// Given by the caller (`--rouge-mode`).
    Given,
}

impl ModeChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            ModeChoice::Auto => "auto",
            ModeChoice::Given => "given",
        }
    }
}

impl std::fmt::Display for ModeChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How ROUGE was computed.
#[derive(Debug, Clone, Serialize)]
pub struct RougeSettings {
    pub mode: RougeMode,
    pub mode_choice: ModeChoice,
    pub stemming: bool,
    /// Whether one-line texts were split into sentences for Lsum.
    pub split_sentences: bool,
    pub tokenizer: &'static str,
    /// Languages left unstemmed because Snowball has no stemmer for them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unstemmed_languages: Vec<String>,
}

/// Mean precision, recall and F1 of one variant, with the F1 interval.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct VariantMean {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f1_ci: Option<Interval>,
}

/// Scores over a group of examples.
#[derive(Debug, Clone, Serialize)]
pub struct RougeGroup {
    pub n: usize,
    /// Examples without a prediction (scored 0).
    pub missing: usize,
    /// Serialized under `rouge1`, `rouge2`, `rougeL`, `rougeLsum`.
    pub scores: PerVariant<VariantMean>,
}

/// The result of summary evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryEvaluation {
    pub rouge: RougeSettings,
    pub overall: RougeGroup,
    pub by_language: BTreeMap<String, RougeGroup>,
    /// Scores of every example, in dataset order (`--per-example`; empty
    /// otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<ExampleRouge>,
    /// Lead-k baselines scored the same way, for comparison (empty when not
    /// computed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub baselines: Vec<BaselineRow>,
}

/// Mean F1 of a baseline (e.g. `lead-2`) over the same examples.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineRow {
    pub name: String,
    /// Serialized under `rouge1`, `rouge2`, `rougeL`, `rougeLsum`.
    pub f1: PerVariant<f64>,
}

impl BaselineRow {
    /// The overall F1 means of `evaluation`, under `name`.
    pub fn of(name: &str, evaluation: &SummaryEvaluation) -> BaselineRow {
        BaselineRow {
            name: name.to_string(),
            f1: PerVariant::from_fn(|variant| evaluation.overall.scores.get(variant).f1),
        }
    }
}

/// One example's scores.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleRouge {
    pub id: String,
    pub lang: String,
    /// True when there was no prediction (scores are 0).
    pub missing: bool,
    #[serde(flatten)]
    pub scores: RougeScores,
}

/// Scores `predictions` (by example id) against `examples`.
pub fn evaluate(
    examples: &[SummaryExample],
    predictions: &HashMap<String, String>,
    config: &SummaryEvalConfig,
) -> SummaryEvaluation {
    let langs: Vec<String> = examples
        .iter()
        .map(|e| language_of(e.lang.as_deref(), &[&e.reference, &e.text]))
        .collect();
    let (mode, mode_choice) = match config.mode {
        Some(mode) => (mode, ModeChoice::Given),
        None if !langs.is_empty() && langs.iter().all(|l| l == "en") => {
            (RougeMode::English, ModeChoice::Auto)
        }
        None => (RougeMode::Multilingual, ModeChoice::Auto),
    };
    let scorer = RougeScorer::new(RougeConfig {
        mode,
        stem: config.stem,
    });
    let mut scores = Vec::with_capacity(examples.len());
    let mut missing = Vec::with_capacity(examples.len());
    for (example, lang) in examples.iter().zip(&langs) {
        match predictions.get(&example.id) {
            Some(pred) => {
                let (reference, pred) = if config.split_sentences {
                    (
                        sentence_lines(&example.reference, lang),
                        sentence_lines(pred, lang),
                    )
                } else {
                    (example.reference.clone(), pred.clone())
                };
                scores.push(scorer.score(&reference, &pred, lang));
                missing.push(false);
            }
            None => {
                scores.push(RougeScores::default());
                missing.push(true);
            }
        }
    }
    let all: Vec<usize> = (0..examples.len()).collect();
    let overall = group(&all, &scores, &missing, &config.bootstrap);
    let mut by_lang: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, lang) in langs.iter().enumerate() {
        by_lang.entry(lang.clone()).or_default().push(i);
    }
    let by_language = by_lang
        .iter()
        .map(|(lang, idx)| {
            (
                lang.clone(),
                group(idx, &scores, &missing, &config.bootstrap),
            )
        })
        .collect();
    let mut unstemmed_languages: Vec<String> = if mode == RougeMode::Multilingual && config.stem {
        by_lang
            .keys()
            .filter(|l| !has_stemmer(l))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    unstemmed_languages.dedup();
    SummaryEvaluation {
        rouge: RougeSettings {
            mode,
            mode_choice,
            stemming: config.stem,
            split_sentences: config.split_sentences,
            tokenizer: mode.describe(config.stem),
            unstemmed_languages,
        },
        overall,
        by_language,
        baselines: Vec::new(),
        examples: examples
            .iter()
            .zip(&langs)
            .zip(scores.iter().zip(&missing))
            .map(|((e, lang), (scores, &missing))| ExampleRouge {
                id: e.id.clone(),
                lang: lang.clone(),
                missing,
                scores: *scores,
            })
            .collect(),
    }
}

/// `text` with one sentence per line, unless it already has lines.
fn sentence_lines(text: &str, lang: &str) -> String {
    if text.contains('\n') {
        return text.to_string();
    }
    crate::preprocess::sentences::split_sentences(lang, text)
        .into_iter()
        .map(|range| text[range].trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn group(
    members: &[usize],
    scores: &[RougeScores],
    missing: &[bool],
    bootstrap: &BootstrapConfig,
) -> RougeGroup {
    let n = members.len();
    let mean = |f: &dyn Fn(&RougeScores) -> f64, idx: &[usize]| -> f64 {
        if idx.is_empty() {
            0.0
        } else {
            idx.iter().map(|&i| f(&scores[members[i]])).sum::<f64>() / idx.len() as f64
        }
    };
    let positions: Vec<usize> = (0..n).collect();
    let scores = PerVariant::from_fn(|v| VariantMean {
        precision: mean(&|s| s.get(v).precision, &positions),
        recall: mean(&|s| s.get(v).recall, &positions),
        f1: mean(&|s| s.get(v).f1, &positions),
        f1_ci: interval(n, bootstrap, |idx| mean(&|s| s.get(v).f1, idx)),
    });
    RougeGroup {
        n,
        missing: members.iter().filter(|&&i| missing[i]).count(),
        scores,
    }
}
