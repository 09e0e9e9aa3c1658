//! Voices: who an article quotes. Rules only (deterministic, cheap), run for
//! every article in `analyze` whatever the engines.
//!
//! Per sentence (the article's own segmentation):
//!
//! - **Direct quotations**: quoted passages of more than four words (the
//!   stance rules' long quotes, [`crate::stance::lexicon`]), or shorter ones
//!   that are a whole sentence, open a sentence with a speech cue, or have a
//!   cue right after them; other short quoted phrases are scare quotes or
//!   titles, not someone's words. A quotation is attributed to the speech
//!   cue nearest to it in its sentence (`said`, `dijo`, `a déclaré`,
//!   `sagte`, `afirmou`, `according to`; the stance lexicons' `speech`
//!   entries plus [`rules::EXTRA_CUES`]); else to the subject of the clause
//!   before a colon that opens it (`Guaidó told reporters: "…"`); else to
//!   the verb and subject right after it (`« … » a répété Mike Pompeo`,
//!   `„…“, rief er`); else, for a quotation inside its sentence, to the
//!   sentence's subject (`Cabello called it "…"`); else it continues the
//!   quotation of the sentence before (or after). A quotation running over
//!   sentences is one quotation.
//! - **Reported speech**: a sentence without a direct quotation whose
//!   speech cue has a named, affiliated or unnamed-source speaker: `X said
//!   (that) …`, `…, X said`, `according to X, …`, `dijo X que …`, `selon X,
//!   …`, `laut X …`, `X zufolge …`. The quotation is the reported clause, at
//!   least three words; one per sentence.
//!
//! The speaker is the phrase next to the cue, up to punctuation, quotation
//! marks or a `that`-word: before the cue when it names someone, else after
//! it (`"…," said Guaidó`; German verb-second `Am Montag sagte Maduro`). An
//! apposition names the person (`Elliott Abrams, the US envoy, said`; `le
//! ministre des Affaires étrangères, Jorge Arreaza`), a relative clause is
//! skipped (`Maduro, who spoke in Caracas, said`), and in `X confirmed … and
//! said` the speaker is X. A lone pronoun, or no subject at all (Spanish
//! `"…", dijo.`), is the speaker quoted last, or the person of the set who
//! opened a sentence since; an office alone (`le chef de l'État`, `el jefe
//! de Estado`) is the person of the set named last before it. See
//! [`speaker`] for the person and the actor. Unnamed sources (`officials
//! said`, `a diplomat said`) are kept, marked `anonymous`, with the actor
//! their phrase names (`US officials` → `us`) or none.

pub mod rules;
pub mod speaker;

use crate::actors::fold::fold_str;
use crate::actors::{ActorSet, Mention};
use crate::article::{Article, Span};
use crate::record::{Quotation, QuoteKind};
use crate::stance::lexicon::{EntryKind, Lexicon, Lexicons, Token, quote_ranges, tokenize};

use rules::{AFTER_QUOTE_ONLY_CUES, WordSets};
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

/// What a sentence tells the article-wide passes, in text order.
#[derive(Debug, Clone)]
enum Event {
    /// A person who opens a sentence: what a later `he` may stand for.
    Subject(SpeakerPhrase),
    Quote(Pending),
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
    let mut events = Vec::new();
    for index in 0..article.sentences.len() {
        let offset = article.sentences[index].span.start;
        let text = article.sentence_text(index);
        events.extend(sentence_quotes(text, offset, index, mentions, set, &langs));
    }
    resolve(article, events, mentions, set)
}

fn speech_cues(
    tokens: &[&Token],
    lexicons: &[&Lexicon],
    inside: &dyn Fn(usize) -> bool,
) -> Vec<Cue> {
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
        let extra = sets
            .extra_cues
            .iter()
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
        // Not `.`: inside a sentence it ends an abbreviation (`U.S. government`).
        matches!(c, ',' | ';' | ':' | '(' | ')' | '!' | '?' | '–' | '—')
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
) -> Vec<Event> {
    let sets = WordSets::get();
    let tokens = tokenize(text);
    let words: Vec<&Token> = tokens.iter().filter(|t| t.word).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let original = |i: usize| &text[words[i].start..words[i].end];
    let quotes = quote_ranges(text, &words);
    let inside = |i: usize| quotes.iter().any(|q| q.first <= i && i <= q.last);
    let mut cues = speech_cues(&words, lexicons, &inside);
    // German `so` only right after a quotation.
    cues.retain(|c| {
        !(c.end - c.first == 1 && AFTER_QUOTE_ONLY_CUES.contains(&words[c.first].folded.as_str()))
            || (c.first > 0 && inside(c.first - 1))
    });
    let phrase =
        |range: std::ops::Range<usize>| read_phrase(text, offset, &words, range, mentions, set);

    // The phrase ending at word `end`, back to a break (all of it: a long
    // one is a clause, not a speaker); `across` lets it start right after
    // one (the phrase before an apposition's comma).
    let before = |end: usize, across: bool| -> std::ops::Range<usize> {
        let mut start = end;
        while start > 0
            && !inside(start - 1)
            && ((across && start == end) || !break_before(text, &words, start))
        {
            start -= 1;
        }
        start..end
    };
    let after = |start: usize| -> std::ops::Range<usize> {
        let mut end = start;
        while end < words.len() && end - start < MAX_SPEAKER_WORDS {
            let first = end == start;
            let stop = inside(end)
                || is_complementizer(&words[end].folded)
                || (!first && break_before(text, &words, end))
                || (!first && sets.phrase_ends.contains(words[end].folded.as_str()));
            if stop {
                break;
            }
            end += 1;
        }
        start..end
    };
    // The subject at word `start`: names, titles and small words up to the
    // first other word (`Vice President Delcy Rodríguez` of `… accused`).
    let subject = |start: usize| -> std::ops::Range<usize> {
        let mut end = start;
        while end < words.len()
            && !inside(end)
            && (end == start || !break_before(text, &words, end))
            && end - start < MAX_SPEAKER_WORDS
        {
            let w = &words[end];
            let small = sets.not_names.contains(w.folded.as_str())
                || sets.particles.contains(w.folded.as_str());
            let capital = original(end).chars().next().is_some_and(char::is_uppercase);
            if !(capital || small || sets.is_title(&w.folded)) {
                break;
            }
            end += 1;
        }
        start..end
    };
    let cut_at_relative = |range: std::ops::Range<usize>| -> std::ops::Range<usize> {
        match (range.start + 1..range.end)
            .find(|&i| sets.relatives.contains(words[i].folded.as_str()))
        {
            Some(i) => range.start..i,
            None => range,
        }
    };
    let name_only =
        |range: &std::ops::Range<usize>| !range.is_empty() && subject(range.start).end >= range.end;
    // A phrase without a person followed by `, Name`: the apposition names
    // the speaker (`le ministre des Affaires étrangères, Jorge Arreaza`).
    let forward_apposition = |range: std::ops::Range<usize>| -> SpeakerPhrase {
        let p = phrase(range.clone());
        if p.person.is_some() || range.end >= words.len() || inside(range.end) {
            return p;
        }
        let gap = &text[words[range.end - 1].end..words[range.end].start];
        if !gap.contains(',') {
            return p;
        }
        let next = after(range.end);
        let q = phrase(next.clone());
        if name_only(&next) && q.person.is_some() {
            SpeakerPhrase {
                actor: q.actor.or(p.actor),
                ..q
            }
        } else {
            p
        }
    };
    // Up to two comma-separated phrases back from word `end`: the speaker
    // of a verb behind a relative clause (`Maduro, who spoke in Caracas, said`).
    let hop = |mut end: usize, relative: bool, cue_first: usize| {
        for _ in 0..2 {
            if end == 0 || inside(end - 1) {
                break;
            }
            let outer = before(end, true);
            if sets.relatives.contains(words[outer.start].folded.as_str()) {
                end = outer.start;
                continue;
            }
            let outer = cut_at_relative(outer);
            let q = phrase(outer.clone());
            if q.person.is_some() || q.actor.is_some() || (relative && q.anonymous) {
                return Some((q, outer.start..cue_first));
            }
            end = outer.start;
        }
        None
    };
    // The speaker before a verb cue, with appositions and relative clauses.
    let speaker_before = |cue_first: usize| -> Option<(SpeakerPhrase, std::ops::Range<usize>)> {
        // `has said`: the auxiliary belongs to the verb.
        let mut cue_first = cue_first;
        while cue_first > 0
            && sets
                .auxiliaries
                .contains(words[cue_first - 1].folded.as_str())
            && !break_before(text, &words, cue_first)
        {
            cue_first -= 1;
        }
        if cue_first == 0 || inside(cue_first - 1) {
            return None;
        }
        let pre = before(cue_first, false);
        if pre.is_empty() {
            // A comma right before the verb: `Name, description, said`,
            // `description, Name, said`, `Name, who …, said`.
            let desc = before(cue_first, true);
            let relative = sets.relatives.contains(words[desc.start].folded.as_str());
            let d = phrase(desc.clone());
            let outer =
                (desc.start > 0 && !inside(desc.start - 1)).then(|| before(desc.start, true));
            if !relative && d.person.is_some() && name_only(&desc) {
                let mut d = d;
                if d.actor.is_none()
                    && let Some(outer) = &outer
                    && outer.start == 0
                {
                    d.actor = phrase(outer.clone()).actor;
                }
                return Some((d, desc.start..cue_first));
            }
            let outer = outer?;
            let q = phrase(outer.clone());
            if name_only(&outer) && q.person.is_some() {
                let actor = q.actor.or(if relative { None } else { d.actor });
                return Some((SpeakerPhrase { actor, ..q }, outer.start..cue_first));
            }
            if relative {
                let q = phrase(cut_at_relative(outer.clone()));
                if q.is_speaker() {
                    return Some((q, outer.start..cue_first));
                }
            }
            return None;
        }
        let relative_start = sets.relatives.contains(words[pre.start].folded.as_str());
        let coordinated = pre
            .clone()
            .any(|i| sets.conjunctions.contains(words[i].folded.as_str()));
        if coordinated {
            // The subject of the first verb: before the conjunction, or
            // named before a comma (`X, the minister, confirmed … and said`).
            let conj = pre
                .clone()
                .find(|&i| sets.conjunctions.contains(words[i].folded.as_str()))
                .unwrap_or(pre.end);
            for range in [subject(pre.start), pre.start..conj] {
                let p = phrase(range.clone());
                if p.person.is_some() || p.actor.is_some() {
                    return Some((p, range));
                }
            }
            return hop(pre.start, false, cue_first);
        }
        if !relative_start && pre.len() <= MAX_SPEAKER_WORDS {
            let trimmed = cut_at_relative(pre.clone());
            let mut p = phrase(trimmed.clone());
            let mut range = trimmed;
            // An apposition: `Elliott Abrams, the US envoy said`.
            if pre.start > 0 && !inside(pre.start - 1) {
                let outer = before(pre.start, true);
                let q = phrase(outer.clone());
                if p.person.is_none() && name_only(&outer) && q.person.is_some() {
                    let actor = q.actor.or(p.actor);
                    p = SpeakerPhrase { actor, ..q };
                    range = outer.start..pre.end;
                } else if p.person.is_some()
                    && p.actor.is_none()
                    && outer.start == 0
                    && q.person.is_none()
                {
                    p.actor = q.actor;
                }
            }
            if p.is_speaker() {
                return Some((p, range));
            }
        }
        hop(pre.start, relative_start, cue_first)
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
        if zufolge {
            let pre = before(cue.first, false);
            let p = phrase(pre.clone());
            return p.is_speaker().then_some((p, pre));
        }
        if let Some(found) = speaker_before(cue.first) {
            return Some(found);
        }
        // `sagte er vor …`, `disse ele diante de …`
        if !post.is_empty() && sets.pronouns.contains(words[post.start].folded.as_str()) {
            return Some((phrase(post.start..post.start + 1), post));
        }
        let q = if post.is_empty() {
            SpeakerPhrase::default()
        } else {
            forward_apposition(post.clone())
        };
        if q.is_speaker() {
            return Some((q, post));
        }
        // No subject (Spanish `dijo.`), right after a quotation: the last speaker.
        let pre_empty = cue.first == 0 || break_before(text, &words, cue.first);
        (pre_empty && cue.first > 0 && inside(cue.first - 1))
            .then(|| (last_speaker(), cue.first..cue.first))
    };

    let mut out = Vec::new();
    // The sentence's subject, for later pronouns (`He added: …`).
    if !inside(0) {
        let subj = phrase(subject(0));
        // One capitalized word opening a sentence may be any word (`Miles
        // de efectivos`): only a member of the set or a full name counts.
        let known = subj.actor.is_some()
            || subj.person.as_deref().is_some_and(|p| {
                let p = fold_str(p, true);
                p.contains(' ')
                    || set.actors.iter().flat_map(|a| &a.members).any(|m| {
                        let m = fold_str(m, true);
                        m.ends_with(&p) && m[..m.len() - p.len()].ends_with(' ')
                    })
            });
        if subj.person.is_some() && known {
            out.push(Event::Subject(subj));
        }
    }
    let whole = |q: &crate::stance::lexicon::Quote| {
        (0..words.len()).all(|i| q.first <= i && i <= q.last || inside(i))
    };
    let cue_next_to = |q: &crate::stance::lexicon::Quote| {
        cues.iter()
            .any(|c| c.first > q.last && c.first <= q.last + 2)
    };
    let direct: Vec<_> = quotes
        .iter()
        .filter(|q| q.long || whole(q) || cue_next_to(q) || (q.first == 0 && !cues.is_empty()))
        .collect();
    if !direct.is_empty() {
        for q in direct {
            let start = words[q.first].start;
            let end = words[q.last].end;
            let before_first = if q.first == 0 {
                0
            } else {
                words[q.first - 1].end
            };
            let after_last = if q.last + 1 < words.len() {
                words[q.last + 1].start
            } else {
                text.len()
            };
            let opened = mark_in(text, before_first, start, OPENING_MARKS);
            let closed = mark_in(text, end, after_last, CLOSING_MARKS);
            // The nearest cue outside quotations.
            let nearest = cues
                .iter()
                .filter_map(|c| {
                    let d = if c.first > q.last {
                        c.first - q.last
                    } else {
                        q.first.saturating_sub(c.end) + 1
                    };
                    speaker_of(c).map(|s| (d, s))
                })
                .min_by_key(|(d, _)| *d)
                .map(|(_, (s, _))| s);
            // `Guaidó: "…"`, `Guaidó spoke to reporters: "…"`
            let colon = || {
                let gap = &text[before_first..start];
                if q.first == 0 || !gap.contains(':') {
                    return None;
                }
                let clause = before(q.first, true);
                [phrase(subject(clause.start)), phrase(clause)]
                    .into_iter()
                    .find(SpeakerPhrase::is_speaker)
            };
            // `"…", a répété Mike Pompeo`, `„…“, rief er`: a verb and its
            // subject right after the quotation.
            let inverted = || {
                if q.last + 1 >= words.len() || !closed || inside(q.last + 1) {
                    return None;
                }
                let rest = after(q.last + 1);
                if rest
                    .clone()
                    .take(2)
                    .any(|i| sets.pronouns.contains(words[i].folded.as_str()))
                {
                    return Some(last_speaker());
                }
                let p = forward_apposition(rest.clone());
                if p.person.is_some() || p.actor.is_some() || p.anonymous || p.described {
                    return Some(p);
                }
                let verb_first = original(q.last + 1)
                    .chars()
                    .next()
                    .is_some_and(char::is_lowercase);
                if rest
                    .clone()
                    .take(3)
                    .any(|i| sets.pronouns.contains(words[i].folded.as_str()))
                    || verb_first
                {
                    return Some(last_speaker());
                }
                None
            };
            // `El Gobierno calificó la reunión de «…»`: the sentence's subject.
            let embedded = || {
                (q.first > 0 && opened && closed && !subject(0).is_empty())
                    .then(|| forward_apposition(subject(0)))
                    .filter(|p| p.person.is_some() || p.actor.is_some())
            };
            out.push(Event::Quote(Pending {
                kind: QuoteKind::Direct,
                sentence,
                span: Span {
                    start: offset + start,
                    end: offset + end,
                },
                speaker: nearest.or_else(colon).or_else(inverted).or_else(embedded),
                runs_on: !closed,
                continued: !opened,
            }));
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
        if !(speaker.person.is_some()
            || speaker.actor.is_some()
            || speaker.anonymous
            || speaker.pronoun)
        {
            // `Dijo el refrán que …`: reported speech needs a named,
            // affiliated or unnamed-source speaker.
            continue;
        }
        let (lo, hi) = (range.start.min(cue.first), range.end.max(cue.end));
        // After: skip a `that`-word and what precedes it within three words.
        // Else the clause after a comma within three words (`sagte Maduro
        // im Fernsehen, die Gespräche …`).
        let near = hi..(hi + 4).min(words.len());
        let content_start = near
            .clone()
            .find(|&k| is_complementizer(&words[k].folded))
            .map(|k| k + 1)
            .or_else(|| {
                near.clone()
                    .skip(1)
                    .find(|&k| break_before(text, &words, k))
            })
            .unwrap_or(hi);
        let after_words = words.len().saturating_sub(content_start);
        let content = if after_words >= MIN_REPORTED_WORDS
            && !(cue.prepositional && lo >= MIN_REPORTED_WORDS && hi == words.len())
        {
            content_start..words.len()
        } else if lo >= MIN_REPORTED_WORDS {
            0..lo
        } else {
            continue;
        };
        let start = words[content.start].start;
        let end = words[content.end - 1].end;
        out.push(Event::Quote(Pending {
            kind: QuoteKind::Reported,
            sentence,
            span: Span {
                start: offset + start,
                end: offset + end,
            },
            speaker: Some(speaker),
            runs_on: false,
            continued: false,
        }));
        break; // one reported quotation per sentence
    }
    out
}

/// A speaker to be resolved to the last one (pronoun or no subject).
fn last_speaker() -> SpeakerPhrase {
    SpeakerPhrase {
        pronoun: true,
        ..SpeakerPhrase::default()
    }
}

/// `that`, `que`, `dass`, and the elided `qu'il`.
fn is_complementizer(folded: &str) -> bool {
    WordSets::get().complementizers.contains(folded) || folded.starts_with("qu'")
}

/// Article-wide passes: quotations spanning sentences become one, pronouns
/// and subjectless verbs take the last speaker (or the person who opened a
/// sentence before), a quotation without a speaker continues the one just
/// before, surnames take the full name seen before, and actors are named by id.
fn resolve(
    article: &Article,
    events: Vec<Event>,
    mentions: &[Mention],
    set: &ActorSet,
) -> Vec<Quotation> {
    // Merge a quotation that runs on with the continued one right after it.
    let mut merged: Vec<Event> = Vec::new();
    for event in events {
        if let Event::Quote(p) = &event
            && let Some(Event::Quote(last)) = merged.last_mut()
            && last.kind == QuoteKind::Direct
            && p.kind == QuoteKind::Direct
            && last.runs_on
            && p.continued
            && p.sentence <= last.sentence + 1
        {
            last.span.end = p.span.end;
            last.runs_on = p.runs_on;
            if last.speaker.as_ref().is_none_or(|s| !s.is_speaker()) {
                last.speaker = p.speaker.clone();
            }
            continue;
        }
        merged.push(event);
    }

    let mut out: Vec<Quotation> = Vec::new();
    // (shown name, person, actor) of the last speaker or sentence subject.
    type Who = (String, Option<String>, Option<usize>);
    let mut last: Option<Who> = None;
    let mut persons: Vec<(String, Option<usize>)> = Vec::new();
    let name = |s: &SpeakerPhrase, persons: &mut Vec<(String, Option<usize>)>| -> Who {
        let person = s.person.as_deref().map(|n| full_name(n, persons, set));
        let mut actor = s.actor;
        if let Some(n) = &person {
            let folded = fold_str(n, true);
            if actor.is_none() {
                actor = persons
                    .iter()
                    .find(|(p, _)| fold_str(p, true) == folded)
                    .and_then(|(_, a)| *a)
                    .or_else(|| member_actor(&folded, set));
            }
            if !persons.iter().any(|(p, _)| p == n) {
                persons.push((n.clone(), actor));
            }
        }
        (
            person.clone().unwrap_or_else(|| s.text.clone()),
            person,
            actor,
        )
    };
    for event in merged {
        let p = match event {
            Event::Subject(s) => {
                last = Some(name(&s, &mut persons));
                continue;
            }
            Event::Quote(p) => p,
        };
        // An office (`el jefe de Estado`): the set's person named last before.
        if let Some(s) = &p.speaker
            && s.office
            && let Some(m) = mentions
                .iter()
                .filter(|m| m.member && m.span.start < p.span.start)
                .max_by_key(|m| m.span.start)
        {
            let person = full_name(&m.name, &persons, set);
            out.push(Quotation {
                kind: p.kind,
                sentence: p.sentence,
                span: p.span,
                text: article.body[p.span.start..p.span.end].to_string(),
                speaker: Some(s.text.clone()),
                person: Some(person.clone()),
                actor: Some(set.actors[m.actor].id.clone()),
                anonymous: false,
            });
            last = Some((person.clone(), Some(person), Some(m.actor)));
            continue;
        }
        let (mut speaker, mut person, mut actor, anonymous) = match &p.speaker {
            Some(s) if s.pronoun => match &last {
                Some((shown, person, actor)) => {
                    (Some(shown.clone()), person.clone(), *actor, false)
                }
                None => (None, None, None, false),
            },
            Some(s) => {
                let who = name(s, &mut persons);
                last = Some(who.clone());
                (Some(s.text.clone()), who.1, who.2, s.anonymous)
            }
            None => (None, None, None, false),
        };
        // A direct quotation without a speaker continues the one just before.
        if speaker.is_none()
            && p.kind == QuoteKind::Direct
            && let Some(prev) = out.last()
            && prev.kind == QuoteKind::Direct
            && prev.speaker.is_some()
            && p.sentence <= prev.sentence + 1
        {
            speaker = prev.speaker.clone();
            person = prev.person.clone();
            actor = prev
                .actor
                .as_ref()
                .and_then(|id| set.actors.iter().position(|a| &a.id == id));
        }
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
    // A quotation whose speaker only comes with the next sentence's quotation
    // (`"…" / "…," Arreaza said.`) takes it.
    for i in (0..out.len().saturating_sub(1)).rev() {
        if out[i].speaker.is_none()
            && out[i].kind == QuoteKind::Direct
            && out[i + 1].kind == QuoteKind::Direct
            && out[i + 1].sentence == out[i].sentence + 1
        {
            let next = out[i + 1].clone();
            out[i].speaker = next.speaker;
            out[i].person = next.person;
            out[i].actor = next.actor;
            out[i].anonymous = next.anonymous;
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
    let titles = WordSets::get();
    let members: Vec<&String> = set
        .actors
        .iter()
        .flat_map(|a| &a.members)
        .filter(|m| ends(m))
        // `President Maduro` is a title and a name, not a fuller name.
        .filter(|m| {
            m.split_whitespace()
                .next()
                .is_none_or(|w| !titles.is_title(&fold_str(w, true)))
        })
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

#[cfg(test)]
mod tests;
