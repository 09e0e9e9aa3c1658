//! ROUGE parity with Google's rouge-score: every pair of
//! tests/fixtures/eval/rouge_parity.jsonl (written by
//! scripts/make_eval_fixtures.py with rouge-score 0.1.2) must give the same
//! precision, recall and F1 for rouge1, rouge2, rougeL and rougeLsum, with
//! and without stemming, to 1e-6.

use newsframe::eval::rouge::{RougeConfig, RougeMode, RougeScorer, RougeVariant};
use serde_json::Value;

const TOLERANCE: f64 = 1e-6;

#[test]
fn english_mode_matches_rouge_score() {
    let fixture = std::fs::read_to_string("tests/fixtures/eval/rouge_parity.jsonl")
        .expect("fixture tests/fixtures/eval/rouge_parity.jsonl");
    let scorers = [
        (
            "nostem",
            RougeScorer::new(RougeConfig {
                mode: RougeMode::English,
                stem: false,
            }),
        ),
        (
            "stem",
            RougeScorer::new(RougeConfig {
                mode: RougeMode::English,
                stem: true,
            }),
        ),
    ];
    let mut pairs = 0;
    let mut failures = Vec::new();
    for line in fixture.lines() {
        let rec: Value = serde_json::from_str(line).unwrap();
        let target = rec["target"].as_str().unwrap();
        let prediction = rec["prediction"].as_str().unwrap();
        for (name, scorer) in &scorers {
            let ours = scorer.score(target, prediction, "en");
            for variant in RougeVariant::ALL {
                let want = &rec[*name][variant.name()];
                let got = ours.get(variant);
                for (k, (field, value)) in [
                    ("precision", got.precision),
                    ("recall", got.recall),
                    ("f1", got.f1),
                ]
                .into_iter()
                .enumerate()
                {
                    let expected = want[k].as_f64().unwrap();
                    if (value - expected).abs() > TOLERANCE {
                        failures.push(format!(
                            "{} {name} {variant} {field}: got {value}, rouge-score {expected}\n  target: {target:?}\n  prediction: {prediction:?}",
                            rec["id"]
                        ));
                    }
                }
            }
        }
        pairs += 1;
    }
    assert!(pairs >= 300, "fixture has only {pairs} pairs");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Multilingual mode against the XL-Sum authors' multilingual ROUGE
/// (tests/fixtures/eval/rouge_multilingual.jsonl, written by
/// scripts/make_multilingual_rouge_fixture.py): rouge1, rouge2 and rougeL,
/// with and without Snowball stemming, in six languages, to 1e-6.
#[test]
fn multilingual_mode_matches_xlsum_scorer() {
    let fixture = std::fs::read_to_string("tests/fixtures/eval/rouge_multilingual.jsonl")
        .expect("fixture tests/fixtures/eval/rouge_multilingual.jsonl");
    let scorers = [
        (
            "nostem",
            RougeScorer::new(RougeConfig {
                mode: RougeMode::Multilingual,
                stem: false,
            }),
        ),
        (
            "stem",
            RougeScorer::new(RougeConfig {
                mode: RougeMode::Multilingual,
                stem: true,
            }),
        ),
    ];
    let mut pairs = 0;
    let mut failures = Vec::new();
    for line in fixture.lines() {
        let rec: Value = serde_json::from_str(line).unwrap();
        let target = rec["target"].as_str().unwrap();
        let prediction = rec["prediction"].as_str().unwrap();
        let lang = rec["lang"].as_str().unwrap();
        for (name, scorer) in &scorers {
            let ours = scorer.score(target, prediction, lang);
            for variant in RougeVariant::ALL.into_iter().take(3) {
                let want = &rec[*name][variant.name()];
                let got = ours.get(variant);
                for (k, (field, value)) in [
                    ("precision", got.precision),
                    ("recall", got.recall),
                    ("f1", got.f1),
                ]
                .into_iter()
                .enumerate()
                {
                    let expected = want[k].as_f64().unwrap();
                    if (value - expected).abs() > TOLERANCE {
                        failures.push(format!(
                            "{} {name} {variant} {field}: got {value}, reference {expected}\n  target: {target:?}\n  prediction: {prediction:?}",
                            rec["id"]
                        ));
                    }
                }
            }
        }
        pairs += 1;
    }
    assert!(pairs >= 200, "fixture has only {pairs} pairs");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
