//! `newsframe segment`: shows how articles are read — metadata, numbered
//! paragraphs and sentences — as text for people or JSON for machines.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::article::{Article, Language, Origin, Span};
use crate::commands::Outcome;
use crate::commands::args::InputArgs;
use crate::input::read_inputs;
use crate::output::Destination;
use crate::output::guard::ReadPaths;
use crate::output::records::{Layout, RecordStream};
use crate::preprocess::preprocess;
use crate::terminal::printable;

/// Shows what the readers and preprocessing make of each article: metadata
/// (title, source, date, agency credit, photo caption), the detected or
/// declared language, and numbered paragraphs and sentences.
#[derive(Debug, Args)]
#[command(after_help = SEGMENT_EXAMPLES)]
pub struct SegmentArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format. JSON output holds the cleaned body and, for every
    /// sentence, its text and byte span in that body.
    #[arg(long, value_enum, default_value_t = SegmentFormat::Text)]
    pub format: SegmentFormat,

    /// Write to this file instead of standard output; it is replaced when
    /// the run ends, and stays as it was if the run fails.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

const SEGMENT_EXAMPLES: &str = "\
Input formats:
  .txt/.md     plain text; optional front matter (`title:`, `source:`/`outlet:`,
               `date:`, `lang:`, any other `key:` … lines ended by `---`, and
               optionally opened by `---`) and an optional wire header
               (`date 2019-05-22 AFP <photo caption>` as the first line)
  .html/.htm   a web page; the article body is extracted, menus and ads dropped
  .jsonl/.json one article object per line (or a JSON array); see JSON fields

Examples:
  newsframe segment article.txt
  newsframe segment --source-from-dir data/samples
  newsframe segment --format jsonl export.jsonl --text-field body
  cat article.txt | newsframe segment -

Exit status: 0 when every input was read, 1 when some failed (each is
reported, the others are still shown), 2 on a usage error.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SegmentFormat {
    /// Readable text: a metadata header, then numbered paragraphs and sentences.
    Text,
    /// One JSON array of articles.
    Json,
    /// One JSON object per article per line.
    Jsonl,
}

/// The machine-readable view of a segmented article: the article plus the
/// text of every paragraph and sentence, so consumers need not slice spans.
#[derive(Debug, Serialize)]
pub struct SegmentedArticle<'a> {
    pub id: &'a str,
    pub origin: &'a Origin,
    #[serde(flatten)]
    pub meta: &'a crate::article::ArticleMeta,
    pub language: &'a Language,
    /// The cleaned body that sentence spans index into.
    pub body: &'a str,
    pub paragraphs: Vec<SegmentedParagraph<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub warnings: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct SegmentedParagraph<'a> {
    pub index: usize,
    pub sentences: Vec<SegmentedSentence<'a>>,
}

#[derive(Debug, Serialize)]
pub struct SegmentedSentence<'a> {
    pub index: usize,
    pub span: Span,
    pub text: &'a str,
}

impl<'a> SegmentedArticle<'a> {
    pub fn new(article: &'a Article) -> SegmentedArticle<'a> {
        let paragraphs = article
            .paragraphs
            .iter()
            .map(|p| SegmentedParagraph {
                index: p.index,
                sentences: p
                    .sentences
                    .clone()
                    .map(|i| SegmentedSentence {
                        index: i,
                        span: article.sentences[i].span,
                        text: article.sentence_text(i),
                    })
                    .collect(),
            })
            .collect();
        SegmentedArticle {
            id: &article.id,
            origin: &article.origin,
            meta: &article.meta,
            language: &article.language,
            body: &article.body,
            paragraphs,
            warnings: &article.warnings,
        }
    }
}

pub fn run(args: &SegmentArgs) -> anyhow::Result<Outcome> {
    ReadPaths::new()
        .articles(&args.input.inputs)
        .refuse_output(args.out.as_deref(), "--out")?;
    let destination = Destination::claim(args.out.as_deref())?;
    let layout = match args.format {
        SegmentFormat::Text => Layout::Text,
        SegmentFormat::Json => Layout::JsonArray,
        SegmentFormat::Jsonl => Layout::JsonLines,
    };
    let mut out = RecordStream::new(destination.replace()?, layout)?;
    let config = args.input.preprocess_config();
    let mut failures = 0usize;
    for item in read_inputs(&args.input.inputs, &args.input.input_config()) {
        let raw = match item {
            Ok(raw) => raw,
            Err(err) => {
                eprintln!("newsframe: {}", printable(&err.to_string()));
                failures += 1;
                continue;
            }
        };
        let article = preprocess(raw, &config);
        for warning in &article.warnings {
            eprintln!(
                "newsframe: warning: {}",
                printable(&format!("{}: {warning}", article.origin))
            );
        }
        out.write(&SegmentedArticle::new(&article), |out| {
            write_text(out, &article)
        })?;
    }
    let written = out.written();
    out.finish_unless_all_failed(written, failures)?;
    Ok(Outcome::from_failures(failures))
}

/// The human view: a metadata header, then numbered paragraphs and sentences.
pub fn write_text(out: &mut dyn Write, article: &Article) -> std::io::Result<()> {
    let meta = &article.meta;
    // Names and metadata come from the input: shown, never obeyed.
    writeln!(
        out,
        "{}",
        printable(&format!("== {} ({})", article.id, article.origin))
    )?;
    let fields = [
        ("title", meta.title.as_deref()),
        ("source", meta.source.as_deref()),
        ("date", meta.date.as_deref()),
        ("credit", meta.credit.as_deref()),
        ("byline", meta.byline.as_deref()),
        ("url", meta.url.as_deref()),
        ("caption", meta.caption.as_deref()),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            writeln!(out, "{name:>9}: {}", printable(value))?;
        }
    }
    for (name, value) in &meta.extra {
        writeln!(out, "{name:>9}: {value}")?;
    }
    let lang = &article.language;
    let mixed = if lang.mixed {
        format!(", mixed with {}", lang.others.join(", "))
    } else {
        String::new()
    };
    writeln!(
        out,
        "{:>9}: {} ({}, {:.2}{mixed})",
        "language",
        printable(&lang.code),
        match lang.source {
            crate::article::LanguageSource::Declared => "declared",
            crate::article::LanguageSource::Detected => "detected",
        },
        lang.confidence
    )?;
    writeln!(
        out,
        "{:>9}: {} paragraphs, {} sentences",
        "body",
        article.paragraphs.len(),
        article.sentences.len()
    )?;
    for paragraph in &article.paragraphs {
        writeln!(out)?;
        writeln!(out, "[¶{}]", paragraph.index + 1)?;
        for i in paragraph.sentences.clone() {
            writeln!(
                out,
                "  {:>3}. {}",
                i + 1,
                printable(article.sentence_text(i))
            )?;
        }
    }
    Ok(())
}
