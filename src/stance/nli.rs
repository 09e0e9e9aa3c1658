//! Stance from a natural-language-inference model, generic over
//! [`NliModel`] (the transformer engine implements it for its NLI
//! classifier; tests use small deterministic models).
//!
//! For each query sentence, the premise is the sentence itself; a context
//! sentence (see [`super::select`]) and a short sentence (under
//! `short_sentence_words` words) are preceded by the sentence before them,
//! so a pronoun or a terse line can be read. Hypotheses come from templates
//! per label with `{actor}` replaced by the actor's display name, built once
//! per actor. Every (premise, hypothesis) pair of every query of the batch
//! is deduplicated and sent to the model in chunks of `batch_size`.
//!
//! From entailment to labels: the model gives, per pair, probabilities of
//! entailment, neutral and contradiction. For a sentence, each label's score
//! is the mean entailment probability over its templates, and the label
//! probabilities are these scores normalized to sum to 1:
//! `P(l) = e_l / Σ_k e_k`. Normalizing entailment probabilities (rather than a
//! softmax over entailment logits) uses what every NLI model returns and is
//! independent of how the model's three logits are centred; it equals a
//! softmax over `log e_l`.

use std::collections::{BTreeMap, HashMap};

use crate::record::{LabelProbs, StanceLabel};

use super::batch::{Probabilities, UniqueInputs};
use super::select::sentence_in_context;
use super::{SentenceJudgment, StanceQuery, StanceScorer};

/// An NLI model: premise/hypothesis pairs in, three probabilities out.
pub trait NliModel {
    /// `name@revision`, recorded as the stance engine.
    fn describe(&self) -> String;
    /// One [`NliProbs`] per pair, in order.
    fn predict(&self, pairs: &[NliPair]) -> anyhow::Result<Vec<NliProbs>>;
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NliPair {
    pub premise: String,
    pub hypothesis: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NliProbs {
    pub entailment: f64,
    pub neutral: f64,
    pub contradiction: f64,
}

impl Probabilities for NliProbs {
    fn values(&self) -> [f64; 3] {
        [self.entailment, self.neutral, self.contradiction]
    }
}

/// Settings of the NLI stance scorer.
#[derive(Debug, Clone, PartialEq)]
pub struct NliStanceConfig {
    /// Hypothesis templates per label; `{actor}` is the actor's name.
    /// Default: one English template per label, "This text is positive about
    /// {actor}." and likewise for neutral and negative (multilingual NLI
    /// models read English hypotheses against premises in any language).
    pub templates: BTreeMap<StanceLabel, Vec<String>>,
    /// Pairs per model call (default 16).
    pub batch_size: usize,
    /// Sentences shorter than this many words get the previous sentence as
    /// context (default 8).
    pub short_sentence_words: usize,
    /// Weight of a context sentence relative to one naming the actor
    /// (default 0.5).
    pub context_weight: f64,
}

impl Default for NliStanceConfig {
    fn default() -> NliStanceConfig {
        let templates = StanceLabel::ALL
            .iter()
            .map(|l| {
                (
                    *l,
                    vec![format!("This text is {} about {{actor}}.", l.as_str())],
                )
            })
            .collect();
        NliStanceConfig {
            templates,
            batch_size: 16,
            short_sentence_words: 8,
            context_weight: 0.5,
        }
    }
}

/// Stance scorer over any NLI model.
pub struct NliStanceScorer<M: NliModel> {
    model: M,
    config: NliStanceConfig,
}

impl<M: NliModel> NliStanceScorer<M> {
    pub fn new(model: M, config: NliStanceConfig) -> anyhow::Result<NliStanceScorer<M>> {
        for label in StanceLabel::ALL {
            let ok = config
                .templates
                .get(&label)
                .is_some_and(|t| !t.is_empty() && t.iter().all(|s| s.contains("{actor}")));
            anyhow::ensure!(
                ok,
                "NLI stance templates: label {label} needs at least one template containing {{actor}}"
            );
        }
        Ok(NliStanceScorer { model, config })
    }

    pub fn model(&self) -> &M {
        &self.model
    }
}

impl<M: NliModel> StanceScorer for NliStanceScorer<M> {
    fn describe(&self) -> String {
        self.model.describe()
    }

    fn judge(&self, queries: &[StanceQuery<'_>]) -> anyhow::Result<Vec<Vec<SentenceJudgment>>> {
        let mut pairs: UniqueInputs<NliPair> = UniqueInputs::default();
        // Per query, per sentence, per label: the pair indexes of its templates.
        let mut plan: Vec<Vec<[Vec<usize>; 3]>> = Vec::with_capacity(queries.len());
        let mut hypotheses_by_actor: HashMap<&str, [Vec<String>; 3]> = HashMap::new();
        for query in queries {
            let hypotheses = hypotheses_by_actor
                .entry(query.actor.name.as_str())
                .or_insert_with(|| {
                    StanceLabel::ALL.map(|label| {
                        self.config.templates[&label]
                            .iter()
                            .map(|t| t.replace("{actor}", &query.actor.name))
                            .collect()
                    })
                })
                .clone();
            let mut per_sentence = Vec::with_capacity(query.sentences.len());
            for target in &query.sentences {
                let premise = sentence_in_context(
                    query.article,
                    target.index,
                    target.direct,
                    self.config.short_sentence_words,
                );
                let ids = std::array::from_fn(|l| {
                    hypotheses[l]
                        .iter()
                        .map(|h| {
                            pairs.intern(NliPair {
                                premise: premise.clone(),
                                hypothesis: h.clone(),
                            })
                        })
                        .collect()
                });
                per_sentence.push(ids);
            }
            plan.push(per_sentence);
        }
        let probs = pairs.predict(self.config.batch_size, &self.model.describe(), |chunk| {
            self.model.predict(chunk)
        })?;
        let judgments = queries
            .iter()
            .zip(plan)
            .map(|(query, per_sentence)| {
                query
                    .sentences
                    .iter()
                    .zip(per_sentence)
                    .map(|(target, ids)| {
                        let entail = ids.map(|pair_ids| {
                            pair_ids.iter().map(|&i| probs[i].entailment).sum::<f64>()
                                / pair_ids.len() as f64
                        });
                        SentenceJudgment {
                            sentence: target.index,
                            probs: labels_from_entailment(entail),
                            weight: if target.direct {
                                1.0
                            } else {
                                self.config.context_weight
                            },
                        }
                    })
                    .collect()
            })
            .collect();
        Ok(judgments)
    }
}

/// Label probabilities from mean entailment probabilities in
/// [`StanceLabel::ALL`] order (positive, neutral, negative).
pub fn labels_from_entailment(entail: [f64; 3]) -> LabelProbs {
    let clean = entail.map(|e| if e.is_finite() && e > 0.0 { e } else { 0.0 });
    let sum: f64 = clean.iter().sum();
    if sum <= 0.0 {
        return LabelProbs {
            positive: 1.0 / 3.0,
            neutral: 1.0 / 3.0,
            negative: 1.0 / 3.0,
        };
    }
    LabelProbs {
        positive: clean[0] / sum,
        neutral: clean[1] / sum,
        negative: clean[2] / sum,
    }
}
