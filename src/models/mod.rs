//! Models: the registry of pinned hub models, the Hugging Face cache they
//! live in, and fetching, importing and verifying them.
//!
//! # For engines
//!
//! ```no_run
//! use newsframe::models::ModelStore;
//!
//! let store = ModelStore::from_env()?;            // registry + HF_* environment
//! if store.is_installed("mdeberta-nli") {
//!     let model = store.locate("mdeberta-nli")?;  // no network, ever
//!     let config = model.config_path();           // {dir}/config.json
//!     let weights = &model.weights;               // {dir}/model.safetensors
//!     let tokenizer = model.file("spm.model");
//!     let entry = model.entry.as_ref().unwrap();  // task, architecture, labels, generation
//!     println!("{} loads from {}", model.label(), model.dir.display());
//! #   let _ = (config, weights, tokenizer, entry);
//! }
//! // A model directory works in place of a name (fine-tuned models, fixtures):
//! let local = store.locate("tests/fixtures/hub/repos/newsframe-test/tiny-bert")?;
//! assert!(local.entry.is_none() && local.revision == "local");
//! # Ok::<(), newsframe::models::ModelError>(())
//! ```
//!
//! [`ModelStore::locate`] takes a registry name or a directory path (a
//! registry name wins over a same-named directory: write `./name` for that) and
//! returns an [`InstalledModel`]: `dir` (holding config.json, tokenizer files
//! and `model.safetensors`, pickles already converted), `entry` (the
//! [`RegistryEntry`], `None` for a directory), `revision` (the commit, or
//! `"local"`) and `label()` (`name@commit`, what outputs record). A model that
//! is not installed gives [`ModelError::NotInstalled`], whose message tells
//! the user to run `newsframe models fetch NAME`.
//!
//! # Layout
//!
//! - [`registry`]: `models/registry.toml`, embedded; `NEWSFRAME_REGISTRY` replaces it.
//! - [`cache`]: the hub cache (`HF_HUB_CACHE`, `HF_HOME/hub`, `~/.cache/huggingface/hub`),
//!   shared with Python's huggingface_hub.
//! - [`fetch`]: downloads (`HF_ENDPOINT`, `HF_HUB_OFFLINE`, `HF_TOKEN`), resumable, checked.
//! - [`import`]: installs from a folder or a wheel/zip, offline.
//! - [`convert`]: pickled `pytorch_model.bin` to `model.safetensors`, safely.
//! - [`trust`]: hashes recorded on first use where the registry has none.
//! - [`store`]: [`ModelStore`], which ties them together; `verify` lives there.
//! - [`untrusted`]: names from servers, registries and archives, checked before
//!   they become paths and escaped before they reach a terminal.

pub mod cache;
pub mod convert;
pub mod digest;
pub mod error;
pub mod fetch;
pub mod import;
pub mod registry;
pub mod store;
pub mod trust;
pub mod untrusted;

pub use cache::HubCache;
pub use error::ModelError;
pub use fetch::{HubClient, HubConfig};
pub use import::ImportReport;
pub use registry::{
    BundledModel, FileSpec, GenerationSettings, ModelType, Registry, RegistryEntry, Task,
};
pub use store::{
    Damage, FetchReport, FileCheck, FileStatus, InstallState, InstalledModel, ModelSource,
    ModelStore,
};
