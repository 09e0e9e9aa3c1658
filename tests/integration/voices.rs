//! Voices: quotation extraction measured on the labeled set
//! (`data/eval/quotes`), and the voices section of `compare` on the samples
//! and on records made before quotations were extracted.

use crate::common::newsframe;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn json_of(output: std::process::Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The floors: a voices table is only worth reading when nine quotations in
/// ten are found and real, and four in five have the right speaker and
/// actor. The rules as first written (before their errors on this set were
/// read) reached attribution precision 0.64–0.74 and recall 0.53–0.70 per
/// language, so these floors fail on them; README.md gives the numbers.
const DETECTION_FLOOR: f64 = 0.9;
const ATTRIBUTION_FLOOR: f64 = 0.8;

#[test]
fn quote_extraction_meets_the_floor_in_every_language() {
    let report = json_of(
        newsframe()
            .args(["eval", "quotes"])
            .arg(repo("data/eval/quotes"))
            .arg("--actors")
            .arg(repo("data/actors/venezuela.toml"))
            .args(["--format", "json"])
            .output()
            .unwrap(),
    );
    for lang in ["en", "es", "fr", "de", "pt"] {
        let s = &report["by_lang"][lang];
        assert!(
            s["gold"].as_u64().unwrap() >= 40,
            "{lang}: fewer than 40 gold quotations"
        );
        for (metric, floor) in [
            ("detection_precision", DETECTION_FLOOR),
            ("detection_recall", DETECTION_FLOOR),
            ("attribution_precision", ATTRIBUTION_FLOOR),
            ("attribution_recall", ATTRIBUTION_FLOOR),
        ] {
            let value = s[metric].as_f64().unwrap();
            assert!(value >= floor, "{lang} {metric} = {value:.3} < {floor}");
        }
    }
    // The counts behind the scores agree with each other.
    let all = &report["all"];
    let ratio = all["matched"].as_f64().unwrap() / all["predicted"].as_f64().unwrap();
    assert!((ratio - all["detection_precision"].as_f64().unwrap()).abs() < 1e-12);
}

#[test]
fn eval_quotes_names_the_bad_line_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"id\": \"a\", \"lang\": \"en\", \"text\": \"Guaidó said no.\", \"quotes\": []}\n\
         {\"id\": \"b\", \"lang\": \"en\", \"text\": \"x\", \"quotes\": [{\"text\": \"not there\", \"speaker\": null, \"actor\": null}]}\n",
    )
    .unwrap();
    let output = newsframe()
        .args(["eval", "quotes"])
        .arg(&bad)
        .args(["--actor", "opposition=Guaidó"])
        .output()
        .unwrap();
    // The bad line is named and left out; the good one is scored; exit 1.
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.jsonl:2"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("(1 passages"), "{stdout}");
}

fn compare_samples(format: &str) -> std::process::Output {
    newsframe()
        .arg("compare")
        .arg(repo("data/samples"))
        .arg("--actors")
        .arg(repo("data/actors/venezuela.toml"))
        .args([
            "--engine",
            "builtin",
            "--source-from-dir",
            "--format",
            format,
        ])
        .env("SOURCE_DATE_EPOCH", "1558483200")
        .output()
        .unwrap()
}

#[test]
fn compare_shows_who_each_outlet_quotes() {
    let report = json_of(compare_samples("json"));
    let voices = &report["sections"][0]["voices"];
    let cell = |group: &str, actor: &str| -> &Value {
        voices["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["group"] == group && c["actor"] == actor)
            .unwrap_or_else(|| panic!("no voices cell {group} × {actor}"))
    };
    // The government outlet quotes the government's people and no one else
    // of the set; the opposition-friendly one quotes mostly the opposition.
    let vb = "Voz Bolivariana";
    assert!(cell(vb, "government")["quotes"].as_u64().unwrap() >= 3);
    for other in ["opposition", "us", "norway", "un"] {
        assert_eq!(cell(vb, other)["quotes"], 0, "{vb} quotes {other}");
    }
    let co = "The Caracas Observer";
    assert!(
        cell(co, "opposition")["share"].as_f64().unwrap()
            > 2.0 * cell(co, "government")["share"].as_f64().unwrap()
    );
    // Shares are the counts over the group's quotations.
    for c in voices["cells"].as_array().unwrap() {
        let group = voices["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == c["group"])
            .unwrap();
        let total = group["quotes"].as_f64().unwrap();
        let expected = if total == 0.0 {
            0.0
        } else {
            c["quotes"].as_f64().unwrap() / total
        };
        assert!((c["share"].as_f64().unwrap() - expected).abs() < 1e-12);
    }
    let people = &cell(co, "opposition")["top_people"][0];
    assert_eq!(people["name"], "Juan Guaidó");

    let md = String::from_utf8(compare_samples("md").stdout).unwrap();
    assert!(md.contains("### Voices (who is quoted)"), "{md}");
    let csv = String::from_utf8(compare_samples("csv").stdout).unwrap();
    assert!(
        csv.contains("Voz Bolivariana,government,voice_share,"),
        "{csv}"
    );
}

#[test]
fn records_without_quotations_have_no_voices_section() {
    // Schema-1 records, made before quotations were extracted: they load,
    // and the report does not pretend they quote no one.
    let output = newsframe()
        .arg("compare")
        .arg(repo("tests/fixtures/records/venezuela_2019.jsonl"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    // The fixture holds one failure record: exit 1, the report is written.
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["sections"][0].get("voices").is_none());
    assert!(report["sections"][0]["cells"].as_array().unwrap().len() > 1);
}
