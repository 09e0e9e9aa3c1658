//! Summaries: the [`Summarizer`] contract, the builtin extractive
//! summarizer ([`builtin`]) and the summary languages ([`language`]). The
//! transformer engine implements the same trait for its seq2seq models.

pub mod builtin;
pub mod language;

use crate::article::Article;
use crate::record::Summary;

/// Summarizes batches of articles.
pub trait Summarizer {
    /// `name@version` or `name@revision` (`builtin-extractive@0.1.0`,
    /// `mt5-xlsum@<revision>`), recorded in `EngineInfo::summary`.
    fn describe(&self) -> String;
    /// One summary per article, in order.
    fn summarize(&self, articles: &[&Article]) -> anyhow::Result<Vec<Summary>>;
}
