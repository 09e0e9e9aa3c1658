//! `newsframe segment` end to end: the wire format, the output formats,
//! exit codes, help, and a 5 MB article.

use crate::common;

use std::path::{Path, PathBuf};

use common::newsframe;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/input")
        .join(name)
}

/// Checks that every sentence's text is `body[span]`, spans increase
/// without overlap; returns the sentence texts per paragraph.
fn checked_paragraphs(article: &Value) -> Vec<Vec<String>> {
    let body = article["body"].as_str().expect("body");
    let mut last_end = 0;
    let mut last_index = None;
    let mut paragraphs = Vec::new();
    for paragraph in article["paragraphs"].as_array().unwrap() {
        let mut texts = Vec::new();
        for sentence in paragraph["sentences"].as_array().unwrap() {
            let start = sentence["span"]["start"].as_u64().unwrap() as usize;
            let end = sentence["span"]["end"].as_u64().unwrap() as usize;
            let text = sentence["text"].as_str().unwrap();
            assert!(start >= last_end && start < end, "span {start}..{end}");
            assert_eq!(&body[start..end], text);
            let index = sentence["index"].as_u64().unwrap();
            assert_eq!(index, last_index.map_or(0, |i| i + 1));
            last_index = Some(index);
            last_end = end;
            texts.push(text.to_string());
        }
        paragraphs.push(texts);
    }
    paragraphs
}

#[test]
fn wire_article_metadata_caption_paragraphs_and_sentences() {
    let output = newsframe()
        .args(["segment", "--format", "json"])
        .arg(fixture("wire.txt"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let articles: Value = serde_json::from_slice(&output.stdout).unwrap();
    let article = &articles[0];
    assert_eq!(article["date"], "2019-05-16");
    assert_eq!(article["credit"], "NWA");
    let caption = article["caption"].as_str().unwrap();
    assert!(caption.starts_with("Delegates of the Venezuelan opposition arrive"));
    assert!(caption.ends_with("brokered by the Norwegian government."));
    let body = article["body"].as_str().unwrap();
    assert!(!body.contains("Delegates of the"), "caption is not body");
    assert!(!body.contains("date 2019"), "header is not body");
    assert_eq!(article["language"]["code"], "en");
    assert_eq!(
        checked_paragraphs(article),
        vec![
            vec![
                "Representatives of Venezuela’s government and of the opposition led by Juan Guaidó held separate meetings with Norwegian mediators in Oslo this week, officials on both sides said."
            ],
            vec![
                "“We went to listen, nothing more!” Guaidó told reporters in Caracas on Thursday.",
                "He said the opposition would accept no deal that kept Nicolás Maduro in power.",
            ],
            vec![
                "Information Minister Jorge Rodríguez, who led the government delegation, called the meetings “a step toward peace.”",
                "The U.S. State Department said it was watching the process closely.",
            ],
            vec![
                "The U.N. welcomed the contacts... but diplomats in Oslo warned that a settlement was still far off."
            ],
        ]
    );
}

#[test]
fn text_output_shows_metadata_then_numbered_sentences() {
    let output = newsframe()
        .arg("segment")
        .arg(fixture("wire.txt"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "     date: 2019-05-16\n",
        "   credit: NWA\n",
        "  caption: Delegates of the Venezuelan opposition",
        " language: en (detected",
        "     body: 4 paragraphs, 6 sentences\n",
        "[¶2]\n    2. “We went to listen, nothing more!” Guaidó told reporters in Caracas on Thursday.\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn json_and_jsonl_hold_the_same_articles() {
    let inputs = [
        fixture("wire.txt"),
        fixture("front_matter.txt"),
        fixture("page.html"),
    ];
    let json = newsframe()
        .args(["segment", "--format", "json"])
        .args(&inputs)
        .output()
        .unwrap();
    assert!(json.status.success());
    let array: Vec<Value> = serde_json::from_slice(&json.stdout).unwrap();
    let jsonl = newsframe()
        .args(["segment", "--format", "jsonl"])
        .args(&inputs)
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(jsonl.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(array, lines);
    assert_eq!(array.len(), 3);
    for article in &array {
        assert!(!checked_paragraphs(article).concat().is_empty());
    }
}

#[test]
fn json_of_no_articles_is_an_empty_array() {
    let dir = tempfile::tempdir().unwrap();
    let output = newsframe()
        .args(["segment", "--format", "json"])
        .arg(dir.path().join("missing.txt"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let array: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(array.is_empty());
}

#[test]
fn out_writes_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/out.jsonl");
    newsframe()
        .args(["segment", "--format", "jsonl", "--out"])
        .arg(&out)
        .arg(fixture("front_matter.txt"))
        .assert()
        .success()
        .stdout("");
    let written = std::fs::read_to_string(&out).unwrap();
    let article: Value = serde_json::from_str(written.trim()).unwrap();
    assert_eq!(article["source"], "Harbor Ledger");
}

#[test]
fn usage_errors_exit_with_2() {
    newsframe().arg("segment").assert().code(2);
    newsframe()
        .args(["segment", "--format", "yaml", "a.txt"])
        .assert()
        .code(2);
    newsframe()
        .args(["segment", "--no-such-flag", "a.txt"])
        .assert()
        .code(2);
}

#[test]
fn help_explains_inputs_formats_and_exit_codes() {
    let output = newsframe().args(["segment", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "Usage: newsframe segment",
        "--format",
        "--source-from-dir",
        "--text-field",
        "front matter",
        "date 2019-05-22 AFP",
        "Exit status",
    ] {
        assert!(help.contains(expected), "help lacks {expected:?}:\n{help}");
    }
}

/// A 5 MB article (one huge paragraph and many paragraphs) is read and
/// segmented; no timing is asserted here (see scripts/bench_segment.sh).
#[test]
fn five_megabyte_article() {
    let sentence =
        "Los negociadores se reunieron de nuevo en Oslo el jueves, según fuentes de ambas partes. ";
    let one_paragraph = sentence.repeat(5_000_000 / sentence.len());
    let many_paragraphs = sentence.repeat(3).trim_end().to_string() + "\n\n";
    let many_paragraphs = many_paragraphs.repeat(5_000_000 / many_paragraphs.len());
    for (name, text) in [("one.txt", one_paragraph), ("many.txt", many_paragraphs)] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let output = newsframe()
            .args(["segment", "--format", "jsonl"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}");
        let article: Value = serde_json::from_slice(&output.stdout).unwrap();
        let paragraphs = checked_paragraphs(&article);
        let count: usize = paragraphs.iter().map(Vec::len).sum();
        assert_eq!(count, text.matches("Oslo").count(), "{name}");
        assert_eq!(article["language"]["code"], "es");
    }
}
