//! What each outlet calls each actor: naming terms in the records of
//! `analyze`, summed per outlet × actor by `compare`, ranked by the
//! log-odds statistic, and shown the same in JSON, Markdown, CSV and HTML.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The sample articles analyzed with the builtin engine, as JSON lines.
fn sample_records(dir: &Path) -> PathBuf {
    let out = dir.join("records.jsonl");
    let status = common::process(common::BIN)
        .arg("analyze")
        .arg(repo("data/samples"))
        .arg("--actors")
        .arg(repo("data/actors/venezuela.toml"))
        .args(["--engine", "builtin", "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "analyze failed");
    out
}

fn compare(records: &Path, format: &str) -> String {
    let out = common::process(common::BIN)
        .arg("compare")
        .arg(records)
        .args(["--format", format])
        .env("SOURCE_DATE_EPOCH", "1558483200")
        .output()
        .unwrap();
    // 1: some records are failures (the fixture has one), reported apart.
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The terms a group uses for an actor in the report: term → (count, others, z).
fn terms(report: &Value, actor: &str, group: &str) -> BTreeMap<String, (u64, u64, f64)> {
    let naming = report["sections"][0]["naming"].as_array().expect("naming");
    let actor = naming
        .iter()
        .find(|n| n["actor"] == actor)
        .unwrap_or_else(|| panic!("no naming for {actor}"));
    let group = actor["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == group)
        .unwrap_or_else(|| panic!("{group} does not name {actor}"));
    group["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["term"].as_str().unwrap().to_string(),
                (
                    t["count"].as_u64().unwrap(),
                    t["others"].as_u64().unwrap(),
                    t["z"].as_f64().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn outlets_are_told_apart_by_what_they_call_each_actor() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample_records(dir.path());
    let report: Value = serde_json::from_str(&compare(&records, "json")).unwrap();

    // The Caracas Observer calls the government "the regime" (three times:
    // "doubt that the regime will negotiate", "break with the regime", "the
    // regime blames"), and is the only outlet to.
    let observer = terms(&report, "government", "The Caracas Observer");
    assert_eq!(observer["regime"].0, 3);
    assert_eq!(observer["regime"].1, 0);
    assert!(
        observer["regime"].2 >= 1.96,
        "distinctive: {:?}",
        observer["regime"]
    );
    let top = report["sections"][0]["naming"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["actor"] == "government")
        .unwrap()["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "The Caracas Observer")
        .unwrap()["terms"][0]["term"]
        .clone();
    assert_eq!(
        top, "regime",
        "its most distinctive term for the government"
    );

    // The Bolivarian Dispatch calls the opposition putschists and coup
    // plotters, and Guaidó self-proclaimed; no other outlet does.
    let dispatch = terms(&report, "opposition", "The Bolivarian Dispatch");
    for term in [
        "putschists",
        "coup plotters",
        "self-proclaimed interim president",
        "us-backed",
    ] {
        let (count, others, z) = dispatch[term];
        assert!(
            count >= 1 && others == 0 && z > 0.0,
            "{term}: {:?}",
            dispatch[term]
        );
    }
    // …and uses the neutral word less than the others do.
    assert!(
        dispatch["opposition"].2 < 0.0,
        "{:?}",
        dispatch["opposition"]
    );
    // Voz Bolivariana calls Guaidó a mere deputy, his camp extremist and golpistas.
    let voz = terms(&report, "opposition", "Voz Bolivariana");
    assert_eq!(voz["diputado"].0, 2);
    assert!(voz.contains_key("golpistas") && voz.contains_key("extremista"));
    // Global Wire Review: "opposition leader", and Guaidó's recognition as
    // interim president, which it shares with the Observer.
    let wire = terms(&report, "opposition", "Global Wire Review");
    assert_eq!(wire["opposition leader"].0, 2);
    assert_eq!(wire["interim president"].1, 1);
}

#[test]
fn report_counts_are_the_sums_of_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample_records(dir.path());
    // Sum the records' terms per (actor, outlet, term).
    let mut sums: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for line in std::fs::read_to_string(&records).unwrap().lines() {
        let r: Value = serde_json::from_str(line).unwrap();
        assert_eq!(r["schema_version"], 2);
        for a in r["actors"].as_array().unwrap() {
            let naming = a["naming"].as_array().cloned().unwrap_or_default();
            assert_eq!(
                naming.is_empty(),
                a["mentions"] == 0,
                "terms exactly for mentioned actors: {a}"
            );
            for t in naming {
                *sums
                    .entry((
                        a["id"].as_str().unwrap().into(),
                        r["source"].as_str().unwrap().into(),
                        t["term"].as_str().unwrap().into(),
                    ))
                    .or_default() += t["count"].as_u64().unwrap();
            }
        }
    }
    let report: Value = serde_json::from_str(&compare(&records, "json")).unwrap();
    let mut checked = 0;
    for n in report["sections"][0]["naming"].as_array().unwrap() {
        let actor = n["actor"].as_str().unwrap();
        for g in n["groups"].as_array().unwrap() {
            let group = g["group"].as_str().unwrap();
            let mine: u64 = sums
                .iter()
                .filter(|((a, o, _), _)| a == actor && o == group)
                .map(|(_, c)| c)
                .sum();
            assert_eq!(g["uses"].as_u64().unwrap(), mine, "{actor} × {group}");
            for t in g["terms"].as_array().unwrap() {
                let term = t["term"].as_str().unwrap();
                let key = (actor.to_string(), group.to_string(), term.to_string());
                assert_eq!(t["count"].as_u64().unwrap(), sums[&key], "{key:?}");
                let others: u64 = sums
                    .iter()
                    .filter(|((a, o, w), _)| a == actor && o != group && w == term)
                    .map(|(_, c)| c)
                    .sum();
                assert_eq!(t["others"].as_u64().unwrap(), others, "{key:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked} terms checked");

    // Streaming: the same report whatever the order of the records.
    let reversed = dir.path().join("reversed.jsonl");
    let text = std::fs::read_to_string(&records).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    std::fs::write(&reversed, lines.join("\n") + "\n").unwrap();
    let again: Value = serde_json::from_str(&compare(&reversed, "json")).unwrap();
    assert_eq!(
        again["sections"][0]["naming"],
        report["sections"][0]["naming"]
    );
}

#[test]
fn every_format_shows_the_naming_terms() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample_records(dir.path());
    let report: Value = serde_json::from_str(&compare(&records, "json")).unwrap();
    let md = compare(&records, "md");
    let csv = compare(&records, "csv");
    let html = compare(&records, "html");
    assert!(md.contains("### What each outlet calls each actor"));
    assert!(html.contains("What each outlet calls each actor"));
    let mut csv_rows: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        // value, metric, actor, group, then story and engine (quoted).
        let fields: Vec<&str> = line.rsplitn(5, ',').collect();
        if fields.len() == 5 && fields[1].starts_with("naming_") {
            csv_rows.insert(
                (fields[3].into(), fields[2].into(), fields[1].into()),
                fields[0].into(),
            );
        }
    }
    for n in report["sections"][0]["naming"].as_array().unwrap() {
        let actor = n["actor"].as_str().unwrap();
        assert!(html.contains(&format!("<table class=\"naming\" data-actor=\"{actor}\">")));
        for g in n["groups"].as_array().unwrap() {
            let group = g["group"].as_str().unwrap();
            for t in g["terms"].as_array().unwrap() {
                let term = t["term"].as_str().unwrap();
                let count = t["count"].as_u64().unwrap();
                let z = t["z"].as_f64().unwrap();
                let z_shown = {
                    let r = (z * 100.0).round() / 100.0;
                    if r == 0.0 {
                        "0.00".to_string()
                    } else {
                        format!("{r:+.2}")
                    }
                };
                let star = if z >= 1.96 { "*" } else { "" };
                assert!(
                    md.contains(&format!("{term}{star} ({count}, z {z_shown})")),
                    "md lacks {term} of {group}"
                );
                let escaped = html_text(term);
                assert!(
                    html.contains(&format!(
                        "data-count=\"{count}\" data-z=\"{z_shown}\">{escaped} "
                    )),
                    "html lacks {term} of {group}"
                );
                let key = |m: &str| (group.to_string(), actor.to_string(), format!("{m}:{term}"));
                if !term.contains(',') {
                    assert_eq!(csv_rows[&key("naming_count")], count.to_string());
                    assert_eq!(csv_rows[&key("naming_z")].parse::<f64>().unwrap(), z);
                }
            }
        }
    }
}

/// Text as the page's template escapes it (minijinja's HTML escaping).
fn html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

#[test]
fn records_without_naming_terms_still_compare() {
    let fixture = repo("tests/fixtures/records/venezuela_2019.jsonl");
    let json = compare(&fixture, "json");
    let report: Value = serde_json::from_str(&json).unwrap();
    assert!(report["sections"][0].get("naming").is_none());
    assert!(!compare(&fixture, "md").contains("calls each actor"));
    assert!(!compare(&fixture, "csv").contains("naming_"));
}
