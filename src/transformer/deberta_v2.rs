//! DeBERTa-v2/v3 (and mDeBERTa-v3) sequence classification on tch, written
//! after transformers 4.57's `modeling_deberta_v2.py`.
//!
//! The project runs its own copy because rust-bert 0.23's DeBERTa-v2 drifts
//! from the reference once relative-position attention carries weight: its
//! content-to-position index lacks the `+ att_span` offset and it scales the
//! position terms by `d·k` instead of `sqrt(d·k)`. With real weights that moves
//! NLI probabilities by tenths; tests/integration/transformer_parity.rs holds this copy to
//! transformers within 1e-4. Variable names follow the checkpoints, so
//! `model.safetensors` loads as is.

use serde::Deserialize;
use tch::{Kind, Tensor};

use super::layers::{LayerLoader, LayerNorm, Linear, activation};
use super::weights::{MappedFile, SafetensorsFile};
use super::{Precision, TransformerError};

/// The fields of `config.json` this model reads (defaults as transformers').
#[derive(Debug, Clone, Deserialize)]
pub struct DebertaV2Config {
    pub vocab_size: i64,
    pub hidden_size: i64,
    pub num_hidden_layers: i64,
    pub num_attention_heads: i64,
    pub intermediate_size: i64,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default = "default_max_position")]
    pub max_position_embeddings: i64,
    #[serde(default)]
    pub type_vocab_size: i64,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub relative_attention: bool,
    #[serde(default = "minus_one")]
    pub max_relative_positions: i64,
    #[serde(default = "minus_one")]
    pub position_buckets: i64,
    #[serde(default)]
    pub pos_att_type: Option<PosAttType>,
    #[serde(default = "default_true")]
    pub position_biased_input: bool,
    #[serde(default)]
    pub share_att_key: bool,
    #[serde(default)]
    pub norm_rel_ebd: Option<String>,
    #[serde(default)]
    pub embedding_size: Option<i64>,
    #[serde(default)]
    pub conv_kernel_size: Option<i64>,
    #[serde(default)]
    pub pooler_hidden_size: Option<i64>,
    #[serde(default)]
    pub pooler_hidden_act: Option<String>,
}

/// `pos_att_type` is a list in v3 configs and a `"p2c|c2p"` string in older ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PosAttType {
    List(Vec<String>),
    Joined(String),
}

impl PosAttType {
    fn has(&self, kind: &str) -> bool {
        match self {
            PosAttType::List(items) => items.iter().any(|i| i.trim().eq_ignore_ascii_case(kind)),
            PosAttType::Joined(s) => s.split('|').any(|i| i.trim().eq_ignore_ascii_case(kind)),
        }
    }
}

fn default_act() -> String {
    "gelu".into()
}
fn default_max_position() -> i64 {
    512
}
fn default_eps() -> f64 {
    1e-7
}
fn minus_one() -> i64 {
    -1
}
fn default_true() -> bool {
    true
}

/// One layer's relative-position keys and queries `[heads, 2 * att_span, head]`:
/// the position embeddings projected once at load, since they do not depend
/// on the input (transformers projects them again in every forward pass).
struct PositionProjections {
    keys: Option<Tensor>,
    queries: Option<Tensor>,
}

struct Attention {
    /// Query, key and value projections as one product: `[3 * hidden, hidden]`.
    qkv: Linear,
    positions: PositionProjections,
    output_dense: Linear,
    output_norm: LayerNorm,
}

struct Layer {
    attention: Attention,
    intermediate: Linear,
    output_dense: Linear,
    output_norm: LayerNorm,
}

/// DeBERTa-v2 encoder with the `ContextPooler` and classifier head of
/// `DebertaV2ForSequenceClassification`.
pub struct DebertaV2ForSequenceClassification {
    word_embeddings: Tensor,
    position_embeddings: Option<Tensor>,
    token_type_embeddings: Option<Tensor>,
    embed_proj: Option<Linear>,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
    pooler: Linear,
    classifier: Linear,
    heads: i64,
    hidden: i64,
    relative_attention: bool,
    c2p: bool,
    p2c: bool,
    /// Half the number of relative position embeddings (`pos_ebd_size`).
    att_span: i64,
    position_buckets: i64,
    max_relative_positions: i64,
    hidden_act: String,
    pooler_act: String,
    /// Keeps the memory-mapped weights the tensors above view; declared last
    /// so it is dropped after them.
    _mapping: MappedFile,
}

impl DebertaV2ForSequenceClassification {
    /// Builds the model from a checkpoint's weights (transformers' names) for
    /// `num_labels` outputs.
    pub fn load(
        weights: &SafetensorsFile,
        config: &DebertaV2Config,
        num_labels: i64,
        precision: Precision,
    ) -> Result<Self, TransformerError> {
        let invalid = |message: String| TransformerError::Weights {
            path: weights.path().to_path_buf(),
            message,
        };
        if config.conv_kernel_size.unwrap_or(0) > 0 {
            return Err(invalid("DeBERTa-v2 models with a convolution layer (conv_kernel_size > 0) are not supported".into()));
        }
        for act in [Some(&config.hidden_act), config.pooler_hidden_act.as_ref()]
            .into_iter()
            .flatten()
        {
            if activation(act, &Tensor::zeros([1], (Kind::Float, tch::Device::Cpu))).is_none() {
                return Err(invalid(format!("unsupported activation {act:?}")));
            }
        }
        if config.num_attention_heads < 1 || config.hidden_size % config.num_attention_heads != 0 {
            return Err(invalid(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                config.hidden_size, config.num_attention_heads
            )));
        }
        let _guard = tch::no_grad_guard();
        let hidden = config.hidden_size;
        let heads = config.num_attention_heads;
        let embedding_size = config.embedding_size.unwrap_or(hidden);
        let eps = config.layer_norm_eps;
        let load = LayerLoader {
            weights,
            precision,
            architecture: "DeBERTa-v2",
        };
        let view = |name: &str, shape: &[i64]| load.view(name, shape);
        let matrix = |name: &str, shape: &[i64]| load.matrix(name, shape);
        let linear = |prefix: &str, i: i64, o: i64| load.linear(prefix, i, o);
        let layer_norm = |prefix: &str| load.layer_norm(prefix, hidden, eps);

        let emb = "deberta.embeddings";
        let word_embeddings = view(
            &format!("{emb}.word_embeddings.weight"),
            &[config.vocab_size, embedding_size],
        )?;
        let position_embeddings = config
            .position_biased_input
            .then(|| {
                view(
                    &format!("{emb}.position_embeddings.weight"),
                    &[config.max_position_embeddings, embedding_size],
                )
            })
            .transpose()?;
        let token_type_embeddings = (config.type_vocab_size > 0)
            .then(|| {
                view(
                    &format!("{emb}.token_type_embeddings.weight"),
                    &[config.type_vocab_size, embedding_size],
                )
            })
            .transpose()?;
        let embed_proj = (embedding_size != hidden)
            .then(|| -> Result<Linear, TransformerError> {
                Ok(Linear::new(
                    matrix(
                        &format!("{emb}.embed_proj.weight"),
                        &[hidden, embedding_size],
                    )?,
                    None,
                    precision,
                ))
            })
            .transpose()?;
        let embeddings_norm = layer_norm(&format!("{emb}.LayerNorm"))?;

        let pos_att = config
            .pos_att_type
            .clone()
            .unwrap_or(PosAttType::List(Vec::new()));
        let (c2p, p2c) = (pos_att.has("c2p"), pos_att.has("p2c"));
        let max_relative_positions = if config.max_relative_positions < 1 {
            config.max_position_embeddings
        } else {
            config.max_relative_positions
        };
        let att_span = if config.position_buckets > 0 {
            config.position_buckets
        } else {
            max_relative_positions
        };
        let enc = "deberta.encoder";
        // The relative position embeddings as every layer sees them.
        let rel_embeddings = config
            .relative_attention
            .then(|| -> Result<Tensor, TransformerError> {
                let table = view(
                    &format!("{enc}.rel_embeddings.weight"),
                    &[att_span * 2, hidden],
                )?;
                let norm_rel = config
                    .norm_rel_ebd
                    .as_deref()
                    .unwrap_or("none")
                    .to_lowercase()
                    .split('|')
                    .any(|s| s.trim() == "layer_norm");
                Ok(if norm_rel {
                    layer_norm(&format!("{enc}.LayerNorm"))?.forward(&table)
                } else {
                    table
                })
            })
            .transpose()?;
        // `[2 * span, hidden]` -> `[heads, 2 * span, head]`, in fp32 whatever the precision.
        let project_positions = |weight: &Tensor, bias: &Tensor| {
            rel_embeddings.as_ref().map(|rel| {
                precision.weight(
                    rel.linear(weight, Some(bias))
                        .view([att_span * 2, heads, -1])
                        .permute([1, 0, 2])
                        .contiguous(),
                )
            })
        };

        let mut layers = Vec::with_capacity(config.num_hidden_layers as usize);
        for i in 0..config.num_hidden_layers {
            let l = format!("{enc}.layer.{i}");
            let s = format!("{l}.attention.self");
            let names = ["query_proj", "key_proj", "value_proj"];
            let qkv_weight = weights
                .read_stacked_f32(&names.map(|n| format!("{s}.{n}.weight")), &[hidden, hidden])?;
            let qkv_bias =
                weights.read_stacked_f32(&names.map(|n| format!("{s}.{n}.bias")), &[hidden])?;
            let part = |t: &Tensor, k: i64| t.narrow(0, k * hidden, hidden);
            let separate = |name: &str| -> Result<(Tensor, Tensor), TransformerError> {
                Ok((
                    view(&format!("{s}.{name}.weight"), &[hidden, hidden])?,
                    view(&format!("{s}.{name}.bias"), &[hidden])?,
                ))
            };
            let positions = if !config.relative_attention {
                PositionProjections {
                    keys: None,
                    queries: None,
                }
            } else if config.share_att_key {
                PositionProjections {
                    keys: c2p
                        .then(|| project_positions(&part(&qkv_weight, 1), &part(&qkv_bias, 1)))
                        .flatten(),
                    queries: p2c
                        .then(|| project_positions(&part(&qkv_weight, 0), &part(&qkv_bias, 0)))
                        .flatten(),
                }
            } else {
                let keys = c2p.then(|| separate("pos_key_proj")).transpose()?;
                let queries = p2c.then(|| separate("pos_query_proj")).transpose()?;
                PositionProjections {
                    keys: keys.and_then(|(w, b)| project_positions(&w, &b)),
                    queries: queries.and_then(|(w, b)| project_positions(&w, &b)),
                }
            };
            layers.push(Layer {
                attention: Attention {
                    qkv: Linear::new(qkv_weight, Some(qkv_bias), precision),
                    positions,
                    output_dense: linear(&format!("{l}.attention.output.dense"), hidden, hidden)?,
                    output_norm: layer_norm(&format!("{l}.attention.output.LayerNorm"))?,
                },
                intermediate: linear(
                    &format!("{l}.intermediate.dense"),
                    hidden,
                    config.intermediate_size,
                )?,
                output_dense: linear(
                    &format!("{l}.output.dense"),
                    config.intermediate_size,
                    hidden,
                )?,
                output_norm: layer_norm(&format!("{l}.output.LayerNorm"))?,
            });
        }
        let pooler_size = config.pooler_hidden_size.unwrap_or(hidden);
        // The small head stays in fp32: it is a negligible share of the work.
        let head = |prefix: &str, i: i64, o: i64| load.linear_f32(prefix, i, o);
        Ok(DebertaV2ForSequenceClassification {
            word_embeddings,
            position_embeddings,
            token_type_embeddings,
            embed_proj,
            embeddings_norm,
            layers,
            pooler: head("pooler.dense", pooler_size, pooler_size)?,
            classifier: head("classifier", pooler_size, num_labels)?,
            heads,
            hidden,
            relative_attention: config.relative_attention,
            c2p,
            p2c,
            att_span,
            position_buckets: config.position_buckets,
            max_relative_positions,
            hidden_act: config.hidden_act.clone(),
            pooler_act: config.pooler_hidden_act.clone().unwrap_or_else(default_act),
            _mapping: weights.mapping(),
        })
    }

    /// Last hidden states `[batch, seq, hidden]`.
    pub fn encode(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let (batch, seq) = (input_ids.size()[0], input_ids.size()[1]);
        let mut x = Tensor::embedding(&self.word_embeddings, input_ids, -1, false, false);
        if let Some(pos) = &self.position_embeddings {
            x += pos.narrow(0, 0, seq).unsqueeze(0);
        }
        if let Some(types) = &self.token_type_embeddings {
            x += types.get(0);
        }
        if let Some(proj) = &self.embed_proj {
            x = proj.forward(&x);
        }
        x = self.embeddings_norm.forward(&x);
        let kind = x.kind();
        x *= attention_mask.unsqueeze(2).to_kind(kind);

        // [batch, 1, q, k]: a query attends a key when both are real tokens.
        let extended = attention_mask.unsqueeze(1).unsqueeze(2);
        let pair_mask = (&extended * extended.squeeze_dim(-2).unsqueeze(-1)).to_kind(Kind::Bool);
        let padding = pair_mask.logical_not();
        let positions = self.relative_attention.then(|| {
            let relative = build_relative_position(
                seq,
                self.position_buckets,
                self.max_relative_positions,
                input_ids.device(),
            );
            RelativeIndex::new(&relative, self.att_span)
        });
        for layer in &self.layers {
            let attended =
                self.attention(&layer.attention, &x, &padding, positions.as_ref(), batch);
            let inner = activation(
                &self.hidden_act,
                &layer.intermediate.forward_reduced(&attended),
            )
            .expect("checked in load");
            x = layer
                .output_norm
                .forward(&(layer.output_dense.forward(&inner) + &attended));
        }
        x
    }

    /// Classification logits `[batch, num_labels]`.
    pub fn logits(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let states = self.encode(input_ids, attention_mask);
        let first = self.pooler.forward(&states.select(1, 0));
        self.classifier
            .forward(&activation(&self.pooler_act, &first).expect("checked in load"))
    }

    /// `[batch, seq, hidden]` -> `[batch, heads, seq, head]`.
    fn split_heads(&self, x: &Tensor) -> Tensor {
        let size = x.size();
        x.view([size[0], size[1], self.heads, -1])
            .permute([0, 2, 1, 3])
    }

    fn attention(
        &self,
        a: &Attention,
        hidden: &Tensor,
        padding: &Tensor,
        positions: Option<&RelativeIndex>,
        batch: i64,
    ) -> Tensor {
        // In bf16 the attention products run in bfloat16 too (float32
        // accumulation); scores are summed, masked and normalized in float32.
        let projected = a.qkv.forward_reduced(hidden);
        let parts = projected.split(self.hidden, -1);
        let query = self.split_heads(&parts[0]);
        let key = self.split_heads(&parts[1]);
        let value = self.split_heads(&parts[2]);
        let scale_factor = 1 + self.c2p as i64 + self.p2c as i64;
        let head_size = self.hidden / self.heads;
        let scale = scaled_size_sqrt(head_size, scale_factor);
        let mut scores = query
            .matmul(&(key.transpose(-1, -2) / scale))
            .to_kind(Kind::Float);
        if let Some(index) = positions {
            if let Some(keys) = &a.positions.keys {
                // content -> position: query i against the key of position r(i, j).
                let keys = keys.narrow(1, index.c2p_start, index.c2p_len);
                let c2p = query.matmul(&keys.transpose(-1, -2));
                let (q, k) = (index.c2p.size()[0], index.c2p.size()[1]);
                let gathered = c2p.gather(
                    -1,
                    &index.c2p.expand([batch, self.heads, q, k], false),
                    false,
                );
                scores += gathered.to_kind(Kind::Float) / scale;
            }
            if let Some(queries) = &a.positions.queries {
                // position -> content: key j against the query of position -r(j, i).
                let queries = queries.narrow(1, index.p2c_start, index.p2c_len);
                let p2c = key.matmul(&queries.transpose(-1, -2));
                let (q, k) = (index.p2c.size()[0], index.p2c.size()[1]);
                let gathered = p2c
                    .gather(
                        -1,
                        &index.p2c.expand([batch, self.heads, q, k], false),
                        false,
                    )
                    .transpose(-1, -2);
                scores += gathered.to_kind(Kind::Float) / scale;
            }
        }
        let probs = scores
            .masked_fill(padding, f32::MIN as f64)
            .softmax(-1, Kind::Float);
        let context = probs.to_kind(value.kind()).matmul(&value);
        let (q, head) = (context.size()[2], context.size()[3]);
        let context =
            context
                .permute([0, 2, 1, 3])
                .contiguous()
                .view([batch, q, self.heads * head]);
        a.output_norm
            .forward(&(a.output_dense.forward(&context) + hidden))
    }
}

/// The gather indices of the disentangled attention terms for one sequence
/// length, computed once per forward pass, and the rows of the projected
/// position tables they touch: a sentence pair of 60 tokens reads about 120 of
/// the 512 rows, so only those take part in the products.
struct RelativeIndex {
    /// `[q, k]`: row of the key table for (i, j), minus `c2p_start`.
    c2p: Tensor,
    c2p_start: i64,
    c2p_len: i64,
    /// `[k, q]`: row of the query table for (j, i), minus `p2c_start`.
    p2c: Tensor,
    p2c_start: i64,
    p2c_len: i64,
}

impl RelativeIndex {
    /// `relative`: `[1, q, k]` bucketed relative positions (query minus key).
    fn new(relative: &Tensor, span: i64) -> RelativeIndex {
        let relative = relative.squeeze_dim(0);
        let window = |index: Tensor| {
            let start = index.min().int64_value(&[]);
            let end = index.max().int64_value(&[]);
            (index - start, start, end - start + 1)
        };
        let (c2p, c2p_start, c2p_len) = window((&relative + span).clamp(0, span * 2 - 1));
        let (p2c, p2c_start, p2c_len) = window((-&relative + span).clamp(0, span * 2 - 1));
        RelativeIndex {
            c2p,
            c2p_start,
            c2p_len,
            p2c,
            p2c_start,
            p2c_len,
        }
    }
}

/// `sqrt(size · factor)` computed in f32, as transformers does.
fn scaled_size_sqrt(size: i64, factor: i64) -> f64 {
    ((size as f32) * (factor as f32)).sqrt() as f64
}

/// Relative positions `[1, q, k]` (query minus key), log-bucketed beyond
/// `bucket_size / 2` when buckets are configured.
fn build_relative_position(
    seq: i64,
    bucket_size: i64,
    max_position: i64,
    device: tch::Device,
) -> Tensor {
    let ids = Tensor::arange(seq, (Kind::Int64, device));
    let rel = ids.unsqueeze(1) - ids.unsqueeze(0);
    let rel = if bucket_size > 0 && max_position > 0 {
        make_log_bucket_position(&rel, bucket_size, max_position)
    } else {
        rel
    };
    rel.unsqueeze(0)
}

fn make_log_bucket_position(rel: &Tensor, bucket_size: i64, max_position: i64) -> Tensor {
    let sign = rel.sign().to_kind(Kind::Float);
    let mid = bucket_size / 2;
    let near = rel.lt(mid).logical_and(&rel.gt(-mid));
    let abs_pos = rel.abs().where_scalarother(&near.logical_not(), mid - 1);
    let denominator = (((max_position - 1) as f32) / (mid as f32)).ln();
    let log_pos = ((abs_pos.to_kind(Kind::Float) / mid as f64).log() / denominator as f64
        * (mid - 1) as f64)
        .ceil()
        + mid as f64;
    rel.to_kind(Kind::Float)
        .where_self(&abs_pos.le(mid), &(log_pos * sign))
        .to_kind(Kind::Int64)
}
