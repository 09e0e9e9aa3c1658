//! Aggregation of sentence judgments into one stance per actor, shared by
//! every scorer.
//!
//! Each sentence `i` has probabilities `p_i` and a scorer weight `w_i`. Its
//! aggregate weight is `w_i · c_i` with `c_i = max(p_i)`, the sentence's own
//! confidence, so clear sentences count more than hesitant ones. The
//! aggregate probabilities are the weighted mean `Σ w_i c_i p_i / Σ w_i c_i`
//! (they sum to 1); the label is their argmax (ties: neutral, then
//! negative); the score is `P(positive) − P(negative)` in [−1, 1]; the
//! confidence is the aggregate probability of the label. Evidence: the
//! sentences agreeing with the label first, then by their probability of
//! their own label, at most `evidence` of them.
//!
//! ```
//! use newsframe::record::{LabelProbs, StanceLabel};
//! use newsframe::stance::{SentenceJudgment, aggregate::aggregate};
//!
//! let neg = LabelProbs { positive: 0.1, neutral: 0.2, negative: 0.7 };
//! let agg = aggregate(&[SentenceJudgment { sentence: 0, probs: neg, weight: 1.0 }]).unwrap();
//! assert_eq!(agg.label, StanceLabel::Negative);
//! assert!((agg.score + 0.6).abs() < 1e-12);
//! ```

use crate::record::{LabelProbs, StanceLabel};

use super::SentenceJudgment;

/// The aggregate stance of one article toward one actor.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub label: StanceLabel,
    pub score: f64,
    pub confidence: f64,
    pub probs: LabelProbs,
    /// Judgments ranked as evidence, best first (all of them; callers cut).
    pub ranked: Vec<SentenceJudgment>,
}

/// Aggregates judgments; `None` when there are none (the actor was not
/// judged, so its stance is null, never neutral).
pub fn aggregate(judgments: &[SentenceJudgment]) -> Option<Aggregate> {
    if judgments.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut sum = [0.0f64; 3];
    for j in judgments {
        let p = normalized(j.probs);
        let w = j.weight.max(0.0) * max_prob(p);
        total += w;
        sum[0] += w * p.positive;
        sum[1] += w * p.neutral;
        sum[2] += w * p.negative;
    }
    let probs = if total > 0.0 {
        LabelProbs {
            positive: sum[0] / total,
            neutral: sum[1] / total,
            negative: sum[2] / total,
        }
    } else {
        // All weights zero: fall back to the plain mean.
        let n = judgments.len() as f64;
        let mean = |f: fn(&LabelProbs) -> f64| {
            judgments
                .iter()
                .map(|j| f(&normalized(j.probs)))
                .sum::<f64>()
                / n
        };
        LabelProbs {
            positive: mean(|p| p.positive),
            neutral: mean(|p| p.neutral),
            negative: mean(|p| p.negative),
        }
    };
    let label = probs.argmax();
    let mut ranked = judgments.to_vec();
    ranked.sort_by(|a, b| {
        let agree = |j: &SentenceJudgment| j.probs.argmax() == label;
        agree(b)
            .cmp(&agree(a))
            .then(max_prob(b.probs).total_cmp(&max_prob(a.probs)))
            .then(a.sentence.cmp(&b.sentence))
    });
    Some(Aggregate {
        label,
        score: probs.score(),
        confidence: probs.get(label),
        probs,
        ranked,
    })
}

fn max_prob(p: LabelProbs) -> f64 {
    p.positive.max(p.neutral).max(p.negative)
}

/// Guards against scorers whose probabilities do not quite sum to 1.
fn normalized(p: LabelProbs) -> LabelProbs {
    let sum = p.positive + p.neutral + p.negative;
    if sum > 0.0 && sum.is_finite() {
        LabelProbs {
            positive: p.positive / sum,
            neutral: p.neutral / sum,
            negative: p.negative / sum,
        }
    } else {
        LabelProbs {
            positive: 1.0 / 3.0,
            neutral: 1.0 / 3.0,
            negative: 1.0 / 3.0,
        }
    }
}
