//! newsframe: multilingual news analysis.
//!
//! Articles go in ([`input`]), are cleaned and segmented ([`preprocess`]),
//! and come out as [`article::Article`]s that every analysis stage reads.
//! See `docs/architecture.md` for the whole data flow.

pub mod article;
pub mod cli;
pub mod commands;
pub mod input;
pub mod output;
pub mod preprocess;
pub mod record;

pub use article::{Article, ArticleMeta, Origin, RawArticle};
