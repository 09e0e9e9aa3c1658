//! The T5/mT5 network on libtorch: weights from `model.safetensors` under
//! transformers' parameter names, the encoder, and a decoder that advances one
//! token per call against caches.
//!
//! The caches are what make decoding cheap:
//! - self-attention keys/values go into tensors allocated once for the longest
//!   output, one position written per step (no concatenation, no copies);
//! - cross-attention keys/values are projected from the encoder output once per
//!   input, and the beams of an input share them: their queries become rows of one
//!   matrix product against that input's keys, so beam reordering never touches them;
//! - the decoder's relative position bias is computed once per output length.
//!
//! Query, key and value projections of self-attention are one matrix product
//! (weights concatenated at load), as are cross-attention's key and value and the
//! two input projections of the gated feed-forward block.

use std::path::{Path, PathBuf};

use tch::{Kind, Tensor};

use super::config::{FeedForward, T5Config};
use super::position::position_bias;
use crate::transformer::dense::DenseWeight;
use crate::transformer::device::{Compute, on_device_of};
use crate::transformer::layers::LayerLoader;
use crate::transformer::weights::{MappedFile, SafetensorsFile};
use crate::transformer::{Precision, TransformerError};

/// Self-attention of one layer with its pre-norm.
struct SelfAttention {
    norm: Tensor,
    /// `[3 * inner, d_model]`: q, k, v stacked.
    qkv: DenseWeight,
    out: DenseWeight,
}

/// Cross-attention of one decoder layer with its pre-norm.
struct CrossAttention {
    norm: Tensor,
    query: DenseWeight,
    /// `[2 * inner, d_model]`: k, v stacked.
    key_value: DenseWeight,
    out: DenseWeight,
}

/// Feed-forward block with its pre-norm.
struct FeedForwardBlock {
    norm: Tensor,
    /// `[d_ff, d_model]`, or `[2 * d_ff, d_model]` (wi_0 then wi_1) when gated.
    input: DenseWeight,
    output: DenseWeight,
}

struct EncoderLayer {
    attention: SelfAttention,
    feed_forward: FeedForwardBlock,
}

struct DecoderLayer {
    attention: SelfAttention,
    cross: CrossAttention,
    feed_forward: FeedForwardBlock,
}

/// A loaded T5/mT5 model (float32, CPU, inference only).
pub struct T5Model {
    config: T5Config,
    dir: PathBuf,
    shared: Tensor,
    encoder: Vec<EncoderLayer>,
    encoder_position_table: Tensor,
    encoder_norm: Tensor,
    decoder: Vec<DecoderLayer>,
    decoder_position_table: Tensor,
    decoder_norm: Tensor,
    /// `[vocab, d_model]`; the shared embeddings when tied.
    lm_head: DenseWeight,
    /// Keeps the memory-mapped weights the tensors above view; declared last
    /// so it is dropped after them.
    _mapping: MappedFile,
}

/// Per-generation decoder state: caches and biases for `rows = inputs * beams`
/// hypotheses.
pub struct DecoderState {
    /// Per layer `[rows, heads, capacity, d_kv]`; positions `0..len` are filled.
    self_keys: Vec<Tensor>,
    self_values: Vec<Tensor>,
    /// Per layer `[inputs, heads, source_len, d_kv]`, shared by an input's beams.
    cross_keys: Vec<Tensor>,
    cross_values: Vec<Tensor>,
    /// `[inputs, 1, 1, source_len]`: 0 for real tokens, float32 min for padding.
    cross_mask: Tensor,
    /// `[1, heads, capacity, capacity]`.
    self_bias: Tensor,
    inputs: i64,
    beams: i64,
    len: i64,
    capacity: i64,
}

impl DecoderState {
    /// Decoder positions already processed.
    pub fn len(&self) -> i64 {
        self.len
    }

    /// Whether no position was processed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Hypotheses per input.
    pub fn beams(&self) -> i64 {
        self.beams
    }

    /// Inputs (encoder sequences) being decoded.
    pub fn inputs(&self) -> i64 {
        self.inputs
    }

    /// Makes row `i` continue from row `sources[i]` (a hypothesis of the same
    /// input): only the filled part of the self-attention caches is gathered.
    pub fn reorder(&mut self, sources: &[i64]) {
        let index = Tensor::from_slice(sources);
        let index = match self.self_keys.first() {
            Some(cache) => on_device_of(&index, cache),
            None => index,
        };
        for cache in self.self_keys.iter_mut().chain(self.self_values.iter_mut()) {
            let mut filled = cache.narrow(2, 0, self.len);
            let gathered = filled.index_select(0, &index);
            filled.copy_(&gathered);
        }
    }
}

/// The float32 minimum transformers adds to the scores of padding positions.
fn mask_to_bias(mask: &Tensor) -> Tensor {
    (mask.to_kind(Kind::Float).ones_like() - mask.to_kind(Kind::Float)) * f32::MIN as f64
}

fn rms_norm(x: &Tensor, weight: &Tensor, eps: f64) -> Tensor {
    let variance = x
        .pow_tensor_scalar(2)
        .mean_dim(Some(&[-1i64][..]), true, Kind::Float);
    weight * (x * (variance + eps).rsqrt())
}

/// transformers' `NewGELUActivation`, `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`:
/// libtorch's tanh-approximated GELU computes that formula in one pass (one
/// operation instead of eight: a decoding step runs one per layer, and a
/// batch's temporaries are megabytes).
fn gelu_new(x: &Tensor) -> Tensor {
    x.gelu("tanh")
}

impl FeedForwardBlock {
    fn forward(
        &self,
        x: &Tensor,
        kind: FeedForward,
        eps: f64,
        project: fn(&DenseWeight, &Tensor) -> Tensor,
    ) -> Tensor {
        let h = rms_norm(x, &self.norm, eps);
        let projected = project(&self.input, &h);
        let hidden = match kind {
            FeedForward::Relu => projected.relu(),
            FeedForward::GatedGelu | FeedForward::GatedRelu => {
                let parts = projected.chunk(2, -1);
                let mut gate = if kind == FeedForward::GatedGelu {
                    gelu_new(&parts[0])
                } else {
                    parts[0].relu()
                };
                gate *= &parts[1];
                gate
            }
        };
        x + project(&self.output, &hidden)
    }
}

/// The checkpoint's tensors for [`T5Model::build`]: single weights are views
/// of the mapping, fused ones are read into their stacked tensor; matrices are
/// stored in the loader's precision.
struct Weights<'a>(LayerLoader<'a>);

impl Weights<'_> {
    fn take(&mut self, name: &str, shape: &[i64]) -> Result<Tensor, TransformerError> {
        self.0.view(name, shape)
    }

    fn matrix(&mut self, name: &str, shape: &[i64]) -> Result<DenseWeight, TransformerError> {
        self.0.dense(name, shape)
    }

    fn matrix_stacked(
        &mut self,
        names: &[String],
        shape: &[i64],
    ) -> Result<DenseWeight, TransformerError> {
        DenseWeight::new(self.0.stacked(names, shape)?, self.0.precision)
    }
}

impl T5Model {
    /// Loads `config.json` and `model.safetensors` from a Hugging Face model
    /// directory, in float32.
    pub fn load(dir: &Path) -> Result<T5Model, TransformerError> {
        T5Model::load_with(dir, Precision::F32)
    }

    /// Loads the model with its dense layers in `compute`'s precision
    /// (embeddings, norms and position biases stay float32), on its device.
    pub fn load_with(dir: &Path, compute: impl Into<Compute>) -> Result<T5Model, TransformerError> {
        let config = T5Config::from_dir(dir)?;
        let path = crate::transformer::ModelDir::open(dir)?.safetensors_path()?;
        let _guard = tch::no_grad_guard();
        let file = SafetensorsFile::open(&path)?;
        let mut weights = Weights(LayerLoader::new(&file, compute.into(), "T5/mT5"));
        T5Model::build(config, dir, &mut weights)
    }

    fn build(config: T5Config, dir: &Path, w: &mut Weights) -> Result<T5Model, TransformerError> {
        let d = config.d_model;
        let inner = config.inner_dim();
        let ff = config.d_ff;
        let heads = config.num_heads;
        let buckets = config.relative_attention_num_buckets;
        let gated = config.feed_forward.is_gated();
        let shared = w.take("shared.weight", &[config.vocab_size, d])?;

        let self_attention =
            |w: &mut Weights, prefix: &str| -> Result<SelfAttention, TransformerError> {
                let names = ["q", "k", "v"].map(|p| format!("{prefix}.SelfAttention.{p}.weight"));
                Ok(SelfAttention {
                    norm: w.take(&format!("{prefix}.layer_norm.weight"), &[d])?,
                    qkv: w.matrix_stacked(&names, &[inner, d])?,
                    out: w.matrix(&format!("{prefix}.SelfAttention.o.weight"), &[d, inner])?,
                })
            };
        let feed_forward = |w: &mut Weights,
                            prefix: &str|
         -> Result<FeedForwardBlock, TransformerError> {
            let input = if gated {
                let names = ["wi_0", "wi_1"].map(|p| format!("{prefix}.DenseReluDense.{p}.weight"));
                w.matrix_stacked(&names, &[ff, d])?
            } else {
                w.matrix(&format!("{prefix}.DenseReluDense.wi.weight"), &[ff, d])?
            };
            Ok(FeedForwardBlock {
                norm: w.take(&format!("{prefix}.layer_norm.weight"), &[d])?,
                input,
                output: w.matrix(&format!("{prefix}.DenseReluDense.wo.weight"), &[d, ff])?,
            })
        };

        let mut encoder = Vec::with_capacity(config.num_layers);
        for i in 0..config.num_layers {
            encoder.push(EncoderLayer {
                attention: self_attention(w, &format!("encoder.block.{i}.layer.0"))?,
                feed_forward: feed_forward(w, &format!("encoder.block.{i}.layer.1"))?,
            });
        }
        let mut decoder = Vec::with_capacity(config.num_decoder_layers);
        for i in 0..config.num_decoder_layers {
            let prefix = format!("decoder.block.{i}.layer.1");
            let names = ["k", "v"].map(|p| format!("{prefix}.EncDecAttention.{p}.weight"));
            decoder.push(DecoderLayer {
                attention: self_attention(w, &format!("decoder.block.{i}.layer.0"))?,
                cross: CrossAttention {
                    norm: w.take(&format!("{prefix}.layer_norm.weight"), &[d])?,
                    query: w.matrix(&format!("{prefix}.EncDecAttention.q.weight"), &[inner, d])?,
                    key_value: w.matrix_stacked(&names, &[inner, d])?,
                    out: w.matrix(&format!("{prefix}.EncDecAttention.o.weight"), &[d, inner])?,
                },
                feed_forward: feed_forward(w, &format!("decoder.block.{i}.layer.2"))?,
            });
        }
        let table = "layer.0.SelfAttention.relative_attention_bias.weight";
        let encoder_position_table =
            w.take(&format!("encoder.block.0.{table}"), &[buckets, heads])?;
        let decoder_position_table =
            w.take(&format!("decoder.block.0.{table}"), &[buckets, heads])?;
        let encoder_norm = w.take("encoder.final_layer_norm.weight", &[d])?;
        let decoder_norm = w.take("decoder.final_layer_norm.weight", &[d])?;
        let lm_head = if !config.tie_word_embeddings {
            w.matrix("lm_head.weight", &[config.vocab_size, d])?
        } else if w.0.precision == Precision::F32 {
            DenseWeight::Plain(shared.shallow_clone())
        } else {
            w.matrix("shared.weight", &[config.vocab_size, d])?
        };
        Ok(T5Model {
            config,
            dir: dir.to_path_buf(),
            _mapping: w.0.weights.mapping(),
            shared,
            encoder,
            encoder_position_table,
            encoder_norm,
            decoder,
            decoder_position_table,
            decoder_norm,
            lm_head,
        })
    }

    pub fn config(&self) -> &T5Config {
        &self.config
    }

    /// The model directory it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Splits `[batch, len, 3 * inner]`-style projections into `parts` tensors of
    /// `[batch, heads, len, d_kv]`.
    fn split_heads(&self, projected: &Tensor, parts: i64) -> Vec<Tensor> {
        let (batch, len) = (projected.size()[0], projected.size()[1]);
        let heads = self.config.num_heads;
        let d_kv = self.config.d_kv;
        projected
            .view([batch, len, parts, heads, d_kv])
            .permute([2, 0, 3, 1, 4])
            .unbind(0)
    }

    fn merge_heads(&self, context: &Tensor) -> Tensor {
        // [batch, heads, len, d_kv] -> [batch, len, inner]
        let (batch, len) = (context.size()[0], context.size()[2]);
        context
            .transpose(1, 2)
            .reshape([batch, len, self.config.inner_dim()])
    }

    /// Encoder output `[batch, len, d_model]` for `input_ids` `[batch, len]`
    /// (int64) with `attention_mask` `[batch, len]` (1 = token, 0 = padding).
    pub fn encode(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let _guard = tch::no_grad_guard();
        let eps = self.config.layer_norm_epsilon;
        let len = input_ids.size()[1];
        // Callers build ids and masks on the CPU; the weights may be on a GPU.
        let input_ids = on_device_of(input_ids, &self.shared);
        let attention_mask = &on_device_of(attention_mask, &self.shared);
        let mut x = Tensor::embedding(&self.shared, &input_ids, -1, false, false);
        let batch = input_ids.size()[0];
        // transformers adds the position bias plus the padding mask (0, or
        // float32's minimum) to the scores; adding them one after the other
        // gives the same values, as a real key's mask is 0 and a padded key's
        // score is the minimum either way.
        let positions = position_bias(
            &self.encoder_position_table,
            len,
            len,
            true,
            self.config.relative_attention_max_distance,
        );
        let padding = mask_to_bias(attention_mask).unsqueeze(1).unsqueeze(1);
        for layer in &self.encoder {
            let a = &layer.attention;
            let h = rms_norm(&x, &a.norm, eps);
            let qkv = self.split_heads(&a.qkv.product(&h), 3);
            // One input at a time: a batch's scores ([batch, heads, len, len]
            // float32, two alive at once) were most of its peak memory.
            let contexts: Vec<Tensor> = (0..batch)
                .map(|i| {
                    let part = |t: &Tensor| t.narrow(0, i, 1);
                    let mut scores = part(&qkv[0]).matmul(&part(&qkv[1]).transpose(-1, -2));
                    scores += &positions;
                    scores += part(&padding);
                    scores.softmax(-1, Kind::Float).matmul(&part(&qkv[2]))
                })
                .collect();
            let context = self.merge_heads(&Tensor::cat(&contexts, 0));
            drop(contexts);
            x += a.out.product(&context);
            x = layer
                .feed_forward
                .forward(&x, self.config.feed_forward, eps, DenseWeight::product);
        }
        rms_norm(&x, &self.encoder_norm, eps)
    }

    /// Prepares decoding of `beams` hypotheses per input for at most `capacity`
    /// decoder positions: projects the cross-attention keys and values of
    /// `encoder_states` `[inputs, len, d_model]` once.
    pub fn start_decoding(
        &self,
        encoder_states: &Tensor,
        attention_mask: &Tensor,
        beams: i64,
        capacity: i64,
    ) -> DecoderState {
        let _guard = tch::no_grad_guard();
        let attention_mask = &on_device_of(attention_mask, encoder_states);
        let inputs = encoder_states.size()[0];
        let rows = inputs * beams;
        let heads = self.config.num_heads;
        let d_kv = self.config.d_kv;
        let mut cross_keys = Vec::with_capacity(self.decoder.len());
        let mut cross_values = Vec::with_capacity(self.decoder.len());
        let mut self_keys = Vec::with_capacity(self.decoder.len());
        let mut self_values = Vec::with_capacity(self.decoder.len());
        for layer in &self.decoder {
            let kv = self.split_heads(&layer.cross.key_value.product(encoder_states), 2);
            cross_keys.push(kv[0].contiguous());
            cross_values.push(kv[1].contiguous());
            let empty = || {
                Tensor::zeros(
                    [rows, heads, capacity, d_kv],
                    (Kind::Float, encoder_states.device()),
                )
            };
            self_keys.push(empty());
            self_values.push(empty());
        }
        DecoderState {
            self_keys,
            self_values,
            cross_keys,
            cross_values,
            cross_mask: mask_to_bias(attention_mask).unsqueeze(1).unsqueeze(1),
            self_bias: position_bias(
                &self.decoder_position_table,
                capacity,
                capacity,
                false,
                self.config.relative_attention_max_distance,
            ),
            inputs,
            beams,
            len: 0,
            capacity,
        }
    }

    /// Feeds one token per hypothesis (`tokens`: `rows` ids, hypotheses of an
    /// input adjacent) and returns the next-token logits `[rows, vocab]`.
    ///
    /// Panics when called more than `capacity` times for one state.
    pub fn decode_step(&self, state: &mut DecoderState, tokens: &[i64]) -> Tensor {
        let _guard = tch::no_grad_guard();
        assert!(state.len < state.capacity, "decoder cache is full");
        let eps = self.config.layer_norm_epsilon;
        let rows = state.inputs * state.beams;
        assert_eq!(tokens.len() as i64, rows, "one token per hypothesis");
        let heads = self.config.num_heads;
        let d_kv = self.config.d_kv;
        let inner = self.config.inner_dim();
        let t = state.len;
        let keys_len = t + 1;
        let self_bias = state.self_bias.narrow(2, t, 1).narrow(3, 0, keys_len);

        // Hidden states `[rows, d_model]`: one position per hypothesis.
        let ids = on_device_of(&Tensor::from_slice(tokens), &self.shared);
        let mut x = Tensor::embedding(&self.shared, &ids, -1, false, false);
        for (i, layer) in self.decoder.iter().enumerate() {
            // Self-attention over positions 0..=t.
            let a = &layer.attention;
            let h = rms_norm(&x, &a.norm, eps);
            let qkv = a.qkv.product_few_rows(&h).view([rows, 3, heads, 1, d_kv]);
            let query = qkv.select(1, 0);
            state.self_keys[i].narrow(2, t, 1).copy_(&qkv.select(1, 1));
            state.self_values[i]
                .narrow(2, t, 1)
                .copy_(&qkv.select(1, 2));
            let keys = state.self_keys[i].narrow(2, 0, keys_len);
            let values = state.self_values[i].narrow(2, 0, keys_len);
            let scores = query.matmul(&keys.transpose(-1, -2)) + &self_bias;
            let context = scores.softmax(-1, Kind::Float).matmul(&values);
            // [rows, heads, 1, d_kv] has the memory layout of [rows, inner].
            x += a.out.product_few_rows(&context.reshape([rows, inner]));

            // Cross-attention: an input's beams are query rows against its keys.
            let c = &layer.cross;
            let h = rms_norm(&x, &c.norm, eps);
            let query = c
                .query
                .product_few_rows(&h)
                .view([state.inputs, state.beams, heads, d_kv])
                .transpose(1, 2);
            let scores = query.matmul(&state.cross_keys[i].transpose(-1, -2)) + &state.cross_mask;
            let context = scores
                .softmax(-1, Kind::Float)
                .matmul(&state.cross_values[i])
                .transpose(1, 2)
                .reshape([rows, inner]);
            x += c.out.product_few_rows(&context);

            x = layer.feed_forward.forward(
                &x,
                self.config.feed_forward,
                eps,
                DenseWeight::product_few_rows,
            );
        }
        let mut out = rms_norm(&x, &self.decoder_norm, eps);
        if self.config.tie_word_embeddings {
            out *= (self.config.d_model as f64).powf(-0.5);
        }
        state.len += 1;
        self.lm_head.product_few_rows(&out)
    }
}
