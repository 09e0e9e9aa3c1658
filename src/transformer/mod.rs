//! The transformer engine: Hugging Face models run on libtorch through rust-bert.
//!
//! Each loader takes a model directory in the Hugging Face layout (`config.json`,
//! `model.safetensors`, tokenizer files) and picks the architecture from
//! `config.json`'s `model_type` in one place ([`model_dir::Architecture`]):
//!
//! - [`summarizer::TransformerSummarizer`]: seq2seq summaries (mT5/T5, BART,
//!   Pegasus) with a token-aware plan for articles longer than the input window;
//!   decoding ([`generate`]) follows transformers' greedy and beam search.
//! - [`nli::NliClassifier`]: entailment/neutral/contradiction probabilities
//!   (DeBERTa-v2/mDeBERTa, XLM-R, BART-MNLI), labels found by name in `id2label`.
//! - [`embed::SentenceEmbedder`]: mean-pooled, L2-normalized sentence embeddings
//!   (BERT/MiniLM), as sentence-transformers computes them.
//!
//! ```no_run
//! use newsframe::transformer::nli::{NliClassifier, NliConfig, NliPair};
//! let nli = NliClassifier::load("models/mdeberta-nli".as_ref(), "mdeberta-nli@local", NliConfig::default())?;
//! let pair = NliPair {
//!     premise: "The minister resigned.".into(),
//!     hypothesis: "The minister left office.".into(),
//! };
//! let probs = nli.classify(&[pair])?;
//! println!("{:.3}", probs[0].entailment);
//! # Ok::<(), newsframe::transformer::TransformerError>(())
//! ```
//!
//! All inference runs without autograd on the CPU; the thread count comes from
//! [`RuntimeConfig`].

pub mod deberta_v2;
pub mod embed;
pub mod error;
pub mod generate;
pub mod model_dir;
pub mod nli;
pub mod seq2seq;
pub mod summarizer;
pub mod t5;
pub mod tokenize;
pub mod weights;

pub use error::TransformerError;
pub use model_dir::{Architecture, ModelDir};

/// Settings shared by every transformer model in a process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Intra-op threads for libtorch. Default (`None`): all available cores.
    pub threads: Option<usize>,
    /// Number format of the encoders' matrix products (NLI, summary encoder).
    pub precision: Precision,
}

/// Number format of the large matrix products.
///
/// `F32` (the default) reproduces Hugging Face transformers' float32 outputs
/// to about 1e-6. `Bf16` stores the weights of the dense layers in bfloat16
/// and multiplies in bfloat16 with float32 accumulation; norms, softmax,
/// attention and position terms stay float32. On CPUs with AVX512-BF16 or AMX
/// that is several times faster; probabilities move by about 1e-2, so records
/// name the precision with the engine and runs of either kind are not mixed.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    Bf16,
}

impl Precision {
    /// `weight` in this format (a no-op for `F32`).
    pub fn weight(self, weight: tch::Tensor) -> tch::Tensor {
        match self {
            Precision::F32 => weight,
            Precision::Bf16 => weight.to_kind(tch::Kind::BFloat16),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> Result<Precision, String> {
        match s.to_ascii_lowercase().as_str() {
            "f32" | "fp32" | "float32" => Ok(Precision::F32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            _ => Err(format!("unknown precision {s:?}: use f32 or bf16")),
        }
    }
}

impl RuntimeConfig {
    /// Applies the settings to libtorch (process-wide).
    pub fn apply(&self) {
        let threads = self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
        tch::set_num_threads(threads.max(1) as i32);
    }
}
