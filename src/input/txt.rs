//! Plain text articles: optional front matter, optional wire-photo header, body.
//!
//! ```text
//! title: Talks open in Oslo            <- front matter: `key: value` lines,
//! source: The Daily Example               ended by a line `---`
//! date: 2019-05-22
//! ---
//! date 2019-05-22 AFP A picture shows… <- wire header: date, agency, caption
//!
//! Body paragraphs, separated by blank lines.
//! ```
//!
//! Known front-matter keys: title, source, date, url, lang, id, byline, credit,
//! caption. A block that does not look like front matter (a line without
//! `key:`, or an unknown key) is left in the body, so prose that happens to
//! contain a colon is never eaten.

use std::sync::LazyLock;

use regex::Regex;

use crate::article::{ArticleMeta, Origin, RawArticle};
use crate::input::InputError;

const KEYS: &[&str] = &[
    "title", "source", "date", "url", "lang", "language", "id", "byline", "author", "credit",
    "caption",
];

/// Reads a text article. Fails only when nothing of a body is left.
pub fn read_txt(text: &str, origin: Origin) -> Result<RawArticle, InputError> {
    let mut meta = ArticleMeta::default();
    let body = match split_front_matter(text) {
        Some((fields, rest)) => {
            for (key, value) in fields {
                set_field(&mut meta, &key, value);
            }
            rest
        }
        None => text,
    };
    let body = match parse_wire_header(body) {
        Some((header, rest)) => {
            meta.date.get_or_insert(header.date);
            meta.credit.get_or_insert(header.credit);
            if let Some(caption) = header.caption {
                meta.caption.get_or_insert(caption);
            }
            rest
        }
        None => body,
    };
    if body.trim().is_empty() {
        return Err(InputError::new(origin, "empty article: no body text"));
    }
    Ok(RawArticle::new(origin, meta, body.to_string()))
}

fn set_field(meta: &mut ArticleMeta, key: &str, value: String) {
    let slot = match key {
        "title" => &mut meta.title,
        "source" => &mut meta.source,
        "date" => &mut meta.date,
        "url" => &mut meta.url,
        "lang" | "language" => &mut meta.lang,
        "id" => &mut meta.id,
        "byline" | "author" => &mut meta.byline,
        "credit" => &mut meta.credit,
        "caption" => &mut meta.caption,
        _ => return,
    };
    if !value.is_empty() {
        *slot = Some(value);
    }
}

/// Splits `key: value` lines ended by `---` from the rest, if the block is one.
fn split_front_matter(text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let trimmed = text.trim_start_matches(['\u{FEFF}', '\n', '\r']);
    // An opening `---` (YAML style) is accepted too.
    let trimmed = trimmed
        .strip_prefix("---\n")
        .or_else(|| trimmed.strip_prefix("---\r\n"))
        .unwrap_or(trimmed);
    let mut fields = Vec::new();
    let mut offset = 0;
    for line in trimmed.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        offset += line.len();
        if content.trim() == "---" {
            return (!fields.is_empty()).then(|| (fields, &trimmed[offset..]));
        }
        if content.trim().is_empty() {
            continue;
        }
        let (key, value) = content.split_once(':')?;
        let key = key.trim().to_ascii_lowercase();
        if !KEYS.contains(&key.as_str()) {
            return None;
        }
        fields.push((key, value.trim().to_string()));
    }
    None
}

/// Date, agency and caption from a wire-photo first line.
#[derive(Debug, Clone, PartialEq)]
pub struct WireHeader {
    pub date: String,
    pub credit: String,
    pub caption: Option<String>,
}

static WIRE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    // `date 2019-05-22 AFP A handout picture…`: the agency is an upper-case
    // token (AFP, AP, EFE, dpa, ANSA, Reuters/…): letters, digits, `/`, `-`, `&`.
    Regex::new(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+([A-Z][A-Za-z0-9/&\-]*[A-Za-z0-9])(?:\s+(.*))?$")
        .expect("valid regex")
});

/// Parses the first non-blank line as a wire header; returns it and the rest.
pub fn parse_wire_header(text: &str) -> Option<(WireHeader, &str)> {
    let start = text.len() - text.trim_start_matches(['\n', '\r', ' ', '\t']).len();
    let rest = &text[start..];
    let (line, after) = match rest.find('\n') {
        Some(pos) => (&rest[..pos], &rest[pos + 1..]),
        None => (rest, ""),
    };
    let caps = WIRE_LINE.captures(line.trim_end_matches('\r'))?;
    let caption = caps
        .get(3)
        .map(|m| m.as_str().trim().to_string())
        .filter(|c| !c.is_empty());
    Some((
        WireHeader {
            date: caps[1].to_string(),
            credit: caps[2].to_string(),
            caption,
        },
        after,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> RawArticle {
        read_txt(text, Origin::file("t.txt")).unwrap()
    }

    #[test]
    fn wire_header_is_metadata() {
        let raw = read(" date 2019-05-22 AFP A picture shows a rally.\n\nMaduro spoke.\n");
        assert_eq!(raw.meta.date.as_deref(), Some("2019-05-22"));
        assert_eq!(raw.meta.credit.as_deref(), Some("AFP"));
        assert_eq!(
            raw.meta.caption.as_deref(),
            Some("A picture shows a rally.")
        );
        assert_eq!(raw.text.trim(), "Maduro spoke.");
    }

    #[test]
    fn front_matter_then_wire_header() {
        let raw = read(
            "title: Talks in Oslo\nsource: Example Post\nlang: en\n---\ndate 2019-05-20 Reuters\n\nBody.\n",
        );
        assert_eq!(raw.meta.title.as_deref(), Some("Talks in Oslo"));
        assert_eq!(raw.meta.source.as_deref(), Some("Example Post"));
        assert_eq!(raw.meta.lang.as_deref(), Some("en"));
        assert_eq!(raw.meta.credit.as_deref(), Some("Reuters"));
        assert_eq!(raw.meta.caption, None);
        assert_eq!(raw.text.trim(), "Body.");
    }

    #[test]
    fn prose_with_colons_is_not_front_matter() {
        let text = "Warning: the talks failed.\n---\nMore text.";
        let raw = read(text);
        assert_eq!(raw.meta, ArticleMeta::default());
        assert_eq!(raw.text, text);
    }

    #[test]
    fn a_body_starting_with_date_is_kept() {
        let raw = read("date night in Caracas was quiet.");
        assert_eq!(raw.meta.date, None);
    }

    #[test]
    fn empty_is_an_error() {
        assert!(read_txt("  \n\n", Origin::file("e.txt")).is_err());
        assert!(read_txt("title: x\n---\n", Origin::file("e.txt")).is_err());
    }
}
