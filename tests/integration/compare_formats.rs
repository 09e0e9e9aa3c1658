//! `newsframe compare` end to end on the sample records: the four formats
//! agree with each other and with numbers computed here from the records.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/records")
        .join(name)
}

fn compare(args: &[&str]) -> Output {
    common::process(common::BIN)
        .arg("compare")
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1558483200")
        .output()
        .expect("run newsframe")
}

fn stdout_of(args: &[&str]) -> String {
    let out = compare(args);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "compare {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn report_json(path: &Path, extra: &[&str]) -> Value {
    let p = path.to_str().unwrap();
    let mut args = vec![p, "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&stdout_of(&args)).expect("valid JSON report")
}

/// `fmt_score` as the report shows scores: two decimals, a sign, 0.00.
fn shown(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 {
        "0.00".into()
    } else {
        format!("{r:+.2}")
    }
}

fn cells(section: &Value) -> &Vec<Value> {
    section["cells"].as_array().unwrap()
}

fn cell<'a>(section: &'a Value, group: &str, actor: &str) -> &'a Value {
    cells(section)
        .iter()
        .find(|c| c["group"] == group && c["actor"] == actor)
        .unwrap_or_else(|| panic!("no cell {group} × {actor}"))
}

#[test]
fn numbers_match_the_records() {
    let path = fixture("venezuela_2019.jsonl");
    let report = report_json(&path, &[]);
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["generated_at"], "2019-05-22T00:00:00Z");
    let sections = report["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 1);
    let s = &sections[0];
    assert_eq!(s["articles"], 11);
    assert_eq!(s["languages"], serde_json::json!(["en", "es", "no"]));

    // Recompute every mean, coverage and label count from the records.
    let text = std::fs::read_to_string(&path).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r.get("actors").is_some())
        .collect();
    for c in cells(s) {
        let group = c["group"].as_str().unwrap();
        let actor = c["actor"].as_str().unwrap();
        let of_group: Vec<&Value> = records.iter().filter(|r| r["source"] == group).collect();
        let stances: Vec<&Value> = of_group
            .iter()
            .map(|r| {
                r["actors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["id"] == actor)
                    .unwrap()
            })
            .filter(|a| a["mentions"].as_u64().unwrap() > 0)
            .collect();
        assert_eq!(c["articles"].as_u64().unwrap() as usize, of_group.len());
        assert_eq!(
            c["articles_mentioning"].as_u64().unwrap() as usize,
            stances.len()
        );
        let coverage = stances.len() as f64 / of_group.len() as f64;
        assert!((c["coverage"].as_f64().unwrap() - coverage).abs() < 1e-12);
        let mentions: u64 = stances
            .iter()
            .map(|a| a["mentions"].as_u64().unwrap())
            .sum();
        assert_eq!(c["mentions"].as_u64().unwrap(), mentions);
        if stances.is_empty() {
            assert!(
                c["mean_score"].is_null(),
                "{group} × {actor}: omission is not neutrality"
            );
            assert!(c["interval"].is_null());
            assert!(c["evidence"].is_null());
        } else {
            let mean = stances
                .iter()
                .map(|a| a["score"].as_f64().unwrap())
                .sum::<f64>()
                / stances.len() as f64;
            assert!(
                (c["mean_score"].as_f64().unwrap() - mean).abs() < 1e-12,
                "{group} × {actor}"
            );
            for label in ["positive", "neutral", "negative"] {
                let n = stances.iter().filter(|a| a["stance"] == label).count();
                assert_eq!(c["labels"][label].as_u64().unwrap() as usize, n);
            }
            match c["interval"].as_object() {
                Some(iv) => {
                    assert!(stances.len() >= 2);
                    let (lo, hi) = (iv["low"].as_f64().unwrap(), iv["high"].as_f64().unwrap());
                    let min = stances
                        .iter()
                        .map(|a| a["score"].as_f64().unwrap())
                        .fold(f64::MAX, f64::min);
                    let max = stances
                        .iter()
                        .map(|a| a["score"].as_f64().unwrap())
                        .fold(f64::MIN, f64::max);
                    assert!(
                        min - 1e-12 <= lo
                            && lo <= mean + 1e-12
                            && mean - 1e-12 <= hi
                            && hi <= max + 1e-12
                    );
                }
                None => assert_eq!(stances.len(), 1, "{group} × {actor} has no interval"),
            }
            // The evidence is a sentence of one of the group's articles.
            let ev = c["evidence"]["text"].as_str().unwrap();
            assert!(stances.iter().any(|a| {
                a["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["text"] == ev)
            }));
        }
    }

    // Spot checks a reader would make.
    let gov = cell(s, "Diario Bolivariano", "government");
    assert_eq!(shown(gov["mean_score"].as_f64().unwrap()), "+0.66");
    assert_eq!(
        cell(s, "Atlantic Ledger", "norway")["articles_mentioning"],
        1
    );
    assert_eq!(cell(s, "Nordlys Nyheter", "us")["articles_mentioning"], 0);
    let eu = s["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "eu")
        .unwrap();
    assert_eq!(eu["articles_mentioning"], 0);
    assert!(eu["divergence"].is_null());
    let gov_actor = &s["actors"][0];
    assert_eq!(
        gov_actor["divergence"]["lowest"]["group"],
        "El Observador Libre"
    );
    assert_eq!(
        gov_actor["divergence"]["highest"]["group"],
        "Diario Bolivariano"
    );
    assert!(
        s["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("3 languages"))
    );

    // The failed record is counted and listed, not a crash.
    assert_eq!(report["failed"][0]["origin"], "corpus/venezuela.jsonl:8");
    assert_eq!(report["failed"][0]["kind"], "analysis");
    assert_eq!(report["inputs"][0]["failed"], 1);
}

#[test]
fn divergence_is_range_and_sample_sd_of_group_means() {
    let report = report_json(&fixture("venezuela_2019.jsonl"), &[]);
    let s = &report["sections"][0];
    for actor in s["actors"].as_array().unwrap() {
        let means: Vec<f64> = cells(s)
            .iter()
            .filter(|c| c["actor"] == actor["id"])
            .filter_map(|c| c["mean_score"].as_f64())
            .collect();
        let d = &actor["divergence"];
        if means.len() < 2 {
            assert!(d.is_null());
            continue;
        }
        let max = means.iter().cloned().fold(f64::MIN, f64::max);
        let min = means.iter().cloned().fold(f64::MAX, f64::min);
        let mean = means.iter().sum::<f64>() / means.len() as f64;
        let sd = (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (means.len() - 1) as f64)
            .sqrt();
        assert!((d["range"].as_f64().unwrap() - (max - min)).abs() < 1e-12);
        assert!((d["sd"].as_f64().unwrap() - sd).abs() < 1e-12);
    }
}

#[test]
fn formats_agree() {
    let path = fixture("venezuela_2019.jsonl");
    let p = path.to_str().unwrap();
    let report = report_json(&path, &[]);
    let s = &report["sections"][0];

    // CSV: every cell metric equals the JSON value exactly.
    let csv_text = stdout_of(&[p, "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["story", "engine", "outlet", "actor", "metric", "value"]
    );
    let mut checked = 0;
    for row in reader.records() {
        let row = row.unwrap();
        let (group, actor, metric, value) = (&row[2], &row[3], &row[4], &row[5]);
        let expected = if group.is_empty() {
            let a = s["actors"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["id"] == actor)
                .unwrap();
            match metric {
                "groups_mentioning" => a["groups_mentioning"].clone(),
                "divergence_range" => a["divergence"]["range"].clone(),
                "divergence_sd" => a["divergence"]["sd"].clone(),
                "divergence_groups" => a["divergence"]["groups"].clone(),
                other => panic!("unknown actor metric {other}"),
            }
        } else {
            let c = cell(s, group, actor);
            match metric {
                "ci_low" => c["interval"]["low"].clone(),
                "ci_high" => c["interval"]["high"].clone(),
                m if m.starts_with("labels_") => c["labels"][&m[7..]].clone(),
                m => c[m].clone(),
            }
        };
        match expected.as_f64() {
            // serde_json (without float_roundtrip) may read the last bit
            // differently; the CSV text itself is the shortest exact form.
            Some(x) => assert!(
                (value.parse::<f64>().unwrap() - x).abs() < 1e-12,
                "{group} {actor} {metric}"
            ),
            None => assert_eq!(value, "", "{group} {actor} {metric} is missing in JSON"),
        }
        checked += 1;
    }
    assert_eq!(
        checked,
        cells(s).len() * 10 + s["actors"].as_array().unwrap().len() * 4
    );

    // Markdown: the score table shows the JSON means (and intervals) rounded.
    let md = stdout_of(&[p, "--format", "md"]);
    let table: Vec<&str> = md
        .split("### Mean stance score")
        .nth(1)
        .unwrap()
        .lines()
        .skip_while(|l| !l.starts_with("| outlet"))
        .take_while(|l| !l.is_empty())
        .skip(2)
        .collect();
    let actors: Vec<&str> = s["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(table.len(), s["groups"].as_array().unwrap().len());
    for line in table {
        let fields: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let group = fields[0];
        for (actor, field) in actors.iter().zip(&fields[2..]) {
            let c = cell(s, group, actor);
            let expected = match (c["mean_score"].as_f64(), c["interval"].as_object()) {
                (Some(m), Some(iv)) => format!(
                    "{} [{}, {}]",
                    shown(m),
                    shown(iv["low"].as_f64().unwrap()),
                    shown(iv["high"].as_f64().unwrap())
                ),
                (Some(m), None) => format!("{} (n=1)", shown(m)),
                (None, _) => "not mentioned".into(),
            };
            assert_eq!(*field, expected, "md {group} × {actor}");
        }
    }

    // HTML: each heatmap cell carries the JSON mean and shows it rounded.
    let html = stdout_of(&[p, "--format", "html"]);
    let re = regex::Regex::new(
        r#"<g class="cell" data-group="([^"]*)" data-actor="([^"]*)" data-score="([^"]*)"><title>[^<]*</title>(?:<rect[^>]*/>)+<text[^>]*>([^<]*)</text>"#,
    )
    .unwrap();
    let mut seen = 0;
    for m in re.captures_iter(&html) {
        let c = cell(s, &html_unescape(&m[1]), &html_unescape(&m[2]));
        match c["mean_score"].as_f64() {
            Some(x) => {
                assert!((m[3].parse::<f64>().unwrap() - x).abs() < 1e-12);
                assert_eq!(&m[4], shown(x));
            }
            None => {
                assert_eq!(&m[3], "");
                assert_eq!(&m[4], "not mentioned");
            }
        }
        seen += 1;
    }
    assert_eq!(seen, cells(s).len(), "every cell is in the heatmap");
}

fn html_unescape(s: &str) -> String {
    html_escape::decode_html_entities(s).into_owned()
}

#[test]
fn output_is_deterministic_and_format_follows_extension() {
    let path = fixture("venezuela_2019.jsonl");
    let dir = tempfile::tempdir().unwrap();
    for ext in ["json", "html", "md", "csv"] {
        let a = dir.path().join(format!("a.{ext}"));
        let b = dir.path().join(format!("b.{ext}"));
        for out in [&a, &b] {
            let o = compare(&[path.to_str().unwrap(), "-o", out.to_str().unwrap()]);
            assert_eq!(
                o.status.code(),
                Some(1),
                "one record failed in analyze: exit 1"
            );
        }
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{ext}"
        );
    }
    let html = std::fs::read_to_string(dir.path().join("a.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let csv_text = std::fs::read_to_string(dir.path().join("a.csv")).unwrap();
    assert!(csv_text.starts_with("story,engine,outlet,actor,metric,value"));
    let a = std::fs::read(dir.path().join("a.json")).unwrap();
    let v: Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(v["config"]["seed"], 42);

    // Another seed gives the same means (only intervals may move).
    let other = report_json(&path, &["--seed", "7"]);
    let base: Value = serde_json::from_slice(&a).unwrap();
    let (c0, c1) = (
        cell(&base["sections"][0], "Atlantic Ledger", "us"),
        cell(&other["sections"][0], "Atlantic Ledger", "us"),
    );
    assert_eq!(c0["mean_score"], c1["mean_score"]);
}

#[test]
fn group_by_language() {
    let report = report_json(&fixture("venezuela_2019.jsonl"), &["--by", "lang"]);
    let groups: Vec<&str> = report["sections"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["en", "es", "no"]);
    let csv_text = stdout_of(&[
        fixture("venezuela_2019.jsonl").to_str().unwrap(),
        "--by",
        "lang",
        "--format",
        "csv",
    ]);
    assert!(csv_text.starts_with("story,engine,lang,actor,metric,value"));
}

#[test]
fn summaries_novelty_within_a_language() {
    let report = report_json(&fixture("venezuela_2019.jsonl"), &[]);
    let s = &report["sections"][0];
    let group = |name: &str| {
        s["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap()
            .clone()
    };
    // Atlantic Ledger and Global Desk open with nearly the same sentence.
    let atlantic = group("Atlantic Ledger");
    let first = &atlantic["summaries"][0]["sentences"][0];
    assert!(first["text"].as_str().unwrap().starts_with("Envoys of"));
    assert_eq!(first["novel"], false);
    assert!(
        atlantic["summaries"][0]["sentences"][1]["novel"]
            .as_bool()
            .unwrap()
    );
    // Nothing else is in Norwegian: no novelty claimed.
    let nordlys = group("Nordlys Nyheter");
    assert!(nordlys["summaries"][0]["sentences"][0]["novelty"].is_null());
}

#[test]
fn tfidf_similarity_matches_scikit_learn() {
    // Reference from scripts/compare_tfidf_reference.py (scikit-learn's
    // TfidfVectorizer on the sample records' content words).
    use newsframe::report::cluster::{Similarity, TfIdfCosine};
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("tfidf_reference.json")).unwrap())
            .unwrap();
    let docs: Vec<&str> = reference["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    let ours = TfIdfCosine.matrix(&docs);
    for (i, row) in reference["cosine"].as_array().unwrap().iter().enumerate() {
        for (j, expected) in row.as_array().unwrap().iter().enumerate() {
            let expected = expected.as_f64().unwrap();
            assert!(
                (ours[i][j] - expected).abs() < 1e-9,
                "cosine[{i}][{j}]: {} vs scikit-learn {expected}",
                ours[i][j]
            );
        }
    }
}
