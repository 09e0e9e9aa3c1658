//! Peak memory of loading an NLI checkpoint and classifying one pair, for the
//! float16 figures in docs/models.md (mDeBERTa-v3-base publishes float16
//! weights). Make a model of the real shape with random weights, then run:
//!
//! ```text
//! python scripts/make_f16_mdeberta.py /tmp/mdeb16
//! cargo run --release --example nli_load_memory -- /tmp/mdeb16 [f32|bf16]
//! ```
//!
//! Prints one JSON object: the weights file size, the peak resident set size
//! (VmHWM) and their ratio.

use std::path::PathBuf;

use newsframe::transformer::nli::{NliClassifier, NliConfig, NliPair};
use newsframe::transformer::{Precision, RuntimeConfig};

fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: nli_load_memory DIR [f32|bf16]"))?,
    );
    let precision = match args.next().as_deref() {
        None | Some("f32") => Precision::F32,
        Some("bf16") => Precision::Bf16,
        Some(other) => anyhow::bail!("unknown precision {other:?} (f32 or bf16)"),
    };
    RuntimeConfig {
        threads: Some(2),
        precision,
    }
    .apply();
    let config = NliConfig {
        precision,
        ..NliConfig::default()
    };
    let nli = NliClassifier::load(&dir, "memory", config)?;
    let after_load = peak_rss_bytes();
    let probs = nli.classify(&[NliPair {
        premise: "The government announced a new budget on Tuesday.".into(),
        hypothesis: "This text is positive about the government.".into(),
    }])?;
    let file = std::fs::metadata(dir.join("model.safetensors"))?.len();
    let peak = peak_rss_bytes();
    println!(
        "{}",
        serde_json::json!({
            "weights_bytes": file,
            "precision": precision.name(),
            "peak_rss_after_load_bytes": after_load,
            "peak_rss_bytes": peak,
            "peak_over_file": (peak as f64 / file as f64 * 100.0).round() / 100.0,
            "entailment": probs[0].entailment,
        })
    );
    Ok(())
}
