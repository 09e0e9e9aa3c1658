//! Text folding for matching: a folded copy of a text plus a map from every
//! folded byte back to the original bytes, so a match found in the folded
//! text is reported as a span of the original.
//!
//! Folding removes diacritics (NFD, combining marks dropped: `Guaidó` →
//! `Guaido`, `États` → `Etats`), unifies apostrophes (`’`, `ʼ`, `‘` → `'`)
//! and dashes (`‐`, `‑`, `–`, `—` → `-`), and, for case-insensitive matching,
//! lowercases. Case-sensitive matching uses the same folding without
//! lowercasing, so both views are built in one pass.
//!
//! ```
//! use newsframe::actors::fold::Folded;
//!
//! let text = "Guaidó’s aides";
//! let folded = Folded::new(text, true);
//! assert_eq!(folded.text, "guaido's aides");
//! let span = folded.original_span(0, 6);
//! assert_eq!(&text[span.start..span.end], "Guaidó");
//! ```

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::article::Span;

/// A folded text and, for each of its bytes, the original char it came from.
#[derive(Debug, Clone)]
pub struct Folded {
    pub text: String,
    /// Original byte range of the char that produced each folded byte.
    origin: Vec<(usize, usize)>,
}

impl Folded {
    /// Folds `text`; `lowercase` selects the case-insensitive view.
    pub fn new(text: &str, lowercase: bool) -> Folded {
        let mut folded = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        for (start, ch) in text.char_indices() {
            let end = start + ch.len_utf8();
            let before = folded.len();
            fold_char(ch, lowercase, &mut folded);
            origin.extend(std::iter::repeat_n((start, end), folded.len() - before));
        }
        Folded {
            text: folded,
            origin,
        }
    }

    /// The original span of the folded byte range `[start, end)`.
    pub fn original_span(&self, start: usize, end: usize) -> Span {
        debug_assert!(start < end && end <= self.origin.len());
        Span {
            start: self.origin[start].0,
            end: self.origin[end - 1].1,
        }
    }
}

/// Folds a pattern (an alias) the same way as the text it is matched in.
pub fn fold_str(text: &str, lowercase: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        fold_char(ch, lowercase, &mut out);
    }
    out
}

fn fold_char(ch: char, lowercase: bool, out: &mut String) {
    match ch {
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '`' => out.push('\''),
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' => out.push('-'),
        '\u{00A0}' | '\u{202F}' => out.push(' '),
        // Letters without a decomposition that readers treat as plain ones.
        'ß' if lowercase => out.push_str("ss"),
        'ø' => out.push('o'),
        'Ø' => out.push(if lowercase { 'o' } else { 'O' }),
        'æ' => out.push_str("ae"),
        'Æ' => out.push_str(if lowercase { "ae" } else { "AE" }),
        c if c.is_ascii() => out.push(if lowercase { c.to_ascii_lowercase() } else { c }),
        c => {
            for base in std::iter::once(c).nfd().filter(|d| !is_combining_mark(*d)) {
                if lowercase {
                    out.extend(base.to_lowercase());
                } else {
                    out.push(base);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_back_through_multibyte_chars() {
        let text = "les États-Unis – à Oslo";
        let folded = Folded::new(text, true);
        assert_eq!(folded.text, "les etats-unis - a oslo");
        let at = folded.text.find("etats-unis").unwrap();
        let span = folded.original_span(at, at + "etats-unis".len());
        assert_eq!(&text[span.start..span.end], "États-Unis");
    }

    #[test]
    fn case_kept_view_only_strips_marks() {
        assert_eq!(
            Folded::new("ONU e EUA, Noruega", false).text,
            "ONU e EUA, Noruega"
        );
        assert_eq!(fold_str("Guaidó", false), "Guaido");
        assert_eq!(fold_str("Straße", true), "strasse");
    }
}
