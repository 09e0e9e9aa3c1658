//! `--resume`: what an output file already holds, checked before anything
//! is changed.
//!
//! [`ResumeState::scan`] reads the file and refuses one that is not analysis
//! records (a user's article file given as `--out` by mistake) without
//! touching it. [`ResumeState::check_engine`] refuses records made by
//! another engine, model or actor set. Only then does
//! [`ResumeState::repair`] change the file, in one of two ways: a complete
//! last record that lacks its newline gets one; a last line cut by a killed
//! run (a record's beginning that does not parse) is removed, and said so.
//!
//! An article counts as done when the file has an analysis with the same
//! `id` and `content_hash` (a hash of the outlet and cleaned body, see
//! [`crate::preprocess::content_hash`]): ids alone repeat across outlets'
//! exports (two files numbered 1, 2, …), file paths change with the folder
//! the command runs from, the content does not. Records written before
//! `content_hash` existed are matched by id and origin (file and line).
//! Done articles are counted, not just remembered, so an article that the
//! inputs hold twice is skipped only as often as the file holds it.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::article::Article;
use crate::record::{EngineInfo, Record};

/// How every record line begins (`schema_version` is the first field of
/// both record kinds): a cut line that starts so is an interrupted write.
const RECORD_START: &[u8] = b"{\"schema_version\":";

/// What `--resume` found in its output file.
#[derive(Debug, Default)]
pub struct ResumeState {
    path: PathBuf,
    tail: Tail,
    engines: BTreeSet<EngineInfo>,
    done: HashMap<DoneKey, usize>,
}

/// The end of the file.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// Empty, missing, or ends with a newline.
    #[default]
    Complete,
    /// The last record is whole but has no newline.
    MissingNewline,
    /// The last line is a record cut short at byte `start`.
    Unfinished { start: usize, bytes: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DoneKey {
    Content { id: String, hash: String },
    Origin { id: String, origin: String },
}

impl ResumeState {
    /// Reads `path` (missing: nothing done yet) without changing it.
    pub fn scan(path: &Path) -> anyhow::Result<ResumeState> {
        let mut state = ResumeState {
            path: path.to_path_buf(),
            ..ResumeState::default()
        };
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(state),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let complete = bytes
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |last| last + 1);
        let refuse = |line: usize, why: String| {
            anyhow::anyhow!(
                "{}:{line}: not an analysis record ({why}); --resume appends only to files \
                 written by analyze or stance, and the file was left as it was",
                path.display()
            )
        };
        let mut lines = 0;
        for (n, line) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
            lines = n + 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let record =
                serde_json::from_slice::<Record>(line).map_err(|e| refuse(n + 1, e.to_string()))?;
            state.add(record);
        }
        let tail = &bytes[complete..];
        if tail.iter().all(u8::is_ascii_whitespace) {
            if !tail.is_empty() {
                state.tail = Tail::MissingNewline;
            }
            return Ok(state);
        }
        let last = lines.max(1);
        match serde_json::from_slice::<Record>(tail) {
            Ok(record) => {
                state.add(record);
                state.tail = Tail::MissingNewline;
            }
            Err(e) if e.is_eof() && tail.starts_with(RECORD_START) => {
                state.tail = Tail::Unfinished {
                    start: complete,
                    bytes: tail.len(),
                };
            }
            Err(e) => return Err(refuse(last, e.to_string())),
        }
        Ok(state)
    }

    fn add(&mut self, record: Record) {
        // Failed articles are not done: they are tried again.
        let Record::Analysis(a) = record else {
            return;
        };
        let key = match a.content_hash {
            Some(hash) => DoneKey::Content { id: a.id, hash },
            None => DoneKey::Origin {
                id: a.id,
                origin: a.origin.to_string(),
            },
        };
        *self.done.entry(key).or_default() += 1;
        self.engines.insert(a.engine);
    }

    /// Analyses in the file.
    pub fn done(&self) -> usize {
        self.done.values().sum()
    }

    /// Refuses to add records of `current` to a file holding records of
    /// another engine setup: they could not be compared with each other.
    pub fn check_engine(&self, current: &EngineInfo) -> anyhow::Result<()> {
        let Some(other) = self.engines.iter().find(|e| *e != current) else {
            return Ok(());
        };
        bail!(
            "{} holds records made with {}, and this run uses {}: resuming would mix them. \
             Resume with the options of the first run (--engine, models, --actors/--actor, \
             analyze or stance), or write to another --out; the file was left as it was",
            self.path.display(),
            describe(other),
            describe(current)
        )
    }

    /// Whether `article` already has its analysis in the file; each analysis
    /// answers yes once.
    pub fn take(&mut self, article: &Article) -> bool {
        let keys = [
            DoneKey::Content {
                id: article.id.clone(),
                hash: crate::preprocess::content_hash(article),
            },
            DoneKey::Origin {
                id: article.id.clone(),
                origin: article.origin.to_string(),
            },
        ];
        for key in keys {
            if let Some(count) = self.done.get_mut(&key).filter(|n| **n > 0) {
                *count -= 1;
                return true;
            }
        }
        false
    }

    /// Makes the file end where the next record can be appended: adds a
    /// missing final newline, or removes a record cut short by a killed run.
    pub fn repair(&self) -> anyhow::Result<()> {
        let path = &self.path;
        match self.tail {
            Tail::Complete => {}
            Tail::MissingNewline => {
                let mut file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot append to {}", path.display()))?;
                file.write_all(b"\n")
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Tail::Unfinished { start, bytes } => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                file.set_len(start as u64).with_context(|| {
                    format!(
                        "cannot remove the unfinished last line of {}",
                        path.display()
                    )
                })?;
                eprintln!(
                    "newsframe: {}: dropped an unfinished last line ({bytes} bytes, a record cut short by an interrupted run)",
                    path.display()
                );
            }
        }
        Ok(())
    }
}

fn describe(engine: &EngineInfo) -> String {
    let parts = [
        ("summary", &engine.summary),
        ("stance", &engine.stance),
        ("actors", &engine.actors),
    ];
    let named: Vec<String> = parts
        .iter()
        .map(|(what, value)| format!("{what} {}", value.as_deref().unwrap_or("none")))
        .collect();
    format!("[{}]", named.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"schema_version":1,"id":"a","lang":"en","origin":{"path":"x.txt"},"engine":{"stance":"builtin-lexicon@0.1.0","actors":"s#1"},"content_hash":"h1","actors":[]}"#;

    fn scan(text: &str) -> anyhow::Result<(ResumeState, tempfile::TempDir)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        std::fs::write(&path, text).unwrap();
        ResumeState::scan(&path).map(|s| (s, dir))
    }

    #[test]
    fn a_whole_last_record_without_newline_is_kept() {
        let (state, dir) = scan(&format!("{RECORD}\n{RECORD}")).unwrap();
        assert_eq!(state.done(), 2);
        state.repair().unwrap();
        let text = std::fs::read_to_string(dir.path().join("r.jsonl")).unwrap();
        assert_eq!(text, format!("{RECORD}\n{RECORD}\n"));
    }

    #[test]
    fn only_a_cut_record_is_removed() {
        let cut = &RECORD[..40];
        let (state, dir) = scan(&format!("{RECORD}\n{cut}")).unwrap();
        assert_eq!(state.done(), 1);
        state.repair().unwrap();
        let text = std::fs::read_to_string(dir.path().join("r.jsonl")).unwrap();
        assert_eq!(text, format!("{RECORD}\n"));

        // Not a record's beginning, or not cut: refused, whatever the line.
        for tail in [
            r#"{"id": 9, "text": "An art"#,
            "plain words",
            r#"{"id": 9}"#,
        ] {
            let err = scan(&format!("{RECORD}\n{tail}")).unwrap_err().to_string();
            assert!(err.contains("r.jsonl:2: not an analysis record"), "{err}");
        }
    }

    #[test]
    fn records_of_another_engine_are_refused() {
        let (state, _dir) = scan(&format!("{RECORD}\n")).unwrap();
        let same = EngineInfo {
            summary: None,
            stance: Some("builtin-lexicon@0.1.0".into()),
            actors: Some("s#1".into()),
        };
        state.check_engine(&same).unwrap();
        let other_set = EngineInfo {
            actors: Some("t#2".into()),
            ..same
        };
        let err = state.check_engine(&other_set).unwrap_err().to_string();
        assert!(
            err.contains("actors s#1") && err.contains("actors t#2"),
            "{err}"
        );
    }
}
