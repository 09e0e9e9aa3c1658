//! Scores stance predictions against gold labels: accuracy, macro-F1,
//! per-class precision/recall/F1, the confusion matrix, SemEval's F_avg,
//! bootstrap intervals, and breakdowns per language and per actor.
//!
//! Scoring rules:
//! - An actor whose gold label is null (not mentioned in the article) is
//!   left out of the stance metrics. It is scored as mention detection
//!   instead: gold mentioned or not vs. predicted `mentions > 0`.
//! - A gold label with no usable prediction (no record, the system found no
//!   mention, or a label outside the dataset's classes) counts as wrong and
//!   shows in the confusion matrix's `missing` column.
//! - The classes are the dataset's classes that occur in the gold labels or
//!   the predictions (scikit-learn's default label set); macro-F1 averages
//!   their F1.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::eval::classify::{ClassMetrics, MentionDetection};
use crate::eval::datasets::StanceExample;
use crate::eval::labels::LabelScheme;
use crate::eval::language_of;
use crate::eval::predictions::StancePredictions;
use crate::record::StanceLabel;
use crate::stats::{BootstrapConfig, Interval, interval};

/// Per-class scores.
#[derive(Debug, Clone, Serialize)]
pub struct ClassScore {
    pub label: &'static str,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Metrics over a group of examples.
#[derive(Debug, Clone, Serialize)]
pub struct StanceGroup {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f_avg: Option<f64>,
    pub missing: usize,
}

/// Mention detection scores.
#[derive(Debug, Clone, Serialize)]
pub struct MentionReport {
    #[serde(flatten)]
    pub counts: MentionDetection,
    pub precision: f64,
    pub recall: f64,
    pub accuracy: f64,
}

/// The result of stance evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct StanceEvaluation {
    pub scheme: LabelScheme,
    /// Class names in the dataset's convention, in matrix order.
    pub labels: Vec<&'static str>,
    pub overall: StanceGroup,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_ci: Option<Interval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub macro_f1_ci: Option<Interval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f_avg_ci: Option<Interval>,
    pub per_class: Vec<ClassScore>,
    /// `confusion[gold][pred]`, columns `labels` then `missing`.
    pub confusion: Vec<Vec<usize>>,
    /// Gold-null (not mentioned) actors, left out of the stance metrics.
    pub gold_not_mentioned: usize,
    /// Present when the data has not-mentioned actors or the predictions
    /// report mentions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mention_detection: Option<MentionReport>,
    pub by_language: BTreeMap<String, StanceGroup>,
    pub by_actor: BTreeMap<String, StanceGroup>,
    /// Examples whose id (and actor) no prediction matched.
    pub unmatched: usize,
    /// Every example's gold and predicted label, in dataset order
    /// (`--per-example`; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<ExampleStance>,
}

/// One example's labels; null gold means the actor is not mentioned, null
/// prediction means no usable prediction.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleStance {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub gold: Option<&'static str>,
    pub predicted: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted_mentions: Option<usize>,
}

/// Scores `predictions` against `examples`.
pub fn evaluate(
    examples: &[StanceExample],
    scheme: LabelScheme,
    predictions: &StancePredictions,
    bootstrap: &BootstrapConfig,
) -> StanceEvaluation {
    let mut mentions = MentionDetection::default();
    let mut mentions_reported = false;
    let mut gold_not_mentioned = 0;
    let mut unmatched = 0;
    let mut per_example = Vec::with_capacity(examples.len());
    // (gold, predicted label or None, lang, actor) of every scored example.
    let mut scored: Vec<(StanceLabel, Option<StanceLabel>, String, String)> = Vec::new();
    for example in examples {
        let pred = predictions.get(&example.article_id, example.actor.as_deref());
        if pred.is_none() {
            unmatched += 1;
        }
        per_example.push(ExampleStance {
            id: example.id.clone(),
            actor: example.actor.clone(),
            gold: example.gold.map(|g| scheme.name(g)),
            predicted: pred.and_then(|p| p.label).map(|l| scheme.name(l)),
            predicted_mentions: pred.and_then(|p| p.mentions),
        });
        if let Some(p) = pred {
            mentions_reported |= p.mentions.is_some();
            mentions.add(example.gold.is_some(), p.mentioned());
        }
        let Some(gold) = example.gold else {
            gold_not_mentioned += 1;
            continue;
        };
        let lang = language_of(example.lang.as_deref(), &[&example.text]);
        let actor = example.actor.clone().unwrap_or_else(|| "-".to_string());
        scored.push((gold, pred.and_then(|p| p.label), lang, actor));
    }
    // The scheme's classes that occur, plus any gold label outside the
    // scheme (e.g. NONE in X-Stance-shaped data) so that no gold label is
    // dropped; predictions outside these classes count as missing.
    let classes: Vec<StanceLabel> = StanceLabel::ALL
        .iter()
        .rev()
        .copied()
        .filter(|c| {
            let in_gold = scored.iter().any(|(g, ..)| g == c);
            let in_pred = scored.iter().any(|(_, p, ..)| p.as_ref() == Some(c));
            in_gold || (in_pred && scheme.classes().contains(c))
        })
        .collect();
    let index = |l: StanceLabel| classes.iter().position(|&c| c == l);
    let gold: Vec<usize> = scored
        .iter()
        .map(|(g, ..)| index(*g).expect("gold labels are classes"))
        .collect();
    let pred: Vec<Option<usize>> = scored.iter().map(|(_, p, ..)| p.and_then(index)).collect();
    let f_avg_classes = if scheme.uses_f_avg() {
        index(StanceLabel::Positive).zip(index(StanceLabel::Negative))
    } else {
        None
    };
    let metrics_of = |idx: &[usize]| -> ClassMetrics {
        let g: Vec<usize> = idx.iter().map(|&i| gold[i]).collect();
        let p: Vec<Option<usize>> = idx.iter().map(|&i| pred[i]).collect();
        ClassMetrics::compute(classes.len(), &g, &p)
    };
    // A breakdown group averages F1 over the classes that occur in it (as
    // scikit-learn does on that subset), so a group without, say, positive
    // examples is not marked down for a class it cannot have.
    let group_of = |idx: &[usize]| -> StanceGroup {
        let m = metrics_of(idx);
        let present: Vec<usize> = (0..classes.len())
            .filter(|&c| m.support[c] > 0 || m.confusion.iter().any(|row| row[c] > 0))
            .collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|&c| m.f1[c]).sum::<f64>() / present.len() as f64
        };
        StanceGroup {
            n: m.n,
            accuracy: m.accuracy,
            macro_f1,
            f_avg: f_avg_classes.map(|(f, a)| m.f_avg(f, a)),
            missing: m.missing,
        }
    };
    let all: Vec<usize> = (0..scored.len()).collect();
    let metrics = metrics_of(&all);
    let ci = |stat: &dyn Fn(&ClassMetrics) -> f64| {
        interval(all.len(), bootstrap, |idx| stat(&metrics_of(idx)))
    };
    let mut by_lang: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_actor: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (_, _, lang, actor)) in scored.iter().enumerate() {
        by_lang.entry(lang.clone()).or_default().push(i);
        by_actor.entry(actor.clone()).or_default().push(i);
    }
    StanceEvaluation {
        scheme,
        labels: classes.iter().map(|&c| scheme.name(c)).collect(),
        overall: group_of(&all),
        accuracy_ci: ci(&|m| m.accuracy),
        macro_f1_ci: ci(&|m| m.macro_f1),
        f_avg_ci: f_avg_classes.and_then(|(f, a)| ci(&|m| m.f_avg(f, a))),
        per_class: classes
            .iter()
            .enumerate()
            .map(|(c, &label)| ClassScore {
                label: scheme.name(label),
                precision: metrics.precision[c],
                recall: metrics.recall[c],
                f1: metrics.f1[c],
                support: metrics.support[c],
            })
            .collect(),
        confusion: metrics.confusion.clone(),
        gold_not_mentioned,
        mention_detection: (gold_not_mentioned > 0 || mentions_reported).then(|| MentionReport {
            counts: mentions,
            precision: mentions.precision(),
            recall: mentions.recall(),
            accuracy: mentions.accuracy(),
        }),
        by_language: by_lang
            .iter()
            .map(|(k, idx)| (k.clone(), group_of(idx)))
            .collect(),
        by_actor: by_actor
            .iter()
            .map(|(k, idx)| (k.clone(), group_of(idx)))
            .collect(),
        unmatched,
        examples: per_example,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Origin;
    use crate::eval::predictions::StancePrediction;

    fn example(id: &str, gold: Option<StanceLabel>) -> StanceExample {
        StanceExample {
            id: id.to_string(),
            article_id: id.to_string(),
            origin: Origin::file("x"),
            actor: Some("q".to_string()),
            lang: Some("de".to_string()),
            title: None,
            text: String::new(),
            gold,
            spans: Vec::new(),
        }
    }

    fn predict(preds: &mut StancePredictions, id: &str, label: StanceLabel) {
        preds.by_key.insert(
            (id.to_string(), None),
            StancePrediction {
                label: Some(label),
                mentions: None,
            },
        );
    }

    #[test]
    fn labels_outside_the_scheme_neither_panic_nor_vanish() {
        let examples = [
            example("a", Some(StanceLabel::Positive)),
            example("b", Some(StanceLabel::Neutral)), // NONE in two-class data
            example("c", Some(StanceLabel::Negative)),
        ];
        let mut preds = StancePredictions::default();
        predict(&mut preds, "a", StanceLabel::Neutral); // outside: missing
        predict(&mut preds, "b", StanceLabel::Neutral);
        predict(&mut preds, "c", StanceLabel::Negative);
        let config = BootstrapConfig {
            samples: 50,
            ..BootstrapConfig::default()
        };
        let e = evaluate(&examples, LabelScheme::Xstance, &preds, &config);
        assert_eq!(e.labels, ["AGAINST", "NONE", "FAVOR"]);
        assert_eq!(e.overall.n, 3);
        assert!((e.overall.accuracy - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn null_gold_is_mention_detection_only() {
        let examples = [
            example("a", Some(StanceLabel::Positive)),
            example("b", None),
        ];
        let mut preds = StancePredictions::default();
        predict(&mut preds, "a", StanceLabel::Positive);
        predict(&mut preds, "b", StanceLabel::Negative);
        let e = evaluate(
            &examples,
            LabelScheme::Sentiment,
            &preds,
            &BootstrapConfig::default(),
        );
        assert_eq!(e.overall.n, 1);
        assert_eq!(e.gold_not_mentioned, 1);
        let m = e.mention_detection.unwrap();
        assert_eq!(m.counts.false_positive, 1);
        assert_eq!(m.counts.true_positive, 1);
    }
}
