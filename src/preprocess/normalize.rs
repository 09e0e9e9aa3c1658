//! Text cleaning: entities, Unicode NFC, invisible characters, whitespace, paragraphs.
//!
//! The cleaned body is what every span points into, so cleaning happens once,
//! here, before segmentation.

use unicode_normalization::UnicodeNormalization;

/// Cleans `text` and returns its paragraphs (non-empty, trimmed).
///
/// Blank lines separate paragraphs; single line breaks inside a paragraph
/// (hard-wrapped text) become spaces.
pub fn clean_paragraphs(text: &str) -> Vec<String> {
    let decoded = if text.contains('&') {
        html_escape::decode_html_entities(text).into_owned()
    } else {
        text.to_string()
    };
    let normalized: String = decoded.nfc().collect();
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    for line in normalized.split('\n') {
        let line = clean_line(line);
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&line);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs
}

/// Drops invisible characters and collapses runs of whitespace to one space.
fn clean_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pending_space = false;
    for c in line.chars() {
        match c {
            // Soft hyphen, zero-width space/joiners, BOM, word joiner: invisible.
            '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c if c.is_whitespace() || c.is_control() => pending_space = true,
            c => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_and_splits() {
        let text = "  Gua\u{00AD}idó  met\u{00A0}envoys &amp; aides.\r\nHe left.\n\n\n Second\tparagraph. ";
        assert_eq!(
            clean_paragraphs(text),
            vec!["Guaidó met envoys & aides. He left.", "Second paragraph."]
        );
    }

    #[test]
    fn nfc() {
        // "e" + combining acute becomes one code point.
        assert_eq!(clean_paragraphs("Bogote\u{0301}"), vec!["Bogot\u{00E9}"]);
    }
}
