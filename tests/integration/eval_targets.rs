//! `newsframe eval stance` on target-sentiment data without an actor set:
//! every example's own marked span is what the stance engine judges, with
//! any engine the pipeline runs.

use crate::common;

use serde_json::Value;

use newsframe::actors::ActorSet;
use newsframe::engine::Engines;
use newsframe::eval::datasets::{LoadConfig, load_stance};
use newsframe::eval::targets::stances;
use newsframe::pipeline::{Pipeline, PipelineConfig};
use newsframe::record::{LabelProbs, StanceLabel};
use newsframe::stance::{SentenceJudgment, StanceQuery, StanceScorer};
use newsframe::summarize::builtin::BuiltinSummarizer;

const FIXTURE: &str = "tests/fixtures/eval/newsmtsc_targets.jsonl";

/// A test double: labels an actor by the word right before its mention
/// (`praised X` positive, `condemned X` negative, else neutral), so it
/// tells which occurrence the query marks.
struct WordBefore;

impl StanceScorer for WordBefore {
    fn describe(&self) -> String {
        "word-before@test".to_string()
    }

    fn judge(&self, queries: &[StanceQuery<'_>]) -> anyhow::Result<Vec<Vec<SentenceJudgment>>> {
        Ok(queries
            .iter()
            .map(|q| {
                let own: Vec<_> = q
                    .mentions
                    .iter()
                    .filter(|m| m.actor == q.actor_index)
                    .collect();
                assert_eq!(own.len(), 1, "one marked span per target");
                let before = q.article.body[..own[0].span.start]
                    .split_whitespace()
                    .last()
                    .unwrap_or("");
                let probs = |p: f64, n: f64| LabelProbs {
                    positive: p,
                    neutral: 1.0 - p - n,
                    negative: n,
                };
                let probs = match before {
                    "praised" => probs(0.8, 0.1),
                    "condemned" => probs(0.1, 0.8),
                    _ => probs(0.1, 0.1),
                };
                q.sentences
                    .iter()
                    .map(|t| SentenceJudgment {
                        sentence: t.index,
                        probs,
                        weight: 1.0,
                    })
                    .collect()
            })
            .collect())
    }
}

#[test]
fn each_target_is_judged_at_its_own_span() {
    let loaded = load_stance(std::path::Path::new(FIXTURE), &LoadConfig::default()).unwrap();
    let config = PipelineConfig::new(ActorSet::empty("targets"));
    let engines = Engines {
        summarizer: Box::new(BuiltinSummarizer::new(config.engine.extractive.clone())),
        scorer: Box::new(WordBefore),
    };
    let pipeline = Pipeline::with_engines(config, engines).unwrap();
    let preds = stances(&pipeline, &loaded.examples);
    assert!(preds.errors.is_empty(), "{:?}", preds.errors);
    assert_eq!(preds.engines.iter().next().unwrap(), "word-before@test");
    let label = |id: &str, actor: &str| preds.get(id, Some(actor)).unwrap().label.unwrap();
    // The same name twice in one sentence: each occurrence is its own target.
    assert_eq!(label("mt-1-t0", "Obama"), StanceLabel::Positive);
    assert_eq!(label("mt-1-t1", "Obama"), StanceLabel::Negative);
    assert_eq!(label("mt-3-t0", "minister"), StanceLabel::Neutral);
    assert_eq!(preds.by_key.len(), 8);
}

fn eval(args: &[&str]) -> (i32, Value, String) {
    let output = common::newsframe()
        .args(["eval", "stance"])
        .args(args)
        .args(["--format", "json", "--bootstrap", "200"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), json, stderr)
}

#[test]
fn builtin_engine_scores_newsmtsc_without_an_actor_set() {
    let (code, report, stderr) = eval(&[FIXTURE, "--engine", "builtin", "--per-example"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["dataset"]["format"], "newsmtsc");
    assert_eq!(report["overall"]["n"], 8);
    assert_eq!(report["unmatched"], 0);
    let engine = report["predictions"]["engines"][0].as_str().unwrap();
    assert_eq!(engine, "builtin-lexicon@0.4.0");
    assert_eq!(report["per_class"].as_array().unwrap().len(), 3);
    assert!(report["macro_f1_ci"]["low"].is_number());
    let examples = report["examples"].as_array().unwrap();
    let predicted = |id: &str| {
        examples.iter().find(|e| e["id"] == id).unwrap()["predicted"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Praised, then condemned: neither occurrence takes the other's side
    // (their probabilities: stance_builtin::targets_of_one_sentence_are_told_apart).
    assert_ne!(predicted("mt-1-t0"), "negative");
    assert_ne!(predicted("mt-1-t1"), "positive");
    assert_eq!(predicted("mt-2-t0"), "negative");
    assert_eq!(predicted("mt-2-t1"), "positive");
}

#[test]
fn project_data_still_needs_its_actor_set() {
    let (code, _, stderr) = eval(&["tests/fixtures/eval/project.jsonl", "--engine", "builtin"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--actors"), "{stderr}");
}

#[test]
fn a_target_missing_from_its_text_is_reported_and_the_rest_scored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generic.jsonl");
    std::fs::write(
        &path,
        "{\"id\": \"a\", \"text\": \"Critics condemned Smith.\", \"target\": \"Smith\", \"label\": \"negative\"}\n\
         {\"id\": \"b\", \"text\": \"Critics condemned Smith.\", \"target\": \"Jones\", \"label\": \"negative\"}\n",
    )
    .unwrap();
    let (code, report, stderr) = eval(&[path.to_str().unwrap(), "--engine", "builtin"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("generic.jsonl") && stderr.contains("\"Jones\""),
        "{stderr}"
    );
    assert_eq!(report["overall"]["n"], 2);
    assert_eq!(report["unmatched"], 1);
}
