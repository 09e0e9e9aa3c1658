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
//!
//! The same network trains (`newsframe train stance`): `train = true` turns
//! dropout on where transformers has it, and
//! [`DebertaV2ForSequenceClassification::parameters_mut`] hands its tensors
//! to the trainer. Inference projects each layer's relative position
//! embeddings once, at load; training projects the rows a batch reads in
//! every forward pass instead, since the projections (the layer's own query
//! and key with `share_att_key`) and the embeddings train.

use serde::Deserialize;
use tch::{Device, Kind, Tensor};

use super::device::{Compute, on_device_of};
use super::layers::{Activation, LayerLoader, LayerNorm, Linear, dropout};
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
    #[serde(default)]
    pub hidden_act: Activation,
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
    pub pooler_hidden_act: Option<Activation>,
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    /// Dropout on the pooler's input (the first token).
    #[serde(default)]
    pub pooler_dropout: f64,
    /// Dropout on the classifier's input; None: `hidden_dropout_prob`.
    #[serde(default)]
    pub cls_dropout: Option<f64>,
    #[serde(default = "default_init_range")]
    pub initializer_range: f64,
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
fn default_dropout() -> f64 {
    0.1
}
fn default_init_range() -> f64 {
    0.02
}

/// One layer's relative-position keys and queries `[heads, 2 * att_span, head]`
/// over the whole table, projected at load for inference: they do not depend
/// on the input (transformers projects them again in every forward pass).
struct PositionProjections {
    keys: Option<Tensor>,
    queries: Option<Tensor>,
}

/// The rows of one layer's position keys and queries a forward pass reads.
struct PositionWindows {
    keys: Option<Tensor>,
    queries: Option<Tensor>,
}

struct Attention {
    /// Query, key and value projections as one product: `[3 * hidden, hidden]`.
    qkv: Linear,
    /// `pos_key_proj` and `pos_query_proj` (float32); None with
    /// `share_att_key`, where the positions go through the content
    /// projections of `qkv`, or when the term is off.
    pos_key: Option<Linear>,
    pos_query: Option<Linear>,
    /// Projections made at load; dropped once the parameters are handed out
    /// (they may train, and these would go stale).
    cached: Option<PositionProjections>,
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
///
/// The same network runs inference and trains (`newsframe train stance`):
/// `train = true` turns on transformers' dropouts (embeddings, relative
/// position embeddings, attention probabilities, both residual branches, the
/// pooler's input and the classifier's input), and
/// [`Self::parameters_mut`] hands the tensors to the trainer. Training
/// projects the position rows a batch reads in every forward pass, from the
/// current weights, since with `share_att_key` they go through the trained
/// query and key projections.
pub struct DebertaV2ForSequenceClassification {
    word_embeddings: Tensor,
    position_embeddings: Option<Tensor>,
    token_type_embeddings: Option<Tensor>,
    embed_proj: Option<Linear>,
    embeddings_norm: LayerNorm,
    /// `[2 * att_span, hidden]`, before `rel_norm`.
    rel_embeddings: Option<Tensor>,
    /// The encoder's `LayerNorm` over the relative embeddings (`norm_rel_ebd`).
    rel_norm: Option<LayerNorm>,
    layers: Vec<Layer>,
    pooler: Linear,
    classifier: Linear,
    heads: i64,
    hidden: i64,
    relative_attention: bool,
    c2p: bool,
    p2c: bool,
    share_att_key: bool,
    /// Half the number of relative position embeddings (`pos_ebd_size`).
    att_span: i64,
    position_buckets: i64,
    max_relative_positions: i64,
    hidden_act: Activation,
    pooler_act: Activation,
    hidden_dropout: f64,
    attention_dropout: f64,
    pooler_dropout: f64,
    classifier_dropout: f64,
    /// Keeps the memory-mapped weights the tensors above view; declared last
    /// so it is dropped after them.
    _mapping: MappedFile,
}

/// Where the classification head comes from.
enum Head {
    /// `pooler.dense` and `classifier` of the checkpoint, `labels` outputs.
    Checkpoint { labels: i64 },
    /// A fresh classifier (normal, `initializer_range`; zero bias, as
    /// transformers initializes it); the checkpoint's pooler when it has one.
    Fresh { labels: i64 },
}

/// `rows` `[n, hidden]` of the relative position table through `proj`, as
/// `[heads, n, head]`.
fn project_positions(proj: &Linear, rows: &Tensor, heads: i64) -> Tensor {
    proj.forward(rows)
        .view([rows.size()[0], heads, -1])
        .permute([1, 0, 2])
}

impl DebertaV2ForSequenceClassification {
    /// Builds the model from a checkpoint's weights (transformers' names) for
    /// `num_labels` outputs.
    pub fn load(
        weights: &SafetensorsFile,
        config: &DebertaV2Config,
        num_labels: i64,
        compute: impl Into<Compute>,
    ) -> Result<Self, TransformerError> {
        Self::build(
            weights,
            config,
            compute.into(),
            Head::Checkpoint { labels: num_labels },
        )
    }

    /// The encoder of a checkpoint with a fresh classifier of `labels`
    /// outputs, in float32, to be trained. The pooler is the checkpoint's when
    /// it has one (a classification fine-tune), else fresh too (a base model).
    pub fn load_fresh_head(
        weights: &SafetensorsFile,
        config: &DebertaV2Config,
        labels: i64,
        device: Device,
    ) -> Result<Self, TransformerError> {
        let compute = Compute::new(Precision::F32, device);
        Self::build(weights, config, compute, Head::Fresh { labels })
    }

    fn build(
        weights: &SafetensorsFile,
        config: &DebertaV2Config,
        compute: Compute,
        head: Head,
    ) -> Result<Self, TransformerError> {
        let precision = compute.precision;
        let invalid = |message: String| TransformerError::Weights {
            path: weights.path().to_path_buf(),
            message,
        };
        if config.conv_kernel_size.unwrap_or(0) > 0 {
            return Err(invalid("DeBERTa-v2 models with a convolution layer (conv_kernel_size > 0) are not supported".into()));
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
        let load = LayerLoader::new(weights, compute, "DeBERTa-v2");
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
                Linear::new(
                    matrix(
                        &format!("{emb}.embed_proj.weight"),
                        &[hidden, embedding_size],
                    )?,
                    None,
                    precision,
                )
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
        let rel_embeddings = config
            .relative_attention
            .then(|| {
                view(
                    &format!("{enc}.rel_embeddings.weight"),
                    &[att_span * 2, hidden],
                )
            })
            .transpose()?;
        let norm_rel = config
            .norm_rel_ebd
            .as_deref()
            .unwrap_or("none")
            .to_lowercase()
            .split('|')
            .any(|s| s.trim() == "layer_norm");
        let rel_norm = (config.relative_attention && norm_rel)
            .then(|| layer_norm(&format!("{enc}.LayerNorm")))
            .transpose()?;
        // The relative position embeddings as every layer sees them.
        let rel_table = rel_embeddings.as_ref().map(|table| match &rel_norm {
            Some(norm) => norm.forward(table),
            None => table.shallow_clone(),
        });
        // Over the whole table, in fp32 whatever the precision.
        let project_all = |proj: &Linear| {
            rel_table
                .as_ref()
                .map(|rel| precision.weight(project_positions(proj, rel, heads).contiguous()))
        };

        let mut layers = Vec::with_capacity(config.num_hidden_layers as usize);
        for i in 0..config.num_hidden_layers {
            let l = format!("{enc}.layer.{i}");
            let s = format!("{l}.attention.self");
            let names = ["query_proj", "key_proj", "value_proj"];
            let qkv_weight =
                load.stacked(&names.map(|n| format!("{s}.{n}.weight")), &[hidden, hidden])?;
            let qkv_bias = load.stacked(&names.map(|n| format!("{s}.{n}.bias")), &[hidden])?;
            let qkv_f32 = Linear::float(qkv_weight.shallow_clone(), Some(qkv_bias.shallow_clone()));
            let separate = |name: &str, on: bool| {
                (config.relative_attention && !config.share_att_key && on)
                    .then(|| load.linear_f32(&format!("{s}.{name}"), hidden, hidden))
                    .transpose()
            };
            let pos_key = separate("pos_key_proj", c2p)?;
            let pos_query = separate("pos_query_proj", p2c)?;
            let cached = if config.share_att_key {
                PositionProjections {
                    keys: c2p.then(|| project_all(&qkv_f32.part(1, hidden))).flatten(),
                    queries: p2c.then(|| project_all(&qkv_f32.part(0, hidden))).flatten(),
                }
            } else {
                PositionProjections {
                    keys: pos_key.as_ref().and_then(project_all),
                    queries: pos_query.as_ref().and_then(project_all),
                }
            };
            layers.push(Layer {
                attention: Attention {
                    qkv: Linear::new(qkv_weight, Some(qkv_bias), precision)?,
                    pos_key,
                    pos_query,
                    cached: Some(cached),
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
        let checkpoint_head = |prefix: &str, i: i64, o: i64| load.linear_f32(prefix, i, o);
        // Drawn on the CPU, so a seed gives the same head on every device.
        let fresh = |rows: i64, cols: i64| {
            let weight = Tensor::randn([rows, cols], (Kind::Float, tch::Device::Cpu))
                * config.initializer_range;
            Linear::float(
                weight.to_device(compute.device),
                Some(Tensor::zeros([rows], (Kind::Float, compute.device))),
            )
        };
        let (pooler, classifier) = match head {
            Head::Checkpoint { labels } => (
                checkpoint_head("pooler.dense", pooler_size, pooler_size)?,
                checkpoint_head("classifier", pooler_size, labels)?,
            ),
            Head::Fresh { labels } => {
                let pooler = if weights.contains("pooler.dense.weight") {
                    checkpoint_head("pooler.dense", pooler_size, pooler_size)?
                } else {
                    fresh(pooler_size, pooler_size)
                };
                (pooler, fresh(labels, pooler_size))
            }
        };
        Ok(DebertaV2ForSequenceClassification {
            word_embeddings,
            position_embeddings,
            token_type_embeddings,
            embed_proj,
            embeddings_norm,
            rel_embeddings,
            rel_norm,
            layers,
            pooler,
            classifier,
            heads,
            hidden,
            relative_attention: config.relative_attention,
            c2p,
            p2c,
            share_att_key: config.share_att_key,
            att_span,
            position_buckets: config.position_buckets,
            max_relative_positions,
            hidden_act: config.hidden_act,
            pooler_act: config.pooler_hidden_act.unwrap_or_default(),
            hidden_dropout: config.hidden_dropout_prob,
            attention_dropout: config.attention_probs_dropout_prob,
            pooler_dropout: config.pooler_dropout,
            classifier_dropout: config.cls_dropout.unwrap_or(config.hidden_dropout_prob),
            _mapping: weights.mapping(),
        })
    }

    /// Number of transformer layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// Last hidden states `[batch, seq, hidden]`; no autograd.
    pub fn encode(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let _guard = tch::no_grad_guard();
        let x = self.embed(input_ids, attention_mask, false);
        self.run_layers(x, attention_mask, 0..self.layers.len(), false)
    }

    /// The embedding block's output (padding zeroed, as transformers does).
    /// Every token has token type 0.
    pub fn embed(&self, input_ids: &Tensor, attention_mask: &Tensor, train: bool) -> Tensor {
        let seq = input_ids.size()[1];
        // Callers build ids and masks on the CPU; the weights may be on a GPU.
        let input_ids = on_device_of(input_ids, &self.word_embeddings);
        let attention_mask = on_device_of(attention_mask, &self.word_embeddings);
        let mut x = Tensor::embedding(&self.word_embeddings, &input_ids, -1, false, false);
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
        dropout(&x, self.hidden_dropout, train)
    }

    /// Runs layers `range` over hidden states `x` (the embeddings' output for
    /// the first layer). Every layer reads the relative position embeddings,
    /// which sit outside the layers: training the top layers over cached
    /// output of the lower ones keeps them frozen.
    pub fn run_layers(
        &self,
        mut x: Tensor,
        attention_mask: &Tensor,
        range: std::ops::Range<usize>,
        train: bool,
    ) -> Tensor {
        let (batch, seq) = (x.size()[0], x.size()[1]);
        // [batch, 1, q, k]: a query attends a key when both are real tokens.
        let extended = on_device_of(attention_mask, &x).unsqueeze(1).unsqueeze(2);
        let pair_mask = (&extended * extended.squeeze_dim(-2).unsqueeze(-1)).to_kind(Kind::Bool);
        let padding = pair_mask.logical_not();
        let layers = &self.layers[range];
        let index = self.relative_attention.then(|| {
            let relative = build_relative_position(
                seq,
                self.position_buckets,
                self.max_relative_positions,
                x.device(),
            );
            RelativeIndex::new(&relative, self.att_span)
        });
        // The table itself, when some layer projects its positions now.
        let projects_now = train || layers.iter().any(|l| l.attention.cached.is_none());
        let table = self
            .rel_embeddings
            .as_ref()
            .filter(|_| projects_now)
            .map(|t| match &self.rel_norm {
                Some(norm) => norm.forward(t),
                None => t.shallow_clone(),
            });
        for layer in layers {
            let positions = index
                .as_ref()
                .map(|index| self.positions(&layer.attention, table.as_ref(), index, train));
            let attended = self.attention(
                &layer.attention,
                &x,
                &padding,
                index.as_ref().zip(positions.as_ref()),
                batch,
                train,
            );
            let inner = self
                .hidden_act
                .apply(&layer.intermediate.forward_reduced(&attended));
            let out = dropout(
                &layer.output_dense.forward(&inner),
                self.hidden_dropout,
                train,
            );
            x = layer.output_norm.forward(&(out + &attended));
        }
        x
    }

    /// Logits `[batch, labels]` from the last hidden states: the
    /// `ContextPooler` (dropout, dense, activation over the first token),
    /// dropout, the classifier.
    pub fn head(&self, hidden: &Tensor, train: bool) -> Tensor {
        let first = dropout(&hidden.select(1, 0), self.pooler_dropout, train);
        let pooled = self.pooler_act.apply(&self.pooler.forward(&first));
        self.classifier
            .forward(&dropout(&pooled, self.classifier_dropout, train))
    }

    /// Logits with autograd where parameters require it; dropout when `train`.
    pub fn forward(&self, input_ids: &Tensor, attention_mask: &Tensor, train: bool) -> Tensor {
        let x = self.embed(input_ids, attention_mask, train);
        let hidden = self.run_layers(x, attention_mask, 0..self.layers.len(), train);
        self.head(&hidden, train)
    }

    /// Classification logits `[batch, num_labels]`; no autograd.
    pub fn logits(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let _guard = tch::no_grad_guard();
        self.forward(input_ids, attention_mask, false)
    }

    /// Every parameter with its `DebertaV2ForSequenceClassification` name.
    /// Query, key and value appear fused as
    /// `deberta.encoder.layer.N.attention.self.qkv.{weight,bias}`;
    /// [`split_fused`] turns them back into transformers' three. Drops the
    /// position projections made at load: from here on each forward pass
    /// projects the rows it reads from the current weights.
    pub fn parameters_mut(&mut self) -> Vec<(String, &mut Tensor)> {
        let emb = "deberta.embeddings";
        let mut params: Vec<(String, &mut Tensor)> = vec![(
            format!("{emb}.word_embeddings.weight"),
            &mut self.word_embeddings,
        )];
        if let Some(t) = self.position_embeddings.as_mut() {
            params.push((format!("{emb}.position_embeddings.weight"), t));
        }
        if let Some(t) = self.token_type_embeddings.as_mut() {
            params.push((format!("{emb}.token_type_embeddings.weight"), t));
        }
        if let Some(proj) = self.embed_proj.as_mut() {
            params.extend(proj.parameters_mut(&format!("{emb}.embed_proj")));
        }
        params.extend(
            self.embeddings_norm
                .parameters_mut(&format!("{emb}.LayerNorm")),
        );
        let enc = "deberta.encoder";
        if let Some(t) = self.rel_embeddings.as_mut() {
            params.push((format!("{enc}.rel_embeddings.weight"), t));
        }
        if let Some(norm) = self.rel_norm.as_mut() {
            params.extend(norm.parameters_mut(&format!("{enc}.LayerNorm")));
        }
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let l = format!("{enc}.layer.{i}");
            let a = &mut layer.attention;
            a.cached = None;
            params.extend(a.qkv.parameters_mut(&format!("{l}.attention.self.qkv")));
            if let Some(proj) = a.pos_key.as_mut() {
                params.extend(proj.parameters_mut(&format!("{l}.attention.self.pos_key_proj")));
            }
            if let Some(proj) = a.pos_query.as_mut() {
                params.extend(proj.parameters_mut(&format!("{l}.attention.self.pos_query_proj")));
            }
            params.extend(
                a.output_dense
                    .parameters_mut(&format!("{l}.attention.output.dense")),
            );
            params.extend(
                a.output_norm
                    .parameters_mut(&format!("{l}.attention.output.LayerNorm")),
            );
            params.extend(
                layer
                    .intermediate
                    .parameters_mut(&format!("{l}.intermediate.dense")),
            );
            params.extend(
                layer
                    .output_dense
                    .parameters_mut(&format!("{l}.output.dense")),
            );
            params.extend(
                layer
                    .output_norm
                    .parameters_mut(&format!("{l}.output.LayerNorm")),
            );
        }
        params.extend(self.pooler.parameters_mut("pooler.dense"));
        params.extend(self.classifier.parameters_mut("classifier"));
        params
    }

    /// `[batch, seq, hidden]` -> `[batch, heads, seq, head]`.
    fn split_heads(&self, x: &Tensor) -> Tensor {
        let size = x.size();
        x.view([size[0], size[1], self.heads, -1])
            .permute([0, 2, 1, 3])
    }

    /// The rows of layer `a`'s position keys (c2p) and queries (p2c) that
    /// `index` reads: from the projections made at load in inference, else
    /// projected now from `table` (the normalized relative embeddings, with
    /// dropout when training).
    fn positions(
        &self,
        a: &Attention,
        table: Option<&Tensor>,
        index: &RelativeIndex,
        train: bool,
    ) -> PositionWindows {
        if let Some(cached) = a.cached.as_ref().filter(|_| !train) {
            return PositionWindows {
                keys: cached
                    .keys
                    .as_ref()
                    .map(|k| k.narrow(1, index.c2p_start, index.c2p_len)),
                queries: cached
                    .queries
                    .as_ref()
                    .map(|q| q.narrow(1, index.p2c_start, index.p2c_len)),
            };
        }
        let table = dropout(
            table.expect("the table is read when a layer projects now"),
            self.hidden_dropout,
            train,
        );
        let project = |proj: &Linear, start: i64, len: i64| {
            project_positions(proj, &table.narrow(0, start, len), self.heads)
        };
        let (key_proj, query_proj) = if self.share_att_key {
            (
                Some(a.qkv.part(1, self.hidden)),
                Some(a.qkv.part(0, self.hidden)),
            )
        } else {
            // The whole of each layer, as an owned view.
            let whole = |p: &Linear| p.part(0, self.hidden);
            (
                a.pos_key.as_ref().map(whole),
                a.pos_query.as_ref().map(whole),
            )
        };
        PositionWindows {
            keys: key_proj
                .filter(|_| self.c2p)
                .map(|p| project(&p, index.c2p_start, index.c2p_len)),
            queries: query_proj
                .filter(|_| self.p2c)
                .map(|p| project(&p, index.p2c_start, index.p2c_len)),
        }
    }

    fn attention(
        &self,
        a: &Attention,
        hidden: &Tensor,
        padding: &Tensor,
        positions: Option<(&RelativeIndex, &PositionWindows)>,
        batch: i64,
        train: bool,
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
        if let Some((index, windows)) = positions {
            if let Some(keys) = &windows.keys {
                // content -> position: query i against the key of position r(i, j).
                let c2p = query.matmul(&keys.to_kind(query.kind()).transpose(-1, -2));
                let (q, k) = (index.c2p.size()[0], index.c2p.size()[1]);
                let gathered = c2p.gather(
                    -1,
                    &index.c2p.expand([batch, self.heads, q, k], false),
                    false,
                );
                scores += gathered.to_kind(Kind::Float) / scale;
            }
            if let Some(queries) = &windows.queries {
                // position -> content: key j against the query of position -r(j, i).
                let p2c = key.matmul(&queries.to_kind(key.kind()).transpose(-1, -2));
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
        let probs = dropout(
            &scores
                .masked_fill(padding, f32::MIN as f64)
                .softmax(-1, Kind::Float),
            self.attention_dropout,
            train,
        );
        let context = probs.to_kind(value.kind()).matmul(&value);
        let (q, head) = (context.size()[2], context.size()[3]);
        let context =
            context
                .permute([0, 2, 1, 3])
                .contiguous()
                .view([batch, q, self.heads * head]);
        let out = dropout(
            &a.output_dense.forward(&context),
            self.hidden_dropout,
            train,
        );
        a.output_norm.forward(&(out + hidden))
    }
}

/// `(name, tensor)` with a fused `….attention.self.qkv.{weight,bias}` split
/// into transformers' `query_proj`, `key_proj` and `value_proj` (other names
/// unchanged).
pub fn split_fused(name: &str, tensor: &Tensor) -> Vec<(String, Tensor)> {
    match name.rsplit_once(".qkv.") {
        Some((stem, part)) => {
            let rows = tensor.size()[0] / 3;
            ["query_proj", "key_proj", "value_proj"]
                .iter()
                .zip(tensor.split(rows, 0))
                .map(|(p, t)| (format!("{stem}.{p}.{part}"), t.contiguous()))
                .collect()
        }
        None => vec![(name.to_string(), tensor.shallow_clone())],
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
