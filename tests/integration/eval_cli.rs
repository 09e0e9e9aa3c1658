//! `newsframe eval` end to end: every loader's fixture under
//! tests/fixtures/eval/ is scored by the real binary, JSON reports carry
//! every number and are deterministic, and bad input is reported with its
//! file and line while the rest is scored.

use crate::common;

use serde_json::Value;

const FIXTURES: &str = "tests/fixtures/eval";

fn eval(args: &[&str]) -> (i32, Value, String) {
    let output = common::newsframe()
        .arg("eval")
        .args(args)
        .args(["--format", "json", "--bootstrap", "200"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|err| {
        panic!("not JSON ({err}) for {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}")
    });
    (output.status.code().unwrap_or(-1), json, stderr)
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn close(got: &Value, want: f64) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {got}"));
    assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
}

#[test]
fn summarize_runs_on_every_summary_format() {
    let preds = fixture("summaries_pred.jsonl");
    for (file, format, examples, mode) in [
        ("xlsum.jsonl", "xlsum", 3, "multilingual"),
        ("mlsum.jsonl", "mlsum", 2, "multilingual"),
        ("cnndm.csv", "cnndm", 2, "english"),
        ("cnndm.jsonl", "cnndm", 2, "english"),
        ("project.jsonl", "project", 5, "multilingual"),
    ] {
        let (code, report, stderr) = eval(&["summarize", &fixture(file), "--pred", &preds]);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert_eq!(report["schema_version"], 1);
        assert_eq!(report["dataset"]["format"], format, "{file}");
        assert_eq!(report["dataset"]["examples"], examples, "{file}");
        assert_eq!(report["rouge"]["mode"], mode, "{file}");
        assert!(
            stderr.contains(&format!("ROUGE mode: {mode}")),
            "{file}: {stderr}"
        );
        for variant in ["rouge1", "rouge2", "rougeL", "rougeLsum"] {
            let s = &report["overall"]["scores"][variant];
            for field in ["precision", "recall", "f1"] {
                let x = s[field].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&x), "{file} {variant} {field} = {x}");
            }
            let ci = &s["f1_ci"];
            assert!(ci["low"].as_f64().unwrap() <= ci["high"].as_f64().unwrap());
        }
    }
}

#[test]
fn cnndm_csv_and_jsonl_give_identical_scores() {
    let preds = fixture("summaries_pred.jsonl");
    let (_, csv, _) = eval(&["summarize", &fixture("cnndm.csv"), "--pred", &preds]);
    let (_, jsonl, _) = eval(&["summarize", &fixture("cnndm.jsonl"), "--pred", &preds]);
    assert_eq!(csv["overall"], jsonl["overall"]);
}

#[test]
fn summarize_with_field_mapping() {
    let (code, report, stderr) = eval(&[
        "summarize",
        &fixture("generic_summaries.jsonl"),
        "--pred",
        &fixture("summaries_pred.jsonl"),
        "--field",
        "id=key",
        "--field",
        "text=body",
        "--field",
        "summary=reference",
        "--field",
        "lang=language",
    ]);
    assert_eq!(code, 0, "{stderr}");
    // "Envoys met facilitators in Oslo." vs "Envoys met in Oslo.": 4 of 5
    // reference unigrams, all 4 predicted ones.
    close(&report["overall"]["scores"]["rouge1"]["recall"], 0.8);
    close(&report["overall"]["scores"]["rouge1"]["precision"], 1.0);
}

#[test]
fn missing_predictions_score_zero_and_are_counted() {
    let (code, report, stderr) = eval(&[
        "summarize",
        &fixture("project.jsonl"),
        "--pred",
        &fixture("project_pred.jsonl"),
    ]);
    assert_eq!(code, 0);
    assert_eq!(report["overall"]["missing"], 1);
    assert_eq!(report["by_language"]["ru"]["missing"], 1);
    close(&report["by_language"]["ru"]["scores"]["rouge1"]["f1"], 0.0);
    assert_eq!(report["predictions"]["engines"][0], "fixture-extractive@1");
    assert!(
        stderr.contains("1 of 5 examples have no prediction"),
        "{stderr}"
    );
}

#[test]
fn stance_on_project_data_excludes_unmentioned_actors() {
    let (code, report, stderr) = eval(&[
        "stance",
        &fixture("project.jsonl"),
        "--pred",
        &fixture("project_pred.jsonl"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    // 25 (article, actor) pairs, 9 gold-null: 16 scored; 10 right.
    assert_eq!(report["overall"]["n"], 16);
    assert_eq!(report["gold_not_mentioned"], 9);
    close(&report["overall"]["accuracy"], 10.0 / 16.0);
    assert_eq!(
        report["labels"],
        serde_json::json!(["negative", "neutral", "positive"])
    );
    assert_eq!(
        report["confusion"],
        serde_json::json!([[3, 0, 0, 0], [1, 4, 0, 2], [0, 2, 3, 1]])
    );
    let m = &report["mention_detection"];
    assert_eq!(
        (m["true_positive"].as_u64(), m["false_positive"].as_u64()),
        (Some(13), Some(2))
    );
    assert_eq!(report["by_actor"]["government"]["n"], 5);
    assert_eq!(report["by_language"]["ru"]["missing"], 3);
    assert_eq!(report["predictions"]["engines"][0], "fixture-lexicon@1");
}

#[test]
fn stance_runs_on_every_stance_format() {
    let preds = fixture("stance_pred.jsonl");
    for (file, format, n, accuracy, extra) in [
        ("newsmtsc.jsonl", "newsmtsc", 4, 0.75, vec![]),
        ("xstance.jsonl", "xstance", 4, 0.75, vec![]),
        ("semeval.txt", "semeval", 4, 0.25, vec![]),
        (
            "generic_stance.csv",
            "csv",
            3,
            2.0 / 3.0,
            vec![
                "--field",
                "id=doc",
                "--field",
                "text=body",
                "--field",
                "target=who",
                "--field",
                "label=gold",
                "--field",
                "lang=language",
            ],
        ),
    ] {
        let path = fixture(file);
        let mut args = vec!["stance", path.as_str(), "--pred", preds.as_str()];
        args.extend(extra);
        let (code, report, stderr) = eval(&args);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert_eq!(report["dataset"]["format"], format, "{file}");
        assert_eq!(report["overall"]["n"], n, "{file}");
        close(&report["overall"]["accuracy"], accuracy);
    }
}

/// Labels in the data's own names are read through --label-map, with the
/// scores of the same data in the project's names; without it each row is
/// named with the flag that reads it.
#[test]
fn label_map_reads_the_datasets_own_label_names() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("own_labels.csv");
    let original = std::fs::read_to_string(fixture("generic_stance.csv")).unwrap();
    let renamed = original
        .replace(",positive,", ",pro,")
        .replace(",negative,", ",con,")
        .replace(",neutral,", ",meh,");
    assert_ne!(renamed, original);
    std::fs::write(&data, renamed).unwrap();
    let preds = fixture("stance_pred.jsonl");
    let mut args = vec![
        "stance",
        data.to_str().unwrap(),
        "--pred",
        preds.as_str(),
        "--field",
        "id=doc",
        "--field",
        "text=body",
        "--field",
        "target=who",
        "--field",
        "label=gold",
    ];
    let output = common::newsframe()
        .arg("eval")
        .args(&args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("own_labels.csv:2") && stderr.contains("--label-map"),
        "{stderr}"
    );
    args.extend([
        "--label-map",
        "pro=positive",
        "--label-map",
        "con=negative",
        "--label-map",
        "meh=neutral",
    ]);
    let (code, report, stderr) = eval(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["overall"]["n"], 3);
    close(&report["overall"]["accuracy"], 2.0 / 3.0);
}

#[test]
fn semeval_reports_f_avg_in_its_own_labels_and_reads_latin1() {
    let (_, report, stderr) = eval(&[
        "stance",
        &fixture("semeval.txt"),
        "--pred",
        &fixture("stance_pred.jsonl"),
    ]);
    assert!(stderr.contains("read as Latin-1"), "{stderr}");
    assert_eq!(
        report["labels"],
        serde_json::json!(["AGAINST", "NONE", "FAVOR"])
    );
    close(&report["overall"]["f_avg"], 0.0);
    assert_eq!(report["by_actor"]["Atheism"]["n"], 2);
}

#[test]
fn xstance_f_avg_is_mean_of_favor_and_against_f1() {
    let (_, report, _) = eval(&[
        "stance",
        &fixture("xstance.jsonl"),
        "--pred",
        &fixture("stance_pred.jsonl"),
    ]);
    // AGAINST: P 1, R 1/2, F1 2/3; FAVOR: P 2/3, R 1, F1 4/5.
    close(&report["overall"]["f_avg"], (2.0 / 3.0 + 0.8) / 2.0);
    assert_eq!(report["by_language"]["de"]["n"], 2);
}

#[test]
fn reports_are_deterministic() {
    let args = [
        "stance",
        &fixture("project.jsonl"),
        "--pred",
        &fixture("project_pred.jsonl"),
        "--seed",
        "7",
    ];
    let (_, a, _) = eval(&args);
    let (_, b, _) = eval(&args);
    assert_eq!(a, b);
}

#[test]
fn bad_rows_are_named_and_the_rest_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.jsonl");
    std::fs::write(
        &data,
        "{\"id\": \"a\", \"summary\": \"Talks began in Oslo.\", \"lang\": \"en\"}\n\
         {not json\n\
         {\"id\": \"b\", \"lang\": \"en\"}\n",
    )
    .unwrap();
    let preds = dir.path().join("pred.jsonl");
    std::fs::write(
        &preds,
        "{\"id\": \"a\", \"summary\": \"Talks began in Oslo.\"}\n[1]\n",
    )
    .unwrap();
    let (code, report, stderr) = eval(&[
        "summarize",
        data.to_str().unwrap(),
        "--pred",
        preds.to_str().unwrap(),
        "--dataset-format",
        "jsonl",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("data.jsonl:2: invalid JSON"), "{stderr}");
    assert!(
        stderr.contains("data.jsonl:3: missing field \"summary\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("pred.jsonl:2: expected a JSON object"),
        "{stderr}"
    );
    assert_eq!(report["dataset"]["examples"], 1);
    assert_eq!(report["dataset"]["failed_rows"], 2);
    close(&report["overall"]["scores"]["rouge1"]["f1"], 1.0);
}

#[test]
fn wrong_task_for_format_is_a_usage_error() {
    let output = common::newsframe()
        .args(["eval", "summarize", &fixture("semeval.txt"), "--pred"])
        .arg(fixture("stance_pred.jsonl"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("use `newsframe eval stance`"), "{stderr}");
}

#[test]
fn table_output_names_the_mode_and_the_scores() {
    let output = common::newsframe()
        .args(["eval", "summarize", &fixture("cnndm.csv"), "--pred"])
        .arg(fixture("summaries_pred.jsonl"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ROUGE mode:  english"), "{stdout}");
    for variant in ["rouge1", "rouge2", "rougeL", "rougeLsum"] {
        assert!(stdout.contains(variant), "{stdout}");
    }
}

#[test]
fn builtin_engine_predictions_are_scored() {
    let (code, report, stderr) = eval(&[
        "summarize",
        &fixture("project.jsonl"),
        "--engine",
        "builtin",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["predictions"]["source"], "engine");
    let engine = report["predictions"]["engines"][0].as_str().unwrap();
    assert!(engine.starts_with("builtin-extractive@"), "{engine}");
    assert_eq!(report["overall"]["missing"], 0);
    assert!(
        report["overall"]["scores"]["rouge1"]["f1"]
            .as_f64()
            .unwrap()
            > 0.1
    );

    let (code, report, stderr) = eval(&[
        "stance",
        &fixture("project.jsonl"),
        "--engine",
        "builtin",
        "--actors",
        "data/actors/venezuela.toml",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["overall"]["n"], 16);
    let engine = report["predictions"]["engines"][0].as_str().unwrap();
    assert!(engine.starts_with("builtin-lexicon@"), "{engine}");
    assert!(
        report["mention_detection"]["true_positive"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn engine_stance_names_unknown_targets() {
    let output = common::newsframe()
        .args([
            "eval",
            "stance",
            &fixture("xstance.jsonl"),
            "--engine",
            "builtin",
        ])
        .args(["--actors", "data/actors/venezuela.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not actor ids of"), "{stderr}");
}

#[test]
fn per_example_scores_average_to_the_overall_scores() {
    let (_, report, _) = eval(&[
        "summarize",
        &fixture("project.jsonl"),
        "--pred",
        &fixture("project_pred.jsonl"),
        "--per-example",
    ]);
    let examples = report["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 5);
    let mean = examples
        .iter()
        .map(|e| e["rouge2"]["f1"].as_f64().unwrap())
        .sum::<f64>()
        / 5.0;
    close(&report["overall"]["scores"]["rouge2"]["f1"], mean);
    assert_eq!(examples.iter().filter(|e| e["missing"] == true).count(), 1);

    let (_, report, _) = eval(&[
        "stance",
        &fixture("project.jsonl"),
        "--pred",
        &fixture("project_pred.jsonl"),
    ]);
    assert!(
        report.get("examples").is_none(),
        "per-example rows only on request"
    );
}

/// `eval` runs the engine with `analyze`'s engine options: a lexicon folder
/// given to `--lexicons` is what the builtin engine loads (a missing one is
/// its error, naming the folder).
#[test]
fn engine_options_reach_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-lexicons");
    let missing = missing.to_str().unwrap();
    for task in [
        &["summarize", &fixture("project.jsonl")][..],
        &[
            "stance",
            &fixture("project.jsonl"),
            "--actors",
            "data/actors/venezuela.toml",
        ][..],
    ] {
        let output = common::newsframe()
            .arg("eval")
            .args(task)
            .args(["--engine", "builtin", "--lexicons", missing])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(missing) && stderr.contains("cannot read folder"),
            "{stderr}"
        );
    }
}

/// Summary options are engine options too: next to `--pred` they are refused.
#[test]
fn summary_options_next_to_pred_are_refused() {
    let output = common::newsframe()
        .args(["eval", "summarize", &fixture("cnndm.csv")])
        .args(["--pred", &fixture("summaries_pred.jsonl")])
        .args(["--summary-sentences", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--summary-sentences"), "{stderr}");
}

/// The models named by `--summary-model` and `--nli-model` are the ones
/// that make the predictions (the tiny fixture models, from an empty hub
/// cache).
#[cfg(feature = "transformer")]
#[test]
fn named_models_make_the_predictions() {
    let run = |args: &[&str]| -> Value {
        let output = common::newsframe()
            .arg("eval")
            .args(args)
            .args(["--engine", "transformer", "--format", "json"])
            .args(["--bootstrap", "0"])
            .args(["--nli-model", "tests/fixtures/models/mdeberta-nli-tiny"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let summaries = run(&[
        "summarize",
        &fixture("project.jsonl"),
        "--summary-model",
        "tests/fixtures/models/mt5-tiny",
    ]);
    let engine = summaries["predictions"]["engines"][0].as_str().unwrap();
    assert!(engine.ends_with("mt5-tiny"), "{engine}");
    let stances = run(&[
        "stance",
        &fixture("project.jsonl"),
        "--actors",
        "data/actors/venezuela.toml",
    ]);
    let engine = stances["predictions"]["engines"][0].as_str().unwrap();
    assert!(engine.ends_with("mdeberta-nli-tiny"), "{engine}");
}
