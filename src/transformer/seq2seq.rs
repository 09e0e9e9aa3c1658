//! rust-bert's encoder-decoder models (BART, Pegasus) behind one interface:
//! encode once, then run the decoder step by step with a key/value cache that
//! beam search can reorder. T5 and mT5 run on the project's own network
//! ([`super::t5`]) instead.

use std::path::{Path, PathBuf};

use rust_bert::bart::{BartConfig, BartForConditionalGeneration};
use rust_bert::pegasus::{PegasusConfig, PegasusForConditionalGeneration};
use tch::nn::VarStore;
use tch::{Device, Tensor};

use super::error::{Result, TransformerError};
use super::model_dir::{Architecture, ModelDir};

/// Token ids that steer decoding, read from the model's config files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodingTokens {
    /// First decoder input (`decoder_start_token_id`).
    pub decoder_start: i64,
    /// Tokens that end a sequence (`eos_token_id`).
    pub eos: Vec<i64>,
    pub pad: i64,
    /// Token forced at the first step (`forced_bos_token_id`, e.g. BART-CNN).
    pub forced_bos: Option<i64>,
    /// Token forced at the last step (`forced_eos_token_id`).
    pub forced_eos: Option<i64>,
}

enum Net {
    Bart(BartForConditionalGeneration),
    Pegasus(PegasusForConditionalGeneration),
}

/// The decoder's key/value cache; empty before the first step.
pub enum DecoderCache {
    Empty,
    Bart(
        Vec<(
            Option<rust_bert::bart::LayerState>,
            Option<rust_bert::bart::LayerState>,
        )>,
    ),
    Pegasus(
        Vec<(
            Option<rust_bert::pegasus::LayerState>,
            Option<rust_bert::pegasus::LayerState>,
        )>,
    ),
}

/// Reorders the cached self-attention keys/values of every layer along the
/// batch (beam) axis. Cross-attention caches are left alone: generation runs
/// one input at a time, so every beam row of them holds the same encoder
/// projection and reordering would only copy it.
macro_rules! reorder_layers {
    ($layers:expr, $index:expr) => {
        for (self_attn, _cross_attn) in $layers.iter_mut() {
            if let Some(state) = self_attn {
                state.prev_key = state.prev_key.index_select(0, $index);
                state.prev_value = state.prev_value.index_select(0, $index);
            }
        }
    };
}

impl DecoderCache {
    /// Keeps, for each new row, the self-attention cache of row `index[row]`
    /// (all rows must come from the same input).
    pub fn reorder(&mut self, index: &Tensor) {
        match self {
            DecoderCache::Empty => {}
            DecoderCache::Bart(layers) => reorder_layers!(layers, index),
            DecoderCache::Pegasus(layers) => reorder_layers!(layers, index),
        }
    }
}

/// A loaded encoder-decoder model.
pub struct Seq2SeqModel {
    net: Net,
    // Owns the weights the modules point into.
    _vs: VarStore,
    dir: PathBuf,
    pub tokens: DecodingTokens,
    /// Longest input the encoder accepts, in tokens.
    pub max_input_tokens: usize,
    pub vocab_size: i64,
}

/// The `model_type`s a summary model may have (this loader's and [`super::t5`]'s).
pub const SEQ2SEQ_ARCHITECTURES: &str = "t5, mt5, bart, pegasus";

impl Seq2SeqModel {
    /// Loads a BART or Pegasus model; T5/mT5 load with [`super::t5::T5Generator`].
    pub fn load(dir: &ModelDir) -> Result<Seq2SeqModel> {
        let arch = dir.require(
            "BART/Pegasus generation (T5 and mT5 load with transformer::t5)",
            "bart, pegasus",
            &[Architecture::Bart, Architecture::Pegasus],
        )?;
        let mut vs = VarStore::new(Device::Cpu);
        let (net, max_input_tokens, vocab_size) = match arch {
            Architecture::Bart => {
                let config: BartConfig = dir.parse_config()?;
                let net = BartForConditionalGeneration::new(vs.root(), &config);
                (
                    Net::Bart(net),
                    config.max_position_embeddings as usize,
                    config.vocab_size,
                )
            }
            Architecture::Pegasus => {
                let config: PegasusConfig = dir.parse_config()?;
                let net = PegasusForConditionalGeneration::new(vs.root(), &config);
                (
                    Net::Pegasus(net),
                    config.max_position_embeddings as usize,
                    config.vocab_size,
                )
            }
            _ => unreachable!("require() admits only seq2seq architectures"),
        };
        dir.load_weights(&mut vs)?;
        let pad = dir.token_id("pad_token_id").unwrap_or(0);
        let tokens = DecodingTokens {
            decoder_start: dir.token_id("decoder_start_token_id").unwrap_or(pad),
            eos: dir.eos_token_ids(),
            pad,
            forced_bos: dir.token_id("forced_bos_token_id"),
            forced_eos: dir.token_id("forced_eos_token_id"),
        };
        if tokens.eos.is_empty() {
            return Err(TransformerError::Config {
                path: dir.config_path(),
                message: "no eos_token_id: generation would never stop".into(),
            });
        }
        Ok(Seq2SeqModel {
            net,
            _vs: vs,
            dir: dir.path.clone(),
            tokens,
            max_input_tokens,
            vocab_size,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Encoder states `[batch, seq, hidden]` of `input_ids` `[batch, seq]`.
    pub fn encode(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let _guard = tch::no_grad_guard();
        match &self.net {
            Net::Bart(net) => net.encode(input_ids, Some(attention_mask)),
            Net::Pegasus(net) => net.encode(input_ids, Some(attention_mask)),
        }
    }

    /// Runs the decoder on `decoder_ids` `[batch, steps]` (only the new tokens
    /// when the cache is filled) and returns the logits `[batch, steps, vocab]`
    /// and the grown cache.
    pub fn decode(
        &self,
        encoder_states: &Tensor,
        encoder_mask: &Tensor,
        decoder_ids: &Tensor,
        cache: DecoderCache,
    ) -> (Tensor, DecoderCache) {
        let _guard = tch::no_grad_guard();
        match &self.net {
            Net::Bart(net) => {
                let past = match cache {
                    DecoderCache::Bart(layers) => Some(layers),
                    _ => None,
                };
                let out = net.forward_t(
                    None,
                    Some(encoder_mask),
                    Some(encoder_states),
                    Some(decoder_ids),
                    None,
                    past,
                    false,
                );
                let cache = out.cache.map_or(DecoderCache::Empty, DecoderCache::Bart);
                (out.decoder_output, cache)
            }
            Net::Pegasus(net) => {
                let past = match cache {
                    DecoderCache::Pegasus(layers) => Some(layers),
                    _ => None,
                };
                let out = net.forward_t(
                    None,
                    Some(encoder_mask),
                    Some(encoder_states),
                    Some(decoder_ids),
                    None,
                    past,
                    false,
                );
                let cache = out.cache.map_or(DecoderCache::Empty, DecoderCache::Pegasus);
                (out.decoder_output, cache)
            }
        }
    }
}
