//! Why engines could not start: a transformer engine that is not there (no
//! models installed, or a build without it: `auto` falls back to builtin)
//! is told apart from one that failed to start (always an error).

/// Why the engines could not be started.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
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

/// Why the transformer engine cannot run: not installed (fall back under
/// `auto`) or broken (always an error).
#[derive(Debug)]
pub enum TransformerStatus {
    Unavailable(String),
    Failed(anyhow::Error),
}

impl From<TransformerStatus> for EngineError {
    fn from(status: TransformerStatus) -> EngineError {
        match status {
            TransformerStatus::Unavailable(why) => EngineError::TransformerUnavailable(why),
            TransformerStatus::Failed(err) => EngineError::TransformerFailed(err),
        }
    }
}
