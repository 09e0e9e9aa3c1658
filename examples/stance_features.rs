//! Writes the builtin stance model's features for every target of a
//! stance dataset (NewsMTSC JSONL, or any format `newsframe eval stance`
//! reads without an actor set), one JSON line per target:
//! `{"id", "group", "gold", "lang", "dense": [...], "words": [...], "near": [...], "context": [...], "terms": [[term, count], ...]}`.
//! `scripts/fit_builtin_stance.py` fits the shipped weights from them, so
//! the features fitted on are computed by the same code that scores.
//!
//! Usage: cargo run --release --example stance_features -- DATASET > features.jsonl

use std::io::Write;

use newsframe::actors::ActorSet;
use newsframe::engine::EngineChoice;
use newsframe::eval::datasets::{LoadConfig, load_stance};
use newsframe::eval::targets::{prepare_chunks, queries};
use newsframe::pipeline::{Pipeline, PipelineConfig};
use newsframe::stance::builtin::BuiltinStanceScorer;
use newsframe::stance::lexicon::{LexiconStanceConfig, Lexicons};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: stance_features DATASET"))?;
    let loaded = load_stance(std::path::Path::new(&path), &LoadConfig::default())?;
    let mut config = PipelineConfig::new(ActorSet::empty("targets"));
    config.engine.choice = EngineChoice::Builtin;
    config.summarize = false;
    let pipeline = Pipeline::new(config)?;
    let scorer = BuiltinStanceScorer::new(Lexicons::builtin(), LexiconStanceConfig::default());
    let mut errors = loaded.errors.clone();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for prepared in prepare_chunks(&loaded.examples, &mut errors) {
        let (queries, owners) = queries(&pipeline, &prepared);
        for (query, owner) in queries.iter().zip(owners) {
            let example = &loaded.examples[owner];
            // The sentence holding the marked mention (the first judged one).
            let Some(target) = query.sentences.iter().find(|t| t.direct) else {
                continue;
            };
            let f = scorer.features(query, target.index, true);
            let line = serde_json::json!({
                "id": example.id,
                "group": example.origin.line,
                "gold": example.gold.map(|g| g.as_str()),
                "lang": query.article.lang(),
                "dense": f.dense.to_vec(),
                "words": f.words,
                "near": f.near_words,
                "context": f.target_context,
                "terms": f.terms,
            });
            writeln!(out, "{line}")?;
        }
    }
    for e in &errors {
        eprintln!("stance_features: {e}");
    }
    Ok(())
}
