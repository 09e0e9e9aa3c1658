//! Hashes recorded on first use, for registry files whose sha256 is
//! `"unverified"` and for weights converted from pickles.
//!
//! Stored beside the cached repository, in
//! `models--{org}--{name}/.newsframe-hashes/{commit}.json` (huggingface_hub
//! only reads `blobs/`, `refs/` and `snapshots/`, so it ignores this), so a
//! record lives and dies with the files it describes.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::cache::{HubCache, create_parent};
use super::error::ModelError;

/// How a recorded hash was first seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Downloaded from the hub (checked against the hub's LFS id when it sent one).
    Download,
    /// Installed by `models import`.
    Import,
    /// Written by converting a pickled checkpoint.
    Conversion,
}

/// One recorded file hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedHash {
    pub sha256: String,
    pub size: u64,
    pub origin: Origin,
    /// For conversions: the sha256 of the pickle it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_from: Option<String>,
}

/// The hashes recorded for one repository at one commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustRecord {
    pub files: BTreeMap<String, TrustedHash>,
}

fn record_path(cache: &HubCache, repo: &str, commit: &str) -> PathBuf {
    cache
        .repo_dir(repo)
        .join(".newsframe-hashes")
        .join(format!("{commit}.json"))
}

impl TrustRecord {
    /// The record for `repo@commit`; empty when none was written yet.
    pub fn load(cache: &HubCache, repo: &str, commit: &str) -> Result<TrustRecord, ModelError> {
        let path = record_path(cache, repo, commit);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| ModelError::Io {
                path,
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TrustRecord::default()),
            Err(e) => Err(ModelError::io(path, e, None)),
        }
    }

    /// Add or replace one file's hash and write the record back.
    pub fn store(
        cache: &HubCache,
        repo: &str,
        commit: &str,
        file: &str,
        hash: TrustedHash,
    ) -> Result<(), ModelError> {
        let mut record = TrustRecord::load(cache, repo, commit)?;
        record.files.insert(file.to_string(), hash);
        let path = record_path(cache, repo, commit);
        create_parent(&path)?;
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&record).expect("a map of strings serializes");
        fs::write(&tmp, text).map_err(|e| ModelError::io(&tmp, e, None))?;
        fs::rename(&tmp, &path).map_err(|e| ModelError::io(&path, e, None))
    }
}
