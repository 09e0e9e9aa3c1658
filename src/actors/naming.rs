//! How an article names an actor: each mention with the descriptive words
//! around it, as naming terms.
//!
//! A naming phrase is one or more adjacent mentions of the same actor (the
//! set's names that matched: `Interim President` + `Juan Guaidó`, `secretario
//! general de la ONU, António Guterres`) with the descriptive words next to
//! them: titles, roles and evaluative or political labels from a small
//! per-language lexicon ([`NAMING_WORDS`]).
//!
//! - Before the name, in every language: lexicon words, reading back over
//!   articles and linking words (`the`, `de la`, `der`) when a lexicon word
//!   precedes them: "self-proclaimed interim president Juan Guaidó", "la
//!   dirigencia extremista de la oposición", "le président vénézuélien
//!   Nicolás Maduro"; hyphenated compounds whose last part is a lexicon word
//!   ("US-backed opposition").
//! - After the name, in Romance languages (`es`, `fr`, `pt`, `it`, `ca`),
//!   where adjectives follow the noun: "el Gobierno legítimo", "o regime
//!   chavista".
//! - Appositions set off by commas on either side, of at most six words,
//!   starting with an article or a lexicon word: "El ministro de
//!   Comunicación, Jorge Rodríguez," and "Maduro, the embattled ruler,".
//!
//! A phrase stays on one line. Its terms are each matched name, lowercased
//! as written in the article without dots (`maduro's regime`, `golpistas`,
//! `us` for `U.S.`), and each descriptive word, lowercased
//! (`self-proclaimed`, `diputado`). A phrase counts a term once.
//!
//! ```
//! use newsframe::actors::{ActorMatcher, ActorSet, naming};
//!
//! let mut set = ActorSet::empty("example");
//! set.add_inline("opposition=Juan Guaidó|opposition").unwrap();
//! let text = "They met the self-proclaimed president Juan Guaidó.";
//! let mentions = ActorMatcher::new(&set).find_in(text);
//! let phrases = naming::phrases(text, "en", &mentions);
//! assert_eq!(phrases[0].text, "self-proclaimed president Juan Guaidó");
//! assert_eq!(phrases[0].terms, ["self-proclaimed", "president", "juan guaidó"]);
//! ```

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use super::Mention;
use super::fold::fold_str;
use crate::article::Span;
use crate::record::NamingTerm;

/// Descriptive words that name an actor (titles, roles, political and
/// evaluative labels, nationality), per language, lowercased. Matched
/// folded (case and diacritics ignored), in any article language: articles
/// mix languages.
#[rustfmt::skip]
pub const NAMING_WORDS: &[(&str, &[&str])] = &[
    ("en", &[
        "president", "presidential", "interim", "acting", "self-proclaimed", "self-declared",
        "self-styled", "leader", "leaders", "chief", "head", "ruler", "strongman", "dictator",
        "usurper", "embattled", "authoritarian", "autocratic", "socialist", "democratic",
        "legitimate", "illegitimate", "constitutional", "elected", "unelected", "putschist",
        "putschists", "coup", "plotters", "rebel", "rebels", "extremist", "extremists",
        "radical", "radicals", "far-right", "right-wing", "left-wing", "hardline", "hard-line",
        "moderate", "lawmaker", "lawmakers", "deputy", "speaker", "minister", "defense",
        "foreign", "secretary", "secretary-general", "envoy", "envoys", "spokesman",
        "spokeswoman", "venezuelan", "american", "norwegian", "chavista", "bolivarian",
        "backed", "controlled", "proclaimed", "puppet", "loyalist", "loyalists", "mainstream",
        "gen.", "lt.", "col.", "sen.", "rep.", "gov.", "pres.",
    ]),
    ("es", &[
        "presidente", "presidenta", "mandatario", "encargado", "interino", "autoproclamado",
        "autoproclamada", "líder", "dirigente", "dirigentes", "dirigencia", "cúpula", "jefe",
        "diputado", "diputada", "ministro", "ministra", "canciller", "vocero", "dictador",
        "usurpador", "golpista", "golpistas", "extremista", "extremistas", "radical",
        "radicales", "ultraderecha", "derechista", "fascista", "apátrida", "títere", "legítimo",
        "legítima", "ilegítimo", "constitucional", "bolivariano", "bolivariana",
        "revolucionario", "revolucionaria", "chavista", "venezolano", "venezolana", "opositor",
        "opositora", "secretario", "oficialista", "democrático", "democrática", "gral.",
        "cnel.", "pdte.",
    ]),
    ("fr", &[
        "président", "présidente", "intérimaire", "autoproclamé", "chef", "dirigeant",
        "dirigeants", "opposant", "député", "ministre", "dictateur", "usurpateur", "putschiste",
        "putschistes", "extrémiste", "extrémistes", "légitime", "illégitime", "constitutionnel",
        "vénézuélien", "vénézuélienne", "bolivarien", "chaviste", "socialiste", "secrétaire",
        "général", "démocratique", "gén.",
    ]),
    ("de", &[
        "präsident", "präsidenten", "staatschef", "machthaber", "diktator", "interimspräsident",
        "übergangspräsident", "übergangspräsidenten", "selbsternannte", "selbsternannten",
        "ernannte", "ernannten", "selbst", "oppositionsführer", "anführer", "abgeordnete",
        "abgeordneter", "minister", "verteidigungsminister", "außenminister", "putschisten",
        "rechtmäßige", "legitime", "sozialistische", "sozialistischen", "venezolanische",
        "venezolanischen", "generalsekretär",
    ]),
    ("pt", &[
        "presidente", "mandatário", "interino", "autoproclamado", "líder", "dirigente",
        "deputado", "ministro", "chanceler", "ditador", "usurpador", "golpista", "golpistas",
        "extremista", "legítimo", "ilegítimo", "constitucional", "bolivariano", "chavista",
        "venezuelano", "venezuelana", "secretário-geral", "chefe", "opositor",
    ]),
];

/// Articles, possessives and linking words read over between a name and
/// the descriptive words before it ("leader of the", "dirigencia … de la").
#[rustfmt::skip]
const LINKING_WORDS: &[&str] = &[
    // en
    "the", "a", "an", "of", "its", "his", "her", "their",
    // es
    "el", "la", "los", "las", "un", "una", "de", "del", "su", "sus",
    // fr (elided l' and d' are split off first)
    "le", "les", "une", "du", "des", "son", "sa", "ses",
    // de
    "der", "die", "das", "den", "dem", "ein", "eine", "einen", "einem", "eines", "von",
    // pt
    "o", "os", "as", "um", "uma", "do", "da", "dos", "das", "seu", "sua",
    // courtesy titles, read over as articles are: they name no role
    "mr.", "mrs.", "ms.", "m.", "mme.", "sr.", "sra.", "dr.", "herr", "frau",
];

/// Languages whose adjectives follow the noun.
const ADJECTIVE_AFTER_NOUN: &[&str] = &["es", "fr", "pt", "it", "ca"];

/// Descriptive words read before a name (after linking words are skipped).
const MAX_BEFORE: usize = 4;
/// Descriptive words read after a name (Romance languages).
const MAX_AFTER: usize = 3;
/// Words of an apposition.
const MAX_APPOSITION: usize = 6;
/// Linking words read over in a row before giving up ("of the").
const MAX_LINKING: usize = 3;
/// Words between two mentions of one actor that still make one phrase.
const MAX_JOIN_GAP: usize = 4;
/// Distinct terms kept per actor per article (most used first): a bound for
/// pathological input, far above what an article uses.
pub const MAX_TERMS_PER_ACTOR: usize = 40;
/// Characters of an example phrase kept in a record.
pub const MAX_EXAMPLE_CHARS: usize = 160;

fn folded_set(words: impl Iterator<Item = &'static str>) -> HashSet<String> {
    words.map(|w| fold_str(w, true)).collect()
}

fn naming_words() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| folded_set(NAMING_WORDS.iter().flat_map(|(_, w)| w.iter().copied())))
}

fn linking_words() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| folded_set(LINKING_WORDS.iter().copied()))
}

/// What a word is for naming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordKind {
    /// A descriptive word: a term.
    Naming,
    /// Read over when a descriptive word lies beyond it.
    Linking,
    Other,
}

/// The word without an elided article (`l'opposant` → `opposant`), and
/// whether one was removed.
fn strip_elision(word: &str) -> (&str, bool) {
    for prefix in ["l'", "d'", "l’", "d’", "L'", "D'", "L’", "D’"] {
        if let Some(rest) = word.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return (rest, true);
        }
    }
    (word, false)
}

fn kind_of(word: &str) -> WordKind {
    let (bare, _) = strip_elision(word);
    let folded = fold_str(bare, true);
    let folded = folded.trim_matches(|c| c == '-' || c == '\'');
    if naming_words().contains(folded) {
        return WordKind::Naming;
    }
    // `US-backed`, `opposition-controlled`: a compound whose last part describes.
    if let Some((_, last)) = folded.rsplit_once('-')
        && naming_words().contains(last)
    {
        return WordKind::Naming;
    }
    if linking_words().contains(folded) {
        return WordKind::Linking;
    }
    WordKind::Other
}

/// A naming term as counted: lowercased, apostrophes unified, an elided
/// article and surrounding hyphens removed, inner whitespace collapsed.
fn term_of(text: &str) -> String {
    let (bare, _) = strip_elision(text.trim());
    bare.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['’', 'ʼ'], "'")
        .trim_matches(|c| c == '-' || c == '\'')
        .to_lowercase()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '\'' || c == '’'
}

/// The word ending at byte `end` (after skipping spaces back from it), not
/// starting before `floor`; None at punctuation or at `floor`.
fn word_before(text: &str, end: usize, floor: usize) -> Option<Span> {
    let head = &text[floor..end];
    let trimmed = head.trim_end();
    if head[trimmed.len()..].contains('\n') {
        // A phrase does not run across lines (paragraphs, headings).
        return None;
    }
    let word_end = floor + trimmed.len();
    let start_of = |text: &str| {
        text.char_indices()
            .rev()
            .take_while(|(_, c)| is_word_char(*c))
            .last()
            .map(|(i, _)| floor + i)
    };
    // A known abbreviation keeps its dot (`Gen.`, `M.`).
    if let Some(bare) = trimmed.strip_suffix('.')
        && let Some(start) = start_of(bare)
        && kind_of(&text[start..word_end]) != WordKind::Other
    {
        return Some(Span {
            start,
            end: word_end,
        });
    }
    Some(Span {
        start: start_of(trimmed)?,
        end: word_end,
    })
}

/// The word starting at byte `start` (after skipping spaces), ending before
/// `ceiling`; None at punctuation or at `ceiling`.
fn word_after(text: &str, start: usize, ceiling: usize) -> Option<Span> {
    let tail = &text[start..ceiling];
    let skipped = tail.len() - tail.trim_start().len();
    if tail[..skipped].contains('\n') {
        return None;
    }
    let word_start = start + skipped;
    let len: usize = text[word_start..ceiling]
        .chars()
        .take_while(|c| is_word_char(*c))
        .map(char::len_utf8)
        .sum();
    (len > 0).then(|| Span {
        start: word_start,
        end: word_start + len,
    })
}

/// One naming phrase: adjacent mentions of one actor and their descriptive words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingPhrase {
    /// Index of the actor in its set.
    pub actor: usize,
    /// Byte span of the whole phrase in the text.
    pub span: Span,
    /// The phrase as written.
    pub text: String,
    /// Its terms, in text order, each once.
    pub terms: Vec<String>,
}

struct Unit {
    actor: usize,
    span: Span,
    /// (start of the term in the text, term): sorted into text order at the end.
    terms: Vec<(usize, String)>,
}

/// Words between two mentions of one actor that keep them one phrase: only
/// linking and descriptive words and at most one comma. Returns the
/// descriptive words, or None when the mentions are apart.
fn join_gap(text: &str, gap: Span) -> Option<Vec<(usize, String)>> {
    let between = &text[gap.start..gap.end];
    if between.matches(',').count() > 1
        || between.contains('\n')
        || between
            .chars()
            .any(|c| !(is_word_char(c) || c.is_whitespace() || c == ','))
    {
        return None;
    }
    let mut terms = Vec::new();
    let mut offset = 0;
    let mut words = 0;
    for piece in between.split(|c: char| c.is_whitespace() || c == ',') {
        let start = gap.start + offset;
        offset += piece.len()
            + between[offset + piece.len()..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
        if piece.is_empty() {
            continue;
        }
        words += 1;
        if words > MAX_JOIN_GAP {
            return None;
        }
        match kind_of(piece) {
            WordKind::Naming => terms.push((start, term_of(piece))),
            WordKind::Linking => {}
            WordKind::Other => return None,
        }
    }
    Some(terms)
}

/// Descriptive words before `start`, back to `floor` (the end of the
/// previous phrase's names): (new phrase start, terms).
fn before(text: &str, start: usize, floor: usize) -> (usize, Vec<(usize, String)>) {
    let mut terms = Vec::new();
    let mut phrase_start = start;
    let mut at = start;
    let mut linking = 0;
    while terms.len() < MAX_BEFORE && linking <= MAX_LINKING {
        let Some(word) = word_before(text, at, 0) else {
            break;
        };
        let raw = &text[word.start..word.end];
        // Only a compound may reach into the previous names (`US-backed`).
        if word.start < floor && !raw.contains('-') {
            break;
        }
        match kind_of(raw) {
            WordKind::Naming => {
                terms.push((word.start, term_of(raw)));
                phrase_start = word.start;
                linking = 0;
            }
            WordKind::Linking => linking += 1,
            WordKind::Other => break,
        }
        if strip_elision(raw).1 || word.start < floor {
            // `l'opposant`: the elided article ends the phrase's left side.
            break;
        }
        at = word.start;
    }
    (phrase_start, terms)
}

/// Adjectives after `end` (Romance languages), up to `ceiling`.
fn after(text: &str, end: usize, ceiling: usize) -> (usize, Vec<(usize, String)>) {
    let mut terms = Vec::new();
    let mut phrase_end = end;
    let mut at = end;
    while terms.len() < MAX_AFTER {
        let Some(word) = word_after(text, at, ceiling) else {
            break;
        };
        let raw = &text[word.start..word.end];
        if kind_of(raw) != WordKind::Naming || strip_elision(raw).1 {
            break;
        }
        terms.push((word.start, term_of(raw)));
        phrase_end = word.end;
        at = word.end;
    }
    (phrase_end, terms)
}

/// The descriptive words of an apposition `segment` (text between commas or
/// a comma and the sentence's edge), or None when it is not one.
fn apposition(text: &str, segment: Span) -> Option<Vec<(usize, String)>> {
    let mut words = Vec::new();
    let mut at = segment.start;
    while let Some(w) = word_after(text, at, segment.end) {
        words.push(w);
        at = w.end;
        if words.len() > MAX_APPOSITION {
            return None;
        }
    }
    // Only words and spaces: anything else is not a simple apposition.
    if !text[at..segment.end].trim().is_empty() {
        return None;
    }
    let first = words.first()?;
    if kind_of(&text[first.start..first.end]) == WordKind::Other
        && !strip_elision(&text[first.start..first.end]).1
    {
        return None;
    }
    let terms: Vec<(usize, String)> = words
        .iter()
        .filter(|w| kind_of(&text[w.start..w.end]) == WordKind::Naming)
        .map(|w| (w.start, term_of(&text[w.start..w.end])))
        .collect();
    (!terms.is_empty()).then_some(terms)
}

fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '('
            | ')'
            | '"'
            | '“'
            | '”'
            | '«'
            | '»'
            | '„'
            | '—'
            | '–'
            | '\n'
    )
}

/// The apposition after a phrase ending at `end`: ", the embattled ruler,".
fn apposition_after(text: &str, end: usize, ceiling: usize) -> Option<Vec<(usize, String)>> {
    let rest = &text[end..ceiling];
    let after_comma = rest.trim_start().strip_prefix(',')?;
    let start = ceiling - after_comma.len();
    let len = after_comma
        .find(is_clause_break)
        .unwrap_or(after_comma.len());
    apposition(
        text,
        Span {
            start,
            end: start + len,
        },
    )
}

/// The apposition before a phrase starting at `start`: "El ministro de
/// Comunicación, Jorge Rodríguez".
fn apposition_before(text: &str, start: usize, floor: usize) -> Option<Vec<(usize, String)>> {
    // Articles between the comma and the phrase are read over ("…, el Gen.").
    let mut start = start;
    for _ in 0..MAX_LINKING {
        if text[floor..start].trim_end().ends_with(',') {
            break;
        }
        match word_before(text, start, floor) {
            Some(w) if kind_of(&text[w.start..w.end]) == WordKind::Linking => start = w.start,
            _ => return None,
        }
    }
    let head = &text[floor..start];
    let before_comma = head.trim_end().strip_suffix(',')?;
    let end = floor + before_comma.len();
    let seg_start = before_comma
        .rfind(is_clause_break)
        .map(|i| floor + i + before_comma[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(floor);
    apposition(
        text,
        Span {
            start: seg_start,
            end,
        },
    )
}

/// The naming phrases of `text` (an article body) for its `mentions` (in
/// text order, as [`super::ActorMatcher`] gives them). `lang` is the
/// article language (ISO 639-1): it decides whether adjectives after a name
/// are read.
pub fn phrases(text: &str, lang: &str, mentions: &[Mention]) -> Vec<NamingPhrase> {
    let mut units: Vec<Unit> = Vec::new();
    for m in mentions {
        if m.span.end > text.len() || m.span.start >= m.span.end {
            continue;
        }
        // Dots dropped: `U.S.` and `US` are one name.
        let surface = (
            m.span.start,
            term_of(&text[m.span.start..m.span.end]).replace('.', ""),
        );
        if let Some(last) = units.last_mut()
            && last.actor == m.actor
            && last.span.end <= m.span.start
            && let Some(gap_terms) = join_gap(
                text,
                Span {
                    start: last.span.end,
                    end: m.span.start,
                },
            )
        {
            last.span.end = m.span.end;
            last.terms.extend(gap_terms);
            last.terms.push(surface);
            continue;
        }
        units.push(Unit {
            actor: m.actor,
            span: m.span,
            terms: vec![surface],
        });
    }
    let adjectives_after = ADJECTIVE_AFTER_NOUN.contains(&lang);
    let mut out = Vec::with_capacity(units.len());
    for i in 0..units.len() {
        // A phrase does not reach into its neighbours' names.
        let floor = if i == 0 { 0 } else { units[i - 1].span.end };
        let ceiling = units.get(i + 1).map_or(text.len(), |u| u.span.start);
        let unit = &units[i];
        let mut terms = unit.terms.clone();
        let (start, pre) = before(text, unit.span.start, floor);
        terms.extend(pre);
        let mut end = unit.span.end;
        if adjectives_after {
            let (e, post) = after(text, end, ceiling);
            end = e;
            terms.extend(post);
        }
        let mut span = Span { start, end };
        if let Some(app) = apposition_after(text, end, ceiling) {
            terms.extend(app);
        }
        if let Some(app) = apposition_before(text, start, floor.min(start)) {
            if let Some(&(first, _)) = app.first() {
                span.start = span.start.min(first);
            }
            terms.extend(app);
        }
        terms.sort_by_key(|(at, _)| *at);
        let mut seen = HashSet::new();
        let terms: Vec<String> = terms
            .into_iter()
            .map(|(_, t)| t)
            .filter(|t| !t.is_empty() && seen.insert(t.clone()))
            .collect();
        out.push(NamingPhrase {
            actor: unit.actor,
            span,
            text: text[span.start..span.end].to_string(),
            terms,
        });
    }
    out
}

/// Per actor of a set of `actors`: the naming terms of the phrases, counted
/// (phrases using each term), most used first, then alphabetically; at most
/// [`MAX_TERMS_PER_ACTOR`] each.
pub fn count_terms(phrases: &[NamingPhrase], actors: usize) -> Vec<Vec<NamingTerm>> {
    let mut counts: Vec<BTreeMap<&str, (usize, &str)>> = vec![BTreeMap::new(); actors];
    for p in phrases {
        let Some(actor) = counts.get_mut(p.actor) else {
            continue;
        };
        for term in &p.terms {
            let entry = actor.entry(term.as_str()).or_insert((0, p.text.as_str()));
            entry.0 += 1;
            if better_example(&p.text, entry.1) {
                entry.1 = p.text.as_str();
            }
        }
    }
    counts
        .into_iter()
        .map(|terms| {
            let mut list: Vec<NamingTerm> = terms
                .into_iter()
                .map(|(term, (count, example))| NamingTerm {
                    term: term.to_string(),
                    count,
                    example: truncate_chars(example, MAX_EXAMPLE_CHARS),
                })
                .collect();
            // Stable: equal counts keep the alphabetical order of the map.
            list.sort_by_key(|t| std::cmp::Reverse(t.count));
            list.truncate(MAX_TERMS_PER_ACTOR);
            list
        })
        .collect()
}

/// Whether `candidate` is the better example phrase of a term than
/// `current`: the longer (it shows more of the naming), then the smaller;
/// so the choice does not depend on the order records come in.
pub fn better_example(candidate: &str, current: &str) -> bool {
    let (a, b) = (candidate.chars().count(), current.chars().count());
    a > b || (a == b && candidate < current)
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::{ActorMatcher, ActorSet};

    fn venezuela() -> ActorSet {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/actors/venezuela.toml");
        ActorSet::load(std::path::Path::new(path)).unwrap()
    }

    /// (actor id, phrase text, terms) of every phrase in `text`.
    fn named(text: &str, lang: &str) -> Vec<(String, String, Vec<String>)> {
        let set = venezuela();
        let mentions = ActorMatcher::new(&set).find_in(text);
        phrases(text, lang, &mentions)
            .into_iter()
            .map(|p| (set.actors[p.actor].id.clone(), p.text, p.terms))
            .collect()
    }

    fn terms(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn english_titles_labels_and_names() {
        let got = named(
            "Envoys met the self-proclaimed interim president Juan Guaidó in Oslo.",
            "en",
        );
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "opposition");
        assert_eq!(
            got[0].1, "self-proclaimed interim president Juan Guaidó",
            "{got:?}"
        );
        assert_eq!(
            got[0].2,
            terms(&["self-proclaimed interim president", "juan guaidó"])
        );
        let got = named(
            "Venezuelan President Nicolás Maduro spoke. The Maduro regime did not. \
             The putschists and the US-backed opposition failed.",
            "en",
        );
        let by_text: Vec<(&str, &[String])> = got
            .iter()
            .map(|(_, t, terms)| (t.as_str(), terms.as_slice()))
            .collect();
        assert!(by_text.contains(&(
            "Venezuelan President Nicolás Maduro",
            &terms(&["venezuelan", "president", "nicolás maduro"])[..]
        )));
        assert!(by_text.contains(&("Maduro regime", &terms(&["maduro regime"])[..])));
        assert!(by_text.contains(&("putschists", &terms(&["putschists"])[..])));
        assert!(
            by_text.contains(&(
                "US-backed opposition",
                &terms(&["us-backed", "opposition"])[..]
            )),
            "{by_text:?}"
        );
    }

    #[test]
    fn english_verbs_and_places_are_not_names() {
        let got = named("In Caracas, Maduro praised Guaidó's envoys.", "en");
        assert_eq!(got[0].2, terms(&["maduro"]));
        assert_eq!(got[1].2, terms(&["guaidó"]));
    }

    #[test]
    fn english_apposition() {
        let got = named("Maduro, the embattled ruler, spoke on Tuesday.", "en");
        assert_eq!(got[0].2, terms(&["maduro", "embattled", "ruler"]));
        let got = named("Maduro, who spoke on Tuesday, left.", "en");
        assert_eq!(got[0].2, terms(&["maduro"]));
    }

    #[test]
    fn spanish_titles_before_and_adjectives_after() {
        let got = named(
            "La marcha respondió a los golpistas, apoyados por el diputado Juan Guaidó. \
             El Gobierno legítimo habló.",
            "es",
        );
        let texts: Vec<(&str, &str)> = got
            .iter()
            .map(|(a, t, _)| (a.as_str(), t.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                ("opposition", "golpistas"),
                ("opposition", "diputado Juan Guaidó"),
                ("government", "Gobierno legítimo"),
            ]
        );
        assert_eq!(got[1].2, terms(&["diputado", "juan guaidó"]));
        assert_eq!(got[2].2, terms(&["gobierno", "legítimo"]));
        let got = named(
            "Mientras tanto, la dirigencia extremista de la oposición insiste.",
            "es",
        );
        assert_eq!(got[0].1, "dirigencia extremista de la oposición");
        assert_eq!(got[0].2, terms(&["dirigencia", "extremista", "oposición"]));
    }

    #[test]
    fn spanish_apposition_before_the_name() {
        let got = named(
            "El ministro de Comunicación, Jorge Rodríguez, encabezó la delegación.",
            "es",
        );
        assert_eq!(got[0].0, "government");
        assert_eq!(got[0].2, terms(&["ministro", "jorge rodríguez"]));
    }

    #[test]
    fn french_title_with_adjective_and_elided_article() {
        let got = named(
            "Le président vénézuélien Nicolás Maduro a parlé, tandis que l'opposant \
             Juan Guaidó se taisait. Le régime autoproclamé…",
            "fr",
        );
        assert_eq!(got[0].1, "président vénézuélien Nicolás Maduro");
        assert_eq!(
            got[0].2,
            terms(&["président", "vénézuélien", "nicolás maduro"])
        );
        assert_eq!(got[1].0, "opposition");
        assert_eq!(got[1].1, "opposant Juan Guaidó");
        assert_eq!(got[1].2, terms(&["opposant", "juan guaidó"]));
    }

    #[test]
    fn german_compounds_and_titles() {
        let got = named(
            "Oppositionsführer Juan Guaidó und Präsident Nicolás Maduro trafen die Putschisten nicht.",
            "de",
        );
        assert_eq!(got[0].2, terms(&["oppositionsführer", "juan guaidó"]));
        assert_eq!(got[1].2, terms(&["präsident", "nicolás maduro"]));
        assert_eq!(got[2].0, "opposition");
        assert_eq!(got[2].2, terms(&["putschisten"]));
    }

    #[test]
    fn portuguese_adjective_after_the_noun() {
        let got = named(
            "O regime chavista e o presidente autoproclamado Juan Guaidó.",
            "pt",
        );
        assert_eq!(got[0].0, "government");
        assert_eq!(got[0].1, "regime chavista");
        assert_eq!(got[0].2, terms(&["regime", "chavista"]));
        assert_eq!(got[1].0, "opposition");
        assert_eq!(got[1].1, "presidente autoproclamado Juan Guaidó");
        assert_eq!(
            got[1].2,
            terms(&["presidente autoproclamado", "juan guaidó"])
        );
    }

    #[test]
    fn adjectives_after_are_only_read_in_romance_languages() {
        let set = ActorSet::from_toml_str(
            "[[actors]]\nid = \"g\"\nname = \"G\"\naliases = { any = [\"gobierno\"] }\n",
            "t.toml",
        )
        .unwrap();
        let text = "gobierno legítimo";
        let mentions = ActorMatcher::new(&set).find_in(text);
        assert_eq!(
            phrases(text, "es", &mentions)[0].terms,
            ["gobierno", "legítimo"]
        );
        assert_eq!(phrases(text, "en", &mentions)[0].terms, ["gobierno"]);
    }

    #[test]
    fn counts_terms_per_actor_once_per_phrase() {
        let set = venezuela();
        let text =
            "President Maduro met President Nicolás Maduro. Maduro left. The opposition stayed.";
        let mentions = ActorMatcher::new(&set).find_in(text);
        let found = phrases(text, "en", &mentions);
        let counted = count_terms(&found, set.actors.len());
        let gov = &counted[0];
        let summary: Vec<(&str, usize)> = gov.iter().map(|t| (t.term.as_str(), t.count)).collect();
        assert_eq!(
            summary,
            [
                ("maduro", 1),
                ("nicolás maduro", 1),
                ("president", 1),
                ("president maduro", 1)
            ]
        );
        assert_eq!(gov[1].example, "President Nicolás Maduro");
        assert_eq!(counted[1][0].term, "opposition");
        assert!(counted[2].is_empty());
    }

    #[test]
    fn abbreviated_ranks_and_an_apposition_before_them() {
        let got = named(
            "El ministro de Defensa, el Gen. Vladimir Padrino López, habló. Según M. Guaidó, no.",
            "es",
        );
        assert_eq!(
            got[0].1,
            "ministro de Defensa, el Gen. Vladimir Padrino López"
        );
        assert_eq!(
            got[0].2,
            terms(&["ministro", "gen.", "vladimir padrino lópez"])
        );
        assert_eq!(got[1].1, "Guaidó", "a courtesy title is no naming term");
        assert_eq!(got[1].2, terms(&["guaidó"]));
    }

    #[test]
    fn phrases_do_not_run_across_lines() {
        let got = named("Venezuelan government\n\nPresident Maduro\nlegítimo", "es");
        let texts: Vec<&str> = got.iter().map(|(_, t, _)| t.as_str()).collect();
        assert_eq!(texts, ["Venezuelan government", "President Maduro"]);
    }

    /// Seeded random texts of names, naming words, punctuation and
    /// multi-byte characters: phrases lie on char boundaries and contain
    /// their names, whatever the input.
    #[test]
    fn random_texts_give_well_formed_phrases() {
        let set = venezuela();
        let matcher = ActorMatcher::new(&set);
        let pieces = [
            "Maduro",
            "Guaidó",
            "el",
            "Gen.",
            "M.",
            "régimen",
            "golpistas",
            "US",
            "-backed",
            "opposition",
            "president",
            "legítimo",
            ",",
            ", ",
            ".",
            "\n",
            " ",
            "l'",
            "’",
            "«",
            "self-proclaimed",
            "de la",
            "Präsident",
            "—",
            "é",
            "🇻🇪",
            "of the",
            "regime",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..(state % 17 + 1) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
                if state & 1 == 0 {
                    text.push(' ');
                }
            }
            let mentions = matcher.find_in(&text);
            for lang in ["en", "es"] {
                let found = phrases(&text, lang, &mentions);
                for m in &mentions {
                    assert!(
                        found.iter().any(|p| p.actor == m.actor
                            && p.span.start <= m.span.start
                            && m.span.end <= p.span.end),
                        "{text:?}: {m:?} in no phrase"
                    );
                }
                for p in found {
                    assert!(p.span.start <= p.span.end && p.span.end <= text.len());
                    assert!(
                        text.is_char_boundary(p.span.start) && text.is_char_boundary(p.span.end)
                    );
                    assert_eq!(p.text, &text[p.span.start..p.span.end]);
                    assert!(!p.terms.is_empty(), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        let set = venezuela();
        for text in [
            "",
            ",",
            "Maduro",
            ", Maduro ,",
            "l' Maduro",
            "--Maduro--regime",
            "Präsident,,Maduro, ,",
            "’ Guaidó ’",
        ] {
            let mentions = ActorMatcher::new(&set).find_in(text);
            let _ = phrases(text, "es", &mentions);
        }
    }
}
