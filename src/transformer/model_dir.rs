//! A Hugging Face model directory: its `config.json`, the architecture named by
//! `model_type`, the weights file, and the special token ids generation needs.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;
use tch::nn::VarStore;

use super::error::{Result, TransformerError};
use super::weights::SafetensorsFile;

/// The architectures the engine runs, keyed by `config.json`'s `model_type`.
/// Adding one is one arm here plus one arm in the loader of its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// `t5` and `mt5` (mT5 differs only in config values).
    T5,
    Bart,
    Pegasus,
    /// `deberta-v2`, which covers DeBERTa-v3 and mDeBERTa-v3.
    DebertaV2,
    XlmRoberta,
    /// `bert`, which covers MiniLM sentence encoders.
    Bert,
}

impl Architecture {
    pub fn from_model_type(model_type: &str) -> Option<Architecture> {
        Some(match model_type {
            "t5" | "mt5" => Architecture::T5,
            "bart" => Architecture::Bart,
            "pegasus" => Architecture::Pegasus,
            "deberta-v2" => Architecture::DebertaV2,
            "xlm-roberta" => Architecture::XlmRoberta,
            "bert" => Architecture::Bert,
            _ => return None,
        })
    }
}

/// An opened model directory with its parsed `config.json`.
#[derive(Debug, Clone)]
pub struct ModelDir {
    pub path: PathBuf,
    pub model_type: String,
    pub architecture: Option<Architecture>,
    config: Value,
    /// `generation_config.json`, when the directory has one; it wins over
    /// `config.json` for token ids, as in transformers.
    generation: Option<Value>,
}

impl ModelDir {
    pub fn open(path: &Path) -> Result<ModelDir> {
        let config_path = path.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                TransformerError::MissingFile {
                    dir: path.to_path_buf(),
                    what: "config.json".into(),
                }
            } else {
                TransformerError::Io {
                    path: config_path.clone(),
                    source,
                }
            }
        })?;
        let config: Value = serde_json::from_str(&text).map_err(|e| TransformerError::Config {
            path: config_path.clone(),
            message: e.to_string(),
        })?;
        let model_type = config
            .get("model_type")
            .and_then(Value::as_str)
            .ok_or_else(|| TransformerError::Config {
                path: config_path.clone(),
                message: "no \"model_type\" field".into(),
            })?
            .to_string();
        Ok(ModelDir {
            path: path.to_path_buf(),
            architecture: Architecture::from_model_type(&model_type),
            model_type,
            config,
            generation: std::fs::read_to_string(path.join("generation_config.json"))
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok()),
        })
    }

    pub fn config_path(&self) -> PathBuf {
        self.path.join("config.json")
    }

    /// The raw `config.json`.
    pub fn config(&self) -> &Value {
        &self.config
    }

    /// `config.json` parsed as a config struct (the own networks' or rust-bert's).
    pub fn parse_config<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.config.clone()).map_err(|e| TransformerError::Config {
            path: self.config_path(),
            message: e.to_string(),
        })
    }

    /// An integer field of `generation_config.json` (if present) or `config.json`.
    pub fn token_id(&self, key: &str) -> Option<i64> {
        self.generation_value(key).and_then(Value::as_i64)
    }

    /// Token ids that end a sequence: `eos_token_id` may be one id or a list.
    pub fn eos_token_ids(&self) -> Vec<i64> {
        match self.generation_value("eos_token_id") {
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
            Some(value) => value.as_i64().into_iter().collect(),
            None => Vec::new(),
        }
    }

    /// A field of `generation_config.json` (if present), else of `config.json`.
    pub fn generation_value(&self, key: &str) -> Option<&Value> {
        let present = |v: &&Value| !v.is_null();
        self.generation
            .as_ref()
            .and_then(|g| g.get(key).filter(present))
            .or_else(|| self.config.get(key).filter(present))
    }

    /// `config.json`'s `task_specific_params.summarization`, which
    /// transformers' summarization pipeline lays over the generation settings.
    pub fn summarization_params(&self) -> Option<&serde_json::Map<String, Value>> {
        self.config
            .get("task_specific_params")?
            .get("summarization")?
            .as_object()
    }

    /// The architecture, or an error saying which task cannot use this model.
    pub fn require(
        &self,
        task: &'static str,
        supported: &'static str,
        allowed: &[Architecture],
    ) -> Result<Architecture> {
        match self.architecture {
            Some(arch) if allowed.contains(&arch) => Ok(arch),
            _ => Err(TransformerError::UnsupportedArchitecture {
                dir: self.path.clone(),
                model_type: self.model_type.clone(),
                task,
                supported,
            }),
        }
    }

    /// The path of `model.safetensors`, or an error saying what is there instead.
    pub fn safetensors_path(&self) -> Result<PathBuf> {
        let weights = self.path.join("model.safetensors");
        if weights.is_file() {
            return Ok(weights);
        }
        let what = if self.path.join("pytorch_model.bin").is_file() {
            "model.safetensors (only pytorch_model.bin is there: run `newsframe models \
             import` on the folder to convert it, or transformers' \
             save_pretrained(safe_serialization=True))"
        } else {
            "model.safetensors"
        };
        Err(TransformerError::MissingFile {
            dir: self.path.clone(),
            what: what.into(),
        })
    }

    /// Loads `model.safetensors` into `vs`, whose variables must all be present.
    pub fn load_weights(&self, vs: &mut VarStore) -> Result<()> {
        let weights = self.safetensors_path()?;
        // Reading each tensor straight into its variable keeps the peak near
        // one copy of the model; `VarStore::load` holds about three. Files it
        // cannot stream (other dtypes, names the model lacks) take that path.
        if stream_f32_weights(vs, &weights)? {
            return Ok(());
        }
        vs.load(&weights).map_err(|e| TransformerError::Weights {
            path: weights,
            message: e.to_string(),
        })
    }
}

/// Fills every variable of `vs` from a safetensors file by positioned reads
/// (float16/bfloat16 tensors widened one at a time), when every variable is a
/// float32 variable stored in the file as a floating-point tensor of its shape.
/// Returns `Ok(false)`, having written nothing, when that is not so.
fn stream_f32_weights(vs: &VarStore, path: &Path) -> Result<bool> {
    let weights = SafetensorsFile::open(path)?;
    let variables = vs.variables();
    let streamable = variables.iter().all(|(name, var)| {
        weights.is_float(name, &var.size())
            && var.kind() == tch::Kind::Float
            && var.device() == tch::Device::Cpu
            && var.is_contiguous()
    });
    if !streamable {
        return Ok(false);
    }
    for (name, var) in &variables {
        weights.read_f32_into(name, var)?;
    }
    Ok(true)
}
