//! Sentence embeddings with BERT/MiniLM encoders, computed as
//! sentence-transformers does: mean of the token states under the attention
//! mask, then L2 normalization.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::Precision;
use super::bert::{BertConfig, BertEncoder};
use super::device::{Compute, on_device_of};
use super::error::{Result, TransformerError};
use super::model_dir::{Architecture, ModelDir};
use super::tokenize::TextTokenizer;
use super::weights::SafetensorsFile;

/// Settings of the sentence embedder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbedConfig {
    /// Longest input in tokens, special tokens included. Default (`None`):
    /// `max_seq_length` of `sentence_bert_config.json`, else 256.
    pub max_length: Option<usize>,
    /// Sentences per forward pass. Default 32.
    pub batch_size: usize,
    /// Number format of the dense layers.
    pub precision: Precision,
    /// Where the model runs: the CPU (default) or a CUDA GPU, from
    /// [`super::device::resolve`].
    #[serde(skip, default = "super::device::cpu")]
    pub device: Device,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        EmbedConfig {
            max_length: None,
            batch_size: 32,
            precision: Precision::F32,
            device: Device::Cpu,
        }
    }
}

/// A loaded sentence encoder.
pub struct SentenceEmbedder {
    net: BertEncoder,
    tokenizer: TextTokenizer,
    pad_id: i64,
    batch_size: usize,
    dir: std::path::PathBuf,
}

impl SentenceEmbedder {
    pub fn load(path: &Path, config: EmbedConfig) -> Result<SentenceEmbedder> {
        let dir = ModelDir::open(path)?;
        dir.require("sentence embeddings", "bert", &[Architecture::Bert])?;
        let bert: BertConfig = dir.parse_config()?;
        let weights = SafetensorsFile::open(&dir.safetensors_path()?)?;
        let net = BertEncoder::load(
            &weights,
            &bert,
            Compute::new(config.precision, config.device),
        )?;
        let window = config
            .max_length
            .or_else(|| sentence_transformers_window(path))
            .unwrap_or(256)
            .min(bert.max_position_embeddings as usize);
        let tokenizer = TextTokenizer::load(&dir, window)?;
        Ok(SentenceEmbedder {
            net,
            tokenizer,
            pad_id: dir.token_id("pad_token_id").unwrap_or(0),
            batch_size: config.batch_size.max(1),
            dir: dir.path.clone(),
        })
    }

    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Unit-length embeddings of `sentences`, in input order.
    pub fn embed(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>> {
        let _guard = tch::no_grad_guard();
        let encoded = sentences
            .iter()
            .map(|s| self.tokenizer.encode(s))
            .collect::<Result<Vec<_>>>()?;
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encoded[i].len()));
        let mut out = vec![Vec::new(); sentences.len()];
        for batch in order.chunks(self.batch_size) {
            let width = batch.iter().map(|&i| encoded[i].len()).max().unwrap_or(0);
            let mut ids = Vec::with_capacity(batch.len() * width);
            let mut mask = Vec::with_capacity(batch.len() * width);
            for &i in batch {
                let row = &encoded[i];
                ids.extend_from_slice(row);
                ids.extend(std::iter::repeat_n(self.pad_id, width - row.len()));
                mask.extend(std::iter::repeat_n(1i64, row.len()));
                mask.extend(std::iter::repeat_n(0i64, width - row.len()));
            }
            let shape = [batch.len() as i64, width as i64];
            let ids = Tensor::from_slice(&ids).view(shape);
            let mask = Tensor::from_slice(&mask).view(shape);
            let states = self.net.encode(&ids, &mask);
            let weights = on_device_of(&mask, &states)
                .unsqueeze(-1)
                .to_kind(Kind::Float);
            let summed = (&states * &weights).sum_dim_intlist([1].as_slice(), false, Kind::Float);
            let counts = weights
                .sum_dim_intlist([1].as_slice(), false, Kind::Float)
                .clamp_min(1e-9);
            let pooled = summed / counts;
            let norms = pooled
                .norm_scalaropt_dim(2, [1].as_slice(), true)
                .clamp_min(1e-12);
            let normalized = (pooled / norms).to_device(Device::Cpu);
            for (row, &i) in batch.iter().enumerate() {
                out[i] = Vec::<f32>::try_from(normalized.get(row as i64)).map_err(|e| {
                    TransformerError::Inference {
                        dir: self.dir.clone(),
                        message: e.to_string(),
                    }
                })?;
            }
        }
        Ok(out)
    }
}

/// `max_seq_length` from sentence-transformers' `sentence_bert_config.json`.
fn sentence_transformers_window(dir: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(dir.join("sentence_bert_config.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.get("max_seq_length")?.as_u64().map(|n| n as usize)
}
