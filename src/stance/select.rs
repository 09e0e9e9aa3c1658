//! Which sentences to judge for an actor: every sentence naming it, plus
//! context sentences (the next sentence, when it names no actor, the actor
//! was the first one named in the sentence before, and the sentence goes on
//! with the same subject: it is in the same paragraph, or opens with a
//! third-person pronoun: `Guaidó staged … . He then …`), capped at
//! `max_sentences`. Over the cap, the most
//! informative sentences are kept: direct ones before context ones, then
//! by an informativeness score the caller supplies (the count and strength
//! of evaluative words), then earlier ones (the lead of a news story carries
//! its framing). The result is in article order.

use crate::actors::Mention;
use crate::article::Article;

use super::TargetSentence;

/// The sentences to judge for actor `actor_index`.
pub fn select_sentences(
    article: &Article,
    actor_index: usize,
    mentions: &[Mention],
    max_sentences: usize,
    informativeness: impl Fn(usize) -> f64,
) -> Vec<TargetSentence> {
    let n = article.sentences.len();
    let mut named = vec![false; n];
    let mut first_actor: Vec<Option<usize>> = vec![None; n];
    let mut any_actor = vec![false; n];
    for m in mentions {
        if m.sentence >= n {
            continue;
        }
        any_actor[m.sentence] = true;
        first_actor[m.sentence].get_or_insert(m.actor);
        if m.actor == actor_index {
            named[m.sentence] = true;
        }
    }
    let mut targets = Vec::new();
    for i in 0..n {
        if named[i] {
            targets.push(TargetSentence {
                index: i,
                direct: true,
            });
        } else if i > 0
            && !any_actor[i]
            && first_actor[i - 1] == Some(actor_index)
            && continues(article, i)
        {
            targets.push(TargetSentence {
                index: i,
                direct: false,
            });
        }
    }
    if max_sentences > 0 && targets.len() > max_sentences {
        let mut ranked: Vec<(TargetSentence, f64)> = targets
            .iter()
            .map(|t| (*t, informativeness(t.index)))
            .collect();
        ranked.sort_by(|a, b| {
            b.0.direct
                .cmp(&a.0.direct)
                .then(b.1.total_cmp(&a.1))
                .then(a.0.index.cmp(&b.0.index))
        });
        ranked.truncate(max_sentences);
        targets = ranked.into_iter().map(|(t, _)| t).collect();
        targets.sort_by_key(|t| t.index);
    }
    targets
}

/// The text a scorer reads for sentence `index`: the sentence itself, or,
/// for a context sentence (`direct` false) and a sentence shorter than
/// `short_sentence_words` words, the sentence before it and then it, so a
/// pronoun or a terse line can be read.
pub fn sentence_in_context(
    article: &Article,
    index: usize,
    direct: bool,
    short_sentence_words: usize,
) -> String {
    let text = article.sentence_text(index);
    let short = text.split_whitespace().count() < short_sentence_words;
    if index > 0 && (!direct || short) {
        format!("{} {}", article.sentence_text(index - 1), text)
    } else {
        text.to_string()
    }
}

/// Whether sentence `i` continues the subject of sentence `i - 1`: same
/// paragraph, or a third-person pronoun among its first three words.
fn continues(article: &Article, i: usize) -> bool {
    use unicode_segmentation::UnicodeSegmentation;
    const PRONOUNS: &[&str] = &[
        "he", "she", "they", "his", "her", "their", "el", "ella", "ellos", "su", "il", "elle",
        "ils", "elles", "er", "sie", "ele", "ela", "eles", "elas",
    ];
    if article.sentences[i].paragraph == article.sentences[i - 1].paragraph {
        return true;
    }
    article
        .sentence_text(i)
        .unicode_words()
        .take(3)
        .any(|w| PRONOUNS.contains(&crate::actors::fold::fold_str(w, true).as_str()))
}
