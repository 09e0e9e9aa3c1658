//! The article types every stage shares.
//!
//! A reader (see [`crate::input`]) turns a file, a JSONL line or stdin into a
//! [`RawArticle`]: metadata plus the body text as found. Preprocessing (see
//! [`crate::preprocess`]) turns it into an [`Article`]: a cleaned body with
//! paragraphs, sentences (each with its byte span in the body) and a language.
//!
//! ```
//! use newsframe::article::{ArticleMeta, Origin, RawArticle};
//! use newsframe::preprocess::{preprocess, PreprocessConfig};
//!
//! let raw = RawArticle::new(Origin::file("example.txt"), ArticleMeta::default(),
//!     "The talks began in Oslo. Both sides sent delegations.".to_string());
//! let article = preprocess(raw, &PreprocessConfig::default());
//! assert_eq!(article.sentences.len(), 2);
//! assert_eq!(article.sentence_text(1), "Both sides sent delegations.");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Metadata of an article, as given by its file, record or command line.
///
/// Every field is optional: a plain text file may carry none of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleMeta {
    /// The id given by the input. When absent, a stable id is derived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The outlet that published the article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publication date as given (usually `YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byline: Option<String>,
    /// Language declared by the input (ISO 639-1), which wins over detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Agency credit of a wire story (`AFP`, `Reuters`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    /// Photo caption found before the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Metadata the tool has no field for (front-matter keys such as
    /// `section` or `tags`), kept as given and passed on to the record.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// Where an article came from: a path (or `-` for stdin) and, for JSONL, a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Origin {
    pub fn file(path: impl Into<String>) -> Origin {
        Origin {
            path: path.into(),
            line: None,
        }
    }

    pub fn line(path: impl Into<String>, line: usize) -> Origin {
        Origin {
            path: path.into(),
            line: Some(line),
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.path, line),
            None => write!(f, "{}", self.path),
        }
    }
}

/// An article as a reader found it, before cleaning and segmentation.
#[derive(Debug, Clone, PartialEq)]
pub struct RawArticle {
    pub origin: Origin,
    pub meta: ArticleMeta,
    /// Body text; paragraphs are separated by blank lines.
    pub text: String,
    /// Problems the reader recovered from (lossy decoding, dropped fields).
    pub warnings: Vec<String>,
}

impl RawArticle {
    pub fn new(origin: Origin, meta: ArticleMeta, text: String) -> RawArticle {
        RawArticle {
            origin,
            meta,
            text,
            warnings: Vec::new(),
        }
    }
}

/// A half-open byte range `[start, end)` into [`Article::body`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One sentence, numbered from 0 across the whole article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    pub index: usize,
    pub paragraph: usize,
    pub span: Span,
}

/// One paragraph, numbered from 0; `sentences` indexes [`Article::sentences`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paragraph {
    pub index: usize,
    pub span: Span,
    pub sentences: std::ops::Range<usize>,
}

/// The language of an article and how it was decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    /// ISO 639-1 code (`en`, `es`, …), or `und` when undetermined.
    pub code: String,
    /// `declared` (from metadata) or `detected`.
    pub source: LanguageSource,
    /// Detector confidence in [0, 1]; 1 for a declared language.
    pub confidence: f64,
    /// True when some substantial paragraphs are in another language.
    pub mixed: bool,
    /// Other languages found in paragraphs, when `mixed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageSource {
    Declared,
    Detected,
}

/// A cleaned and segmented article: the input of every analysis stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The given id, else a hash of source and normalized body.
    pub id: String,
    pub origin: Origin,
    #[serde(flatten)]
    pub meta: ArticleMeta,
    pub language: Language,
    /// Cleaned body: NFC, normalized whitespace, paragraphs joined by `\n\n`.
    pub body: String,
    pub paragraphs: Vec<Paragraph>,
    pub sentences: Vec<Sentence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Article {
    /// The text of sentence `index`, exactly as it stands in the body.
    pub fn sentence_text(&self, index: usize) -> &str {
        let span = self.sentences[index].span;
        &self.body[span.start..span.end]
    }

    /// The text of paragraph `index`.
    pub fn paragraph_text(&self, index: usize) -> &str {
        let span = self.paragraphs[index].span;
        &self.body[span.start..span.end]
    }

    /// The language code to use for language-specific rules.
    pub fn lang(&self) -> &str {
        &self.language.code
    }

    /// Checks what every stage relies on: paragraphs and sentences are
    /// numbered in order, their spans lie on char boundaries of the body,
    /// increase without overlap, hold trimmed non-empty text, and each
    /// sentence lies inside its paragraph. Returns the first violation.
    pub fn check_spans(&self) -> Result<(), String> {
        let body = &self.body;
        let check = |what: &str, span: Span| -> Result<&str, String> {
            let text = body
                .get(span.start..span.end)
                .ok_or_else(|| format!("{what} span {span:?} is not a char range of the body"))?;
            if text.is_empty() || text.trim() != text {
                return Err(format!(
                    "{what} span {span:?} is empty or untrimmed: {text:?}"
                ));
            }
            Ok(text)
        };
        let mut last_end = 0;
        let mut next_sentence = 0;
        for (i, paragraph) in self.paragraphs.iter().enumerate() {
            let what = format!("paragraph {i}");
            if paragraph.index != i || paragraph.span.start < last_end {
                return Err(format!("{what} is out of order"));
            }
            check(&what, paragraph.span)?;
            if paragraph.sentences.start != next_sentence
                || paragraph.sentences.end < paragraph.sentences.start
                || paragraph.sentences.end > self.sentences.len()
            {
                return Err(format!(
                    "{what} has sentence range {:?}",
                    paragraph.sentences
                ));
            }
            next_sentence = paragraph.sentences.end;
            last_end = paragraph.span.end;
        }
        if next_sentence != self.sentences.len() {
            return Err("some sentences belong to no paragraph".to_string());
        }
        let mut last_end = 0;
        for (i, sentence) in self.sentences.iter().enumerate() {
            let what = format!("sentence {i}");
            check(&what, sentence.span)?;
            let paragraph = self
                .paragraphs
                .get(sentence.paragraph)
                .ok_or_else(|| format!("{what} names a missing paragraph"))?;
            if sentence.index != i
                || sentence.span.start < last_end
                || !paragraph.sentences.contains(&i)
                || sentence.span.start < paragraph.span.start
                || sentence.span.end > paragraph.span.end
            {
                return Err(format!("{what} {:?} is out of place", sentence.span));
            }
            last_end = sentence.span.end;
        }
        Ok(())
    }
}
