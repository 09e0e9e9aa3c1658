//! The builtin targeted-stance scorer: evaluative lexicons the project
//! writes (`data/lexicons/<lang>.tsv`, compiled into the binary), applied
//! to each sentence with rules for negation, intensifiers, contrast,
//! distance to the actor, who acts on whom, and quotes.
//!
//! Lexicon format (see `docs/schema.md`): `term<TAB>kind[<TAB>value]`, `#`
//! comments. A term is one or more words, folded like actor names; a final
//! `*` matches any ending (`putschist*`). Kinds:
//!
//! - `pos`, `neg` (value = strength, default 1): an attribute of whoever is
//!   nearest (`renegade soldiers led by X`). It is shared among the actors
//!   of the sentence in proportion to `1 / (1 + d/3)`, `d` being the
//!   distance in words to each actor's nearest mention.
//! - `pos-act`, `neg-act`: conduct, which reflects on the agent, the actor
//!   named last before the word (`Norway, which is brokering`; `the US
//!   threatened to oust X` is negative for the US, not for X), or the one
//!   after an agent marker (`by X`) in passives. An actor only named after
//!   the word is its object and gets nothing (`the uprising did not topple
//!   Maduro`), unless the word opens the sentence (`Brokering the talks,
//!   Norway …`).
//! - `pos-eval`, `neg-eval`: an evaluation of the actor named next after the
//!   word (`praised X`, `condemned X`), or, when none follows, of the one
//!   named before it (`X, widely condemned, …`).
//! - `negator` (flips and weakens to 0.8 the next evaluative word within 3
//!   words), `intensifier` (value = factor: 1.5 for `very`, 0.5 for
//!   `slightly`; within 2 words before), `contrast` (`but`: the clause after
//!   weighs 1.5, the one before 0.5), `agent` (passive agent markers: `by`).
//!
//! Every contribution is also scaled by proximity `1 / (1 + d/10)`.
//!
//! Quotes. A quote of more than four words is its speaker's view, which the
//! article reports: its evaluative words count only toward actors named
//! inside the same quote, at half weight, and never toward the speaker or
//! other actors of the sentence (`“Capture the traitors!” Maduro said`
//! does not make the article negative about Maduro). A shorter quote is a
//! borrowed phrase inside the article's own sentence (`“very much
//! supportive”`, scare quotes) and counts at 0.75.
//!
//! Sentence probabilities: with `P` and `N` the summed positive and negative
//! contributions, `softmax(k·P, b, k·N)` over (positive, neutral,
//! negative), `k` = `sharpness` and `b` = `neutral_bias`; a sentence without
//! evaluative words is neutral (0.6 by default). The judgment weight is
//! `0.5 + min(P + N, 2)`, halved for context sentences, so evaluative
//! sentences lead the aggregate.

use std::collections::HashMap;
use std::path::Path;

use unicode_segmentation::UnicodeSegmentation;

use crate::actors::fold::fold_str;
use crate::article::Article;
use crate::record::LabelProbs;

use super::{SentenceJudgment, StanceQuery, StanceScorer};

/// A lexicon compiled into newsframe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinLexicon {
    /// ISO 639-1 code.
    pub lang: &'static str,
    /// File name under `data/lexicons/`.
    pub file: &'static str,
    /// The file's content.
    pub text: &'static str,
}

/// The lexicons shipped with newsframe.
pub const BUILTIN_LEXICONS: &[BuiltinLexicon] = &[
    builtin_lexicon("en", "en.tsv", include_str!("../../data/lexicons/en.tsv")),
    builtin_lexicon("es", "es.tsv", include_str!("../../data/lexicons/es.tsv")),
    builtin_lexicon("fr", "fr.tsv", include_str!("../../data/lexicons/fr.tsv")),
    builtin_lexicon("de", "de.tsv", include_str!("../../data/lexicons/de.tsv")),
    builtin_lexicon("pt", "pt.tsv", include_str!("../../data/lexicons/pt.tsv")),
];

const fn builtin_lexicon(
    lang: &'static str,
    file: &'static str,
    text: &'static str,
) -> BuiltinLexicon {
    BuiltinLexicon { lang, file, text }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Attribute,
    Act,
    Eval,
    Negator,
    Intensifier,
    Contrast,
    Agent,
    /// A verb or phrase of reported speech (`said`, `según`): an actor next
    /// to it is a speaker, whose words are not the article's own.
    Speech,
}

impl EntryKind {
    /// Attributes, conduct and evaluations: the kinds that carry stance.
    pub fn is_evaluative(self) -> bool {
        matches!(
            self,
            EntryKind::Attribute | EntryKind::Act | EntryKind::Eval
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: EntryKind,
    /// Signed strength for evaluative kinds; factor for intensifiers.
    pub value: f64,
    /// Number of words of the term.
    pub len: usize,
    tokens: Vec<TokenPattern>,
}

#[derive(Debug, Clone, PartialEq)]
enum TokenPattern {
    Exact(String),
    Prefix(String),
}

impl TokenPattern {
    fn matches(&self, token: &str) -> bool {
        match self {
            TokenPattern::Exact(t) => t == token,
            TokenPattern::Prefix(p) => token.starts_with(p.as_str()),
        }
    }
}

/// A lexicon file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("lexicon {file}, line {line}: {message}")]
pub struct LexiconError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The data lines of a tab-separated lexicon or weights file, numbered from
/// 1 and without trailing space; blank lines and `#` comments are left out.
pub(crate) fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.trim_end()))
        .filter(|(_, line)| !(line.trim().is_empty() || line.trim_start().starts_with('#')))
}

/// One language's lexicon.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    by_first: HashMap<String, Vec<Entry>>,
    by_prefix: HashMap<String, Vec<Entry>>,
    entries: usize,
}

impl Lexicon {
    /// Parses a lexicon; `file` only names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Lexicon, LexiconError> {
        let mut lexicon = Lexicon::default();
        for (line_no, line) in data_lines(text) {
            let err = |message: String| LexiconError {
                file: file.to_string(),
                line: line_no,
                message,
            };
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            if fields.len() < 2 {
                return Err(err(format!(
                    "expected term<TAB>kind[<TAB>value], found {line:?}"
                )));
            }
            let (term, kind) = (fields[0], fields[1]);
            let value: Option<f64> = match fields.get(2).filter(|v| !v.is_empty()) {
                Some(v) => Some(
                    v.parse()
                        .map_err(|_| err(format!("value {v:?} is not a number")))?,
                ),
                None => None,
            };
            let strength = value.unwrap_or(1.0);
            let (kind, value) = match kind {
                "pos" => (EntryKind::Attribute, strength),
                "neg" => (EntryKind::Attribute, -strength),
                "pos-act" => (EntryKind::Act, strength),
                "neg-act" => (EntryKind::Act, -strength),
                "pos-eval" => (EntryKind::Eval, strength),
                "neg-eval" => (EntryKind::Eval, -strength),
                "negator" => (EntryKind::Negator, 0.0),
                "intensifier" => (EntryKind::Intensifier, value.unwrap_or(1.5)),
                "contrast" => (EntryKind::Contrast, 0.0),
                "agent" => (EntryKind::Agent, 0.0),
                "speech" => (EntryKind::Speech, 0.0),
                other => {
                    return Err(err(format!(
                        "unknown kind {other:?} (expected pos, neg, pos-act, neg-act, pos-eval, neg-eval, negator, intensifier, contrast, agent or speech)"
                    )));
                }
            };
            if !(value.is_finite() && value.abs() <= 5.0) {
                return Err(err(format!("value {value} is outside [-5, 5]")));
            }
            let (body, prefix) = match term.strip_suffix('*') {
                Some(body) => (body, true),
                None => (term, false),
            };
            let words: Vec<String> = tokenize(body)
                .into_iter()
                .filter(|t| t.word)
                .map(|t| t.folded)
                .collect();
            if words.is_empty() {
                return Err(err(format!("term {term:?} has no words")));
            }
            let last = words.len() - 1;
            let tokens: Vec<TokenPattern> = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if prefix && i == last {
                        TokenPattern::Prefix(w.clone())
                    } else {
                        TokenPattern::Exact(w.clone())
                    }
                })
                .collect();
            let entry = Entry {
                kind,
                value,
                len: tokens.len(),
                tokens,
            };
            let key = words[0].clone();
            if prefix && last == 0 {
                lexicon.by_prefix.entry(key).or_default().push(entry);
            } else {
                lexicon.by_first.entry(key).or_default().push(entry);
            }
            lexicon.entries += 1;
        }
        Ok(lexicon)
    }

    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The longest entry matching at word `i` of `words` (the first listed
    /// wins a tie).
    pub(crate) fn longest_at(&self, words: &[&str], i: usize) -> Option<&Entry> {
        let first = words[i];
        let fits = |entry: &&Entry| {
            i + entry.len <= words.len()
                && entry
                    .tokens
                    .iter()
                    .zip(&words[i..])
                    .all(|(p, w)| p.matches(w))
        };
        let exact = self.by_first.get(first).into_iter().flatten();
        let prefixed = first
            .char_indices()
            .map(|(end, _)| end)
            .skip(3)
            .chain(std::iter::once(first.len()))
            .filter_map(|end| self.by_prefix.get(&first[..end]))
            .flatten();
        exact
            .chain(prefixed)
            .filter(fits)
            .fold(None, |best: Option<&Entry>, e| match best {
                Some(b) if b.len >= e.len => Some(b),
                _ => Some(e),
            })
    }
}

/// Lexicons by language.
#[derive(Debug, Clone, Default)]
pub struct Lexicons {
    by_lang: HashMap<String, Lexicon>,
}

impl Lexicons {
    /// The lexicons compiled into newsframe.
    pub fn builtin() -> Lexicons {
        let mut by_lang = HashMap::new();
        for BuiltinLexicon { lang, file, text } in BUILTIN_LEXICONS {
            let lexicon = Lexicon::parse(text, &format!("data/lexicons/{file}"))
                .expect("builtin lexicons are checked by the test suite");
            by_lang.insert(lang.to_string(), lexicon);
        }
        Lexicons { by_lang }
    }

    /// Lexicons from `<dir>/<lang>.tsv`, replacing the builtin ones for the
    /// languages found there.
    pub fn with_dir(mut self, dir: &Path) -> Result<Lexicons, LexiconError> {
        let entries = std::fs::read_dir(dir).map_err(|e| LexiconError {
            file: dir.display().to_string(),
            line: 0,
            message: format!("cannot read folder: {e}"),
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "tsv") {
                let lang = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text = std::fs::read_to_string(&path).map_err(|e| LexiconError {
                    file: path.display().to_string(),
                    line: 0,
                    message: e.to_string(),
                })?;
                let lexicon = Lexicon::parse(&text, &path.display().to_string())?;
                self.by_lang.insert(lang, lexicon);
            }
        }
        Ok(self)
    }

    pub fn get(&self, lang: &str) -> Option<&Lexicon> {
        self.by_lang.get(lang)
    }

    pub fn languages(&self) -> Vec<&str> {
        let mut langs: Vec<&str> = self.by_lang.keys().map(String::as_str).collect();
        langs.sort();
        langs
    }

    /// The lexicons for an article: its language and, for a mixed-language
    /// article, the other languages found in it.
    pub fn for_article(&self, article: &Article) -> Vec<&Lexicon> {
        std::iter::once(article.lang())
            .chain(article.language.others.iter().map(String::as_str))
            .filter_map(|l| self.get(l))
            .collect()
    }
}

/// A token of a sentence: a word or a punctuation mark.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) folded: String,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) word: bool,
}

pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    text.split_word_bound_indices()
        .filter(|(_, s)| !s.trim().is_empty())
        .map(|(start, s)| Token {
            folded: fold_str(s, true),
            start,
            end: start + s.len(),
            word: s.chars().any(char::is_alphanumeric),
        })
        .collect()
}

/// Settings of the lexicon scorer; defaults documented per field.
#[derive(Debug, Clone, PartialEq)]
pub struct LexiconStanceConfig {
    /// `k` in the sentence softmax (default 2.5: one clear word decides a sentence).
    pub sharpness: f64,
    /// `b`, the neutral logit (default 1.1: a sentence without evaluative
    /// words is 0.6 neutral).
    pub neutral_bias: f64,
    /// Weight of a context sentence (default 0.5).
    pub context_weight: f64,
    /// Weight of a long quote's words toward actors inside it (default 0.5).
    pub quote_weight: f64,
    /// Weight of a short quoted phrase (default 0.75).
    pub fragment_weight: f64,
}

impl Default for LexiconStanceConfig {
    fn default() -> LexiconStanceConfig {
        LexiconStanceConfig {
            sharpness: 2.5,
            neutral_bias: 1.1,
            context_weight: 0.5,
            quote_weight: 0.5,
            fragment_weight: 0.75,
        }
    }
}

/// The builtin stance scorer.
#[derive(Debug, Clone)]
pub struct LexiconStanceScorer {
    lexicons: Lexicons,
    config: LexiconStanceConfig,
}

/// Evaluative mass found in a sentence for one actor.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Polarity {
    pub positive: f64,
    pub negative: f64,
}

impl LexiconStanceScorer {
    pub fn new(lexicons: Lexicons, config: LexiconStanceConfig) -> LexiconStanceScorer {
        LexiconStanceScorer { lexicons, config }
    }

    pub fn lexicons(&self) -> &Lexicons {
        &self.lexicons
    }

    /// The total strength of evaluative words in a sentence, whoever they
    /// are about: how much a sentence says, used to pick sentences.
    pub fn informativeness(&self, article: &Article, sentence: usize) -> f64 {
        let lexicons = self.lexicons.for_article(article);
        let tokens = tokenize(article.sentence_text(sentence));
        let words: Vec<&str> = tokens
            .iter()
            .filter(|t| t.word)
            .map(|t| t.folded.as_str())
            .collect();
        lexicon_hits(&lexicons, &words)
            .iter()
            .filter(|hit| hit.entry.kind.is_evaluative())
            .fold(0.0, |total, hit| total + hit.entry.value.abs())
    }

    /// Positive and negative mass toward `actor` in one sentence. `direct`
    /// is false for a context sentence, where the actor is the implicit
    /// subject (placed before the first word).
    pub fn polarity(&self, query: &StanceQuery<'_>, sentence: usize, direct: bool) -> Polarity {
        let article = query.article;
        let span = article.sentences[sentence].span;
        let text = &article.body[span.start..span.end];
        let tokens = tokenize(text);
        let words: Vec<&Token> = tokens.iter().filter(|t| t.word).collect();
        if words.is_empty() {
            return Polarity::default();
        }
        let lexicons = self.lexicons.for_article(article);
        let folded: Vec<&str> = words.iter().map(|t| t.folded.as_str()).collect();
        let hits = lexicon_hits(&lexicons, &folded);
        let view = RuleSentence {
            mentions: mention_ranges(query, sentence, &words, direct),
            quotes: quote_ranges(text, &words),
            break_before: clause_breaks(&tokens, words.len()),
            contrast: hits
                .iter()
                .find(|hit| hit.entry.kind == EntryKind::Contrast && hit.at > 0)
                .map(|hit| hit.at),
            folded,
            hits,
        };

        let mut polarity = Polarity::default();
        for hit in &view.hits {
            if !hit.entry.kind.is_evaluative() || view.in_mention(hit.at) {
                continue;
            }
            let (eligible, weight) = self.eligible_mentions(&view, hit.at);
            let Some(d_target) = nearest(&eligible, query.actor_index, hit.at) else {
                continue;
            };
            let value = view.modified_value(hit);
            let proximity = 1.0 / (1.0 + d_target as f64 / 10.0);
            let share = target_share(hit, d_target, &eligible, &view.hits, query.actor_index);
            let contribution = value * weight * proximity * share;
            if contribution > 0.0 {
                polarity.positive += contribution;
            } else {
                polarity.negative -= contribution;
            }
        }
        polarity
    }

    /// The mentions that may receive the word at `h`, and the weight of the
    /// word: a long quote's words go only to actors named inside it.
    fn eligible_mentions(&self, view: &RuleSentence<'_>, h: usize) -> (Vec<MentionRange>, f64) {
        match view.quote_of(h) {
            Some(q) if view.quotes[q].long => (
                view.mentions
                    .iter()
                    .copied()
                    .filter(|m| view.quote_of(m.first) == Some(q))
                    .collect(),
                self.config.quote_weight,
            ),
            Some(_) => (view.mentions.clone(), self.config.fragment_weight),
            None => (view.mentions.clone(), 1.0),
        }
    }

    /// Sentence probabilities from evaluative mass.
    pub fn probs(&self, polarity: Polarity) -> LabelProbs {
        let k = self.config.sharpness;
        let z = [
            k * polarity.positive,
            self.config.neutral_bias,
            k * polarity.negative,
        ];
        let max = z.iter().cloned().fold(f64::MIN, f64::max);
        let e = z.map(|v| (v - max).exp());
        let sum: f64 = e.iter().sum();
        LabelProbs {
            positive: e[0] / sum,
            neutral: e[1] / sum,
            negative: e[2] / sum,
        }
    }
}

/// A mention of an actor as the word range `[first, last]` of a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MentionRange {
    /// Index of the actor in the actor set.
    actor: usize,
    first: usize,
    last: usize,
}

impl MentionRange {
    /// Words from `h` to the mention (0 inside it).
    fn distance(&self, h: usize) -> usize {
        if h < self.first {
            self.first - h
        } else {
            h.saturating_sub(self.last)
        }
    }
}

/// A lexicon entry found at word `at` of a sentence.
#[derive(Debug, Clone, Copy)]
struct Hit<'a> {
    at: usize,
    entry: &'a Entry,
}

/// A quote of a sentence as the word range `[first, last]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quote {
    pub(crate) first: usize,
    pub(crate) last: usize,
    /// More than four words: the speaker's view rather than a borrowed phrase.
    pub(crate) long: bool,
}

/// One sentence as the rules read it, in word positions.
struct RuleSentence<'a> {
    folded: Vec<&'a str>,
    mentions: Vec<MentionRange>,
    quotes: Vec<Quote>,
    /// Whether a clause break (, ; : dash, parenthesis) precedes each word:
    /// negation and intensifiers do not cross one.
    break_before: Vec<bool>,
    /// Lexicon hits, longest first at each position.
    hits: Vec<Hit<'a>>,
    /// The first contrast word (`but`) after the first word.
    contrast: Option<usize>,
}

impl RuleSentence<'_> {
    fn in_mention(&self, i: usize) -> bool {
        self.mentions.iter().any(|m| m.first <= i && i <= m.last)
    }

    fn quote_of(&self, i: usize) -> Option<usize> {
        self.quotes.iter().position(|q| q.first <= i && i <= q.last)
    }

    /// Whether a clause break lies between word `j` and word `h` (`j < h`).
    fn clause_break_between(&self, j: usize, h: usize) -> bool {
        (j + 1..=h).any(|k| self.break_before[k])
    }

    /// The entry's value after intensifiers (up to 2 words before), negation
    /// (up to 3 words before) and contrast, all within the clause.
    fn modified_value(&self, hit: &Hit<'_>) -> f64 {
        let h = hit.at;
        let mut value = hit.entry.value;
        let mut factor = 1.0;
        for before in self.hits.iter().filter(|b| b.at < h && h - b.at <= 2) {
            if before.entry.kind == EntryKind::Intensifier
                && !self.clause_break_between(before.at, h)
            {
                factor *= before.entry.value;
            }
        }
        value *= factor.clamp(0.25, 2.5);
        let negated = self.hits.iter().any(|b| {
            b.entry.kind == EntryKind::Negator
                && b.at < h
                && h - b.at <= 3
                && !self.clause_break_between(b.at, h)
        }) || (h.saturating_sub(3)..h).any(|j| {
            !self.clause_break_between(j, h)
                && (self.folded[j].ends_with("n't")
                    || self.folded[j] == "n'"
                    || self.folded[j].starts_with("n'"))
        });
        if negated {
            value *= -0.8;
        }
        if let Some(c) = self.contrast {
            value *= if h < c { 0.5 } else { 1.5 };
        }
        value
    }
}

/// Longest lexicon entries, left to right, over the folded words.
fn lexicon_hits<'a>(lexicons: &[&'a Lexicon], folded: &[&str]) -> Vec<Hit<'a>> {
    let mut hits = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        match lexicons.iter().find_map(|l| l.longest_at(folded, i)) {
            Some(entry) => {
                hits.push(Hit { at: i, entry });
                i += entry.len;
            }
            None => i += 1,
        }
    }
    hits
}

/// The actors' mentions in `sentence` as word ranges; for a context
/// sentence (`direct` false) the actor is placed before the first word.
fn mention_ranges(
    query: &StanceQuery<'_>,
    sentence: usize,
    words: &[&Token],
    direct: bool,
) -> Vec<MentionRange> {
    let start = query.article.sentences[sentence].span.start;
    let mut ranges = Vec::new();
    for m in query.mentions.iter().filter(|m| m.sentence == sentence) {
        let (s, e) = (m.span.start - start, m.span.end - start);
        let covered: Vec<usize> = (0..words.len())
            .filter(|&i| words[i].start < e && s < words[i].end)
            .collect();
        if let (Some(&first), Some(&last)) = (covered.first(), covered.last()) {
            ranges.push(MentionRange {
                actor: m.actor,
                first,
                last,
            });
        }
    }
    if !direct {
        ranges.push(MentionRange {
            actor: query.actor_index,
            first: 0,
            last: 0,
        });
    }
    ranges
}

/// For each of `words` words, whether a clause break (, ; : - ( )) comes
/// right before it.
fn clause_breaks(tokens: &[Token], words: usize) -> Vec<bool> {
    let mut break_before = vec![false; words];
    let mut w = 0;
    for t in tokens {
        if t.word {
            w += 1;
        } else if matches!(t.folded.as_str(), "," | ";" | ":" | "-" | "(" | ")") && w < words {
            break_before[w] = true;
        }
    }
    break_before
}

/// Words from `h` to the nearest eligible mention of `actor`.
fn nearest(eligible: &[MentionRange], actor: usize, h: usize) -> Option<usize> {
    eligible
        .iter()
        .filter(|m| m.actor == actor)
        .map(|m| m.distance(h))
        .min()
}

/// The part of an evaluative word that goes to the target actor, by kind:
/// attributes shared by nearness, conduct to its agent, evaluations to
/// their patient.
fn target_share(
    hit: &Hit<'_>,
    d_target: usize,
    eligible: &[MentionRange],
    hits: &[Hit<'_>],
    target: usize,
) -> f64 {
    let h = hit.at;
    match hit.entry.kind {
        EntryKind::Attribute => {
            let mut actors: Vec<usize> = eligible.iter().map(|m| m.actor).collect();
            actors.sort_unstable();
            actors.dedup();
            let w = |d: usize| 1.0 / (1.0 + d as f64 / 3.0);
            let total: f64 = actors
                .iter()
                .filter_map(|&a| nearest(eligible, a, h))
                .map(w)
                .sum();
            w(d_target) / total
        }
        EntryKind::Act if agent_of(h, eligible, hits) == Some(target) => 1.0,
        EntryKind::Eval if patient_of(h, eligible) == Some(target) => 0.8,
        _ => 0.0,
    }
}

/// The actor an evaluation word at `h` is about: the one named next after
/// it, else the one named last before it.
fn patient_of(h: usize, eligible: &[MentionRange]) -> Option<usize> {
    eligible
        .iter()
        .filter(|m| m.first > h)
        .min_by_key(|m| m.first)
        .or_else(|| {
            eligible
                .iter()
                .filter(|m| m.last < h)
                .max_by_key(|m| m.last)
        })
        .map(|m| m.actor)
}

/// The agent of a conduct word at `h`: after an agent marker (`by X`)
/// following the word, else the actor named last before it, else (for a
/// word opening the sentence) the first one after it.
fn agent_of(h: usize, eligible: &[MentionRange], hits: &[Hit<'_>]) -> Option<usize> {
    let by = hits
        .iter()
        .find(|hit| hit.entry.kind == EntryKind::Agent && hit.at > h && hit.at - h <= 4)
        .map(|hit| hit.at);
    if let Some(b) = by
        && let Some(m) = eligible
            .iter()
            .filter(|m| m.first > b && m.first - b <= 4)
            .min_by_key(|m| m.first)
    {
        return Some(m.actor);
    }
    // An actor after the word is its object (`the uprising did not topple
    // Maduro`), except when the word opens the sentence (`Brokering the
    // talks, Norway …`).
    eligible
        .iter()
        .filter(|m| m.last < h)
        .max_by_key(|m| m.last)
        .or_else(|| {
            eligible
                .iter()
                .filter(|m| h <= 1 && m.first > h)
                .min_by_key(|m| m.first)
        })
        .map(|m| m.actor)
}

/// Quotes in a sentence as word ranges; a quote is long when it holds
/// more than four words. An unclosed quote runs to the end of the
/// sentence, a closing mark without an opening one starts at the
/// beginning.
pub(crate) fn quote_ranges(text: &str, words: &[&Token]) -> Vec<Quote> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut open: Option<usize> = None;
    let mut straight_open = false;
    for (at, ch) in text.char_indices() {
        let opening = matches!(ch, '“' | '«' | '„' | '‹') || (ch == '"' && !straight_open);
        let closing = matches!(ch, '”' | '»' | '›') || (ch == '"' && straight_open);
        if ch == '"' {
            straight_open = !straight_open;
        }
        if opening && open.is_none() && !closing {
            open = Some(at);
        } else if closing || (ch == '“' && open.is_some()) {
            // `„…“` closes with `“`.
            ranges.push((open.take().unwrap_or(0), at));
        } else if opening && open.is_some() {
            continue;
        }
    }
    if let Some(o) = open {
        ranges.push((o, text.len()));
    }
    ranges
        .into_iter()
        .filter_map(|(s, e)| {
            let inside: Vec<usize> = (0..words.len())
                .filter(|&i| words[i].start > s && words[i].end <= e)
                .collect();
            Some(Quote {
                first: *inside.first()?,
                last: *inside.last()?,
                long: inside.len() > 4,
            })
        })
        .collect()
}

impl StanceScorer for LexiconStanceScorer {
    fn describe(&self) -> String {
        format!("builtin-lexicon@{}", env!("CARGO_PKG_VERSION"))
    }

    fn judge(&self, queries: &[StanceQuery<'_>]) -> anyhow::Result<Vec<Vec<SentenceJudgment>>> {
        Ok(queries
            .iter()
            .map(|query| {
                query
                    .sentences
                    .iter()
                    .map(|target| {
                        let polarity = self.polarity(query, target.index, target.direct);
                        let mass = (polarity.positive + polarity.negative).min(2.0);
                        let base = if target.direct {
                            1.0
                        } else {
                            self.config.context_weight
                        };
                        SentenceJudgment {
                            sentence: target.index,
                            probs: self.probs(polarity),
                            weight: base * (0.5 + mass),
                        }
                    })
                    .collect()
            })
            .collect())
    }
}
