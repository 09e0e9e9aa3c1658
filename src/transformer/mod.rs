//! The transformer engine: Hugging Face models run on libtorch (tch). T5/mT5,
//! DeBERTa-v2 and BERT run on the project's own networks ([`t5`],
//! [`deberta_v2`], [`bert`]); BART, Pegasus, XLM-R and BART-MNLI on rust-bert.
//!
//! Each loader takes a model directory in the Hugging Face layout (`config.json`,
//! `model.safetensors`, tokenizer files) and picks the architecture from
//! `config.json`'s `model_type` in one place ([`model_dir::Architecture`]):
//!
//! - [`summarizer::TransformerSummarizer`]: seq2seq summaries (mT5/T5, BART,
//!   Pegasus) with a token-aware plan for articles longer than the input window;
//!   decoding ([`generate`]) follows transformers' greedy and beam search;
//!   cross-lingual models choose the summary language by their first decoder
//!   token ([`langid`]).
//! - [`nli::NliClassifier`]: entailment/neutral/contradiction probabilities
//!   (DeBERTa-v2/mDeBERTa, XLM-R, BART-MNLI), labels found by name in `id2label`.
//! - [`classifier::SequenceClassifier`]: target-sentiment stance of a
//!   (sentence, target) pair in one pass (DeBERTa-v2), labels found by name;
//!   [`overlay`] rebuilds a small shipped fine-tune over its registry base.
//! - [`embed::SentenceEmbedder`]: mean-pooled, L2-normalized sentence embeddings
//!   (BERT/MiniLM, the project's own encoder), as sentence-transformers computes them.
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
//! All inference runs without autograd, on the CPU by default or on a CUDA
//! GPU ([`device`]); the CPU thread count comes from [`RuntimeConfig`].

pub mod bert;
pub mod classifier;
pub mod deberta_v2;
pub mod dense;
pub mod device;
pub mod embed;
pub mod error;
pub mod generate;
pub mod int8_vnni;
pub mod langid;
pub mod layers;
pub mod model_dir;
pub mod nli;
pub mod openmp;
pub mod overlay;
pub mod seq2seq;
pub mod smoke;
pub mod summarizer;
pub mod t5;
pub mod tokenize;
pub mod weights;

pub use crate::engine::precision::Precision;
pub use device::Compute;
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

impl Precision {
    /// A tensor multiplied outside dense layers (attention position terms) in
    /// this format: bfloat16 in bf16 mode, float32 otherwise (int8 quantizes
    /// only dense layers' weights, [`dense::DenseWeight`]).
    pub fn weight(self, weight: tch::Tensor) -> tch::Tensor {
        match self {
            Precision::F32 | Precision::Int8 => weight,
            Precision::Bf16 => weight.to_kind(tch::Kind::BFloat16),
        }
    }
}

impl RuntimeConfig {
    /// Applies the settings to libtorch (process-wide): its thread count,
    /// the allocator's reuse of freed memory, and denormals flushed to zero on
    /// every thread ([`openmp::flush_denormals`]).
    pub fn apply(&self) {
        let threads = self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
        tch::set_num_threads(threads.max(1) as i32);
        keep_freed_memory();
        openmp::flush_denormals();
    }
}

/// Makes glibc's malloc keep freed memory for reuse instead of returning it to
/// the kernel. A forward pass allocates and frees tensors of many megabytes;
/// by default each comes from a fresh `mmap` whose pages the kernel faults in
/// and zeroes on first touch, which cost a quarter of the time of bf16 NLI
/// (27 vs 35 pairs/s on mDeBERTa-base, 2 threads) and 10% in float32. The price
/// is that the process keeps its largest working set until it exits.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const GIB: libc::c_int = 1 << 30;
        // SAFETY: mallopt only changes allocator parameters; it is safe to call
        // at any time, and a value glibc refuses leaves the default in place.
        unsafe {
            if libc::mallopt(libc::M_MMAP_THRESHOLD, GIB) == 0 {
                // Older glibc caps the threshold at 32 MiB.
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            }
            libc::mallopt(libc::M_TRIM_THRESHOLD, GIB);
        }
    }
}
