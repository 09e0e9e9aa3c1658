//! HTML articles: the readable body by `dom_smoothie` (a port of Mozilla's
//! Readability), plus title, byline, date and language from meta tags.
//!
//! Navigation, ads, scripts and styles never reach the body: Readability
//! keeps the main content block, and we take its plain text.

use dom_smoothie::{Config, Readability, TextMode};

use crate::article::{ArticleMeta, Origin, RawArticle};
use crate::input::InputError;

/// Deepest element nesting accepted. Real pages nest a few dozen levels
/// (rarely a few hundred); readability extraction takes time quadratic in
/// the depth, so a page of 20,000 nested `<div>`s (220 KB) would take a
/// minute. Deeper pages are refused before they are parsed.
pub const MAX_HTML_DEPTH: usize = 1000;

/// Extracts the article from an HTML page.
pub fn read_html(html: &str, origin: Origin) -> Result<RawArticle, InputError> {
    if let Some(depth) = nesting_depth_over(html, MAX_HTML_DEPTH) {
        return Err(InputError::new(
            origin,
            format!(
                "HTML nested too deeply: more than {MAX_HTML_DEPTH} levels of elements \
                 (reached {depth}); this is not an article page"
            ),
        ));
    }
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

/// The deepest nesting of elements in `html` when it exceeds `limit`, found
/// by one pass over the tags (no parsing). Void elements, self-closed tags
/// and elements HTML closes implicitly (`p`, `li`, `td`, …) do not add
/// depth, so only true nesting counts; comments, `<script>` and `<style>`
/// contents are skipped.
fn nesting_depth_over(html: &str, limit: usize) -> Option<usize> {
    const FLAT: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
        "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rp", "rt", "rtc", "html", "head",
        "body", "!doctype",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut i = 0;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let start = i + offset + 1;
        if bytes[start..].starts_with(b"!--") {
            i = html[start..]
                .find("-->")
                .map_or(bytes.len(), |end| start + end + 3);
            continue;
        }
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'!' || **b == b'-')
            .count();
        if name_len == 0 {
            // A `<` in text (`a < b`), not a tag.
            i = start;
            continue;
        }
        let end = html[name_start..]
            .find('>')
            .map_or(bytes.len(), |e| name_start + e);
        i = (end + 1).min(bytes.len());
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        if closing {
            if !FLAT.contains(&name.as_str()) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = find_ascii_case_insensitive(&bytes[i..], close.as_bytes())
                .map_or(bytes.len(), |p| i + p);
            continue;
        }
        let self_closed = end > 0 && bytes.get(end - 1) == Some(&b'/');
        if !self_closed && !FLAT.contains(&name.as_str()) {
            depth += 1;
            max = max.max(depth);
        }
    }
    (max > limit).then_some(max)
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

fn find_ascii_case_insensitive(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
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
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!(
            "<html><body>{}<p>Text.</p>{}</body></html>",
            "<div>".repeat(MAX_HTML_DEPTH + 5),
            "</div>".repeat(MAX_HTML_DEPTH + 5)
        );
        let err = read_html(&deep, Origin::file("deep.html")).unwrap_err();
        assert!(err.message.contains("nested too deeply"), "{}", err.message);
        // Siblings, implicitly closed paragraphs, void elements and
        // scripts do not add depth.
        let flat = format!(
            "<html><body>{}{}{}<script>{}</script></body></html>",
            "<div>x</div>".repeat(5000),
            "<p>para".repeat(5000),
            "<br><img src=x />".repeat(5000),
            "<div>".repeat(5000)
        );
        assert_eq!(nesting_depth_over(&flat, MAX_HTML_DEPTH), None);
        assert_eq!(
            nesting_depth_over("<div><div><span>a</span></div></div>", 2),
            Some(3)
        );
    }

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
