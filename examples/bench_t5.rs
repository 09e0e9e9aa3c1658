//! Speed of the T5 engine (`newsframe::transformer::t5`) on an mT5-base-shaped
//! model: one input of `--input-tokens` ids, exactly `--new-tokens` generated
//! (min = max, so every run decodes the same number of steps), greedy and beam
//! search. Prints one JSON object per mode: median and all run times, median CPU
//! time, and the generated ids (compare with scripts/bench_t5_python.py, which
//! feeds the same ids to transformers).
//!
//! ```sh
//! cargo run --release --example bench_t5 -- \
//!     --model ~/.cache/newsframe/bench-models/mt5-base --threads 2 --runs 5
//! ```
//!
//! The input ids are a fixed pseudo-random sequence (the same generator as the
//! Python side), so no tokenizer is needed and any T5/mT5 checkpoint works.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use newsframe::transformer::RuntimeConfig;
use newsframe::transformer::t5::{GenerationConfig, T5Generator};

#[derive(Parser)]
struct Args {
    /// Model directory (config.json + model.safetensors).
    #[arg(long)]
    model: PathBuf,
    /// libtorch intra-op threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Input length in tokens (the last one is the end token).
    #[arg(long, default_value_t = 512)]
    input_tokens: usize,
    /// Generated tokens per run (both minimum and maximum).
    #[arg(long, default_value_t = 64)]
    new_tokens: usize,
    /// Timed runs per mode, after one warm-up run.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Beam counts to measure; 1 is greedy.
    #[arg(long, value_delimiter = ',', default_value = "1,4")]
    beams: Vec<usize>,
}

/// The input shared with scripts/bench_t5_python.py: a 64-bit LCG, ids in
/// `3..vocab`, then the end token 1.
fn input_ids(len: usize, vocab: i64) -> Vec<i64> {
    let mut x: u64 = 20240611;
    let mut ids: Vec<i64> = (0..len.saturating_sub(1))
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            3 + ((x >> 33) % (vocab as u64 - 3)) as i64
        })
        .collect();
    ids.push(1);
    ids
}

/// CPU time of this process so far (user + system), from /proc/self/stat; on a
/// shared machine it varies less than wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesized command name; utime and stime are 14 and 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let runtime = RuntimeConfig {
        threads: Some(args.threads),
        ..Default::default()
    };
    let generator = T5Generator::load(&args.model, &runtime)?;
    let load_s = started.elapsed().as_secs_f64();
    let input = vec![input_ids(
        args.input_tokens,
        generator.model().config().vocab_size,
    )];
    for &beams in &args.beams {
        let config = GenerationConfig {
            num_beams: beams,
            no_repeat_ngram_size: 0,
            length_penalty: 1.0,
            ..GenerationConfig::default()
        }
        .with_new_tokens(args.new_tokens, args.new_tokens);
        let mut output = generator.generate(&input, &config)?;
        let mut times = Vec::with_capacity(args.runs);
        let mut cpu_times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            let (start, cpu_start) = (Instant::now(), cpu_seconds());
            output = generator.generate(&input, &config)?;
            times.push(start.elapsed().as_secs_f64());
            cpu_times.push(cpu_seconds() - cpu_start);
        }
        let report = serde_json::json!({
            "engine": "newsframe-t5",
            "mode": if beams == 1 { "greedy".to_string() } else { format!("beam{beams}") },
            "threads": args.threads,
            "input_tokens": args.input_tokens,
            "new_tokens": output[0].len() - 1,
            "load_s": load_s,
            "median_s": median(&times),
            "times_s": times,
            "median_cpu_s": median(&cpu_times),
            "ids": output[0],
        });
        println!("{report}");
    }
    Ok(())
}
