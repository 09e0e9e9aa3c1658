//! The analysis pipeline as a library API: segmented articles in, one
//! [`Record`] per article out (an [`ArticleAnalysis`], or a
//! [`FailedArticle`] when an engine failed on it). `analyze`, `stance`,
//! `eval` and `compare` all run it. The engines (which summarizer, which
//! stance scorer) come from [`crate::engine`]; the pipeline only calls them.
//!
//! Per batch of articles: find actor mentions ([`crate::actors`]); summarize
//! (optional); pick the sentences to judge per actor
//! ([`crate::stance::select`]); score every article × actor pair of the
//! batch in one call to the stance engine, so an NLI model sees shared
//! batches; aggregate ([`crate::stance::aggregate`]). An actor the article
//! never mentions gets `mentions: 0` and a null stance. When an engine fails
//! on a batch, its articles are retried one by one, so one bad article
//! becomes one error record and the others go on.
//!
//! ```
//! use newsframe::actors::ActorSet;
//! use newsframe::article::{ArticleMeta, Origin, RawArticle};
//! use newsframe::engine::EngineChoice;
//! use newsframe::pipeline::{Pipeline, PipelineConfig};
//! use newsframe::preprocess::{preprocess, PreprocessConfig};
//! use newsframe::record::Record;
//!
//! let mut actors = ActorSet::empty("example");
//! actors.add_inline("norway:Norway=Norway|Oslo").unwrap();
//! let mut config = PipelineConfig::new(actors);
//! config.engine.choice = EngineChoice::Builtin;
//! let pipeline = Pipeline::new(config).unwrap();
//! let raw = RawArticle::new(Origin::file("x.txt"), ArticleMeta::default(),
//!     "Norway is brokering the talks to help end the crisis.".to_string());
//! let article = preprocess(raw, &PreprocessConfig::default());
//! let Record::Analysis(analysis) = &pipeline.analyze(&[article])[0] else { panic!() };
//! assert_eq!(analysis.actors[0].stance.unwrap().as_str(), "positive");
//! ```

use crate::actors::{ActorMatcher, ActorSet, Mention, naming};
use crate::article::Article;
use crate::engine::{self, EngineConfig, EngineError, Engines};
use crate::record::{
    ActorStance, ArticleAnalysis, EngineInfo, Evidence, FailedArticle, Record, SCHEMA_VERSION,
};
use crate::stance::aggregate::aggregate;
use crate::stance::lexicon::LexiconStanceScorer;
use crate::stance::select::select_sentences;
use crate::stance::{StanceQuery, StanceScorer, TargetSentence};

/// Settings of the whole pipeline; defaults documented per field.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// The actors to find and score.
    pub actors: ActorSet,
    /// Produce summaries (default true; `stance` turns it off).
    pub summarize: bool,
    /// Most sentences judged per actor and article (default
    /// [`PipelineConfig::DEFAULT_MAX_MENTIONS`]; 0 = all).
    pub max_mentions: usize,
    /// Evidence sentences kept per actor (default 3).
    pub evidence: usize,
    /// The engines and their models (default: `auto`, default models).
    pub engine: EngineConfig,
}

impl PipelineConfig {
    /// Most sentences judged per actor and article unless set otherwise.
    pub const DEFAULT_MAX_MENTIONS: usize = 8;

    /// Defaults for an actor set.
    pub fn new(actors: ActorSet) -> PipelineConfig {
        PipelineConfig {
            actors,
            summarize: true,
            max_mentions: PipelineConfig::DEFAULT_MAX_MENTIONS,
            evidence: 3,
            engine: EngineConfig::default(),
        }
    }
}

/// Articles per batch of [`Pipeline::analyze_stream`]: large enough that a
/// stance model sees shared batches, small enough that records appear
/// steadily.
pub const ARTICLES_PER_BATCH: usize = 8;

/// Inputs of [`Pipeline::analyze_stream`] waiting for their batch.
#[derive(Default)]
struct Batch {
    articles: Vec<Article>,
    /// Every input in order: `None` is the next of `articles`, `Some` an
    /// input that could not be read.
    order: Vec<Option<FailedArticle>>,
}

/// A ready pipeline.
pub struct Pipeline {
    config: PipelineConfig,
    matcher: ActorMatcher,
    engines: Engines,
    /// Picks informative sentences whatever the stance engine.
    selector: LexiconStanceScorer,
    notice: Option<String>,
    builtin_stance: bool,
}

impl Pipeline {
    /// Builds the pipeline, starting the engines `config.engine` chooses
    /// (see [`crate::engine::start`]).
    pub fn new(config: PipelineConfig) -> Result<Pipeline, EngineError> {
        let started = engine::start(&config.engine, config.summarize)?;
        let mut pipeline = Pipeline::with_engines(config, started.engines)?;
        pipeline.notice = started.notice;
        pipeline.builtin_stance = started.builtin;
        Ok(pipeline)
    }

    /// A pipeline with engines the caller built (another model, a test
    /// double).
    pub fn with_engines(config: PipelineConfig, engines: Engines) -> Result<Pipeline, EngineError> {
        let selector = LexiconStanceScorer::new(
            engine::lexicons(&config.engine)?,
            config.engine.lexicon.clone(),
        );
        Ok(Pipeline {
            matcher: ActorMatcher::new(&config.actors),
            config,
            engines,
            selector,
            notice: None,
            builtin_stance: false,
        })
    }

    /// A note for the user about the engine choice (the `auto` fallback).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// Engines and actor set, as recorded in every output record.
    pub fn engine_info(&self) -> EngineInfo {
        EngineInfo {
            summary: self
                .config
                .summarize
                .then(|| self.engines.summarizer.describe()),
            stance: Some(self.engines.scorer.describe()),
            actors: Some(self.config.actors.fingerprint()),
        }
    }

    /// Every mention of the set's actors in an article.
    pub fn mentions(&self, article: &Article) -> Vec<Mention> {
        self.matcher.find(article)
    }

    /// The stance engine, for callers that make their own queries (targets
    /// a dataset marks rather than actors of the set).
    pub fn stance_scorer(&self) -> &dyn StanceScorer {
        self.engines.scorer.as_ref()
    }

    /// The sentences judged for one actor of an article, as `analyze` picks them.
    pub fn target_sentences(
        &self,
        article: &Article,
        actor_index: usize,
        mentions: &[Mention],
    ) -> Vec<TargetSentence> {
        select_sentences(
            article,
            actor_index,
            mentions,
            self.config.max_mentions,
            |s| self.selector.informativeness(article, s),
        )
    }

    /// Analyzes a batch: one record per article, in order.
    pub fn analyze(&self, articles: &[Article]) -> Vec<Record> {
        let result = self.analyze_batch(articles);
        match result {
            Ok(records) => records
                .into_iter()
                .map(|a| Record::Analysis(Box::new(a)))
                .collect(),
            Err(_) if articles.len() > 1 => articles
                .iter()
                .flat_map(|a| self.analyze(std::slice::from_ref(a)))
                .collect(),
            Err(err) => vec![Record::Failed(FailedArticle::of_article(
                &articles[0],
                format!("{err:#}"),
            ))],
        }
    }

    /// Analyzes a stream of inputs in batches of [`ARTICLES_PER_BATCH`]
    /// articles and hands `sink` one record per input, in input order: an
    /// input that could not be read (`Err`) passes as its failure record, in
    /// its place. Only one batch of articles is held at a time. Stops at the
    /// first error of `sink`.
    pub fn analyze_stream<E>(
        &self,
        inputs: impl IntoIterator<Item = Result<Article, FailedArticle>>,
        mut sink: impl FnMut(Record) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut batch = Batch::default();
        for input in inputs {
            match input {
                Ok(article) => {
                    batch.articles.push(article);
                    batch.order.push(None);
                }
                Err(failed) => batch.order.push(Some(failed)),
            }
            if batch.articles.len() >= ARTICLES_PER_BATCH {
                self.flush(&mut batch, &mut sink)?;
            }
        }
        self.flush(&mut batch, &mut sink)
    }

    /// Analyzes the batch's articles and hands on every record in order.
    fn flush<E>(
        &self,
        batch: &mut Batch,
        sink: &mut impl FnMut(Record) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut analyzed = if batch.articles.is_empty() {
            Vec::new()
        } else {
            self.analyze(&batch.articles)
        }
        .into_iter();
        batch.articles.clear();
        for slot in batch.order.drain(..) {
            let record = match slot {
                Some(failed) => Record::Failed(failed),
                None => analyzed.next().expect("one record per article"),
            };
            sink(record)?;
        }
        Ok(())
    }

    fn analyze_batch(&self, articles: &[Article]) -> anyhow::Result<Vec<ArticleAnalysis>> {
        let mentions: Vec<Vec<Mention>> = articles.iter().map(|a| self.mentions(a)).collect();
        let summaries = if self.config.summarize {
            let refs: Vec<&Article> = articles.iter().collect();
            let summaries = self.engines.summarizer.summarize(&refs)?;
            anyhow::ensure!(
                summaries.len() == articles.len(),
                "summarizer {} returned {} summaries for {} articles",
                self.engines.summarizer.describe(),
                summaries.len(),
                articles.len()
            );
            summaries.into_iter().map(Some).collect()
        } else {
            vec![None; articles.len()]
        };

        // One query per article × mentioned actor, all scored together.
        let mut queries: Vec<StanceQuery<'_>> = Vec::new();
        let mut owners: Vec<(usize, usize)> = Vec::new(); // (article, actor)
        for (a, article) in articles.iter().enumerate() {
            for (index, actor) in self.config.actors.actors.iter().enumerate() {
                if !mentions[a].iter().any(|m| m.actor == index) {
                    continue;
                }
                let sentences = self.target_sentences(article, index, &mentions[a]);
                queries.push(StanceQuery {
                    article,
                    actor_index: index,
                    actor,
                    mentions: &mentions[a],
                    sentences,
                });
                owners.push((a, index));
            }
        }
        let judgments = self.engines.scorer.judge(&queries)?;
        anyhow::ensure!(
            judgments.len() == queries.len(),
            "stance engine {} returned {} results for {} queries",
            self.engines.scorer.describe(),
            judgments.len(),
            queries.len()
        );

        let engine = self.engine_info();
        let mut out: Vec<ArticleAnalysis> = articles
            .iter()
            .zip(summaries)
            .zip(&mentions)
            .map(|((article, summary), mentions)| {
                let quotes = crate::voices::extract(
                    article,
                    mentions,
                    &self.config.actors,
                    self.selector.lexicons(),
                );
                let mut naming = naming::count_terms(
                    &naming::phrases(&article.body, article.lang(), mentions),
                    self.config.actors.actors.len(),
                )
                .into_iter();
                let actors = self
                    .config
                    .actors
                    .actors
                    .iter()
                    .enumerate()
                    .map(|(i, actor)| ActorStance {
                        id: actor.id.clone(),
                        name: actor.name.clone(),
                        kind: actor.kind.clone(),
                        mentions: mentions.iter().filter(|m| m.actor == i).count(),
                        stance: None,
                        score: None,
                        confidence: None,
                        probs: None,
                        evidence: Vec::new(),
                        naming: naming.next().unwrap_or_default(),
                    })
                    .collect();
                let mut warnings = article.warnings.clone();
                if mentions.is_empty() && !self.config.actors.actors.is_empty() {
                    warnings.push(format!(
                        "no actor of the set {:?} is mentioned",
                        self.config.actors.name
                    ));
                }
                if self.builtin_stance
                    && !mentions.is_empty()
                    && self.selector.lexicons().for_article(article).is_empty()
                {
                    warnings.push(format!(
                        "no stance lexicon for language {:?} (have: {}); builtin stance sees no evaluative words",
                        article.lang(),
                        self.selector.lexicons().languages().join(", ")
                    ));
                }
                ArticleAnalysis {
                    schema_version: SCHEMA_VERSION,
                    id: article.id.clone(),
                    source: article.meta.source.clone(),
                    date: article.meta.date.clone(),
                    lang: article.lang().to_string(),
                    title: article.meta.title.clone(),
                    url: article.meta.url.clone(),
                    origin: article.origin.clone(),
                    content_hash: Some(crate::preprocess::content_hash(article)),
                    extra: article.meta.extra.clone(),
                    engine: engine.clone(),
                    summary,
                    actors,
                    quotes: Some(quotes),
                    warnings,
                }
            })
            .collect();

        for ((a, actor), judged) in owners.into_iter().zip(judgments) {
            let Some(agg) = aggregate(&judged) else {
                continue;
            };
            let article = &articles[a];
            let stance = &mut out[a].actors[actor];
            stance.stance = Some(agg.label);
            stance.score = Some(round(agg.score));
            stance.confidence = Some(round(agg.confidence));
            stance.probs = Some(crate::record::LabelProbs {
                positive: round(agg.probs.positive),
                neutral: round(agg.probs.neutral),
                negative: round(agg.probs.negative),
            });
            stance.evidence = agg
                .ranked
                .iter()
                .take(self.config.evidence)
                .map(|j| {
                    let label = j.probs.argmax();
                    Evidence {
                        sentence: j.sentence,
                        span: article.sentences[j.sentence].span,
                        text: article.sentence_text(j.sentence).to_string(),
                        label,
                        p: round(j.probs.get(label)),
                    }
                })
                .collect();
        }
        Ok(out)
    }
}

/// Six decimals: stable output across platforms and readable records.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
