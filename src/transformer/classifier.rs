//! Target-sentiment classification: the stance of a sentence toward one
//! target in one forward pass, as negative, neutral or positive.
//!
//! The input is a sequence pair: the first segment is the sentence (the
//! mention's context), the second the target as it is written there
//! (`"Maduro"`). It is encoded with `tokenizer.json`'s pair template (token
//! type 0 for the sentence, 1 for the target where the model has token
//! types), and only the sentence is cut to fit the window (256 tokens, or
//! less when the model's positions end sooner). A pair rather than marker
//! tokens around the mention: it needs no new tokens in the vocabulary, so
//! any pretrained tokenizer and checkpoint works unchanged, and a sentence
//! that names the target twice is still one input.
//!
//! The model directory is in the Hugging Face layout: `config.json` with
//! `model_type` and an `id2label` naming the three labels `negative`,
//! `neutral` and `positive` in any order (read by name, never by position),
//! `model.safetensors` with transformers' tensor names, `tokenizer.json`.
//! An overlay directory (a small fine-tune over a registry model) is turned
//! into such a directory by [`super::overlay`].
//!
//! Pairs are sorted by length and run in padded batches; results come back
//! in input order, equal whatever the batch composition.

use std::path::Path;

use tch::{Device, Kind, Tensor};

use super::Precision;
use super::bert::{BertClassifier, BertConfig, HeadInit};
use super::deberta_v2::{DebertaV2Config, DebertaV2ForSequenceClassification};
use super::device::Compute;
use super::error::{Result, TransformerError};
use super::model_dir::{Architecture, ModelDir};
use super::tokenize::{PairIds, TextTokenizer};
use super::weights::SafetensorsFile;
use crate::record::LabelProbs;
use crate::stance::classifier::{TargetPair, TargetSentimentModel};

/// Settings of a sequence classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierConfig {
    /// Longest pair in tokens, special tokens included; the sentence is cut
    /// to fit. Default 256 (lowered to the model's position limit).
    pub max_length: usize,
    /// Pairs per forward pass. Default 32.
    pub batch_size: usize,
    /// Number format of the dense layers (`bf16`: DeBERTa-v2 models).
    pub precision: Precision,
    /// Where the model runs: the CPU (default) or a CUDA GPU, from
    /// [`super::device::resolve`].
    pub device: Device,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        ClassifierConfig {
            max_length: 256,
            batch_size: 32,
            precision: Precision::F32,
            device: Device::Cpu,
        }
    }
}

/// The architectures [`SequenceClassifier`] runs, for error messages.
pub const CLASSIFIER_ARCHITECTURES: &str = "deberta-v2, bert";

/// The networks, one arm per architecture. A new arm goes here, in
/// [`SequenceClassifier::load`] and in [`SequenceClassifier::logits`]; the
/// compiler points at each place. Token type ids for an architecture that
/// reads them are in [`PairIds::type_ids`].
enum Net {
    DebertaV2(DebertaV2ForSequenceClassification),
    /// `BertForSequenceClassification` (MiniLM fine-tunes); reads token types.
    Bert(BertClassifier),
}

/// Logit positions of the three stance labels, read from `id2label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StanceLabelIndex {
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
}

/// A loaded target-sentiment classifier with its tokenizer.
pub struct SequenceClassifier {
    net: Net,
    tokenizer: TextTokenizer,
    labels: StanceLabelIndex,
    pad_id: i64,
    config: ClassifierConfig,
    name: String,
}

impl SequenceClassifier {
    /// Loads the model in `path`; `name` (e.g. `newsmtsc-minilm-l6@<revision>`)
    /// is what output records name as the stance engine.
    pub fn load(path: &Path, name: &str, config: ClassifierConfig) -> Result<SequenceClassifier> {
        let dir = ModelDir::open(path)?;
        let arch = dir.require(
            "target-sentiment classification",
            CLASSIFIER_ARCHITECTURES,
            &[Architecture::DebertaV2, Architecture::Bert],
        )?;
        let labels = stance_label_index(&dir)?;
        let compute = Compute::new(config.precision, config.device);
        let (net, positions) = match arch {
            Architecture::DebertaV2 => {
                let c: DebertaV2Config = dir.parse_config()?;
                if c.type_vocab_size > 0 {
                    // The encoder adds the type-0 embedding to every token,
                    // which is not what transformers computes for a pair.
                    return Err(TransformerError::Config {
                        path: dir.config_path(),
                        message: format!(
                            "a DeBERTa-v2 classifier with token types (type_vocab_size {}) is \
                             not supported; DeBERTa-v3 and mDeBERTa-v3 have none",
                            c.type_vocab_size
                        ),
                    });
                }
                let weights = SafetensorsFile::open(&dir.safetensors_path()?)?;
                let net = DebertaV2ForSequenceClassification::load(&weights, &c, 3, compute)?;
                (Net::DebertaV2(net), c.max_position_embeddings as usize)
            }
            Architecture::Bert => {
                let c: BertConfig = dir.parse_config()?;
                let weights = SafetensorsFile::open(&dir.safetensors_path()?)?;
                let net = BertClassifier::load(&weights, &c, compute, HeadInit::Checkpoint)?;
                (Net::Bert(net), c.max_position_embeddings as usize)
            }
            _ => unreachable!("require() admits only classifier architectures"),
        };
        let tokenizer = TextTokenizer::load(&dir, config.max_length.min(positions))?;
        Ok(SequenceClassifier {
            net,
            tokenizer,
            labels,
            pad_id: dir.token_id("pad_token_id").unwrap_or(0),
            config,
            name: name.to_string(),
        })
    }

    /// `name@revision` (with `+bf16` when the caller named it so).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn labels(&self) -> StanceLabelIndex {
        self.labels
    }

    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Label probabilities of every (sentence, target) pair, in input order.
    pub fn classify(&self, pairs: &[(&str, &str)]) -> Result<Vec<LabelProbs>> {
        let encoded = self.tokenizer.encode_pairs_typed(pairs)?;
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        // Longest first: similar lengths share a batch, so little padding.
        order.sort_by_key(|&i| std::cmp::Reverse(encoded[i].ids.len()));
        let mut out: Vec<Option<LabelProbs>> = vec![None; pairs.len()];
        for batch in order.chunks(self.config.batch_size.max(1)) {
            let rows: Vec<&PairIds> = batch.iter().map(|&i| &encoded[i]).collect();
            let probs = self
                .logits(&rows)?
                .softmax(-1, Kind::Double)
                .to_device(Device::Cpu);
            for (r, &i) in batch.iter().enumerate() {
                let p = |label: i64| probs.double_value(&[r as i64, label]);
                out[i] = Some(LabelProbs {
                    positive: p(self.labels.positive),
                    neutral: p(self.labels.neutral),
                    negative: p(self.labels.negative),
                });
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// Raw logits `[rows, 3]` of already tokenized, unpadded pairs.
    pub fn logits(&self, rows: &[&PairIds]) -> Result<Tensor> {
        let _guard = tch::no_grad_guard();
        let width = rows.iter().map(|r| r.ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows.len() * width);
        let mut mask = Vec::with_capacity(rows.len() * width);
        let mut types = Vec::with_capacity(rows.len() * width);
        for row in rows {
            let pad = width - row.ids.len();
            ids.extend_from_slice(&row.ids);
            ids.extend(std::iter::repeat_n(self.pad_id, pad));
            mask.extend(std::iter::repeat_n(1i64, row.ids.len()));
            mask.extend(std::iter::repeat_n(0i64, pad));
            types.extend_from_slice(&row.type_ids);
            types.extend(std::iter::repeat_n(0i64, width - row.type_ids.len()));
        }
        let shape = [rows.len() as i64, width as i64];
        let ids = Tensor::from_slice(&ids).view(shape);
        let mask = Tensor::from_slice(&mask).view(shape);
        let logits = match &self.net {
            Net::DebertaV2(net) => net.logits(&ids, &mask),
            Net::Bert(net) => {
                let types = Tensor::from_slice(&types).view(shape);
                net.logits(&ids, &mask, Some(&types))
            }
        };
        Ok(logits)
    }
}

impl TargetSentimentModel for SequenceClassifier {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn predict(&self, pairs: &[TargetPair]) -> anyhow::Result<Vec<LabelProbs>> {
        let texts: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| (p.sentence.as_str(), p.target.as_str()))
            .collect();
        Ok(self.classify(&texts)?)
    }
}

/// Finds `negative`, `neutral` and `positive` by name in `id2label`
/// (case-insensitive); a model lacking one, or with other labels, is refused.
pub fn stance_label_index(dir: &ModelDir) -> Result<StanceLabelIndex> {
    let error = |message: String| TransformerError::Labels {
        path: dir.config_path(),
        message,
    };
    let id2label = dir
        .config()
        .get("id2label")
        .and_then(|v| v.as_object())
        .ok_or_else(|| error("no id2label: this is not a classification model".into()))?;
    let shown = serde_json::Value::Object(id2label.clone());
    if id2label.len() != 3 {
        return Err(error(format!(
            "id2label {shown} has {} labels; a stance classifier has exactly negative, \
             neutral and positive",
            id2label.len()
        )));
    }
    let find = |name: &str| -> Result<i64> {
        let hits: Vec<i64> = id2label
            .iter()
            .filter(|(_, label)| {
                label
                    .as_str()
                    .is_some_and(|l| l.trim().eq_ignore_ascii_case(name))
            })
            .filter_map(|(id, _)| id.parse().ok())
            .filter(|id| (0..3).contains(id))
            .collect();
        match hits.as_slice() {
            [id] => Ok(*id),
            _ => Err(error(format!(
                "id2label {shown} has no label named {name:?}; a stance classifier names its \
                 labels negative, neutral and positive (in any order)"
            ))),
        }
    };
    Ok(StanceLabelIndex {
        negative: find("negative")?,
        neutral: find("neutral")?,
        positive: find("positive")?,
    })
}
