//! A first-run check of an installed model (`newsframe models verify --run`):
//! load it, run it on a short fixed English input, and check what can be
//! checked without reference outputs — labels found by name (loading refuses
//! a model without them), outputs of the right shape and finite, a tokenizer
//! that gives the input back, a summary that is not empty and in the input's
//! language.
//!
//! Each check that holds adds a line to the report; the first that fails is
//! the error, naming what was seen.

use std::path::Path;

use anyhow::{Context, Result, bail, ensure};

use super::classifier::{ClassifierConfig, SequenceClassifier};
use super::embed::{EmbedConfig, SentenceEmbedder};
use super::nli::{NliClassifier, NliConfig};
use super::summarizer::{SummarizerConfig, TransformerSummarizer};
use super::tokenize::TextTokenizer;
use crate::models::Task;
use crate::record::LabelProbs;
use crate::stance::nli::NliPair;

/// The fixed input: a short news paragraph of plain English.
const ARTICLE: &str = "The government and the opposition met in Oslo on Monday for a \
second round of talks mediated by Norway. Both sides said the meeting had been useful, \
and the United Nations welcomed the progress. The talks will resume next week in the \
Norwegian capital, officials said.";
const SENTENCE: &str = "The government and the opposition met in Oslo on Monday.";
const OTHER_SENTENCE: &str = "Heavy rain flooded the coastal villages overnight.";

/// Runs the model in `dir` (of registry task `task`) once and returns one
/// line per check that held.
pub fn run_check(task: Task, dir: &Path, name: &str) -> Result<Vec<String>> {
    match task {
        Task::Nli => {
            let model = NliClassifier::load(dir, name, NliConfig::default())?;
            let mut report = vec![round_trip(model.tokenizer())?];
            let probs = model.classify(&[NliPair {
                premise: SENTENCE.to_string(),
                hypothesis: "Talks took place.".to_string(),
            }])?;
            ensure!(probs.len() == 1, "{} results for one pair", probs.len());
            let p = probs[0];
            check_distribution(&[p.entailment, p.neutral, p.contradiction])?;
            report.push(format!(
                "labels by name; one pair: entailment {:.3}, neutral {:.3}, contradiction {:.3}",
                p.entailment, p.neutral, p.contradiction
            ));
            Ok(report)
        }
        Task::Stance => {
            let model = SequenceClassifier::load(dir, name, ClassifierConfig::default())?;
            let mut report = vec![round_trip(model.tokenizer())?];
            let probs = model.classify(&[(SENTENCE, "the opposition")])?;
            ensure!(probs.len() == 1, "{} results for one pair", probs.len());
            report.push(stance_line(&probs[0])?);
            Ok(report)
        }
        Task::Embed => {
            let model = SentenceEmbedder::load(dir, EmbedConfig::default())?;
            let mut report = vec![round_trip(model.tokenizer())?];
            let vectors = model.embed(&[SENTENCE, SENTENCE, OTHER_SENTENCE])?;
            ensure!(
                vectors.len() == 3,
                "{} vectors for 3 sentences",
                vectors.len()
            );
            let dim = vectors[0].len();
            ensure!(
                dim > 0 && vectors.iter().all(|v| v.len() == dim),
                "vectors of different sizes"
            );
            for v in &vectors {
                ensure!(v.iter().all(|x| x.is_finite()), "a vector is not finite");
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                ensure!((norm - 1.0).abs() < 1e-3, "a vector has norm {norm}, not 1");
            }
            let cosine = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
            let same = cosine(&vectors[0], &vectors[1]);
            ensure!(
                same > 0.999,
                "one sentence twice gives cosine {same}, not 1"
            );
            report.push(format!(
                "{dim} dimensions, unit length; unrelated sentences at cosine {:.3}",
                cosine(&vectors[0], &vectors[2])
            ));
            Ok(report)
        }
        Task::Summarize => {
            let model = TransformerSummarizer::load(dir, name, SummarizerConfig::default())?;
            let mut report = vec![round_trip(model.tokenizer())?];
            let summary = model.summarize_text(ARTICLE)?;
            ensure!(!summary.trim().is_empty(), "the summary is empty");
            if let Some(info) = whatlang::detect(&summary).filter(|i| i.is_reliable()) {
                let lang = crate::preprocess::language::iso639_1(info.lang());
                ensure!(
                    lang == "en",
                    "the summary of an English text is in {lang}: {summary:?}"
                );
            }
            report.push(format!("summary: {summary:?}"));
            Ok(report)
        }
    }
}

/// The tokenizer gives the sentence back (ignoring case and spacing, which
/// uncased and word-piece tokenizers change).
fn round_trip(tokenizer: &TextTokenizer) -> Result<String> {
    let ids = tokenizer.encode(SENTENCE)?;
    let text = tokenizer.decode(&ids)?;
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    if squeeze(&text) != squeeze(SENTENCE) {
        bail!("the tokenizer does not give the text back: {SENTENCE:?} -> {text:?}");
    }
    Ok(format!("tokenizer round trip ({} tokens)", ids.len()))
}

fn check_distribution(probs: &[f64]) -> Result<()> {
    ensure!(
        probs
            .iter()
            .all(|p| p.is_finite() && (0.0..=1.0).contains(p)),
        "probabilities out of range: {probs:?}"
    );
    let sum: f64 = probs.iter().sum();
    ensure!((sum - 1.0).abs() < 1e-3, "probabilities sum to {sum}");
    Ok(())
}

fn stance_line(p: &LabelProbs) -> Result<String> {
    check_distribution(&[p.positive, p.neutral, p.negative]).context("the stance probabilities")?;
    Ok(format!(
        "labels by name; one pair: positive {:.3}, neutral {:.3}, negative {:.3}",
        p.positive, p.neutral, p.negative
    ))
}
