//! The architecture settings of a T5/mT5 checkpoint, read from its `config.json`
//! with the field names and defaults of transformers' `T5Config`.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::transformer::TransformerError;

/// Which feed-forward block the layers use (`feed_forward_proj`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedForward {
    /// `relu`: `wo(relu(wi(x)))` (original T5).
    Relu,
    /// `gated-gelu`: `wo(gelu_tanh(wi_0(x)) * wi_1(x))` (T5 v1.1, mT5).
    GatedGelu,
    /// `gated-relu`: `wo(relu(wi_0(x)) * wi_1(x))`.
    GatedRelu,
}

impl FeedForward {
    fn parse(name: &str) -> Option<FeedForward> {
        match name {
            "relu" => Some(FeedForward::Relu),
            "gated-gelu" | "gated-gelu_new" => Some(FeedForward::GatedGelu),
            "gated-relu" => Some(FeedForward::GatedRelu),
            _ => None,
        }
    }

    /// Whether the block has two input projections (`wi_0`, `wi_1`).
    pub fn is_gated(self) -> bool {
        !matches!(self, FeedForward::Relu)
    }
}

/// The subset of `T5Config` the model needs; defaults are transformers'.
#[derive(Debug, Clone, PartialEq)]
pub struct T5Config {
    pub vocab_size: i64,
    pub d_model: i64,
    pub d_kv: i64,
    pub d_ff: i64,
    pub num_heads: i64,
    pub num_layers: usize,
    /// Defaults to `num_layers`.
    pub num_decoder_layers: usize,
    pub relative_attention_num_buckets: i64,
    pub relative_attention_max_distance: i64,
    pub layer_norm_epsilon: f64,
    pub feed_forward: FeedForward,
    /// When true, `lm_head` is `shared` and the decoder output is scaled by
    /// `d_model^-0.5` before it.
    pub tie_word_embeddings: bool,
    pub pad_token_id: i64,
    /// End-of-sequence ids (`eos_token_id` may be one id or a list).
    pub eos_token_ids: Vec<i64>,
    /// Defaults to `pad_token_id`.
    pub decoder_start_token_id: i64,
}

#[derive(Deserialize)]
struct RawConfig {
    model_type: Option<String>,
    vocab_size: i64,
    d_model: i64,
    d_kv: i64,
    d_ff: i64,
    num_heads: i64,
    num_layers: usize,
    num_decoder_layers: Option<usize>,
    #[serde(default = "default_buckets")]
    relative_attention_num_buckets: i64,
    #[serde(default = "default_max_distance")]
    relative_attention_max_distance: i64,
    #[serde(default = "default_epsilon")]
    layer_norm_epsilon: f64,
    #[serde(default = "default_feed_forward")]
    feed_forward_proj: String,
    #[serde(default = "default_true")]
    tie_word_embeddings: bool,
    #[serde(default)]
    pad_token_id: Option<i64>,
    #[serde(default)]
    eos_token_id: Option<Value>,
    #[serde(default)]
    decoder_start_token_id: Option<i64>,
}

fn default_buckets() -> i64 {
    32
}
fn default_max_distance() -> i64 {
    128
}
fn default_epsilon() -> f64 {
    1e-6
}
fn default_feed_forward() -> String {
    "relu".to_string()
}
fn default_true() -> bool {
    true
}

impl T5Config {
    /// Reads `config.json` in `dir`.
    pub fn from_dir(dir: &Path) -> Result<T5Config, TransformerError> {
        let path = dir.join("config.json");
        let text = std::fs::read_to_string(&path).map_err(|source| TransformerError::Io {
            path: path.clone(),
            source,
        })?;
        T5Config::from_json(&text).map_err(|message| TransformerError::Config { path, message })
    }

    /// Parses the text of a `config.json`; the error says what is wrong.
    pub fn from_json(text: &str) -> Result<T5Config, String> {
        let raw: RawConfig = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if let Some(model_type) = &raw.model_type
            && !matches!(model_type.as_str(), "t5" | "mt5")
        {
            return Err(format!(
                "model_type is {model_type:?}; this engine runs only t5 and mt5 models"
            ));
        }
        let feed_forward = FeedForward::parse(&raw.feed_forward_proj).ok_or_else(|| {
            format!(
                "feed_forward_proj {:?} is not supported (use relu, gated-gelu or gated-relu)",
                raw.feed_forward_proj
            )
        })?;
        let positive = [
            ("vocab_size", raw.vocab_size),
            ("d_model", raw.d_model),
            ("d_kv", raw.d_kv),
            ("d_ff", raw.d_ff),
            ("num_heads", raw.num_heads),
            (
                "relative_attention_num_buckets",
                raw.relative_attention_num_buckets,
            ),
            (
                "relative_attention_max_distance",
                raw.relative_attention_max_distance,
            ),
        ];
        if let Some((name, value)) = positive.iter().find(|(_, v)| *v <= 0) {
            return Err(format!("{name} must be positive, found {value}"));
        }
        if raw.relative_attention_num_buckets < 4 {
            return Err("relative_attention_num_buckets must be at least 4".to_string());
        }
        let eos_token_ids = match raw.eos_token_id {
            None | Some(Value::Null) => vec![1],
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
            Some(value) => value
                .as_i64()
                .map(|id| vec![id])
                .ok_or_else(|| format!("eos_token_id {value} is not a token id"))?,
        };
        let pad_token_id = raw.pad_token_id.unwrap_or(0);
        let in_vocab = |id: i64| (0..raw.vocab_size).contains(&id);
        if !in_vocab(pad_token_id) || !eos_token_ids.iter().all(|&id| in_vocab(id)) {
            return Err("pad_token_id and eos_token_id must be ids of the vocabulary".to_string());
        }
        Ok(T5Config {
            vocab_size: raw.vocab_size,
            d_model: raw.d_model,
            d_kv: raw.d_kv,
            d_ff: raw.d_ff,
            num_heads: raw.num_heads,
            num_layers: raw.num_layers,
            num_decoder_layers: raw.num_decoder_layers.unwrap_or(raw.num_layers),
            relative_attention_num_buckets: raw.relative_attention_num_buckets,
            relative_attention_max_distance: raw.relative_attention_max_distance,
            layer_norm_epsilon: raw.layer_norm_epsilon,
            feed_forward,
            tie_word_embeddings: raw.tie_word_embeddings,
            pad_token_id,
            eos_token_ids,
            decoder_start_token_id: raw.decoder_start_token_id.unwrap_or(pad_token_id),
        })
    }

    /// Width of the concatenated attention heads (`num_heads * d_kv`).
    pub fn inner_dim(&self) -> i64 {
        self.num_heads * self.d_kv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mt5_base_fields_and_defaults() {
        let config = T5Config::from_json(
            r#"{"model_type": "mt5", "vocab_size": 250112, "d_model": 768, "d_kv": 64,
                "d_ff": 2048, "num_heads": 12, "num_layers": 12, "feed_forward_proj": "gated-gelu",
                "tie_word_embeddings": false, "eos_token_id": 1, "dtype": "float32"}"#,
        )
        .unwrap();
        assert_eq!(config.num_decoder_layers, 12);
        assert_eq!(config.relative_attention_num_buckets, 32);
        assert_eq!(config.relative_attention_max_distance, 128);
        assert_eq!(config.feed_forward, FeedForward::GatedGelu);
        assert_eq!(config.decoder_start_token_id, 0);
        assert_eq!(config.eos_token_ids, vec![1]);
        assert_eq!(config.inner_dim(), 768);
    }

    #[test]
    fn original_t5_defaults_to_relu_and_tied_embeddings() {
        let config = T5Config::from_json(
            r#"{"vocab_size": 100, "d_model": 8, "d_kv": 2, "d_ff": 16, "num_heads": 4,
                "num_layers": 2, "eos_token_id": [1, 5]}"#,
        )
        .unwrap();
        assert_eq!(config.feed_forward, FeedForward::Relu);
        assert!(config.tie_word_embeddings);
        assert_eq!(config.eos_token_ids, vec![1, 5]);
    }

    #[test]
    fn rejects_other_architectures_and_activations() {
        let base = r#""vocab_size": 100, "d_model": 8, "d_kv": 2, "d_ff": 16, "num_heads": 4, "num_layers": 2"#;
        let bart = T5Config::from_json(&format!(r#"{{"model_type": "bart", {base}}}"#));
        assert!(bart.unwrap_err().contains("bart"));
        let swish = T5Config::from_json(&format!(r#"{{"feed_forward_proj": "swish", {base}}}"#));
        assert!(swish.unwrap_err().contains("swish"));
        let zero = T5Config::from_json(&format!(
            "{{{}}}",
            base.replace("\"d_kv\": 2", "\"d_kv\": 0")
        ));
        assert!(zero.unwrap_err().contains("d_kv"));
    }
}
