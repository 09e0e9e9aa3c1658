//! The network being trained: the engine's own encoder with a sequence
//! classification head ([`BertClassifier`]), made trainable in place, and
//! its weights written back under transformers' names.

use std::collections::HashMap;
use std::path::Path;

use tch::{Kind, Tensor};

use crate::transformer::bert::{BertClassifier, BertConfig, HeadInit, split_fused};
use crate::transformer::model_dir::{Architecture, ModelDir};
use crate::transformer::weights::SafetensorsFile;
use crate::transformer::{Precision, TransformerError};

use super::TrainError;
use super::output::OverlayFormat;

/// A classifier being trained.
pub struct Network {
    pub net: BertClassifier,
    /// Layers below this index are frozen (their output can be cached).
    pub first_trained_layer: usize,
    pub pad_id: i64,
    /// Whether the model reads token type ids (`type_vocab_size` > 0).
    pub uses_token_types: bool,
    /// The base's values of the trained parameters (internal names), which
    /// a delta overlay is measured against.
    base_values: Vec<(String, Tensor)>,
}

/// Names of the head [`HeadInit::Fresh`] starts anew.
pub const FRESH_HEAD_PREFIX: &str = "classifier.";

/// Which parameters train.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trainable {
    /// Everything, embeddings included.
    All,
    /// The top `k` layers, the pooler and the classifier.
    Top(usize),
}

impl Network {
    /// The base model of `dir` with a fresh 3-label head (`resume_from`: the
    /// head and every trained tensor come from a checkpoint instead).
    pub fn load(dir: &ModelDir, labels: i64, trainable: Trainable) -> Result<Network, TrainError> {
        dir.require("train stance", "bert", &[Architecture::Bert])?;
        let config: BertConfig = dir.parse_config()?;
        let weights = SafetensorsFile::open(&dir.safetensors_path()?)?;
        let net = BertClassifier::load(
            &weights,
            &config,
            Precision::F32,
            HeadInit::Fresh { labels },
        )?;
        let layers = net.encoder.num_layers();
        let first_trained_layer = match trainable {
            Trainable::All => 0,
            Trainable::Top(k) if k == 0 || k > layers => {
                return Err(TrainError::Usage(format!(
                    "--train-layers {k}: the base has {layers} layers; give 1 to {layers}"
                )));
            }
            Trainable::Top(k) => layers - k,
        };
        let mut network = Network {
            net,
            first_trained_layer,
            pad_id: dir
                .config()
                .get("pad_token_id")
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
            uses_token_types: config.type_vocab_size > 0,
            base_values: Vec::new(),
        };
        // The classifier is always fresh, whatever the base file holds.
        network.make_trainable(trainable, |name| {
            !name.starts_with(FRESH_HEAD_PREFIX)
                && split_fused(name, &Tensor::zeros([3], (Kind::Float, tch::Device::Cpu)))
                    .iter()
                    .all(|(part, _)| {
                        let bare = part.strip_prefix("bert.").unwrap_or(part);
                        weights.contains(part) || weights.contains(bare)
                    })
        });
        Ok(network)
    }

    /// Replaces every trained parameter (a view of the mapped file) by an
    /// owned copy that records gradients, and keeps the starting values of
    /// those the base file has (`in_base`) for delta overlays.
    fn make_trainable(&mut self, trainable: Trainable, in_base: impl Fn(&str) -> bool) {
        let first = self.first_trained_layer;
        let mut base_values = Vec::new();
        for (name, tensor) in self.net.parameters_mut() {
            if is_trained(&name, trainable, first) {
                let base = tensor.detach().copy();
                *tensor = base.copy().set_requires_grad(true);
                if in_base(&name) {
                    base_values.push((name, base));
                }
            }
        }
        self.base_values = base_values;
    }

    /// The trained parameters, sharing storage with the network.
    pub fn trained_parameters(&mut self) -> Vec<(String, Tensor)> {
        self.net
            .parameters_mut()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .map(|(name, t)| (name, t.shallow_clone()))
            .collect()
    }

    /// Output of the frozen layers (embeddings and layers below
    /// [`Self::first_trained_layer`]) in inference mode; no autograd.
    pub fn frozen_states(&self, ids: &Tensor, mask: &Tensor, types: Option<&Tensor>) -> Tensor {
        let _guard = tch::no_grad_guard();
        let x = self.net.encoder.embed(ids, types, false);
        self.net
            .encoder
            .run_layers(x, mask, 0..self.first_trained_layer, false)
    }

    /// Logits from the frozen layers' output.
    pub fn forward_from_states(&self, states: Tensor, mask: &Tensor, train: bool) -> Tensor {
        let layers = self.net.encoder.num_layers();
        let hidden =
            self.net
                .encoder
                .run_layers(states, mask, self.first_trained_layer..layers, train);
        self.net.head(&hidden, train)
    }

    /// Logits of token ids through the whole network.
    pub fn forward(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        types: Option<&Tensor>,
        train: bool,
    ) -> Tensor {
        self.net.forward(ids, mask, types, train)
    }

    /// Every tensor under transformers' `BertForSequenceClassification`
    /// names (`only_trained`: just the trained ones), float32, contiguous.
    pub fn state_dict(&mut self, only_trained: bool) -> Vec<(String, Tensor)> {
        let _guard = tch::no_grad_guard();
        self.net
            .parameters_mut()
            .into_iter()
            .filter(|(_, t)| !only_trained || t.requires_grad())
            .flat_map(|(name, t)| split_fused(&name, &t.detach()))
            .map(|(name, t)| (name, t.to_kind(Kind::Float).contiguous()))
            .collect()
    }

    /// Copies the trained parameters from `path` (a checkpoint written with
    /// [`save_trained`]).
    pub fn load_trained(&mut self, path: &Path) -> Result<(), TrainError> {
        let saved: HashMap<String, Tensor> = Tensor::read_safetensors(path)
            .map_err(|e| TrainError::io(path, e))?
            .into_iter()
            .collect();
        let _guard = tch::no_grad_guard();
        for (name, mut t) in self.trained_parameters() {
            let src = saved.get(&name).ok_or_else(|| TrainError::Checkpoint {
                path: path.to_path_buf(),
                message: format!("{name} is missing; the checkpoint is from another run"),
            })?;
            if src.size() != t.size() {
                return Err(TrainError::Checkpoint {
                    path: path.to_path_buf(),
                    message: format!(
                        "{name} has shape {:?}, the model {:?}",
                        src.size(),
                        t.size()
                    ),
                });
            }
            t.copy_(src);
        }
        Ok(())
    }

    /// Writes the trained parameters (internal names, fused q/k/v) to `path`.
    pub fn save_trained(&mut self, path: &Path) -> Result<(), TrainError> {
        let params = self.trained_parameters();
        let _guard = tch::no_grad_guard();
        let detached: Vec<(String, Tensor)> =
            params.into_iter().map(|(n, t)| (n, t.detach())).collect();
        Tensor::write_safetensors(&detached, path).map_err(|e| TrainError::io(path, e))
    }

    /// Rounds every trained parameter to what an overlay stored in `format`
    /// gives back when loaded.
    pub fn round_trained(&mut self, format: OverlayFormat) {
        let _guard = tch::no_grad_guard();
        let base: HashMap<String, Tensor> = self
            .base_values
            .iter()
            .map(|(n, t)| (n.clone(), t.shallow_clone()))
            .collect();
        for (name, mut t) in self.trained_parameters() {
            let rounded = match (format, base.get(&name)) {
                (OverlayFormat::Int8Delta, Some(base)) if t.dim() == 2 => {
                    let (q, scale) = quantize_delta(&t, base);
                    dequantize_delta(base, &q, &scale)
                }
                (OverlayFormat::Int8Delta, _) => t.to_kind(Kind::Half).to_kind(Kind::Float),
                (format, _) => t.to_kind(format.kind()).to_kind(Kind::Float),
            };
            t.copy_(&rounded);
        }
    }
}

/// `trained - base` as int8 with one float32 scale per row (the row's
/// largest change maps to ±127): a fine-tune's change to a matrix in a
/// quarter of float32's bytes, close to lossless because the change is small
/// next to the weights.
pub fn quantize_delta(trained: &Tensor, base: &Tensor) -> (Tensor, Tensor) {
    let delta = trained - base;
    let scale = delta
        .abs()
        .amax([1].as_slice(), true)
        .clamp_min(f64::from(f32::MIN_POSITIVE))
        / 127.0;
    let q = (&delta / &scale)
        .round()
        .clamp(-127.0, 127.0)
        .to_kind(Kind::Int8);
    (q, scale.squeeze_dim(1))
}

/// `base + q * scale` by rows: the inverse of [`quantize_delta`].
pub fn dequantize_delta(base: &Tensor, q: &Tensor, scale: &Tensor) -> Tensor {
    base + q.to_kind(Kind::Float) * scale.to_kind(Kind::Float).unsqueeze(1)
}

/// Whether parameter `name` (a `BertForSequenceClassification` name) trains.
fn is_trained(name: &str, trainable: Trainable, first_layer: usize) -> bool {
    match trainable {
        Trainable::All => true,
        Trainable::Top(_) => {
            if let Some(rest) = name.strip_prefix("bert.encoder.layer.") {
                let layer: usize = rest
                    .split('.')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                layer >= first_layer
            } else {
                !name.starts_with("bert.embeddings.")
            }
        }
    }
}

impl From<TransformerError> for TrainError {
    fn from(err: TransformerError) -> TrainError {
        TrainError::Model(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_layers_train_with_pooler_and_head_but_not_embeddings() {
        let top = Trainable::Top(2);
        assert!(is_trained(
            "bert.encoder.layer.4.output.dense.weight",
            top,
            4
        ));
        assert!(is_trained(
            "bert.encoder.layer.5.attention.self.qkv.bias",
            top,
            4
        ));
        assert!(!is_trained(
            "bert.encoder.layer.3.output.dense.weight",
            top,
            4
        ));
        assert!(!is_trained(
            "bert.embeddings.word_embeddings.weight",
            top,
            4
        ));
        assert!(is_trained("bert.pooler.dense.weight", top, 4));
        assert!(is_trained("classifier.bias", top, 4));
        assert!(is_trained(
            "bert.embeddings.LayerNorm.weight",
            Trainable::All,
            0
        ));
    }
}
