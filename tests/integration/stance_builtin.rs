//! The builtin stance model: the shipped weights reproduce scikit-learn's
//! probabilities (the fitting script writes them for a few training rows
//! into tests/fixtures/stance/builtin_parity.json), sentences are never
//! sure beyond the cap, and targets of one sentence are told apart.

use serde_json::Value;

use newsframe::stance::builtin::{BUILTIN_MODELS, LinearModel};
use newsframe::stance::features::{DENSE, TargetFeatures};
use newsframe::stance::lexicon::Polarity;

fn softmax(z: [f64; 3]) -> [f64; 3] {
    let max = z.iter().cloned().fold(f64::MIN, f64::max);
    let e = z.map(|v| (v - max).exp());
    let sum: f64 = e.iter().sum();
    e.map(|v| v / sum)
}

#[test]
fn shipped_weights_reproduce_scikit_learn() {
    let fixture: Value =
        serde_json::from_str(include_str!("../fixtures/stance/builtin_parity.json")).unwrap();
    for (lang, file, text) in BUILTIN_MODELS {
        let name = if *lang == "*" { "universal" } else { lang };
        let model = LinearModel::parse(text, file).unwrap();
        let rows = fixture[name].as_array().unwrap();
        assert!(rows.len() >= 10, "{name}");
        for row in rows {
            let strings = |k: &str| -> Vec<String> {
                row[k]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w.as_str().unwrap().to_string())
                    .collect()
            };
            let mut dense = [0.0; DENSE.len()];
            for (d, v) in dense.iter_mut().zip(row["dense"].as_array().unwrap()) {
                *d = v.as_f64().unwrap();
            }
            let features = TargetFeatures {
                dense,
                words: strings("words"),
                near_words: strings("near"),
                target_context: strings("context"),
                terms: row["terms"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| {
                        (
                            t[0].as_str().unwrap().to_string(),
                            t[1].as_u64().unwrap() as u32,
                        )
                    })
                    .collect(),
                evidence: 0.0,
                rule: Polarity::default(),
            };
            let p = softmax(model.logits(&features));
            for (k, label) in ["positive", "neutral", "negative"].iter().enumerate() {
                let want = row["probs"][label].as_f64().unwrap();
                assert!(
                    (p[k] - want).abs() < 1e-4,
                    "{name} {label}: {} vs scikit-learn {want}",
                    p[k]
                );
            }
        }
    }
}

#[test]
fn one_sentence_is_never_surer_than_the_cap() {
    use newsframe::stance::builtin::BuiltinStanceScorer;
    use newsframe::stance::lexicon::{LexiconStanceConfig, Lexicons};
    let scorer = BuiltinStanceScorer::new(Lexicons::builtin(), LexiconStanceConfig::default());
    for value in [-8.0, 0.0, 8.0] {
        let features = TargetFeatures {
            dense: [value; DENSE.len()],
            words: Vec::new(),
            near_words: Vec::new(),
            target_context: Vec::new(),
            terms: Vec::new(),
            evidence: 10.0,
            rule: Polarity {
                positive: value.max(0.0),
                negative: (-value).max(0.0),
            },
        };
        for lang in ["en", "es"] {
            let p = scorer.probs(lang, &features);
            let max = p.positive.max(p.neutral).max(p.negative);
            assert!(max <= 0.9 + 1e-12, "{lang} {value}: {max}");
            assert!((p.positive + p.neutral + p.negative - 1.0).abs() < 1e-12);
        }
    }
}

/// The builtin scorer's sentence probabilities for every target of the
/// NewsMTSC-format fixture, by target id.
fn fixture_probs() -> std::collections::HashMap<String, newsframe::record::LabelProbs> {
    use newsframe::actors::ActorSet;
    use newsframe::engine::EngineChoice;
    use newsframe::eval::datasets::{LoadConfig, load_stance};
    use newsframe::eval::targets::{prepare_chunks, queries};
    use newsframe::pipeline::{Pipeline, PipelineConfig};
    use newsframe::stance::StanceScorer;
    use newsframe::stance::builtin::BuiltinStanceScorer;
    use newsframe::stance::lexicon::{LexiconStanceConfig, Lexicons};

    let path = std::path::Path::new("tests/fixtures/eval/newsmtsc_targets.jsonl");
    let loaded = load_stance(path, &LoadConfig::default()).unwrap();
    let mut config = PipelineConfig::new(ActorSet::empty("targets"));
    config.engine.choice = EngineChoice::Builtin;
    config.summarize = false;
    let pipeline = Pipeline::new(config).unwrap();
    let scorer = BuiltinStanceScorer::new(Lexicons::builtin(), LexiconStanceConfig::default());
    let mut errors = Vec::new();
    let mut out = std::collections::HashMap::new();
    for prepared in prepare_chunks(&loaded.examples, &mut errors) {
        let (queries, owners) = queries(&pipeline, &prepared);
        let judged = scorer.judge(&queries).unwrap();
        for (judgments, owner) in judged.into_iter().zip(owners) {
            out.insert(loaded.examples[owner].id.clone(), judgments[0].probs);
        }
    }
    assert!(errors.is_empty(), "{errors:?}");
    out
}

#[test]
fn targets_of_one_sentence_are_told_apart() {
    let p = fixture_probs();
    // One name twice: "praised Obama …, but … condemned Obama".
    let (praised, condemned) = (&p["mt-1-t0"], &p["mt-1-t1"]);
    assert!(
        praised.positive > condemned.positive + 0.1,
        "{praised:?} vs {condemned:?}"
    );
    assert!(
        condemned.negative > praised.negative + 0.1,
        "{praised:?} vs {condemned:?}"
    );
    // Two names: "accused Smith of corruption, while they hailed Jones".
    let (smith, jones) = (&p["mt-2-t0"], &p["mt-2-t1"]);
    assert!(
        smith.negative > smith.positive.max(smith.neutral),
        "{smith:?}"
    );
    assert!(
        jones.positive > jones.negative.max(jones.neutral),
        "{jones:?}"
    );
}
