//! `--summary-lang` end to end: records say which language each summary is
//! in; the transformer engine writes in the language asked for (the tiny
//! CrossSum-style fixture) and refuses one its model lacks; the builtin
//! engine says once that it cannot translate and records the source language.

use crate::common;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `newsframe analyze` of the sample articles with `args`.
fn analyze(args: &[&str]) -> std::process::Output {
    // An empty hub cache: only fixture folders given by path are used.
    common::newsframe()
        .current_dir(ROOT)
        .args([
            "analyze",
            "data/samples",
            "--actors",
            "data/actors/venezuela.toml",
        ])
        .args(args)
        .output()
        .unwrap()
}

/// Exit code, JSONL records and standard error of `analyze` with `args`.
fn run(args: &[&str]) -> (i32, Vec<Value>, String) {
    let output = analyze(&[&["--format", "jsonl"], args].concat());
    let records = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        output.status.code().unwrap_or(-1),
        records,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn builtin_engine_keeps_the_source_language_and_says_so_once() {
    let (code, records, stderr) = run(&["--engine", "builtin", "--summary-lang", "EN"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr
            .matches("the builtin engine cannot translate; summaries stay in the source language")
            .count(),
        1,
        "{stderr}"
    );
    assert!(records.len() >= 5);
    let mut languages: Vec<&str> = records
        .iter()
        .map(|r| {
            assert_eq!(r["summary"]["lang"], r["lang"], "{r}");
            r["lang"].as_str().unwrap()
        })
        .collect();
    languages.sort();
    languages.dedup();
    assert!(languages.len() > 1, "the samples are in several languages");

    // Without --summary-lang, records stay as they were: no summary.lang.
    let (code, records, _) = run(&["--engine", "builtin"]);
    assert_eq!(code, 0);
    assert!(records.iter().all(|r| r["summary"].get("lang").is_none()));
}

#[test]
fn a_summary_lang_that_is_not_a_code_is_a_usage_error() {
    let (code, records, stderr) = run(&["--engine", "builtin", "--summary-lang", "english"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(records.is_empty());
    assert!(
        stderr.contains("ISO 639-1") && stderr.contains("is en"),
        "{stderr}"
    );
}

#[cfg(feature = "transformer")]
mod transformer {
    use super::*;

    const CROSSSUM: [&str; 4] = [
        "--summary-model",
        "tests/fixtures/models/mt5-crosssum-tiny",
        "--nli-model",
        "tests/fixtures/models/mdeberta-nli-tiny",
    ];

    fn transformer(extra: &[&str]) -> (i32, Vec<Value>, String) {
        let mut args = vec!["--engine", "transformer"];
        args.extend(CROSSSUM);
        args.extend(extra);
        run(&args)
    }

    #[test]
    fn summaries_are_written_in_the_language_asked_for() {
        let (code, records, stderr) = transformer(&["--summary-lang", "ru"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(records.len() >= 5);
        for record in &records {
            assert_eq!(record["summary"]["lang"], "ru", "{record}");
            assert!(
                record["engine"]["summary"]
                    .as_str()
                    .unwrap()
                    .ends_with("mt5-crosssum-tiny+lang(ru)"),
                "{record}"
            );
            let text = record["summary"]["text"].as_str().unwrap();
            assert!(!text.contains("extra_id"), "{text}");
        }
        assert!(records.iter().any(|r| r["lang"] != "ru"));
    }

    #[test]
    fn without_summary_lang_a_cross_lingual_model_keeps_the_article_language() {
        let (code, records, stderr) = transformer(&[]);
        assert_eq!(code, 0, "{stderr}");
        for record in &records {
            let lang = record["lang"].as_str().unwrap();
            // The fixture has en, es, fr and ru; its own start token is English.
            let expected = if ["en", "es", "fr", "ru"].contains(&lang) {
                lang
            } else {
                "en"
            };
            assert_eq!(record["summary"]["lang"], expected, "{record}");
        }
    }

    #[test]
    fn a_language_the_model_lacks_is_refused_listing_those_it_has() {
        let (code, records, stderr) = transformer(&["--summary-lang", "de"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(records.is_empty());
        assert!(
            stderr.contains("\"de\"") && stderr.contains("en, es, fr, ru"),
            "{stderr}"
        );
        // A model without language tokens cannot honor --summary-lang.
        let (code, _, stderr) = run(&[
            "--engine",
            "transformer",
            "--summary-model",
            "tests/fixtures/models/mt5-tiny",
            "--nli-model",
            "tests/fixtures/models/mdeberta-nli-tiny",
            "--summary-lang",
            "en",
        ]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("langid_map"), "{stderr}");
    }
}

/// Every JSON object under `value` that has `key`.
fn objects_with<'a>(value: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            if map.contains_key(key) {
                out.push(value);
            }
            map.values().for_each(|v| objects_with(v, key, out));
        }
        Value::Array(items) => items.iter().for_each(|v| objects_with(v, key, out)),
        _ => {}
    }
}

#[test]
fn compare_shows_summaries_in_their_language_with_the_source_language() {
    let (code, mut records, stderr) = run(&["--engine", "builtin", "--summary-lang", "en"]);
    assert_eq!(code, 0, "{stderr}");
    // As a cross-lingual model would write them: every summary in English.
    let mut translated = 0;
    for record in &mut records {
        if record["lang"] != "en" {
            record["summary"]["lang"] = "en".into();
            translated += 1;
        }
    }
    assert!(translated > 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.jsonl");
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let compare = |format: &str| {
        let output = common::newsframe()
            .args(["compare", path.to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let report: Value = serde_json::from_str(&compare("json")).unwrap();
    let mut entries = Vec::new();
    objects_with(&report, "source_lang", &mut entries);
    assert!(!entries.is_empty(), "no summary names its source language");
    let mut entries = Vec::new();
    objects_with(&report, "sentences", &mut entries);
    entries.retain(|e| e.get("article_id").is_some());
    assert!(entries.len() >= records.len(), "{report}");
    for entry in &entries {
        assert_eq!(entry["lang"], "en", "{entry}");
        let record = records
            .iter()
            .find(|r| r["id"] == entry["article_id"])
            .unwrap();
        if record["lang"] == "en" {
            assert!(entry.get("source_lang").is_none(), "{entry}");
        } else {
            assert_eq!(entry["source_lang"], record["lang"], "{entry}");
        }
    }
    let markdown = compare("md");
    let spanish = records.iter().find(|r| r["lang"] == "es").unwrap();
    let title = spanish["title"].as_str().unwrap();
    let line = markdown
        .lines()
        .find(|l| l.starts_with("- *") && l.contains(title))
        .unwrap_or_else(|| panic!("{markdown}"));
    assert!(line.contains("en, from es"), "{line}");
}

#[test]
fn parquet_tables_keep_the_summary_language() {
    let dir = tempfile::tempdir().unwrap();
    let tables = dir.path().join("tables");
    let output = analyze(&[
        "--engine",
        "builtin",
        "--summary-lang",
        "en",
        "--format",
        "parquet",
        "--out",
        tables.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let loaded = crate::records_scale::parquet_records(&tables);
    assert!(loaded.analyses.len() >= 5);
    for loaded in &loaded.analyses {
        let analysis = &loaded.analysis;
        let summary = analysis.summary.as_ref().unwrap();
        assert_eq!(summary.lang.as_deref(), Some(analysis.lang.as_str()));
    }
}
