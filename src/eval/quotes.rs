//! Quotation extraction measured on a labeled set (`newsframe eval quotes`,
//! format in `data/eval/quotes/README.md`).
//!
//! Each example is a short passage with its gold quotations: the quoted or
//! reported words (a substring of the passage), the speaker (the person's
//! name, or the phrase of an unnamed source or body) and the speaker's actor.
//! A predicted quotation matches a gold one when their spans overlap by at
//! least half of the shorter (one-to-one, largest overlap first).
//!
//! - Detection: precision = matched / predicted, recall = matched / gold.
//! - Attribution: a matched quotation is right when its speaker agrees (the
//!   person or the phrase equals the gold speaker or contains it, or the
//!   other way round, after folding) and its actor is the gold actor (both
//!   null counts). Precision = right / predicted, recall = right / gold.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::actors::fold::fold_str;
use crate::actors::{ActorMatcher, ActorSet};
use crate::article::{ArticleMeta, Origin, RawArticle, Span};
use crate::preprocess::{PreprocessConfig, preprocess};
use crate::record::Quotation;
use crate::stance::lexicon::Lexicons;

/// One labeled passage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteExample {
    pub id: String,
    pub lang: String,
    pub text: String,
    #[serde(default)]
    pub quotes: Vec<GoldQuote>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldQuote {
    pub text: String,
    pub speaker: Option<String>,
    pub actor: Option<String>,
}

/// Counts and scores of one language (or of all).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuoteScores {
    pub examples: usize,
    pub gold: usize,
    pub predicted: usize,
    pub matched: usize,
    pub attributed: usize,
    pub detection_precision: f64,
    pub detection_recall: f64,
    pub attribution_precision: f64,
    pub attribution_recall: f64,
}

impl QuoteScores {
    fn finish(&mut self) {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.detection_precision = ratio(self.matched, self.predicted);
        self.detection_recall = ratio(self.matched, self.gold);
        self.attribution_precision = ratio(self.attributed, self.predicted);
        self.attribution_recall = ratio(self.attributed, self.gold);
    }
}

/// One mistake, for `--errors`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteError {
    pub id: String,
    /// `missed`, `spurious` or `speaker`.
    pub kind: &'static str,
    pub text: String,
    pub gold: Option<String>,
    pub predicted: Option<String>,
}

/// Scores per language and over all, with the mistakes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuoteEvaluation {
    pub by_lang: BTreeMap<String, QuoteScores>,
    pub all: QuoteScores,
    pub errors: Vec<QuoteError>,
}

/// Reads a labeled JSONL file: the usable passages, and one message per
/// line that is not one (naming the file and line). Fails only when the
/// file cannot be read.
pub fn load(path: &Path) -> anyhow::Result<(Vec<QuoteExample>, Vec<String>)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let example: QuoteExample = match serde_json::from_str(line) {
            Ok(example) => example,
            Err(e) => {
                errors.push(format!(
                    "{}:{}: not a labeled passage: {e}",
                    path.display(),
                    n + 1
                ));
                continue;
            }
        };
        if let Some(q) = example
            .quotes
            .iter()
            .find(|q| !example.text.contains(&q.text))
        {
            errors.push(format!(
                "{}:{}: gold quotation {:?} is not in the passage; left out",
                path.display(),
                n + 1,
                q.text
            ));
            continue;
        }
        out.push(example);
    }
    Ok((out, errors))
}

/// The quotations newsframe finds in one passage, with the passage as
/// preprocessed (spans index its body).
pub fn predict(
    example: &QuoteExample,
    set: &ActorSet,
    matcher: &ActorMatcher,
    lexicons: &Lexicons,
) -> (String, Vec<Quotation>) {
    let meta = ArticleMeta {
        id: Some(example.id.clone()),
        lang: Some(example.lang.clone()),
        ..ArticleMeta::default()
    };
    let raw = RawArticle::new(Origin::file(&example.id), meta, example.text.clone());
    let article = preprocess(raw, &PreprocessConfig::default());
    let mentions = matcher.find(&article);
    let quotes = crate::voices::extract(&article, &mentions, set, lexicons);
    (article.body, quotes)
}

fn overlap(a: Span, b: Span) -> usize {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

/// Whether a predicted speaker agrees with the gold one (see the module doc).
pub fn same_speaker(gold: Option<&str>, predicted: &Quotation) -> bool {
    let Some(gold) = gold else {
        return predicted.speaker.is_none();
    };
    let gold = fold_str(gold.trim(), true);
    [predicted.person.as_deref(), predicted.speaker.as_deref()]
        .into_iter()
        .flatten()
        .map(|p| fold_str(p.trim(), true))
        .any(|p| !p.is_empty() && (p == gold || p.contains(&gold) || gold.contains(&p)))
}

/// Scores every example.
pub fn evaluate(examples: &[QuoteExample], set: &ActorSet) -> QuoteEvaluation {
    let matcher = ActorMatcher::new(set);
    let lexicons = Lexicons::builtin();
    let mut eval = QuoteEvaluation::default();
    for example in examples {
        let (body, predicted) = predict(example, set, &matcher, &lexicons);
        let scores = eval.by_lang.entry(example.lang.clone()).or_default();
        scores.examples += 1;
        scores.gold += example.quotes.len();
        scores.predicted += predicted.len();
        // Gold spans in the preprocessed body (whitespace is normalized the
        // same way in both).
        let gold_spans: Vec<Option<Span>> = example
            .quotes
            .iter()
            .map(|q| {
                let needle = crate::preprocess::normalize::clean_paragraphs(&q.text).join(" ");
                body.find(&needle).map(|start| Span {
                    start,
                    end: start + needle.len(),
                })
            })
            .collect();
        let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
        for (g, gs) in gold_spans.iter().enumerate() {
            let Some(gs) = gs else { continue };
            for (p, q) in predicted.iter().enumerate() {
                let o = overlap(*gs, q.span);
                if o * 2 >= gs.len().min(q.span.len()).max(1) && o > 0 {
                    pairs.push((o, g, p));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut gold_used = vec![false; example.quotes.len()];
        let mut pred_used = vec![false; predicted.len()];
        for (_, g, p) in pairs {
            if gold_used[g] || pred_used[p] {
                continue;
            }
            gold_used[g] = true;
            pred_used[p] = true;
            scores.matched += 1;
            let gold = &example.quotes[g];
            let pred = &predicted[p];
            if same_speaker(gold.speaker.as_deref(), pred) && gold.actor == pred.actor {
                scores.attributed += 1;
            } else {
                eval.errors.push(QuoteError {
                    id: example.id.clone(),
                    kind: "speaker",
                    text: gold.text.clone(),
                    gold: Some(format!(
                        "{} ({})",
                        gold.speaker.as_deref().unwrap_or("-"),
                        gold.actor.as_deref().unwrap_or("-")
                    )),
                    predicted: Some(format!(
                        "{} / {} ({})",
                        pred.speaker.as_deref().unwrap_or("-"),
                        pred.person.as_deref().unwrap_or("-"),
                        pred.actor.as_deref().unwrap_or("-")
                    )),
                });
            }
        }
        for (g, used) in gold_used.iter().enumerate() {
            if !used {
                eval.errors.push(QuoteError {
                    id: example.id.clone(),
                    kind: "missed",
                    text: example.quotes[g].text.clone(),
                    gold: example.quotes[g].speaker.clone(),
                    predicted: None,
                });
            }
        }
        for (p, used) in pred_used.iter().enumerate() {
            if !used {
                eval.errors.push(QuoteError {
                    id: example.id.clone(),
                    kind: "spurious",
                    text: predicted[p].text.clone(),
                    gold: None,
                    predicted: predicted[p].speaker.clone(),
                });
            }
        }
    }
    let mut all = QuoteScores::default();
    for scores in eval.by_lang.values_mut() {
        scores.finish();
        all.examples += scores.examples;
        all.gold += scores.gold;
        all.predicted += scores.predicted;
        all.matched += scores.matched;
        all.attributed += scores.attributed;
    }
    all.finish();
    eval.all = all;
    eval
}
