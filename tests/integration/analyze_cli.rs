//! `newsframe analyze` and `newsframe stance` end to end, on the real binary
//! in temporary folders.

use crate::common;

use std::path::{Path, PathBuf};

use common::newsframe;
use serde_json::Value;

const ACTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/actors/venezuela.toml");

const EN: &str = "date 2019-05-22 WIRE Delegates arrive in Oslo.

Norway is brokering talks between the Venezuelan government and the opposition to help end the crisis.

The US has repeatedly threatened military action to oust Maduro's government.

Opposition leader Juan Guaidó sent a delegation, but denied any direct talks with the government.

The talks in Oslo are expected to continue next week.";

const ES: &str =
    "Noruega facilita el diálogo entre el gobierno de Nicolás Maduro y la oposición venezolana.

Los opositores denunciaron que el gobierno reprime las protestas de forma brutal.

La ONU apoya las conversaciones y pidió una solución pacífica.";

const NO_ACTORS: &str =
    "The harvest was late this year.\n\nFarmers expect prices to rise in the autumn.";

fn corpus(dir: &Path) -> Vec<PathBuf> {
    let files = [
        ("a_en.txt", EN),
        ("b_es.txt", ES),
        ("c_none.txt", NO_ACTORS),
    ];
    files
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn actor<'a>(record: &'a Value, id: &str) -> &'a Value {
    record["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no actor {id} in {record}"))
}

#[test]
fn text_output_shows_summary_and_actor_table() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    let out = newsframe()
        .arg("analyze")
        .arg(&files[0])
        .args(["--actors", ACTORS, "--engine", "builtin"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Summary:"), "{stdout}");
    assert!(
        stdout.contains("actor") && stdout.contains("evidence"),
        "{stdout}"
    );
    for id in ["government", "opposition", "us", "norway", "un"] {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(id)),
            "{id}\n{stdout}"
        );
    }
    assert!(stdout.contains("builtin-extractive@"), "{stdout}");
    // Quiet in pipes: no progress bar on a non-terminal stderr.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn jsonl_records_follow_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    let out = newsframe()
        .arg("analyze")
        .args(&files)
        .args([
            "--actors", ACTORS, "--engine", "builtin", "--format", "jsonl",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = jsonl(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(records.len(), 3);
    let en = &records[0];
    assert_eq!(en["schema_version"], 2);
    assert_eq!(en["lang"], "en");
    assert_eq!(en["date"], "2019-05-22");
    assert!(
        en["engine"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("builtin-extractive@")
    );
    assert!(
        en["engine"]["stance"]
            .as_str()
            .unwrap()
            .starts_with("builtin-lexicon@")
    );
    assert!(
        en["engine"]["actors"]
            .as_str()
            .unwrap()
            .starts_with("venezuela#")
    );
    assert_eq!(en["summary"]["method"], "extractive");
    assert!(!en["summary"]["text"].as_str().unwrap().is_empty());
    assert_eq!(actor(en, "norway")["stance"], "positive");
    assert_eq!(actor(en, "us")["stance"], "negative");
    let evidence = &actor(en, "norway")["evidence"][0];
    assert!(evidence["text"].as_str().unwrap().contains("brokering"));
    assert!(
        evidence["span"]["end"].as_u64().unwrap() > evidence["span"]["start"].as_u64().unwrap()
    );
    // Never mentioned: mentions 0 and a null stance, not neutral.
    let un = actor(en, "un");
    assert_eq!(un["mentions"], 0);
    assert!(un["stance"].is_null() && un["score"].is_null() && un["probs"].is_null());
    assert_eq!(un["evidence"], Value::Array(vec![]));

    let es = &records[1];
    assert_eq!(es["lang"], "es");
    assert_eq!(actor(es, "un")["stance"], "positive");
    assert_eq!(actor(es, "norway")["stance"], "positive");
    assert!(actor(es, "government")["score"].as_f64().unwrap() < 0.0);

    let none = &records[2];
    assert!(
        none["actors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["mentions"] == 0 && a["stance"].is_null())
    );
    let warnings = none["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("no actor")),
        "{warnings:?}"
    );
}

#[test]
fn batch_records_equal_single_article_records() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    let run = |files: &[PathBuf]| {
        let out = newsframe()
            .arg("stance")
            .args(files)
            .args([
                "--actors", ACTORS, "--engine", "builtin", "--format", "jsonl",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        jsonl(&String::from_utf8_lossy(&out.stdout))
    };
    let together = run(&files);
    let single: Vec<Value> = files
        .iter()
        .flat_map(|f| run(std::slice::from_ref(f)))
        .collect();
    assert_eq!(together, single);
    // `stance` writes no summary.
    assert!(
        together
            .iter()
            .all(|r| r.get("summary").is_none() && r["engine"].get("summary").is_none())
    );
}

#[test]
fn resume_skips_finished_ids_and_repairs_an_interrupted_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    let out_file = dir.path().join("out/records.jsonl");
    let full = newsframe()
        .arg("analyze")
        .args(&files)
        .args(["--actors", ACTORS, "--engine", "builtin", "--out"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(
        full.status.success(),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    let complete = std::fs::read_to_string(&out_file).unwrap();
    let lines: Vec<&str> = complete.lines().collect();
    assert_eq!(lines.len(), 3);

    // An interrupted run: the first record and half of the second.
    let interrupted = format!("{}\n{}", lines[0], &lines[1][..lines[1].len() / 2]);
    std::fs::write(&out_file, interrupted).unwrap();
    let resumed = newsframe()
        .arg("analyze")
        .args(&files)
        .args([
            "--actors", ACTORS, "--engine", "builtin", "--resume", "--out",
        ])
        .arg(&out_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    assert!(stderr.contains("skipped 1"), "{stderr}");
    assert!(stderr.contains("unfinished last line"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), complete);

    // Nothing left to do: the file stays as it is.
    let again = newsframe()
        .arg("analyze")
        .args(&files)
        .args([
            "--actors", ACTORS, "--engine", "builtin", "--resume", "--out",
        ])
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("skipped 3"));
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), complete);
}

#[test]
fn a_failed_article_becomes_an_error_record_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("batch.jsonl");
    let good = serde_json::json!({"id": "ok-1", "text": "Norway is brokering the talks.", "source": "wire"});
    std::fs::write(&input, format!("{good}\n{{not json\n")).unwrap();
    let out = newsframe()
        .arg("analyze")
        .arg(&input)
        .args([
            "--actors", ACTORS, "--engine", "builtin", "--format", "jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let records = jsonl(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["id"], "ok-1");
    assert_eq!(records[0]["source"], "wire");
    assert!(records[1]["error"].is_string());
    assert_eq!(records[1]["origin"]["line"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("batch.jsonl:2"));
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    let no_actors = newsframe().arg("analyze").arg(&files[0]).output().unwrap();
    assert_eq!(no_actors.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_actors.stderr).contains("--actors"));

    let bad_inline = newsframe()
        .arg("analyze")
        .arg(&files[0])
        .args(["--actor", "nothing"])
        .output()
        .unwrap();
    assert_eq!(bad_inline.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_inline.stderr).contains("id=alias"));

    let missing = newsframe()
        .arg("analyze")
        .arg(&files[0])
        .args(["--actors", "no/such/actors.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/actors.toml"));

    let resume_text = newsframe()
        .arg("analyze")
        .arg(&files[0])
        .args(["--actors", ACTORS, "--resume", "--format", "text", "--out"])
        .arg(dir.path().join("x.txt"))
        .output()
        .unwrap();
    assert_eq!(resume_text.status.code(), Some(2));
}

#[test]
fn engine_choice_is_explicit() {
    // The binary sees an empty hub cache: the transformer engine's models are
    // not installed, so `auto` falls back (saying so) and `transformer` refuses.
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    let auto = newsframe()
        .arg("analyze")
        .args(&files[..2])
        .args(["--actors", ACTORS, "--format", "jsonl"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&auto.stderr);
    assert!(auto.status.success(), "{stderr}");
    assert!(stderr.contains("using the builtin engine"), "{stderr}");
    // One notice for the run, not one per article.
    assert_eq!(stderr.matches("notice").count(), 1, "{stderr}");
    let records = jsonl(&String::from_utf8_lossy(&auto.stdout));
    assert_eq!(records.len(), 2);
    for record in &records {
        assert!(
            record["engine"]["stance"]
                .as_str()
                .unwrap()
                .starts_with("builtin-lexicon@"),
            "{record}"
        );
    }

    let transformer = newsframe()
        .arg("analyze")
        .arg(&files[0])
        .args(["--actors", ACTORS, "--engine", "transformer"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&transformer.stderr);
    assert_eq!(transformer.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("transformer engine is not available"),
        "{stderr}"
    );
    assert!(transformer.stdout.is_empty());
}

#[test]
fn inline_actors_and_json_array_output() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    let out = newsframe()
        .arg("stance")
        .args(&files[..2])
        .args([
            "--actor",
            "norway:Norway=Norway|Oslo|Noruega",
            "--engine",
            "builtin",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2);
    for r in records {
        assert_eq!(r["actors"].as_array().unwrap().len(), 1);
        assert_eq!(r["actors"][0]["stance"], "positive");
    }
}

#[test]
fn precision_is_checked_and_the_builtin_engine_says_it_ignores_it() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    let unknown = newsframe()
        .arg("analyze")
        .arg(&files[0])
        .args(["--actors", ACTORS, "--precision", "fp8"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("use f32, bf16 or int8"));

    let builtin = newsframe()
        .arg("analyze")
        .arg(&files[0])
        .args([
            "--actors",
            ACTORS,
            "--engine",
            "builtin",
            "--precision",
            "bf16",
        ])
        .args(["--threads", "1", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(builtin.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&builtin.stderr).contains("the builtin engine ignores them"));
    let per_model = newsframe()
        .arg("analyze")
        .arg(&files[0])
        .args(["--actors", ACTORS, "--engine", "builtin"])
        .args(["--stance-precision", "int8", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(per_model.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&per_model.stderr).contains("the builtin engine ignores them"));
    let records = jsonl(&String::from_utf8_lossy(&builtin.stdout));
    assert!(
        !records[0]["engine"]["stance"]
            .as_str()
            .unwrap()
            .contains("bf16")
    );
}
