//! Natural language inference: P(entailment), P(neutral), P(contradiction) of
//! (premise, hypothesis) pairs, with DeBERTa-v2/mDeBERTa, XLM-R or BART-MNLI.
//!
//! The label order differs between checkpoints (mDeBERTa-xnli puts entailment
//! first, bart-large-mnli last), so labels are found by name in `config.json`'s
//! `id2label`, never by position. Pairs are tokenized with the premise
//! truncated first, sorted by length and run in padded batches; results come
//! back in input order.

use std::path::Path;

use rust_bert::bart::{BartConfig, BartForSequenceClassification};
use rust_bert::bert::BertConfig;
use rust_bert::roberta::RobertaForSequenceClassification;
use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use super::Precision;
use super::deberta_v2::{DebertaV2Config, DebertaV2ForSequenceClassification};
use super::device::{Compute, cpu_only};
use super::error::{Result, TransformerError};
use super::model_dir::{Architecture, ModelDir};
use super::tokenize::TextTokenizer;
use super::weights::SafetensorsFile;
use crate::stance::nli::NliModel;

pub use crate::stance::nli::{NliPair, NliProbs};

/// Settings of the NLI classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NliConfig {
    /// Longest pair in tokens, special tokens included; the premise is cut to
    /// fit. Default 512 (lowered to the model's position limit).
    pub max_length: usize,
    /// Pairs per forward pass. Default 16.
    pub batch_size: usize,
    /// Number format of the dense layers (`bf16`: DeBERTa-v2 models only).
    pub precision: Precision,
    /// Where the model runs: the CPU (default) or a CUDA GPU, from
    /// [`super::device::resolve`].
    #[serde(skip, default = "super::device::cpu")]
    pub device: Device,
}

impl Default for NliConfig {
    fn default() -> Self {
        NliConfig {
            max_length: 512,
            batch_size: 16,
            precision: Precision::F32,
            device: Device::Cpu,
        }
    }
}

enum Net {
    DebertaV2(DebertaV2ForSequenceClassification),
    XlmRoberta(RobertaForSequenceClassification),
    Bart(BartForSequenceClassification),
}

/// Logit positions of the three labels, read from `id2label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelIndex {
    pub entailment: i64,
    pub neutral: i64,
    pub contradiction: i64,
}

pub const NLI_ARCHITECTURES: &str = "deberta-v2, xlm-roberta, bart";

/// A loaded NLI model with its tokenizer.
pub struct NliClassifier {
    net: Net,
    _vs: VarStore,
    tokenizer: TextTokenizer,
    labels: LabelIndex,
    pad_id: i64,
    /// BART pools the last end token, so every row must hold as many.
    eos_id: i64,
    config: NliConfig,
    dir: std::path::PathBuf,
    name: String,
}

impl NliClassifier {
    /// Loads the model in `path`; `name` (e.g. `mdeberta-nli@<revision>`) is
    /// what output records name as the stance engine.
    pub fn load(path: &Path, name: &str, config: NliConfig) -> Result<NliClassifier> {
        let dir = ModelDir::open(path)?;
        let arch = dir.require(
            "NLI",
            NLI_ARCHITECTURES,
            &[
                Architecture::DebertaV2,
                Architecture::XlmRoberta,
                Architecture::Bart,
            ],
        )?;
        let labels = label_index(&dir)?;
        let weights_error = |e: rust_bert::RustBertError| TransformerError::Config {
            path: dir.config_path(),
            message: e.to_string(),
        };
        if config.precision != Precision::F32 && arch != Architecture::DebertaV2 {
            return Err(TransformerError::Config {
                path: dir.config_path(),
                message: format!(
                    "precision {} is available for DeBERTa-v2 NLI models only; this one is {}: use f32",
                    config.precision.name(),
                    dir.model_type
                ),
            });
        }
        if config.device != Device::Cpu && arch != Architecture::DebertaV2 {
            return Err(cpu_only(&dir, "DeBERTa-v2 NLI models"));
        }
        let mut vs = VarStore::new(Device::Cpu);
        let (net, positions) = match arch {
            Architecture::DebertaV2 => {
                let c: DebertaV2Config = dir.parse_config()?;
                let weights = SafetensorsFile::open(&dir.safetensors_path()?)?;
                let net = DebertaV2ForSequenceClassification::load(
                    &weights,
                    &c,
                    3,
                    Compute::new(config.precision, config.device),
                )?;
                (Net::DebertaV2(net), c.max_position_embeddings as usize)
            }
            Architecture::XlmRoberta => {
                let c: BertConfig = dir.parse_config()?;
                let net =
                    RobertaForSequenceClassification::new(vs.root(), &c).map_err(weights_error)?;
                // Positions start after the padding index (2 slots).
                (Net::XlmRoberta(net), c.max_position_embeddings as usize - 2)
            }
            Architecture::Bart => {
                let c: BartConfig = dir.parse_config()?;
                let net =
                    BartForSequenceClassification::new(vs.root(), &c).map_err(weights_error)?;
                (Net::Bart(net), c.max_position_embeddings as usize)
            }
            _ => unreachable!("require() admits only NLI architectures"),
        };
        if arch != Architecture::DebertaV2 {
            dir.load_weights(&mut vs)?;
        }
        let tokenizer = TextTokenizer::load(&dir, config.max_length.min(positions))?;
        Ok(NliClassifier {
            net,
            _vs: vs,
            tokenizer,
            labels,
            pad_id: dir.token_id("pad_token_id").unwrap_or(0),
            eos_id: dir.eos_token_ids().first().copied().unwrap_or(2),
            config,
            dir: dir.path.clone(),
            name: name.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The model directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn labels(&self) -> LabelIndex {
        self.labels
    }

    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Probabilities for every pair, in input order.
    pub fn classify(&self, pairs: &[NliPair]) -> Result<Vec<NliProbs>> {
        let texts: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| (p.premise.as_str(), p.hypothesis.as_str()))
            .collect();
        let encoded = self.tokenizer.encode_pairs(&texts)?;
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        // Longest first: similar lengths share a batch, so little padding.
        order.sort_by_key(|&i| std::cmp::Reverse(encoded[i].len()));
        let mut out: Vec<Option<NliProbs>> = vec![None; pairs.len()];
        for batch in order.chunks(self.config.batch_size.max(1)) {
            let rows: Vec<&[i64]> = batch.iter().map(|&i| encoded[i].as_slice()).collect();
            let probs = self.probabilities(&rows)?;
            for (&i, p) in batch.iter().zip(probs) {
                out[i] = Some(p);
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// Raw logits `[rows, labels]` of already tokenized, unpadded rows.
    pub fn logits(&self, rows: &[&[i64]]) -> Result<Tensor> {
        let _guard = tch::no_grad_guard();
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows.len() * width);
        let mut mask = Vec::with_capacity(rows.len() * width);
        for row in rows {
            ids.extend_from_slice(row);
            ids.extend(std::iter::repeat_n(self.pad_id, width - row.len()));
            mask.extend(std::iter::repeat_n(1i64, row.len()));
            mask.extend(std::iter::repeat_n(0i64, width - row.len()));
        }
        let shape = [rows.len() as i64, width as i64];
        let ids = Tensor::from_slice(&ids).view(shape);
        let mask = Tensor::from_slice(&mask).view(shape);
        let logits = match &self.net {
            Net::DebertaV2(net) => net.logits(&ids, &mask),
            Net::XlmRoberta(net) => {
                net.forward_t(Some(&ids), Some(&mask), None, None, None, false)
                    .logits
            }
            Net::Bart(net) => {
                let eos_counts: Vec<usize> = rows
                    .iter()
                    .map(|r| r.iter().filter(|&&id| id == self.eos_id).count())
                    .collect();
                if eos_counts.windows(2).any(|w| w[0] != w[1]) {
                    return Err(TransformerError::Inference {
                        dir: self.dir.clone(),
                        message: "a premise or hypothesis contains the end-of-sequence \
                                  token text; remove it from the input"
                            .into(),
                    });
                }
                net.forward_t(&ids, Some(&mask), None, None, None, false)
                    .decoder_output
            }
        };
        Ok(logits)
    }

    fn probabilities(&self, rows: &[&[i64]]) -> Result<Vec<NliProbs>> {
        let probs = self
            .logits(rows)?
            .softmax(-1, Kind::Double)
            .to_device(tch::Device::Cpu);
        let LabelIndex {
            entailment,
            neutral,
            contradiction,
        } = self.labels;
        Ok((0..rows.len() as i64)
            .map(|r| NliProbs {
                entailment: probs.double_value(&[r, entailment]),
                neutral: probs.double_value(&[r, neutral]),
                contradiction: probs.double_value(&[r, contradiction]),
            })
            .collect())
    }
}

impl NliModel for NliClassifier {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn predict(&self, pairs: &[NliPair]) -> anyhow::Result<Vec<NliProbs>> {
        Ok(self.classify(pairs)?)
    }
}

/// Finds the three labels by name in `id2label` (case-insensitive, prefixes
/// such as `entail`/`contradict` accepted). With exactly three logits the sum
/// of the three probabilities is 1.
pub fn label_index(dir: &ModelDir) -> Result<LabelIndex> {
    let error = |message: String| TransformerError::Labels {
        path: dir.config_path(),
        message,
    };
    let id2label = dir
        .config()
        .get("id2label")
        .and_then(|v| v.as_object())
        .ok_or_else(|| error("no id2label: this is not a classification model".into()))?;
    if id2label.len() != 3 {
        return Err(error(format!(
            "id2label has {} labels; an NLI model has entailment, neutral and contradiction",
            id2label.len()
        )));
    }
    let find = |prefix: &str| -> Result<i64> {
        let hits: Vec<i64> = id2label
            .iter()
            .filter(|(_, name)| {
                name.as_str()
                    .is_some_and(|n| n.trim().to_lowercase().starts_with(prefix))
            })
            .filter_map(|(id, _)| id.parse().ok())
            .collect();
        match hits.as_slice() {
            [id] => Ok(*id),
            _ => Err(error(format!(
                "id2label {} has no single label named {prefix}…; expected entailment, \
                 neutral and contradiction",
                serde_json::Value::Object(id2label.clone())
            ))),
        }
    };
    Ok(LabelIndex {
        entailment: find("entail")?,
        neutral: find("neutral")?,
        contradiction: find("contradict")?,
    })
}
