//! HTML articles: the readable body by `dom_smoothie` (a port of Mozilla's
//! Readability), plus title, byline, date and language from meta tags.
//!
//! Navigation, ads, scripts and styles never reach the body: Readability
//! keeps the main content block, and we take its plain text.

use dom_smoothie::{Config, Readability, TextMode};

use crate::article::{ArticleMeta, Origin, RawArticle};
use crate::input::InputError;

/// Extracts the article from an HTML page.
pub fn read_html(html: &str, origin: Origin) -> Result<RawArticle, InputError> {
    let config = Config {
        // Paragraph breaks survive as blank lines, which segmentation needs.
        text_mode: TextMode::Formatted,
        ..Default::default()
    };
    let mut readability = Readability::new(html, None, Some(config))
        .map_err(|err| InputError::new(origin.clone(), format!("cannot parse HTML: {err}")))?;
    let extracted = readability.parse().map_err(|err| {
        InputError::new(
            origin.clone(),
            format!("no article body found in the HTML page ({err})"),
        )
    })?;
    let body = drop_byline_paragraph(
        &extracted.text_content,
        extracted.byline.as_deref().unwrap_or(""),
    );
    if body.trim().is_empty() {
        return Err(InputError::new(
            origin,
            "empty article: the HTML page has no body text",
        ));
    }
    let non_empty = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let meta = ArticleMeta {
        title: non_empty(extracted.title.to_string()),
        byline: extracted.byline.map(|b| b.to_string()).and_then(non_empty),
        date: extracted
            .published_time
            .map(|d| d.to_string())
            .and_then(non_empty)
            .map(|d| d.chars().take(10).collect()),
        source: extracted
            .site_name
            .map(|s| s.to_string())
            .and_then(non_empty),
        lang: extracted
            .lang
            .map(|l| l.to_string())
            .and_then(non_empty)
            .map(|l| {
                l.split(['-', '_'])
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
            }),
        ..Default::default()
    };
    Ok(RawArticle::new(origin, meta, body))
}

/// Readability keeps a byline paragraph (`Por Lucía Benítez`) in the text
/// when the page also names the author in a meta tag. The byline is
/// metadata, not prose: a short first paragraph holding it is dropped.
fn drop_byline_paragraph(text: &str, byline: &str) -> String {
    let byline = byline.trim();
    let trimmed = text.trim_start();
    let (first, rest) = match trimmed.find("\n\n") {
        Some(pos) => (&trimmed[..pos], &trimmed[pos..]),
        None => return text.to_string(),
    };
    let first_line = first.trim();
    if !byline.is_empty()
        && first_line.chars().count() <= byline.chars().count() + 24
        && first_line.contains(byline)
    {
        rest.to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byline_paragraph_is_dropped() {
        let text = "Por Lucía Benítez\n\nEl presidente habló.\n\nLa tropa aplaudió.";
        assert_eq!(
            drop_byline_paragraph(text, "Lucía Benítez").trim(),
            "El presidente habló.\n\nLa tropa aplaudió."
        );
        let text = "Lucía Benítez wrote a long opinion piece about the talks in Oslo and the crisis.\n\nMore.";
        assert_eq!(drop_byline_paragraph(text, "Lucía Benítez"), text);
    }
}
