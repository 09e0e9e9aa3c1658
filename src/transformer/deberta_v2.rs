//! DeBERTa-v2/v3 (and mDeBERTa-v3) sequence classification on tch, written
//! after transformers 4.57's `modeling_deberta_v2.py`.
//!
//! The project runs its own copy because rust-bert 0.23's DeBERTa-v2 drifts
//! from the reference once relative-position attention carries weight: its
//! content-to-position index lacks the `+ att_span` offset and it scales the
//! position terms by `d·k` instead of `sqrt(d·k)`. With real weights that moves
//! NLI probabilities by tenths; tests/transformer_parity.rs holds this copy to
//! transformers within 1e-4. Variable names follow the checkpoints, so
//! `model.safetensors` loads as is.

use serde::Deserialize;
use tch::nn::{self, Module};
use tch::{Kind, Tensor};

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

/// Activation functions by their transformers names.
pub fn activation(name: &str, x: &Tensor) -> Option<Tensor> {
    Some(match name {
        "gelu" => x.gelu("none"),
        "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => x.gelu("tanh"),
        "relu" => x.relu(),
        "tanh" => x.tanh(),
        _ => return None,
    })
}

fn layer_norm(p: nn::Path, size: i64, eps: f64) -> nn::LayerNorm {
    let config = nn::LayerNormConfig {
        eps,
        ..Default::default()
    };
    nn::layer_norm(p, vec![size], config)
}

struct Attention {
    query_proj: nn::Linear,
    key_proj: nn::Linear,
    value_proj: nn::Linear,
    pos_key_proj: Option<nn::Linear>,
    pos_query_proj: Option<nn::Linear>,
    output_dense: nn::Linear,
    output_norm: nn::LayerNorm,
}

struct Layer {
    attention: Attention,
    intermediate: nn::Linear,
    output_dense: nn::Linear,
    output_norm: nn::LayerNorm,
}

/// DeBERTa-v2 encoder with the `ContextPooler` and classifier head of
/// `DebertaV2ForSequenceClassification`.
pub struct DebertaV2ForSequenceClassification {
    word_embeddings: nn::Embedding,
    position_embeddings: Option<nn::Embedding>,
    token_type_embeddings: Option<nn::Embedding>,
    embed_proj: Option<nn::Linear>,
    embeddings_norm: nn::LayerNorm,
    layers: Vec<Layer>,
    rel_embeddings: Option<nn::Embedding>,
    rel_norm: Option<nn::LayerNorm>,
    pooler: nn::Linear,
    classifier: nn::Linear,
    heads: i64,
    c2p: bool,
    p2c: bool,
    share_att_key: bool,
    /// Half the number of relative position embeddings (`pos_ebd_size`).
    att_span: i64,
    position_buckets: i64,
    max_relative_positions: i64,
    hidden_act: String,
    pooler_act: String,
}

impl DebertaV2ForSequenceClassification {
    /// Builds the model under `p` (the checkpoint root) for `num_labels` outputs.
    pub fn new(p: &nn::Path, config: &DebertaV2Config, num_labels: i64) -> Result<Self, String> {
        if config.conv_kernel_size.unwrap_or(0) > 0 {
            return Err("DeBERTa-v2 models with a convolution layer (conv_kernel_size > 0) are not supported".into());
        }
        for act in [Some(&config.hidden_act), config.pooler_hidden_act.as_ref()]
            .into_iter()
            .flatten()
        {
            if activation(act, &Tensor::zeros([1], (Kind::Float, tch::Device::Cpu))).is_none() {
                return Err(format!("unsupported activation {act:?}"));
            }
        }
        let hidden = config.hidden_size;
        let embedding_size = config.embedding_size.unwrap_or(hidden);
        let eps = config.layer_norm_eps;
        let base = p / "deberta";
        let emb = &base / "embeddings";
        let word_embeddings = nn::embedding(
            &emb / "word_embeddings",
            config.vocab_size,
            embedding_size,
            Default::default(),
        );
        let position_embeddings = config.position_biased_input.then(|| {
            nn::embedding(
                &emb / "position_embeddings",
                config.max_position_embeddings,
                embedding_size,
                Default::default(),
            )
        });
        let token_type_embeddings = (config.type_vocab_size > 0).then(|| {
            nn::embedding(
                &emb / "token_type_embeddings",
                config.type_vocab_size,
                embedding_size,
                Default::default(),
            )
        });
        let embed_proj = (embedding_size != hidden).then(|| {
            let no_bias = nn::LinearConfig {
                bias: false,
                ..Default::default()
            };
            nn::linear(&emb / "embed_proj", embedding_size, hidden, no_bias)
        });
        let embeddings_norm = layer_norm(&emb / "LayerNorm", hidden, eps);

        let pos_att = config
            .pos_att_type
            .clone()
            .unwrap_or(PosAttType::List(Vec::new()));
        let (c2p, p2c) = (pos_att.has("c2p"), pos_att.has("p2c"));
        let enc = &base / "encoder";
        let linear = |path: nn::Path, i: i64, o: i64| nn::linear(path, i, o, Default::default());
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let l = &enc / "layer" / i;
                let a = &l / "attention";
                let s = &a / "self";
                let separate_pos = config.relative_attention && !config.share_att_key;
                Layer {
                    attention: Attention {
                        query_proj: linear(&s / "query_proj", hidden, hidden),
                        key_proj: linear(&s / "key_proj", hidden, hidden),
                        value_proj: linear(&s / "value_proj", hidden, hidden),
                        pos_key_proj: (separate_pos && c2p)
                            .then(|| linear(&s / "pos_key_proj", hidden, hidden)),
                        pos_query_proj: (separate_pos && p2c)
                            .then(|| linear(&s / "pos_query_proj", hidden, hidden)),
                        output_dense: linear(&a / "output" / "dense", hidden, hidden),
                        output_norm: layer_norm(&a / "output" / "LayerNorm", hidden, eps),
                    },
                    intermediate: linear(
                        &l / "intermediate" / "dense",
                        hidden,
                        config.intermediate_size,
                    ),
                    output_dense: linear(&l / "output" / "dense", config.intermediate_size, hidden),
                    output_norm: layer_norm(&l / "output" / "LayerNorm", hidden, eps),
                }
            })
            .collect();
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
        let rel_embeddings = config.relative_attention.then(|| {
            nn::embedding(
                &enc / "rel_embeddings",
                att_span * 2,
                hidden,
                Default::default(),
            )
        });
        let norm_rel = config
            .norm_rel_ebd
            .as_deref()
            .unwrap_or("none")
            .to_lowercase()
            .split('|')
            .any(|s| s.trim() == "layer_norm");
        let rel_norm = norm_rel.then(|| layer_norm(&enc / "LayerNorm", hidden, eps));
        let pooler_size = config.pooler_hidden_size.unwrap_or(hidden);
        Ok(DebertaV2ForSequenceClassification {
            word_embeddings,
            position_embeddings,
            token_type_embeddings,
            embed_proj,
            embeddings_norm,
            layers,
            rel_embeddings,
            rel_norm,
            pooler: linear(p / "pooler" / "dense", pooler_size, pooler_size),
            classifier: linear(p / "classifier", pooler_size, num_labels),
            heads: config.num_attention_heads,
            c2p,
            p2c,
            share_att_key: config.share_att_key,
            att_span,
            position_buckets: config.position_buckets,
            max_relative_positions,
            hidden_act: config.hidden_act.clone(),
            pooler_act: config.pooler_hidden_act.clone().unwrap_or_else(default_act),
        })
    }

    /// Last hidden states `[batch, seq, hidden]`.
    pub fn encode(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let (batch, seq) = (input_ids.size()[0], input_ids.size()[1]);
        let mut x = self.word_embeddings.forward(input_ids);
        if let Some(pos) = &self.position_embeddings {
            let ids = Tensor::arange(seq, (Kind::Int64, input_ids.device())).unsqueeze(0);
            x += pos.forward(&ids);
        }
        if let Some(types) = &self.token_type_embeddings {
            x += types.forward(&input_ids.zeros_like());
        }
        if let Some(proj) = &self.embed_proj {
            x = x.apply(proj);
        }
        x = x.apply(&self.embeddings_norm);
        let kind = x.kind();
        x *= attention_mask.unsqueeze(2).to_kind(kind);

        // [batch, 1, q, k]: a query attends a key when both are real tokens.
        let extended = attention_mask.unsqueeze(1).unsqueeze(2);
        let pair_mask = (&extended * extended.squeeze_dim(-2).unsqueeze(-1)).to_kind(Kind::Bool);
        let relative_pos = self.rel_embeddings.as_ref().map(|_| {
            build_relative_position(
                seq,
                self.position_buckets,
                self.max_relative_positions,
                input_ids.device(),
            )
        });
        let rel_embeddings = self.rel_embeddings.as_ref().map(|e| {
            let w = e.ws.shallow_clone();
            match &self.rel_norm {
                Some(norm) => w.apply(norm),
                None => w,
            }
        });
        for layer in &self.layers {
            let attended = self.attention(
                &layer.attention,
                &x,
                &pair_mask,
                relative_pos.as_ref(),
                rel_embeddings.as_ref(),
                batch,
            );
            let inner = activation(&self.hidden_act, &attended.apply(&layer.intermediate))
                .expect("checked in new");
            x = (inner.apply(&layer.output_dense) + &attended).apply(&layer.output_norm);
        }
        x
    }

    /// Classification logits `[batch, num_labels]`.
    pub fn logits(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let states = self.encode(input_ids, attention_mask);
        let first = states.select(1, 0).apply(&self.pooler);
        activation(&self.pooler_act, &first)
            .expect("checked in new")
            .apply(&self.classifier)
    }

    fn transpose_for_scores(&self, x: &Tensor) -> Tensor {
        let size = x.size();
        let (batch, seq) = (size[0], size[1]);
        x.view([batch, seq, self.heads, -1])
            .permute([0, 2, 1, 3])
            .contiguous()
            .view([batch * self.heads, seq, -1])
    }

    fn attention(
        &self,
        a: &Attention,
        hidden: &Tensor,
        pair_mask: &Tensor,
        relative_pos: Option<&Tensor>,
        rel_embeddings: Option<&Tensor>,
        batch: i64,
    ) -> Tensor {
        let query = self.transpose_for_scores(&hidden.apply(&a.query_proj));
        let key = self.transpose_for_scores(&hidden.apply(&a.key_proj));
        let value = self.transpose_for_scores(&hidden.apply(&a.value_proj));
        let scale_factor = 1 + self.c2p as i64 + self.p2c as i64;
        let head_size = *query.size().last().unwrap();
        let scale = scaled_size_sqrt(head_size, scale_factor);
        let mut scores = query.bmm(&(key.transpose(-1, -2) / scale));
        if let (Some(rel_pos), Some(rel)) = (relative_pos, rel_embeddings) {
            scores += self.disentangled_bias(a, &query, &key, rel_pos, rel, scale_factor, batch);
        }
        let (q, k) = (scores.size()[1], scores.size()[2]);
        let scores = scores
            .view([-1, self.heads, q, k])
            .masked_fill(&pair_mask.logical_not(), f32::MIN as f64);
        let probs = scores.softmax(-1, Kind::Float);
        let context = probs.view([-1, q, k]).bmm(&value);
        let context = context
            .view([-1, self.heads, q, head_size])
            .permute([0, 2, 1, 3])
            .contiguous()
            .view([batch, q, -1]);
        (context.apply(&a.output_dense) + hidden).apply(&a.output_norm)
    }

    #[allow(clippy::too_many_arguments)]
    fn disentangled_bias(
        &self,
        a: &Attention,
        query: &Tensor,
        key: &Tensor,
        relative_pos: &Tensor,
        rel_embeddings: &Tensor,
        scale_factor: i64,
        batch: i64,
    ) -> Tensor {
        let span = self.att_span;
        // [1, 1, q, k]
        let relative_pos = relative_pos.unsqueeze(1);
        let rel = rel_embeddings.narrow(0, 0, span * 2).unsqueeze(0);
        let project = |proj: &nn::Linear| {
            self.transpose_for_scores(&rel.apply(proj))
                .repeat([batch, 1, 1])
        };
        let (bh, q) = (query.size()[0], query.size()[1]);
        let k = key.size()[1];
        let mut terms = Vec::with_capacity(2);
        if self.c2p {
            let proj = if self.share_att_key {
                &a.key_proj
            } else {
                a.pos_key_proj.as_ref().unwrap()
            };
            let pos_key = project(proj);
            let scale = scaled_size_sqrt(*pos_key.size().last().unwrap(), scale_factor);
            let c2p = query.bmm(&pos_key.transpose(-1, -2));
            let index = (&relative_pos + span).clamp(0, span * 2 - 1);
            let c2p = c2p.gather(-1, &index.squeeze_dim(0).expand([bh, q, k], false), false);
            terms.push(c2p / scale);
        }
        if self.p2c {
            let proj = if self.share_att_key {
                &a.query_proj
            } else {
                a.pos_query_proj.as_ref().unwrap()
            };
            let pos_query = project(proj);
            let scale = scaled_size_sqrt(*pos_query.size().last().unwrap(), scale_factor);
            let index = (-&relative_pos + span).clamp(0, span * 2 - 1);
            let p2c = key
                .bmm(&pos_query.transpose(-1, -2))
                .gather(-1, &index.squeeze_dim(0).expand([bh, k, k], false), false)
                .transpose(-1, -2);
            terms.push(p2c / scale);
        }
        terms
            .into_iter()
            .reduce(|a, b| a + b)
            .unwrap_or_else(|| Tensor::zeros([1], (query.kind(), query.device())))
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
