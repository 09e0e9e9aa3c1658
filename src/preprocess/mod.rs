//! Preprocessing: a [`RawArticle`] in, a cleaned and segmented [`Article`] out.
//!
//! Steps, in order: clean the text ([`normalize`]), split paragraphs, detect
//! the language ([`language`]), split sentences ([`sentences`]), derive the
//! stable id. Every sentence keeps its byte span in [`Article::body`], so later
//! stages quote evidence exactly. Work is linear in the input size.

pub mod language;
pub mod normalize;
pub mod sentences;

use sha2::{Digest, Sha256};

use crate::article::{Article, Paragraph, RawArticle, Sentence, Span};

/// Settings of the preprocessing stage.
#[derive(Debug, Clone, Default)]
pub struct PreprocessConfig {
    /// Language for every article, overriding metadata and detection.
    pub lang: Option<String>,
}

/// Cleans and segments one article. Never fails: an article whose body
/// cleans to nothing comes back with no sentences and a warning.
pub fn preprocess(raw: RawArticle, config: &PreprocessConfig) -> Article {
    let RawArticle {
        origin,
        mut meta,
        text,
        mut warnings,
    } = raw;
    let cleaned = normalize::clean_paragraphs(&text);
    let declared = config.lang.as_deref().or(meta.lang.as_deref());
    let language = language::identify(declared, &cleaned);
    meta.lang = None; // resolved into `language`

    let mut body = String::with_capacity(text.len());
    let mut paragraphs = Vec::with_capacity(cleaned.len());
    let mut sentences = Vec::new();
    for (index, paragraph) in cleaned.iter().enumerate() {
        if index > 0 {
            body.push_str("\n\n");
        }
        let offset = body.len();
        body.push_str(paragraph);
        let first = sentences.len();
        for range in sentences::split_sentences(&language.code, paragraph) {
            sentences.push(Sentence {
                index: sentences.len(),
                paragraph: index,
                span: Span {
                    start: offset + range.start,
                    end: offset + range.end,
                },
            });
        }
        paragraphs.push(Paragraph {
            index,
            span: Span {
                start: offset,
                end: body.len(),
            },
            sentences: first..sentences.len(),
        });
    }
    if sentences.is_empty() {
        warnings.push("article has no text after cleaning".to_string());
    }
    if let Some(caption) = meta.caption.take() {
        meta.caption = normalize::clean_paragraphs(&caption).into_iter().next();
    }
    if let Some(title) = meta.title.take() {
        meta.title = normalize::clean_paragraphs(&title).into_iter().next();
    }
    let id = meta
        .id
        .take()
        .unwrap_or_else(|| stable_id(meta.source.as_deref(), &body));
    Article {
        id,
        origin,
        meta,
        language,
        body,
        paragraphs,
        sentences,
        warnings,
    }
}

/// What tells an analyzed article apart whatever its id or file: the
/// [`stable_id`] digest of its outlet and cleaned body. Records carry it as
/// `content_hash`; `--resume` matches articles by id and this hash.
pub fn content_hash(article: &Article) -> String {
    stable_id(article.meta.source.as_deref(), &article.body)
}

/// First 16 hex digits of SHA-256 over source and normalized body.
pub fn stable_id(source: Option<&str>, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(source.unwrap_or("").as_bytes());
    hasher.update(b"\n");
    hasher.update(body.as_bytes());
    hex::encode(hasher.finalize())[..16].to_string()
}
