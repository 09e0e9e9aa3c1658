//! Stance: how an article treats each actor it mentions.
//!
//! The contract is [`StanceScorer`]: given a batch of [`StanceQuery`]s (one
//! per article × mentioned actor, across many articles) it judges each query's
//! sentences, returning per-sentence label probabilities. Aggregation into
//! the record's label, score, confidence and evidence is shared by every
//! scorer ([`aggregate`]), as is the choice of which sentences to judge
//! ([`select`]). Scorers: the builtin lexicon scorer ([`lexicon`]), the
//! NLI scorer, generic over any [`nli::NliModel`] ([`nli`]), and the
//! target-sentiment classifier scorer, generic over any
//! [`classifier::TargetSentimentModel`] ([`classifier`]). The model scorers
//! send each distinct input once per batch ([`batch`]).

pub mod aggregate;
pub mod batch;
pub mod classifier;
pub mod lexicon;
pub mod nli;
pub mod select;

use crate::actors::{Actor, Mention};
use crate::article::Article;
use crate::record::LabelProbs;

/// A sentence to judge for one actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetSentence {
    /// Sentence index in the article.
    pub index: usize,
    /// True when the sentence names the actor; false for a context sentence
    /// that follows one naming it as its first actor and names no actor
    /// itself (`Guaidó … . He then …`).
    pub direct: bool,
}

/// One article × actor pair to score.
#[derive(Debug, Clone)]
pub struct StanceQuery<'a> {
    pub article: &'a Article,
    /// Index of the actor in the actor set (matches [`Mention::actor`]).
    pub actor_index: usize,
    pub actor: &'a Actor,
    /// Every mention of every actor in the article, in text order: scorers
    /// that weigh competing targets need them all.
    pub mentions: &'a [Mention],
    /// The sentences to judge, in article order (see [`select`]).
    pub sentences: Vec<TargetSentence>,
}

/// A scorer's judgment of one sentence for one actor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SentenceJudgment {
    pub sentence: usize,
    pub probs: LabelProbs,
    /// Relative importance of the sentence in the aggregate (> 0), before
    /// confidence weighting: context sentences and sentences without
    /// evaluative language weigh less.
    pub weight: f64,
}

/// Scores batches of queries. Implementations must be deterministic and
/// give the same judgments whatever the batch composition.
pub trait StanceScorer {
    /// `name@version` of the engine, recorded in `EngineInfo::stance`.
    fn describe(&self) -> String;
    /// One list of judgments per query, one judgment per target sentence,
    /// in the order of `query.sentences`.
    fn judge(&self, queries: &[StanceQuery<'_>]) -> anyhow::Result<Vec<Vec<SentenceJudgment>>>;
}
