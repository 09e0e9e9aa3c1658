//! Finding actor mentions in an article.
//!
//! All names of all actors (aliases, members, and generated variants) go
//! into two Aho-Corasick automata: one over the lowercased folded text for
//! case-insensitive names, one over the case-kept folded text for names
//! flagged `case_sensitive` (see [`super::fold`]). Every occurrence is found
//! (overlapping search), kept only at word boundaries, and overlaps are
//! resolved longest first, so `Venezuelan government` wins over
//! `government` and `Maduro's government` over `Maduro`.
//!
//! Word boundaries: the chars before and after a match must not be letters
//! or digits. Hyphens and apostrophes are boundaries, so `US-backed`,
//! `pro-Maduro`, `l'ONU` and possessives (`Guaidó’s`, `Guaido's`) match.
//! Generated variants: an acronym also matches dotted (`UN` → `U.N.`) and a
//! dotted one undotted (`EE.UU.` → `EEUU`); a hyphenated name also matches
//! with a space (`États-Unis` → `Etats Unis`) and the other way round.
//!
//! ```
//! use newsframe::actors::{ActorMatcher, ActorSet};
//! use newsframe::article::{ArticleMeta, Origin, RawArticle};
//! use newsframe::preprocess::{preprocess, PreprocessConfig};
//!
//! let mut set = ActorSet::empty("example");
//! set.add_inline("us=US|United States").unwrap();
//! let raw = RawArticle::new(Origin::file("x.txt"), ArticleMeta::default(),
//!     "Let us see. The U.S. and the US-backed side met.".to_string());
//! let article = preprocess(raw, &PreprocessConfig::default());
//! let mentions = ActorMatcher::new(&set).find(&article);
//! assert_eq!(mentions.len(), 2);
//! ```

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::ActorSet;
use super::fold::{Folded, fold_str};
use crate::article::{Article, Span};

/// One occurrence of an actor in an article body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Index of the actor in its [`ActorSet`].
    pub actor: usize,
    /// Index of the sentence holding the mention.
    pub sentence: usize,
    /// Byte span of the mention in [`Article::body`].
    pub span: Span,
    /// The set's name (alias or member) that matched, as written in the set.
    pub name: String,
    /// True when the name is a member (a person or body counting as the actor).
    pub member: bool,
}

#[derive(Debug, Clone)]
struct Pattern {
    actor: usize,
    name: String,
    member: bool,
}

/// A compiled actor set, ready to find mentions in many articles.
#[derive(Debug, Clone)]
pub struct ActorMatcher {
    insensitive: Option<AhoCorasick>,
    insensitive_patterns: Vec<Pattern>,
    sensitive: Option<AhoCorasick>,
    sensitive_patterns: Vec<Pattern>,
}

struct Candidate {
    span: Span,
    pattern: Pattern,
}

impl ActorMatcher {
    pub fn new(set: &ActorSet) -> ActorMatcher {
        let mut insensitive: Vec<(String, Pattern)> = Vec::new();
        let mut sensitive: Vec<(String, Pattern)> = Vec::new();
        // Names already claimed, per automaton (a set: thousands of actors
        // must not cost a scan per name).
        let mut claimed_insensitive = std::collections::HashSet::new();
        let mut claimed_sensitive = std::collections::HashSet::new();
        for (index, actor) in set.actors.iter().enumerate() {
            let names = actor
                .all_aliases()
                .map(|a| (a, false))
                .chain(actor.members.iter().map(|m| (m.as_str(), true)));
            for (name, member) in names {
                let case_sensitive = actor.is_case_sensitive(name);
                for variant in variants(name) {
                    let folded = fold_str(&variant, !case_sensitive);
                    let (target, claimed) = if case_sensitive {
                        (&mut sensitive, &mut claimed_sensitive)
                    } else {
                        (&mut insensitive, &mut claimed_insensitive)
                    };
                    // The first actor to claim a name keeps it.
                    if folded.is_empty() || !claimed.insert(folded.clone()) {
                        continue;
                    }
                    target.push((
                        folded,
                        Pattern {
                            actor: index,
                            name: name.to_string(),
                            member,
                        },
                    ));
                }
            }
        }
        let build = |patterns: &[(String, Pattern)]| {
            if patterns.is_empty() {
                return None;
            }
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(patterns.iter().map(|(f, _)| f.as_str()))
                .ok()
        };
        ActorMatcher {
            insensitive: build(&insensitive),
            insensitive_patterns: insensitive.into_iter().map(|(_, p)| p).collect(),
            sensitive: build(&sensitive),
            sensitive_patterns: sensitive.into_iter().map(|(_, p)| p).collect(),
        }
    }

    /// Every mention in the article body, in text order, each with its
    /// sentence index and byte span.
    pub fn find(&self, article: &Article) -> Vec<Mention> {
        let mut spans = self.find_in(&article.body);
        spans.retain(|m| m.span.end <= article.body.len());
        let mut mentions = Vec::with_capacity(spans.len());
        for m in spans {
            // Sentences are sorted and disjoint; a mention belongs to the
            // sentence holding its first byte.
            let sentence = article
                .sentences
                .partition_point(|s| s.span.end <= m.span.start);
            if sentence < article.sentences.len()
                && article.sentences[sentence].span.start <= m.span.start
            {
                mentions.push(Mention { sentence, ..m });
            }
        }
        mentions
    }

    /// Mentions in any text; `sentence` is 0 for all of them.
    pub fn find_in(&self, text: &str) -> Vec<Mention> {
        let mut candidates = Vec::new();
        for (automaton, patterns, lowercase) in [
            (&self.insensitive, &self.insensitive_patterns, true),
            (&self.sensitive, &self.sensitive_patterns, false),
        ] {
            let Some(automaton) = automaton else { continue };
            let folded = Folded::new(text, lowercase);
            for hit in automaton.find_overlapping_iter(&folded.text) {
                let span = folded.original_span(hit.start(), hit.end());
                if at_word_boundaries(text, span) {
                    candidates.push(Candidate {
                        span,
                        pattern: patterns[hit.pattern().as_usize()].clone(),
                    });
                }
            }
        }
        // Longest first, then leftmost; a candidate overlapping a kept one
        // loses.
        candidates.sort_by(|a, b| {
            b.span
                .len()
                .cmp(&a.span.len())
                .then(a.span.start.cmp(&b.span.start))
        });
        // Kept spans are disjoint, so ordered by start they are ordered by
        // end too: a candidate can only overlap the kept span that starts
        // last before it ends. One lookup per candidate, not a scan.
        let mut kept: std::collections::BTreeMap<usize, Candidate> = Default::default();
        for candidate in candidates {
            let overlaps = kept
                .range(..candidate.span.end)
                .next_back()
                .is_some_and(|(_, k)| candidate.span.start < k.span.end);
            if !overlaps {
                kept.insert(candidate.span.start, candidate);
            }
        }
        kept.into_values()
            .map(|c| Mention {
                actor: c.pattern.actor,
                sentence: 0,
                span: c.span,
                name: c.pattern.name,
                member: c.pattern.member,
            })
            .collect()
    }
}

fn at_word_boundaries(text: &str, span: Span) -> bool {
    let before = text[..span.start].chars().next_back();
    let after = text[span.end..].chars().next();
    let first = text[span.start..].chars().next();
    let last = text[..span.end].chars().next_back();
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    // A boundary is only needed where the name itself starts or ends with a
    // word char (`U.S.` may be followed by anything).
    let joined_before = word(before) && word(first);
    let joined_after = word(after) && word(last);
    !joined_before && !joined_after
}

/// The spellings a name is matched under.
fn variants(name: &str) -> Vec<String> {
    let name = name.trim();
    let mut out = vec![name.to_string()];
    let letters: String = name.chars().filter(|c| *c != '.').collect();
    if super::is_acronym(name) {
        if name.contains('.') {
            out.push(letters);
        } else if letters.chars().count() <= 4 {
            let dotted: String = letters.chars().flat_map(|c| [c, '.']).collect();
            out.push(dotted);
        }
    }
    if name.contains('-') {
        out.push(name.replace('-', " "));
    } else if name.contains(' ') && name.split(' ').count() <= 3 {
        out.push(name.replace(' ', "-"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_acronym_and_hyphen_variants() {
        assert_eq!(variants("US"), vec!["US", "U.S."]);
        assert_eq!(variants("EE.UU."), vec!["EE.UU.", "EEUU"]);
        assert_eq!(variants("États-Unis"), vec!["États-Unis", "États Unis"]);
    }

    #[test]
    fn boundaries() {
        let text = "Busy US-backed (U.S.) bus";
        assert!(!at_word_boundaries(text, Span { start: 1, end: 3 }));
        assert!(at_word_boundaries(text, Span { start: 5, end: 7 }));
        assert!(at_word_boundaries(text, Span { start: 16, end: 20 }));
    }
}
