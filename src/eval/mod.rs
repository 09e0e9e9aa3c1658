//! Evaluation against labeled data: ROUGE for summaries, classification
//! metrics for stance, with bootstrap intervals and per-language breakdowns.
//!
//! - [`datasets`]: loaders for the project's labeled articles and public
//!   formats (XL-Sum, MLSUM, CNN/DailyMail, NewsMTSC, X-Stance, SemEval-2016,
//!   generic JSONL/CSV).
//! - [`predictions`]: predictions from a file (analyze output or plain JSONL).
//! - [`rouge`]: ROUGE per pair, English (`rouge-score` parity) or multilingual.
//! - [`classify`]: accuracy, per-class P/R/F1, macro-F1, confusion, F_avg.
//! - intervals: seeded percentile bootstrap from [`crate::stats`].
//! - [`summaries`], [`stances`]: a whole evaluation, as a serializable report.
//! - [`engine`]: predictions by the pipeline; [`targets`]: engine stance toward
//!   targets the dataset marks (NewsMTSC spans), without an actor set.
//!
//! ```
//! use std::collections::HashMap;
//! use newsframe::eval::datasets::SummaryExample;
//! use newsframe::eval::summaries::{evaluate, SummaryEvalConfig};
//! use newsframe::article::Origin;
//!
//! let examples = vec![SummaryExample {
//!     id: "a".into(), origin: Origin::file("x"), lang: Some("en".into()), title: None,
//!     text: String::new(), reference: "Talks began in Oslo.".into(),
//! }];
//! let preds = HashMap::from([("a".to_string(), "Talks began in Oslo".to_string())]);
//! let report = evaluate(&examples, &preds, &SummaryEvalConfig { stem: true, ..Default::default() });
//! assert_eq!(report.overall.scores.rouge1.f1, 1.0);
//! ```

pub mod classify;
pub mod datasets;
pub mod engine;
pub mod labels;
pub mod predictions;
pub mod quotes;
pub mod rouge;
pub mod stances;
pub mod summaries;
pub mod targets;

/// Version of the `newsframe eval --format json` report. Bump on any
/// incompatible change.
pub const EVAL_SCHEMA_VERSION: u32 = 1;

/// An example's language: the given code, else detected from its texts
/// (`und` when detection fails).
pub fn language_of(given: Option<&str>, texts: &[&str]) -> String {
    if let Some(code) = given.map(str::trim).filter(|c| !c.is_empty()) {
        return code.to_ascii_lowercase();
    }
    let paragraphs: Vec<String> = texts
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.to_string())
        .collect();
    crate::preprocess::language::identify(None, &paragraphs).code
}
