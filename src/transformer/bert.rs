//! BERT encoders (MiniLM sentence-transformers models) on tch, written after
//! transformers 4.57's `modeling_bert.py`: post-norm layers, absolute position
//! embeddings, the last hidden states (no pooler).
//!
//! The project runs its own copy, like DeBERTa-v2's, to read weights from the
//! memory-mapped checkpoint (a 250k-row multilingual vocabulary costs memory
//! only for the rows used) and to offer [`Precision::Bf16`].
//! tests/transformer_parity.rs and tests/transformer_minilm.rs hold it to
//! transformers and sentence-transformers.

use serde::Deserialize;
use tch::{Kind, Tensor};

use super::layers::{LayerLoader, LayerNorm, Linear, activation};
use super::weights::{MappedFile, SafetensorsFile};
use super::{Precision, TransformerError};

/// The fields of `config.json` this model reads (defaults as transformers').
#[derive(Debug, Clone, Deserialize)]
pub struct BertConfig {
    pub vocab_size: i64,
    pub hidden_size: i64,
    pub num_hidden_layers: i64,
    pub num_attention_heads: i64,
    pub intermediate_size: i64,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default = "default_max_position")]
    pub max_position_embeddings: i64,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: i64,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub position_embedding_type: Option<String>,
}

fn default_act() -> String {
    "gelu".into()
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
    /// The token type 0 row: sentence encoders feed single segments.
    token_type: Tensor,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: i64,
    hidden: i64,
    hidden_act: String,
    /// Keeps the memory-mapped weights the tensors above view; declared last
    /// so it is dropped after them.
    _mapping: MappedFile,
}

impl BertEncoder {
    /// Builds the encoder from a checkpoint saved by transformers (`BertModel`
    /// names, with or without the `bert.` prefix of task models).
    pub fn load(
        weights: &SafetensorsFile,
        config: &BertConfig,
        precision: Precision,
    ) -> Result<BertEncoder, TransformerError> {
        let invalid = |message: String| TransformerError::Weights {
            path: weights.path().to_path_buf(),
            message,
        };
        if activation(
            &config.hidden_act,
            &Tensor::zeros([1], (Kind::Float, tch::Device::Cpu)),
        )
        .is_none()
        {
            return Err(invalid(format!(
                "unsupported activation {:?}",
                config.hidden_act
            )));
        }
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
        let _guard = tch::no_grad_guard();
        let load = LayerLoader {
            weights,
            precision,
            architecture: "BERT",
        };
        let prefix = if weights.contains("embeddings.word_embeddings.weight") {
            ""
        } else {
            "bert."
        };
        let hidden = config.hidden_size;
        let eps = config.layer_norm_eps;
        let emb = format!("{prefix}embeddings");
        let token_types = load.view(
            &format!("{emb}.token_type_embeddings.weight"),
            &[config.type_vocab_size, hidden],
        )?;
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
            token_type: token_types.get(0),
            embeddings_norm: load.layer_norm(&format!("{emb}.LayerNorm"), hidden, eps)?,
            layers,
            heads: config.num_attention_heads,
            hidden,
            hidden_act: config.hidden_act.clone(),
            _mapping: weights.mapping(),
        })
    }

    /// Last hidden states `[batch, seq, hidden]` of `input_ids` under
    /// `attention_mask` (1 for tokens, 0 for padding).
    pub fn encode(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let _guard = tch::no_grad_guard();
        let (batch, seq) = (input_ids.size()[0], input_ids.size()[1]);
        let x = Tensor::embedding(&self.word_embeddings, input_ids, -1, false, false)
            + self.position_embeddings.narrow(0, 0, seq).unsqueeze(0)
            + &self.token_type;
        let mut x = self.embeddings_norm.forward(&x);
        // [batch, 1, 1, keys]: float32 min on padding keys, as transformers' eager path.
        let padding = attention_mask
            .eq(0)
            .unsqueeze(1)
            .unsqueeze(1)
            .to_kind(Kind::Float)
            * f32::MIN as f64;
        let head = self.hidden / self.heads;
        let scale = (head as f64).sqrt();
        for layer in &self.layers {
            // In bf16 the attention products run in bfloat16 too (float32
            // accumulation); softmax runs in float32.
            let parts = layer.qkv.forward_reduced(&x).split(self.hidden, -1);
            let split = |t: &Tensor| t.view([batch, seq, self.heads, head]).permute([0, 2, 1, 3]);
            let (query, key, value) = (split(&parts[0]), split(&parts[1]), split(&parts[2]));
            let scores =
                query.matmul(&key.transpose(-1, -2)).to_kind(Kind::Float) / scale + &padding;
            let context = scores
                .softmax(-1, Kind::Float)
                .to_kind(value.kind())
                .matmul(&value)
                .permute([0, 2, 1, 3])
                .contiguous()
                .view([batch, seq, self.hidden]);
            let attended = layer
                .attention_norm
                .forward(&(layer.attention_output.forward(&context) + &x));
            let inner = activation(
                &self.hidden_act,
                &layer.intermediate.forward_reduced(&attended),
            )
            .expect("checked in load");
            x = layer
                .output_norm
                .forward(&(layer.output.forward(&inner) + &attended));
        }
        x
    }
}
