//! One writer per output file: an exclusive advisory lock on `.<name>.lock`
//! beside the output, holding the writer's process id.
//!
//! The lock is taken on a separate file because a replaced output is a new
//! file (a rename), so a lock on the output itself would not be seen by the
//! next writer. The operating system drops the lock when the process ends,
//! even when it is killed; the lock file it leaves behind is then free to
//! take, and its pid is only used to tell the user who holds a live lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use same_file::Handle;

/// Why an output could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{output} is being written by another newsframe run ({holder}); wait for it to end, or choose another output file (lock: {lock})"
    )]
    Busy {
        output: String,
        holder: String,
        lock: String,
    },
    #[error("cannot lock {output} (lock file {lock}): {source}")]
    Io {
        output: String,
        lock: String,
        source: std::io::Error,
    },
}

/// An exclusive lock on an output file, released (and its lock file
/// removed) when dropped.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
}

impl OutputLock {
    /// The lock file of `output`: `.<name>.lock` in the same folder.
    pub fn path_for(output: &Path) -> PathBuf {
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        output.with_file_name(format!(".{name}.lock"))
    }

    /// Takes the lock of `output` without waiting: another live holder is an
    /// error that names its pid.
    pub fn acquire(output: &Path) -> Result<OutputLock, LockError> {
        let path = OutputLock::path_for(output);
        let io = |source| LockError::Io {
            output: output.display().to_string(),
            lock: path.display().to_string(),
            source,
        };
        // A holder that ends removes the lock file after we opened it; the
        // lock we then get is on a file no one else can see, so try again on
        // the path's current file (at most a few times: each retry means
        // another run just ended).
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = match holder.trim() {
                        pid if !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) => {
                            format!("process {pid}")
                        }
                        _ => "a process that has not written its pid yet".to_string(),
                    };
                    return Err(LockError::Busy {
                        output: output.display().to_string(),
                        holder,
                        lock: path.display().to_string(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
            if !still_at(&file, &path) {
                continue;
            }
            file.set_len(0).map_err(io)?;
            file.rewind().map_err(io)?;
            writeln!(file, "{}", std::process::id()).map_err(io)?;
            file.flush().map_err(io)?;
            return Ok(OutputLock { file, path });
        }
        Err(io(std::io::Error::other(
            "the lock file kept changing; is another program removing it?",
        )))
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether `path` still names the file `file` has open.
fn still_at(file: &File, path: &Path) -> bool {
    let (Ok(clone), Ok(current)) = (file.try_clone(), Handle::from_path(path)) else {
        return false;
    };
    Handle::from_file(clone).is_ok_and(|ours| ours == current)
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Remove while still holding the lock, so no one locks a file that
        // is about to disappear without noticing (see `acquire`).
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holder_pid_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("records.jsonl");
        let first = OutputLock::acquire(&out).unwrap();
        assert_eq!(first.path(), dir.path().join(".records.jsonl.lock"));
        let pid = std::fs::read_to_string(first.path()).unwrap();
        assert_eq!(pid.trim(), std::process::id().to_string());

        let err = OutputLock::acquire(&out).unwrap_err().to_string();
        assert!(
            err.contains(&format!("process {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("records.jsonl"), "{err}");

        drop(first);
        assert!(!dir.path().join(".records.jsonl.lock").exists());
        let again = OutputLock::acquire(&out).unwrap();
        drop(again);
    }

    #[test]
    fn a_lock_file_left_by_a_killed_run_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r.jsonl");
        std::fs::write(OutputLock::path_for(&out), "999999999\n").unwrap();
        let lock = OutputLock::acquire(&out).unwrap();
        let pid = std::fs::read_to_string(lock.path()).unwrap();
        assert_eq!(pid.trim(), std::process::id().to_string());
    }
}
