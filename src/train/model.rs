//! The network being trained: one of the engine's own encoders with a
//! sequence classification head ([`BertClassifier`],
//! [`DebertaV2ForSequenceClassification`]), made trainable in place, and its
//! weights written back under transformers' names.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use tch::{Kind, Tensor};

use crate::transformer::bert::{self, BertClassifier, BertConfig, HeadInit, Pooling};
use crate::transformer::deberta_v2::{self, DebertaV2Config, DebertaV2ForSequenceClassification};
use crate::transformer::model_dir::{Architecture, ModelDir};
use crate::transformer::weights::SafetensorsFile;
use crate::transformer::{Precision, TransformerError};

use super::TrainError;
use super::output::OverlayFormat;

/// The trainable architectures, for the error about another.
const TRAINABLE_ARCHITECTURES: &str = "bert, deberta-v2";

/// The classifier network, one arm per trainable architecture.
pub enum Classifier {
    /// `BertForSequenceClassification`; reads token types.
    Bert(BertClassifier),
    /// `DebertaV2ForSequenceClassification` (DeBERTa-v3, mDeBERTa-v3).
    DebertaV2(DebertaV2ForSequenceClassification),
}

impl Classifier {
    /// transformers' class name, for `config.json`.
    pub fn transformers_class(&self) -> &'static str {
        match self {
            Classifier::Bert(_) => "BertForSequenceClassification",
            Classifier::DebertaV2(_) => "DebertaV2ForSequenceClassification",
        }
    }

    /// What an overlay's base lacks of the classification names (its
    /// `base_prefix`): BERT bases may be bare `BertModel`s; a DeBERTa base
    /// is read under `deberta.` names, so it already has them.
    pub fn overlay_base_prefix(&self) -> &'static str {
        match self {
            Classifier::Bert(_) => "bert.",
            Classifier::DebertaV2(_) => "",
        }
    }

    fn num_layers(&self) -> usize {
        match self {
            Classifier::Bert(net) => net.encoder.num_layers(),
            Classifier::DebertaV2(net) => net.num_layers(),
        }
    }

    fn parameters_mut(&mut self) -> Vec<(String, &mut Tensor)> {
        match self {
            Classifier::Bert(net) => net.parameters_mut(),
            Classifier::DebertaV2(net) => net.parameters_mut(),
        }
    }

    /// `(name, tensor)` under transformers' names (fused projections split).
    fn transformers_tensors(&self, name: &str, tensor: &Tensor) -> Vec<(String, Tensor)> {
        match self {
            Classifier::Bert(_) => bert::split_fused(name, tensor),
            Classifier::DebertaV2(_) => deberta_v2::split_fused(name, tensor),
        }
    }

    fn embed(&self, ids: &Tensor, mask: &Tensor, types: Option<&Tensor>, train: bool) -> Tensor {
        match self {
            Classifier::Bert(net) => net.encoder.embed(ids, types, train),
            Classifier::DebertaV2(net) => net.embed(ids, mask, train),
        }
    }

    fn run_layers(&self, x: Tensor, mask: &Tensor, range: Range<usize>, train: bool) -> Tensor {
        match self {
            Classifier::Bert(net) => net.encoder.run_layers(x, mask, range, train),
            Classifier::DebertaV2(net) => net.run_layers(x, mask, range, train),
        }
    }

    fn head(&self, hidden: &Tensor, mask: &Tensor, types: &Tensor, train: bool) -> Tensor {
        match self {
            Classifier::Bert(net) => net.head(hidden, mask, Some(types), train),
            Classifier::DebertaV2(net) => net.head(hidden, train),
        }
    }
}

/// A classifier being trained.
pub struct Network {
    pub net: Classifier,
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
    pub fn load(
        dir: &ModelDir,
        labels: i64,
        trainable: Trainable,
        pooling: Pooling,
    ) -> Result<Network, TrainError> {
        let arch = dir.require(
            "train stance",
            TRAINABLE_ARCHITECTURES,
            &[Architecture::Bert, Architecture::DebertaV2],
        )?;
        let weights = SafetensorsFile::open(&dir.safetensors_path()?)?;
        let (net, uses_token_types) = match arch {
            Architecture::Bert => {
                let mut config: BertConfig = dir.parse_config()?;
                config.pooling = pooling;
                let net = BertClassifier::load(
                    &weights,
                    &config,
                    Precision::F32,
                    HeadInit::Fresh { labels },
                )?;
                (Classifier::Bert(net), config.type_vocab_size > 0)
            }
            Architecture::DebertaV2 => {
                if pooling != Pooling::Cls {
                    return Err(TrainError::Usage(format!(
                        "--pooling {}: BERT-family bases only for now; a DeBERTa-v2 base \
                         trains with --pooling cls",
                        pooling.name()
                    )));
                }
                let config: DebertaV2Config = dir.parse_config()?;
                if config.type_vocab_size > 0 {
                    // The engine's classifier refuses these (it feeds type 0 everywhere).
                    return Err(TrainError::Usage(format!(
                        "{}: a DeBERTa-v2 base with token types (type_vocab_size {}) is not \
                         supported; DeBERTa-v3 and mDeBERTa-v3 have none",
                        dir.config_path().display(),
                        config.type_vocab_size
                    )));
                }
                let net = DebertaV2ForSequenceClassification::load_fresh_head(
                    &weights,
                    &config,
                    labels,
                    tch::Device::Cpu,
                )?;
                (Classifier::DebertaV2(net), false)
            }
            _ => unreachable!("require() admits only trainable architectures"),
        };
        let layers = net.num_layers();
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
            uses_token_types,
            base_values: Vec::new(),
        };
        // Which trained tensors the base file has (a delta overlay stores
        // their change); the classifier is always fresh, whatever it holds.
        let prefix = network.net.overlay_base_prefix();
        let probe = Tensor::zeros([3], (Kind::Float, tch::Device::Cpu));
        let params: Vec<String> = network
            .net
            .parameters_mut()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let names: Vec<(String, Vec<String>)> = params
            .into_iter()
            .map(|name| {
                let parts = network
                    .net
                    .transformers_tensors(&name, &probe)
                    .into_iter()
                    .map(|(part, _)| part)
                    .collect();
                (name, parts)
            })
            .collect();
        let in_base: std::collections::HashSet<String> = names
            .into_iter()
            .filter(|(name, parts)| {
                !name.starts_with(FRESH_HEAD_PREFIX)
                    && parts.iter().all(|part| {
                        let bare = part.strip_prefix(prefix).unwrap_or(part);
                        weights.contains(part) || weights.contains(bare)
                    })
            })
            .map(|(name, _)| name)
            .collect();
        network.make_trainable(trainable, |name| in_base.contains(name));
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
        let x = self.net.embed(ids, mask, types, false);
        self.net
            .run_layers(x, mask, 0..self.first_trained_layer, false)
    }

    /// Logits from the frozen layers' output (`types`: the pair's token
    /// types, which target pooling reads).
    pub fn forward_from_states(
        &self,
        states: Tensor,
        mask: &Tensor,
        types: &Tensor,
        train: bool,
    ) -> Tensor {
        let layers = self.net.num_layers();
        let hidden = self
            .net
            .run_layers(states, mask, self.first_trained_layer..layers, train);
        self.net.head(&hidden, mask, types, train)
    }

    /// Logits of token ids through the whole network.
    pub fn forward(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        types: Option<&Tensor>,
        train: bool,
    ) -> Tensor {
        let x = self.net.embed(ids, mask, types, train);
        let hidden = self
            .net
            .run_layers(x, mask, 0..self.net.num_layers(), train);
        let no_types;
        let types = match types {
            Some(t) => t,
            None => {
                no_types = mask.zeros_like();
                &no_types
            }
        };
        self.net.head(&hidden, mask, types, train)
    }

    /// Every tensor under transformers' names (`only_trained`: just the
    /// trained ones), float32, contiguous.
    pub fn state_dict(&mut self, only_trained: bool) -> Vec<(String, Tensor)> {
        let _guard = tch::no_grad_guard();
        let tensors: Vec<(String, Tensor)> = self
            .net
            .parameters_mut()
            .into_iter()
            .filter(|(_, t)| !only_trained || t.requires_grad())
            .map(|(name, t)| (name, t.detach()))
            .collect();
        tensors
            .iter()
            .flat_map(|(name, t)| self.net.transformers_tensors(name, t))
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

/// Whether parameter `name` (a `BertForSequenceClassification` or
/// `DebertaV2ForSequenceClassification` name) trains. With `Top(k)` what sits
/// outside the layers stays frozen: the embeddings and DeBERTa's relative
/// position embeddings (with their norm), which every layer reads, so the
/// frozen layers' output can be cached.
fn is_trained(name: &str, trainable: Trainable, first_layer: usize) -> bool {
    match trainable {
        Trainable::All => true,
        Trainable::Top(_) => {
            let layer = ["bert.encoder.layer.", "deberta.encoder.layer."]
                .iter()
                .find_map(|prefix| name.strip_prefix(prefix));
            if let Some(rest) = layer {
                let layer: usize = rest
                    .split('.')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                layer >= first_layer
            } else {
                ![
                    "bert.embeddings.",
                    "deberta.embeddings.",
                    "deberta.encoder.",
                ]
                .iter()
                .any(|prefix| name.starts_with(prefix))
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

    #[test]
    fn deberta_top_layers_train_but_not_the_relative_embeddings_every_layer_reads() {
        let top = Trainable::Top(1);
        assert!(is_trained(
            "deberta.encoder.layer.1.attention.self.qkv.weight",
            top,
            1
        ));
        assert!(!is_trained(
            "deberta.encoder.layer.0.output.dense.weight",
            top,
            1
        ));
        assert!(!is_trained("deberta.encoder.rel_embeddings.weight", top, 1));
        assert!(!is_trained("deberta.encoder.LayerNorm.bias", top, 1));
        assert!(!is_trained("deberta.embeddings.LayerNorm.bias", top, 1));
        assert!(is_trained("pooler.dense.weight", top, 1));
        assert!(is_trained("classifier.weight", top, 1));
        assert!(is_trained(
            "deberta.encoder.rel_embeddings.weight",
            Trainable::All,
            0
        ));
    }
}
