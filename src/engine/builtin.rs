//! The builtin engines: extractive summaries and the lexicon-feature stance
//! model, compiled in; they never fail except on a bad lexicon folder.

use crate::stance::builtin::BuiltinStanceScorer;
use crate::stance::lexicon::Lexicons;
use crate::summarize::builtin::BuiltinSummarizer;

use super::config::{EngineConfig, Engines};
use super::error::EngineError;

/// The builtin summarizer and stance scorer.
pub fn builtin_engines(config: &EngineConfig) -> Result<Engines, EngineError> {
    Ok(Engines {
        summarizer: Box::new(BuiltinSummarizer::new(config.extractive.clone())),
        scorer: Box::new(BuiltinStanceScorer::new(
            lexicons(config)?,
            config.lexicon.clone(),
        )),
    })
}

/// The stance lexicons: builtin, or replaced by `config.lexicon_dir`.
pub fn lexicons(config: &EngineConfig) -> Result<Lexicons, EngineError> {
    let lexicons = Lexicons::builtin();
    Ok(match &config.lexicon_dir {
        Some(dir) => lexicons.with_dir(dir)?,
        None => lexicons,
    })
}
