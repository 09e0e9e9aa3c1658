//! Text from articles shown on a terminal or in a text report: control
//! characters are made visible instead of being obeyed.
//!
//! An outlet name, a title or a file name can carry escape sequences
//! (`ESC]…` retitles the window, `ESC[2J` clears the screen) or bidi
//! overrides that reorder what the reader sees. Printed as they are, they
//! act on the terminal; escaped, they read as `\u{1b}`.
//!
//! ```
//! use newsframe::terminal::printable;
//!
//! assert_eq!(printable("El País"), "El País");
//! assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
//! assert_eq!(printable("two\nlines"), "two\nlines");
//! ```

use std::borrow::Cow;

/// Whether `c` would act on a terminal or reorder text: C0 and C1 control
/// characters (line feed and tab aside) and the Unicode bidi controls.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character written as `\u{…}`; unchanged (and
/// not copied) when it has none. Line feeds and tabs are kept.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_overrides_are_visible() {
        assert_eq!(
            printable("\u{1b}]0;owned\u{7}x\u{9b}y\u{202E}z\r"),
            "\\u{1b}]0;owned\\u{7}x\\u{9b}y\\u{202e}z\\u{d}"
        );
        assert!(matches!(printable("plain\ttext\n"), Cow::Borrowed(_)));
    }
}
