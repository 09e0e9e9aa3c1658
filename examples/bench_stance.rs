//! Stance throughput: the target-sentiment classifier against zero-shot NLI on
//! the same mentions and the same encoder (see scripts/bench/stance.sh).
//!
//! Each mention is one sentence and one actor. NLI sends three pairs per
//! mention (the sentence against "This text is {label} about {actor}." for
//! each label), the classifier one (the sentence, the actor), both in chunks
//! of 16 pairs, as the stance scorers send them (`src/stance/nli.rs`,
//! `src/stance/classifier.rs`). One process runs one engine and prints one
//! JSON object:
//!
//! ```text
//! target/release/examples/bench_stance --models DIR --engine classifier --precision bf16
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use newsframe::record::StanceLabel;
use newsframe::stance::classifier::{TargetPair, TargetSentimentModel};
use newsframe::stance::nli::{NliModel, NliPair};
use newsframe::transformer::classifier::{ClassifierConfig, SequenceClassifier};
use newsframe::transformer::nli::{NliClassifier, NliConfig};
use newsframe::transformer::{Precision, RuntimeConfig};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Engine {
    Nli,
    Classifier,
}

#[derive(Debug, Parser)]
struct Args {
    /// Directory with `mdeberta-nli/`, `mdeberta-stance/` and `stance_inputs.json`.
    #[arg(long)]
    models: PathBuf,
    #[arg(long, value_enum)]
    engine: Engine,
    #[arg(long, default_value = "f32")]
    precision: Precision,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Mentions to judge (from the start of the inputs).
    #[arg(long, default_value_t = 48)]
    mentions: usize,
}

/// Pairs per model call: the stance scorers' default `--batch-size`.
const CHUNK: usize = 16;

fn main() -> Result<()> {
    let args = Args::parse();
    RuntimeConfig {
        threads: Some(args.threads),
        precision: args.precision,
    }
    .apply();
    let inputs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(args.models.join("stance_inputs.json"))
            .context("stance_inputs.json (run scripts/bench/stance.sh)")?,
    )?;
    let mentions: Vec<(String, String)> = inputs["mentions"]
        .as_array()
        .context("mentions")?
        .iter()
        .take(args.mentions)
        .map(|m| {
            (
                m["sentence"].as_str().unwrap_or_default().to_string(),
                m["actor"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let started = Instant::now();
    let (pairs, run_s) = match args.engine {
        Engine::Nli => {
            let config = NliConfig {
                batch_size: CHUNK,
                precision: args.precision,
                ..NliConfig::default()
            };
            let model = NliClassifier::load(&args.models.join("mdeberta-nli"), "bench", config)?;
            model.predict(&[NliPair {
                premise: "Warm up.".into(),
                hypothesis: "Warm up.".into(),
            }])?;
            let pairs: Vec<NliPair> = mentions
                .iter()
                .flat_map(|(sentence, actor)| {
                    StanceLabel::ALL.map(|label| NliPair {
                        premise: sentence.clone(),
                        hypothesis: format!("This text is {} about {actor}.", label.as_str()),
                    })
                })
                .collect();
            let t = Instant::now();
            for chunk in pairs.chunks(CHUNK) {
                model.predict(chunk)?;
            }
            (pairs.len(), t.elapsed().as_secs_f64())
        }
        Engine::Classifier => {
            let config = ClassifierConfig {
                batch_size: CHUNK,
                precision: args.precision,
                ..ClassifierConfig::default()
            };
            let model =
                SequenceClassifier::load(&args.models.join("mdeberta-stance"), "bench", config)?;
            model.classify(&[("Warm up.", "up")])?;
            let pairs: Vec<TargetPair> = mentions
                .iter()
                .map(|(sentence, actor)| TargetPair {
                    sentence: sentence.clone(),
                    target: actor.clone(),
                })
                .collect();
            let t = Instant::now();
            for chunk in pairs.chunks(CHUNK) {
                model.predict(chunk)?;
            }
            (pairs.len(), t.elapsed().as_secs_f64())
        }
    };
    println!(
        "{}",
        json!({
            "engine": format!("{:?}", args.engine).to_lowercase(),
            "precision": args.precision.name(),
            "threads": args.threads,
            "mentions": mentions.len(),
            "pairs": pairs,
            "run_s": run_s,
            "load_and_run_s": started.elapsed().as_secs_f64(),
            "mentions_per_s": mentions.len() as f64 / run_s,
        })
    );
    Ok(())
}
