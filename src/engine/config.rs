//! What the engines are built from: the engine choice, the models asked
//! for, and the settings of each scorer and summarizer.

use std::path::PathBuf;

use crate::stance::StanceScorer;
use crate::stance::lexicon::LexiconStanceConfig;
use crate::stance::nli::NliStanceConfig;
use crate::summarize::Summarizer;
use crate::summarize::builtin::ExtractiveConfig;

use super::device::DeviceChoice;
use super::precision::Precision;

/// Which engine produces summaries and stance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// The transformer engine when its models are installed, else builtin
    /// (with one notice).
    #[default]
    Auto,
    /// The transformer models; an error when they are not available.
    Transformer,
    /// Extractive summaries and lexicon stance; no downloads.
    Builtin,
}

/// Default registry models of the transformer engine.
pub const DEFAULT_SUMMARY_MODEL: &str = "mt5-xlsum";
/// The default summary model when a summary language is asked for: CrossSum's
/// many-to-many mT5, which writes in the language its decoder starts with.
pub const DEFAULT_CROSSLINGUAL_SUMMARY_MODEL: &str = "mt5-crosssum";
pub const DEFAULT_NLI_MODEL: &str = "mdeberta-nli";

/// Settings of the engines; defaults documented per field.
/// Default of [`EngineConfig::summary_batch_tokens`]: four full 512-token inputs.
pub const DEFAULT_SUMMARY_BATCH_TOKENS: usize = 2048;

#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// Engine choice (default `auto`).
    pub choice: EngineChoice,
    /// Registry name of the summary model (transformer engine; default
    /// [`DEFAULT_SUMMARY_MODEL`]).
    pub summary_model: Option<String>,
    /// The language to write summaries in (ISO 639-1 code; `--summary-lang`).
    /// The transformer engine needs a cross-lingual model that has it
    /// (default [`DEFAULT_CROSSLINGUAL_SUMMARY_MODEL`]); the builtin engine
    /// cannot translate and records each article's own language.
    pub summary_lang: Option<String>,
    /// Padded input tokens of the articles a transformer summarizer decodes
    /// together (`--summary-batch-tokens`; 0: one at a time; default
    /// [`DEFAULT_SUMMARY_BATCH_TOKENS`]).
    pub summary_batch_tokens: Option<usize>,
    /// Registry name of the NLI model (transformer engine; default
    /// [`DEFAULT_NLI_MODEL`]).
    pub nli_model: Option<String>,
    /// A target-sentiment classifier for stance instead of NLI: a registry
    /// or bundled name, or a model or overlay directory (transformer engine;
    /// see [`crate::stance::classifier`]).
    pub stance_model: Option<String>,
    /// Builtin summarizer settings.
    pub extractive: ExtractiveConfig,
    /// Builtin stance settings (also how every engine's sentences are picked).
    pub lexicon: LexiconStanceConfig,
    /// A folder of `<lang>.tsv` lexicons replacing the builtin ones.
    pub lexicon_dir: Option<PathBuf>,
    /// Model stance settings, including the pairs per model call.
    pub nli: NliStanceConfig,
    /// Number format of the transformer models (default `f32`).
    pub precision: Precision,
    /// Number format of the summary model alone (`--summary-precision`;
    /// default: `precision`).
    pub summary_precision: Option<Precision>,
    /// Number format of the stance model alone, NLI or classifier
    /// (`--stance-precision`; default: `precision`).
    pub stance_precision: Option<Precision>,
    /// Where the transformer models run (default: the CPU).
    pub device: DeviceChoice,
    /// Threads for the transformer models (default: all cores).
    pub threads: Option<usize>,
}

impl EngineConfig {
    /// The summary model's number format.
    pub fn summary_precision(&self) -> Precision {
        self.summary_precision.unwrap_or(self.precision)
    }

    /// The stance model's number format.
    pub fn stance_precision(&self) -> Precision {
        self.stance_precision.unwrap_or(self.precision)
    }
}

/// The engines a pipeline runs.
pub struct Engines {
    pub summarizer: Box<dyn Summarizer>,
    pub scorer: Box<dyn StanceScorer>,
}
