//! The model registry: which hub repositories newsframe knows, pinned to a
//! commit, with the files each needs and their hashes.
//!
//! `models/registry.toml` is embedded in the binary; a file named by
//! `NEWSFRAME_REGISTRY` (or `models --registry FILE`) replaces it.
//!
//! ```
//! let registry = newsframe::models::Registry::embedded().unwrap();
//! let nli = registry.get("mdeberta-nli").unwrap();
//! assert_eq!(nli.task, newsframe::models::Task::Nli);
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::ModelError;
use super::untrusted;

/// The registry shipped with this build.
pub const EMBEDDED_REGISTRY: &str = include_str!("../../models/registry.toml");

/// The sha256 value that marks a hash as not known in advance.
pub const UNVERIFIED: &str = "unverified";

/// What a model is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Summarize,
    Nli,
    Embed,
    /// Target-sentiment classification (`--stance-model`).
    Stance,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Summarize => "summarize",
            Task::Nli => "nli",
            Task::Embed => "embed",
            Task::Stance => "stance",
        }
    }
}

/// The network family a registry entry promises (its `architecture` field):
/// the `model_type` its `config.json` must name. Locating or verifying an
/// installed model checks it, so that a wrong pin or a wrong file is an
/// error naming both, not a model of another kind loaded under this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelType {
    Mt5,
    T5,
    Bart,
    Pegasus,
    DebertaV2,
    XlmRoberta,
    Bert,
}

impl ModelType {
    /// The `model_type` of `config.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelType::Mt5 => "mt5",
            ModelType::T5 => "t5",
            ModelType::Bart => "bart",
            ModelType::Pegasus => "pegasus",
            ModelType::DebertaV2 => "deberta-v2",
            ModelType::XlmRoberta => "xlm-roberta",
            ModelType::Bert => "bert",
        }
    }
}

/// One file of a hub repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Path inside the repository (`/`-separated).
    pub path: String,
    /// Size in bytes; 0 when not known in advance.
    #[serde(default)]
    pub size: u64,
    /// Lowercase hex sha256, or `"unverified"`.
    pub sha256: String,
    /// Whether the hub stores the file with git LFS. Decides the blob name an
    /// import gives it (LFS: sha256, else git's blob sha1), so that the cache
    /// matches what Python's huggingface_hub writes. Defaults from the
    /// extension, as the hub's default `.gitattributes` does.
    #[serde(default)]
    pub lfs: Option<bool>,
}

impl FileSpec {
    /// The expected sha256, when the registry knows it.
    pub fn known_sha256(&self) -> Option<&str> {
        (self.sha256 != UNVERIFIED).then_some(self.sha256.as_str())
    }

    pub fn is_lfs(&self) -> bool {
        self.lfs.unwrap_or_else(|| default_lfs(&self.path))
    }

    /// A pickled PyTorch checkpoint, converted to safetensors after install.
    pub fn is_pickle(&self) -> bool {
        self.path.ends_with(".bin") || self.path.ends_with(".pt") || self.path.ends_with(".pth")
    }

    /// The file name alone (last path component).
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Extensions the hub's default `.gitattributes` sends to LFS.
fn default_lfs(path: &str) -> bool {
    const LFS_EXTENSIONS: &[&str] = &[
        "bin",
        "safetensors",
        "model",
        "h5",
        "msgpack",
        "ot",
        "onnx",
        "pt",
        "pth",
        "pb",
        "tflite",
        "zip",
        "gz",
        "arrow",
        "parquet",
    ];
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| LFS_EXTENSIONS.contains(&ext))
}

/// Decoding settings the registry sets on purpose over those the checkpoint
/// publishes (`generation_config.json`, `config.json`, its
/// `task_specific_params.summarization`). Each field left out keeps the
/// checkpoint's value; records name every override the registry made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerationSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_beams: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_repeat_ngram_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_penalty: Option<f64>,
    /// Why the registry departs from the checkpoint (for people reading it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl GenerationSettings {
    /// `name=value` of every override, comma-separated (`""` when none).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                parts.push(format!("{name}={value}"));
            }
        };
        add("num_beams", self.num_beams.map(|v| v.to_string()));
        add("min_length", self.min_length.map(|v| v.to_string()));
        add("max_length", self.max_length.map(|v| v.to_string()));
        add(
            "no_repeat_ngram_size",
            self.no_repeat_ngram_size.map(|v| v.to_string()),
        );
        add("length_penalty", self.length_penalty.map(|v| v.to_string()));
        parts.join(",")
    }

    /// Whether the registry overrides nothing.
    pub fn is_empty(&self) -> bool {
        self.describe().is_empty()
    }
}

/// One model the registry knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryEntry {
    /// Short name used on the command line and in outputs.
    pub name: String,
    pub task: Task,
    pub architecture: ModelType,
    /// Hub repository, `org/name`.
    pub repo: String,
    /// Pinned commit (40 hex digits) or a branch name.
    pub revision: String,
    pub license: String,
    /// ISO 639-1 codes of the languages the model was trained for.
    pub languages: Vec<String>,
    pub max_input_tokens: u32,
    /// Weight files in order of preference; the first the hub has is used.
    pub weights: Vec<FileSpec>,
    /// Every other file the engine needs (config, tokenizer...).
    pub files: Vec<FileSpec>,
    /// Decoding overrides; absent: the checkpoint's own settings.
    #[serde(default)]
    pub generation: Option<GenerationSettings>,
    /// Number format the published weights are stored in (`float32`,
    /// `float16`, `bfloat16`), as the hub's files show; shown by `models list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtype: Option<String>,
    /// NLI label names, in config.json `id2label` order.
    #[serde(default)]
    pub labels: Vec<String>,
}

impl RegistryEntry {
    /// `name@revision`, the label outputs record.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.revision)
    }

    /// Sum of the known sizes of the files and the preferred weights.
    pub fn known_size(&self) -> Option<u64> {
        let mut total = 0;
        for spec in self.files.iter().chain(self.weights.first()) {
            if spec.size == 0 {
                return None;
            }
            total += spec.size;
        }
        Some(total)
    }

    /// Every file spec, weights first.
    pub fn all_files(&self) -> impl Iterator<Item = &FileSpec> {
        self.weights.iter().chain(self.files.iter())
    }

    /// Whether `repo`, `revision` and every file path are safe to turn into
    /// cache paths and URLs; the message names the field and the value.
    pub fn check_paths(&self) -> Result<(), String> {
        let refuse = |field: &str, value: &str, problem: String| {
            format!("{}: {field} {value:?} is refused: {problem}", self.name)
        };
        if let Some(problem) = untrusted::repo_id_problem(&self.repo) {
            return Err(refuse("repo", &self.repo, problem));
        }
        if let Some(problem) = untrusted::revision_problem(&self.revision) {
            return Err(refuse("revision", &self.revision, problem));
        }
        for spec in self.all_files() {
            if let Some(problem) = untrusted::file_path_problem(&spec.path) {
                return Err(refuse("file path", &spec.path, problem));
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), String> {
        if self.name.is_empty()
            || self.name.contains(['/', '\\', '@'])
            || self.name.chars().any(char::is_control)
        {
            return Err(format!(
                "model name {:?} must be non-empty without / \\ @ or control characters",
                self.name
            ));
        }
        self.check_paths()?;
        if self.weights.is_empty() {
            return Err(format!("{}: `weights` lists no file", self.name));
        }
        for spec in self.all_files() {
            if spec.known_sha256().is_some()
                && !(spec.sha256.len() == 64 && spec.sha256.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(format!(
                    "{}: sha256 of {} must be 64 hex digits or \"{UNVERIFIED}\"",
                    self.name, spec.path
                ));
            }
        }
        if self.task == Task::Nli && self.labels.is_empty() {
            return Err(format!("{}: an NLI model needs `labels`", self.name));
        }
        Ok(())
    }
}

/// A model shipped in the source tree (`[[bundled]]`): an overlay directory
/// holding what a fine-tune changed in a registry model (see
/// `transformer::overlay`), small enough to commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledModel {
    pub name: String,
    pub task: Task,
    /// The registry model the overlay applies to; it must be installed.
    pub base: String,
    /// The overlay directory, relative to the repository root.
    pub path: String,
    pub license: String,
    pub languages: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    schema_version: u32,
    #[serde(rename = "model", default)]
    models: Vec<RegistryEntry>,
    #[serde(default)]
    bundled: Vec<BundledModel>,
}

/// Where a registry was read from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrySource {
    Embedded,
    File(PathBuf),
}

impl std::fmt::Display for RegistrySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistrySource::Embedded => f.write_str("the built-in registry"),
            RegistrySource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The list of known models.
#[derive(Debug, Clone)]
pub struct Registry {
    pub entries: Vec<RegistryEntry>,
    /// Models shipped in the source tree.
    pub bundled: Vec<BundledModel>,
    pub source: RegistrySource,
}

impl Registry {
    /// The registry built into the binary.
    pub fn embedded() -> Result<Registry, ModelError> {
        Registry::parse(EMBEDDED_REGISTRY, RegistrySource::Embedded)
    }

    /// A registry file replacing the built-in one.
    pub fn from_file(path: &Path) -> Result<Registry, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Registry::parse(&text, RegistrySource::File(path.to_path_buf()))
    }

    /// `NEWSFRAME_REGISTRY` when set, else the built-in registry.
    pub fn from_env() -> Result<Registry, ModelError> {
        match std::env::var_os("NEWSFRAME_REGISTRY") {
            Some(path) if !path.is_empty() => Registry::from_file(Path::new(&path)),
            _ => Registry::embedded(),
        }
    }

    pub fn parse(text: &str, source: RegistrySource) -> Result<Registry, ModelError> {
        let bad = |message: String| ModelError::BadRegistry {
            source_name: source.to_string(),
            message,
        };
        let file: RegistryFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if file.schema_version != 1 {
            return Err(bad(format!(
                "schema_version {} is not supported (this build reads 1)",
                file.schema_version
            )));
        }
        for (i, entry) in file.models.iter().enumerate() {
            entry.validate().map_err(&bad)?;
            if file.models[..i].iter().any(|e| e.name == entry.name) {
                return Err(bad(format!("model name {:?} appears twice", entry.name)));
            }
        }
        for (i, model) in file.bundled.iter().enumerate() {
            let plain = !model.path.is_empty()
                && !model.path.starts_with('/')
                && !model.path.split('/').any(|p| p == ".." || p.is_empty());
            if !plain {
                return Err(bad(format!(
                    "{}: path {:?} is not a plain relative path",
                    model.name, model.path
                )));
            }
            if file.models.iter().all(|e| e.name != model.base) {
                return Err(bad(format!(
                    "{}: base {:?} is not a [[model]] of the registry",
                    model.name, model.base
                )));
            }
            let taken = file.models.iter().any(|e| e.name == model.name)
                || file.bundled[..i].iter().any(|b| b.name == model.name);
            if taken {
                return Err(bad(format!("model name {:?} appears twice", model.name)));
            }
        }
        Ok(Registry {
            entries: file.models,
            bundled: file.bundled,
            source,
        })
    }

    /// The bundled model named `name`.
    pub fn bundled(&self, name: &str) -> Option<&BundledModel> {
        self.bundled.iter().find(|b| b.name == name)
    }

    pub fn get(&self, name: &str) -> Option<&RegistryEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// The entry named `name`, or an error listing the known names.
    pub fn require(&self, name: &str) -> Result<&RegistryEntry, ModelError> {
        self.get(name).ok_or_else(|| ModelError::UnknownModel {
            name: name.to_string(),
            known: self.names().join(", "),
        })
    }

    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_registry_parses_and_has_the_required_models() {
        let registry = Registry::embedded().unwrap();
        for name in [
            "mt5-xlsum",
            "distilbart-cnn",
            "mdeberta-nli",
            "bart-mnli",
            "minilm-multilingual",
            "minilm-l6",
        ] {
            let entry = registry.require(name).unwrap();
            assert_eq!(entry.revision.len(), 40, "{name} pins a commit");
        }
        let xlsum = registry.get("mt5-xlsum").unwrap();
        // Decoding comes from the checkpoint's config.json (length_penalty 0.6).
        assert!(xlsum.generation.as_ref().is_none_or(|g| g.is_empty()));
        assert!(xlsum.weights[0].is_pickle());
        let minilm = registry.get("minilm-l6").unwrap();
        assert_eq!(minilm.known_size(), Some(91_567_913));
    }

    #[test]
    fn bad_entries_are_refused_with_the_reason() {
        let text = r#"
schema_version = 1
[[model]]
name = "x"
task = "embed"
architecture = "bert"
repo = "no-slash"
revision = "main"
license = "mit"
languages = ["en"]
max_input_tokens = 8
weights = [{ path = "model.safetensors", sha256 = "unverified" }]
files = []
"#;
        let err = Registry::parse(text, RegistrySource::Embedded).unwrap_err();
        assert!(err.to_string().contains("org/name"), "{err}");
        let traversal = text
            .replace("no-slash", "a/b")
            .replace("model.safetensors", "../evil");
        let err = Registry::parse(&traversal, RegistrySource::Embedded).unwrap_err();
        assert!(
            err.to_string().contains("file path \"../evil\" is refused"),
            "{err}"
        );
    }

    #[test]
    fn lfs_default_follows_the_extension() {
        let spec = |path: &str| FileSpec {
            path: path.into(),
            size: 0,
            sha256: UNVERIFIED.into(),
            lfs: None,
        };
        assert!(spec("model.safetensors").is_lfs());
        assert!(spec("spiece.model").is_lfs());
        assert!(!spec("config.json").is_lfs());
    }
}
