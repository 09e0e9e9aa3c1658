//! Voices: who an article quotes. Rules only (deterministic, cheap), run for
//! every article in `analyze` whatever the engines.
//!
//! Per sentence (the article's own segmentation):
//!
//! - **Direct quotations**: quoted passages of more than four words (the
//!   stance rules' long quotes, [`crate::stance::lexicon`]); shorter quoted
//!   phrases are scare quotes or titles, not someone's words. A quotation is
//!   attributed to the speech cue nearest to it in its sentence (`said`,
//!   `dijo`, `a déclaré`, `sagte`, `afirmou`, `according to`; the stance
//!   lexicons' `speech` entries plus [`rules::EXTRA_CUES`]), to the phrase
//!   before a colon that opens it (`Guaidó: "…"`), or, when its sentence has
//!   neither, it continues the quotation of the sentence before or after
//!   (a quotation spanning sentences is one quotation).
//! - **Reported speech**: a sentence without a direct quotation whose
//!   speech cue has a speaker: `X said (that) …`, `…, X said`,
//!   `according to X, …`, `dijo X que …`, `selon X, …`, `laut X …`. The
//!   quotation is the reported clause, at least three words.
//!
//! The speaker is the phrase next to the cue, up to punctuation, quotation
//! marks or a `that`-word: before the cue when it names someone, else after
//! it (`"…," said Guaidó`; German verb-second `Am Montag sagte Maduro`). A
//! relative clause or apposition between speaker and verb is skipped
//! (`Maduro, who spoke in Caracas, said`). A lone pronoun, or no subject at
//! all (Spanish `"…", dijo.`), is the speaker quoted last in the article.
//! See [`speaker`] for the person and the actor. Unnamed sources
//! (`officials said`, `a diplomat said`) are kept, marked `anonymous`, with
//! the actor their phrase names (`US officials` → `us`) or none.

pub mod rules;
pub mod speaker;

use crate::actors::fold::fold_str;
use crate::actors::{ActorSet, Mention};
use crate::article::{Article, Span};
use crate::record::{QuoteKind, Quotation};
use crate::stance::lexicon::{EntryKind, Lexicon, Lexicons, Token, quote_ranges, tokenize};

use rules::{AFTER_QUOTE_ONLY_CUES, EXTRA_CUES, WordSets};
use speaker::{SpeakerPhrase, read_phrase};

/// Longest speaker phrase, in words.
const MAX_SPEAKER_WORDS: usize = 10;
/// Shortest reported clause, in words.
const MIN_REPORTED_WORDS: usize = 3;

const OPENING_MARKS: &[char] = &['“', '«', '„', '‹', '"'];
const CLOSING_MARKS: &[char] = &['”', '»', '›', '"', '“'];

/// A speech cue: words `[first, end)` of a sentence.
#[derive(Debug, Clone, Copy)]
struct Cue {
    first: usize,
    end: usize,
    /// `according to X`: the speaker follows (precedes for `zufolge`).
    prepositional: bool,
    /// `a-t-il déclaré`, `dit-il` folded into the cue: the speaker is the last one.
    pronoun: bool,
}

/// A quotation before the article-wide passes (pronouns, continuations).
#[derive(Debug, Clone)]
struct Pending {
    kind: QuoteKind,
    sentence: usize,
    span: Span,
    speaker: Option<SpeakerPhrase>,
    /// The quotation has no closing mark in its sentence.
    runs_on: bool,
    /// The quotation has no opening mark in its sentence.
    continued: bool,
}

/// The quotations of an article, in order. `mentions` are the article's
/// actor mentions ([`crate::actors::ActorMatcher::find`]); `lexicons`
/// provide the speech cues.
pub fn extract(
    article: &Article,
    mentions: &[Mention],
    set: &ActorSet,
    lexicons: &Lexicons,
) -> Vec<Quotation> {
    let langs = lexicons.for_article(article);
    let mut pending = Vec::new();
    for index in 0..article.sentences.len() {
        let offset = article.sentences[index].span.start;
        let text = article.sentence_text(index);
        pending.extend(sentence_quotes(
            text, offset, index, mentions, set, &langs,
        ));
    }
    resolve(article, pending, set)
}

fn speech_cues(tokens: &[&Token], lexicons: &[&Lexicon], inside: &dyn Fn(usize) -> bool) -> Vec<Cue> {
    let sets = WordSets::get();
    let folded: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
    let mut cues = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        if inside(i) {
            i += 1;
            continue;
        }
        let from_lexicon = lexicons
            .iter()
            .filter_map(|l| l.longest_at(&folded, i))
            .filter(|e| e.kind == EntryKind::Speech)
            .map(|e| e.len)
            .max();
        let extra = EXTRA_CUES
            .iter()
            .map(|c| c.split(' ').collect::<Vec<_>>())
            .filter(|c| i + c.len() <= folded.len() && folded[i..i + c.len()] == c[..])
            .map(|c| c.len())
            .max();
        let Some(len) = from_lexicon.max(extra) else {
            i += 1;
            continue;
        };
        let phrase = folded[i..i + len].join(" ");
        let mut end = i + len;
        let pronoun = sets.pronouns.contains(folded[end - 1]);
        if pronoun && end < folded.len() && !inside(end) {
            end += 1; // the participle of `a-t-il déclaré`
        }
        cues.push(Cue {
            first: i,
            end,
            prepositional: sets.prepositional.contains(phrase.as_str()),
            pronoun,
        });
        i = end;
    }
    cues
}

/// Whether a quotation mark lies in `text[from..to]`.
fn mark_in(text: &str, from: usize, to: usize, marks: &[char]) -> bool {
    text.get(from..to).is_some_and(|s| s.contains(marks))
}

/// Whether punctuation (or a quotation mark) separates word `i - 1` from word `i`.
fn break_before(text: &str, words: &[&Token], i: usize) -> bool {
    if i == 0 {
        return true;
    }
    let gap = &text[words[i - 1].end..words[i].start];
    gap.chars().any(|c| {
        matches!(c, ',' | ';' | ':' | '(' | ')' | '.' | '!' | '?' | '–' | '—')
            || OPENING_MARKS.contains(&c)
            || CLOSING_MARKS.contains(&c)
    })
}

fn sentence_quotes(
    text: &str,
    offset: usize,
    sentence: usize,
    mentions: &[Mention],
    set: &ActorSet,
    lexicons: &[&Lexicon],
) -> Vec<Pending> {
    let sets = WordSets::get();
    let tokens = tokenize(text);
    let words: Vec<&Token> = tokens.iter().filter(|t| t.word).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let quotes = quote_ranges(text, &words);
    let inside = |i: usize| quotes.iter().any(|q| q.first <= i && i <= q.last);
    let mut cues = speech_cues(&words, lexicons, &inside);
    // German `so` only right after a quotation.
    cues.retain(|c| {
        !(c.end - c.first == 1 && AFTER_QUOTE_ONLY_CUES.contains(&words[c.first].folded.as_str()))
            || (c.first > 0 && inside(c.first - 1))
    });
    let phrase = |range: std::ops::Range<usize>| read_phrase(text, offset, &words, range, mentions, set);

    // The phrase ending at word `end`, back to a break; `across` lets it
    // start right after one (the phrase before an apposition's comma).
    let before = |end: usize, across: bool| -> std::ops::Range<usize> {
        let mut start = end;
        while start > 0
            && !inside(start - 1)
            && ((across && start == end) || !break_before(text, &words, start))
            && end - start < MAX_SPEAKER_WORDS
        {
            start -= 1;
        }
        start..end
    };
    let after = |start: usize| -> std::ops::Range<usize> {
        let mut end = start;
        while end < words.len()
            && (end == start || !break_before(text, &words, end))
            && !inside(end)
            && !sets.complementizers.contains(words[end].folded.as_str())
            && end - start < MAX_SPEAKER_WORDS
        {
            end += 1;
        }
        start..end
    };
    // The speaker of a cue and the words it covers.
    let speaker_of = |cue: &Cue| -> Option<(SpeakerPhrase, std::ops::Range<usize>)> {
        if cue.pronoun {
            let range = cue.end - 2..cue.end - 1;
            return Some((phrase(range.clone()), range));
        }
        let zufolge = words[cue.first].folded == "zufolge";
        let post = if cue.end < words.len() && !break_before(text, &words, cue.end) {
            after(cue.end)
        } else {
            cue.end..cue.end
        };
        if cue.prepositional && !zufolge {
            let p = phrase(post.clone());
            return p.is_speaker().then_some((p, post));
        }
        let pre = before(cue.first, zufolge);
        let p = phrase(pre.clone());
        let relative =
            !pre.is_empty() && sets.relatives.contains(words[pre.start].folded.as_str());
        if p.is_speaker() && !relative {
            return Some((p, pre));
        }
        // Apposition or relative clause between speaker and verb: up to two
        // comma-separated phrases back.
        let mut end = pre.start;
        for _ in 0..2 {
            if end == 0 || inside(end - 1) {
                break;
            }
            let outer = before(end, true);
            let q = phrase(outer.clone());
            if q.person.is_some() || q.actor.is_some() {
                return Some((q, outer.start..cue.first));
            }
            end = outer.start;
        }
        if !zufolge {
            let q = phrase(post.clone());
            if q.is_speaker() {
                return Some((q, post));
            }
        }
        // No subject (Spanish `dijo.`), right after a quotation: the last speaker.
        (pre.is_empty() && cue.first > 0 && inside(cue.first - 1)).then(|| {
            (
                SpeakerPhrase {
                    pronoun: true,
                    ..SpeakerPhrase::default()
                },
                cue.first..cue.first,
            )
        })
    };

    let long: Vec<_> = quotes.iter().filter(|q| q.long).collect();
    let mut out = Vec::new();
    if !long.is_empty() {
        for q in long {
            let start = words[q.first].start;
            let end = words[q.last].end;
            let before_first = if q.first == 0 { 0 } else { words[q.first - 1].end };
            let after_last = if q.last + 1 < words.len() { words[q.last + 1].start } else { text.len() };
            let opened = mark_in(text, before_first, start, OPENING_MARKS);
            let closed = mark_in(text, end, after_last, CLOSING_MARKS);
            // The nearest cue outside quotations.
            let nearest = cues
                .iter()
                .filter_map(|c| {
                    let d = if c.first > q.last { c.first - q.last } else { q.first.saturating_sub(c.end) + 1 };
                    speaker_of(c).map(|s| (d, s))
                })
                .min_by_key(|(d, _)| *d)
                .map(|(_, (s, _))| s);
            // `Guaidó: "…"`
            let colon = || {
                let gap = &text[before_first..start];
                (q.first > 0 && gap.contains(':')).then(|| phrase(before(q.first, true))).filter(SpeakerPhrase::is_speaker)
            };
            out.push(Pending {
                kind: QuoteKind::Direct,
                sentence,
                span: Span { start: offset + start, end: offset + end },
                speaker: nearest.or_else(colon),
                runs_on: !closed,
                continued: !opened,
            });
        }
        return out;
    }
    for cue in &cues {
        let Some((speaker, range)) = speaker_of(cue) else {
            continue;
        };
        if speaker.pronoun && speaker.text.is_empty() {
            continue; // a subjectless verb without a quotation
        }
        let (lo, hi) = (range.start.min(cue.first), range.end.max(cue.end));
        // After: skip a `that`-word and what precedes it within three words.
        let mut content_start = hi;
        for k in hi..(hi + 4).min(words.len()) {
            if sets.complementizers.contains(words[k].folded.as_str()) {
                content_start = k + 1;
                break;
            }
        }
        let after_words = words.len().saturating_sub(content_start);
        let content = if after_words >= MIN_REPORTED_WORDS && !(cue.prepositional && lo >= MIN_REPORTED_WORDS && hi == words.len()) {
            content_start..words.len()
        } else if lo >= MIN_REPORTED_WORDS {
            0..lo
        } else {
            continue;
        };
        let start = words[content.start].start;
        let end = words[content.end - 1].end;
        out.push(Pending {
            kind: QuoteKind::Reported,
            sentence,
            span: Span { start: offset + start, end: offset + end },
            speaker: Some(speaker),
            runs_on: false,
            continued: false,
        });
        break; // one reported quotation per sentence
    }
    out
}

/// Article-wide passes: quotations spanning sentences become one, pronouns
/// and subjectless verbs take the last speaker, surnames the full name seen
/// before, and actors are named by id.
fn resolve(article: &Article, pending: Vec<Pending>, set: &ActorSet) -> Vec<Quotation> {
    // Merge a quotation that runs on with the continued one right after it.
    let mut merged: Vec<Pending> = Vec::new();
    for p in pending {
        if let Some(last) = merged.last_mut()
            && last.kind == QuoteKind::Direct
            && p.kind == QuoteKind::Direct
            && last.runs_on
            && p.continued
            && p.sentence <= last.sentence + 1
        {
            last.span.end = p.span.end;
            last.runs_on = p.runs_on;
            if last.speaker.as_ref().is_none_or(|s| !s.is_speaker()) {
                last.speaker = p.speaker;
            }
            continue;
        }
        merged.push(p);
    }

    let mut out: Vec<Quotation> = Vec::new();
    // (person or phrase, person, actor) of the last named speaker.
    let mut last: Option<(String, Option<String>, Option<usize>)> = None;
    let mut persons: Vec<(String, Option<usize>)> = Vec::new();
    for p in merged {
        let (speaker, person, actor, anonymous) = match p.speaker {
            Some(s) if s.pronoun => match &last {
                Some((speaker, person, actor)) => (Some(speaker.clone()), person.clone(), *actor, false),
                None => (None, None, None, false),
            },
            Some(s) => {
                let person = s.person.as_deref().map(|name| full_name(name, &persons, set));
                let mut actor = s.actor;
                if actor.is_none()
                    && let Some(name) = &person
                {
                    let folded = fold_str(name, true);
                    actor = persons
                        .iter()
                        .find(|(n, _)| fold_str(n, true) == folded)
                        .and_then(|(_, a)| *a)
                        .or_else(|| member_actor(&folded, set));
                }
                if let Some(name) = &person
                    && !persons.iter().any(|(n, _)| n == name)
                {
                    persons.push((name.clone(), actor));
                }
                let shown = person.clone().unwrap_or_else(|| s.text.clone());
                if !s.anonymous {
                    last = Some((shown.clone(), person.clone(), actor));
                }
                (Some(s.text), person, actor, s.anonymous)
            }
            None => (None, None, None, false),
        };
        // A quotation continued without a speaker of its own: the one before.
        let (speaker, person, actor) = match (&speaker, p.continued, out.last()) {
            (None, true, Some(prev)) if prev.kind == QuoteKind::Direct && p.kind == QuoteKind::Direct => {
                (prev.speaker.clone(), prev.person.clone(), prev.actor.clone().and_then(|id| set.actors.iter().position(|a| a.id == id)))
            }
            _ => (speaker, person, actor),
        };
        out.push(Quotation {
            kind: p.kind,
            sentence: p.sentence,
            span: p.span,
            text: article.body[p.span.start..p.span.end].to_string(),
            speaker,
            person,
            actor: actor.map(|a| set.actors[a].id.clone()),
            anonymous,
        });
    }
    // A quotation whose speaker only comes in the next sentence's quotation
    // (`"…" / "…," Arreaza said.` split without merging) takes it.
    for i in (0..out.len().saturating_sub(1)).rev() {
        if out[i].speaker.is_none() && out[i].kind == QuoteKind::Direct && out[i + 1].sentence == out[i].sentence + 1 {
            let next = out[i + 1].clone();
            out[i].speaker = next.speaker;
            out[i].person = next.person;
            out[i].actor = next.actor;
        }
    }
    out
}

/// `Arreaza` → `Jorge Arreaza` when the article named him so before, or when
/// one member of the set ends with that name.
fn full_name(name: &str, persons: &[(String, Option<usize>)], set: &ActorSet) -> String {
    if name.contains(' ') {
        return name.to_string();
    }
    let folded = fold_str(name, true);
    let ends = |full: &str| {
        let f = fold_str(full, true);
        f.len() > folded.len() && f.ends_with(&folded) && f[..f.len() - folded.len()].ends_with(' ')
    };
    if let Some((full, _)) = persons.iter().rev().find(|(n, _)| ends(n)) {
        return full.clone();
    }
    let members: Vec<&String> = set
        .actors
        .iter()
        .flat_map(|a| &a.members)
        .filter(|m| ends(m))
        .collect();
    match members.as_slice() {
        [one] => one.to_string(),
        _ => name.to_string(),
    }
}

/// The actor a member name belongs to.
fn member_actor(folded: &str, set: &ActorSet) -> Option<usize> {
    set.actors
        .iter()
        .position(|a| a.members.iter().any(|m| fold_str(m, true) == folded))
}
