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
//! Front matter is a block of `key: value` lines (keys shaped like
//! identifiers: `outlet`, `section`, `og_title`) ended by a line `---`, and
//! optionally opened by one as in Jekyll or Hugo. Known keys fill the
//! article's metadata: title, source (also `outlet`, `publisher`, `site`,
//! `site_name`, `media`, `newspaper`), date, url, lang, id, byline (also
//! `author`), credit, caption. Any other key is kept in `meta.extra`.
//!
//! Prose that happens to have a colon in its first line is never eaten: a
//! block that is not opened by `---` counts as front matter only when it names
//! a known key or all its keys are lower case (`Warning: the talks failed.`
//! followed by a `---` rule stays body text).

use std::sync::LazyLock;

use regex::Regex;

use crate::article::{ArticleMeta, Origin, RawArticle};
use crate::input::InputError;

/// Keys that fill a metadata field, with the field they fill.
const KNOWN_KEYS: &[(&str, Field)] = &[
    ("title", Field::Title),
    ("source", Field::Source),
    ("outlet", Field::Source),
    ("publisher", Field::Source),
    ("site", Field::Source),
    ("site_name", Field::Source),
    ("media", Field::Source),
    ("newspaper", Field::Source),
    ("date", Field::Date),
    ("url", Field::Url),
    ("lang", Field::Lang),
    ("language", Field::Lang),
    ("id", Field::Id),
    ("byline", Field::Byline),
    ("author", Field::Byline),
    ("credit", Field::Credit),
    ("caption", Field::Caption),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Source,
    Date,
    Url,
    Lang,
    Id,
    Byline,
    Credit,
    Caption,
}

fn known_field(key: &str) -> Option<Field> {
    KNOWN_KEYS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|&(_, field)| field)
}

/// Reads a text article. Fails only when nothing of a body is left.
pub fn read_txt(text: &str, origin: Origin) -> Result<RawArticle, InputError> {
    let mut meta = ArticleMeta::default();
    let body = match split_front_matter(text) {
        Some((fields, rest)) => {
            for (key, value) in fields {
                set_field(&mut meta, key, value);
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

/// Puts one front-matter field into `meta`: the first value of a field wins
/// (`source: X` then `publisher: Y` keeps X and Y goes to `extra`).
fn set_field(meta: &mut ArticleMeta, key: String, value: String) {
    if value.is_empty() {
        return;
    }
    let slot = match known_field(&key.to_ascii_lowercase()) {
        Some(Field::Title) => &mut meta.title,
        Some(Field::Source) => &mut meta.source,
        Some(Field::Date) => &mut meta.date,
        Some(Field::Url) => &mut meta.url,
        Some(Field::Lang) => &mut meta.lang,
        Some(Field::Id) => &mut meta.id,
        Some(Field::Byline) => &mut meta.byline,
        Some(Field::Credit) => &mut meta.credit,
        Some(Field::Caption) => &mut meta.caption,
        None => {
            meta.extra.entry(key).or_insert(value);
            return;
        }
    };
    match slot {
        None => *slot = Some(value),
        Some(_) => {
            meta.extra.entry(key).or_insert(value);
        }
    }
}

static KEY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    // An identifier-shaped key (no spaces: `The minister said:` is prose).
    Regex::new(r"^([A-Za-z][A-Za-z0-9_.\-]{0,39})[ \t]*:(?:[ \t]+(.*)|[ \t]*)$")
        .expect("valid regex")
});

/// Splits a front-matter block from the rest, if the text starts with one.
fn split_front_matter(text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let trimmed = text.trim_start_matches(['\u{FEFF}', '\n', '\r']);
    let opened = trimmed
        .strip_prefix("---\n")
        .or_else(|| trimmed.strip_prefix("---\r\n"));
    let block = opened.unwrap_or(trimmed);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut offset = 0;
    for line in block.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        offset += line.len();
        if content.trim_end() == "---" {
            if fields.is_empty() || !(opened.is_some() || looks_like_metadata(&fields)) {
                return None;
            }
            return Some((fields, &block[offset..]));
        }
        if content.trim().is_empty() {
            continue;
        }
        // YAML lists and continuation lines (`tags:` then `  - a`) inside a
        // `---`-opened header join the value of the key above them.
        if opened.is_some() && content.starts_with([' ', '\t']) {
            let (_, value) = fields.last_mut()?;
            let item = content.trim().trim_start_matches("- ").trim();
            let item = unquote(item);
            if !item.is_empty() {
                if !value.is_empty() {
                    value.push_str(", ");
                }
                value.push_str(item);
            }
            continue;
        }
        let caps = KEY_LINE.captures(content)?;
        let value = caps.get(2).map_or("", |m| unquote(m.as_str().trim()));
        fields.push((caps[1].to_string(), value.to_string()));
    }
    None
}

/// A block not opened by `---` is metadata when it names a known key or all
/// its keys are lower case, as metadata keys are written.
fn looks_like_metadata(fields: &[(String, String)]) -> bool {
    fields
        .iter()
        .any(|(key, _)| known_field(&key.to_ascii_lowercase()).is_some())
        || fields
            .iter()
            .all(|(key, _)| !key.chars().any(|c| c.is_uppercase()))
}

/// Strips one pair of matching YAML quotes.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
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

    fn extra<'a>(raw: &'a RawArticle, key: &str) -> Option<&'a str> {
        raw.meta.extra.get(key).map(String::as_str)
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
    fn unknown_keys_are_front_matter_kept_as_extra() {
        let raw = read(
            "url: https://example.org/a\noutlet: El Diario\nlang: es\ndate: 2019-05-20\ntitle: Diálogo en Oslo\nsection: world\n---\nEl gobierno habló.\n",
        );
        assert_eq!(raw.meta.source.as_deref(), Some("El Diario"));
        assert_eq!(raw.meta.url.as_deref(), Some("https://example.org/a"));
        assert_eq!(raw.meta.lang.as_deref(), Some("es"));
        assert_eq!(raw.meta.date.as_deref(), Some("2019-05-20"));
        assert_eq!(raw.meta.title.as_deref(), Some("Diálogo en Oslo"));
        assert_eq!(extra(&raw, "section"), Some("world"));
        assert_eq!(raw.text.trim(), "El gobierno habló.");
    }

    #[test]
    fn outlet_names_fill_the_source() {
        for key in [
            "outlet",
            "publisher",
            "site",
            "media",
            "newspaper",
            "Publisher",
        ] {
            let raw = read(&format!("{key}: The Daily Example\n---\nBody.\n"));
            assert_eq!(
                raw.meta.source.as_deref(),
                Some("The Daily Example"),
                "{key}"
            );
            assert!(raw.meta.extra.is_empty(), "{key}");
        }
        // The first outlet name wins; a second one is kept, not lost.
        let raw = read("source: A\npublisher: B\n---\nBody.\n");
        assert_eq!(raw.meta.source.as_deref(), Some("A"));
        assert_eq!(extra(&raw, "publisher"), Some("B"));
    }

    #[test]
    fn dashes_opened_header_as_in_jekyll_and_hugo() {
        let raw = read(
            "---\nlayout: post\ntitle: \"Talks: day two\"\nOutlet: Example Post\ntags:\n  - venezuela\n  - norway\n---\n\nBody.\n",
        );
        assert_eq!(raw.meta.title.as_deref(), Some("Talks: day two"));
        assert_eq!(raw.meta.source.as_deref(), Some("Example Post"));
        assert_eq!(extra(&raw, "layout"), Some("post"));
        assert_eq!(extra(&raw, "tags"), Some("venezuela, norway"));
        assert_eq!(raw.text.trim(), "Body.");
    }

    #[test]
    fn prose_with_a_colon_in_its_first_line_stays_prose() {
        for text in [
            "Caracas: the talks failed on Monday.\nThe opposition left Oslo.\n",
            "Update: talks resume\n\nThe delegations met again.\n",
            "The minister said: we will talk.\n---\nMore.\n",
            "Breaking: talks fail\nCaracas: protests\n---\nMore.\n",
        ] {
            let raw = read(text);
            assert_eq!(raw.meta, ArticleMeta::default(), "{text:?}");
            assert_eq!(raw.text, text);
        }
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
