//! One module per subcommand: its clap arguments and its `run` function;
//! [`args`] holds the argument groups several commands share, [`records`]
//! the article-to-record run of `analyze` and `stance`.
//!
//! A `run` returns [`Outcome`]: whether every input succeeded. Fatal errors
//! (bad arguments, an unwritable output) come back as `Err` and end the run.

pub mod analyze;
pub mod args;
pub mod compare;
pub mod eval;
pub mod eval_quotes;
pub mod models;
pub mod records;
pub mod segment;
pub mod stance;
pub mod stories;
#[cfg(feature = "transformer")]
pub mod train;

/// How a run ended when it ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every input was processed.
    Success,
    /// Some inputs failed (each was reported); the others were processed.
    SomeFailed,
}

impl Outcome {
    pub fn from_failures(failures: usize) -> Outcome {
        if failures == 0 {
            Outcome::Success
        } else {
            Outcome::SomeFailed
        }
    }
}
