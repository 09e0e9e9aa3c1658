//! Downloads single files from a Hugging Face hub endpoint into the cache.
//!
//! `GET {endpoint}/{repo}/resolve/{revision}/{file}`, as huggingface_hub does:
//! a HEAD first (redirects not followed) gives the commit (`X-Repo-Commit`),
//! the blob id (`X-Linked-Etag` or `ETag`) and the size; the body then goes to
//! `blobs/{etag}.incomplete`, resuming with `Range` after a cut connection
//! (within the run, and in a later run), and is hashed before an atomic rename
//! into `blobs/`. Nothing is installed when the hash is wrong.
//!
//! What the server says is checked before it is used: the commit must be 40
//! hex digits (it names a directory), a size larger than the registry pins
//! is refused before the body is read, and reading stops one byte past the
//! pinned size (else the announced size, else the hub's 50 GB per-file
//! limit) whatever `Content-Length` claims.
//!
//! The token (`HF_TOKEN`) is sent only to the endpoint's own scheme, host and
//! port; redirects are followed by hand so it never reaches a CDN or any other
//! host, and it is never printed.

use std::fs::{self, File, OpenOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ureq::http::{Response, Uri};

use super::cache::{HubCache, create_parent};
use super::digest::{FileDigest, hash_file, is_hex_id};
use super::error::{ModelError, human_size};
use super::registry::FileSpec;
use super::untrusted;

/// The hub to download from and how. Built from the environment by
/// [`HubConfig::from_env`]; every field can be set directly (tests do).
#[derive(Clone)]
pub struct HubConfig {
    /// Base URL of the hub (`HF_ENDPOINT`; default `https://huggingface.co`).
    pub endpoint: String,
    /// Never use the network (`HF_HUB_OFFLINE=1`).
    pub offline: bool,
    /// Bearer token for the endpoint (`HF_TOKEN`, else the file `HF_HOME/token`).
    /// Kept out of `Debug` and every message.
    pub token: Option<String>,
    /// Draw progress bars (default: when standard error is a terminal).
    pub progress: bool,
    /// How often a cut download is resumed within one run (default 5).
    pub max_attempts: u32,
    /// Connect timeout (default 30 s).
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for HubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubConfig")
            .field("endpoint", &self.endpoint)
            .field("offline", &self.offline)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("progress", &self.progress)
            .finish()
    }
}

pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

impl HubConfig {
    /// A config for `endpoint` with no token, online, no progress bars.
    pub fn new(endpoint: impl Into<String>) -> HubConfig {
        HubConfig {
            endpoint: endpoint.into().trim_end_matches('/').to_string(),
            offline: false,
            token: None,
            progress: false,
            max_attempts: 5,
            connect_timeout: Duration::from_secs(30),
        }
    }

    /// `HF_ENDPOINT`, `HF_HUB_OFFLINE`, `HF_TOKEN` (else `$HF_HOME/token` or
    /// `~/.cache/huggingface/token`, where `huggingface-cli login` writes it).
    pub fn from_env() -> HubConfig {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut config =
            HubConfig::new(var("HF_ENDPOINT").unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()));
        config.offline = var("HF_HUB_OFFLINE").is_some_and(|v| is_truthy(&v));
        config.token = var("HF_TOKEN")
            .map(|t| t.trim().to_string())
            .or_else(token_file);
        config.progress = std::io::stderr().is_terminal();
        config
    }
}

fn is_truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn token_file() -> Option<String> {
    let home = std::env::var_os("HF_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("huggingface"))
        })?;
    let token = fs::read_to_string(home.join("token")).ok()?;
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// One file now in the cache.
#[derive(Debug, Clone)]
pub struct Downloaded {
    /// The commit the hub served.
    pub commit: String,
    /// `snapshots/{commit}/{file}`.
    pub path: PathBuf,
    /// Blob name (the hub's etag, or the sha256 when it sent none).
    pub blob: String,
    pub digest: FileDigest,
    /// Whether the hub's own id (LFS sha256 or git sha1) confirmed the bytes.
    pub hub_checked: bool,
}

/// What the HEAD request told.
struct FileInfo {
    commit: Option<String>,
    etag: Option<String>,
    size: Option<u64>,
    /// Where the bytes are (the resolve URL, or the redirect's target).
    download_url: String,
}

/// A blocking client for one hub endpoint.
pub struct HubClient {
    config: HubConfig,
    agent: ureq::Agent,
    endpoint_origin: Option<Origin>,
}

/// Scheme, host and port: what the token is bound to.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

fn origin_of(url: &str) -> Option<Origin> {
    let uri: Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some(Origin { scheme, host, port })
}

const MAX_REDIRECTS: usize = 5;

impl HubClient {
    pub fn new(config: HubConfig) -> HubClient {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .user_agent(concat!("newsframe/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let endpoint_origin = origin_of(&config.endpoint);
        HubClient {
            config,
            agent,
            endpoint_origin,
        }
    }

    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    pub fn resolve_url(&self, repo: &str, revision: &str, file: &str) -> String {
        format!("{}/{repo}/resolve/{revision}/{file}", self.config.endpoint)
    }

    /// Download `spec` of `repo@revision` into the cache, unless the snapshot
    /// already has it. `notify` receives one line per notable event.
    pub fn download(
        &self,
        cache: &HubCache,
        repo: &str,
        revision: &str,
        spec: &FileSpec,
        notify: &mut dyn FnMut(String),
    ) -> Result<Downloaded, ModelError> {
        if self.config.offline {
            return Err(ModelError::Offline {
                repo: repo.to_string(),
                revision: revision.to_string(),
                file: spec.path.clone(),
            });
        }
        check_request(repo, revision, &spec.path)?;
        let url = self.resolve_url(repo, revision, &spec.path);
        let info = self.head(repo, revision, &spec.path, &url)?;
        if let Some(served) = &info.commit
            && let Some(problem) = untrusted::commit_problem(served)
        {
            return Err(ModelError::Refused {
                field: format!("the X-Repo-Commit header from {url}"),
                value: served.clone(),
                problem,
            });
        }
        let commit = match (&info.commit, is_hex_id(revision, 40)) {
            (Some(served), true) if !served.eq_ignore_ascii_case(revision) => {
                return Err(ModelError::RevisionMismatch {
                    repo: repo.to_string(),
                    pinned: revision.to_string(),
                    served: served.clone(),
                });
            }
            (Some(served), _) => served.to_ascii_lowercase(),
            (None, true) => revision.to_ascii_lowercase(),
            (None, false) => {
                return Err(ModelError::Network {
                    url,
                    reason: "the server named no commit (X-Repo-Commit) for a branch revision"
                        .into(),
                });
            }
        };
        let size = expected_size(repo, spec, info.size)?;
        let blob_hint = info
            .etag
            .clone()
            .filter(|e| is_safe_blob_name(e))
            .or_else(|| spec.known_sha256().map(str::to_string))
            .unwrap_or_else(|| format!("download-{}", spec.path.replace('/', "-")));
        let incomplete = cache.incomplete_path(repo, &blob_hint);
        create_parent(&incomplete)?;

        notify(format!(
            "downloading {repo}/{} ({})",
            spec.path,
            size.known
                .map_or_else(|| "size unknown".to_string(), human_size)
        ));
        self.fetch_body(&info.download_url, &incomplete, &size, repo, &spec.path)?;

        // Check before anything is installed.
        let digest = hash_file(&incomplete).map_err(|e| ModelError::io(&incomplete, e, None))?;
        let mismatch = |expected: &str, actual: &str| {
            let _ = fs::remove_file(&incomplete);
            ModelError::ChecksumMismatch {
                repo: repo.to_string(),
                file: spec.path.clone(),
                expected: expected.to_string(),
                actual: actual.to_string(),
            }
        };
        if let Some(expected) = spec.known_sha256()
            && !digest.sha256.eq_ignore_ascii_case(expected)
        {
            return Err(mismatch(expected, &digest.sha256));
        }
        let mut hub_checked = false;
        if let Some(etag) = &info.etag {
            if is_hex_id(etag, 64) {
                if !digest.sha256.eq_ignore_ascii_case(etag) {
                    return Err(mismatch(etag, &digest.sha256));
                }
                hub_checked = true;
            } else if is_hex_id(etag, 40) {
                if !digest.git_sha1.eq_ignore_ascii_case(etag) {
                    return Err(mismatch(etag, &digest.git_sha1));
                }
                hub_checked = true;
            }
        }
        if let Some(expected) = size.known
            && digest.size != expected
        {
            let _ = fs::remove_file(&incomplete);
            return Err(ModelError::ChecksumMismatch {
                repo: repo.to_string(),
                file: spec.path.clone(),
                expected: format!("{expected} bytes"),
                actual: format!("{} bytes", digest.size),
            });
        }
        let blob = match &info.etag {
            Some(etag) if is_safe_blob_name(etag) => etag.to_ascii_lowercase(),
            _ => digest.sha256.clone(),
        };
        let path = cache.install(repo, &commit, &spec.path, &incomplete, &blob)?;
        if !is_hex_id(revision, 40) {
            cache.write_ref(repo, revision, &commit)?;
        }
        Ok(Downloaded {
            commit,
            path,
            blob,
            digest,
            hub_checked,
        })
    }

    /// Send one request, with the token only when `url` is on the endpoint.
    fn send(
        &self,
        method: &str,
        url: &str,
        range_from: Option<u64>,
    ) -> Result<Response<ureq::Body>, ModelError> {
        let network = |reason: String| ModelError::Network {
            url: url.to_string(),
            reason,
        };
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        if let Some(token) = &self.config.token
            && self.endpoint_origin.is_some()
            && origin_of(url) == self.endpoint_origin
        {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(offset) = range_from.filter(|&o| o > 0) {
            builder = builder.header("Range", format!("bytes={offset}-"));
        }
        let request = builder.body(()).map_err(|e| network(e.to_string()))?;
        self.agent
            .run(request)
            .map_err(|e| network(describe_ureq_error(&e)))
    }

    fn head(
        &self,
        repo: &str,
        revision: &str,
        file: &str,
        url: &str,
    ) -> Result<FileInfo, ModelError> {
        let mut current = url.to_string();
        let mut commit = None;
        let mut etag = None;
        let mut size = None;
        for _ in 0..=MAX_REDIRECTS {
            let response = self.send("HEAD", &current, None)?;
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            commit = commit.or_else(|| header("x-repo-commit"));
            etag = etag.or_else(|| {
                header("x-linked-etag")
                    .or_else(|| header("etag"))
                    .map(|e| normalize_etag(&e))
            });
            size = size.or_else(|| {
                header("x-linked-size")
                    .or_else(|| {
                        if status < 300 {
                            header("content-length")
                        } else {
                            None
                        }
                    })
                    .and_then(|s| s.trim().parse().ok())
            });
            let refused = || {
                let said = header("x-error-message");
                self.status_error(repo, revision, file, &current, status, said)
            };
            match status {
                200..=299 => {
                    return Ok(FileInfo {
                        commit,
                        etag,
                        size,
                        download_url: current,
                    });
                }
                300..=399 => {
                    let Some(location) = header("location") else {
                        return Err(refused());
                    };
                    let next = join_location(&current, &location);
                    // Like huggingface_hub: follow relative (same-host) redirects
                    // during HEAD; a redirect elsewhere is where the bytes live.
                    if origin_of(&next) != origin_of(&current) {
                        return Ok(FileInfo {
                            commit,
                            etag,
                            size,
                            download_url: next,
                        });
                    }
                    current = next;
                }
                _ => return Err(refused()),
            }
        }
        Err(ModelError::Network {
            url: url.to_string(),
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    fn status_error(
        &self,
        repo: &str,
        revision: &str,
        file: &str,
        url: &str,
        status: u16,
        said: Option<String>,
    ) -> ModelError {
        match status {
            401 | 403 => ModelError::AccessDenied {
                repo: repo.to_string(),
                url: url.to_string(),
                status,
                hint: if self.config.token.is_some() {
                    "the token in HF_TOKEN was refused: check that it is valid and that its account \
                     accepted the model's terms on the hub"
                        .to_string()
                } else {
                    "the repository may be gated or private: set HF_TOKEN to an access token \
                     (https://huggingface.co/settings/tokens) whose account may read it"
                        .to_string()
                },
            },
            404 => ModelError::NotFound {
                repo: repo.to_string(),
                revision: revision.to_string(),
                file: file.to_string(),
                url: url.to_string(),
            },
            _ => ModelError::HttpStatus {
                repo: repo.to_string(),
                file: file.to_string(),
                url: url.to_string(),
                status,
                said: said
                    .map(|m| m.trim().to_string())
                    .filter(|m| !m.is_empty())
                    .map(|m| format!("; the server says: {}", untrusted::for_terminal(&m)))
                    .unwrap_or_default(),
            },
        }
    }

    /// Fill `incomplete` with the body of `url`, resuming from its length.
    fn fetch_body(
        &self,
        url: &str,
        incomplete: &Path,
        size: &ExpectedSize,
        repo: &str,
        file: &str,
    ) -> Result<(), ModelError> {
        let bar = self.config.progress.then(|| {
            let bar = indicatif::ProgressBar::new(size.known.unwrap_or(0));
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("static template")
                .progress_chars("=> "),
            );
            bar.set_message(file.to_string());
            bar
        });
        let mut last_error = None;
        for _ in 0..self.config.max_attempts.max(1) {
            let offset = match fs::metadata(incomplete) {
                Ok(m) => m.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => return Err(ModelError::io(incomplete, e, None)),
            };
            if size.known.is_some_and(|s| offset == s) {
                last_error = None;
                break;
            }
            if offset > size.limit {
                // Longer than the file can be: a leftover of another file or server.
                fs::remove_file(incomplete).map_err(|e| ModelError::io(incomplete, e, None))?;
                continue;
            }
            if let Some(bar) = &bar {
                bar.set_position(offset);
            }
            match self.fetch_once(url, incomplete, offset, size, bar.as_ref(), repo, file) {
                Ok(()) => {
                    last_error = None;
                    break;
                }
                Err(Attempt::Retry(error)) => last_error = Some(error),
                Err(Attempt::Fatal(error)) => {
                    if let Some(bar) = &bar {
                        bar.abandon();
                    }
                    return Err(error);
                }
            }
        }
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        match last_error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fetch_once(
        &self,
        url: &str,
        incomplete: &Path,
        offset: u64,
        size: &ExpectedSize,
        bar: Option<&indicatif::ProgressBar>,
        repo: &str,
        file: &str,
    ) -> Result<(), Attempt> {
        let mut current = url.to_string();
        let mut response = None;
        for _ in 0..=MAX_REDIRECTS {
            let r = self
                .send("GET", &current, Some(offset))
                .map_err(Attempt::Retry)?;
            let status = r.status().as_u16();
            if (300..400).contains(&status) {
                let location = r
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        Attempt::Fatal(self.status_error(repo, "", file, &current, status, None))
                    })?;
                current = join_location(&current, location);
                continue;
            }
            response = Some(r);
            break;
        }
        let Some(mut response) = response else {
            return Err(Attempt::Fatal(ModelError::Network {
                url: url.to_string(),
                reason: format!("more than {MAX_REDIRECTS} redirects"),
            }));
        };
        let status = response.status().as_u16();
        let append = match status {
            206 => {
                let starts_at_offset = response
                    .headers()
                    .get("content-range")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes "))
                    .and_then(|v| v.split('-').next())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    == Some(offset);
                if !starts_at_offset {
                    // Not the range asked for: start over rather than splice.
                    let _ = fs::remove_file(incomplete);
                    return Err(Attempt::Retry(ModelError::Network {
                        url: current,
                        reason: "the server answered a different byte range".into(),
                    }));
                }
                true
            }
            200 => false,
            416 if size.known.is_some_and(|s| s == offset) => return Ok(()),
            416 => {
                let _ = fs::remove_file(incomplete);
                return Err(Attempt::Retry(ModelError::Network {
                    url: current,
                    reason: "the partial download is longer than the file; starting over".into(),
                }));
            }
            _ => {
                let said = server_message(&mut response);
                return Err(Attempt::Fatal(
                    self.status_error(repo, "", file, &current, status, said),
                ));
            }
        };
        let start = if append { offset } else { 0 };
        let needed = size.known.map(|s| s.saturating_sub(start));
        let mut out = if append {
            OpenOptions::new().append(true).open(incomplete)
        } else {
            File::create(incomplete)
        }
        .map_err(|e| Attempt::Fatal(ModelError::io(incomplete, e, needed)))?;
        if let Some(bar) = bar {
            bar.set_position(if append { offset } else { 0 });
        }
        // Whatever Content-Length the server claims, read at most one byte
        // past the limit: enough to tell that the body is too long.
        let mut reader = response
            .body_mut()
            .as_reader()
            .take(size.limit.saturating_sub(start).saturating_add(1));
        let mut written = start;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = out.flush();
                    return Err(Attempt::Retry(ModelError::Network {
                        url: current,
                        reason: format!(
                            "connection lost during the download ({e}); it resumes where it stopped"
                        ),
                    }));
                }
            };
            written += n as u64;
            if written > size.limit {
                drop(out);
                let _ = fs::remove_file(incomplete);
                return Err(Attempt::Fatal(ModelError::TooLarge {
                    repo: repo.to_string(),
                    file: file.to_string(),
                    limit: size.limit,
                    why: size.why.clone(),
                }));
            }
            out.write_all(&buffer[..n])
                .map_err(|e| Attempt::Fatal(ModelError::io(incomplete, e, needed)))?;
            if let Some(bar) = bar {
                bar.inc(n as u64);
            }
        }
        out.flush()
            .and_then(|_| out.sync_all())
            .map_err(|e| Attempt::Fatal(ModelError::io(incomplete, e, needed)))?;
        Ok(())
    }
}

/// How many bytes a download may have, and why.
#[derive(Debug, Clone)]
struct ExpectedSize {
    /// The exact size, when the registry pins it or the server announced it.
    known: Option<u64>,
    /// Reading stops one byte past this.
    limit: u64,
    why: String,
}

/// The hub's own limit for one file (50 GB): the bound for a file whose
/// size neither the registry nor the server gives.
pub const HUB_FILE_LIMIT: u64 = 50_000_000_000;

/// The registry's pinned size wins over what the server announces: a larger
/// announcement is refused before any byte is read.
fn expected_size(
    repo: &str,
    spec: &FileSpec,
    announced: Option<u64>,
) -> Result<ExpectedSize, ModelError> {
    if spec.size > 0 {
        if let Some(announced) = announced
            && announced > spec.size
        {
            return Err(ModelError::SizeMismatch {
                repo: repo.to_string(),
                file: spec.path.clone(),
                pinned: spec.size,
                announced,
            });
        }
        return Ok(ExpectedSize {
            known: Some(spec.size),
            limit: spec.size,
            why: "the size the registry pins".into(),
        });
    }
    match announced {
        Some(announced) if announced > HUB_FILE_LIMIT => Err(ModelError::TooLarge {
            repo: repo.to_string(),
            file: spec.path.clone(),
            limit: HUB_FILE_LIMIT,
            why: format!(
                "the server announces {announced} bytes, over the hub's 50 GB limit for one file"
            ),
        }),
        Some(announced) => Ok(ExpectedSize {
            known: Some(announced),
            limit: announced,
            why: "the size the server announced".into(),
        }),
        None => Ok(ExpectedSize {
            known: None,
            limit: HUB_FILE_LIMIT,
            why: "no size is pinned or announced; the hub's limit for one file is 50 GB".into(),
        }),
    }
}

/// Repository, revision and file path must be safe as cache paths and URL
/// parts, whoever built the registry entry.
fn check_request(repo: &str, revision: &str, file: &str) -> Result<(), ModelError> {
    let checks = [
        ("repo", repo, untrusted::repo_id_problem(repo)),
        ("revision", revision, untrusted::revision_problem(revision)),
        ("file path", file, untrusted::file_path_problem(file)),
    ];
    for (field, value, problem) in checks {
        if let Some(problem) = problem {
            return Err(ModelError::Refused {
                field: field.to_string(),
                value: value.to_string(),
                problem,
            });
        }
    }
    Ok(())
}

/// What a server said with an error status: its `X-Error-Message`, else the
/// start of the body (escaped before printing, like everything from outside).
fn server_message(response: &mut Response<ureq::Body>) -> Option<String> {
    if let Some(message) = response
        .headers()
        .get("x-error-message")
        .and_then(|v| v.to_str().ok())
    {
        return Some(message.to_string());
    }
    let mut head = Vec::new();
    let _ = response
        .body_mut()
        .as_reader()
        .take(300)
        .read_to_end(&mut head);
    Some(String::from_utf8_lossy(&head).into_owned())
}

enum Attempt {
    Retry(ModelError),
    Fatal(ModelError),
}

fn describe_ureq_error(error: &ureq::Error) -> String {
    match error {
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        other => other.to_string(),
    }
}

/// `"abc"`, `W/"abc"` -> `abc`.
fn normalize_etag(etag: &str) -> String {
    etag.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .to_string()
}

/// The etag becomes a file name: allow only what cannot escape `blobs/`.
fn is_safe_blob_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Resolve a `Location` header against the URL that sent it.
fn join_location(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let Some(origin) = origin_of(base) else {
        return location.to_string();
    };
    let default_port = if origin.scheme == "https" { 443 } else { 80 };
    let authority = if origin.port == default_port {
        origin.host.clone()
    } else {
        format!("{}:{}", origin.host, origin.port)
    };
    if location.starts_with('/') {
        format!("{}://{authority}{location}", origin.scheme)
    } else {
        let dir = base.rsplit_once('/').map_or(base, |(d, _)| d);
        format!("{dir}/{location}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_bound_to_scheme_host_and_port() {
        let a = origin_of("https://huggingface.co/x/resolve/main/f").unwrap();
        assert_eq!(a, origin_of("https://HuggingFace.co:443/y").unwrap());
        assert_ne!(a, origin_of("https://cdn-lfs.huggingface.co/y").unwrap());
        assert_ne!(a, origin_of("http://huggingface.co/y").unwrap());
    }

    #[test]
    fn locations_resolve_against_the_request() {
        assert_eq!(
            join_location("http://127.0.0.1:8080/a/b/resolve/main/f", "/api/x"),
            "http://127.0.0.1:8080/api/x"
        );
        assert_eq!(
            join_location("https://h.co/a", "https://cdn.h.co/z"),
            "https://cdn.h.co/z"
        );
    }

    #[test]
    fn debug_output_hides_the_token() {
        let mut config = HubConfig::new("https://example.org");
        config.token = Some("hf_secret_value".into());
        assert!(!format!("{config:?}").contains("hf_secret_value"));
    }

    #[test]
    fn etags_are_normalized_and_checked() {
        assert_eq!(normalize_etag("W/\"abc\""), "abc");
        assert!(!is_safe_blob_name("../x"));
        assert!(is_safe_blob_name("53aa5117"));
    }
}
