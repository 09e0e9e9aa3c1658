//! The command line: clap definitions only. Each subcommand's arguments live
//! beside its implementation in [`crate::commands`]; this file lists them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;
use crate::input::{DEFAULT_MAX_ARTICLE_BYTES, InputConfig, StdinFormat, jsonl::FieldMap};

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
    /// Score summaries and stances against a labeled dataset.
    Eval(commands::eval::EvalArgs),
    /// Manage models: list, fetch from the Hugging Face hub, import, verify.
    Models(commands::models::ModelsArgs),
    /// Train models on labeled data (a stance classifier).
    #[cfg(feature = "transformer")]
    Train(commands::train::TrainArgs),
}

/// Which articles to read and how. Shared by every command that reads articles.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Files or directories to read (.txt, .md, .html, .htm, .jsonl, .json);
    /// `-` reads standard input. Directories are read recursively, sorted.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Outlet name for articles that do not name their own source.
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub source: Option<String>,

    /// Take each article's outlet from the name of the folder holding it.
    #[arg(long, help_heading = "Input")]
    pub source_from_dir: bool,

    /// Language (ISO 639-1) of every article, overriding metadata and detection.
    #[arg(long, value_name = "CODE", help_heading = "Input")]
    pub lang: Option<String>,

    /// Format of standard input when INPUT is `-`.
    #[arg(long, value_enum, default_value_t = StdinFormat::Txt, help_heading = "Input")]
    pub stdin_format: StdinFormat,

    /// Refuse articles larger than this many bytes (a file, stdin, or one
    /// JSONL record's text) with an error of their own; the others go on.
    /// 0: no limit.
    #[arg(long, default_value_t = DEFAULT_MAX_ARTICLE_BYTES, value_name = "BYTES", help_heading = "Input")]
    pub max_article_bytes: u64,

    /// JSON field holding the article text.
    #[arg(
        long,
        default_value = "text",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub text_field: String,
    /// JSON field holding the title.
    #[arg(
        long,
        default_value = "title",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub title_field: String,
    /// JSON field holding the outlet name.
    #[arg(
        long,
        default_value = "source",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub source_field: String,
    /// JSON field holding the date.
    #[arg(
        long,
        default_value = "date",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub date_field: String,
    /// JSON field holding the URL.
    #[arg(
        long,
        default_value = "url",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub url_field: String,
    /// JSON field holding the language code.
    #[arg(
        long,
        default_value = "lang",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub lang_field: String,
    /// JSON field holding the article id.
    #[arg(
        long,
        default_value = "id",
        value_name = "FIELD",
        help_heading = "JSON fields"
    )]
    pub id_field: String,
}

impl InputArgs {
    pub fn input_config(&self) -> InputConfig {
        InputConfig {
            fields: FieldMap {
                text: self.text_field.clone(),
                title: self.title_field.clone(),
                source: self.source_field.clone(),
                date: self.date_field.clone(),
                url: self.url_field.clone(),
                lang: self.lang_field.clone(),
                id: self.id_field.clone(),
            },
            source: self.source.clone(),
            source_from_dir: self.source_from_dir,
            stdin_format: self.stdin_format,
            max_article_bytes: self.max_article_bytes,
        }
    }

    pub fn preprocess_config(&self) -> crate::preprocess::PreprocessConfig {
        crate::preprocess::PreprocessConfig {
            lang: self.lang.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_tree_is_valid() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
