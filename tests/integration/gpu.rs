//! The project's own networks on a CUDA GPU (`--device cuda`) against the
//! CPU, on the tiny fixtures: mT5 (greedy and beam search, articles decoded
//! together), DeBERTa-v2 NLI, the BERT stance classifier and the MiniLM
//! sentence encoder, in float32 and bfloat16.
//!
//! Ignored by default: it needs a CUDA GPU that libtorch sees. Run it there
//! with `cargo test --test integration gpu -- --ignored`; without a GPU it
//! fails saying so (it never passes without having run).

use std::path::PathBuf;

use newsframe::transformer::classifier::{ClassifierConfig, SequenceClassifier};
use newsframe::transformer::embed::{EmbedConfig, SentenceEmbedder};
use newsframe::transformer::generate::{EarlyStopping, GenerationConfig};
use newsframe::transformer::nli::{NliClassifier, NliConfig, NliPair};
use newsframe::transformer::summarizer::{SummarizerConfig, TransformerSummarizer};
use newsframe::transformer::{Precision, device};
use tch::Device;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

const TEXTS: [&str; 3] = [
    "The government announced new sanctions against the opposition on Monday.",
    "Norway hosted talks between the two sides, which the UN welcomed.",
    "Prices rose again.",
];

fn gpu() -> Device {
    assert!(
        device::cuda_devices() > 0,
        "this test needs a CUDA GPU that libtorch sees; there is none here"
    );
    Device::Cuda(0)
}

fn largest_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
#[ignore = "needs a CUDA GPU (cargo test --test integration gpu -- --ignored)"]
fn own_networks_on_a_gpu_match_the_cpu() {
    let gpu = gpu();
    for (precision, tolerance) in [(Precision::F32, 1e-4), (Precision::Bf16, 0.05)] {
        // mT5: the same ids, greedy and beam 3, one at a time and together.
        for beams in [1, 3] {
            let generation = GenerationConfig {
                num_beams: beams,
                max_length: 12,
                min_length: 0,
                no_repeat_ngram_size: 0,
                length_penalty: 1.0,
                early_stopping: EarlyStopping::Heuristic,
            };
            let load = |device| {
                let config = SummarizerConfig {
                    precision,
                    device,
                    ..SummarizerConfig::default()
                };
                TransformerSummarizer::load(&fixture("mt5-tiny"), "mt5-tiny", config).unwrap()
            };
            let (cpu, cuda) = (load(Device::Cpu), load(gpu));
            let together = cuda.generate_ids_batch(&TEXTS, &generation).unwrap();
            for (text, batched) in TEXTS.iter().zip(&together) {
                let on_cpu = cpu.generate_ids_with(text, &generation).unwrap();
                let on_gpu = cuda.generate_ids_with(text, &generation).unwrap();
                // bf16 rounds differently on each device and batch shape:
                // ids may part at a near-tie, so only float32's must agree.
                if precision == Precision::F32 {
                    assert_eq!(on_gpu, on_cpu, "beams {beams}: {text}");
                    assert_eq!(batched, &on_gpu, "decoded together on the GPU: {text}");
                }
                assert!(on_gpu.len() > 1 && on_gpu.len() <= 12, "{on_gpu:?}");
            }
        }
        // DeBERTa-v2 NLI.
        let pairs: Vec<NliPair> = TEXTS
            .iter()
            .map(|t| NliPair {
                premise: t.to_string(),
                hypothesis: "This text is negative about the government.".into(),
            })
            .collect();
        let nli = |device| {
            let config = NliConfig {
                precision,
                device,
                ..NliConfig::default()
            };
            let model = NliClassifier::load(&fixture("mdeberta-nli-tiny"), "nli", config).unwrap();
            model
                .classify(&pairs)
                .unwrap()
                .iter()
                .flat_map(|p| [p.entailment, p.neutral, p.contradiction])
                .collect::<Vec<f64>>()
        };
        let d = largest_difference(&nli(Device::Cpu), &nli(gpu));
        assert!(d < tolerance, "NLI {precision}: {d}");
        // The BERT target-sentiment classifier.
        let stance = |device| {
            let config = ClassifierConfig {
                precision,
                device,
                ..ClassifierConfig::default()
            };
            let model =
                SequenceClassifier::load(&fixture("bert-stance-tiny"), "stance", config).unwrap();
            let pairs: Vec<(&str, &str)> = TEXTS.iter().map(|t| (*t, "government")).collect();
            model
                .classify(&pairs)
                .unwrap()
                .iter()
                .flat_map(|p| [p.negative, p.neutral, p.positive])
                .collect::<Vec<f64>>()
        };
        let d = largest_difference(&stance(Device::Cpu), &stance(gpu));
        assert!(d < tolerance, "classifier {precision}: {d}");
        // The MiniLM sentence encoder.
        let embed = |device| {
            let config = EmbedConfig {
                precision,
                device,
                ..EmbedConfig::default()
            };
            let model = SentenceEmbedder::load(&fixture("minilm-tiny"), config).unwrap();
            model
                .embed(&TEXTS)
                .unwrap()
                .into_iter()
                .flatten()
                .map(f64::from)
                .collect::<Vec<f64>>()
        };
        let d = largest_difference(&embed(Device::Cpu), &embed(gpu));
        assert!(d < tolerance, "embeddings {precision}: {d}");
    }
}
