//! The Hugging Face hub cache on disk, in the layout Python's huggingface_hub
//! uses, so that a model downloaded by either is found by the other:
//!
//! ```text
//! {HF_HUB_CACHE}/models--{org}--{name}/
//!     blobs/{etag}                      file contents (sha256 for LFS files, git sha1 else)
//!     refs/{branch}                     commit the branch pointed to
//!     snapshots/{commit}/{path}         symlink to ../../blobs/{etag}
//! ```
//!
//! The root is `HF_HUB_CACHE`, else `HF_HOME/hub`, else
//! `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::error::ModelError;

/// A hub cache directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubCache {
    root: PathBuf,
}

impl HubCache {
    pub fn new(root: impl Into<PathBuf>) -> HubCache {
        HubCache { root: root.into() }
    }

    /// The cache the environment names, as huggingface_hub resolves it.
    pub fn from_env() -> Result<HubCache, ModelError> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(cache) = var("HF_HUB_CACHE") {
            return Ok(HubCache::new(cache));
        }
        if let Some(home) = var("HF_HOME") {
            return Ok(HubCache::new(home.join("hub")));
        }
        if let Some(xdg) = var("XDG_CACHE_HOME") {
            return Ok(HubCache::new(xdg.join("huggingface").join("hub")));
        }
        let home = var("HOME")
            .or_else(|| var("USERPROFILE"))
            .ok_or(ModelError::NoCacheDir)?;
        Ok(HubCache::new(
            home.join(".cache").join("huggingface").join("hub"),
        ))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `models--{org}--{name}` for `org/name`.
    pub fn repo_dir(&self, repo: &str) -> PathBuf {
        self.root
            .join(format!("models--{}", repo.replace('/', "--")))
    }

    pub fn blob_path(&self, repo: &str, blob: &str) -> PathBuf {
        self.repo_dir(repo).join("blobs").join(blob)
    }

    /// Where a download of `blob` accumulates until it is checked.
    pub fn incomplete_path(&self, repo: &str, blob: &str) -> PathBuf {
        self.repo_dir(repo)
            .join("blobs")
            .join(format!("{blob}.incomplete"))
    }

    pub fn snapshot_dir(&self, repo: &str, commit: &str) -> PathBuf {
        self.repo_dir(repo).join("snapshots").join(commit)
    }

    pub fn snapshot_file(&self, repo: &str, commit: &str, path: &str) -> PathBuf {
        let mut file = self.snapshot_dir(repo, commit);
        file.extend(path.split('/'));
        file
    }

    /// The commit a revision names: itself when it is a commit id, else what
    /// `refs/{revision}` records (None when nothing was downloaded yet).
    pub fn resolve_revision(&self, repo: &str, revision: &str) -> Option<String> {
        if super::digest::is_hex_id(revision, 40) {
            return Some(revision.to_string());
        }
        let text = fs::read_to_string(self.repo_dir(repo).join("refs").join(revision)).ok()?;
        let commit = text.trim();
        super::digest::is_hex_id(commit, 40).then(|| commit.to_string())
    }

    /// Record that branch `name` points at `commit`.
    pub fn write_ref(&self, repo: &str, name: &str, commit: &str) -> Result<(), ModelError> {
        let path = self.repo_dir(repo).join("refs").join(name);
        create_parent(&path)?;
        fs::write(&path, commit).map_err(|e| ModelError::io(&path, e, None))
    }

    /// Move a checked file into `blobs/{blob}` (atomically: a rename in the
    /// same directory) and link `snapshots/{commit}/{path}` to it.
    pub fn install(
        &self,
        repo: &str,
        commit: &str,
        path: &str,
        checked: &Path,
        blob: &str,
    ) -> Result<PathBuf, ModelError> {
        let blob_path = self.blob_path(repo, blob);
        create_parent(&blob_path)?;
        fs::rename(checked, &blob_path).map_err(|e| ModelError::io(&blob_path, e, None))?;
        self.link(repo, commit, path, blob)
    }

    /// Point `snapshots/{commit}/{path}` at an existing blob.
    pub fn link(
        &self,
        repo: &str,
        commit: &str,
        path: &str,
        blob: &str,
    ) -> Result<PathBuf, ModelError> {
        let link = self.snapshot_file(repo, commit, path);
        create_parent(&link)?;
        // ../../blobs/{blob}, one more `..` per directory inside the repo path.
        let depth = path.matches('/').count();
        let mut target = PathBuf::new();
        for _ in 0..depth + 2 {
            target.push("..");
        }
        target.push("blobs");
        target.push(blob);
        match fs::symlink_metadata(&link) {
            Ok(_) => fs::remove_file(&link).map_err(|e| ModelError::io(&link, e, None))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(ModelError::io(&link, e, None)),
        }
        make_link(&target, &self.blob_path(repo, blob), &link)
            .map_err(|e| ModelError::io(&link, e, None))?;
        Ok(link)
    }
}

#[cfg(unix)]
fn make_link(relative_target: &Path, _blob: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(relative_target, link)
}

// Where symlinks are not allowed, huggingface_hub copies the blob too.
#[cfg(not(unix))]
fn make_link(_relative_target: &Path, blob: &Path, link: &Path) -> io::Result<()> {
    fs::copy(blob, link).map(|_| ())
}

pub(crate) fn create_parent(path: &Path) -> Result<(), ModelError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| ModelError::io(parent, e, None))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_huggingface_hub() {
        let cache = HubCache::new("/c");
        assert_eq!(
            cache.snapshot_file("org/model", "abc", "1_Pooling/config.json"),
            Path::new("/c/models--org--model/snapshots/abc/1_Pooling/config.json")
        );
        assert_eq!(
            cache.blob_path("org/model", "e1"),
            Path::new("/c/models--org--model/blobs/e1")
        );
    }

    #[cfg(unix)]
    #[test]
    fn install_links_snapshot_files_to_blobs_relatively() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HubCache::new(dir.path());
        let tmp = dir.path().join("tmp");
        fs::write(&tmp, b"{}").unwrap();
        let link = cache
            .install("o/m", "c0", "1_Pooling/config.json", &tmp, "b1")
            .unwrap();
        assert_eq!(
            fs::read_link(&link).unwrap(),
            Path::new("../../../blobs/b1")
        );
        assert_eq!(fs::read(&link).unwrap(), b"{}");
    }
}
