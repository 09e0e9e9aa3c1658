//! Predictions made by newsframe's own pipeline ([`crate::pipeline`]), in
//! the same shape as predictions read from a file, so both are scored by the
//! same code.
//!
//! Each dataset example becomes an article (its id, language, title and
//! text), is preprocessed as `analyze` would, and goes through the pipeline
//! in its batches ([`Pipeline::analyze_stream`]). Stance examples are
//! matched by article id and actor id, so engine stance needs actor ids that
//! the actor set defines (the project's data, or generic data whose target
//! column holds actor ids).

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use crate::article::{Article, ArticleMeta, RawArticle};
use crate::eval::datasets::{DatasetError, StanceExample, SummaryExample};
use crate::eval::predictions::{StancePrediction, StancePredictions, SummaryPredictions};
use crate::pipeline::Pipeline;
use crate::preprocess::{PreprocessConfig, preprocess};
use crate::record::Record;

struct ArticleInput<'a> {
    id: &'a str,
    origin: &'a crate::article::Origin,
    lang: Option<&'a str>,
    title: Option<&'a str>,
    text: &'a str,
}

impl ArticleInput<'_> {
    fn of_summary(e: &SummaryExample) -> ArticleInput<'_> {
        ArticleInput {
            id: &e.id,
            origin: &e.origin,
            lang: e.lang.as_deref(),
            title: e.title.as_deref(),
            text: &e.text,
        }
    }

    /// The article `analyze` would make of this input.
    fn article(&self, config: &PreprocessConfig) -> Article {
        let meta = ArticleMeta {
            id: Some(self.id.to_string()),
            lang: self.lang.map(str::to_string),
            title: self.title.map(str::to_string),
            ..ArticleMeta::default()
        };
        preprocess(
            RawArticle::new(self.origin.clone(), meta, self.text.to_string()),
            config,
        )
    }
}

/// Runs the pipeline over `inputs` in its batches, calling `each` with
/// every record.
fn run(pipeline: &Pipeline, inputs: &[ArticleInput<'_>], mut each: impl FnMut(Record)) {
    let config = PreprocessConfig::default();
    let articles = inputs.iter().map(|input| Ok(input.article(&config)));
    let done: Result<(), Infallible> = pipeline.analyze_stream(articles, |record| {
        each(record);
        Ok(())
    });
    let Ok(()) = done;
}

fn failure(record: &crate::record::FailedArticle) -> DatasetError {
    DatasetError::new(
        record.origin.clone(),
        format!("the engine failed on this article: {}", record.error),
    )
}

/// Summaries of every example by the pipeline's summarizer.
pub fn summaries(pipeline: &Pipeline, examples: &[SummaryExample]) -> SummaryPredictions {
    let inputs: Vec<ArticleInput<'_>> = examples.iter().map(ArticleInput::of_summary).collect();
    let mut out = SummaryPredictions::default();
    if let Some(engine) = pipeline.engine_info().summary {
        out.engines.insert(engine);
    }
    run(pipeline, &inputs, |record| match record {
        Record::Analysis(a) => {
            if let Some(summary) = a.summary {
                out.by_id.insert(a.id, summary.text);
            }
        }
        Record::Failed(f) => out.errors.push(failure(&f)),
    });
    out
}

/// The Lead-`k` baseline: the first `k` sentences of every example, segmented
/// as `analyze` segments articles (engine name `lead-k`).
pub fn lead(examples: &[SummaryExample], k: usize) -> SummaryPredictions {
    let config = PreprocessConfig::default();
    let mut out = SummaryPredictions::default();
    out.engines.insert(format!("lead-{k}"));
    for example in examples {
        let article = ArticleInput::of_summary(example).article(&config);
        let text = (0..article.sentences.len().min(k))
            .map(|i| article.sentence_text(i).trim())
            .collect::<Vec<_>>()
            .join(" ");
        out.by_id.insert(example.id.clone(), text);
    }
    out
}

/// Stance of every (article, actor) of `examples` by the pipeline.
pub fn stances(pipeline: &Pipeline, examples: &[StanceExample]) -> StancePredictions {
    // One article per article id, in first-seen order.
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
    let inputs: Vec<ArticleInput<'_>> = examples
        .iter()
        .filter(|e| seen.insert(&e.article_id, ()).is_none())
        .map(|e| ArticleInput {
            id: &e.article_id,
            origin: &e.origin,
            lang: e.lang.as_deref(),
            title: e.title.as_deref(),
            text: &e.text,
        })
        .collect();
    let mut out = StancePredictions::default();
    if let Some(engine) = pipeline.engine_info().stance {
        out.engines.insert(engine);
    }
    let mut by_key = HashMap::new();
    run(pipeline, &inputs, |record| match record {
        Record::Analysis(a) => {
            for actor in a.actors {
                by_key.insert(
                    (a.id.clone(), Some(actor.id)),
                    StancePrediction {
                        label: actor.stance,
                        mentions: Some(actor.mentions),
                    },
                );
            }
        }
        Record::Failed(f) => out.errors.push(failure(&f)),
    });
    out.by_key = by_key;
    out
}

/// Targets of `examples` that the actor set does not define: engine stance
/// cannot score them.
pub fn unknown_actors<'a>(
    examples: &'a [StanceExample],
    actors: &crate::actors::ActorSet,
) -> Vec<&'a str> {
    let mut unknown: Vec<&str> = examples
        .iter()
        .filter_map(|e| e.actor.as_deref())
        .filter(|a| actors.get(a).is_none())
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    unknown
}
