//! Reading a speaker phrase: the named person in it, whether it is an
//! unnamed source, and the actor it belongs to.
//!
//! The person is the last run of capitalized words that are neither titles
//! (`Foreign Minister`, `Außenminister`), small words, nor the object of a
//! preposition (`a spokesperson for the UN` names no person) and not a
//! possessive (`Guaidó's envoy` is not Guaidó). A run that is exactly an
//! actor alias (`Washington`, `UN`) is a body, not a person. The actor is
//! the one named in the phrase (a member such as `Jorge Arreaza` first,
//! then an alias such as `US officials`).

use crate::actors::fold::fold_str;
use crate::actors::{ActorSet, Mention};
use crate::article::Span;
use crate::stance::lexicon::Token;

use super::rules::WordSets;

/// What a speaker phrase says about who speaks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpeakerPhrase {
    /// The phrase as written (`Foreign Minister Jorge Arreaza`).
    pub text: String,
    /// The named person, as written (`Jorge Arreaza`).
    pub person: Option<String>,
    /// Actor index in the set.
    pub actor: Option<usize>,
    /// An unnamed source (`officials`, `a diplomat`): no person, a source head.
    pub anonymous: bool,
    /// Only a pronoun (`he`, `il`, `sie`): the speaker quoted last.
    pub pronoun: bool,
    /// A short phrase opened by a determiner (`le chef de l'État`): a
    /// speaker described, not named.
    pub described: bool,
    /// Described by an office alone (`le chef de l'État`, `the president`):
    /// the person of the set named last before it.
    pub office: bool,
}

/// Whether a word looks like part of a name: a capital first letter and
/// not a small word, title or source head.
pub(crate) fn is_name_word(original: &str, folded: &str, words: &WordSets) -> bool {
    original.chars().next().is_some_and(char::is_uppercase)
        && !words.not_names.contains(folded)
        && !words.is_title(folded)
        && !words.is_anonymous_head(folded)
        && !words.pronouns.contains(folded)
}

/// `l'etat` → `etat`: the French and Italian elided article off.
fn elided(folded: &str) -> &str {
    match folded.split_once('\'') {
        Some((head, rest)) if head.len() <= 2 && !rest.is_empty() => rest,
        _ => folded,
    }
}

fn possessive(original: &str) -> bool {
    original.ends_with("'s") || original.ends_with("’s") || original.ends_with('\'')
}

fn strip_possessive(original: &str) -> &str {
    original
        .strip_suffix("'s")
        .or_else(|| original.strip_suffix("’s"))
        .unwrap_or(original)
}

/// Reads the words `range` (indices into `words`) of a sentence whose text
/// is `text` and which starts at byte `offset` of the body.
pub(crate) fn read_phrase(
    text: &str,
    offset: usize,
    words: &[&Token],
    range: std::ops::Range<usize>,
    mentions: &[Mention],
    set: &ActorSet,
) -> SpeakerPhrase {
    let sets = WordSets::get();
    if range.is_empty() {
        return SpeakerPhrase::default();
    }
    let original = |i: usize| &text[words[i].start..words[i].end];
    let phrase_start = words[range.start].start;
    let phrase_end = words[range.end - 1].end;
    let phrase_text = text[phrase_start..phrase_end].to_string();
    if range.len() == 1 && sets.pronouns.contains(words[range.start].folded.as_str()) {
        return SpeakerPhrase {
            text: phrase_text,
            pronoun: true,
            ..SpeakerPhrase::default()
        };
    }

    // Runs of name words; particles join two name words.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = range.start;
    while i < range.end {
        if !is_name_word(original(i), &words[i].folded, sets) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while end < range.end {
            let w = &words[end];
            if possessive(original(end - 1)) {
                break;
            }
            if is_name_word(original(end), &w.folded, sets) {
                end += 1;
            } else if sets.particles.contains(w.folded.as_str())
                && end + 1 < range.end
                && is_name_word(original(end + 1), &words[end + 1].folded, sets)
                && original(end).chars().next().is_some_and(char::is_lowercase)
            {
                end += 2;
            } else {
                break;
            }
        }
        runs.push((start, end));
        i = end;
    }
    let alias_names: Vec<String> = set
        .actors
        .iter()
        .flat_map(|a| a.all_aliases())
        .map(|n| fold_str(n, true))
        .collect();
    let span_of = |s: usize, e: usize| Span {
        start: offset + words[s].start,
        end: offset + words[e - 1].end,
    };
    let overlaps = |a: Span, b: Span| a.start < b.end && b.start < a.end;
    let candidates: Vec<&(usize, usize)> = runs
        .iter()
        .filter(|&&(s, e)| {
            // The object of a preposition, directly or after a determiner.
            let after_preposition = (s > range.start
                && sets.prepositions.contains(words[s - 1].folded.as_str()))
                || (s > range.start + 1
                    && sets.not_names.contains(words[s - 1].folded.as_str())
                    && sets.prepositions.contains(words[s - 2].folded.as_str()));
            let run_text = fold_str(
                strip_possessive(&text[words[s].start..words[e - 1].end]),
                true,
            );
            // A body named by an alias (`State Department`, `U.N.`) is not a person.
            let alias = mentions
                .iter()
                .any(|m| !m.member && overlaps(m.span, span_of(s, e)));
            !after_preposition
                && !possessive(original(e - 1))
                && !alias_names.contains(&run_text)
                && !alias
        })
        .collect();
    // A member of the set (`Ine Eriksen Søreide`) before any other capitalized
    // run (German nouns are capitalized: `bestätigte die Kontakte`).
    let person_run = candidates
        .iter()
        .rev()
        .find(|&&&(s, e)| {
            mentions
                .iter()
                .any(|m| m.member && overlaps(m.span, span_of(s, e)))
        })
        .or_else(|| candidates.last())
        .copied();
    let person = person_run.map(|&(s, e)| text[words[s].start..words[e - 1].end].to_string());

    // The actor: a mention overlapping the person first, then any in the phrase.
    let phrase_span = span_of(range.start, range.end);
    let in_phrase: Vec<&Mention> = mentions
        .iter()
        .filter(|m| overlaps(m.span, phrase_span))
        .collect();
    let actor = person_run
        .and_then(|&(s, e)| {
            in_phrase
                .iter()
                .find(|m| overlaps(m.span, span_of(s, e)))
                .map(|m| m.actor)
        })
        .or_else(|| in_phrase.iter().find(|m| m.member).map(|m| m.actor))
        .or_else(|| in_phrase.first().map(|m| m.actor));
    let anonymous = person.is_none()
        && words[range.clone()]
            .iter()
            .any(|w| sets.is_anonymous_head(&w.folded));
    let described = (2..=5).contains(&range.len())
        && sets
            .determiners
            .contains(words[range.start].folded.as_str());
    let office = described
        && person.is_none()
        && actor.is_none()
        && !anonymous
        && words[range.clone()]
            .iter()
            .any(|w| sets.is_title(elided(&w.folded)))
        && words[range.clone()].iter().all(|w| {
            let f = elided(&w.folded);
            sets.determiners.contains(f)
                || sets.not_names.contains(f)
                || sets.particles.contains(f)
                || sets.is_title(f)
        });
    SpeakerPhrase {
        text: phrase_text,
        person,
        actor,
        anonymous,
        pronoun: false,
        described,
        office,
    }
}

impl SpeakerPhrase {
    /// Whether the phrase can be a speaker at all: a person, an actor, an
    /// unnamed source, or a pronoun.
    pub fn is_speaker(&self) -> bool {
        self.person.is_some()
            || self.actor.is_some()
            || self.anonymous
            || self.pronoun
            || self.described
    }
}
