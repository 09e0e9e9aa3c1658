//! The two int8 kernels side by side (`newsframe::transformer::dense`):
//! fbgemm's dynamic product and the project's AVX-512 VNNI kernel, on the
//! matrices of an mT5-base decoding step (the 250k-row output layer and the
//! 72 products of 12 decoder layers, every matrix distinct so none stays in
//! cache) for 1 to 32 rows, and on encoder shapes (512 rows). Random
//! weights; best of several runs; prints milliseconds and the largest
//! difference between the two kernels' output-layer products.
//!
//! ```sh
//! cargo run --release --example bench_int8 -- --threads 2
//! ```

use std::time::Instant;

use clap::Parser;
use newsframe::transformer::dense::{Int8Matrix, Int8Packing};
use newsframe::transformer::{Precision, RuntimeConfig, int8_vnni};
use tch::{Device, Kind, Tensor};

#[derive(Parser)]
struct Args {
    /// libtorch intra-op threads (the VNNI kernel uses the same ones).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Timed runs per measurement; the best is kept.
    #[arg(long, default_value_t = 8)]
    runs: usize,
}

fn best_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::MAX, f64::min)
}

fn random(rows: i64, columns: i64) -> Tensor {
    Tensor::randn([rows, columns], (Kind::Float, Device::Cpu))
}

fn main() {
    let args = Args::parse();
    if !int8_vnni::available() {
        eprintln!("bench_int8: this CPU has no AVX-512 VNNI; only fbgemm runs here");
        std::process::exit(2);
    }
    RuntimeConfig {
        threads: Some(args.threads),
        precision: Precision::Int8,
    }
    .apply();
    let _guard = tch::no_grad_guard();
    let both = |w: &Tensor| {
        [Int8Packing::Fbgemm, Int8Packing::Vnni]
            .map(|packing| Int8Matrix::quantize_for(w.copy(), packing).expect("quantize"))
    };
    let lm_head = both(&random(250_112, 768));
    // One decoder layer of mT5-base: q/k/v, o, cross q, cross o, wi_0/wi_1, wo.
    let shapes = [
        (2304, 768),
        (768, 768),
        (768, 768),
        (768, 768),
        (4096, 768),
        (768, 2048),
    ];
    let layers: Vec<[Int8Matrix; 2]> = (0..12)
        .flat_map(|_| shapes.iter().map(|&(o, i)| both(&random(o, i))))
        .collect();
    println!(
        "rows | output layer fbgemm / vnni ms | 72 layer products fbgemm / vnni ms | max diff / max"
    );
    for rows in [1, 2, 4, 8, 16, 32] {
        let x768 = random(rows, 768);
        let x2048 = random(rows, 2048);
        let head = [0, 1].map(|k| best_ms(args.runs, || drop(lm_head[k].product(&x768))));
        let layer = [0, 1].map(|k| {
            best_ms(args.runs, || {
                for m in &layers {
                    let x = if m[k].input() == 768 { &x768 } else { &x2048 };
                    drop(m[k].product(x));
                }
            })
        });
        let (a, b) = (lm_head[0].product(&x768), lm_head[1].product(&x768));
        let diff = (&a - &b).abs().max().double_value(&[]) / a.abs().max().double_value(&[]);
        println!(
            "{rows:>4} | {:>7.2} / {:>7.2} | {:>7.2} / {:>7.2} | {diff:.4}",
            head[0], head[1], layer[0], layer[1]
        );
    }
    println!("encoder shape | fbgemm ms (GOP/s) | vnni ms (GOP/s)");
    for (rows, input, output) in [(512, 768, 4096), (512, 2048, 768), (512, 768, 2304)] {
        let m = both(&random(output, input));
        let x = random(rows, input);
        let ops = 2.0 * (rows * input * output) as f64 / 1e9;
        let ms = [0, 1].map(|k| best_ms(args.runs.min(5), || drop(m[k].product(&x))));
        println!(
            "{rows}x{input}->{output} | {:.2} ({:.0}) | {:.2} ({:.0})",
            ms[0],
            ops / ms[0] * 1e3,
            ms[1],
            ops / ms[1] * 1e3
        );
    }
}
