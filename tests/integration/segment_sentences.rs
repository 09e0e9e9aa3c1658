//! Sentence segmentation against the project's hand-written cases in
//! `tests/fixtures/segmentation/<lang>.txt` (format in the README there).
//!
//! Prints the accuracy (cases segmented exactly right) of plain `sentencex`
//! and of `sentencex` plus the project's rules:
//! `cargo test --test integration segment_sentences -- --nocapture`.

use std::ops::Range;
use std::path::Path;

use newsframe::preprocess::sentences::{sentencex_only, split_sentences};

const LANGS: &[&str] = &["en", "es", "fr", "de", "pt", "it"];

struct Case {
    line: usize,
    sentences: Vec<String>,
}

impl Case {
    fn paragraph(&self) -> String {
        self.sentences.join(" ")
    }
}

fn load_cases(lang: &str) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/segmentation")
        .join(format!("{lang}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            cases.extend(current.take());
        } else if !line.starts_with('#') {
            current
                .get_or_insert_with(|| Case {
                    line: i + 1,
                    sentences: Vec::new(),
                })
                .sentences
                .push(line.to_string());
        }
    }
    cases.extend(current);
    cases
}

fn texts(paragraph: &str, ranges: &[Range<usize>]) -> Vec<String> {
    ranges
        .iter()
        .map(|r| paragraph[r.clone()].to_string())
        .collect()
}

fn assert_spans_valid(paragraph: &str, ranges: &[Range<usize>]) {
    let mut last_end = 0;
    for r in ranges {
        assert!(
            r.start >= last_end,
            "overlapping or unordered spans {ranges:?}"
        );
        assert!(r.start < r.end, "empty span {r:?}");
        let text = &paragraph[r.clone()];
        assert_eq!(text, text.trim(), "span {r:?} is not trimmed");
        last_end = r.end;
    }
}

/// (cases, right with sentencex alone, right with the project's rules, failures)
fn score(lang: &str) -> (usize, usize, usize, Vec<String>) {
    let cases = load_cases(lang);
    let (mut plain, mut ours) = (0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let paragraph = case.paragraph();
        let base = sentencex_only(lang, &paragraph);
        assert_spans_valid(&paragraph, &base);
        if texts(&paragraph, &base) == case.sentences {
            plain += 1;
        }
        let got = split_sentences(lang, &paragraph);
        assert_spans_valid(&paragraph, &got);
        let got = texts(&paragraph, &got);
        if got == case.sentences {
            ours += 1;
        } else {
            failures.push(format!(
                "{lang}.txt:{}\n  expected: {:#?}\n  got:      {:#?}",
                case.line, case.sentences, got
            ));
        }
    }
    (cases.len(), plain, ours, failures)
}

#[test]
fn every_case_segments_as_written() {
    let mut all_failures = Vec::new();
    let (mut total, mut total_plain, mut total_ours) = (0, 0, 0);
    println!("lang  cases  sentencex  sentencex+rules");
    for lang in LANGS {
        let (n, plain, ours, failures) = score(lang);
        assert!(n >= 15, "{lang}: only {n} cases");
        println!("{lang:<5} {n:>5}  {plain:>9}  {ours:>15}");
        total += n;
        total_plain += plain;
        total_ours += ours;
        all_failures.extend(failures);
    }
    println!(
        "all   {total:>5}  {total_plain:>4} ({:.1}%)  {total_ours:>9} ({:.1}%)",
        100.0 * total_plain as f64 / total as f64,
        100.0 * total_ours as f64 / total as f64
    );
    assert!(
        all_failures.is_empty(),
        "{} cases differ:\n{}",
        all_failures.len(),
        all_failures.join("\n")
    );
}
