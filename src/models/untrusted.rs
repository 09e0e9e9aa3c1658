//! Text that comes from outside (hub answers, registry files, archive entry
//! names): checked before it names a path or goes into a URL, and escaped
//! before it reaches a terminal.
//!
//! A registry file of the user's own (`NEWSFRAME_REGISTRY`) and the server
//! at `HF_ENDPOINT` are trusted to name models, not to pick where files are
//! written: a commit must be 40 hex digits, and repository ids, revisions
//! and file paths are made of plain components only.

use std::borrow::Cow;

use super::digest::is_hex_id;

/// Why a value from outside cannot be used, or `None` when it can.
type Verdict = Option<String>;

/// The characters a path component may hold: what the hub's own repository
/// and file names use, and nothing that means something to a file system,
/// a URL or a shell (`/ \ % ? # :`, controls, spaces).
fn is_plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')
}

/// One component of a path: non-empty, not `.` or `..`, plain characters.
fn component_problem(part: &str) -> Verdict {
    if part.is_empty() {
        return Some("it has an empty path component".into());
    }
    if part == "." || part == ".." {
        return Some(format!("it has a {part:?} path component"));
    }
    if let Some(c) = part.chars().find(|&c| !is_plain_char(c)) {
        return Some(format!(
            "it contains {:?}; only letters, digits and . _ - + are allowed",
            c
        ));
    }
    None
}

/// A file path inside a repository: `/`-separated plain components.
pub fn file_path_problem(path: &str) -> Verdict {
    if path.is_empty() {
        return Some("it is empty".into());
    }
    if path.starts_with('/') {
        return Some("it is absolute".into());
    }
    if path.len() > 255 {
        return Some("it is longer than 255 bytes".into());
    }
    path.split('/').find_map(component_problem)
}

/// A hub repository id, `org/name`, as huggingface_hub's `validate_repo_id`
/// accepts it (and without `..` or `--`, which would confuse the cache).
pub fn repo_id_problem(repo: &str) -> Verdict {
    let Some((org, name)) = repo.split_once('/') else {
        return Some("it must be org/name".into());
    };
    if name.contains('/') {
        return Some("it must be org/name".into());
    }
    if repo.len() > 96 {
        return Some("it is longer than 96 characters".into());
    }
    for part in [org, name] {
        if let Some(problem) = component_problem(part) {
            return Some(problem);
        }
        if part.contains("..") || part.contains("--") {
            return Some("it contains `..` or `--`".into());
        }
        if part.starts_with(['.', '-']) || part.ends_with(['.', '-']) {
            return Some("a part starts or ends with . or -".into());
        }
    }
    None
}

/// A revision: a 40-hex commit, or a branch or tag name of one plain
/// component (it becomes the file name `refs/{revision}`).
pub fn revision_problem(revision: &str) -> Verdict {
    if revision.contains('/') {
        return Some("it contains '/'; only a commit or a branch or tag name of one part".into());
    }
    if revision.len() > 128 {
        return Some("it is longer than 128 characters".into());
    }
    component_problem(revision)
}

/// A commit named by the server (`X-Repo-Commit`): exactly 40 hex digits.
pub fn commit_problem(commit: &str) -> Verdict {
    (!is_hex_id(commit, 40)).then(|| "a commit id must be 40 hex digits".to_string())
}

/// Characters that change what a terminal shows: C0 and C1 controls, DEL,
/// and the bidirectional overrides that reorder text on screen.
fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character written as `\u{..}` (`\n`, `\t`,
/// `\r` as such), so that an escape sequence from outside is shown, never
/// obeyed. Text without such characters comes back borrowed.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_for_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe_for_terminal(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_are_plain_relative_paths() {
        for good in [
            "config.json",
            "1_Pooling/config.json",
            "spm.model",
            "a+b-c_d.txt",
        ] {
            assert_eq!(file_path_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "./x",
            "a//b",
            "a/",
            "%2e%2e/x",
            "..\\..\\x",
            "x?y",
            "x#y",
            "x\0y",
            "C:x",
            "a b",
            "x\u{1b}[2J",
        ] {
            assert!(file_path_problem(bad).is_some(), "{bad:?} accepted");
        }
    }

    #[test]
    fn repo_ids_follow_the_hub() {
        for good in [
            "org/name",
            "google/mt5-base",
            "csebuetnlp/mT5_multilingual_XLSum",
        ] {
            assert_eq!(repo_id_problem(good), None, "{good}");
        }
        for bad in [
            "name", "a/b/c", "../x", "a/..", "a/.b", "a--b/c", "a/b%2f", "a/b\\c", "/b",
        ] {
            assert!(repo_id_problem(bad).is_some(), "{bad:?} accepted");
        }
    }

    #[test]
    fn revisions_and_commits() {
        assert_eq!(revision_problem("main"), None);
        assert_eq!(revision_problem("v1.0"), None);
        for bad in ["..", ".", "", "refs/pr/1", "a%2f", "a\\b", "a?b"] {
            assert!(revision_problem(bad).is_some(), "{bad:?} accepted");
        }
        assert_eq!(commit_problem(&"a".repeat(40)), None);
        for bad in ["../../../../victim", "", &"a".repeat(41), &"g".repeat(40)] {
            assert!(commit_problem(bad).is_some(), "{bad:?} accepted");
        }
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert!(matches!(for_terminal("plain ü"), Cow::Borrowed(_)));
        assert_eq!(
            for_terminal("a\u{1b}]0;x\u{7}b\u{9b}c\u{202e}d\n"),
            "a\\u{1b}]0;x\\u{7}b\\u{9b}c\\u{202e}d\\n"
        );
    }
}
