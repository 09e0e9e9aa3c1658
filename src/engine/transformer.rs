//! The transformer engines: looks the models up in the registry (never
//! touching the network), loads them from [`crate::transformer`], and wraps
//! them in the stance scorers: the NLI classifier in
//! [`crate::stance::nli::NliStanceScorer`] with `config.nli`, or, with
//! `config.stance_model`, the target-sentiment classifier in
//! [`crate::stance::classifier::ClassifierStanceScorer`]. The decoding
//! settings a registry entry overrides reach the summarizer here.

use std::path::{Path, PathBuf};

use tch::Device;

use super::config::{
    DEFAULT_CROSSLINGUAL_SUMMARY_MODEL, DEFAULT_NLI_MODEL, DEFAULT_SUMMARY_BATCH_TOKENS,
    DEFAULT_SUMMARY_MODEL, EngineChoice, EngineConfig, Engines,
};
use super::error::TransformerStatus;
use super::precision::Precision;
use crate::models::{InstalledModel, ModelError, ModelStore};
use crate::stance::StanceScorer;
use crate::stance::classifier::{ClassifierStanceConfig, ClassifierStanceScorer};
use crate::stance::nli::NliStanceScorer;
use crate::transformer::classifier::{ClassifierConfig, SequenceClassifier};
use crate::transformer::nli::{NliClassifier, NliConfig};
use crate::transformer::overlay::{self, OverlayManifest};
use crate::transformer::summarizer::{SummarizerConfig, TransformerSummarizer};
use crate::transformer::{RuntimeConfig, device};

/// Looks the models up, then loads them. A
/// default model that is not installed makes the engine unavailable
/// (`auto` falls back); a model the user named that cannot be had, or
/// one that fails to load, is an error.
pub fn engines(
    config: &EngineConfig,
    summarize: bool,
) -> Result<(Engines, Option<String>), TransformerStatus> {
    let store = ModelStore::from_env().map_err(|e| TransformerStatus::Failed(e.into()))?;
    // A named stance model is found first: failing to is always an error.
    let stance = config
        .stance_model
        .as_deref()
        .map(|name| locate_stance(&store, name))
        .transpose()?;
    let summary = summarize
        .then(|| {
            // A summary language needs a model that can write in it.
            let default = match config.summary_lang {
                Some(_) => DEFAULT_CROSSLINGUAL_SUMMARY_MODEL,
                None => DEFAULT_SUMMARY_MODEL,
            };
            locate(&store, config.summary_model.as_deref(), default)
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
            if stance.is_some() && config.choice == EngineChoice::Auto =>
        {
            notice = Some(format!(
                "builtin (extractive) summaries: the summary model is not available ({why}){}",
                match config.summary_lang {
                    Some(_) => format!("; {}", super::builtin::CANNOT_TRANSLATE),
                    None => String::new(),
                }
            ));
            (None, nli)
        }
        (Err(unavailable), _) | (_, Err(unavailable)) => return Err(unavailable),
    };
    // Each model has its own precision, so each its own device: under
    // `--device auto` an int8 model stays on the CPU while a bf16 one may
    // take the GPU.
    let stance_precision = config.stance_precision();
    let summary_precision = config.summary_precision();
    let failed = |e: crate::transformer::TransformerError| TransformerStatus::Failed(e.into());
    let stance_device = device::resolve(config.device, stance_precision).map_err(failed)?;
    let summary_device = match summary {
        Some(_) => device::resolve(config.device, summary_precision).map_err(failed)?,
        None => Device::Cpu,
    };
    RuntimeConfig {
        threads: config.threads,
        ..RuntimeConfig::default()
    }
    .apply();
    let scorer: Box<dyn StanceScorer> = match (stance, nli) {
        (Some(stance), _) => Box::new(ClassifierStanceScorer::new(
            stance.load(stance_precision, stance_device)?,
            ClassifierStanceConfig {
                batch_size: config.nli.batch_size,
                short_sentence_words: config.nli.short_sentence_words,
                context_weight: config.nli.context_weight,
            },
        )),
        (None, Some(nli)) => {
            let nli_config = NliConfig {
                precision: stance_precision,
                device: stance_device,
                ..NliConfig::default()
            };
            let classifier = NliClassifier::load(
                &nli.dir,
                &with_precision(nli.label(), stance_precision),
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
            let mut name = match &overrides {
                Some(o) => format!(
                    "{}+generation({})",
                    with_precision(model.label(), summary_precision),
                    o.describe()
                ),
                None => with_precision(model.label(), summary_precision),
            };
            // Summaries asked for in one language are not those of another:
            // records (and `--resume`) keep them apart.
            if let Some(code) = &config.summary_lang {
                name.push_str(&format!("+lang({code})"));
            }
            let summarizer_config = SummarizerConfig {
                overrides,
                input_window: model.entry.as_ref().map(|e| e.max_input_tokens as usize),
                precision: summary_precision,
                device: summary_device,
                summary_lang: config.summary_lang.clone(),
                batch_tokens: config
                    .summary_batch_tokens
                    .unwrap_or(DEFAULT_SUMMARY_BATCH_TOKENS),
                ..SummarizerConfig::default()
            };
            Box::new(
                TransformerSummarizer::load(&model.dir, &name, summarizer_config)
                    .map_err(|e| TransformerStatus::Failed(e.into()))?,
            )
        }
        // `stance` runs no summarizer (the builtin one stands in unused),
        // and `auto` falls back to it for a named stance model.
        None => super::builtin::builtin_summarizer(config),
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
enum StanceModel {
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
    fn load(
        self,
        precision: Precision,
        device: Device,
    ) -> Result<SequenceClassifier, TransformerStatus> {
        let config = ClassifierConfig {
            precision,
            device,
            ..ClassifierConfig::default()
        };
        let failed = |e: crate::transformer::TransformerError| TransformerStatus::Failed(e.into());
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
                let merged = overlay::materialize(&dir, &manifest, &base.dir).map_err(failed)?;
                let label = format!(
                    "{name}@overlay-{}+{}",
                    &merged.overlay_sha256[..12],
                    base.label()
                );
                // The weights are memory-mapped: the merged directory can
                // go once the model is loaded.
                SequenceClassifier::load(merged.path(), &with_precision(label, precision), config)
                    .map_err(failed)
            }
        }
    }
}

/// Finds `--stance-model NAME|DIR`: a registry model (installed in the
/// hub cache), a bundled overlay (`[[bundled]]` in the registry, found
/// in the source tree), or a model or overlay directory. Any failure is
/// an error that says how to get the model.
fn locate_stance(store: &ModelStore, name: &str) -> Result<StanceModel, TransformerStatus> {
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
