//! Readers: files, directories, JSONL and stdin in, [`RawArticle`]s out.
//!
//! The format is chosen by extension: `.txt`/`.md` (plain text with optional
//! front matter and wire header, see [`txt`]), `.html`/`.htm` (see [`html`]),
//! `.jsonl`/`.json` (see [`jsonl`]). Directories are walked recursively in
//! sorted order, so runs are deterministic; hidden files and README,
//! LICENSE or CHANGELOG files are skipped there. `-` reads stdin as text, or as
//! JSONL with `--stdin-format jsonl`.
//!
//! Reading never stops at the first bad input: [`read_inputs`] yields one
//! `Result` per article, and an error names the file (and line, for JSONL).
//!
//! ```no_run
//! use newsframe::input::{read_inputs, InputConfig};
//!
//! for item in read_inputs(&["data/samples".into()], &InputConfig::default()) {
//!     match item {
//!         Ok(raw) => println!("{} {:?}", raw.origin, raw.meta.title),
//!         Err(err) => eprintln!("{err}"),
//!     }
//! }
//! ```

pub mod decode;
pub mod html;
pub mod jsonl;
pub mod txt;

use std::path::{Path, PathBuf};

use crate::article::{Origin, RawArticle};

/// Default of [`InputConfig::max_article_bytes`]: 10 MB, a hundred times a
/// long news article (a book is about 1 MB).
pub const DEFAULT_MAX_ARTICLE_BYTES: u64 = 10_000_000;

/// How inputs are read. Defaults suit the project's own formats.
#[derive(Debug, Clone)]
pub struct InputConfig {
    /// JSON field names (defaults: text, title, source, date, url, lang, id).
    pub fields: jsonl::FieldMap,
    /// Outlet name for every article that does not name its own.
    pub source: Option<String>,
    /// Take the outlet from the name of the folder that holds each file.
    pub source_from_dir: bool,
    /// Format of stdin (`-`): text by default.
    pub stdin_format: StdinFormat,
    /// An article (a `.txt`/`.html` file, stdin, or one JSONL record's
    /// text) larger than this many bytes is refused with an error of its
    /// own and the batch goes on; 0 means no limit. Default
    /// [`DEFAULT_MAX_ARTICLE_BYTES`]. Such an input is a dump or a book,
    /// not an article, and every later stage grows with its size.
    pub max_article_bytes: u64,
}

impl Default for InputConfig {
    fn default() -> InputConfig {
        InputConfig {
            fields: jsonl::FieldMap::default(),
            source: None,
            source_from_dir: false,
            stdin_format: StdinFormat::default(),
            max_article_bytes: DEFAULT_MAX_ARTICLE_BYTES,
        }
    }
}

/// The error for an article of `bytes` bytes when it is over `limit`
/// (0: no limit).
fn check_size(limit: u64, origin: &Origin, bytes: u64) -> Result<(), InputError> {
    if limit > 0 && bytes > limit {
        return Err(InputError::new(
            origin.clone(),
            format!(
                "article too large: {bytes} bytes (limit {limit}; raise with --max-article-bytes)"
            ),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StdinFormat {
    /// Plain text, with optional front matter and wire header.
    #[default]
    Txt,
    /// An HTML page.
    Html,
    /// JSON Lines, one article object per line.
    Jsonl,
}

/// A file or record that could not be read. The batch goes on without it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct InputError {
    pub origin: Origin,
    pub message: String,
}

impl InputError {
    pub fn new(origin: Origin, message: impl Into<String>) -> InputError {
        InputError {
            origin,
            message: message.into(),
        }
    }
}

pub type ReadResult = Result<RawArticle, InputError>;

/// The formats a file can be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Txt,
    Html,
    Jsonl,
}

fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "txt" | "text" | "md" => Some(Format::Txt),
        "html" | "htm" | "xhtml" => Some(Format::Html),
        "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
        _ => None,
    }
}

/// Reads every article named by `paths`, in order, one result per article.
///
/// The iterator is lazy: a large JSONL file is read line by line.
pub fn read_inputs(
    paths: &[PathBuf],
    config: &InputConfig,
) -> impl Iterator<Item = ReadResult> + use<> {
    let config = config.clone();
    // Owned, so the iterator outlives the caller's slice.
    let paths: Vec<PathBuf> = paths.to_vec();
    paths
        .into_iter()
        .flat_map(move |path| read_path(&path, &config))
}

fn read_path(path: &Path, config: &InputConfig) -> Box<dyn Iterator<Item = ReadResult>> {
    if path.as_os_str() == "-" {
        return read_stdin(config);
    }
    let origin = Origin::file(path.display().to_string());
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) => return Box::new(std::iter::once(Err(io_error(origin, &err)))),
    };
    if meta.is_dir() {
        return read_dir(path, config);
    }
    match format_of(path) {
        Some(format) => read_file(path, format, config),
        None => Box::new(std::iter::once(Err(InputError::new(
            origin,
            "unknown file type: expected .txt, .md, .html, .htm, .jsonl or .json",
        )))),
    }
}

fn read_dir(dir: &Path, config: &InputConfig) -> Box<dyn Iterator<Item = ReadResult>> {
    let (files, errors) = article_files(dir);
    let mut errors: Vec<ReadResult> = errors.into_iter().map(Err).collect();
    if files.is_empty() && errors.is_empty() {
        errors.push(Err(InputError::new(
            Origin::file(dir.display().to_string()),
            "directory holds no articles (.txt, .md, .html, .htm, .jsonl, .json)",
        )));
    }
    let config = config.clone();
    Box::new(
        errors
            .into_iter()
            .chain(files.into_iter().flat_map(move |file| {
                let format = format_of(&file).expect("filtered above");
                read_file(&file, format, &config)
            })),
    )
}

/// The article files under `dir`, sorted, and one error per entry that
/// could not be walked. Symbolic links are followed, to files and to
/// folders alike; a file reached twice (through a link and by its own name)
/// is read once, under the first name in sorted order; a link back to a
/// folder being walked (a loop) and a dangling link are reported. Hidden,
/// README, LICENSE and CHANGELOG files are left out (see
/// [`is_readable_in_dir`]).
pub fn article_files(dir: &Path) -> (Vec<PathBuf>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) if entry.file_type().is_file() && format_of(entry.path()).is_some() => {
                if is_article_file(&entry.file_name().to_string_lossy())
                    && seen.insert(file_identity(entry.path()))
                {
                    files.push(entry.into_path());
                }
            }
            Ok(_) => {}
            Err(err) => {
                let origin = Origin::file(
                    err.path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| dir.display().to_string()),
                );
                let message = match err.loop_ancestor() {
                    Some(ancestor) => format!(
                        "symbolic link loop: it leads back to {}, which is being read already; skipped",
                        ancestor.display()
                    ),
                    None if err.path().is_some_and(|p| p.is_symlink() && !p.exists()) => {
                        "dangling symbolic link: its target does not exist".to_string()
                    }
                    None => err.to_string(),
                };
                errors.push(InputError::new(origin, message));
            }
        }
    }
    (files, errors)
}

/// What makes two paths the same file: device and inode on Unix, the
/// canonical path elsewhere (or the path itself when it has none).
fn file_identity(path: &Path) -> FileIdentity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata(path) {
            return FileIdentity::Inode(meta.dev(), meta.ino());
        }
    }
    FileIdentity::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileIdentity {
    #[cfg_attr(not(unix), allow(dead_code))]
    Inode(u64, u64),
    Path(PathBuf),
}

/// Whether a file found in a directory walk is an article: hidden files
/// (editor backups, .DS_Store) and a folder's README, LICENSE or CHANGELOG
/// are not. A file named on the command line is always read.
fn is_article_file(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").to_ascii_lowercase();
    !name.starts_with('.') && !matches!(stem.as_str(), "readme" | "license" | "changelog")
}

/// Whether a directory walk reads `path`: a known format, and not a hidden,
/// README, LICENSE or CHANGELOG file. For callers that walk folders themselves.
pub fn is_readable_in_dir(path: &Path) -> bool {
    format_of(path).is_some()
        && path
            .file_name()
            .is_some_and(|name| is_article_file(&name.to_string_lossy()))
}

fn read_file(
    path: &Path,
    format: Format,
    config: &InputConfig,
) -> Box<dyn Iterator<Item = ReadResult>> {
    let origin = Origin::file(path.display().to_string());
    let dir_source = if config.source_from_dir {
        path.parent()
            .and_then(|p| p.file_name())
            .map(|name| name.to_string_lossy().into_owned())
    } else {
        None
    };
    let fields = config.fields.clone();
    let limit = config.max_article_bytes;
    let config = config.clone();
    let apply_source = move |mut raw: RawArticle| {
        check_size(limit, &raw.origin, raw.text.len() as u64)?;
        apply_outlet(&mut raw, dir_source.as_deref(), &config);
        Ok(raw)
    };
    match format {
        Format::Jsonl => match std::fs::File::open(path) {
            Ok(file) => {
                let reader = std::io::BufReader::new(file);
                Box::new(
                    jsonl::read_records(reader, origin.path.clone(), fields)
                        .map(move |r| r.and_then(&apply_source)),
                )
            }
            Err(err) => Box::new(std::iter::once(Err(io_error(origin, &err)))),
        },
        Format::Txt | Format::Html => {
            // The file's size is checked before it is read: a multi-gigabyte
            // file is never loaded.
            let result = std::fs::metadata(path)
                .map_err(|err| io_error(origin.clone(), &err))
                .and_then(|meta| check_size(limit, &origin, meta.len()))
                .and_then(|()| std::fs::read(path).map_err(|err| io_error(origin.clone(), &err)))
                .and_then(|bytes| decode::decode(&bytes, &origin))
                .and_then(|(text, warnings)| {
                    let mut raw = match format {
                        Format::Html => html::read_html(&text, origin.clone()),
                        _ => txt::read_txt(&text, origin.clone()),
                    }?;
                    raw.warnings.extend(warnings);
                    apply_source(raw)
                });
            Box::new(std::iter::once(result))
        }
    }
}

fn read_stdin(config: &InputConfig) -> Box<dyn Iterator<Item = ReadResult>> {
    use std::io::Read;
    let origin = Origin::file("-");
    let config = config.clone();
    let limit = config.max_article_bytes;
    if config.stdin_format == StdinFormat::Jsonl {
        let stdin = std::io::BufReader::new(std::io::stdin());
        return Box::new(
            jsonl::read_records(stdin, "-".to_string(), config.fields.clone()).map(move |r| {
                r.and_then(|mut raw| {
                    check_size(limit, &raw.origin, raw.text.len() as u64)?;
                    apply_outlet(&mut raw, None, &config);
                    Ok(raw)
                })
            }),
        );
    }
    let mut bytes = Vec::new();
    // One byte past the limit is enough to know the article is too large.
    let cap = if limit > 0 { limit + 1 } else { u64::MAX };
    let result = std::io::stdin()
        .take(cap)
        .read_to_end(&mut bytes)
        .map_err(|err| io_error(origin.clone(), &err))
        .and_then(|n| {
            if limit > 0 && n as u64 > limit {
                // Counted, not kept: the rest of stdin is drained to name its size.
                let more = std::io::copy(&mut std::io::stdin(), &mut std::io::sink()).unwrap_or(0);
                return check_size(limit, &origin, n as u64 + more);
            }
            Ok(())
        })
        .and_then(|()| decode::decode(&bytes, &origin))
        .and_then(|(text, warnings)| {
            let mut raw = match config.stdin_format {
                StdinFormat::Html => html::read_html(&text, origin.clone()),
                _ => txt::read_txt(&text, origin.clone()),
            }?;
            raw.warnings.extend(warnings);
            apply_outlet(&mut raw, None, &config);
            Ok(raw)
        });
    Box::new(std::iter::once(result))
}

/// The outlet: the article's own metadata wins, then `--source`, then the folder.
fn apply_outlet(raw: &mut RawArticle, dir_source: Option<&str>, config: &InputConfig) {
    if raw.meta.source.is_none() {
        raw.meta.source = config
            .source
            .clone()
            .or_else(|| dir_source.map(str::to_string));
    }
}

fn io_error(origin: Origin, err: &std::io::Error) -> InputError {
    let message = match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    };
    InputError::new(origin, message)
}
