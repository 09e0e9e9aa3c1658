//! Where results go, and how a file is written so nothing is lost.
//!
//! Every command writes through this module:
//!
//! - [`guard::ReadPaths`] refuses an output that is one of the run's inputs;
//! - [`Destination::claim`] takes the output's lock ([`lock`]): one writer
//!   per file, a second run fails fast and names the first one's pid;
//! - [`Destination::replace`] writes a temporary file beside the output and
//!   renames it into place on [`Output::commit`], so an error or a kill
//!   leaves the old file as it was; [`Destination::append`] extends the file
//!   in place (`--resume`); [`Destination::journal`] writes a new file record
//!   by record, so an interrupted run keeps what it finished;
//! - [`records::RecordStream`] streams records as JSON lines, one JSON array
//!   or text; [`resume`] checks and repairs a file before `--resume` appends.
//!
//! `-` (or no path) is standard output, written as results come. A path that
//! is not a regular file (`/dev/null`, a pipe) is written directly too.
//! Every write error names the file.

pub mod guard;
pub mod lock;
pub mod parquet;
pub mod records;
pub mod resume;

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

pub use lock::OutputLock;

/// An output claimed for this run: the resolved path and its lock, or
/// standard output.
#[derive(Debug)]
pub struct Destination {
    target: Target,
}

#[derive(Debug)]
enum Target {
    Stdout,
    /// A regular file (existing or not), locked.
    File {
        /// As the user gave it, for messages.
        shown: PathBuf,
        /// Symbolic links resolved: the file that is replaced or extended.
        path: PathBuf,
        existed: bool,
        lock: OutputLock,
    },
    /// A device or pipe: written as it is, never replaced or locked.
    Special {
        shown: PathBuf,
    },
}

impl Destination {
    /// Claims `path` (`None` or `-`: standard output): creates its folder,
    /// resolves symbolic links and takes the lock.
    pub fn claim(path: Option<&Path>) -> anyhow::Result<Destination> {
        let Some(shown) = path.filter(|p| p.as_os_str() != "-") else {
            return Ok(Destination {
                target: Target::Stdout,
            });
        };
        let shown = shown.to_path_buf();
        match std::fs::metadata(&shown) {
            Ok(meta) if meta.is_dir() => {
                anyhow::bail!("{} is a folder; give a file name", shown.display())
            }
            Ok(meta) if !meta.is_file() => {
                return Ok(Destination {
                    target: Target::Special { shown },
                });
            }
            _ => {}
        }
        if let Some(parent) = shown.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create folder {}", parent.display()))?;
        }
        let path = guard::resolved(&shown)
            .with_context(|| format!("cannot resolve {}", shown.display()))?;
        let lock = OutputLock::acquire(&path)?;
        remove_stale_temps(&path);
        let existed = path.is_file();
        Ok(Destination {
            target: Target::File {
                shown,
                path,
                existed,
                lock,
            },
        })
    }

    /// The file, as the user named it (`None` for standard output).
    pub fn path(&self) -> Option<&Path> {
        match &self.target {
            Target::Stdout => None,
            Target::File { shown, .. } | Target::Special { shown } => Some(shown),
        }
    }

    /// Whether the output is a regular file that existed when claimed.
    pub fn exists(&self) -> bool {
        matches!(&self.target, Target::File { existed: true, .. })
    }

    /// Writes a new version of the file, put in place by [`Output::commit`].
    pub fn replace(self) -> anyhow::Result<Output> {
        match self.target {
            Target::File {
                shown,
                path,
                lock,
                existed,
            } => {
                let temp = temp_beside(&path)
                    .with_context(|| format!("cannot write {}", shown.display()))?;
                Ok(Output::file(
                    shown,
                    Sink::Replace {
                        out: BufWriter::new(temp),
                        path,
                        existed,
                    },
                    lock,
                ))
            }
            target => Destination { target }.direct(false),
        }
    }

    /// Appends to the file (created when missing).
    pub fn append(self) -> anyhow::Result<Output> {
        self.direct(true)
    }

    /// For record files that `--resume` can continue: a file that does not
    /// exist yet is written in place, record by record, so an interrupted
    /// run keeps what it finished; an existing one is replaced as by
    /// [`Destination::replace`], so it survives a failed run.
    pub fn journal(self) -> anyhow::Result<Output> {
        if self.exists() {
            self.replace()
        } else {
            self.direct(false)
        }
    }

    fn direct(self, append: bool) -> anyhow::Result<Output> {
        let open = |path: &Path, shown: &Path| {
            let mut options = OpenOptions::new();
            if append {
                options.append(true).create(true);
            } else {
                options.write(true).create(true).truncate(true);
            }
            options.open(path).with_context(|| {
                format!(
                    "cannot {} {}",
                    if append { "append to" } else { "write" },
                    shown.display()
                )
            })
        };
        match self.target {
            Target::Stdout => Ok(Output {
                shown: None,
                sink: Sink::Stdout(BufWriter::new(std::io::stdout())),
                lock: None,
            }),
            Target::File {
                shown, path, lock, ..
            } => {
                let file = open(&path, &shown)?;
                Ok(Output::file(shown, Sink::File(BufWriter::new(file)), lock))
            }
            Target::Special { shown } => {
                let file = open(&shown, &shown)?;
                Ok(Output {
                    sink: Sink::File(BufWriter::new(file)),
                    shown: Some(shown),
                    lock: None,
                })
            }
        }
    }
}

/// Temporary files are `.<name>.<random>.tmp`.
const TEMP_SUFFIX: &str = ".tmp";
const TEMP_RANDOM_LEN: usize = 8;

/// A temporary file in the folder of `path`, hidden (so folder walks skip
/// it), with the permissions `path` has, or would get when created.
fn temp_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RANDOM_LEN);
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(permissions) = permissions.clone() {
        builder.permissions(permissions);
    }
    let temp = builder.tempfile_in(dir)?;
    // The creation mode passes through the umask; an existing file's mode
    // is copied as it is.
    if let (Ok(_), Some(permissions)) = (std::fs::metadata(path), permissions) {
        temp.as_file().set_permissions(permissions)?;
    }
    Ok(temp)
}

/// Removes temporary files of `path` left by a killed run. Only called with
/// the lock held, so no live run is writing them.
fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let is_ours = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
            .is_some_and(|random| {
                random.len() == TEMP_RANDOM_LEN && random.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if is_ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    // What `File::create` asks for; the umask applies.
    Some(std::fs::Permissions::from_mode(0o666))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

/// An open output. Writes go to standard output, the file, or its temporary
/// replacement; errors name the file. Finish with [`Output::commit`]: an
/// output dropped without it leaves a replaced file as it was.
pub struct Output {
    /// The path for messages; `None` for standard output.
    shown: Option<PathBuf>,
    sink: Sink,
    /// Held until the output is committed or dropped.
    lock: Option<OutputLock>,
}

enum Sink {
    Stdout(BufWriter<std::io::Stdout>),
    File(BufWriter<File>),
    Replace {
        out: BufWriter<tempfile::NamedTempFile>,
        /// Where the temporary file goes when complete.
        path: PathBuf,
        /// Whether a file was there before.
        existed: bool,
    },
}

impl Output {
    fn file(shown: PathBuf, sink: Sink, lock: OutputLock) -> Output {
        Output {
            shown: Some(shown),
            sink,
            lock: Some(lock),
        }
    }

    /// The output's name for messages.
    pub fn name(&self) -> String {
        match &self.shown {
            Some(path) => path.display().to_string(),
            None => "standard output".to_string(),
        }
    }

    /// Whether committing replaces a file that existed before the run.
    pub fn replaces_existing(&self) -> bool {
        matches!(self.sink, Sink::Replace { existed: true, .. })
    }

    /// Flushes everything and, for a replaced file, puts the new version in
    /// place (synced first, so a crash never leaves an empty file).
    pub fn commit(mut self) -> anyhow::Result<()> {
        self.flush()?;
        let name = self.name();
        let lock = self.lock.take();
        match self.sink {
            Sink::Stdout(_) => {}
            Sink::File(out) => {
                let file = out.into_inner().map_err(|e| e.into_error())?;
                sync(&file).with_context(|| format!("cannot write {name}"))?;
            }
            Sink::Replace { out, path, .. } => {
                let temp = out.into_inner().map_err(|e| e.into_error())?;
                sync(temp.as_file()).with_context(|| format!("cannot write {name}"))?;
                temp.persist(&path)
                    .map_err(|e| e.error)
                    .with_context(|| format!("cannot put the new {name} in place"))?;
            }
        }
        drop(lock);
        Ok(())
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::Stdout(out) => out,
            Sink::File(out) => out,
            Sink::Replace { out, .. } => out,
        }
    }

    /// Adds the output's name to an I/O error, keeping its kind (a broken
    /// pipe stays recognizable).
    fn named(&self, err: std::io::Error) -> std::io::Error {
        std::io::Error::new(err.kind(), format!("cannot write {}: {err}", self.name()))
    }
}

/// Regular files are synced; devices and pipes cannot be, and need not.
fn sync(file: &File) -> std::io::Result<()> {
    match file.metadata() {
        Ok(meta) if meta.is_file() => file.sync_all(),
        _ => Ok(()),
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer().write(buf).map_err(|e| self.named(e))
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer().write_all(buf).map_err(|e| self.named(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer().flush().map_err(|e| self.named(e))
    }
}

/// Claims `path` and opens it for a new version, or standard output: the
/// usual way to write a report.
pub fn create(path: Option<&Path>) -> anyhow::Result<Output> {
    Destination::claim(path)?.replace()
}

/// True when `err` (anywhere in its chain) is a broken pipe: the reader went
/// away (`newsframe … | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_changes_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        std::fs::write(&path, "old\n").unwrap();

        let mut out = create(Some(&path)).unwrap();
        out.write_all(b"new\n").unwrap();
        out.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "temporary and lock files are removed");

        let mut out = create(Some(&path)).unwrap();
        out.write_all(b"new\n").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode_and_a_symlink_stays_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap();

        let mut out = create(Some(&link)).unwrap();
        out.write_all(b"new").unwrap();
        out.commit().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    fn temporary_files_of_a_killed_run_are_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        let out = create(Some(&path)).unwrap();
        // A killed run leaves its temporary file; forget ours the same way.
        std::mem::forget(out);
        let _ = std::fs::remove_file(dir.path().join(".report.md.lock"));
        let names = || -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names().len(), 1, "{:?}", names());
        std::fs::write(dir.path().join(".report.md.keep.tmp"), "not ours").unwrap();
        create(Some(&path)).unwrap().commit().unwrap();
        assert_eq!(names(), [".report.md.keep.tmp", "report.md"]);
    }

    #[test]
    fn a_journal_writes_a_new_file_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        let mut out = Destination::claim(Some(&path)).unwrap().journal().unwrap();
        out.write_all(b"{}\n").unwrap();
        out.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_write_error_names_the_file() {
        let mut out = create(Some(Path::new("/dev/full"))).unwrap();
        let err = out
            .write_all(&[b'x'; 1 << 16])
            .and_then(|()| out.flush())
            .unwrap_err();
        assert!(err.to_string().contains("cannot write /dev/full"), "{err}");
    }
}
