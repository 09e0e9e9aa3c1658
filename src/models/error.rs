//! The typed errors of model management, each saying what to do about it.

use std::path::PathBuf;

/// Everything that can go wrong finding, fetching, importing or checking a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{source_name}: bad model registry: {message}")]
    BadRegistry {
        source_name: String,
        message: String,
    },

    #[error(
        "unknown model {name:?}; known models: {known} (or give the path of a model directory)"
    )]
    UnknownModel { name: String, known: String },

    #[error(
        "model {name} is not installed (expected in {dir}); run `newsframe models fetch {name}`, \
         or `newsframe models import PATH` where the hub is not reachable"
    )]
    NotInstalled { name: String, dir: PathBuf },

    #[error(
        "model {name}: {dir}/config.json has model_type {found:?}, but the registry entry \
         says architecture = \"{expected}\"; correct the entry (NEWSFRAME_REGISTRY) or \
         install the right files with `newsframe models fetch {name}`"
    )]
    WrongModelType {
        name: String,
        dir: PathBuf,
        found: String,
        expected: &'static str,
    },

    #[error("{path}: not a usable model directory: {reason}")]
    BadModelDir { path: PathBuf, reason: String },

    #[error(
        "{file} of {repo}@{revision} is not in the local cache and HF_HUB_OFFLINE is set; \
         unset HF_HUB_OFFLINE to download it, or install it with `newsframe models import PATH`"
    )]
    Offline {
        repo: String,
        revision: String,
        file: String,
    },

    #[error(
        "could not reach {url}: {reason}; check the network or HF_ENDPOINT, or install the model \
         with `newsframe models import PATH`"
    )]
    Network { url: String, reason: String },

    #[error("access to {repo} was refused (HTTP {status}) at {url}; {hint}")]
    AccessDenied {
        repo: String,
        url: String,
        status: u16,
        hint: String,
    },

    #[error(
        "not found (HTTP 404): file {file} in repository {repo} at revision {revision} ({url})"
    )]
    NotFound {
        repo: String,
        revision: String,
        file: String,
        url: String,
    },

    #[error("unexpected HTTP {status} from {url} while fetching {file} of {repo}{said}")]
    HttpStatus {
        repo: String,
        file: String,
        url: String,
        status: u16,
        /// `; the server says: …` (escaped), or empty.
        said: String,
    },

    #[error(
        "the hub served {repo} at commit {served} but the registry pins {pinned}; \
         nothing was installed"
    )]
    RevisionMismatch {
        repo: String,
        pinned: String,
        served: String,
    },

    #[error(
        "checksum mismatch for {file} of {repo}: expected {expected}, got {actual}; \
         nothing was installed (a corrupted download or a changed file: fetch again, or check the source)"
    )]
    ChecksumMismatch {
        repo: String,
        file: String,
        expected: String,
        actual: String,
    },

    #[error(
        "{path}: the disk is full; free at least {needed} and run the command again \
         (a partial download is kept and resumes)"
    )]
    DiskFull { path: PathBuf, needed: String },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: cannot read archive: {reason}")]
    BadArchive { path: PathBuf, reason: String },

    #[error("{path}: {reason}")]
    ImportMismatch { path: PathBuf, reason: String },

    #[error("{file}: conversion to safetensors failed: {reason}")]
    Conversion { file: PathBuf, reason: String },

    #[error("{field} {value:?} is refused: {problem}; nothing was written")]
    Refused {
        /// What the value is and where it came from.
        field: String,
        value: String,
        problem: String,
    },

    #[error(
        "{file} of {repo}: the hub announces {announced} bytes but the registry pins {pinned}; \
         nothing was downloaded (the file changed on the hub, or the registry entry is wrong)"
    )]
    SizeMismatch {
        repo: String,
        file: String,
        pinned: u64,
        announced: u64,
    },

    #[error(
        "{file} of {repo}: the server sent more than {limit} bytes ({why}); the download was \
         stopped and nothing was installed"
    )]
    TooLarge {
        repo: String,
        file: String,
        limit: u64,
        why: String,
    },

    #[error("no home directory to put the model cache in; set HF_HOME or HF_HUB_CACHE")]
    NoCacheDir,
}

impl ModelError {
    /// An io error at `path`, turning a full disk into the error that says so.
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        source: std::io::Error,
        needed: Option<u64>,
    ) -> ModelError {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::StorageFull {
            return ModelError::DiskFull {
                path,
                needed: needed.map_or_else(|| "the size of the model".to_string(), human_size),
            };
        }
        ModelError::Io { path, source }
    }
}

/// Bytes as a short human-readable size (1000-based, as the hub shows sizes).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
