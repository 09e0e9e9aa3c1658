//! newsframe: multilingual news analysis.
//!
//! Articles go in ([`input`]), are cleaned and segmented ([`preprocess`]),
//! and come out as [`article::Article`]s that every analysis stage reads.
//! See `docs/architecture.md` for the whole data flow.

pub mod actors;
pub mod article;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod eval;
pub mod input;
pub mod models;
pub mod output;
pub mod pipeline;
pub mod preprocess;
pub mod record;
pub mod report;
pub mod shard;
pub mod stance;
pub mod stats;
pub mod summarize;
pub mod terminal;
#[cfg(feature = "transformer")]
pub mod train;
#[cfg(feature = "transformer")]
pub mod transformer;
pub mod voices;

pub use article::{Article, ArticleMeta, Origin, RawArticle};
