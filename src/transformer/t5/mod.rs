//! T5/mT5 summarization written directly on libtorch: the encoder-decoder
//! network ([`model`]) and greedy/beam-search decoding ([`generate`]) that give
//! the same token ids as Hugging Face transformers 4.57, with caches built for
//! speed (cross-attention keys/values projected once per input, self-attention
//! caches written in place, fused projections).
//!
//! ```no_run
//! use newsframe::transformer::RuntimeConfig;
//! use newsframe::transformer::t5::{GenerationConfig, T5Generator};
//! let generator = T5Generator::load("models/mt5-xlsum".as_ref(), &RuntimeConfig { threads: Some(2), ..Default::default() })?;
//! // Token ids as the tokenizer gives them (ending with </s>), one Vec per input.
//! let outputs = generator.generate(&[vec![947, 3, 1], vec![81, 1]], &GenerationConfig::default())?;
//! assert_eq!(outputs[0][0], 0); // each output starts with the decoder start token
//! # Ok::<(), newsframe::transformer::TransformerError>(())
//! ```

pub mod config;
pub mod generate;
pub mod model;
pub mod position;

use std::path::Path;

use tch::Tensor;

pub use config::{FeedForward, T5Config};
pub use generate::{EarlyStopping, GenerationConfig};
pub use model::{DecoderState, T5Model};

use super::{Compute, RuntimeConfig, TransformerError};

/// A loaded T5/mT5 model ready to generate.
pub struct T5Generator {
    model: T5Model,
}

impl T5Generator {
    /// Loads `config.json` and `model.safetensors` from `dir` and applies the
    /// runtime settings (thread count) to libtorch.
    pub fn load(dir: &Path, runtime: &RuntimeConfig) -> Result<T5Generator, TransformerError> {
        runtime.apply();
        T5Generator::load_with(dir, runtime.precision)
    }

    /// Loads the model with its dense layers in `compute`'s precision, on its
    /// device, leaving libtorch's thread settings as they are.
    pub fn load_with(
        dir: &Path,
        compute: impl Into<Compute>,
    ) -> Result<T5Generator, TransformerError> {
        Ok(T5Generator {
            model: T5Model::load_with(dir, compute)?,
        })
    }

    /// The network, for callers that need encoder states or logits.
    pub fn model(&self) -> &T5Model {
        &self.model
    }

    /// Generates an output for each input (token ids, unpadded); inputs are
    /// padded together and decoded as one batch. Each output starts with the
    /// decoder start token and ends with the end token unless `max_length` cut it.
    pub fn generate(
        &self,
        inputs: &[Vec<i64>],
        config: &GenerationConfig,
    ) -> Result<Vec<Vec<i64>>, TransformerError> {
        self.generate_from(inputs, config, None)
    }

    /// [`Self::generate`] with the decoder started on `start` instead of the
    /// model's `decoder_start_token_id`, as transformers'
    /// `generate(decoder_start_token_id=…)` (CrossSum's target-language token).
    pub fn generate_starting(
        &self,
        inputs: &[Vec<i64>],
        config: &GenerationConfig,
        start: i64,
    ) -> Result<Vec<Vec<i64>>, TransformerError> {
        self.generate_from(inputs, config, Some(start))
    }

    fn generate_from(
        &self,
        inputs: &[Vec<i64>],
        config: &GenerationConfig,
        start: Option<i64>,
    ) -> Result<Vec<Vec<i64>>, TransformerError> {
        let invalid = |message: String| TransformerError::Inference {
            dir: self.model.dir().to_path_buf(),
            message,
        };
        config
            .check()
            .map_err(|m| invalid(format!("invalid generation settings: {m}")))?;
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let vocab = self.model.config().vocab_size;
        if let Some(start) = start.filter(|id| !(0..vocab).contains(id)) {
            return Err(invalid(format!(
                "decoder start token {start} is outside the vocabulary of {vocab}"
            )));
        }
        for (i, ids) in inputs.iter().enumerate() {
            if ids.is_empty() {
                return Err(invalid(format!("input {i} has no tokens")));
            }
            if let Some(bad) = ids.iter().find(|&&id| !(0..vocab).contains(&id)) {
                return Err(invalid(format!(
                    "input {i} holds token id {bad}, outside the vocabulary of {vocab}; \
                     was it tokenized for another model?"
                )));
            }
        }
        let (input_ids, attention_mask) = pad_batch(inputs, self.model.config().pad_token_id);
        Ok(generate::generate_batch(
            &self.model,
            &input_ids,
            &attention_mask,
            config,
            start,
        ))
    }
}

/// Right-pads `inputs` with `pad` into `[batch, longest]` ids and a 0/1 mask.
pub fn pad_batch(inputs: &[Vec<i64>], pad: i64) -> (Tensor, Tensor) {
    let longest = inputs.iter().map(Vec::len).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(inputs.len() * longest);
    let mut mask = Vec::with_capacity(inputs.len() * longest);
    for input in inputs {
        ids.extend_from_slice(input);
        ids.extend(std::iter::repeat_n(pad, longest - input.len()));
        mask.extend(std::iter::repeat_n(1i64, input.len()));
        mask.extend(std::iter::repeat_n(0i64, longest - input.len()));
    }
    let shape = [inputs.len() as i64, longest as i64];
    (
        Tensor::from_slice(&ids).view(shape),
        Tensor::from_slice(&mask).view(shape),
    )
}
