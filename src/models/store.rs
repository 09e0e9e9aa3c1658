//! [`ModelStore`]: the registry and the hub cache together. Finds installed
//! models for the engines, fetches missing ones, checks installed files.

use std::path::{Path, PathBuf};

use super::cache::HubCache;
use super::convert::{convert_pickle, python_path};
use super::digest::{FileDigest, hash_file};
use super::error::ModelError;
use super::fetch::{HubClient, HubConfig};
use super::registry::{FileSpec, Registry, RegistryEntry};
use super::trust::{Origin, TrustRecord, TrustedHash};

/// The file engines load weights from.
pub const SAFETENSORS: &str = "model.safetensors";

/// Registry + cache + hub settings.
#[derive(Debug, Clone)]
pub struct ModelStore {
    pub registry: Registry,
    pub cache: HubCache,
    pub hub: HubConfig,
    /// Python used to convert pickled checkpoints (`NEWSFRAME_PYTHON`).
    pub python: PathBuf,
}

/// Where a located model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    /// A registry entry installed in the hub cache.
    Registry,
    /// A directory given by path (a fine-tuned model, a test fixture).
    LocalDir,
}

/// A model ready to load: everything an engine needs to find its files.
#[derive(Debug, Clone)]
pub struct InstalledModel {
    /// The directory holding config.json, tokenizer files and weights
    /// (`snapshots/{commit}` in the hub cache, or the directory given).
    pub dir: PathBuf,
    /// The registry entry; `None` for a directory given by path.
    pub entry: Option<RegistryEntry>,
    /// The commit the files come from; `"local"` for a directory given by path.
    pub revision: String,
    /// `dir/model.safetensors`.
    pub weights: PathBuf,
    pub source: ModelSource,
}

impl InstalledModel {
    /// What outputs record as the model: `name@commit`, or `local:{dir}`.
    pub fn label(&self) -> String {
        match &self.entry {
            Some(entry) => format!("{}@{}", entry.name, self.revision),
            None => format!("local:{}", self.dir.display()),
        }
    }

    /// A file of the model, by its repository path (`1_Pooling/config.json`).
    pub fn file(&self, path: &str) -> PathBuf {
        let mut file = self.dir.clone();
        file.extend(path.split('/'));
        file
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.json")
    }
}

/// What `fetch` did.
#[derive(Debug, Clone)]
pub struct FetchReport {
    pub model: InstalledModel,
    /// Files downloaded in this run.
    pub downloaded: Vec<String>,
    /// Files that were already in the cache.
    pub present: Vec<String>,
    /// Whether a pickled checkpoint was converted.
    pub converted: bool,
}

/// The result of checking one installed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// Matches the registry's sha256.
    Verified,
    /// Matches the hash recorded on first use (the registry has none).
    MatchesRecord,
    /// Neither the registry nor a record has a hash to compare with.
    Unrecorded,
    Mismatch {
        expected: String,
    },
    Missing,
    /// `config.json` names another `model_type` than the entry's `architecture`.
    WrongModelType {
        found: String,
        expected: &'static str,
    },
}

/// One line of `verify`.
#[derive(Debug, Clone)]
pub struct FileCheck {
    pub path: String,
    pub status: FileStatus,
    /// sha256 of the installed file (None when missing).
    pub sha256: Option<String>,
}

impl FileCheck {
    pub fn is_failure(&self) -> bool {
        matches!(
            self.status,
            FileStatus::Mismatch { .. } | FileStatus::Missing | FileStatus::WrongModelType { .. }
        )
    }
}

/// How an installed file differs from what it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// Another size than the pinned or recorded one.
    Size { found: u64, expected: u64 },
    /// The right size but another sha256.
    Hash { found: String, expected: String },
}

impl Damage {
    /// `incomplete` for a file shorter than it should be, else `corrupt`.
    pub fn word(&self) -> &'static str {
        match self {
            Damage::Size { found, expected } if found < expected => "incomplete",
            _ => "corrupt",
        }
    }
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Damage::Size { found, expected } => {
                write!(f, "{} ({found} bytes, expected {expected})", self.word())
            }
            Damage::Hash { found, expected } => {
                write!(f, "corrupt (sha256 {found}, expected {expected})")
            }
        }
    }
}

/// The state of one installed file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Health {
    Absent,
    /// Matches its pinned or recorded size (and hash, when hashed).
    Good,
    /// Nothing to compare it with.
    Unchecked,
    Damaged(Damage),
}

/// Whether a registry model can be used, as `models list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallState {
    Installed,
    /// Some file is not there.
    Missing,
    /// A file has another size than the registry pins (or than was recorded
    /// when it was installed); `models fetch` repairs it.
    Damaged {
        file: String,
        damage: Damage,
    },
}

impl ModelStore {
    /// Registry from `NEWSFRAME_REGISTRY` or built in; cache and hub from the
    /// `HF_*` variables; Python from `NEWSFRAME_PYTHON`.
    pub fn from_env() -> Result<ModelStore, ModelError> {
        Ok(ModelStore {
            registry: Registry::from_env()?,
            cache: HubCache::from_env()?,
            hub: HubConfig::from_env(),
            python: python_path(),
        })
    }

    pub fn new(registry: Registry, cache: HubCache, hub: HubConfig) -> ModelStore {
        ModelStore {
            registry,
            cache,
            hub,
            python: python_path(),
        }
    }

    /// Find a model to load: a registry name (installed in the cache), or the
    /// path of a model directory. Touches no network.
    pub fn locate(&self, name_or_path: &str) -> Result<InstalledModel, ModelError> {
        if let Some(entry) = self.registry.get(name_or_path) {
            return self.locate_entry(entry);
        }
        let path = Path::new(name_or_path);
        if path.is_dir() {
            return locate_dir(path);
        }
        Err(self.registry.require(name_or_path).unwrap_err())
    }

    /// Whether `name` (a registry name or a model directory) can be loaded now.
    pub fn is_installed(&self, name_or_path: &str) -> bool {
        self.locate(name_or_path).is_ok()
    }

    /// The snapshot directory an entry is (or would be) installed in.
    pub fn snapshot_dir(&self, entry: &RegistryEntry) -> PathBuf {
        let commit = self
            .cache
            .resolve_revision(&entry.repo, &entry.revision)
            .unwrap_or_else(|| entry.revision.clone());
        self.cache.snapshot_dir(&entry.repo, &commit)
    }

    fn locate_entry(&self, entry: &RegistryEntry) -> Result<InstalledModel, ModelError> {
        let not_installed = || ModelError::NotInstalled {
            name: entry.name.clone(),
            dir: self.snapshot_dir(entry),
        };
        let commit = self
            .cache
            .resolve_revision(&entry.repo, &entry.revision)
            .ok_or_else(not_installed)?;
        let dir = self.cache.snapshot_dir(&entry.repo, &commit);
        let has = |spec: &FileSpec| {
            self.cache
                .snapshot_file(&entry.repo, &commit, &spec.path)
                .is_file()
        };
        if !entry.files.iter().all(has) {
            return Err(not_installed());
        }
        let weights = dir.join(SAFETENSORS);
        if !weights.is_file() {
            return Err(not_installed());
        }
        if let Some(found) = model_type_mismatch(entry, &dir) {
            return Err(ModelError::WrongModelType {
                name: entry.name.clone(),
                dir,
                found,
                expected: entry.architecture.as_str(),
            });
        }
        Ok(InstalledModel {
            dir,
            entry: Some(entry.clone()),
            revision: commit,
            weights,
            source: ModelSource::Registry,
        })
    }

    /// Download whatever of `name` the cache lacks; convert a pickled
    /// checkpoint; record first-use hashes. `notify` gets one line per event.
    pub fn fetch(
        &self,
        name: &str,
        notify: &mut dyn FnMut(String),
    ) -> Result<FetchReport, ModelError> {
        let entry = self.registry.require(name)?;
        let client = HubClient::new(self.hub.clone());
        let mut downloaded = Vec::new();
        let mut present = Vec::new();
        let mut commit = self.cache.resolve_revision(&entry.repo, &entry.revision);
        // Weights: the first candidate already here, else the first the hub has.
        let mut chosen: Option<(&FileSpec, Option<FileDigest>)> = None;
        for spec in &entry.weights {
            if self.is_usable(entry, commit.as_deref(), spec, notify)? {
                chosen = Some((spec, None));
                break;
            }
        }
        if let Some((spec, _)) = chosen {
            present.push(spec.path.clone());
        } else {
            for (i, spec) in entry.weights.iter().enumerate() {
                match client.download(&self.cache, &entry.repo, &entry.revision, spec, notify) {
                    Ok(done) => {
                        self.record_first_use(
                            entry,
                            spec,
                            &done.commit,
                            &done.digest,
                            Origin::Download,
                            done.hub_checked,
                            notify,
                        )?;
                        commit = Some(done.commit.clone());
                        downloaded.push(spec.path.clone());
                        chosen = Some((spec, Some(done.digest)));
                        break;
                    }
                    Err(ModelError::NotFound { .. }) if i + 1 < entry.weights.len() => {
                        notify(format!(
                            "{} has no {} at {}; trying {}",
                            entry.repo,
                            spec.path,
                            entry.revision,
                            entry.weights[i + 1].path
                        ));
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        let Some((weights, weights_digest)) = chosen else {
            unreachable!("the registry requires at least one weights file");
        };

        for spec in &entry.files {
            if self.is_usable(entry, commit.as_deref(), spec, notify)? {
                present.push(spec.path.clone());
                continue;
            }
            let done = client.download(&self.cache, &entry.repo, &entry.revision, spec, notify)?;
            self.record_first_use(
                entry,
                spec,
                &done.commit,
                &done.digest,
                Origin::Download,
                done.hub_checked,
                notify,
            )?;
            commit = Some(done.commit);
            downloaded.push(spec.path.clone());
        }

        let commit = commit.expect("a file was found or downloaded");
        let mut converted = false;
        if weights.is_pickle() && !self.converted_is_usable(entry, &commit, notify)? {
            self.convert_weights(entry, &commit, weights, weights_digest, notify)?;
            converted = true;
        }
        Ok(FetchReport {
            model: self.locate_entry(entry)?,
            downloaded,
            present,
            converted,
        })
    }

    /// Whether `spec` is installed at `commit` with the right size and hash
    /// (a file already here counts only then; a damaged one is fetched again).
    fn is_usable(
        &self,
        entry: &RegistryEntry,
        commit: Option<&str>,
        spec: &FileSpec,
        notify: &mut dyn FnMut(String),
    ) -> Result<bool, ModelError> {
        let Some(commit) = commit else {
            return Ok(false);
        };
        match self.health(entry, commit, &spec.path, Some(spec), true)? {
            Health::Absent => Ok(false),
            Health::Good | Health::Unchecked => Ok(true),
            Health::Damaged(damage) => {
                notify(format!(
                    "{}: the installed {} is {damage}; downloading it again",
                    entry.name, spec.path
                ));
                Ok(false)
            }
        }
    }

    /// Whether `model.safetensors` converted from a pickle is there and
    /// matches what its conversion recorded.
    fn converted_is_usable(
        &self,
        entry: &RegistryEntry,
        commit: &str,
        notify: &mut dyn FnMut(String),
    ) -> Result<bool, ModelError> {
        match self.health(entry, commit, SAFETENSORS, None, true)? {
            Health::Absent => Ok(false),
            Health::Good | Health::Unchecked => Ok(true),
            Health::Damaged(damage) => {
                notify(format!(
                    "{}: the converted {SAFETENSORS} is {damage}; converting again",
                    entry.name
                ));
                Ok(false)
            }
        }
    }

    /// The state of one installed file: its size against the pinned (else
    /// recorded) size, and with `full`, its sha256 against the pinned (else
    /// recorded) hash.
    fn health(
        &self,
        entry: &RegistryEntry,
        commit: &str,
        path: &str,
        spec: Option<&FileSpec>,
        full: bool,
    ) -> Result<Health, ModelError> {
        let file = self.cache.snapshot_file(&entry.repo, commit, path);
        let meta = match std::fs::metadata(&file) {
            Ok(meta) if meta.is_file() => meta,
            _ => return Ok(Health::Absent),
        };
        let record = TrustRecord::load(&self.cache, &entry.repo, commit).unwrap_or_default();
        let recorded = record.files.get(path);
        let size = spec
            .map(|s| s.size)
            .filter(|&s| s > 0)
            .or(recorded.map(|r| r.size));
        if let Some(size) = size
            && meta.len() != size
        {
            return Ok(Health::Damaged(Damage::Size {
                found: meta.len(),
                expected: size,
            }));
        }
        let sha256 = spec
            .and_then(FileSpec::known_sha256)
            .or(recorded.map(|r| r.sha256.as_str()));
        match (full, sha256) {
            (false, _) => Ok(if size.is_some() {
                Health::Good
            } else {
                Health::Unchecked
            }),
            (true, None) => Ok(Health::Unchecked),
            (true, Some(expected)) => {
                let digest = hash_file(&file).map_err(|e| ModelError::io(&file, e, None))?;
                Ok(if digest.sha256.eq_ignore_ascii_case(expected) {
                    Health::Good
                } else {
                    Health::Damaged(Damage::Hash {
                        found: digest.sha256,
                        expected: expected.to_string(),
                    })
                })
            }
        }
    }

    /// What `models list` shows for an entry: installed, missing, or damaged,
    /// judged by file sizes only (`verify` hashes).
    pub fn install_state(&self, entry: &RegistryEntry) -> InstallState {
        let Ok(model) = self.locate_entry(entry) else {
            return InstallState::Missing;
        };
        let commit = &model.revision;
        let weights = entry
            .weights
            .iter()
            .filter(|s| s.path != SAFETENSORS)
            .find(|s| {
                self.cache
                    .snapshot_file(&entry.repo, commit, &s.path)
                    .is_file()
            });
        let checks = std::iter::once((
            SAFETENSORS,
            entry.weights.iter().find(|s| s.path == SAFETENSORS),
        ))
        .chain(weights.map(|s| (s.path.as_str(), Some(s))))
        .chain(entry.files.iter().map(|s| (s.path.as_str(), Some(s))));
        for (path, spec) in checks {
            match self.health(entry, commit, path, spec, false) {
                Ok(Health::Damaged(damage)) => {
                    return InstallState::Damaged {
                        file: path.to_string(),
                        damage,
                    };
                }
                Err(_) => {
                    return InstallState::Missing;
                }
                Ok(_) => {}
            }
        }
        InstallState::Installed
    }

    /// Remember the hash of a file the registry has none for.
    #[allow(clippy::too_many_arguments)] // each names a different fact about the file
    pub(crate) fn record_first_use(
        &self,
        entry: &RegistryEntry,
        spec: &FileSpec,
        commit: &str,
        digest: &FileDigest,
        origin: Origin,
        hub_checked: bool,
        notify: &mut dyn FnMut(String),
    ) -> Result<(), ModelError> {
        if spec.known_sha256().is_some() {
            return Ok(());
        }
        TrustRecord::store(
            &self.cache,
            &entry.repo,
            commit,
            &spec.path,
            TrustedHash {
                sha256: digest.sha256.clone(),
                size: digest.size,
                origin,
                converted_from: None,
            },
        )?;
        notify(format!(
            "{}: {} sha256 {} recorded on first use{} (the registry pins no hash for it)",
            entry.name,
            spec.path,
            digest.sha256,
            if hub_checked {
                ", matching the hub's own id"
            } else {
                ""
            }
        ));
        Ok(())
    }

    /// Convert the pickled `weights` of an installed snapshot to model.safetensors.
    pub(crate) fn convert_weights(
        &self,
        entry: &RegistryEntry,
        commit: &str,
        weights: &FileSpec,
        weights_digest: Option<FileDigest>,
        notify: &mut dyn FnMut(String),
    ) -> Result<(), ModelError> {
        let source = self.cache.snapshot_file(&entry.repo, commit, &weights.path);
        let source_digest = match weights_digest {
            Some(d) => d,
            None => hash_file(&source).map_err(|e| ModelError::io(&source, e, None))?,
        };
        notify(format!(
            "{}: converting {} to {SAFETENSORS} with {}",
            entry.name,
            weights.path,
            self.python.display()
        ));
        let tmp = self
            .cache
            .incomplete_path(&entry.repo, &format!("converted-{}", source_digest.sha256));
        let work = self.cache.repo_dir(&entry.repo).join(".newsframe-convert");
        let result = convert_pickle(&self.python, &source, &tmp, &work);
        let _ = std::fs::remove_dir(&work);
        result?;
        let digest = hash_file(&tmp).map_err(|e| ModelError::io(&tmp, e, None))?;
        self.cache
            .install(&entry.repo, commit, SAFETENSORS, &tmp, &digest.sha256)?;
        TrustRecord::store(
            &self.cache,
            &entry.repo,
            commit,
            SAFETENSORS,
            TrustedHash {
                sha256: digest.sha256,
                size: digest.size,
                origin: Origin::Conversion,
                converted_from: Some(source_digest.sha256),
            },
        )
    }

    /// Hash every installed file of `name` and compare with the registry, or
    /// with the hash recorded on first use.
    pub fn verify(&self, name: &str) -> Result<Vec<FileCheck>, ModelError> {
        let entry = self.registry.require(name)?;
        let commit = self.cache.resolve_revision(&entry.repo, &entry.revision);
        let Some(commit) = commit else {
            return Err(ModelError::NotInstalled {
                name: entry.name.clone(),
                dir: self.snapshot_dir(entry),
            });
        };
        let record = TrustRecord::load(&self.cache, &entry.repo, &commit)?;
        let check = |path: &str, known: Option<&str>| -> Result<FileCheck, ModelError> {
            let file = self.cache.snapshot_file(&entry.repo, &commit, path);
            if !file.is_file() {
                return Ok(FileCheck {
                    path: path.to_string(),
                    status: FileStatus::Missing,
                    sha256: None,
                });
            }
            let digest = hash_file(&file).map_err(|e| ModelError::io(&file, e, None))?;
            let expected = known
                .map(|k| (k.to_string(), FileStatus::Verified))
                .or_else(|| {
                    record
                        .files
                        .get(path)
                        .map(|r| (r.sha256.clone(), FileStatus::MatchesRecord))
                });
            let status = match expected {
                Some((expected, ok)) if expected.eq_ignore_ascii_case(&digest.sha256) => ok,
                Some((expected, _)) => FileStatus::Mismatch { expected },
                None => FileStatus::Unrecorded,
            };
            Ok(FileCheck {
                path: path.to_string(),
                status,
                sha256: Some(digest.sha256),
            })
        };
        let mut checks = Vec::new();
        let present_weights: Vec<&FileSpec> = entry
            .weights
            .iter()
            .filter(|s| {
                self.cache
                    .snapshot_file(&entry.repo, &commit, &s.path)
                    .is_file()
            })
            .collect();
        if present_weights.is_empty() {
            checks.push(check(
                &entry.weights[0].path,
                entry.weights[0].known_sha256(),
            )?);
        }
        for spec in present_weights.iter().copied().chain(entry.files.iter()) {
            checks.push(check(&spec.path, spec.known_sha256())?);
        }
        let converted = record
            .files
            .get(SAFETENSORS)
            .is_some_and(|r| r.origin == Origin::Conversion);
        if converted && present_weights.iter().all(|s| s.path != SAFETENSORS) {
            checks.push(check(SAFETENSORS, None)?);
        }
        let dir = self.cache.snapshot_dir(&entry.repo, &commit);
        if let Some(found) = model_type_mismatch(entry, &dir) {
            checks.push(FileCheck {
                path: "config.json".to_string(),
                status: FileStatus::WrongModelType {
                    found,
                    expected: entry.architecture.as_str(),
                },
                sha256: None,
            });
        }
        Ok(checks)
    }

    /// Names of registry entries that are installed.
    pub fn installed_names(&self) -> Vec<&str> {
        self.registry
            .entries
            .iter()
            .filter(|e| self.locate_entry(e).is_ok())
            .map(|e| e.name.as_str())
            .collect()
    }
}

/// A model directory given by path: needs config.json and model.safetensors.
fn locate_dir(path: &Path) -> Result<InstalledModel, ModelError> {
    let bad = |reason: &str| ModelError::BadModelDir {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    if !path.join("config.json").is_file() {
        return Err(bad("it has no config.json"));
    }
    let weights = path.join(SAFETENSORS);
    if !weights.is_file() {
        if path.join("pytorch_model.bin").is_file() {
            return Err(bad(
                "it has pytorch_model.bin but no model.safetensors; convert it with \
                 `scripts/convert_pickle.py pytorch_model.bin model.safetensors`",
            ));
        }
        return Err(bad("it has no model.safetensors"));
    }
    let dir = path
        .canonicalize()
        .map_err(|e| ModelError::io(path, e, None))?;
    Ok(InstalledModel {
        weights: dir.join(SAFETENSORS),
        dir,
        entry: None,
        revision: "local".to_string(),
        source: ModelSource::LocalDir,
    })
}

/// The `model_type` of the installed `config.json` when it is not the one
/// the entry's `architecture` promises. None when they agree, or when
/// `config.json` cannot be read (the loader reports that with its own error).
fn model_type_mismatch(entry: &RegistryEntry, dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    let config: serde_json::Value = serde_json::from_str(&text).ok()?;
    let found = config.get("model_type")?.as_str()?;
    (found != entry.architecture.as_str()).then(|| found.to_string())
}
