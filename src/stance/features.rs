//! Targeted features of one sentence for one actor: what the builtin
//! stance model ([`super::builtin`]) weighs. The same code computes them
//! for fitting (`examples/stance_features.rs` feeds
//! `scripts/fit_builtin_stance.py`) and for scoring, so the fitted weights
//! mean the same thing in both places.
//!
//! Dense features (language-independent, from the lexicons):
//!
//! - `g_*`: general-lexicon valence ([`super::general`]) of the sentence's
//!   words outside any actor mention, negation applied (a project negator
//!   within three words before, in the same clause, flips and scales by
//!   0.74 as VADER does): summed positive and negative mass (`ln(1+x)`), and
//!   VADER's compound normalization of their sum.
//! - `near_*`: the same valence weighted by `1/(1 + d/3)`, `d` the words
//!   between it and the actor's mention.
//! - `own_*` / `other_*`: valence nearer to this actor than to any other
//!   actor of the sentence, and nearer to another one: a sentence about
//!   two targets often blames one and spares the other.
//! - `clause_*`, `before_*`, `after_*`: valence in the actor's clause (commas,
//!   semicolons, colons, dashes and brackets delimit clauses), and in that
//!   clause before (actor as object) or after (actor as agent) the mention.
//! - `rule_*`: the project lexicon's targeted rules
//!   ([`super::lexicon::LexiconStanceScorer::polarity`]: conduct reflects on
//!   the agent, evaluations on the actor evaluated, quotes are the speaker's).
//! - `in_quote`, `speaker`, `speaker_quote_*`, `quote_*`: the actor inside a
//!   quote; the actor as the speaker of reported speech (`X said`,
//!   `according to X`), and the valence of what is quoted when it is.
//! - `actors`, `first`, `context`, `words`: how many actors the sentence
//!   names, whether the actor opens it, whether it is a context sentence,
//!   its length.
//!
//! Sparse features, for languages whose model has word weights: `w:<word>`
//! (each distinct word of the sentence outside mentions), `n:<word>`
//! (words within three of the mention) and `t:<n-gram>` (the one or two
//! words right before and after the mention, in order, with the mention as
//! `T` and another actor's as `O`: `t:criticized_T`, `t:T_said`,
//! `t:O_and_T`). The last say what the actor does or has done to it, which
//! the bags cannot when a sentence names several actors.
//!
//! Term counts (`x:` features, weighed as tf-idf by [`super::builtin`]): the
//! word unigrams and bigrams of the sentence with this actor's mentions
//! marked (`[t] maduro [/t]`), so that `criticized [t]` and `[/t] praised`
//! say who did what to whom even through the bag of words.

use super::StanceQuery;
use super::general::GeneralLexicons;
use super::lexicon::{EntryKind, LexiconStanceScorer, Polarity, Token, quote_ranges, tokenize};

/// Names of the dense features, in the order [`TargetFeatures::dense`] holds them.
pub const DENSE: [&str; 31] = [
    "g_pos",
    "g_neg",
    "g_compound",
    "near_pos",
    "near_neg",
    "own_pos",
    "own_neg",
    "other_pos",
    "other_neg",
    "clause_pos",
    "clause_neg",
    "before_pos",
    "before_neg",
    "after_pos",
    "after_neg",
    "rule_pos",
    "rule_neg",
    "in_quote",
    "speaker",
    "speaker_quote_pos",
    "speaker_quote_neg",
    "quote_pos",
    "quote_neg",
    "actors",
    "first",
    "context",
    "words",
    "neg_near",
    "contrast_after",
    "contrast_before",
    "possessive",
];

/// VADER's scale of a negated word.
const NEGATION: f64 = -0.74;

/// Features of one sentence for one actor.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetFeatures {
    /// Values of [`DENSE`], in order.
    pub dense: [f64; DENSE.len()],
    /// Distinct folded words of the sentence outside mentions.
    pub words: Vec<String>,
    /// Distinct folded words within three words of the actor's mention.
    pub near_words: Vec<String>,
    /// Distinct n-grams ending or starting at the actor's mention (`t:`).
    pub target_context: Vec<String>,
    /// Unigram and bigram counts of the sentence with the actor's mentions
    /// marked (`x:`), sorted by term.
    pub terms: Vec<(String, u32)>,
    /// Evaluative mass near the actor (general and project lexicons): how
    /// much evidence the sentence holds for this actor.
    pub evidence: f64,
    /// The project lexicon's rule-based mass toward the actor.
    pub rule: Polarity,
}

impl TargetFeatures {
    /// Every feature as `(name, value)`: dense ones, then `w:` and `n:` words.
    pub fn named(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = DENSE
            .iter()
            .zip(self.dense)
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        out.extend(self.words.iter().map(|w| (format!("w:{w}"), 1.0)));
        out.extend(self.near_words.iter().map(|w| (format!("n:{w}"), 1.0)));
        out.extend(self.target_context.iter().map(|w| (format!("t:{w}"), 1.0)));
        out.extend(
            self.terms
                .iter()
                .map(|(t, c)| (format!("x:{t}"), f64::from(*c))),
        );
        out
    }
}

fn ln1p(x: f64) -> f64 {
    x.max(0.0).ln_1p()
}

/// Positive and negative mass.
#[derive(Default, Clone, Copy)]
struct Mass {
    pos: f64,
    neg: f64,
}

impl Mass {
    fn add(&mut self, v: f64, w: f64) {
        if v > 0.0 {
            self.pos += v * w;
        } else {
            self.neg -= v * w;
        }
    }
}

/// Computes the features of `sentence` for `query`'s actor; `direct` is
/// false for a context sentence (the actor is then its implicit subject,
/// placed before the first word).
pub fn features(
    rules: &LexiconStanceScorer,
    general: &GeneralLexicons,
    query: &StanceQuery<'_>,
    sentence: usize,
    direct: bool,
) -> TargetFeatures {
    let article = query.article;
    let span = article.sentences[sentence].span;
    let text = &article.body[span.start..span.end];
    let tokens = tokenize(text);
    let words: Vec<&Token> = tokens.iter().filter(|t| t.word).collect();
    let folded: Vec<&str> = words.iter().map(|t| t.folded.as_str()).collect();
    let n = words.len();
    let mut dense = [0.0; DENSE.len()];
    let set = |dense: &mut [f64; DENSE.len()], name: &str, v: f64| {
        let i = DENSE.iter().position(|d| *d == name).expect("a DENSE name");
        dense[i] = v;
    };
    if n == 0 {
        return TargetFeatures {
            dense,
            words: Vec::new(),
            near_words: Vec::new(),
            target_context: Vec::new(),
            terms: Vec::new(),
            evidence: 0.0,
            rule: Polarity::default(),
        };
    }

    // Mentions as word ranges: this actor's and the others'.
    let mut own: Vec<(usize, usize)> = Vec::new();
    let mut others: Vec<(usize, usize)> = Vec::new();
    let mut actors: Vec<usize> = Vec::new();
    for m in query.mentions.iter().filter(|m| m.sentence == sentence) {
        let (s, e) = (m.span.start - span.start, m.span.end - span.start);
        let covered: Vec<usize> = (0..n)
            .filter(|&i| words[i].start < e && s < words[i].end)
            .collect();
        if let (Some(&first), Some(&last)) = (covered.first(), covered.last()) {
            if m.actor == query.actor_index {
                own.push((first, last));
            } else {
                others.push((first, last));
            }
            actors.push(m.actor);
        }
    }
    let terms = marked_terms(&folded, &own);
    if own.is_empty() {
        own.push((0, 0));
        actors.push(query.actor_index);
    }
    actors.sort_unstable();
    actors.dedup();
    let in_mention = |i: usize| {
        own.iter()
            .chain(&others)
            .any(|&(first, last)| first <= i && i <= last)
    };
    let distance = |ranges: &[(usize, usize)], i: usize| -> usize {
        ranges
            .iter()
            .map(|&(f, l)| if i < f { f - i } else { i.saturating_sub(l) })
            .min()
            .unwrap_or(usize::MAX)
    };

    // Project-lexicon hits: negators, speech, contrast.
    let lexicons = rules.lexicons().for_article(article);
    let mut hits = Vec::new();
    let mut i = 0;
    while i < n {
        match lexicons.iter().find_map(|l| l.longest_at(&folded, i)) {
            Some(e) => {
                hits.push((i, e.kind));
                i += e.len;
            }
            None => i += 1,
        }
    }

    // Clause index of every word.
    let mut clause = vec![0usize; n];
    {
        let mut w = 0;
        let mut c = 0;
        for t in &tokens {
            if t.word {
                if w < n {
                    clause[w] = c;
                }
                w += 1;
            } else if matches!(
                t.folded.as_str(),
                "," | ";" | ":" | "-" | "(" | ")" | "\"" | "“" | "”" | "«" | "»"
            ) {
                c += 1;
            }
        }
    }
    let negated = |i: usize| {
        hits.iter()
            .any(|&(j, k)| k == EntryKind::Negator && j < i && i - j <= 3 && clause[j] == clause[i])
            || (i.saturating_sub(3)..i).any(|j| {
                clause[j] == clause[i]
                    && (folded[j].ends_with("n't")
                        || folded[j] == "n'"
                        || folded[j].starts_with("n'"))
            })
    };

    let quotes = quote_ranges(text, &words);
    let quote_of = |i: usize| quotes.iter().position(|q| q.first <= i && i <= q.last);
    let (t_first, t_last) = own[0];
    let target_clauses: Vec<usize> = own
        .iter()
        .flat_map(|&(f, l)| [clause[f], clause[l]])
        .collect();
    let contrast = hits
        .iter()
        .find(|&&(j, k)| k == EntryKind::Contrast && j > 0)
        .map(|&(j, _)| j);

    let mut all = Mass::default();
    let mut near = Mass::default();
    let mut own_m = Mass::default();
    let mut other_m = Mass::default();
    let mut clause_m = Mass::default();
    let mut before = Mass::default();
    let mut after = Mass::default();
    let mut quoted = Mass::default();
    let mut sum = 0.0;
    let mut neg_near = 0.0;
    for i in 0..n {
        if in_mention(i) {
            continue;
        }
        let mut v = lexicon_valence(general, article, folded[i]);
        if v == 0.0 {
            continue;
        }
        if negated(i) {
            v *= NEGATION;
        }
        let d_own = distance(&own, i);
        let d_other = distance(&others, i);
        all.add(v, 1.0);
        sum += v;
        near.add(v, 1.0 / (1.0 + d_own as f64 / 3.0));
        if d_own <= d_other {
            own_m.add(v, 1.0);
        } else {
            other_m.add(v, 1.0);
        }
        if target_clauses.contains(&clause[i]) {
            clause_m.add(v, 1.0);
            if i < t_first {
                before.add(v, 1.0);
            } else if i > t_last {
                after.add(v, 1.0);
            }
        }
        if quote_of(i).is_some() {
            quoted.add(v, 1.0);
        }
        if d_own <= 3 && negated(i) {
            neg_near += 1.0;
        }
    }
    let rule = rules.polarity(query, sentence, direct);

    // The actor as a speaker: a speech word within three words of its
    // mention, outside quotes.
    let t_quote = own.iter().any(|&(f, _)| quote_of(f).is_some());
    let speaker = !t_quote
        && hits.iter().any(|&(j, k)| {
            k == EntryKind::Speech && quote_of(j).is_none() && distance(&own, j) <= 3
        });
    let possessive = tokens.iter().any(|t| {
        t.start >= words[t_last].end
            && t.start <= words[t_last].end + 1
            && matches!(t.folded.as_str(), "'s" | "s")
    }) || folded[t_last].ends_with("'s");

    let s4 = 4.0 * sum;
    set(&mut dense, "g_pos", ln1p(all.pos));
    set(&mut dense, "g_neg", ln1p(all.neg));
    set(&mut dense, "g_compound", s4 / (s4 * s4 + 15.0).sqrt());
    set(&mut dense, "near_pos", ln1p(near.pos));
    set(&mut dense, "near_neg", ln1p(near.neg));
    set(&mut dense, "own_pos", ln1p(own_m.pos));
    set(&mut dense, "own_neg", ln1p(own_m.neg));
    set(&mut dense, "other_pos", ln1p(other_m.pos));
    set(&mut dense, "other_neg", ln1p(other_m.neg));
    set(&mut dense, "clause_pos", ln1p(clause_m.pos));
    set(&mut dense, "clause_neg", ln1p(clause_m.neg));
    set(&mut dense, "before_pos", ln1p(before.pos));
    set(&mut dense, "before_neg", ln1p(before.neg));
    set(&mut dense, "after_pos", ln1p(after.pos));
    set(&mut dense, "after_neg", ln1p(after.neg));
    set(&mut dense, "rule_pos", ln1p(rule.positive));
    set(&mut dense, "rule_neg", ln1p(rule.negative));
    set(&mut dense, "in_quote", t_quote as u8 as f64);
    set(&mut dense, "speaker", speaker as u8 as f64);
    let sq = if speaker { quoted } else { Mass::default() };
    set(&mut dense, "speaker_quote_pos", ln1p(sq.pos));
    set(&mut dense, "speaker_quote_neg", ln1p(sq.neg));
    set(&mut dense, "quote_pos", ln1p(quoted.pos));
    set(&mut dense, "quote_neg", ln1p(quoted.neg));
    set(&mut dense, "actors", ln1p(actors.len() as f64 - 1.0));
    set(&mut dense, "first", (direct && t_first <= 1) as u8 as f64);
    set(&mut dense, "context", (!direct) as u8 as f64);
    set(&mut dense, "words", (n as f64).ln() / 4.0);
    set(&mut dense, "neg_near", ln1p(neg_near));
    set(
        &mut dense,
        "contrast_after",
        contrast.is_some_and(|c| t_first >= c) as u8 as f64,
    );
    set(
        &mut dense,
        "contrast_before",
        contrast.is_some_and(|c| t_last < c) as u8 as f64,
    );
    set(&mut dense, "possessive", possessive as u8 as f64);

    let mut bag: Vec<String> = (0..n)
        .filter(|&i| !in_mention(i))
        .map(|i| folded[i].to_string())
        .collect();
    bag.sort();
    bag.dedup();
    let mut near_words: Vec<String> = (0..n)
        .filter(|&i| !in_mention(i) && distance(&own, i) <= 3)
        .map(|i| folded[i].to_string())
        .collect();
    near_words.sort();
    near_words.dedup();
    TargetFeatures {
        dense,
        words: bag,
        near_words,
        target_context: target_context(&folded, &own, &others),
        terms,
        evidence: near.pos + near.neg + rule.positive + rule.negative,
        rule,
    }
}

/// The `t:` n-grams: the sentence's words with each mention collapsed to
/// one unit (`T` this actor's, `O` another's; folded words are lower case,
/// so neither can be a word), and the one- and two-unit contexts on each
/// side of every `T`.
fn target_context(
    folded: &[&str],
    own: &[(usize, usize)],
    others: &[(usize, usize)],
) -> Vec<String> {
    let mut units: Vec<&str> = Vec::with_capacity(folded.len());
    let mut i = 0;
    while i < folded.len() {
        let range =
            |ranges: &[(usize, usize)]| ranges.iter().find(|&&(f, l)| f <= i && i <= l).copied();
        if let Some((_, last)) = range(own) {
            units.push("T");
            i = last + 1;
        } else if let Some((_, last)) = range(others) {
            units.push("O");
            i = last + 1;
        } else {
            units.push(folded[i]);
            i += 1;
        }
    }
    let mut grams = Vec::new();
    for (p, unit) in units.iter().enumerate() {
        if *unit != "T" {
            continue;
        }
        if p >= 1 {
            grams.push(format!("{}_T", units[p - 1]));
        }
        if p >= 2 {
            grams.push(format!("{}_{}_T", units[p - 2], units[p - 1]));
        }
        if p + 1 < units.len() {
            grams.push(format!("T_{}", units[p + 1]));
        }
        if p + 2 < units.len() {
            grams.push(format!("T_{}_{}", units[p + 1], units[p + 2]));
        }
    }
    grams.sort();
    grams.dedup();
    grams
}

/// Marks opening and closing an actor's mention in [`marked_terms`];
/// folded words are split at brackets, so neither can be a word.
pub const MARK_OPEN: &str = "[t]";
pub const MARK_CLOSE: &str = "[/t]";

/// The `x:` terms: unigram and bigram counts (bigram words joined by a
/// space) of the sentence's words with every mention of the actor wrapped
/// in [`MARK_OPEN`] … [`MARK_CLOSE`]. A context sentence (no mention) has
/// its plain words.
fn marked_terms(folded: &[&str], own: &[(usize, usize)]) -> Vec<(String, u32)> {
    let mut units: Vec<&str> = Vec::with_capacity(folded.len() + 2 * own.len());
    for (i, word) in folded.iter().enumerate() {
        if own.iter().any(|&(first, _)| first == i) {
            units.push(MARK_OPEN);
        }
        units.push(word);
        if own.iter().any(|&(_, last)| last == i) {
            units.push(MARK_CLOSE);
        }
    }
    let mut counts: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for unit in &units {
        *counts.entry(unit.to_string()).or_default() += 1;
    }
    for pair in units.windows(2) {
        *counts
            .entry(format!("{} {}", pair[0], pair[1]))
            .or_default() += 1;
    }
    counts.into_iter().collect()
}

/// Valence of a word in the article's languages (its own first).
fn lexicon_valence(
    general: &GeneralLexicons,
    article: &crate::article::Article,
    word: &str,
) -> f64 {
    std::iter::once(article.lang())
        .chain(article.language.others.iter().map(String::as_str))
        .filter_map(|l| general.get(l))
        .map(|l| l.valence(word))
        .find(|v| *v != 0.0)
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_mark_the_mention_and_count_repeats() {
        let words = ["critics", "say", "the", "president", "lied", "and", "lied"];
        let terms: std::collections::HashMap<String, u32> =
            marked_terms(&words, &[(3, 3)]).into_iter().collect();
        assert_eq!(terms["the [t]"], 1);
        assert_eq!(terms["[t] president"], 1);
        assert_eq!(terms["[/t] lied"], 1);
        assert_eq!(terms["lied"], 2);
        assert_eq!(terms["[t]"], 1);
        assert!(!terms.contains_key("the president"), "{terms:?}");
        // A context sentence: plain words, no marks.
        let plain = marked_terms(&words, &[]);
        assert!(plain.iter().all(|(t, _)| !t.contains("[t]")));
        assert!(plain.iter().any(|(t, _)| t == "the president"));
    }
}
