//! Labeled stance pairs for training: read with the eval loaders
//! ([`crate::eval::datasets`]), strictly (any bad row fails the run, naming
//! its file and line), then tokenized as the classifier reads them: the
//! sentence first, the target mention second, the sentence cut to fit.

use std::collections::BTreeMap;
use std::path::Path;

use crate::eval::datasets::{self, LoadConfig, StanceExample};
use crate::record::StanceLabel;
use crate::transformer::tokenize::TextTokenizer;

use super::TrainError;

/// The classifier's labels, by id (`id2label`).
pub const LABELS: [StanceLabel; 3] = [
    StanceLabel::Negative,
    StanceLabel::Neutral,
    StanceLabel::Positive,
];

/// The id of `label` in [`LABELS`].
pub fn label_id(label: StanceLabel) -> usize {
    LABELS
        .iter()
        .position(|l| *l == label)
        .expect("every label has an id")
}

/// One training example: a sentence, the target as written in it, the gold label.
#[derive(Debug, Clone, PartialEq)]
pub struct StancePair {
    /// `file:line` of the row it came from.
    pub origin: String,
    pub text: String,
    pub target: String,
    pub label: usize,
}

/// A pair as token ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub ids: Vec<i64>,
    pub type_ids: Vec<i64>,
    pub label: usize,
}

/// Reads every labeled pair of `path`. Any row that cannot be read, has no
/// target, or no label is an error naming its file and line; so is a file
/// with no pair at all.
pub fn load_pairs(path: &Path, config: &LoadConfig) -> Result<Vec<StancePair>, TrainError> {
    let loaded =
        datasets::load_stance(path, config).map_err(|e| TrainError::Data(vec![e.to_string()]))?;
    let mut errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    let mut pairs = Vec::with_capacity(loaded.examples.len());
    for example in &loaded.examples {
        match pair_of(example) {
            Ok(pair) => pairs.push(pair),
            Err(message) => errors.push(format!("{}: {message}", example.origin)),
        }
    }
    if errors.is_empty() && pairs.is_empty() {
        errors.push(format!(
            "{}: no labeled example in the file",
            path.display()
        ));
    }
    if errors.is_empty() {
        Ok(pairs)
    } else {
        Err(TrainError::Data(errors))
    }
}

fn pair_of(example: &StanceExample) -> Result<StancePair, String> {
    let target = example
        .actor
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or("no target; map the target column with --field target=COLUMN")?;
    let gold = example
        .gold
        .ok_or_else(|| format!("no label for target {target:?}"))?;
    if example.text.trim().is_empty() {
        return Err("empty text".into());
    }
    Ok(StancePair {
        origin: example.origin.to_string(),
        text: example.text.clone(),
        target: target.to_string(),
        label: label_id(gold),
    })
}

/// Splits `pairs` into (train, dev) with about `fraction` of the distinct
/// texts in dev, chosen by `seed`. Pairs of one text stay together, so no
/// sentence is seen in training and scored in dev.
pub fn split_dev(
    pairs: Vec<StancePair>,
    fraction: f64,
    seed: u64,
) -> (Vec<StancePair>, Vec<StancePair>) {
    if fraction <= 0.0 {
        return (pairs, Vec::new());
    }
    let mut texts: Vec<&str> = pairs.iter().map(|p| p.text.as_str()).collect();
    texts.sort_unstable();
    texts.dedup();
    let mut rng = fastrand::Rng::with_seed(seed);
    rng.shuffle(&mut texts);
    let dev_count = ((texts.len() as f64) * fraction).round() as usize;
    let dev_texts: std::collections::HashSet<String> = texts[..dev_count.min(texts.len())]
        .iter()
        .map(|t| t.to_string())
        .collect();
    pairs
        .into_iter()
        .partition(|p| !dev_texts.contains(&p.text))
}

/// Tokenizes every pair as the classifier does (the tokenizer's pair
/// template: token types 0 for the sentence, 1 for the target).
pub fn encode(tokenizer: &TextTokenizer, pairs: &[StancePair]) -> Result<Vec<Encoded>, TrainError> {
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|p| (p.text.as_str(), p.target.as_str()))
        .collect();
    let encoded = tokenizer
        .encode_pairs_typed(&refs)
        .map_err(|e| TrainError::Data(vec![format!("tokenizing {} pairs: {e}", pairs.len())]))?;
    Ok(encoded
        .into_iter()
        .zip(pairs)
        .map(|(e, pair)| Encoded {
            ids: e.ids,
            type_ids: e.type_ids,
            label: pair.label,
        })
        .collect())
}

/// Counts of each label, for the log and the card.
pub fn label_counts(pairs: &[StancePair]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for pair in pairs {
        *counts.entry(LABELS[pair.label].as_str()).or_insert(0) += 1;
    }
    counts
}
