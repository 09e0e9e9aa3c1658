//! The command tree: clap definitions only. Each subcommand's arguments live
//! beside its implementation in [`crate::commands`], and the argument groups
//! several commands share in [`crate::commands::args`]; this file lists the
//! subcommands.

use clap::{Parser, Subcommand};

use crate::commands;

/// newsframe: multilingual news analysis. Summaries, stance toward each actor
/// of a story, and side-by-side framing across outlets.
#[derive(Debug, Parser)]
#[command(
    name = "newsframe",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show how articles are read: metadata, paragraphs and sentences.
    Segment(commands::segment::SegmentArgs),
    /// Summarize articles and score their stance toward each actor.
    Analyze(commands::analyze::AnalyzeArgs),
    /// Score the stance of articles toward each actor (analyze without summaries).
    Stance(commands::stance::StanceArgs),
    /// Compare how outlets frame each actor: tables, CSV, JSON or an HTML report.
    Compare(commands::compare::CompareArgs),
    /// Score summaries, stances and quotations against a labeled dataset.
    Eval(commands::eval::EvalArgs),
    /// Manage models: list, fetch from the Hugging Face hub, import, verify.
    Models(commands::models::ModelsArgs),
    /// Train models on labeled data (a stance classifier).
    #[cfg(feature = "transformer")]
    Train(commands::train::TrainArgs),
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_tree_is_valid() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
