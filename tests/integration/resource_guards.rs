//! Inputs that are too big, too deep, hostile or oddly linked: each fails
//! alone with a message naming it, or is read safely, and the batch goes on.

use crate::common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use common::Isolated;
use serde_json::{Value, json};

fn newsframe() -> Isolated<Command> {
    let mut cmd = common::newsframe();
    cmd.env("SOURCE_DATE_EPOCH", "1558483200");
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

const ARTICLE: &str = "Talks between the government and the opposition began in Oslo on Monday. \
Norway is mediating the talks between both delegations.";

#[test]
fn an_article_over_the_size_limit_fails_alone_and_resume_goes_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::write(inputs.join("a_big.txt"), ARTICLE.repeat(20)).unwrap();
    std::fs::write(inputs.join("b_small.txt"), ARTICLE).unwrap();
    let out_path = dir.path().join("out.jsonl");
    let run = |resume: bool| {
        let mut cmd = newsframe();
        cmd.args([
            "analyze",
            "--engine",
            "builtin",
            "--actor",
            "norway=Norway|Oslo",
        ])
        .args(["--max-article-bytes", "1000", "--out"])
        .arg(&out_path)
        .arg(&inputs);
        if resume {
            cmd.arg("--resume");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let records = jsonl(&std::fs::read_to_string(&out_path).unwrap());
    assert_eq!(records.len(), 2);
    let big = ARTICLE.repeat(20).len();
    assert_eq!(
        records[0]["error"],
        format!("article too large: {big} bytes (limit 1000; raise with --max-article-bytes)")
    );
    assert!(
        records[0]["origin"]["path"]
            .as_str()
            .unwrap()
            .ends_with("a_big.txt")
    );
    assert!(records[1]["actors"].is_array(), "{}", records[1]);
    assert!(
        stderr(&out).contains("article too large"),
        "{}",
        stderr(&out)
    );

    // --resume tries the big one again, fails it again at once, and keeps
    // what was done.
    let out = run(true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let records = jsonl(&std::fs::read_to_string(&out_path).unwrap());
    assert_eq!(records.len(), 3);
    assert!(
        records[2]["error"]
            .as_str()
            .unwrap()
            .starts_with("article too large")
    );
}

#[test]
fn a_jsonl_record_over_the_size_limit_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("articles.jsonl");
    let lines = [
        json!({"id": "big", "text": ARTICLE.repeat(20)}),
        json!({"id": "small", "text": ARTICLE}),
    ];
    std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    let out = newsframe()
        .args([
            "segment",
            "--format",
            "jsonl",
            "--max-article-bytes",
            "1000",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("articles.jsonl:1: article too large"),
        "{}",
        stderr(&out)
    );
    let records = jsonl(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], "small");
}

/// Address-space limit for the memory-bounded runs: enough for the binary
/// and its libraries, far below what a quadratic structure over the input
/// would need (the old summarizer: 8·n² bytes for n sentences).
const MEMORY_CAP: &str = "--as=4294967296";

fn prlimit_available() -> bool {
    std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

// prlimit comes with util-linux, part of every Linux base system (as bash,
// which other tests run): required, not optional.
#[test]
fn an_article_of_a_hundred_thousand_one_character_lines_is_summarized_in_bounded_memory() {
    assert!(prlimit_available(), "this test needs prlimit (util-linux)");
    // 100k sentences: a dense similarity matrix would need 80 GB.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.txt");
    let text: String = (0..100_000)
        .map(|i| format!("{}.\n\n", char::from(b'a' + (i % 26) as u8)))
        .collect();
    std::fs::write(&path, text).unwrap();
    let out = common::process("prlimit")
        .arg(MEMORY_CAP)
        .arg(common::BIN)
        .args(["analyze", "--engine", "builtin", "--actor", "x=Oslo"])
        .args(["--format", "jsonl"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = jsonl(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(records.len(), 1);
    let summary = &records[0]["summary"];
    assert!(!summary["text"].as_str().unwrap().is_empty(), "{summary}");
}

#[test]
fn csv_cells_from_articles_cannot_run_as_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let page = |site: &str, body: &str| {
        format!(
            "<html lang=\"en\"><head><title>Talks</title>\
             <meta property=\"og:site_name\" content=\"{site}\"></head>\
             <body><article><h1>Talks</h1><p>{body}</p><p>{body}</p></article></body></html>"
        )
    };
    std::fs::write(
        dir.path().join("a.html"),
        page(
            "=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)",
            ARTICLE,
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.html"), page("-2+3", ARTICLE)).unwrap();
    let out = newsframe()
        .args(["compare", "--engine", "builtin", "--format", "csv"])
        .args(["--actor", "@norway=Norway|Oslo"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(r#""'=HYPERLINK(""http://evil.example"",""x"")""#),
        "{text}"
    );
    assert!(text.contains(r#""'-2+3""#), "{text}");
    assert!(text.contains(r#""'@norway""#), "{text}");
    // Every text cell that a spreadsheet would evaluate is neutralized;
    // numbers (a negative score too) stay numbers.
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut numbers = 0;
    for row in reader.records() {
        let row = row.unwrap();
        for cell in row.iter().take(5) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "live formula cell {cell:?}"
            );
        }
        if !row[5].is_empty() {
            row[5].parse::<f64>().expect("a number");
            numbers += 1;
        }
    }
    assert!(numbers > 0);
}

#[cfg(unix)]
#[test]
fn symbolic_links_in_a_folder_are_followed_once_and_loops_are_reported() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("articles");
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(root.join("real")).unwrap();
    std::fs::create_dir_all(outside.join("folder")).unwrap();
    let article = |title: &str| format!("title: {title}\n---\n{ARTICLE}");
    std::fs::write(root.join("real/a.txt"), article("A")).unwrap();
    std::fs::write(outside.join("b.txt"), article("B")).unwrap();
    std::fs::write(outside.join("folder/c.txt"), article("C")).unwrap();
    // A link to a file, a link to a folder, a second name of a file read
    // already, a loop, and a dangling link.
    symlink(outside.join("b.txt"), root.join("link-to-file.txt")).unwrap();
    symlink(outside.join("folder"), root.join("link-to-folder")).unwrap();
    symlink(root.join("real/a.txt"), root.join("z-again.txt")).unwrap();
    symlink(&root, root.join("real/loop")).unwrap();
    symlink(dir.path().join("gone.txt"), root.join("dangling.txt")).unwrap();

    let out = newsframe()
        .args(["segment", "--format", "jsonl"])
        .arg(&root)
        .output()
        .unwrap();
    let err = stderr(&out);
    let titles: Vec<String> = jsonl(&String::from_utf8(out.stdout.clone()).unwrap())
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect();
    // Sorted walk: link-to-file.txt, link-to-folder/c.txt, real/a.txt
    // (z-again.txt is the same file as real/a.txt).
    assert_eq!(titles, ["B", "C", "A"], "{err}");
    assert!(err.contains("symbolic link loop"), "{err}");
    assert!(err.contains("real/loop"), "{err}");
    assert!(err.contains("dangling symbolic link"), "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
}

/// A records file with a hostile outlet name and one impossible record.
fn hostile_records(dir: &Path) -> std::path::PathBuf {
    let record = |id: &str, source: &str, score: f64| {
        json!({"schema_version": 1, "id": id, "source": source, "date": "2019-05-17\u{1b}[2J",
               "lang": "en", "title": "Talks", "origin": {"path": "x.txt"},
               "engine": {"summary": "builtin-extractive@0.1.0", "stance": "builtin-lexicon@0.1.0"},
               "summary": {"text": "Talks began in Oslo.", "method": "extractive", "sentences": [0]},
               "actors": [{"id": "no", "name": "Norway", "mentions": 1, "stance": "positive",
                           "score": score, "confidence": 0.6,
                           "probs": {"positive": 0.6, "neutral": 0.3, "negative": 0.1},
                           "evidence": []}],
               "warnings": []})
    };
    let path = dir.join("records.jsonl");
    let lines = [
        record("a", "Wire\u{1b}]0;owned\u{7}", 0.5),
        record("b", "Other", -0.25),
        record("c", "Other", 1e308),
    ];
    std::fs::write(
        &path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    path
}

#[test]
fn compare_refuses_impossible_values_escapes_control_characters_and_reads_a_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = hostile_records(dir.path());
    let out = newsframe()
        .args(["compare", "--format", "md"])
        .arg(&path)
        .arg(&path)
        .output()
        .unwrap();
    let err = stderr(&out);
    let md = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("records.jsonl:3: invalid analysis record"),
        "{err}"
    );
    assert!(err.contains("score 1e308 is outside [-1, 1]"), "{err}");
    assert!(err.contains("named more than once"), "{err}");
    assert!(!md.contains('\u{1b}') && !err.contains('\u{1b}'), "{md}");
    assert!(md.contains("\\u{1b}]0;owned"), "{md}");
    assert!(!md.contains("inf") && !md.contains("NaN"), "{md}");
    // Read once: two analyses, not four.
    assert!(md.contains("2 analyses"), "{md}");
}
