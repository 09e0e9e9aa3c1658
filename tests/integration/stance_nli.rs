//! The NLI stance scorer and the shared aggregation: the math, and the same
//! results whatever the batching.

use std::cell::RefCell;

use crate::stance_common;

use newsframe::actors::{ActorMatcher, Mention};
use newsframe::record::{LabelProbs, StanceLabel};
use newsframe::stance::aggregate::aggregate;
use newsframe::stance::nli::{
    NliModel, NliPair, NliProbs, NliStanceConfig, NliStanceScorer, labels_from_entailment,
};
use newsframe::stance::select::select_sentences;
use newsframe::stance::{SentenceJudgment, StanceQuery, StanceScorer, TargetSentence};
use stance_common::{article, hashed_probs, queries, set};

/// A deterministic NLI model: probabilities from a hash of the pair, so any
/// mix-up of pairs and results shows. Records every batch it is given.
struct HashNli {
    batches: RefCell<Vec<usize>>,
}

impl HashNli {
    fn new() -> HashNli {
        HashNli {
            batches: RefCell::new(Vec::new()),
        }
    }
}

impl NliModel for HashNli {
    fn describe(&self) -> String {
        "hash-nli@test".into()
    }

    fn predict(&self, pairs: &[NliPair]) -> anyhow::Result<Vec<NliProbs>> {
        self.batches.borrow_mut().push(pairs.len());
        Ok(pairs
            .iter()
            .map(|p| {
                let [entailment, neutral, contradiction] =
                    hashed_probs(&format!("{}\u{0}{}", p.premise, p.hypothesis));
                NliProbs {
                    entailment,
                    neutral,
                    contradiction,
                }
            })
            .collect())
    }
}

#[test]
fn batched_results_equal_one_at_a_time() {
    let set = set();
    let articles = vec![
        article(
            "a",
            "The government met the opposition in Oslo. Talks went on. Guaido left.",
        ),
        article("b", "Norway hosted. The government agreed. He said yes."),
        article(
            "c",
            "Maduro spoke. The opposition, led by Guaido, walked out of the talks in Oslo.",
        ),
    ];
    let matcher = ActorMatcher::new(&set);
    let mentions: Vec<Vec<Mention>> = articles.iter().map(|a| matcher.find(a)).collect();
    let all = queries(&set, &articles, &mentions);
    assert!(all.len() >= 7);

    let config = |batch_size| NliStanceConfig {
        batch_size,
        ..NliStanceConfig::default()
    };
    let batched = NliStanceScorer::new(HashNli::new(), config(7)).unwrap();
    let together = batched.judge(&all).unwrap();
    let sizes = batched.model().batches.borrow().clone();
    assert!(
        sizes.iter().all(|&n| n <= 7) && sizes.len() > 1,
        "{sizes:?}"
    );

    let single = NliStanceScorer::new(HashNli::new(), config(1)).unwrap();
    let one_by_one: Vec<Vec<SentenceJudgment>> = all
        .iter()
        .map(|q| single.judge(std::slice::from_ref(q)).unwrap().remove(0))
        .collect();
    assert_eq!(together, one_by_one);
    assert!(single.model().batches.borrow().iter().all(|&n| n == 1));
}

#[test]
fn pairs_are_deduplicated_and_hypotheses_name_the_actor() {
    struct Recorder(RefCell<Vec<NliPair>>);
    impl NliModel for Recorder {
        fn describe(&self) -> String {
            "recorder".into()
        }
        fn predict(&self, pairs: &[NliPair]) -> anyhow::Result<Vec<NliProbs>> {
            self.0.borrow_mut().extend(pairs.iter().cloned());
            Ok(pairs
                .iter()
                .map(|_| NliProbs {
                    entailment: 0.5,
                    neutral: 0.3,
                    contradiction: 0.2,
                })
                .collect())
        }
    }
    let set = set();
    let articles = vec![article(
        "a",
        "The government praised Norway for the talks in Oslo.",
    )];
    let mentions = vec![ActorMatcher::new(&set).find(&articles[0])];
    let qs = queries(&set, &articles, &mentions);
    let scorer = NliStanceScorer::new(
        Recorder(RefCell::new(Vec::new())),
        NliStanceConfig::default(),
    )
    .unwrap();
    scorer.judge(&qs).unwrap();
    let pairs = scorer.model().0.borrow().clone();
    // 2 actors × 1 sentence × 3 labels, each pair once.
    assert_eq!(pairs.len(), 6);
    assert!(
        pairs
            .iter()
            .any(|p| p.hypothesis == "This text is negative about Norway.")
    );
    assert!(
        pairs
            .iter()
            .any(|p| p.hypothesis == "This text is positive about the government.")
    );
}

#[test]
fn entailment_probabilities_are_normalized_per_label() {
    let p = labels_from_entailment([0.6, 0.3, 0.1]);
    assert!((p.positive - 0.6).abs() < 1e-12 && (p.negative - 0.1).abs() < 1e-12);
    let p = labels_from_entailment([0.2, 0.2, 0.4]);
    assert!((p.negative - 0.5).abs() < 1e-12 && (p.positive - 0.25).abs() < 1e-12);
    let p = labels_from_entailment([0.0, 0.0, 0.0]);
    assert!((p.neutral - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn short_and_context_sentences_get_the_sentence_before() {
    struct Premises(RefCell<Vec<String>>);
    impl NliModel for Premises {
        fn describe(&self) -> String {
            "premises".into()
        }
        fn predict(&self, pairs: &[NliPair]) -> anyhow::Result<Vec<NliProbs>> {
            self.0
                .borrow_mut()
                .extend(pairs.iter().map(|p| p.premise.clone()));
            Ok(vec![
                NliProbs {
                    entailment: 1.0,
                    neutral: 0.0,
                    contradiction: 0.0
                };
                pairs.len()
            ])
        }
    }
    let set = set();
    let a = article(
        "a",
        "Troops gathered near the border at dawn on Monday. Maduro refused. He later left for a rally in the capital city.",
    );
    let mentions = ActorMatcher::new(&set).find(&a);
    let q = StanceQuery {
        article: &a,
        actor_index: 0,
        actor: &set.actors[0],
        mentions: &mentions,
        sentences: vec![
            TargetSentence {
                index: 1,
                direct: true,
            },
            TargetSentence {
                index: 2,
                direct: false,
            },
        ],
    };
    let scorer = NliStanceScorer::new(
        Premises(RefCell::new(Vec::new())),
        NliStanceConfig::default(),
    )
    .unwrap();
    let judged = scorer.judge(&[q]).unwrap();
    let premises = scorer.model().0.borrow().clone();
    assert!(premises.contains(
        &"Troops gathered near the border at dawn on Monday. Maduro refused.".to_string()
    ));
    assert!(
        premises.contains(
            &"Maduro refused. He later left for a rally in the capital city.".to_string()
        )
    );
    assert_eq!(judged[0][1].weight, 0.5);
}

fn probs(positive: f64, neutral: f64, negative: f64) -> LabelProbs {
    LabelProbs {
        positive,
        neutral,
        negative,
    }
}

#[test]
fn aggregation_is_a_confidence_weighted_mean() {
    let judgments = [
        SentenceJudgment {
            sentence: 0,
            probs: probs(0.1, 0.2, 0.7),
            weight: 1.0,
        },
        SentenceJudgment {
            sentence: 3,
            probs: probs(0.5, 0.4, 0.1),
            weight: 3.0,
        },
    ];
    let agg = aggregate(&judgments).unwrap();
    // Weights: 1 × 0.7 and 3 × 0.5.
    let (w0, w1) = (0.7, 1.5);
    let pos = (w0 * 0.1 + w1 * 0.5) / (w0 + w1);
    let neg = (w0 * 0.7 + w1 * 0.1) / (w0 + w1);
    assert!((agg.probs.positive - pos).abs() < 1e-12);
    assert!((agg.probs.negative - neg).abs() < 1e-12);
    assert!((agg.probs.positive + agg.probs.neutral + agg.probs.negative - 1.0).abs() < 1e-12);
    assert!((agg.score - (pos - neg)).abs() < 1e-12);
    assert_eq!(agg.label, StanceLabel::Positive);
    assert!((agg.confidence - pos).abs() < 1e-12);
    // Evidence: the sentence agreeing with the label comes first.
    assert_eq!(agg.ranked[0].sentence, 3);
}

#[test]
fn aggregation_of_nothing_is_null_and_ties_go_to_neutral() {
    assert!(aggregate(&[]).is_none());
    let tie = aggregate(&[SentenceJudgment {
        sentence: 0,
        probs: probs(0.4, 0.2, 0.4),
        weight: 1.0,
    }])
    .unwrap();
    assert_eq!(tie.label, StanceLabel::Negative);
    let flat = aggregate(&[SentenceJudgment {
        sentence: 0,
        probs: probs(1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0),
        weight: 1.0,
    }])
    .unwrap();
    assert_eq!(flat.label, StanceLabel::Neutral);
    assert!(flat.score.abs() < 1e-12);
}

#[test]
fn mention_cap_keeps_direct_and_informative_sentences() {
    let set = set();
    let a = article(
        "a",
        "Maduro spoke. Maduro waved. The brutal crackdown by Maduro continued. Maduro ate. He slept.",
    );
    let mentions = ActorMatcher::new(&set).find(&a);
    let picked = select_sentences(&a, 0, &mentions, 2, |s| if s == 2 { 3.0 } else { 0.0 });
    let idx: Vec<usize> = picked.iter().map(|t| t.index).collect();
    assert_eq!(idx, [0, 2]);
    let all = select_sentences(&a, 0, &mentions, 0, |_| 0.0);
    assert_eq!(all.len(), 5);
    assert!(!all[4].direct, "the pronoun sentence is context");
}
