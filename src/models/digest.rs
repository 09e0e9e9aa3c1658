//! File hashes: sha256 (what the registry pins and the hub's LFS id) and
//! git's blob sha1 (the hub's id, and cache blob name, for non-LFS files).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The hashes of one file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    pub sha256: String,
    pub git_sha1: String,
    pub size: u64,
}

/// Hashes bytes as they stream past. Git's blob id needs the size up front.
pub struct StreamHasher {
    sha256: Sha256,
    sha1: Sha1,
    declared_size: u64,
    seen: u64,
}

impl StreamHasher {
    pub fn new(size: u64) -> StreamHasher {
        let mut sha1 = Sha1::new();
        sha1.update(format!("blob {size}\0").as_bytes());
        StreamHasher {
            sha256: Sha256::new(),
            sha1,
            declared_size: size,
            seen: 0,
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha1.update(bytes);
        self.seen += bytes.len() as u64;
    }

    /// The digest; the git id is only meaningful when the declared size was right.
    pub fn finish(self) -> FileDigest {
        debug_assert_eq!(self.seen, self.declared_size);
        FileDigest {
            sha256: hex::encode(self.sha256.finalize()),
            git_sha1: hex::encode(self.sha1.finalize()),
            size: self.seen,
        }
    }
}

/// Hash a file on disk (following symlinks).
pub fn hash_file(path: &Path) -> io::Result<FileDigest> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut hasher = StreamHasher::new(size);
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    if hasher.seen != size {
        return Err(io::Error::other(
            "file changed size while it was being read",
        ));
    }
    Ok(hasher.finish())
}

/// Copy `reader` into `writer`, hashing on the way; `size` is the expected length.
pub fn copy_hashing(
    reader: &mut dyn Read,
    writer: &mut dyn Write,
    size: u64,
) -> io::Result<FileDigest> {
    let mut hasher = StreamHasher::new(size);
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        writer.write_all(&buffer[..n])?;
        hasher.update(&buffer[..n]);
    }
    if hasher.seen != size {
        return Err(io::Error::other(format!(
            "expected {size} bytes, read {}",
            hasher.seen
        )));
    }
    Ok(hasher.finish())
}

/// Whether `s` looks like a hex id of `len` digits.
pub fn is_hex_id(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_blob_id_matches_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        let mut hasher = StreamHasher::new(6);
        hasher.update(b"hello\n");
        let digest = hasher.finish();
        assert_eq!(digest.git_sha1, "ce013625030ba8dba906f756967f9e9ca394464a");
        assert_eq!(
            digest.sha256,
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
    }
}
