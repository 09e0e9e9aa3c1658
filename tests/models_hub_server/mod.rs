//! A small stand-in for the Hugging Face hub, for the model-store tests.
//!
//! Serves `tests/fixtures/hub/repos/{org}/{name}/{file}` as
//! `/{org}/{name}/resolve/{revision}/{file}` the way the hub does: small files
//! answer directly with `ETag` = git blob id; weight files (`.safetensors`,
//! `.bin`) answer with a 302 to a "CDN" on another host name (`localhost`
//! where the endpoint is `127.0.0.1`) plus `X-Linked-Etag` (their sha256) and
//! `X-Linked-Size`, like LFS files. Every answer carries `X-Repo-Commit`.
//! GETs honor `Range: bytes=N-`. Knobs make it cut a body once, corrupt a
//! file, refuse a repository, or misbehave as a hostile server would (name a
//! commit that is a path, announce or send more bytes than the file has,
//! answer an error with terminal escapes); every request is logged with its
//! headers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use sha1::Sha1;
use sha2::{Digest, Sha256};

pub const COMMIT: &str = "4f1c2a9d0b7e3c5a8f6d1e2b3c4d5e6f7a8b9c0d";

#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub host: String,
    pub headers: HashMap<String, String>,
}

#[derive(Default)]
pub struct Knobs {
    /// Cut the body of this file (repo path, e.g. "model.safetensors") after
    /// half of it, this many times.
    pub cut: Option<(String, usize)>,
    /// Serve these bytes in place of this file (headers still describe the original).
    pub corrupt: Option<(String, Vec<u8>)>,
    /// Answer 401 for this repo unless the request carries `Bearer {token}`.
    pub private_repo: Option<(String, String)>,
    /// Send this as `X-Repo-Commit` instead of [`COMMIT`].
    pub commit_header: Option<String>,
    /// Announce this size for this file (`X-Linked-Size`, or `Content-Length`
    /// of a HEAD answered directly).
    pub claim_size: Option<(String, u64)>,
    /// GET of this file: claim `Content-Length: .1`, then send the file
    /// followed by zeros up to `.2` bytes in all (or until the client leaves).
    pub flood: Option<(String, u64, u64)>,
    /// Bytes of the flood body written to the socket so far.
    pub flood_sent: u64,
    /// Answer GETs of this file with HTTP 500 and this body.
    pub fail_with: Option<(String, Vec<u8>)>,
}

pub struct HubServer {
    pub port: u16,
    pub log: Arc<Mutex<Vec<LoggedRequest>>>,
    pub knobs: Arc<Mutex<Knobs>>,
}

impl HubServer {
    pub fn start() -> HubServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let knobs = Arc::new(Mutex::new(Knobs::default()));
        let (log2, knobs2) = (log.clone(), knobs.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, knobs) = (log2.clone(), knobs2.clone());
                std::thread::spawn(move || {
                    let _ = handle(stream, port, &log, &knobs);
                });
            }
        });
        HubServer { port, log, knobs }
    }

    /// The endpoint (HF_ENDPOINT) to give the client.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.lock().unwrap().clone()
    }
}

pub fn fixture_repo(repo: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hub/repos")
        .join(repo)
}

/// A store with the fixture registry, the cache at `cache`, and this server
/// as its hub (3 attempts per download).
pub fn fixture_store(server: &HubServer, cache: &std::path::Path) -> newsframe::models::ModelStore {
    use newsframe::models::{HubCache, HubConfig, ModelStore, Registry};
    let registry = Registry::from_file(&fixture_registry()).unwrap();
    let mut hub = HubConfig::new(server.endpoint());
    hub.max_attempts = 3;
    ModelStore::new(registry, HubCache::new(cache), hub)
}

pub fn fixture_registry() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hub/registry.toml")
}

fn is_lfs(file: &str) -> bool {
    file.ends_with(".safetensors") || file.ends_with(".bin")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn git_blob_id(bytes: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    hex::encode(h.finalize())
}

fn handle(
    stream: TcpStream,
    port: u16,
    log: &Mutex<Vec<LoggedRequest>>,
    knobs: &Mutex<Knobs>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let host = headers
        .get("host")
        .map(|h| {
            h.rsplit_once(':')
                .map_or(h.as_str(), |(h, _)| h)
                .to_string()
        })
        .unwrap_or_default();
    log.lock().unwrap().push(LoggedRequest {
        method: method.clone(),
        path: path.clone(),
        host: host.clone(),
        headers: headers.clone(),
    });
    let mut out = stream;
    let head_only = method == "HEAD";
    let commit = knobs
        .lock()
        .unwrap()
        .commit_header
        .clone()
        .unwrap_or_else(|| COMMIT.to_string());
    let commit = commit.as_str();
    let claimed = |file: &str| {
        knobs
            .lock()
            .unwrap()
            .claim_size
            .as_ref()
            .filter(|(name, _)| name == file)
            .map(|(_, size)| size.to_string())
    };
    if let Some(file) = path.rsplit('/').next().filter(|_| !head_only) {
        let failing = knobs
            .lock()
            .unwrap()
            .fail_with
            .as_ref()
            .filter(|(name, _)| name == file)
            .map(|(_, body)| body.clone());
        if let Some(body) = failing {
            return respond(&mut out, "500 Internal Server Error", &[], &body, head_only);
        }
    }

    // CDN: /cdn/{org}/{name}/{file}, on the other host name.
    if let Some(rest) = path.strip_prefix("/cdn/") {
        let mut it = rest.splitn(3, '/');
        let (org, name, file) = (
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
        );
        let Ok(bytes) = std::fs::read(fixture_repo(&format!("{org}/{name}")).join(file)) else {
            return respond(&mut out, "404 Not Found", &[], b"", head_only);
        };
        if !head_only && flood(&mut out, file, &bytes, knobs)? {
            return Ok(());
        }
        return serve_bytes(&mut out, file, bytes, &headers, knobs, head_only, &[]);
    }

    // Hub: /{org}/{name}/resolve/{revision}/{file...}
    let segments: Vec<&str> = path.trim_start_matches('/').splitn(5, '/').collect();
    if segments.len() != 5 || segments[2] != "resolve" {
        return respond(&mut out, "404 Not Found", &[], b"", head_only);
    }
    let (repo, revision, file) = (
        format!("{}/{}", segments[0], segments[1]),
        segments[3],
        segments[4],
    );
    let refused = knobs
        .lock()
        .unwrap()
        .private_repo
        .as_ref()
        .is_some_and(|(private, token)| {
            *private == repo && headers.get("authorization") != Some(&format!("Bearer {token}"))
        });
    if refused {
        return respond(
            &mut out,
            "401 Unauthorized",
            &[("X-Error-Code", "GatedRepo")],
            b"",
            head_only,
        );
    }
    if revision != COMMIT && revision != "main" && revision != commit {
        return respond(
            &mut out,
            "404 Not Found",
            &[("X-Error-Code", "RevisionNotFound")],
            b"",
            head_only,
        );
    }
    let Ok(bytes) = std::fs::read(fixture_repo(&repo).join(file)) else {
        return respond(
            &mut out,
            "404 Not Found",
            &[("X-Error-Code", "EntryNotFound"), ("X-Repo-Commit", commit)],
            b"",
            head_only,
        );
    };
    if is_lfs(file) {
        let location = format!("http://localhost:{port}/cdn/{repo}/{file}");
        let etag = format!("\"{}\"", sha256_hex(&bytes));
        let size = claimed(file).unwrap_or_else(|| bytes.len().to_string());
        return respond(
            &mut out,
            "302 Found",
            &[
                ("Location", &location),
                ("X-Linked-Etag", &etag),
                ("X-Linked-Size", &size),
                ("X-Repo-Commit", commit),
                ("ETag", "\"not-the-blob-id\""),
            ],
            b"",
            head_only,
        );
    }
    let etag = format!("\"{}\"", git_blob_id(&bytes));
    if head_only && let Some(size) = claimed(file) {
        out.write_all(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\
                 ETag: {etag}\r\nX-Repo-Commit: {commit}\r\n\r\n"
            )
            .as_bytes(),
        )?;
        return out.flush();
    }
    if !head_only && flood(&mut out, file, &bytes, knobs)? {
        return Ok(());
    }
    serve_bytes(
        &mut out,
        file,
        bytes,
        &headers,
        knobs,
        head_only,
        &[("ETag", &etag), ("X-Repo-Commit", commit)],
    )
}

/// The `flood` knob: a body that claims and sends more than the file has.
/// Returns whether it answered.
fn flood(
    out: &mut TcpStream,
    file: &str,
    bytes: &[u8],
    knobs: &Mutex<Knobs>,
) -> std::io::Result<bool> {
    let Some((_, claimed, total)) = knobs
        .lock()
        .unwrap()
        .flood
        .clone()
        .filter(|(name, _, _)| name == file)
    else {
        return Ok(false);
    };
    out.write_all(
        format!("HTTP/1.1 200 OK\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )?;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut sent = 0u64;
    while sent < total {
        let n = if sent < bytes.len() as u64 {
            let rest = &bytes[sent as usize..];
            let n = rest.len().min(chunk.len());
            chunk[..n].copy_from_slice(&rest[..n]);
            n
        } else {
            chunk.fill(0);
            chunk.len().min((total - sent) as usize)
        };
        if out.write_all(&chunk[..n]).is_err() {
            break;
        }
        sent += n as u64;
        knobs.lock().unwrap().flood_sent = sent;
    }
    Ok(true)
}

fn serve_bytes(
    out: &mut TcpStream,
    file: &str,
    original: Vec<u8>,
    headers: &HashMap<String, String>,
    knobs: &Mutex<Knobs>,
    head_only: bool,
    extra: &[(&str, &str)],
) -> std::io::Result<()> {
    let mut bytes = original;
    let mut cut = false;
    {
        let mut knobs = knobs.lock().unwrap();
        if let Some((name, replacement)) = &knobs.corrupt
            && name == file
        {
            bytes = replacement.clone();
        }
        if let Some((name, times)) = &mut knobs.cut
            && !head_only
            && name == file
            && *times > 0
        {
            *times -= 1;
            cut = true;
        }
    }
    let start: usize = headers
        .get("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    if start > bytes.len() {
        return respond(out, "416 Range Not Satisfiable", extra, b"", head_only);
    }
    let body = &bytes[start..];
    let total = bytes.len();
    let content_range = format!("bytes {start}-{}/{total}", total.saturating_sub(1));
    let mut all: Vec<(&str, &str)> = extra.to_vec();
    let status = if start > 0 {
        all.push(("Content-Range", &content_range));
        "206 Partial Content"
    } else {
        "200 OK"
    };
    if cut {
        // Promise the whole body, send half, hang up.
        let head = head_text(status, &all, body.len());
        out.write_all(head.as_bytes())?;
        out.write_all(&body[..body.len() / 2])?;
        out.flush()?;
        return out.shutdown(std::net::Shutdown::Both);
    }
    respond(out, status, &all, body, head_only)
}

fn head_text(status: &str, headers: &[(&str, &str)], length: usize) -> String {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {length}\r\nConnection: close\r\nAccept-Ranges: bytes\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

fn respond(
    out: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    out.write_all(head_text(status, headers, body.len()).as_bytes())?;
    if !head_only {
        out.write_all(body)?;
    }
    out.flush()?;
    // Drain whatever the client still sends, so closing does not reset the connection.
    let _ = out.shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 1024];
    let _ = out.set_read_timeout(Some(std::time::Duration::from_millis(200)));
    let _ = out.read(&mut sink);
    Ok(())
}
