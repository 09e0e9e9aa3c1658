//! Stance from a target-sentiment classifier, generic over
//! [`TargetSentimentModel`] (the transformer engine implements it for its
//! sequence classifier; tests use small deterministic models).
//!
//! One model input per judged sentence: the pair (sentence, target). The
//! sentence is read as the NLI scorer reads it
//! ([`super::select::sentence_in_context`]: a context sentence and a short
//! one come after the sentence before them). The target is the actor's first
//! mention in that sentence as it is written there (`"Guaidó"`, `"the
//! opposition"`); for a context sentence, which names no actor, it is the
//! actor's first mention in the sentence before, which the input includes.
//! Every pair of every query of the batch is deduplicated and sent to the
//! model in chunks of `batch_size`; the model's probabilities are the
//! sentence's label probabilities, weighted and aggregated like every
//! scorer's ([`super::aggregate`]).

use crate::actors::Mention;
use crate::record::LabelProbs;

use super::batch::UniqueInputs;
use super::select::sentence_in_context;
use super::{SentenceJudgment, StanceQuery, StanceScorer};

/// A target-sentiment model: (sentence, target) pairs in, label
/// probabilities out.
pub trait TargetSentimentModel {
    /// `name@revision`, recorded as the stance engine.
    fn describe(&self) -> String;
    /// One [`LabelProbs`] per pair, in order.
    fn predict(&self, pairs: &[TargetPair]) -> anyhow::Result<Vec<LabelProbs>>;
}

/// One model input: the text to read and the target as written in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetPair {
    pub sentence: String,
    pub target: String,
}

/// Settings of the classifier stance scorer.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierStanceConfig {
    /// Pairs per model call (default 16).
    pub batch_size: usize,
    /// Sentences shorter than this many words get the previous sentence as
    /// context (default 8, as for NLI).
    pub short_sentence_words: usize,
    /// Weight of a context sentence relative to one naming the actor
    /// (default 0.5, as for NLI).
    pub context_weight: f64,
}

impl Default for ClassifierStanceConfig {
    fn default() -> Self {
        ClassifierStanceConfig {
            batch_size: 16,
            short_sentence_words: 8,
            context_weight: 0.5,
        }
    }
}

/// Stance scorer over any target-sentiment model.
pub struct ClassifierStanceScorer<M: TargetSentimentModel> {
    model: M,
    config: ClassifierStanceConfig,
}

impl<M: TargetSentimentModel> ClassifierStanceScorer<M> {
    pub fn new(model: M, config: ClassifierStanceConfig) -> ClassifierStanceScorer<M> {
        ClassifierStanceScorer { model, config }
    }

    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model input for target sentence `index` of a query.
    fn pair(&self, query: &StanceQuery<'_>, index: usize, direct: bool) -> TargetPair {
        let article = query.article;
        let named_in = if direct {
            index
        } else {
            index.saturating_sub(1)
        };
        let target = first_mention(query.mentions, query.actor_index, named_in)
            .map(|m| article.body[m.span.start..m.span.end].to_string())
            // select_sentences only picks sentences with a mention at hand;
            // the display name keeps a malformed query answerable.
            .unwrap_or_else(|| query.actor.name.clone());
        TargetPair {
            sentence: sentence_in_context(article, index, direct, self.config.short_sentence_words),
            target,
        }
    }
}

fn first_mention(mentions: &[Mention], actor: usize, sentence: usize) -> Option<&Mention> {
    mentions
        .iter()
        .find(|m| m.actor == actor && m.sentence == sentence)
}

impl<M: TargetSentimentModel> StanceScorer for ClassifierStanceScorer<M> {
    fn describe(&self) -> String {
        self.model.describe()
    }

    fn judge(&self, queries: &[StanceQuery<'_>]) -> anyhow::Result<Vec<Vec<SentenceJudgment>>> {
        let mut pairs: UniqueInputs<TargetPair> = UniqueInputs::default();
        let plan: Vec<Vec<usize>> = queries
            .iter()
            .map(|query| {
                query
                    .sentences
                    .iter()
                    .map(|t| pairs.intern(self.pair(query, t.index, t.direct)))
                    .collect()
            })
            .collect();
        let probs = pairs.predict(self.config.batch_size, &self.model.describe(), |chunk| {
            self.model.predict(chunk)
        })?;
        Ok(queries
            .iter()
            .zip(plan)
            .map(|(query, ids)| {
                query
                    .sentences
                    .iter()
                    .zip(ids)
                    .map(|(target, i)| SentenceJudgment {
                        sentence: target.index,
                        probs: probs[i],
                        weight: if target.direct {
                            1.0
                        } else {
                            self.config.context_weight
                        },
                    })
                    .collect()
            })
            .collect())
    }
}
