//! The pipeline as a library: engines of the caller's choice, shared
//! batches that give the same records as single articles, and failures
//! isolated to the article that caused them.

use newsframe::actors::ActorSet;
use newsframe::article::{Article, ArticleMeta, Origin, RawArticle};
use newsframe::engine::{EngineChoice, Engines};
use newsframe::pipeline::{Pipeline, PipelineConfig};
use newsframe::preprocess::{PreprocessConfig, preprocess};
use newsframe::record::Record;
use newsframe::stance::nli::{NliModel, NliPair, NliProbs, NliStanceConfig, NliStanceScorer};
use newsframe::summarize::builtin::BuiltinSummarizer;

/// Entailment grows with the hypothesis label's word in the premise, so
/// results depend on the pair; fails on premises containing `EXPLODE`.
struct WordNli;

impl NliModel for WordNli {
    fn describe(&self) -> String {
        "word-nli@test".into()
    }

    fn predict(&self, pairs: &[NliPair]) -> anyhow::Result<Vec<NliProbs>> {
        pairs
            .iter()
            .map(|p| {
                anyhow::ensure!(
                    !p.premise.contains("EXPLODE"),
                    "model failed on this premise"
                );
                let premise = p.premise.to_lowercase();
                let cue =
                    |words: &[&str]| words.iter().filter(|w| premise.contains(*w)).count() as f64;
                let e = if p.hypothesis.contains("positive") {
                    0.1 + cue(&["brokering", "praised", "support"])
                } else if p.hypothesis.contains("negative") {
                    0.1 + cue(&["threat", "coup", "corrupt"])
                } else {
                    0.5
                };
                let e = e / (e + 1.0);
                Ok(NliProbs {
                    entailment: e,
                    neutral: (1.0 - e) / 2.0,
                    contradiction: (1.0 - e) / 2.0,
                })
            })
            .collect()
    }
}

fn article(id: &str, text: &str) -> Article {
    let meta = ArticleMeta {
        id: Some(id.to_string()),
        ..ArticleMeta::default()
    };
    preprocess(
        RawArticle::new(Origin::file(format!("{id}.txt")), meta, text.to_string()),
        &PreprocessConfig::default(),
    )
}

fn config() -> PipelineConfig {
    let mut set = ActorSet::empty("test");
    set.add_inline("gov:the government=government|Maduro")
        .unwrap();
    set.add_inline("us:the United States=US|Washington")
        .unwrap();
    set.add_inline("no:Norway=Norway|Oslo").unwrap();
    PipelineConfig::new(set)
}

fn nli_pipeline(batch_size: usize) -> Pipeline {
    let config = config();
    let nli = NliStanceConfig {
        batch_size,
        ..NliStanceConfig::default()
    };
    let engines = Engines {
        summarizer: Box::new(BuiltinSummarizer::new(config.engine.extractive.clone())),
        scorer: Box::new(NliStanceScorer::new(WordNli, nli).unwrap()),
    };
    Pipeline::with_engines(config, engines).unwrap()
}

fn articles() -> Vec<Article> {
    vec![
        article(
            "a",
            "Norway is brokering talks in Oslo. The government attended the talks.",
        ),
        article(
            "b",
            "The US made a threat against the government. Washington praised Norway.",
        ),
        article("c", "The harvest was late."),
        article(
            "d",
            "The government called the US corrupt. Maduro spoke in Caracas on Monday at length.",
        ),
    ]
}

#[test]
fn shared_batches_give_the_same_records_as_single_articles() {
    let articles = articles();
    let together = nli_pipeline(5).analyze(&articles);
    let single = nli_pipeline(1);
    let one_by_one: Vec<Record> = articles
        .iter()
        .flat_map(|a| single.analyze(std::slice::from_ref(a)))
        .collect();
    assert_eq!(together, one_by_one);
    let Record::Analysis(b) = &together[1] else {
        panic!("{:?}", together[1])
    };
    assert_eq!(b.engine.stance.as_deref(), Some("word-nli@test"));
    let us = b.actors.iter().find(|s| s.id == "us").unwrap();
    assert_eq!(us.stance.map(|l| l.as_str()), Some("negative"));
    let Record::Analysis(c) = &together[2] else {
        panic!()
    };
    assert!(
        c.actors
            .iter()
            .all(|s| s.mentions == 0 && s.stance.is_none())
    );
    assert!(c.warnings.iter().any(|w| w.contains("no actor")));
}

#[test]
fn a_failing_article_does_not_take_the_batch_down() {
    let mut articles = articles();
    articles.insert(1, article("bad", "The government EXPLODE talks."));
    let records = nli_pipeline(16).analyze(&articles);
    assert_eq!(records.len(), 5);
    match &records[1] {
        Record::Failed(f) => {
            assert_eq!(f.id.as_deref(), Some("bad"));
            assert!(f.error.contains("model failed"), "{}", f.error);
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(
        records
            .iter()
            .enumerate()
            .all(|(i, r)| i == 1 || matches!(r, Record::Analysis(_)))
    );
}

#[test]
fn builtin_pipeline_needs_nothing_installed() {
    let mut config = config();
    config.engine.choice = EngineChoice::Builtin;
    let pipeline = Pipeline::new(config).unwrap();
    assert!(pipeline.notice().is_none());
    let records = pipeline.analyze(&articles());
    let Record::Analysis(a) = &records[0] else {
        panic!()
    };
    // Judged, whatever the label: `Norway is brokering talks` reads as
    // neutral reporting to the builtin model fitted on real news.
    assert!(
        a.actors
            .iter()
            .find(|s| s.id == "no")
            .unwrap()
            .stance
            .is_some()
    );
    assert!(a.summary.as_ref().is_some_and(|s| !s.text.is_empty()));
}

/// The batch driver: inputs of several batches, with unreadable ones among
/// them, come back one record each, in input order, each as the pipeline
/// makes it alone.
#[test]
fn streamed_inputs_come_back_in_order_across_batches() {
    use newsframe::pipeline::ARTICLES_PER_BATCH;
    use newsframe::record::FailedArticle;

    let base = articles();
    let count = 2 * ARTICLES_PER_BATCH + 3;
    let inputs: Vec<Result<Article, FailedArticle>> = (0..count)
        .map(|i| {
            if i % 5 == 0 {
                Err(FailedArticle::unreadable(
                    Origin::file(format!("unreadable-{i}.txt")),
                    "cannot read".to_string(),
                ))
            } else {
                let mut a = base[i % base.len()].clone();
                a.id = format!("article-{i}");
                Ok(a)
            }
        })
        .collect();
    let pipeline = nli_pipeline(4);
    let mut streamed = Vec::new();
    pipeline
        .analyze_stream(inputs.clone(), |record| {
            streamed.push(record);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap();
    assert_eq!(streamed.len(), count);
    for (input, record) in inputs.iter().zip(&streamed) {
        match (input, record) {
            (Err(failed), Record::Failed(got)) => assert_eq!(failed, got),
            (Ok(article), record) => {
                assert_eq!(record, &pipeline.analyze(std::slice::from_ref(article))[0]);
            }
            (input, record) => panic!("{input:?} gave {record:?}"),
        }
    }

    // The sink's error ends the run at that record.
    let mut seen = 0;
    let err = pipeline
        .analyze_stream(inputs, |_| {
            seen += 1;
            if seen == 3 { Err("full") } else { Ok(()) }
        })
        .unwrap_err();
    assert_eq!((err, seen), ("full", 3));
}
