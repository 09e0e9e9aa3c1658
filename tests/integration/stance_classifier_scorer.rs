//! The classifier stance scorer over a deterministic model: which pairs it
//! builds (the mention as written, context sentences), deduplication, and
//! the same judgments whatever the batching.

use std::cell::RefCell;

use crate::stance_common;

use newsframe::actors::{ActorMatcher, Mention};
use newsframe::record::LabelProbs;
use newsframe::stance::classifier::{
    ClassifierStanceConfig, ClassifierStanceScorer, TargetPair, TargetSentimentModel,
};
use newsframe::stance::{SentenceJudgment, StanceScorer};
use stance_common::{article, hashed_probs, queries, set};

/// Probabilities from a hash of the pair, so any mix-up of pairs and
/// results shows. Records every pair and batch it is given.
#[derive(Default)]
struct HashModel {
    batches: RefCell<Vec<usize>>,
    seen: RefCell<Vec<TargetPair>>,
}

impl TargetSentimentModel for HashModel {
    fn describe(&self) -> String {
        "hash-classifier@test".into()
    }

    fn predict(&self, pairs: &[TargetPair]) -> anyhow::Result<Vec<LabelProbs>> {
        self.batches.borrow_mut().push(pairs.len());
        self.seen.borrow_mut().extend(pairs.iter().cloned());
        Ok(pairs
            .iter()
            .map(|p| {
                let [positive, neutral, negative] =
                    hashed_probs(&format!("{}\u{0}{}", p.sentence, p.target));
                LabelProbs {
                    positive,
                    neutral,
                    negative,
                }
            })
            .collect())
    }
}

fn scorer(batch_size: usize) -> ClassifierStanceScorer<HashModel> {
    ClassifierStanceScorer::new(
        HashModel::default(),
        ClassifierStanceConfig {
            batch_size,
            ..ClassifierStanceConfig::default()
        },
    )
}

#[test]
fn batch_size_one_equals_batch_size_64_and_query_by_query() {
    let set = set();
    let articles = vec![
        article(
            "a",
            "The government met the opposition in Oslo to discuss the long crisis. \
             Talks went on. Guaido left.",
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

    let big = scorer(64);
    let together = big.judge(&all).unwrap();
    assert_eq!(big.model().batches.borrow().len(), 1);

    let small = scorer(1);
    let one_at_a_time = small.judge(&all).unwrap();
    assert!(small.model().batches.borrow().iter().all(|&n| n == 1));
    assert_eq!(together, one_at_a_time);

    let per_query: Vec<Vec<SentenceJudgment>> = all
        .iter()
        .map(|q| scorer(3).judge(std::slice::from_ref(q)).unwrap().remove(0))
        .collect();
    assert_eq!(together, per_query);
    for (query, judged) in all.iter().zip(&together) {
        assert_eq!(judged.len(), query.sentences.len());
    }
}

#[test]
fn one_pair_per_sentence_with_the_mention_as_written_each_sent_once() {
    let set = set();
    // Two articles with the same sentence: its pairs go to the model once.
    let text = "The opposition praised Norway for hosting the talks in Oslo this week.";
    let articles = vec![article("a", text), article("b", text)];
    let matcher = ActorMatcher::new(&set);
    let mentions: Vec<Vec<Mention>> = articles.iter().map(|a| matcher.find(a)).collect();
    let qs = queries(&set, &articles, &mentions);
    assert_eq!(qs.len(), 4);
    let scorer = scorer(16);
    let judged = scorer.judge(&qs).unwrap();
    let seen = scorer.model().seen.borrow().clone();
    // Norway is named twice (Norway, Oslo): one pair, with its first mention.
    assert_eq!(
        seen,
        vec![
            TargetPair {
                sentence: text.into(),
                target: "opposition".into()
            },
            TargetPair {
                sentence: text.into(),
                target: "Norway".into()
            },
        ]
    );
    assert_eq!(judged[0], judged[2]);
    assert_eq!(judged[1], judged[3]);
    assert!(judged.iter().all(|j| j.len() == 1 && j[0].weight == 1.0));
}

#[test]
fn a_context_sentence_reads_the_sentence_before_and_its_mention() {
    let set = set();
    let articles = vec![article(
        "a",
        "Guaido staged a rally in the capital on Saturday afternoon.\n\nHe then called for new elections before the end of the year.",
    )];
    let mentions = vec![ActorMatcher::new(&set).find(&articles[0])];
    let qs = queries(&set, &articles, &mentions);
    assert_eq!(qs.len(), 1);
    assert_eq!(qs[0].sentences.len(), 2, "{:?}", qs[0].sentences);
    let scorer = scorer(16);
    let judged = scorer.judge(&qs).unwrap();
    let seen = scorer.model().seen.borrow().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|p| p.target == "Guaido"));
    assert!(seen[1].sentence.starts_with("Guaido staged") && seen[1].sentence.ends_with("year."));
    assert_eq!(judged[0][1].weight, 0.5);
}

#[test]
fn a_model_answering_the_wrong_count_is_an_error() {
    struct Short;
    impl TargetSentimentModel for Short {
        fn describe(&self) -> String {
            "short@test".into()
        }
        fn predict(&self, _: &[TargetPair]) -> anyhow::Result<Vec<LabelProbs>> {
            Ok(Vec::new())
        }
    }
    let set = set();
    let articles = vec![article("a", "Norway hosted the talks.")];
    let mentions = vec![ActorMatcher::new(&set).find(&articles[0])];
    let qs = queries(&set, &articles, &mentions);
    let err = ClassifierStanceScorer::new(Short, ClassifierStanceConfig::default())
        .judge(&qs)
        .unwrap_err()
        .to_string();
    assert!(err.contains("short@test"), "{err}");
}
