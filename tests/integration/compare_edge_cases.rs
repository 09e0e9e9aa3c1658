//! `newsframe compare` on the inputs users get wrong or that stretch it:
//! mixed engines, malformed lines, 2 or 50 outlets, mixed stories, articles
//! instead of records, empty input.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

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

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A synthetic record: outlet `source`, `scores[i]` toward actor `a{i}`
/// (None: not mentioned).
fn record(id: &str, source: &str, lang: &str, scores: &[Option<f64>]) -> Value {
    let actors: Vec<Value> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            Some(score) => {
                let (pos, neg) = if *score >= 0.0 { (0.2 + score * 0.8, 0.2 - score * 0.2) } else { (0.2 + score * 0.2, 0.2 - score * 0.8) };
                let neu = 1.0 - pos - neg;
                let label = if pos >= neu && pos >= neg { "positive" } else if neg > neu { "negative" } else { "neutral" };
                json!({"id": format!("a{i}"), "name": format!("Actor {i}"), "mentions": 1,
                       "stance": label, "score": pos - neg, "confidence": pos.max(neu).max(neg),
                       "probs": {"positive": pos, "neutral": neu, "negative": neg},
                       "evidence": [{"sentence": 0, "span": {"start": 0, "end": 10},
                                     "text": format!("{source} on actor {i}."), "label": label, "p": 0.8}]})
            }
            None => json!({"id": format!("a{i}"), "name": format!("Actor {i}"), "mentions": 0,
                           "stance": null, "score": null, "confidence": null, "probs": null, "evidence": []}),
        })
        .collect();
    json!({"schema_version": 1, "id": id, "source": source, "date": "2019-05-17", "lang": lang,
           "title": format!("{source}: talks in Oslo"), "origin": {"path": "gen.jsonl", "line": 1},
           "engine": {"summary": "builtin-extractive@0.1.0", "stance": "builtin-lexicon@0.1.0"},
           "summary": {"text": format!("{source} reports that talks began in Oslo."), "method": "extractive", "sentences": [0]},
           "actors": actors, "warnings": []})
}

fn write_jsonl(path: &Path, records: &[Value]) {
    let mut f = std::fs::File::create(path).unwrap();
    for r in records {
        writeln!(f, "{r}").unwrap();
    }
}

#[test]
fn refuses_to_mix_engines_and_names_them() {
    let a = fixture("venezuela_2019.jsonl");
    let b = fixture("venezuela_2019_transformer.jsonl");
    let out = compare(&[a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("builtin-lexicon@0.1.0") && err.contains("mdeberta-nli@"),
        "{err}"
    );
    assert!(err.contains("--group-by-engine"), "{err}");
    assert!(
        err.contains("(11 records)") && err.contains("(1 record)"),
        "{err}"
    );

    let out = compare(&[
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
        "--group-by-engine",
    ]);
    let report = json_of(&out);
    let sections = report["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 2);
    let articles: Vec<u64> = sections
        .iter()
        .map(|s| s["articles"].as_u64().unwrap())
        .collect();
    assert_eq!(articles, [11, 1]);
    assert_ne!(sections[0]["engine"], sections[1]["engine"]);
}

#[test]
fn malformed_lines_are_named_and_skipped() {
    let path = fixture("malformed.jsonl");
    let out = compare(&[path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "bad lines: exit 1, report still written"
    );
    let report = json_of(&out);
    let name = path.display().to_string();
    let failed: Vec<(&str, &str)> = report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["origin"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failed,
        [
            (format!("{name}:2").as_str(), "malformed"),
            (format!("{name}:5").as_str(), "malformed")
        ]
    );
    assert_eq!(report["sections"][0]["articles"], 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{name}:2: not valid JSON")), "{err}");
    assert!(
        err.contains(&format!("{name}:5: invalid analysis record")),
        "{err}"
    );
}

#[test]
fn two_outlets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.jsonl");
    write_jsonl(
        &path,
        &[
            record("x1", "Left Daily", "en", &[Some(-0.5), Some(0.5)]),
            record("y1", "Right Times", "en", &[Some(0.5), None]),
        ],
    );
    let report = json_of(&compare(&[path.to_str().unwrap(), "--format", "json"]));
    let s = &report["sections"][0];
    assert_eq!(s["groups"].as_array().unwrap().len(), 2);
    let d = &s["actors"][0]["divergence"];
    assert_eq!(d["lowest"]["group"], "Left Daily");
    assert_eq!(d["highest"]["group"], "Right Times");
    assert!((d["range"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    // Only one outlet scores actor 1: no divergence.
    assert!(s["actors"][1]["divergence"].is_null());
}

#[test]
fn fifty_outlets_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fifty.jsonl");
    let mut records = Vec::new();
    for o in 0..50 {
        for k in 0..(1 + o % 3) {
            let base = (o as f64 / 49.0) * 2.0 - 1.0;
            let scores = [
                Some(base * 0.9),
                Some(-base * 0.5 + 0.01 * k as f64),
                if o % 5 == 0 { None } else { Some(0.1) },
                None,
            ];
            records.push(record(
                &format!("o{o}-{k}"),
                &format!("Outlet {o:02} with a rather long name"),
                ["en", "es", "de"][o % 3],
                &scores,
            ));
        }
    }
    write_jsonl(&path, &records);
    let p = path.to_str().unwrap();
    let report = json_of(&compare(&[p, "--format", "json"]));
    let s = &report["sections"][0];
    assert_eq!(s["groups"].as_array().unwrap().len(), 50);
    assert_eq!(s["cells"].as_array().unwrap().len(), 50 * 4);
    assert_eq!(
        s["actors"][0]["divergence"]["lowest"]["group"],
        "Outlet 00 with a rather long name"
    );
    assert_eq!(s["actors"][3]["articles_mentioning"], 0);
    for format in ["md", "csv", "html"] {
        let out = compare(&[p, "--format", format]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("Outlet 49 with a rather long name"),
            "{format}"
        );
    }
    let csv_rows = String::from_utf8(compare(&[p, "--format", "csv"]).stdout)
        .unwrap()
        .lines()
        .count();
    assert_eq!(csv_rows, 1 + 50 * 4 * 10 + 4 * 4);
}

#[test]
fn clusters_mixed_stories() {
    let a = fixture("venezuela_2019.jsonl");
    let b = fixture("blackout_2019.jsonl");
    let out = compare(&[
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
        "--stories",
        "cluster",
    ]);
    let report = json_of(&out);
    let sections = report["sections"].as_array().unwrap();
    // Average-link tf-idf finds the blackout, the Oslo round and the
    // Barbados round of talks, across languages, and never mixes them.
    let ids = |s: &Value| -> Vec<String> {
        let mut v: Vec<String> = s["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| {
                g["summaries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["article_id"].as_str().unwrap().to_string())
            })
            .collect();
        v.sort();
        v
    };
    let stories: Vec<Vec<String>> = sections.iter().map(ids).collect();
    assert_eq!(stories.len(), 3, "{stories:?}");
    for story in &stories {
        let blackout = story
            .iter()
            .filter(|id| id.starts_with("blackout-"))
            .count();
        assert!(
            blackout == 0 || blackout == story.len(),
            "mixed story: {story:?}"
        );
    }
    let blackout = stories
        .iter()
        .find(|s| s[0].starts_with("blackout-"))
        .unwrap();
    assert_eq!(blackout.len(), 3);
    assert!(sections.iter().any(|s| {
        s["story_label"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("blackout")
    }));
    assert_eq!(sections[0]["story_id"], "story-1");
    let langs: Vec<&Value> = sections.iter().map(|s| &s["languages"]).collect();
    assert!(
        langs.iter().any(|l| l.as_array().unwrap().len() > 1),
        "stories cross languages: {langs:?}"
    );

    // The same with Jaccard overlap.
    let out = compare(&[
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
        "--stories",
        "cluster",
        "--similarity",
        "jaccard",
        "--cluster-threshold",
        "0.05",
    ]);
    let sizes: Vec<u64> = json_of(&out)["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["articles"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.iter().sum::<u64>(), 14);

    // --story keeps the articles that name it.
    let out = compare(&[
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
        "--story",
        "blackout",
    ]);
    let report = json_of(&out);
    assert_eq!(report["sections"][0]["articles"], 2);
    assert_eq!(report["sections"][0]["story_id"], "story:blackout");
}

const ACTORS: [&str; 6] = [
    "--actor",
    "norway:Norway=Norway|Noruega|Oslo",
    "--actor",
    "opposition:Opposition=opposition|oposición",
    "--actor",
    "government:Government=government|gobierno",
];

fn write_articles(dir: &Path) -> PathBuf {
    let path = dir.join("articles.jsonl");
    let articles = [
        json!({"id": "a1", "source": "Oslo Post", "lang": "en", "title": "Norway hosts talks",
               "text": "Norway welcomed the delegations to Oslo. The opposition praised the Norwegian mediators. The government criticized the opposition for delays."}),
        json!({"id": "a2", "source": "Oslo Post", "lang": "en", "title": "Talks go on",
               "text": "The talks in Oslo went on. The government praised Norway for its patience."}),
        json!({"id": "a3", "source": "Caracas Hoy", "lang": "es", "title": "Diálogo en Oslo",
               "text": "El gobierno celebró el diálogo en Oslo. La oposición fue criticada por su falta de compromiso. Noruega apoyó las conversaciones."}),
    ];
    write_jsonl(&path, &articles);
    path
}

#[test]
fn articles_are_analyzed_first() {
    let dir = tempfile::tempdir().unwrap();
    let articles = write_articles(dir.path());
    let a = articles.to_str().unwrap();

    // Without actors there is nothing to score: a clear error.
    let out = compare(&[a]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--actors"), "{err}");

    // With them: the same report as analyze's records compared.
    let records = dir.path().join("records.jsonl");
    let mut args = vec![
        a,
        "--engine",
        "builtin",
        "--format",
        "json",
        "--records-out",
        records.to_str().unwrap(),
    ];
    args.extend(ACTORS);
    let out = compare(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let direct = json_of(&out);
    assert_eq!(direct["sections"][0]["articles"], 3);
    assert_eq!(
        direct["sections"][0]["engine"]["stance"],
        format!(
            "builtin-lexicon@{}",
            newsframe::stance::builtin::BUILTIN_STANCE_VERSION
        )
    );

    let via_records = json_of(&compare(&[records.to_str().unwrap(), "--format", "json"]));
    assert_eq!(direct["sections"], via_records["sections"]);

    let analyzed = dir.path().join("analyzed.jsonl");
    let mut args = vec![
        "analyze",
        a,
        "--engine",
        "builtin",
        "-o",
        analyzed.to_str().unwrap(),
    ];
    args.extend(ACTORS);
    let status = common::process(common::BIN).args(&args).status().unwrap();
    assert!(status.success());
    let via_analyze = json_of(&compare(&[analyzed.to_str().unwrap(), "--format", "json"]));
    assert_eq!(direct["sections"], via_analyze["sections"]);
}

#[test]
fn empty_records_make_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.jsonl");
    std::fs::write(&path, "").unwrap();
    for format in ["md", "csv", "json", "html"] {
        let out = compare(&[path.to_str().unwrap(), "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{format}");
    }
    let report = json_of(&compare(&[path.to_str().unwrap(), "--format", "json"]));
    assert_eq!(report["sections"], json!([]));
}

#[test]
fn records_from_stdin_and_folders() {
    let folder = fixture("");
    // The folder holds several engines and stories: refused without grouping.
    let out = compare(&[folder.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let text = std::fs::read(fixture("venezuela_2019.jsonl")).unwrap();
    let mut child = common::process(common::BIN)
        .args(["compare", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let out = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["sections"][0]["articles"], 11);
    assert_eq!(report["inputs"][0]["path"], "-");
}
