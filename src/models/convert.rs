//! Turns a pickled PyTorch checkpoint into `model.safetensors` by running
//! `scripts/convert_pickle.py` (embedded in the binary) with a Python that
//! has torch: `NEWSFRAME_PYTHON`, else the venv `scripts/setup` creates at
//! `$NEWSFRAME_CACHE/torch-2.4.0-py311/bin/python` (`NEWSFRAME_CACHE`
//! defaults to `~/.cache/newsframe`). The script loads with
//! `weights_only=True`, so a pickle that would run code is refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::ModelError;

/// The conversion script, as shipped.
pub const CONVERT_SCRIPT: &str = include_str!("../../scripts/convert_pickle.py");

/// Exit status the script uses for a refused (unsafe) pickle.
const REFUSED_STATUS: i32 = 3;

/// The Python that runs conversions.
pub fn python_path() -> PathBuf {
    if let Some(python) = std::env::var_os("NEWSFRAME_PYTHON").filter(|v| !v.is_empty()) {
        return PathBuf::from(python);
    }
    let cache = std::env::var_os("NEWSFRAME_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default()
                .join(".cache/newsframe")
        });
    cache.join("torch-2.4.0-py311/bin/python")
}

/// Convert `source` (a pickle) to `target` (safetensors) with `python`.
/// `work_dir` holds the script while it runs.
pub fn convert_pickle(
    python: &Path,
    source: &Path,
    target: &Path,
    work_dir: &Path,
) -> Result<(), ModelError> {
    let fail = |reason: String| ModelError::Conversion {
        file: source.to_path_buf(),
        reason,
    };
    std::fs::create_dir_all(work_dir).map_err(|e| ModelError::io(work_dir, e, None))?;
    let script = work_dir.join("convert_pickle.py");
    std::fs::write(&script, CONVERT_SCRIPT).map_err(|e| ModelError::io(&script, e, None))?;
    let output = Command::new(python)
        .arg(&script)
        .arg(source)
        .arg(target)
        .output()
        .map_err(|e| {
            fail(format!(
                "cannot run {}: {e}; set NEWSFRAME_PYTHON to a Python with torch and \
                 safetensors (scripts/setup creates one)",
                python.display()
            ))
        })?;
    let _ = std::fs::remove_file(&script);
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last_line = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    if output.status.code() == Some(REFUSED_STATUS) {
        return Err(fail(format!(
            "the pickle was refused as unsafe, nothing in it ran: {last_line}"
        )));
    }
    Err(fail(format!(
        "{} exited with {}: {last_line}",
        python.display(),
        output.status
    )))
}
