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

/// The network family, which tells the engine which rust-bert model to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Architecture {
    Mt5,
    T5,
    Bart,
    Pegasus,
    DebertaV2,
    XlmRoberta,
    Bert,
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

/// Beam-search settings for a summarizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerationSettings {
    pub num_beams: u32,
    pub min_length: u32,
    pub max_length: u32,
    pub no_repeat_ngram_size: u32,
    pub length_penalty: f64,
}

/// One model the registry knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryEntry {
    /// Short name used on the command line and in outputs.
    pub name: String,
    pub task: Task,
    pub architecture: Architecture,
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
    #[serde(default)]
    pub generation: Option<GenerationSettings>,
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

    fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() || self.name.contains(['/', '\\', '@']) {
            return Err(format!(
                "model name {:?} must be non-empty without / \\ @",
                self.name
            ));
        }
        let Some((org, repo)) = self.repo.split_once('/') else {
            return Err(format!(
                "{}: repo {:?} must be org/name",
                self.name, self.repo
            ));
        };
        if org.is_empty() || repo.is_empty() || repo.contains('/') {
            return Err(format!(
                "{}: repo {:?} must be org/name",
                self.name, self.repo
            ));
        }
        if self.revision.is_empty() || self.revision.contains(['/', '\\']) {
            return Err(format!(
                "{}: revision {:?} is not usable",
                self.name, self.revision
            ));
        }
        if self.weights.is_empty() {
            return Err(format!("{}: `weights` lists no file", self.name));
        }
        for spec in self.all_files() {
            if spec.path.is_empty()
                || spec.path.starts_with('/')
                || spec
                    .path
                    .split('/')
                    .any(|part| part == ".." || part.is_empty())
            {
                return Err(format!(
                    "{}: file path {:?} is not a plain relative path",
                    self.name, spec.path
                ));
            }
            if spec.known_sha256().is_some()
                && !(spec.sha256.len() == 64 && spec.sha256.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(format!(
                    "{}: sha256 of {} must be 64 hex digits or \"{UNVERIFIED}\"",
                    self.name, spec.path
                ));
            }
        }
        if self.task == Task::Summarize && self.generation.is_none() {
            return Err(format!(
                "{}: a summarizer needs `generation` settings",
                self.name
            ));
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
        assert_eq!(xlsum.generation.as_ref().unwrap().max_length, 84);
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
        assert!(err.to_string().contains("plain relative path"), "{err}");
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
