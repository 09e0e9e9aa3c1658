//! An output must never be one of the run's inputs: writing it would destroy
//! what is being read. [`ReadPaths`] lists what a command reads and refuses
//! an output that is one of them — the same file under another name too
//! (symbolic or hard link: device and inode where the file exists), or a
//! file inside an input folder that the folder walk would read.

use std::path::{Path, PathBuf};

/// The paths a command reads.
#[derive(Debug, Default, Clone)]
pub struct ReadPaths {
    paths: Vec<ReadPath>,
}

#[derive(Debug, Clone)]
struct ReadPath {
    path: PathBuf,
    /// How the user named it: `input`, `--actors`, `--pred`, …
    role: String,
    /// A folder given here is walked, and reads the files this accepts.
    walk: Option<fn(&Path) -> bool>,
}

impl ReadPaths {
    pub fn new() -> ReadPaths {
        ReadPaths::default()
    }

    /// Article inputs (files, folders walked for articles, `-`).
    pub fn articles(mut self, inputs: &[PathBuf]) -> ReadPaths {
        for input in inputs {
            self.paths.push(ReadPath {
                path: input.clone(),
                role: "input".to_string(),
                walk: Some(crate::input::is_readable_in_dir),
            });
        }
        self
    }

    /// A file (or folder) read as it is, e.g. `--actors FILE`.
    pub fn file(mut self, role: &str, path: Option<&Path>) -> ReadPaths {
        if let Some(path) = path {
            self.paths.push(ReadPath {
                path: path.to_path_buf(),
                role: role.to_string(),
                walk: None,
            });
        }
        self
    }

    /// Refuses `output` (given as `flag`) when it is one of these inputs.
    /// `None` and `-` (standard output) are always fine.
    pub fn refuse_output(&self, output: Option<&Path>, flag: &str) -> anyhow::Result<()> {
        let Some(output) = output.filter(|p| p.as_os_str() != "-") else {
            return Ok(());
        };
        for read in &self.paths {
            if read.path.as_os_str() == "-" {
                continue;
            }
            if same_file(output, &read.path) {
                anyhow::bail!(
                    "{flag} {} is also the {} {}: writing it would destroy what is read; choose another output file",
                    output.display(),
                    read.role,
                    read.path.display()
                );
            }
            if let Some(reads) = read.walk
                && read.path.is_dir()
                && reads(output)
                && inside(output, &read.path)
            {
                anyhow::bail!(
                    "{flag} {} is inside the {} folder {}, which would read it as an input; write it elsewhere",
                    output.display(),
                    read.role,
                    read.path.display()
                );
            }
        }
        Ok(())
    }
}

/// Refuses two outputs of one run that are the same file.
pub fn refuse_same_output(
    a: (&str, Option<&Path>),
    b: (&str, Option<&Path>),
) -> anyhow::Result<()> {
    if let ((flag_a, Some(pa)), (flag_b, Some(pb))) = (a, b)
        && pa.as_os_str() != "-"
        && same_file(pa, pb)
    {
        anyhow::bail!(
            "{flag_a} {} and {flag_b} {} are the same file; give each its own",
            pa.display(),
            pb.display()
        );
    }
    Ok(())
}

/// Whether two paths name one file: by device and inode when both exist,
/// else by their canonical form (the folder resolved, the name as given).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if let Ok(same) = same_file::is_same_file(a, b) {
        return same;
    }
    match (resolved(a), resolved(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Whether `path` lies somewhere under the folder `dir`.
fn inside(path: &Path, dir: &Path) -> bool {
    match (resolved(path), std::fs::canonicalize(dir)) {
        (Some(path), Ok(dir)) => path.starts_with(dir),
        _ => false,
    }
}

/// The canonical path of `path`, or of its folder joined with its name when
/// the file does not exist yet.
pub fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(path) = std::fs::canonicalize(path) {
        return Some(path);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // A folder that does not exist yet is created under the nearest one
    // that does.
    resolved(parent).map(|dir| dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_is_found_through_links_and_dot_paths() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        std::fs::write(&a, "x\n").unwrap();
        let hard = dir.path().join("hard.jsonl");
        std::fs::hard_link(&a, &hard).unwrap();
        let dotted = dir.path().join("sub/../a.jsonl");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(same_file(&a, &hard));
        assert!(same_file(&a, &dotted));
        #[cfg(unix)]
        {
            let soft = dir.path().join("soft.jsonl");
            std::os::unix::fs::symlink(&a, &soft).unwrap();
            assert!(same_file(&soft, &a));
        }
        assert!(!same_file(&a, &dir.path().join("b.jsonl")));
        // Neither exists: the same name in the same folder.
        assert!(same_file(
            &dir.path().join("new/x.json"),
            &dir.path().join("sub/../new/x.json")
        ));
    }

    #[test]
    fn an_output_inside_an_input_folder_is_refused_only_when_the_walk_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let articles = dir.path().join("articles");
        std::fs::create_dir(&articles).unwrap();
        let reads = ReadPaths::new().articles(std::slice::from_ref(&articles));
        let err = reads
            .refuse_output(Some(&articles.join("out.jsonl")), "--out")
            .unwrap_err()
            .to_string();
        assert!(err.contains("inside the input folder"), "{err}");
        assert!(
            reads
                .refuse_output(Some(&articles.join("report.csv")), "--out")
                .is_ok()
        );
        assert!(
            reads
                .refuse_output(Some(&articles.join(".hidden.jsonl")), "--out")
                .is_ok()
        );
        assert!(
            reads
                .refuse_output(Some(&dir.path().join("out.jsonl")), "--out")
                .is_ok()
        );
        assert!(reads.refuse_output(Some(Path::new("-")), "--out").is_ok());
    }
}
