//! The analysis pipeline as a library API: segmented articles in, one
//! [`Record`] per article out (an [`ArticleAnalysis`], or a
//! [`FailedArticle`] when an engine failed on it). `analyze`, `stance`,
//! `eval` and `compare` all run it.
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
//! use newsframe::pipeline::{EngineChoice, Pipeline, PipelineConfig};
//! use newsframe::preprocess::{preprocess, PreprocessConfig};
//! use newsframe::record::Record;
//!
//! let mut actors = ActorSet::empty("example");
//! actors.add_inline("norway:Norway=Norway|Oslo").unwrap();
//! let config = PipelineConfig { engine: EngineChoice::Builtin, ..PipelineConfig::new(actors) };
//! let pipeline = Pipeline::new(config).unwrap();
//! let raw = RawArticle::new(Origin::file("x.txt"), ArticleMeta::default(),
//!     "Norway is brokering the talks to help end the crisis.".to_string());
//! let article = preprocess(raw, &PreprocessConfig::default());
//! let Record::Analysis(analysis) = &pipeline.analyze(&[article])[0] else { panic!() };
//! assert_eq!(analysis.actors[0].stance.unwrap().as_str(), "positive");
//! ```

use std::path::PathBuf;

use crate::actors::{ActorMatcher, ActorSet, Mention};
use crate::article::Article;
use crate::record::{
    ActorStance, ArticleAnalysis, EngineInfo, Evidence, FailedArticle, Record, SCHEMA_VERSION,
};
use crate::stance::aggregate::aggregate;
use crate::stance::builtin::BuiltinStanceScorer;
use crate::stance::lexicon::{LexiconStanceConfig, LexiconStanceScorer, Lexicons};
use crate::stance::nli::NliStanceConfig;
use crate::stance::select::select_sentences;
use crate::stance::{StanceQuery, StanceScorer, TargetSentence};
use crate::summarize::Summarizer;
use crate::summarize::builtin::{BuiltinSummarizer, ExtractiveConfig};

/// Which engine produces summaries and stance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// The transformer engine when its models are installed, else builtin
    /// (with one notice).
    #[default]
    Auto,
    /// Transformer models (summary and NLI or stance classifier); an error
    /// when they are not available.
    Transformer,
    /// Extractive summaries and lexicon stance; no downloads.
    Builtin,
}

/// Number format of the large matrix products.
///
/// `F32` (the default) reproduces Hugging Face transformers' float32 outputs
/// to about 1e-6. `Bf16` stores the weights of the dense layers in bfloat16
/// and multiplies in bfloat16 with float32 accumulation; norms, softmax,
/// attention and position terms stay float32. On CPUs with AVX512-BF16 or AMX
/// that is several times faster; probabilities move by about 1e-2, so records
/// name the precision with the engine and runs of either kind are not mixed.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    Bf16,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> Result<Precision, String> {
        match s.to_ascii_lowercase().as_str() {
            "f32" | "fp32" | "float32" => Ok(Precision::F32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            _ => Err(format!("unknown precision {s:?}: use f32 or bf16")),
        }
    }
}

/// Whether the CPU multiplies bfloat16 natively (else libtorch emulates it, slowly).
pub fn cpu_has_fast_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // CPUs with AMX also have AVX512-BF16.
        std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("bf16")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// Settings of the whole pipeline; defaults documented per field.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Engine choice (default `auto`).
    pub engine: EngineChoice,
    /// The actors to find and score.
    pub actors: ActorSet,
    /// Produce summaries (default true; `stance` turns it off).
    pub summarize: bool,
    /// Registry name of the summary model (transformer engine; default: the
    /// registry's default for the task).
    pub summary_model: Option<String>,
    /// Registry name of the NLI model (transformer engine).
    pub nli_model: Option<String>,
    /// A target-sentiment classifier for stance instead of NLI: a registry
    /// or bundled name, or a model or overlay directory (transformer engine;
    /// see [`crate::transformer::classifier`]).
    pub stance_model: Option<String>,
    /// Most sentences judged per actor and article (default 8; 0 = all).
    pub max_mentions: usize,
    /// Evidence sentences kept per actor (default 3).
    pub evidence: usize,
    /// Builtin summarizer settings.
    pub extractive: ExtractiveConfig,
    /// Builtin stance settings.
    pub lexicon: LexiconStanceConfig,
    /// A folder of `<lang>.tsv` lexicons replacing the builtin ones.
    pub lexicon_dir: Option<PathBuf>,
    /// NLI stance settings, including the pairs per model call.
    pub nli: NliStanceConfig,
    /// Number format of the transformer models (default `f32`).
    pub precision: Precision,
    /// Threads for the transformer models (default: all cores).
    pub threads: Option<usize>,
}

impl PipelineConfig {
    /// Defaults for an actor set.
    pub fn new(actors: ActorSet) -> PipelineConfig {
        PipelineConfig {
            engine: EngineChoice::Auto,
            actors,
            summarize: true,
            summary_model: None,
            nli_model: None,
            stance_model: None,
            max_mentions: 8,
            evidence: 3,
            extractive: ExtractiveConfig::default(),
            lexicon: LexiconStanceConfig::default(),
            lexicon_dir: None,
            nli: NliStanceConfig::default(),
            precision: Precision::F32,
            threads: None,
        }
    }
}

/// Why a pipeline could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(
        "the transformer engine is not available: {0}. Use --engine builtin, or --engine auto to fall back to it"
    )]
    TransformerUnavailable(String),
    #[error("the transformer engine failed to start: {0:#}")]
    TransformerFailed(anyhow::Error),
    #[error(transparent)]
    Lexicon(#[from] crate::stance::lexicon::LexiconError),
    #[error("{0}")]
    Usage(String),
}

/// The engines a pipeline runs.
pub struct Engines {
    pub summarizer: Box<dyn Summarizer>,
    pub scorer: Box<dyn StanceScorer>,
}

/// Why the transformer engine cannot run: not installed (fall back under
/// `auto`) or broken (always an error).
#[derive(Debug)]
pub enum TransformerStatus {
    Unavailable(String),
    Failed(anyhow::Error),
}

/// The transformer engines. This is the one place that wires the
/// summarizer and the stance model (see `src/transformer/`) into the
/// pipeline: it looks the models up in the registry, loads them, and wraps
/// the NLI classifier in [`crate::stance::nli::NliStanceScorer`] with
/// `config.nli`, or, with `config.stance_model`, the target-sentiment
/// classifier in [`crate::stance::classifier::ClassifierStanceScorer`].
pub fn transformer_engines(config: &PipelineConfig) -> Result<Engines, TransformerStatus> {
    transformer_engines_noted(config).map(|(engines, _)| engines)
}

/// [`transformer_engines`] with a note for the user: under `auto`, a named
/// stance model runs even when the default summary model is not installed,
/// with builtin summaries and this note saying so.
fn transformer_engines_noted(
    config: &PipelineConfig,
) -> Result<(Engines, Option<String>), TransformerStatus> {
    #[cfg(feature = "transformer")]
    {
        transformer_wiring::engines(config)
    }
    #[cfg(not(feature = "transformer"))]
    {
        let _ = config;
        Err(TransformerStatus::Unavailable(
            "this build does not include it (built with --no-default-features)".to_string(),
        ))
    }
}

/// Default registry models of the transformer engine.
pub const DEFAULT_SUMMARY_MODEL: &str = "mt5-xlsum";
pub const DEFAULT_NLI_MODEL: &str = "mdeberta-nli";

#[cfg(feature = "transformer")]
mod transformer_wiring {
    use std::path::{Path, PathBuf};

    use super::{
        DEFAULT_NLI_MODEL, DEFAULT_SUMMARY_MODEL, EngineChoice, Engines, PipelineConfig, Precision,
        TransformerStatus,
    };
    use crate::models::{InstalledModel, ModelError, ModelStore};
    use crate::stance::StanceScorer;
    use crate::stance::classifier::{ClassifierStanceConfig, ClassifierStanceScorer};
    use crate::stance::nli::NliStanceScorer;
    use crate::transformer::RuntimeConfig;
    use crate::transformer::classifier::{ClassifierConfig, SequenceClassifier};
    use crate::transformer::nli::{NliClassifier, NliConfig};
    use crate::transformer::overlay::{self, OverlayManifest};
    use crate::transformer::summarizer::{SummarizerConfig, TransformerSummarizer};

    /// Looks the models up (never touching the network), then loads them. A
    /// default model that is not installed makes the engine unavailable
    /// (`auto` falls back); a model the user named that cannot be had, or
    /// one that fails to load, is an error.
    pub fn engines(
        config: &PipelineConfig,
    ) -> Result<(Engines, Option<String>), TransformerStatus> {
        let store = ModelStore::from_env().map_err(|e| TransformerStatus::Failed(e.into()))?;
        // A named stance model is found first: failing to is always an error.
        let stance = config
            .stance_model
            .as_deref()
            .map(|name| locate_stance(&store, name))
            .transpose()?;
        let summary = config
            .summarize
            .then(|| {
                locate(
                    &store,
                    config.summary_model.as_deref(),
                    DEFAULT_SUMMARY_MODEL,
                )
            })
            .transpose();
        let nli = match stance {
            Some(_) => Ok(None),
            None => locate(&store, config.nli_model.as_deref(), DEFAULT_NLI_MODEL).map(Some),
        };
        let mut notice = None;
        // A model the user named and cannot be had is an error even when the
        // other, default one is merely not installed: failures come first.
        let (summary, nli) = match (summary, nli) {
            (Ok(summary), Ok(nli)) => (summary, nli),
            (Err(failed @ TransformerStatus::Failed(_)), _)
            | (_, Err(failed @ TransformerStatus::Failed(_))) => return Err(failed),
            // The user asked for this stance model: under `auto` it runs, and
            // only the summaries fall back.
            (Err(TransformerStatus::Unavailable(why)), Ok(nli))
                if stance.is_some() && config.engine == EngineChoice::Auto =>
            {
                notice = Some(format!(
                    "builtin (extractive) summaries: the summary model is not available ({why})"
                ));
                (None, nli)
            }
            (Err(unavailable), _) | (_, Err(unavailable)) => return Err(unavailable),
        };
        RuntimeConfig {
            threads: config.threads,
            precision: config.precision,
        }
        .apply();
        let scorer: Box<dyn StanceScorer> = match (stance, nli) {
            (Some(stance), _) => Box::new(ClassifierStanceScorer::new(
                stance.load(config.precision)?,
                ClassifierStanceConfig {
                    batch_size: config.nli.batch_size,
                    short_sentence_words: config.nli.short_sentence_words,
                    context_weight: config.nli.context_weight,
                },
            )),
            (None, Some(nli)) => {
                let nli_config = NliConfig {
                    precision: config.precision,
                    ..NliConfig::default()
                };
                let classifier = NliClassifier::load(
                    &nli.dir,
                    &with_precision(nli.label(), config.precision),
                    nli_config,
                )
                .map_err(|e| TransformerStatus::Failed(e.into()))?;
                Box::new(
                    NliStanceScorer::new(classifier, config.nli.clone())
                        .map_err(TransformerStatus::Failed)?,
                )
            }
            (None, None) => unreachable!("NLI is located whenever no stance model is named"),
        };
        let summarizer: Box<dyn crate::summarize::Summarizer> = match summary {
            Some(model) => {
                // The checkpoint's own decoding settings hold unless the
                // registry overrides them on purpose; the record then says
                // which (`…+generation(length_penalty=1)`).
                let overrides = model
                    .entry
                    .as_ref()
                    .and_then(|e| e.generation.clone())
                    .filter(|g| !g.is_empty());
                let name = match &overrides {
                    Some(o) => format!(
                        "{}+generation({})",
                        with_precision(model.label(), config.precision),
                        o.describe()
                    ),
                    None => with_precision(model.label(), config.precision),
                };
                let summarizer_config = SummarizerConfig {
                    overrides,
                    input_window: model.entry.as_ref().map(|e| e.max_input_tokens as usize),
                    precision: config.precision,
                    ..SummarizerConfig::default()
                };
                Box::new(
                    TransformerSummarizer::load(&model.dir, &name, summarizer_config)
                        .map_err(|e| TransformerStatus::Failed(e.into()))?,
                )
            }
            // `stance` runs no summarizer (the builtin one stands in unused),
            // and `auto` falls back to it for a named stance model.
            None => Box::new(crate::summarize::builtin::BuiltinSummarizer::new(
                config.extractive.clone(),
            )),
        };
        Ok((Engines { summarizer, scorer }, notice))
    }

    /// Records name the precision with the model when it is not the
    /// reference float32, so runs of either kind are never mixed silently.
    fn with_precision(label: String, precision: Precision) -> String {
        match precision {
            Precision::F32 => label,
            other => format!("{label}+{}", other.name()),
        }
    }

    fn locate(
        store: &ModelStore,
        requested: Option<&str>,
        default: &str,
    ) -> Result<InstalledModel, TransformerStatus> {
        let name = requested.unwrap_or(default);
        match store.locate(name) {
            Ok(model) => Ok(model),
            // Only the default model missing means "not set up": a model the
            // user named must be there.
            Err(err @ ModelError::NotInstalled { .. }) if requested.is_none() => {
                Err(TransformerStatus::Unavailable(err.to_string()))
            }
            Err(err) => Err(TransformerStatus::Failed(err.into())),
        }
    }

    /// A stance classifier found on disk, ready to load.
    pub(super) enum StanceModel {
        /// A complete model directory, named by `label` in records.
        Full { dir: PathBuf, label: String },
        /// An overlay directory and its installed base; records name it
        /// `name@overlay-<sha256 of its weights, 12 digits>+<base@revision>`.
        Overlay {
            dir: PathBuf,
            name: String,
            manifest: OverlayManifest,
            base: Box<InstalledModel>,
        },
    }

    impl StanceModel {
        fn load(self, precision: Precision) -> Result<SequenceClassifier, TransformerStatus> {
            let config = ClassifierConfig {
                precision,
                ..ClassifierConfig::default()
            };
            let failed =
                |e: crate::transformer::TransformerError| TransformerStatus::Failed(e.into());
            match self {
                StanceModel::Full { dir, label } => {
                    SequenceClassifier::load(&dir, &with_precision(label, precision), config)
                        .map_err(failed)
                }
                StanceModel::Overlay {
                    dir,
                    name,
                    manifest,
                    base,
                } => {
                    let merged =
                        overlay::materialize(&dir, &manifest, &base.dir).map_err(failed)?;
                    let label = format!(
                        "{name}@overlay-{}+{}",
                        &merged.overlay_sha256[..12],
                        base.label()
                    );
                    // The weights are memory-mapped: the merged directory can
                    // go once the model is loaded.
                    SequenceClassifier::load(
                        merged.path(),
                        &with_precision(label, precision),
                        config,
                    )
                    .map_err(failed)
                }
            }
        }
    }

    /// Finds `--stance-model NAME|DIR`: a registry model (installed in the
    /// hub cache), a bundled overlay (`[[bundled]]` in the registry, found
    /// in the source tree), or a model or overlay directory. Any failure is
    /// an error that says how to get the model.
    pub(super) fn locate_stance(
        store: &ModelStore,
        name: &str,
    ) -> Result<StanceModel, TransformerStatus> {
        let failed = |e: anyhow::Error| TransformerStatus::Failed(e);
        if let Some(entry) = store.registry.get(name) {
            let model = store.locate(&entry.name).map_err(|e| failed(e.into()))?;
            return Ok(StanceModel::Full {
                label: model.label(),
                dir: model.dir,
            });
        }
        let (dir, overlay_name) = if let Some(bundled) = store.registry.bundled(name) {
            let dir = bundled_dir(&bundled.path).ok_or_else(|| {
                failed(anyhow::anyhow!(
                    "the bundled stance model {name} is not at {} under the source tree ({}) \
                     nor next to the executable; run newsframe from a checkout that has it, or \
                     pass its directory to --stance-model",
                    bundled.path,
                    env!("CARGO_MANIFEST_DIR")
                ))
            })?;
            (dir, name.to_string())
        } else if Path::new(name).is_dir() {
            let dir = PathBuf::from(name);
            let dir_name = dir
                .canonicalize()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| name.to_string());
            (dir, dir_name)
        } else {
            let known: Vec<&str> = store
                .registry
                .bundled
                .iter()
                .map(|b| b.name.as_str())
                .collect();
            return Err(failed(anyhow::anyhow!(
                "unknown stance model {name:?}: not a registry model, a bundled one ({}), \
                 or a directory; see `newsframe models list`",
                known.join(", ")
            )));
        };
        if !overlay::is_overlay(&dir) {
            let label = match store.locate(&dir.to_string_lossy()) {
                Ok(model) => model.label(),
                Err(e) => return Err(failed(e.into())),
            };
            return Ok(StanceModel::Full { dir, label });
        }
        let manifest = OverlayManifest::read(&dir).map_err(|e| failed(e.into()))?;
        let base = store.locate(&manifest.base_model).map_err(|e| {
            failed(anyhow::anyhow!(
                "the stance model {overlay_name} ({}) is an overlay over {}: {e}",
                dir.display(),
                manifest.base_model
            ))
        })?;
        Ok(StanceModel::Overlay {
            dir,
            name: overlay_name,
            manifest,
            base: Box::new(base),
        })
    }

    /// The directory of a bundled model (`path` relative to the repository
    /// root). The model is data next to the code, not inside the binary: its
    /// weights are memory-mapped from a file, and a fine-tune replaces it
    /// without a rebuild. A binary built from a checkout finds it through
    /// the checkout's path, recorded at compile time; a copied binary looks
    /// beside itself and up to three folders above (`target/release/` in a
    /// moved checkout, `bin/` next to `models/` in an install).
    fn bundled_dir(path: &str) -> Option<PathBuf> {
        let mut roots = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR"))];
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
        {
            roots.extend(exe_dir.ancestors().take(4).map(Path::to_path_buf));
        }
        roots
            .into_iter()
            .map(|root| root.join(path))
            .find(|dir| dir.join("config.json").is_file())
    }
}

/// The builtin engines; they never fail except on a bad lexicon folder.
pub fn builtin_engines(config: &PipelineConfig) -> Result<Engines, PipelineError> {
    Ok(Engines {
        summarizer: Box::new(BuiltinSummarizer::new(config.extractive.clone())),
        scorer: Box::new(BuiltinStanceScorer::new(
            lexicons(config)?,
            config.lexicon.clone(),
        )),
    })
}

fn lexicons(config: &PipelineConfig) -> Result<Lexicons, PipelineError> {
    let lexicons = Lexicons::builtin();
    Ok(match &config.lexicon_dir {
        Some(dir) => lexicons.with_dir(dir)?,
        None => lexicons,
    })
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
    /// Builds the pipeline, choosing engines by `config.engine`.
    pub fn new(config: PipelineConfig) -> Result<Pipeline, PipelineError> {
        if config.engine == EngineChoice::Builtin && config.stance_model.is_some() {
            return Err(PipelineError::Usage(
                "--stance-model names a transformer model, which --engine builtin does not run; \
                 drop one of them"
                    .into(),
            ));
        }
        let (engines, notice, builtin) = match config.engine {
            EngineChoice::Builtin => (builtin_engines(&config)?, None, true),
            EngineChoice::Transformer => match transformer_engines_noted(&config) {
                Ok((engines, notice)) => (engines, notice, false),
                Err(TransformerStatus::Unavailable(why)) => {
                    return Err(PipelineError::TransformerUnavailable(why));
                }
                Err(TransformerStatus::Failed(err)) => {
                    return Err(PipelineError::TransformerFailed(err));
                }
            },
            EngineChoice::Auto => match transformer_engines_noted(&config) {
                Ok((engines, notice)) => (engines, notice, false),
                Err(TransformerStatus::Unavailable(why)) => (
                    builtin_engines(&config)?,
                    Some(format!(
                        "using the builtin engine (extractive summaries, lexicon stance): the transformer engine is not available ({why}); see `newsframe models`"
                    )),
                    true,
                ),
                Err(TransformerStatus::Failed(err)) => {
                    return Err(PipelineError::TransformerFailed(err));
                }
            },
        };
        let precision_notice = match (builtin, config.precision) {
            (_, Precision::F32) => None,
            (true, _) if config.engine == EngineChoice::Builtin => {
                Some("--precision applies to the transformer engine; the builtin engine ignores it")
            }
            (true, _) => None,
            (false, Precision::Bf16) if !cpu_has_fast_bf16() => Some(
                "this CPU has no bfloat16 instructions (AVX512-BF16 or AMX): --precision bf16 \
                 is likely slower than f32 here",
            ),
            (false, _) => None,
        };
        let notice = match (notice, precision_notice) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b.map(String::from)),
        };
        let selector = LexiconStanceScorer::new(lexicons(&config)?, config.lexicon.clone());
        Ok(Pipeline {
            matcher: ActorMatcher::new(&config.actors),
            config,
            engines,
            selector,
            notice,
            builtin_stance: builtin,
        })
    }

    /// A pipeline with engines the caller built (another model, a test
    /// double).
    pub fn with_engines(
        config: PipelineConfig,
        engines: Engines,
    ) -> Result<Pipeline, PipelineError> {
        let selector = LexiconStanceScorer::new(lexicons(&config)?, config.lexicon.clone());
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
            Err(err) => vec![Record::Failed(FailedArticle {
                schema_version: SCHEMA_VERSION,
                id: Some(articles[0].id.clone()),
                source: articles[0].meta.source.clone(),
                origin: articles[0].origin.clone(),
                error: format!("{err:#}"),
            })],
        }
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
