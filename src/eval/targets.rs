//! Engine stance toward the targets a dataset marks, without an actor set.
//!
//! Target-sentiment datasets (NewsMTSC) mark each target by a character
//! span in a sentence, and a sentence often holds several targets whose
//! stance differs. Every text becomes one article (preprocessed as `analyze`
//! would); each of its targets becomes an actor of its own, mentioned
//! exactly at the marked spans (never at other occurrences of the same
//! words), and all of them are given to the stance engine together, as
//! `analyze` gives it every actor of an article. A target without a span
//! is found in the text by name, as an actor alias would be. Whatever
//! stance engine the pipeline runs (builtin or a model) judges the queries,
//! and the shared aggregation makes the label.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::actors::fold::fold_str;
use crate::actors::{Actor, ActorMatcher, ActorSet, Mention};
use crate::article::{Article, ArticleMeta, RawArticle, Span};
use crate::eval::datasets::{CharSpan, DatasetError, StanceExample};
use crate::eval::predictions::{StancePrediction, StancePredictions};
use crate::pipeline::Pipeline;
use crate::preprocess::{PreprocessConfig, preprocess};
use crate::stance::StanceQuery;
use crate::stance::aggregate::aggregate;

/// Texts per stance-engine call.
const BATCH: usize = 16;

/// One text and its targets, ready to query.
pub struct Prepared {
    pub article: Article,
    /// One actor per example of the text, named by its target.
    pub actors: Vec<Actor>,
    /// Every placed mention of every target, in text order.
    pub mentions: Vec<Mention>,
    /// Example index of each actor.
    pub examples: Vec<usize>,
}

/// Preprocesses every text of `examples` and places its targets, in
/// chunks of [`BATCH`] texts; targets that cannot be placed go to `errors`.
pub fn prepare_chunks(
    examples: &[StanceExample],
    errors: &mut Vec<DatasetError>,
) -> Vec<Vec<Prepared>> {
    groups(examples)
        .chunks(BATCH)
        .map(|chunk| {
            chunk
                .iter()
                .map(|range| prepare(examples, range.clone(), errors))
                .collect()
        })
        .collect()
}

/// One query per placed target of `prepared`, with the sentences the
/// pipeline would judge, and the example index of each.
pub fn queries<'a>(
    pipeline: &Pipeline,
    prepared: &'a [Prepared],
) -> (Vec<StanceQuery<'a>>, Vec<usize>) {
    let mut queries = Vec::new();
    let mut owners = Vec::new();
    for p in prepared {
        for (index, actor) in p.actors.iter().enumerate() {
            if !p.mentions.iter().any(|m| m.actor == index) {
                continue;
            }
            queries.push(StanceQuery {
                article: &p.article,
                actor_index: index,
                actor,
                mentions: &p.mentions,
                sentences: pipeline.target_sentences(&p.article, index, &p.mentions),
            });
            owners.push(p.examples[index]);
        }
    }
    (queries, owners)
}

/// Stance of every example toward its own target, keyed like predictions
/// read from a file: `(article_id, actor)`.
pub fn stances(pipeline: &Pipeline, examples: &[StanceExample]) -> StancePredictions {
    let mut out = StancePredictions::default();
    out.engines.insert(pipeline.stance_scorer().describe());
    for prepared in prepare_chunks(examples, &mut out.errors) {
        let (queries, owners) = queries(pipeline, &prepared);
        match pipeline.stance_scorer().judge(&queries) {
            Ok(judgments) if judgments.len() == queries.len() => {
                for (owner, judged) in owners.iter().zip(judgments) {
                    let example = &examples[*owner];
                    out.by_key.insert(
                        (example.article_id.clone(), example.actor.clone()),
                        StancePrediction {
                            label: aggregate(&judged).map(|a| a.label),
                            mentions: None,
                        },
                    );
                }
            }
            Ok(judgments) => {
                let message = format!(
                    "the stance engine returned {} results for {} targets",
                    judgments.len(),
                    queries.len()
                );
                fail_all(examples, &owners, &message, &mut out.errors);
            }
            Err(err) => {
                let message = format!("the stance engine failed: {err:#}");
                fail_all(examples, &owners, &message, &mut out.errors);
            }
        }
    }
    out
}

fn fail_all(
    examples: &[StanceExample],
    owners: &[usize],
    message: &str,
    errors: &mut Vec<DatasetError>,
) {
    for &o in owners {
        errors.push(DatasetError::new(examples[o].origin.clone(), message));
    }
}

/// Runs of consecutive examples from the same row (same origin and text).
fn groups(examples: &[StanceExample]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, e) in examples.iter().enumerate() {
        match out.last_mut() {
            Some(last)
                if examples[last.start].origin == e.origin
                    && examples[last.start].text == e.text =>
            {
                last.end = i + 1
            }
            _ => out.push(i..i + 1),
        }
    }
    out
}

/// Preprocesses a group's text and places its targets; a target that cannot
/// be placed is reported and left out.
fn prepare(
    examples: &[StanceExample],
    range: Range<usize>,
    errors: &mut Vec<DatasetError>,
) -> Prepared {
    let first = &examples[range.start];
    let meta = ArticleMeta {
        id: Some(first.article_id.clone()),
        lang: first.lang.clone(),
        title: first.title.clone(),
        ..ArticleMeta::default()
    };
    let article = preprocess(
        RawArticle::new(first.origin.clone(), meta, first.text.clone()),
        &PreprocessConfig::default(),
    );
    let mut actors = Vec::new();
    let mut mentions = Vec::new();
    let mut owners = Vec::new();
    for i in range {
        let example = &examples[i];
        let index = actors.len();
        let name = example.actor.clone().unwrap_or_else(|| example.id.clone());
        let actor = Actor {
            id: example.actor.clone().unwrap_or_else(|| example.id.clone()),
            name: name.clone(),
            kind: None,
            aliases: BTreeMap::from([("any".to_string(), vec![name.clone()])]),
            members: Vec::new(),
            case_sensitive: Vec::new(),
        };
        let found: Vec<Span> = if example.spans.is_empty() {
            let set = ActorSet {
                name: "targets".to_string(),
                description: None,
                actors: vec![actor.clone()],
            };
            ActorMatcher::new(&set)
                .find(&article)
                .into_iter()
                .map(|m| m.span)
                .collect()
        } else {
            example
                .spans
                .iter()
                .filter_map(|&s| locate(&example.text, &article.body, s))
                .collect()
        };
        if found.is_empty() {
            errors.push(DatasetError::new(
                example.origin.clone(),
                format!(
                    "target {:?} of example {:?} is not found in its text; \
                     give its span, or an actor set with --actors",
                    name, example.id
                ),
            ));
        }
        for span in found {
            let sentence = article
                .sentences
                .partition_point(|s| s.span.end <= span.start);
            if sentence < article.sentences.len() {
                mentions.push(Mention {
                    actor: index,
                    sentence,
                    span,
                    name: name.clone(),
                    member: false,
                });
            }
        }
        actors.push(actor);
        owners.push(i);
    }
    mentions.sort_by_key(|m| (m.span.start, m.actor));
    Prepared {
        article,
        actors,
        mentions,
        examples: owners,
    }
}

/// The byte span in the cleaned `body` of the characters `span` of the raw
/// `text`. Cleaning changes whitespace (and rarely more), so the span is
/// found by counting the other characters, then checked against the
/// mention's own text; when the check fails, the occurrence of the mention
/// nearest to that place is taken.
pub fn locate(text: &str, body: &str, span: CharSpan) -> Option<Span> {
    let (mut before, mut inside) = (0usize, 0usize);
    let mut wanted = String::new();
    for (i, c) in text.chars().enumerate().take(span.end) {
        if c.is_whitespace() {
            continue;
        }
        if i < span.start {
            before += 1;
        } else {
            inside += 1;
            wanted.push(c);
        }
    }
    if inside == 0 {
        return None;
    }
    let wanted = fold_str(&wanted, true);
    let squeezed = |s: &str| -> String {
        fold_str(
            &s.chars().filter(|c| !c.is_whitespace()).collect::<String>(),
            true,
        )
    };
    let mut seen = 0;
    let (mut start, mut end) = (None, None);
    for (b, c) in body.char_indices() {
        if c.is_whitespace() {
            continue;
        }
        if seen == before {
            start = Some(b);
        }
        seen += 1;
        if seen == before + inside {
            end = Some(b + c.len_utf8());
            break;
        }
    }
    if let (Some(s), Some(e)) = (start, end)
        && squeezed(&body[s..e]) == wanted
    {
        return Some(Span { start: s, end: e });
    }
    // Fallback: the nearest occurrence of the mention's text.
    let mention: String = text
        .chars()
        .skip(span.start)
        .take(span.end - span.start)
        .collect();
    let mention = mention.trim();
    if mention.is_empty() {
        return None;
    }
    let expected = start.unwrap_or(0);
    let lower_body = body.to_lowercase();
    let lower_mention = mention.to_lowercase();
    if lower_body.len() != body.len() {
        return None; // lowercasing moved bytes: offsets would not map back
    }
    lower_body
        .match_indices(&lower_mention)
        .map(|(at, m)| Span {
            start: at,
            end: at + m.len(),
        })
        .min_by_key(|s| s.start.abs_diff(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, body: &str, start: usize, end: usize, expect: &str) {
        let span = locate(text, body, CharSpan { start, end }).expect("located");
        assert_eq!(&body[span.start..span.end], expect);
    }

    #[test]
    fn character_offsets_map_through_whitespace_changes() {
        // `’` is three bytes; the cleaned body lost the double space.
        let text = "Clinton’s  aide met Trump.";
        check(text, "Clinton’s aide met Trump.", 20, 25, "Trump");
        check(text, "Clinton’s aide met Trump.", 0, 9, "Clinton’s");
    }

    #[test]
    fn the_marked_occurrence_not_the_first() {
        let text = "Trump aides said Trump lost.";
        check(text, text, 17, 22, "Trump");
        let span = locate(text, text, CharSpan { start: 17, end: 22 }).unwrap();
        assert_eq!(span.start, 17);
    }

    #[test]
    fn falls_back_to_the_nearest_occurrence_when_counting_fails() {
        // An entity decoded by cleaning shifts the count.
        let text = "A &amp; B met Trump and Trump left.";
        let body = "A & B met Trump and Trump left.";
        let span = locate(text, body, CharSpan { start: 24, end: 29 }).unwrap();
        assert_eq!(&body[span.start..span.end], "Trump");
        assert_eq!(span.start, 20);
    }
}
