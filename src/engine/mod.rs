//! The engines a pipeline runs, and the one place they are chosen.
//!
//! Every engine is a [`Summarizer`](crate::summarize::Summarizer) and a
//! [`StanceScorer`](crate::stance::StanceScorer) behind their traits
//! ([`Engines`]); the pipeline receives them and never knows which.
//! [`start`] picks them by [`EngineChoice`]:
//!
//! - `builtin` ([`builtin`]): extractive summaries and lexicon-feature
//!   stance, compiled in.
//! - `transformer` ([`transformer`], only in builds with the `transformer`
//!   feature): the registry's models on libtorch, run by
//!   [`crate::transformer`]. Not installed (or not built) is
//!   [`EngineError::TransformerUnavailable`]; installed but failing to load
//!   is [`EngineError::TransformerFailed`].
//! - `auto`: the transformer engine when it is available, else builtin
//!   with a notice; a transformer engine that failed is still an error.

pub mod builtin;
pub mod config;
pub mod device;
pub mod error;
pub mod precision;
#[cfg(feature = "transformer")]
pub mod transformer;

pub use builtin::{builtin_engines, lexicons};
pub use config::{
    DEFAULT_CROSSLINGUAL_SUMMARY_MODEL, DEFAULT_NLI_MODEL, DEFAULT_SUMMARY_BATCH_TOKENS,
    DEFAULT_SUMMARY_MODEL, EngineChoice, EngineConfig, Engines,
};
pub use device::DeviceChoice;
pub use error::{EngineError, TransformerStatus};
pub use precision::{Precision, cpu_has_fast_bf16};

/// Started engines: which kind runs, and a note for the user about the
/// choice (the `auto` fallback, a `--precision` that does not help here).
pub struct Started {
    pub engines: Engines,
    /// The builtin engines run (chosen, or the `auto` fallback).
    pub builtin: bool,
    pub notice: Option<String>,
}

/// Starts the engines `config.choice` asks for; `summarize: false` needs no
/// summary model (the builtin summarizer stands in, unused).
pub fn start(config: &EngineConfig, summarize: bool) -> Result<Started, EngineError> {
    if config.choice == EngineChoice::Builtin && config.stance_model.is_some() {
        return Err(EngineError::Usage(
            "--stance-model names a transformer model, which --engine builtin does not run; \
             drop one of them"
                .into(),
        ));
    }
    let (engines, notice, builtin) = match config.choice {
        EngineChoice::Builtin => (builtin_engines(config)?, None, true),
        EngineChoice::Transformer => {
            let (engines, notice) = transformer_engines_noted(config, summarize)?;
            (engines, notice, false)
        }
        EngineChoice::Auto => match transformer_engines_noted(config, summarize) {
            Ok((engines, notice)) => (engines, notice, false),
            Err(TransformerStatus::Unavailable(why)) => (
                builtin_engines(config)?,
                Some(format!(
                    "using the builtin engine (extractive summaries, lexicon stance): the transformer engine is not available ({why}); see `newsframe models`"
                )),
                true,
            ),
            Err(failed) => return Err(failed.into()),
        },
    };
    let models_notice = (config.choice == EngineChoice::Builtin
        && (config.summary_model.is_some() || config.nli_model.is_some()))
    .then_some(
        "--summary-model and --nli-model choose transformer models; the builtin engine ignores them",
    );
    // Said once per run, here where the engines are chosen.
    let translation_notice = (builtin && summarize && config.summary_lang.is_some())
        .then_some(builtin::CANNOT_TRANSLATE);
    let precision_notice = precision_notice(config, builtin, summarize);
    let device_notice = (builtin
        && config.choice == EngineChoice::Builtin
        && !config.device.is_cpu())
    .then_some("--device applies to the transformer engine; the builtin engine runs on the CPU");
    let notices: Vec<String> = notice
        .into_iter()
        .chain(models_notice.map(String::from))
        .chain(translation_notice.map(String::from))
        .chain(precision_notice)
        .chain(device_notice.map(String::from))
        .collect();
    Ok(Started {
        engines,
        builtin,
        notice: (!notices.is_empty()).then(|| notices.join("; ")),
    })
}

/// A note on the precision flags where they do nothing or likely slow the
/// run down.
fn precision_notice(config: &EngineConfig, builtin: bool, summarize: bool) -> Option<String> {
    let set = config.precision != Precision::F32
        || config.summary_precision.is_some()
        || config.stance_precision.is_some();
    if !set {
        return None;
    }
    if builtin {
        return (config.choice == EngineChoice::Builtin).then(|| {
            "--precision, --summary-precision and --stance-precision apply to the transformer \
             engine; the builtin engine ignores them"
                .to_string()
        });
    }
    let mut notes = Vec::new();
    if !summarize && config.summary_precision.is_some() {
        notes.push("--summary-precision: this command writes no summaries, so it is ignored");
    }
    let bf16_runs = config.stance_precision() == Precision::Bf16
        || (summarize && config.summary_precision() == Precision::Bf16);
    if bf16_runs && config.device.is_cpu() && !cpu_has_fast_bf16() {
        notes.push(
            "this CPU has no bfloat16 instructions (AVX512-BF16 or AMX): bf16 is likely \
             slower than f32 here",
        );
    }
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// The transformer engines (see [`transformer`]).
pub fn transformer_engines(
    config: &EngineConfig,
    summarize: bool,
) -> Result<Engines, TransformerStatus> {
    transformer_engines_noted(config, summarize).map(|(engines, _)| engines)
}

/// [`transformer_engines`] with a note for the user: under `auto`, a named
/// stance model runs even when the default summary model is not installed,
/// with builtin summaries and this note saying so.
fn transformer_engines_noted(
    config: &EngineConfig,
    summarize: bool,
) -> Result<(Engines, Option<String>), TransformerStatus> {
    #[cfg(feature = "transformer")]
    {
        transformer::engines(config, summarize)
    }
    #[cfg(not(feature = "transformer"))]
    {
        let _ = (config, summarize);
        Err(TransformerStatus::Unavailable(
            "this build does not include it (built with --no-default-features)".to_string(),
        ))
    }
}
