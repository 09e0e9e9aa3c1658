//! Sentence segmentation: Wikimedia's `sentencex` rules, then the project's own.
//!
//! `sentencex` is a maintained rule-based segmenter with abbreviation lists
//! for many languages. News text needs a few more rules. They work on cut
//! points, so every sentence stays a byte span of the paragraph:
//!
//! 1. Extra cuts after abbreviations that `sentencex` never lets end a
//!    sentence but that often do (`… imposed by EE.UU. La medida …`,
//!    `… gasolina, etc. La crisis …`).
//! 2. Merges of neighbouring pieces:
//!    - a quotation ending in `!`, `?` or `.` followed by its attribution is
//!      one sentence: `“Capture him!” Maduro told troops.` (only when the
//!      quotation opens the piece, so `called it “a step.” The U.S. said …`
//!      stays two);
//!    - a piece that goes on in lower case (`systems... to make`,
//!      `« Qui ? » a demandé un journaliste`) continues the sentence;
//!    - abbreviations of titles (`Dr.`, `Sr.`, `Gen.`, `St.`, `M.`), initials
//!      (`J. R. Smith`, `J.-M. Dupont`), number words (`No. 3844`) and
//!      numbers (`3.5`, `21. Mai`) do not end a sentence before what they
//!      introduce; acronyms (`U.S.`, `EE.UU.`) end one only before a word that
//!      usually starts a sentence (`The`, `La`, `Die`, …).
//!
//! ```
//! use newsframe::preprocess::sentences::split_sentences;
//!
//! let text = "“Capture him immediately!” Maduro told the troops. The U.S. Treasury replied.";
//! let sentences: Vec<&str> = split_sentences("en", text).into_iter().map(|r| &text[r]).collect();
//! assert_eq!(sentences, ["“Capture him immediately!” Maduro told the troops.",
//!                        "The U.S. Treasury replied."]);
//! ```
//!
//! Work is linear in the paragraph length: `sentencex` gets a long
//! paragraph in bounded chunks (see [`CHUNK_BYTES`]), and each rule looks at
//! a bounded window around one cut.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// How far past a cut the attribution rule looks, in bytes.
const ATTRIBUTION_WINDOW: usize = 160;
/// How far before a cut the abbreviation rules look, in bytes: longer than
/// any abbreviation and the word before it.
const WORD_WINDOW: usize = 64;

/// Splits `paragraph` into sentences, returning byte ranges into it.
///
/// Ranges are trimmed of surrounding whitespace, non-empty, increasing and
/// non-overlapping. `lang` is an ISO 639-1 code; unknown languages get the
/// generic rules.
pub fn split_sentences(lang: &str, paragraph: &str) -> Vec<Range<usize>> {
    let lang = segmenter_language(lang);
    let mut cuts = sentencex_cuts(lang, paragraph);
    cuts.extend(
        EXTRA_CUT
            .captures_iter(paragraph)
            .filter_map(|c| c.get(1).or_else(|| c.get(2)).map(|m| m.end())),
    );
    cuts.push(0);
    cuts.push(paragraph.len());
    cuts.retain(|&cut| cut <= paragraph.len() && paragraph.is_char_boundary(cut));
    cuts.sort_unstable();
    cuts.dedup();

    let mut merged: Vec<Range<usize>> = Vec::with_capacity(cuts.len());
    for window in cuts.windows(2) {
        let piece = window[0]..window[1];
        if paragraph[piece.clone()].trim().is_empty() {
            // Whitespace between sentences belongs to the previous one.
            if let Some(prev) = merged.last_mut() {
                prev.end = piece.end;
            }
            continue;
        }
        match merged.last_mut() {
            Some(prev) if should_merge(lang, &paragraph[prev.clone()], paragraph, piece.start) => {
                prev.end = piece.end;
            }
            _ => merged.push(piece),
        }
    }
    merged
        .into_iter()
        .filter_map(|r| trim_range(paragraph, r))
        .collect()
}

/// `sentencex` gets a long paragraph in chunks of about this many bytes.
/// It is linear in ordinary prose, but quadratic in some inputs: a quotation
/// that never closes, or a long run without spaces (`¿Sí?¡no!¿Sí?…`). Real
/// paragraphs are far shorter, so chunking changes nothing for them.
const CHUNK_BYTES: usize = 16 * 1024;
/// A chunk grows to at most this size while waiting for a clear sentence
/// end to cut at; past it any space between two words will do.
const MAX_CHUNK_BYTES: usize = 4 * CHUNK_BYTES;
/// A run without whitespace longer than this is cut anyway (it is not prose).
const MAX_RUN_BYTES: usize = 256;

/// Where a long paragraph is cut into chunks for `sentencex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChunkEdge {
    offset: usize,
    /// A clear sentence end (`troops. The`), kept as a cut; other edges lie
    /// between two words or inside a run without spaces and are not cuts.
    is_cut: bool,
}

/// The cut points `sentencex` finds, chunk by chunk.
fn sentencex_cuts(lang: &str, paragraph: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut chunk_start = 0;
    let end = ChunkEdge {
        offset: paragraph.len(),
        is_cut: false,
    };
    for edge in chunk_edges(paragraph).chain(std::iter::once(end)) {
        let chunk = &paragraph[chunk_start..edge.offset];
        for b in sentencex::get_sentence_boundaries(lang, chunk) {
            for cut in [b.start_byte, b.end_byte] {
                if cut != 0 && cut != chunk.len() {
                    cuts.push(chunk_start + cut);
                }
            }
        }
        if edge.is_cut {
            cuts.push(edge.offset);
        }
        chunk_start = edge.offset;
    }
    cuts
}

/// Chunk edges of `paragraph`, increasing, on char boundaries; none in a
/// paragraph shorter than [`CHUNK_BYTES`] with no long run without spaces.
fn chunk_edges(paragraph: &str) -> impl Iterator<Item = ChunkEdge> + '_ {
    let mut chunk_start = 0;
    let mut run_start = 0;
    // Lower-case letters right before the previous char, and that char.
    let mut lower_run = 0usize;
    let mut lower_before_prev = 0usize;
    let mut prev: Option<char> = None;
    let mut chars = paragraph.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some((i, c)) = chars.next() {
            let before = prev.replace(c);
            let lower_before_c = lower_run;
            lower_run = if c.is_lowercase() { lower_run + 1 } else { 0 };
            let lower_before_before = std::mem::replace(&mut lower_before_prev, lower_before_c);
            if c.is_whitespace() {
                run_start = i + c.len_utf8();
                let size = i - chunk_start;
                if size < CHUNK_BYTES {
                    continue;
                }
                let next = chars.peek().map(|&(_, n)| n);
                let sentence_end = matches!(before, Some('.' | '!' | '?'))
                    && lower_before_before >= 4
                    && next.is_some_and(char::is_uppercase);
                let between_words = before.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric);
                if sentence_end || (size >= MAX_CHUNK_BYTES && between_words) {
                    chunk_start = i;
                    return Some(ChunkEdge {
                        offset: i,
                        is_cut: sentence_end,
                    });
                }
            } else if i - run_start >= MAX_RUN_BYTES && i > chunk_start {
                run_start = i;
                chunk_start = i;
                return Some(ChunkEdge {
                    offset: i,
                    is_cut: false,
                });
            }
        }
        None
    })
}

/// The segmentation of `sentencex` alone, trimmed, without the project's
/// rules: the baseline the rules are measured against.
pub fn sentencex_only(lang: &str, paragraph: &str) -> Vec<Range<usize>> {
    sentencex::get_sentence_boundaries(segmenter_language(lang), paragraph)
        .into_iter()
        .filter_map(|b| trim_range(paragraph, b.start_byte..b.end_byte))
        .collect()
}

fn segmenter_language(lang: &str) -> &str {
    match lang {
        "und" | "" => "en",
        other => other,
    }
}

fn trim_range(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let piece = text.get(range.clone())?;
    let start = range.start + (piece.len() - piece.trim_start().len());
    let end = range.end - (piece.len() - piece.trim_end().len());
    (start < end).then_some(start..end)
}

/// Acronyms, list endings and ellipses after which `sentencex` never cuts,
/// followed by a capital: group 1 (or 2) ends where the next sentence may begin.
static EXTRA_CUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:^|[\s(])(?:(?i:etc|ecc|usw|usf)|EE\.\s?UU|U\.S\.A|U\.S|U\.N|U\.K|E\.U\.A|É\.-U)\.",
        r#"(\s+)[\p{Lu}«“"„¿¡]|(?:\.\.\.|…)(\s+)[\p{Lu}«“"„¿¡]"#
    ))
    .expect("valid regex")
});

/// Words that introduce an attribution after a quote, by language.
static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[\p{Lu}][\p{L}\-’'.]*\s+){1,4}(?:",
        // en
        r"said|says|told|tells|asked|added|wrote|tweeted|declared|shouted|insisted|warned|replied|stated|",
        // es
        r"dijo|dice|afirmó|declaró|añadió|señaló|aseguró|advirtió|preguntó|agregó|escribió|ordenó|gritó|",
        // pt
        r"disse|afirmou|declarou|acrescentou|perguntou|garantiu|escreveu|ordenou|",
        // fr
        r"a\s+déclaré|a\s+dit|a\s+affirmé|a\s+ajouté|a\s+lancé|a\s+demandé|déclare|affirme|",
        // de
        r"sagte|sagt|erklärte|betonte|fügte|schrieb|warnte|rief|fragte|",
        // it
        r"ha\s+detto|ha\s+dichiarato|ha\s+affermato|ha\s+chiesto|ha\s+aggiunto|chiese",
        r")\b"
    ))
    .expect("valid regex")
});

/// Abbreviations of titles and name parts: they precede a name and never end
/// a sentence. Lower-cased, without the final dot.
const TITLE_ABBREVIATIONS: &[&str] = &[
    // en
    "mr", "mrs", "ms", "dr", "prof", "gen", "gov", "sen", "rep", "col", "lt", "capt", "cmdr", "sgt",
    "st", "rev", "hon", "pres", "maj", "adm", "supt", "messrs", // es / pt
    "sr", "sra", "srta", "dra", "lic", "ing", "gral", "cnel", "sto", "sta", "d", "dña",
    // fr
    "m", "mme", "mlle", "mgr", "me", "gén", "pr", // de
    "hr", "fr", "frau", "herr", // it
    "sig", "sig.ra", "sig.na", "dott", "dott.ssa", "on", "avv", "ing", "mons",
];

/// Words that introduce a number (`No. 3844`, `n. 3844`, `Art. 233`).
const NUMBER_ABBREVIATIONS: &[&str] = &[
    "no", "nr", "nº", "n", "núm", "num", "art", "p", "pp", "vol", "cap", "s", "abs",
];

/// Abbreviations that introduce an example or a clarification and so never
/// end a sentence.
const INNER_ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "p.ej", "p. ej", "p.ex", "p. ex", "p.es", "p. es", "z.b", "z. b", "d.h", "d. h",
    "bzw", "vgl", "sog", "ca", "approx", "vs", "cf", "inkl", "ggf",
];

/// Acronyms that end a sentence only before a word that starts one.
const ACRONYMS: &[&str] = &[
    "u.s", "u.n", "u.k", "u.s.a", "ee.uu", "ee. uu", "e.u.a", "é.-u", "u.a",
];

/// List endings: they end a sentence before any capital.
const LIST_ENDINGS: &[&str] = &["etc", "ecc", "usw", "usf"];

/// Capitalized words that usually start a sentence (articles, pronouns,
/// conjunctions) in the supported languages. After `U.S.` or `EE.UU.`, one of
/// these means a new sentence; a name or noun means the acronym is inside one.
const SENTENCE_STARTERS: &[&str] = &[
    // en
    "the",
    "a",
    "an",
    "it",
    "he",
    "she",
    "they",
    "we",
    "i",
    "this",
    "that",
    "these",
    "those",
    "but",
    "and",
    "its",
    "his",
    "her",
    "their",
    "there",
    "however",
    "meanwhile",
    "in",
    "on",
    "at",
    // es
    "el",
    "la",
    "los",
    "las",
    "un",
    "una",
    "pero",
    "y",
    "su",
    "sus",
    "este",
    "esta",
    "eso",
    "ese",
    "esa",
    "él",
    "ella",
    "ellos",
    "por",
    "con",
    "según",
    "en",
    "lo", // fr
    "le",
    "les",
    "l",
    "une",
    "il",
    "elle",
    "ils",
    "elles",
    "ce",
    "cette",
    "mais",
    "et",
    "selon",
    "des",
    "du", // de
    "der",
    "die",
    "das",
    "ein",
    "eine",
    "er",
    "sie",
    "es",
    "wir",
    "doch",
    "aber",
    "und",
    "im",
    "am",
    "nach", // pt
    "o",
    "os",
    "as",
    "um",
    "uma",
    "ele",
    "ela",
    "mas",
    "e",
    "em",
    "no",
    "na",
    "segundo",
    // it
    "lo",
    "i",
    "gli",
    "ma",
    "nel",
    "nella",
    "secondo",
    "lui",
    "lei",
];

/// German month names: an ordinal day before one of these is a date.
const GERMAN_MONTHS: &[&str] = &[
    "januar",
    "jänner",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
];

/// Decides whether the piece starting at `next_start` continues `prev`.
fn should_merge(lang: &str, prev: &str, paragraph: &str, next_start: usize) -> bool {
    let rest = &paragraph[next_start..];
    let next_trim = rest.trim_start();
    let prev_trim = prev.trim_end();
    let Some(first) = next_trim.chars().next() else {
        return true;
    };
    let starts_lower = first.is_lowercase();
    let starts_digit = first.is_ascii_digit();

    // `É.` + `-U.`: a hyphenated abbreviation cut in two.
    if matches!(first, '-' | '‐')
        && prev_trim.ends_with('.')
        && !rest.starts_with(char::is_whitespace)
    {
        return true;
    }
    // A closing quote (or `!`/`?`/`…`) followed by more of the sentence.
    let ends_quote = prev_trim.ends_with(['”', '"', '»', '’', '\'', '“']);
    let ends_bang = prev_trim.ends_with(['!', '?', '…']) || prev_trim.ends_with("...");
    if ends_quote || ends_bang {
        if starts_lower {
            return true;
        }
        // Only a quotation that makes up the whole piece takes an
        // attribution: `called it “a step.” The U.S. said …` is two sentences.
        let quote_only = prev
            .trim_start()
            .starts_with(['“', '"', '«', '„', '‘', '\'', '‹', '—', '–']);
        if ends_quote && quote_only && ATTRIBUTION.is_match(window(next_trim, ATTRIBUTION_WINDOW)) {
            return true;
        }
    }

    // Only the end of `prev` matters, and `prev` may be a long run of merged
    // pieces (or one huge word): look at a bounded tail, keeping work linear.
    let prev_tail = tail(prev_trim, WORD_WINDOW);
    let Some(last_word) = prev_tail.split_whitespace().next_back() else {
        return false;
    };
    if !last_word.ends_with('.') || last_word.ends_with("..") {
        return false;
    }
    let bare = last_word
        .trim_start_matches(['(', '[', '“', '"', '«', '‘', '„'])
        .trim_end_matches('.');
    // Elided articles belong to the next word: `L'On.` is `On.`.
    let bare = bare.rsplit(['\'', '’']).next().unwrap_or(bare);
    let word = bare.to_lowercase();
    // Two-word abbreviations: `p. ej.`, `z. B.`, `d. h.`
    let two_words = prev_tail
        .rsplit(char::is_whitespace)
        .nth(1)
        .map(|w| format!("{} {word}", w.trim_end_matches('.').to_lowercase()))
        .unwrap_or_default();
    let two_words = two_words.trim_start_matches(['(', '[', '“', '"', '«', '‘', '„']);

    if INNER_ABBREVIATIONS.contains(&word.as_str()) || INNER_ABBREVIATIONS.contains(&two_words) {
        return true;
    }
    // `p.` and `z.` of `p. ej.` / `z. B.` cut before their second half.
    if matches!(word.as_str(), "p" | "z" | "d") && starts_lower {
        return true;
    }
    if LIST_ENDINGS.contains(&word.as_str()) {
        return starts_lower || starts_digit;
    }
    if ACRONYMS.contains(&word.as_str()) {
        return starts_lower || starts_digit || !starts_sentence(next_trim);
    }
    if NUMBER_ABBREVIATIONS.contains(&word.as_str()) && starts_digit {
        return true;
    }
    if TITLE_ABBREVIATIONS.contains(&word.as_str()) {
        // `M.` in French and `d.` elsewhere are also ordinary words; require
        // a capital after the single-letter ones.
        return word.chars().count() > 1 || first.is_uppercase();
    }
    // Initials: `J.`, `J. R.`, `J.-M.`, `G.B.`
    if is_initials(bare) && first.is_uppercase() {
        return true;
    }
    if word.contains('.') {
        // Other dotted abbreviations (`a.m.`, `Sig.ra`) go on in lower case.
        return starts_lower || starts_digit;
    }
    // Numbers cut at a dot: `3.` + `5 percent`, ordinals `21.` + `Mai` (de).
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) {
        if starts_digit {
            return true;
        }
        if lang == "de" && word.len() <= 2 {
            let next_word = next_trim
                .split(|c: char| !c.is_alphabetic())
                .next()
                .unwrap_or("")
                .to_lowercase();
            return starts_lower || GERMAN_MONTHS.contains(&next_word.as_str());
        }
    }
    false
}

/// A suffix of `text` of at most `max` bytes, cut on a char boundary.
fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// A prefix of `text` of at most `max` bytes, cut on a char boundary.
fn window(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// True for `J`, `J. R`, `J.-M`: single capital letters joined by dots/hyphens.
fn is_initials(word: &str) -> bool {
    let mut letters = 0;
    for part in word.split(['.', '-']) {
        let mut chars = part.chars();
        match (chars.next(), chars.next()) {
            (None, _) => {}
            (Some(c), None) if c.is_uppercase() => letters += 1,
            _ => return false,
        }
    }
    letters > 0
}

/// True when `text` begins with a word that usually starts a sentence.
fn starts_sentence(text: &str) -> bool {
    let word: String = text
        .trim_start_matches(['«', '“', '"', '„', '¿', '¡', ' '])
        .chars()
        .take_while(|c| c.is_alphabetic())
        .take(12)
        .collect::<String>()
        .to_lowercase();
    SENTENCE_STARTERS.contains(&word.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(lang: &str, text: &str) -> Vec<String> {
        split_sentences(lang, text)
            .into_iter()
            .map(|r| text[r].to_string())
            .collect()
    }

    #[test]
    fn quote_with_attribution_is_one_sentence() {
        let text = "“If a traitor emerges, capture him immediately, it’s an order: Capture him immediately!” Maduro told army personnel at a rally. The president spoke.";
        let got = split("en", text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("at a rally."));
    }

    #[test]
    fn spans_are_exact() {
        let text = "First one.  Second one!  Third?";
        for r in split_sentences("en", text) {
            assert_eq!(&text[r.clone()], text[r].trim());
        }
    }

    #[test]
    fn acronym_before_a_name_or_a_new_sentence() {
        assert_eq!(
            split(
                "en",
                "The U.S. Treasury acted. It was sanctioned by the U.S. The end."
            ),
            [
                "The U.S. Treasury acted.",
                "It was sanctioned by the U.S.",
                "The end."
            ]
        );
    }

    #[test]
    fn initials() {
        assert!(is_initials("J"));
        assert!(is_initials("J.-M"));
        assert!(is_initials("G.B"));
        assert!(!is_initials("Gen"));
        assert!(!is_initials("j"));
    }

    #[test]
    fn short_paragraphs_are_not_chunked() {
        let text =
            "“Capture him!” Maduro told the troops, and the U.S. Treasury replied. ".repeat(100);
        assert!(text.len() < CHUNK_BYTES);
        assert_eq!(chunk_edges(&text).count(), 0);
    }

    #[test]
    fn long_paragraphs_are_chunked_at_sentence_ends() {
        let text =
            "Maduro told the troops to stay loyal. Guaidó urged them to defect. ".repeat(1000);
        let edges: Vec<ChunkEdge> = chunk_edges(&text).collect();
        assert!(edges.len() >= text.len() / MAX_CHUNK_BYTES);
        for edge in edges {
            assert!(edge.is_cut);
            assert!(
                text[..edge.offset].ends_with("loyal.") || text[..edge.offset].ends_with("defect.")
            );
        }
        let mut plain: Vec<usize> = sentencex::get_sentence_boundaries("en", &text)
            .into_iter()
            .map(|b| b.end_byte)
            .filter(|&c| c != text.len())
            .collect();
        plain.dedup();
        let ours: Vec<usize> = split_sentences("en", &text)
            .into_iter()
            .map(|r| r.end)
            .collect();
        assert_eq!(ours.len(), 2000);
        assert_eq!(plain.len(), 1999);
    }

    #[test]
    fn long_runs_without_spaces_are_cut_into_chunks() {
        let text = "¿Sí?¡no!".repeat(1000);
        let edges: Vec<ChunkEdge> = chunk_edges(&text).collect();
        assert!(edges.len() >= text.len() / (MAX_RUN_BYTES + 8));
        assert!(
            edges
                .iter()
                .all(|e| text.is_char_boundary(e.offset) && !e.is_cut)
        );
        assert!(!split_sentences("es", &text).is_empty());
    }

    #[test]
    fn empty_and_blank() {
        assert!(split_sentences("en", "").is_empty());
        assert!(split_sentences("en", "   ").is_empty());
    }
}
