//! BERT encoders (MiniLM sentence-transformers models) on tch, written after
//! transformers 4.57's `modeling_bert.py`: post-norm layers, absolute position
//! embeddings, the last hidden states, and `BertForSequenceClassification`'s
//! pooler and classifier ([`BertClassifier`]).
//!
//! The project runs its own copy, like DeBERTa-v2's, to read weights from the
//! memory-mapped checkpoint (a 250k-row multilingual vocabulary costs memory
//! only for the rows used) and to offer [`Precision::Bf16`](super::Precision::Bf16). The same network
//! trains (`newsframe train stance`): [`BertClassifier::parameters_mut`]
//! hands its tensors to the trainer, and `train = true` turns dropout on.
//! tests/integration/transformer_parity.rs and tests/integration/transformer_minilm.rs hold it to
//! transformers and sentence-transformers.

use serde::Deserialize;
use tch::{Kind, Tensor};

use super::TransformerError;
use super::device::{Compute, on_device_of};
use super::layers::{Activation, LayerLoader, LayerNorm, Linear, dropout};
use super::weights::{MappedFile, SafetensorsFile};

/// The fields of `config.json` this model reads (defaults as transformers').
#[derive(Debug, Clone, Deserialize)]
pub struct BertConfig {
    pub vocab_size: i64,
    pub hidden_size: i64,
    pub num_hidden_layers: i64,
    pub num_attention_heads: i64,
    pub intermediate_size: i64,
    #[serde(default)]
    pub hidden_act: Activation,
    #[serde(default = "default_max_position")]
    pub max_position_embeddings: i64,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: i64,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub position_embedding_type: Option<String>,
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    /// The classifier's dropout; None: `hidden_dropout_prob`.
    #[serde(default)]
    pub classifier_dropout: Option<f64>,
    #[serde(default = "default_init_range")]
    pub initializer_range: f64,
    /// How a classifier pools the last hidden states (`newsframe_pooling`
    /// in `config.json`; absent: transformers' first-token pooler).
    #[serde(default, rename = "newsframe_pooling")]
    pub pooling: Pooling,
}

/// How [`BertClassifier`] turns the last hidden states into the classifier's
/// input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Pooling {
    /// transformers' `BertForSequenceClassification`: tanh dense over the
    /// first token.
    #[default]
    #[serde(rename = "cls")]
    Cls,
    /// The mean of all tokens next to the mean of the second segment's tokens
    /// (the target of a (sentence, target) pair), `2 × hidden` wide: sentence
    /// encoders are trained on mean-pooled states, and the target's own
    /// states say what the sentence says of it. Saved with
    /// `"newsframe_pooling": "mean+target"`; transformers cannot load it as
    /// `BertForSequenceClassification` (its classifier is twice as wide).
    #[serde(rename = "mean+target")]
    MeanAndTarget,
}

impl Pooling {
    /// The name `config.json` and the command line use.
    pub fn name(self) -> &'static str {
        match self {
            Pooling::Cls => "cls",
            Pooling::MeanAndTarget => "mean+target",
        }
    }
}

fn default_max_position() -> i64 {
    512
}
fn default_type_vocab() -> i64 {
    2
}
fn default_eps() -> f64 {
    1e-12
}
fn default_dropout() -> f64 {
    0.1
}
fn default_init_range() -> f64 {
    0.02
}

struct Layer {
    /// Query, key and value as one product: `[3 * hidden, hidden]`.
    qkv: Linear,
    attention_output: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// A BERT encoder returning the last hidden states.
pub struct BertEncoder {
    word_embeddings: Tensor,
    position_embeddings: Tensor,
    /// `[type_vocab_size, hidden]`.
    token_type_embeddings: Tensor,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: i64,
    hidden: i64,
    hidden_act: Activation,
    hidden_dropout: f64,
    attention_dropout: f64,
    /// Keeps the memory-mapped weights the tensors above view; declared last
    /// so it is dropped after them.
    _mapping: MappedFile,
}

/// Where the encoder's tensors sit in a checkpoint: `""` (a `BertModel`
/// saved alone) or `"bert."` (inside a task model).
pub fn checkpoint_prefix(weights: &SafetensorsFile) -> &'static str {
    if weights.contains("embeddings.word_embeddings.weight") {
        ""
    } else {
        "bert."
    }
}

impl BertEncoder {
    /// Builds the encoder from a checkpoint saved by transformers (`BertModel`
    /// names, with or without the `bert.` prefix of task models).
    pub fn load(
        weights: &SafetensorsFile,
        config: &BertConfig,
        compute: impl Into<Compute>,
    ) -> Result<BertEncoder, TransformerError> {
        let compute = compute.into();
        let invalid = |message: String| TransformerError::Weights {
            path: weights.path().to_path_buf(),
            message,
        };
        if let Some(kind) = config
            .position_embedding_type
            .as_deref()
            .filter(|k| *k != "absolute")
        {
            return Err(invalid(format!(
                "position_embedding_type {kind:?} is not supported (only \"absolute\")"
            )));
        }
        if config.num_attention_heads < 1 || config.hidden_size % config.num_attention_heads != 0 {
            return Err(invalid(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                config.hidden_size, config.num_attention_heads
            )));
        }
        if config.type_vocab_size < 1 {
            return Err(invalid("type_vocab_size must be at least 1".into()));
        }
        let _guard = tch::no_grad_guard();
        let load = LayerLoader::new(weights, compute, "BERT");
        let prefix = checkpoint_prefix(weights);
        let hidden = config.hidden_size;
        let eps = config.layer_norm_eps;
        let emb = format!("{prefix}embeddings");
        let mut layers = Vec::with_capacity(config.num_hidden_layers as usize);
        for i in 0..config.num_hidden_layers {
            let l = format!("{prefix}encoder.layer.{i}");
            let qkv = ["query", "key", "value"].map(|p| format!("{l}.attention.self.{p}"));
            layers.push(Layer {
                qkv: load.fused_linear(&qkv, hidden, hidden)?,
                attention_output: load.linear(
                    &format!("{l}.attention.output.dense"),
                    hidden,
                    hidden,
                )?,
                attention_norm: load.layer_norm(
                    &format!("{l}.attention.output.LayerNorm"),
                    hidden,
                    eps,
                )?,
                intermediate: load.linear(
                    &format!("{l}.intermediate.dense"),
                    hidden,
                    config.intermediate_size,
                )?,
                output: load.linear(
                    &format!("{l}.output.dense"),
                    config.intermediate_size,
                    hidden,
                )?,
                output_norm: load.layer_norm(&format!("{l}.output.LayerNorm"), hidden, eps)?,
            });
        }
        Ok(BertEncoder {
            word_embeddings: load.view(
                &format!("{emb}.word_embeddings.weight"),
                &[config.vocab_size, hidden],
            )?,
            position_embeddings: load.view(
                &format!("{emb}.position_embeddings.weight"),
                &[config.max_position_embeddings, hidden],
            )?,
            token_type_embeddings: load.view(
                &format!("{emb}.token_type_embeddings.weight"),
                &[config.type_vocab_size, hidden],
            )?,
            embeddings_norm: load.layer_norm(&format!("{emb}.LayerNorm"), hidden, eps)?,
            layers,
            heads: config.num_attention_heads,
            hidden,
            hidden_act: config.hidden_act,
            hidden_dropout: config.hidden_dropout_prob,
            attention_dropout: config.attention_probs_dropout_prob,
            _mapping: weights.mapping(),
        })
    }

    /// Number of transformer layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// Last hidden states `[batch, seq, hidden]` of `input_ids` under
    /// `attention_mask` (1 for tokens, 0 for padding), all of token type 0
    /// (sentence encoders feed single segments).
    pub fn encode(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let _guard = tch::no_grad_guard();
        let x = self.embed(input_ids, None, false);
        self.run_layers(x, attention_mask, 0..self.layers.len(), false)
    }

    /// The embedding block's output: word + position + token type embeddings,
    /// normalized. `token_type_ids` None: type 0 everywhere.
    pub fn embed(
        &self,
        input_ids: &Tensor,
        token_type_ids: Option<&Tensor>,
        train: bool,
    ) -> Tensor {
        let seq = input_ids.size()[1];
        // Callers build ids on the CPU; the weights may be on a GPU.
        let input_ids = on_device_of(input_ids, &self.word_embeddings);
        let types = match token_type_ids {
            Some(ids) => Tensor::embedding(
                &self.token_type_embeddings,
                &on_device_of(ids, &self.word_embeddings),
                -1,
                false,
                false,
            ),
            None => self.token_type_embeddings.get(0),
        };
        let x = Tensor::embedding(&self.word_embeddings, &input_ids, -1, false, false)
            + self.position_embeddings.narrow(0, 0, seq).unsqueeze(0)
            + types;
        dropout(
            &self.embeddings_norm.forward(&x),
            self.hidden_dropout,
            train,
        )
    }

    /// Runs layers `range` over hidden states `x` (the embeddings' output for
    /// the first layer). Training caches the output of frozen lower layers and
    /// runs only the upper ones.
    pub fn run_layers(
        &self,
        mut x: Tensor,
        attention_mask: &Tensor,
        range: std::ops::Range<usize>,
        train: bool,
    ) -> Tensor {
        let (batch, seq) = (x.size()[0], x.size()[1]);
        // [batch, 1, 1, keys]: float32 min on padding keys, as transformers' eager path.
        let padding = on_device_of(attention_mask, &x)
            .eq(0)
            .unsqueeze(1)
            .unsqueeze(1)
            .to_kind(Kind::Float)
            * f32::MIN as f64;
        let head = self.hidden / self.heads;
        let scale = (head as f64).sqrt();
        for layer in &self.layers[range] {
            // In bf16 the attention products run in bfloat16 too (float32
            // accumulation); softmax runs in float32.
            let parts = layer.qkv.forward_reduced(&x).split(self.hidden, -1);
            let split = |t: &Tensor| t.view([batch, seq, self.heads, head]).permute([0, 2, 1, 3]);
            let (query, key, value) = (split(&parts[0]), split(&parts[1]), split(&parts[2]));
            let scores =
                query.matmul(&key.transpose(-1, -2)).to_kind(Kind::Float) / scale + &padding;
            let probs = dropout(
                &scores.softmax(-1, Kind::Float),
                self.attention_dropout,
                train,
            );
            let context = probs
                .to_kind(value.kind())
                .matmul(&value)
                .permute([0, 2, 1, 3])
                .contiguous()
                .view([batch, seq, self.hidden]);
            let projected = dropout(
                &layer.attention_output.forward(&context),
                self.hidden_dropout,
                train,
            );
            let attended = layer.attention_norm.forward(&(projected + &x));
            let inner = self
                .hidden_act
                .apply(&layer.intermediate.forward_reduced(&attended));
            let out = dropout(&layer.output.forward(&inner), self.hidden_dropout, train);
            x = layer.output_norm.forward(&(out + &attended));
        }
        x
    }

    /// Every parameter with its `BertModel` name. Query, key and value appear
    /// fused as `encoder.layer.N.attention.self.qkv.{weight,bias}`;
    /// [`split_fused`] turns them back into transformers' three.
    pub fn parameters_mut(&mut self) -> Vec<(String, &mut Tensor)> {
        let mut params: Vec<(String, &mut Tensor)> = vec![
            (
                "embeddings.word_embeddings.weight".into(),
                &mut self.word_embeddings,
            ),
            (
                "embeddings.position_embeddings.weight".into(),
                &mut self.position_embeddings,
            ),
            (
                "embeddings.token_type_embeddings.weight".into(),
                &mut self.token_type_embeddings,
            ),
        ];
        params.extend(self.embeddings_norm.parameters_mut("embeddings.LayerNorm"));
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let l = format!("encoder.layer.{i}");
            params.extend(layer.qkv.parameters_mut(&format!("{l}.attention.self.qkv")));
            params.extend(
                layer
                    .attention_output
                    .parameters_mut(&format!("{l}.attention.output.dense")),
            );
            params.extend(
                layer
                    .attention_norm
                    .parameters_mut(&format!("{l}.attention.output.LayerNorm")),
            );
            params.extend(
                layer
                    .intermediate
                    .parameters_mut(&format!("{l}.intermediate.dense")),
            );
            params.extend(layer.output.parameters_mut(&format!("{l}.output.dense")));
            params.extend(
                layer
                    .output_norm
                    .parameters_mut(&format!("{l}.output.LayerNorm")),
            );
        }
        params
    }
}

/// The mean of `hidden` `[batch, seq, h]` over the positions where `weights`
/// `[batch, seq]` is 1 (zero where there are none), as sentence-transformers
/// pools.
fn masked_mean(hidden: &Tensor, weights: &Tensor) -> Tensor {
    let w = weights.unsqueeze(-1);
    let summed = (hidden * &w).sum_dim_intlist([1].as_slice(), false, Kind::Float);
    summed
        / w.sum_dim_intlist([1].as_slice(), false, Kind::Float)
            .clamp_min(1e-9)
}

/// `(name, tensor)` with a fused `….qkv.{weight,bias}` split into
/// transformers' `….query`, `….key`, `….value` (other names unchanged).
pub fn split_fused(name: &str, tensor: &Tensor) -> Vec<(String, Tensor)> {
    match name.rsplit_once(".qkv.") {
        Some((stem, part)) => {
            let rows = tensor.size()[0] / 3;
            ["query", "key", "value"]
                .iter()
                .zip(tensor.split(rows, 0))
                .map(|(p, t)| (format!("{stem}.{p}.{part}"), t.contiguous()))
                .collect()
        }
        None => vec![(name.to_string(), tensor.shallow_clone())],
    }
}

/// transformers' `BertForSequenceClassification`: the encoder, the pooler
/// (tanh dense over the first token) and a linear classifier, with dropout
/// between pooler and classifier in training.
pub struct BertClassifier {
    pub encoder: BertEncoder,
    pooler: Linear,
    classifier: Linear,
    classifier_dropout: f64,
    pooling: Pooling,
}

/// Where a classifier's head comes from when it is built from a base encoder.
pub enum HeadInit {
    /// Read `bert.pooler.dense.*` and `classifier.*` from the checkpoint.
    Checkpoint,
    /// A fresh classifier of `labels` outputs (normal, `initializer_range`;
    /// zero bias, as transformers initializes it); the pooler is read when the
    /// checkpoint has one, else also fresh.
    Fresh { labels: i64 },
}

impl BertClassifier {
    /// Loads a classifier saved by transformers (or by `newsframe train
    /// stance`), or builds one on a base encoder with a fresh head.
    pub fn load(
        weights: &SafetensorsFile,
        config: &BertConfig,
        compute: impl Into<Compute>,
        head: HeadInit,
    ) -> Result<BertClassifier, TransformerError> {
        let compute = compute.into();
        let encoder = BertEncoder::load(weights, config, compute)?;
        let _guard = tch::no_grad_guard();
        let load = LayerLoader::new(weights, compute, "BERT");
        let hidden = config.hidden_size;
        let prefix = checkpoint_prefix(weights);
        let pooler_name = format!("{prefix}pooler.dense");
        let classifier_input = match config.pooling {
            Pooling::Cls => hidden,
            Pooling::MeanAndTarget => 2 * hidden,
        };
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
            HeadInit::Checkpoint => {
                let labels = weights
                    .shape("classifier.weight")
                    .map(|s| s[0])
                    .ok_or_else(|| TransformerError::Weights {
                        path: weights.path().to_path_buf(),
                        message: "tensor classifier.weight is missing; is this a \
                                  BertForSequenceClassification checkpoint?"
                            .into(),
                    })?;
                (
                    load.linear_f32(&pooler_name, hidden, hidden)?,
                    load.linear_f32("classifier", classifier_input, labels)?,
                )
            }
            HeadInit::Fresh { labels } => {
                let pooler = if weights.contains(&format!("{pooler_name}.weight")) {
                    load.linear_f32(&pooler_name, hidden, hidden)?
                } else {
                    fresh(hidden, hidden)
                };
                (pooler, fresh(labels, classifier_input))
            }
        };
        Ok(BertClassifier {
            encoder,
            pooler,
            classifier,
            classifier_dropout: config
                .classifier_dropout
                .unwrap_or(config.hidden_dropout_prob),
            pooling: config.pooling,
        })
    }

    /// How this classifier pools.
    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    /// Logits `[batch, labels]` from the last hidden states, `attention_mask`
    /// and `token_type_ids` (type 1: the pair's second segment; read by
    /// [`Pooling::MeanAndTarget`] only; None there: no target tokens).
    pub fn head(
        &self,
        hidden: &Tensor,
        attention_mask: &Tensor,
        token_type_ids: Option<&Tensor>,
        train: bool,
    ) -> Tensor {
        let pooled = match self.pooling {
            Pooling::Cls => self.pooler.forward(&hidden.select(1, 0)).tanh(),
            Pooling::MeanAndTarget => {
                let mask = on_device_of(attention_mask, hidden).to_kind(Kind::Float);
                let target = match token_type_ids {
                    Some(types) => on_device_of(types, hidden).eq(1).to_kind(Kind::Float) * &mask,
                    None => mask.zeros_like(),
                };
                Tensor::cat(
                    &[masked_mean(hidden, &mask), masked_mean(hidden, &target)],
                    -1,
                )
            }
        };
        self.classifier
            .forward(&dropout(&pooled, self.classifier_dropout, train))
    }

    /// Logits `[batch, labels]` of a batch of (padded) pairs; no autograd.
    pub fn logits(
        &self,
        input_ids: &Tensor,
        attention_mask: &Tensor,
        token_type_ids: Option<&Tensor>,
    ) -> Tensor {
        let _guard = tch::no_grad_guard();
        self.forward(input_ids, attention_mask, token_type_ids, false)
    }

    /// Logits with autograd where parameters require it; dropout when `train`.
    pub fn forward(
        &self,
        input_ids: &Tensor,
        attention_mask: &Tensor,
        token_type_ids: Option<&Tensor>,
        train: bool,
    ) -> Tensor {
        let x = self.encoder.embed(input_ids, token_type_ids, train);
        let hidden =
            self.encoder
                .run_layers(x, attention_mask, 0..self.encoder.num_layers(), train);
        self.head(&hidden, attention_mask, token_type_ids, train)
    }

    /// Every parameter with its `BertForSequenceClassification` name (fused
    /// query/key/value as in [`BertEncoder::parameters_mut`]).
    pub fn parameters_mut(&mut self) -> Vec<(String, &mut Tensor)> {
        let mut params: Vec<(String, &mut Tensor)> = self
            .encoder
            .parameters_mut()
            .into_iter()
            .map(|(name, t)| (format!("bert.{name}"), t))
            .collect();
        params.extend(self.pooler.parameters_mut("bert.pooler.dense"));
        params.extend(self.classifier.parameters_mut("classifier"));
        params
    }
}
