//! The readers end to end through the real binary: every input kind, every
//! kind of bad input, and the options that name sources and fields.
//!
//! Each test runs `newsframe segment --format jsonl` on fixtures from
//! `tests/fixtures/input/` or on files written to a temporary directory.

use crate::common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/input")
        .join(name)
}

/// What a run printed: parsed JSONL articles, stderr, exit code.
struct Run {
    articles: Vec<Value>,
    stderr: String,
    code: i32,
}

fn segment(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = common::newsframe();
    cmd.arg("segment").arg("--format").arg("jsonl").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let articles = stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("bad JSONL ({e}): {line}\nstderr: {stderr}"))
        })
        .collect();
    Run {
        articles,
        stderr,
        code: output.status.code().unwrap_or(-1),
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Every sentence's text, in order.
fn sentences(article: &Value) -> Vec<String> {
    article["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["sentences"].as_array().unwrap().iter())
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect()
}

fn origin(article: &Value) -> String {
    article["origin"]["path"].as_str().unwrap().to_string()
}

#[test]
fn front_matter_sets_metadata() {
    let run = segment(&[path_str(&fixture("front_matter.txt"))], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let a = &run.articles[0];
    assert_eq!(a["title"], "Oslo talks open with few expectations");
    assert_eq!(a["source"], "Harbor Ledger");
    assert_eq!(a["date"], "2019-05-17");
    assert_eq!(a["url"], "https://example.org/oslo-talks");
    assert_eq!(a["byline"], "M. Castell");
    assert_eq!(a["language"]["code"], "en");
    assert_eq!(a["language"]["source"], "declared");
    assert!(!a["body"].as_str().unwrap().contains("title:"));
    assert_eq!(
        sentences(a),
        [
            "Norway confirmed on Friday that it had hosted the first exploratory contacts between the two sides of Venezuela's political conflict.",
            "Dr. Ingrid Solberg, a mediator, declined to give details.",
            "The talks were described as preliminary.",
        ]
    );
}

#[test]
fn html_page_body_without_page_furniture() {
    let run = segment(&[path_str(&fixture("page.html"))], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let a = &run.articles[0];
    assert_eq!(a["title"], "Maduro pide lealtad a la Fuerza Armada");
    assert_eq!(a["byline"], "Lucía Benítez");
    assert_eq!(a["date"], "2019-05-21");
    assert_eq!(a["source"], "Diario del Ávila");
    assert_eq!(a["language"]["code"], "es");
    let body = a["body"].as_str().unwrap();
    for marker in [
        "NAVMARKER",
        "ADMARKER",
        "ADSCRIPTMARKER",
        "SCRIPTMARKER",
        "FOOTERMARKER",
        "RELATEDMARKER",
        "font-family",
        "Por Lucía",
    ] {
        assert!(!body.contains(marker), "{marker} leaked into body: {body}");
    }
    let got = sentences(a);
    assert_eq!(got.len(), 8, "{got:#?}");
    assert_eq!(
        got[2],
        "«¡Si aparece un traidor, captúrenlo de inmediato!» dijo Maduro a la tropa."
    );
    assert_eq!(
        got[7],
        "EE.UU. mantuvo sus sanciones contra la petrolera estatal."
    );
}

#[test]
fn jsonl_malformed_line_names_file_and_line_and_the_rest_goes_on() {
    let file = fixture("articles.jsonl");
    let run = segment(&[path_str(&file)], None);
    assert_eq!(run.code, 1, "some input failed");
    let ids: Vec<_> = run.articles.iter().map(|a| a["id"].clone()).collect();
    assert_eq!(ids, ["a1", "a3"]);
    assert!(
        run.stderr
            .contains(&format!("{}:2: malformed JSON", file.display())),
        "{}",
        run.stderr
    );
    assert_eq!(run.articles[0]["origin"]["line"], 1);
    assert_eq!(run.articles[1]["origin"]["line"], 3);
    assert_eq!(
        sentences(&run.articles[1]),
        [
            "« C'est un premier pas ! » a déclaré un diplomate norvégien.",
            "Les deux camps restent méfiants."
        ]
    );
}

#[test]
fn jsonl_custom_field_names() {
    let run = segment(
        &[
            "--text-field",
            "body",
            "--title-field",
            "headline",
            "--source-field",
            "outlet",
            "--date-field",
            "published",
            "--lang-field",
            "language",
            "--id-field",
            "uid",
            path_str(&fixture("custom_fields.jsonl")),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let a = &run.articles[0];
    assert_eq!(a["id"], "c1");
    assert_eq!(a["source"], "Radio Caribe");
    assert_eq!(a["title"], "Guaidó envía delegación");
    assert_eq!(a["date"], "2019-05-16");
    assert_eq!(a["language"]["code"], "es");
    assert_eq!(sentences(a).len(), 2);

    // Without the mapping the text field is missing, and the error says how to fix it.
    let run = segment(&[path_str(&fixture("custom_fields.jsonl"))], None);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("custom_fields.jsonl:1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--text-field"), "{}", run.stderr);
}

#[test]
fn missing_file_fails_and_the_others_are_still_printed() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.txt");
    let run = segment(
        &[path_str(&missing), path_str(&fixture("front_matter.txt"))],
        None,
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.articles.len(), 1);
    assert!(run.stderr.contains("nope.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);
}

#[test]
fn bad_files_are_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let empty = write("empty.txt", b"");
    let blank = write("blank.txt", b"  \n\n \n");
    let binary = write("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00");
    let empty_jsonl = write("empty.jsonl", b"");
    let unknown = write("table.csv", b"a,b\n1,2\n");
    let good = write(
        "good.txt",
        b"The talks began in Oslo. Both sides sent envoys.",
    );
    for (path, expected) in [
        (&empty, "empty article"),
        (&blank, "empty article"),
        (&binary, "binary file"),
        (&empty_jsonl, "empty file"),
        (&unknown, "unknown file type"),
    ] {
        let run = segment(&[path_str(path), path_str(&good)], None);
        assert_eq!(run.code, 1, "{path:?}");
        assert_eq!(
            run.articles.len(),
            1,
            "{path:?}: the good file is still read"
        );
        let line = run.stderr.lines().next().unwrap_or_default();
        assert!(
            line.contains(path_str(path)) && line.contains(expected),
            "{path:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn invalid_utf8_is_decoded_lossily_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.txt");
    std::fs::write(
        &path,
        b"Caracas amaneci\xf3 tranquila. La oposici\xf3n convoc\xf3 una marcha.",
    )
    .unwrap();
    let run = segment(&[path_str(&path)], None);
    assert_eq!(run.code, 0, "a warning is not a failure: {}", run.stderr);
    assert!(
        run.stderr.contains("warning")
            && run.stderr.contains("latin1.txt")
            && run.stderr.contains("invalid UTF-8"),
        "{}",
        run.stderr
    );
    let a = &run.articles[0];
    assert_eq!(
        sentences(a),
        [
            "Caracas amaneci\u{FFFD} tranquila.",
            "La oposici\u{FFFD}n convoc\u{FFFD} una marcha."
        ]
    );
    assert!(!a["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn several_paths_keep_their_order() {
    let run = segment(
        &[
            path_str(&fixture("wire.txt")),
            path_str(&fixture("front_matter.txt")),
            path_str(&fixture("custom_fields.jsonl")),
            path_str(&fixture("page.html")),
        ],
        None,
    );
    let origins: Vec<_> = run.articles.iter().map(origin).collect();
    assert_eq!(origins.len(), 3, "{}", run.stderr);
    assert!(origins[0].ends_with("wire.txt"));
    assert!(origins[1].ends_with("front_matter.txt"));
    assert!(origins[2].ends_with("page.html"));
    assert_eq!(run.code, 1, "custom_fields.jsonl has no `text` field");
}

fn article_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        ("outlets/zeta-post/b.txt", "Zeta second. It is short."),
        ("outlets/zeta-post/a.txt", "Zeta first. It is short."),
        (
            "outlets/alpha-news/2019/may/c.txt",
            "Alpha nested. Deep in the tree.",
        ),
        ("outlets/alpha-news/d.md", "Alpha markdown. Read as text."),
        (
            "outlets/alpha-news/e.jsonl",
            "{\"text\":\"Alpha record one.\"}\n{\"text\":\"Alpha record two.\",\"source\":\"Own Name\"}\n",
        ),
        ("outlets/alpha-news/.hidden.txt", "Never read."),
        (
            "outlets/README.md",
            "# About these outlets. Not an article.",
        ),
        ("outlets/alpha-news/notes.csv", "not,an,article"),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn directories_are_read_recursively_sorted_and_deterministically() {
    let dir = article_tree();
    let root = dir.path().join("outlets");
    let run = segment(&[path_str(&root)], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rel: Vec<String> = run
        .articles
        .iter()
        .map(|a| {
            Path::new(&origin(a))
                .strip_prefix(&root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        rel,
        [
            "alpha-news/2019/may/c.txt",
            "alpha-news/d.md",
            "alpha-news/e.jsonl",
            "alpha-news/e.jsonl",
            "zeta-post/a.txt",
            "zeta-post/b.txt",
        ]
    );
    let again = segment(&[path_str(&root)], None);
    assert_eq!(run.articles, again.articles, "same input, same output");
}

#[test]
fn source_from_dir_and_source_fill_only_missing_outlets() {
    let dir = article_tree();
    let root = dir.path().join("outlets");
    let run = segment(&["--source-from-dir", path_str(&root)], None);
    let sources: Vec<_> = run.articles.iter().map(|a| a["source"].clone()).collect();
    assert_eq!(
        sources,
        [
            "may",
            "alpha-news",
            "alpha-news",
            "Own Name",
            "zeta-post",
            "zeta-post"
        ]
    );
    let run = segment(&["--source", "Given", path_str(&root)], None);
    let sources: Vec<_> = run.articles.iter().map(|a| a["source"].clone()).collect();
    assert_eq!(
        sources,
        ["Given", "Given", "Given", "Own Name", "Given", "Given"]
    );
}

#[test]
fn directory_without_articles_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.csv"), "a,b").unwrap();
    let run = segment(&[path_str(dir.path())], None);
    assert_eq!(run.code, 1);
    assert!(run.articles.is_empty());
    assert!(
        run.stderr.contains(path_str(dir.path())) && run.stderr.contains("no articles"),
        "{}",
        run.stderr
    );
}

#[test]
fn stdin_as_text_and_as_jsonl() {
    let text = std::fs::read(fixture("wire.txt")).unwrap();
    let run = segment(&["-"], Some(&text));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(origin(&run.articles[0]), "-");
    assert_eq!(run.articles[0]["credit"], "NWA");

    let jsonl = std::fs::read(fixture("articles.jsonl")).unwrap();
    let run = segment(&["--stdin-format", "jsonl", "-"], Some(&jsonl));
    assert_eq!(run.code, 1);
    assert_eq!(run.articles.len(), 2);
    assert!(run.stderr.contains("-:2: malformed JSON"), "{}", run.stderr);

    let html = std::fs::read(fixture("page.html")).unwrap();
    let run = segment(&["--stdin-format", "html", "-"], Some(&html));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.articles[0]["byline"], "Lucía Benítez");
}

#[test]
fn lang_option_overrides_metadata_and_detection() {
    let run = segment(
        &["--lang", "pt", path_str(&fixture("front_matter.txt"))],
        None,
    );
    assert_eq!(run.articles[0]["language"]["code"], "pt");
    assert_eq!(run.articles[0]["language"]["source"], "declared");
}

#[test]
fn sample_articles_read_cleanly() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples");
    let run = segment(&["--source-from-dir", path_str(&samples)], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!((8..=12).contains(&run.articles.len()));
    let mut langs: Vec<&str> = Vec::new();
    for a in &run.articles {
        assert!(a["source"].is_string() && a["date"].is_string(), "{a}");
        let words = a["body"].as_str().unwrap().split_whitespace().count();
        assert!((120..=300).contains(&words), "{}: {words} words", origin(a));
        langs.push(a["language"]["code"].as_str().unwrap());
    }
    langs.sort();
    langs.dedup();
    assert!(langs.len() >= 3, "{langs:?}");
}
