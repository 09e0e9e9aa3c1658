//! `newsframe analyze --engine transformer` end to end on the tiny fixture
//! models (a random-weight mT5 and an mDeBERTa-style NLI model whose
//! `id2label` puts entailment first): the wiring from model lookup to record.
#![cfg(feature = "transformer")]

use crate::common;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `newsframe analyze` of the samples on the fixture models, with `extra`.
fn analyze_output(extra: &[&str]) -> std::process::Output {
    // An empty hub cache: only the fixture folders given by path are used.
    common::newsframe()
        .current_dir(ROOT)
        .args([
            "analyze",
            "data/samples",
            "--actors",
            "data/actors/venezuela.toml",
        ])
        .args(["--engine", "transformer"])
        .args(["--summary-model", "tests/fixtures/models/mt5-tiny"])
        .args(["--nli-model", "tests/fixtures/models/mdeberta-nli-tiny"])
        .args(extra)
        .output()
        .unwrap()
}

fn analyze(extra: &[&str]) -> Vec<Value> {
    records(&analyze_output(&[&["--format", "jsonl"], extra].concat()))
}

/// The JSONL records of a run that must have succeeded.
fn records(output: &std::process::Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn transformer_engine_writes_complete_records() {
    let records = analyze(&[]);
    assert!(records.len() >= 5, "{} records", records.len());
    for record in &records {
        assert_eq!(record["schema_version"], 2);
        let engine = &record["engine"];
        assert!(
            engine["summary"].as_str().unwrap().ends_with("mt5-tiny"),
            "{engine}"
        );
        assert!(
            engine["stance"]
                .as_str()
                .unwrap()
                .ends_with("mdeberta-nli-tiny"),
            "{engine}"
        );
        assert_eq!(record["summary"]["method"], "abstractive");
        assert!(!record["summary"]["text"].as_str().unwrap().is_empty());
        let actors = record["actors"].as_array().unwrap();
        assert_eq!(actors.len(), 5);
        for actor in actors {
            if actor["mentions"] == 0 {
                assert!(actor["stance"].is_null() && actor["probs"].is_null());
                continue;
            }
            let probs = &actor["probs"];
            let sum: f64 = ["positive", "neutral", "negative"]
                .iter()
                .map(|k| probs[k].as_f64().unwrap())
                .sum();
            assert!((sum - 1.0).abs() < 1e-4, "{probs}");
            let score = actor["score"].as_f64().unwrap();
            let expected =
                probs["positive"].as_f64().unwrap() - probs["negative"].as_f64().unwrap();
            assert!((score - expected).abs() < 1e-4);
            assert!(!actor["evidence"].as_array().unwrap().is_empty());
        }
    }
}

/// Equal up to float noise: padding to a batch's longest pair changes the
/// last printed digit at most.
fn assert_close(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-5, "{path}: {x} vs {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                assert_close(p, q, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, v) in x {
                assert_close(v, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

#[test]
fn batch_size_does_not_change_results() {
    let one = Value::Array(analyze(&["--batch-size", "1"]));
    let many = Value::Array(analyze(&["--batch-size", "64"]));
    assert_close(&one, &many, "records");
}

#[test]
fn summaries_decoded_together_equal_one_at_a_time() {
    let alone = Value::Array(analyze(&["--summary-batch-tokens", "0"]));
    let together = Value::Array(analyze(&["--summary-batch-tokens", "100000"]));
    assert_eq!(alone, together);
}

#[test]
fn a_named_model_that_is_missing_is_an_error() {
    common::newsframe()
        .current_dir(ROOT)
        .args([
            "analyze",
            "data/samples",
            "--actors",
            "data/actors/venezuela.toml",
        ])
        .args(["--engine", "auto", "--nli-model", "mdeberta-nli"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("models fetch mdeberta-nli"));
}

/// `--precision bf16` names itself in every record (so `compare` never mixes it
/// with float32 runs silently) and scores stay near the float32 ones.
#[test]
fn bf16_records_name_the_precision_and_stay_near_f32() {
    check_precision_against_f32("bf16");
}

/// The same for `--precision int8`; where fbgemm's int8 kernels cannot run,
/// the run stops with an error naming what is missing.
#[test]
fn int8_records_name_the_precision_and_stay_near_f32() {
    if !newsframe::transformer::dense::cpu_has_int8_kernels() {
        // Where fbgemm's kernels cannot run, int8 is refused with a clear error.
        let output = analyze_output(&["--precision", "int8"]);
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("AVX2"));
        return;
    }
    check_precision_against_f32("int8");
}

fn check_precision_against_f32(precision: &str) {
    let f32_records = analyze(&["--threads", "1"]);
    let other = analyze(&["--threads", "1", "--precision", precision]);
    assert_eq!(f32_records.len(), other.len());
    let mut largest: f64 = 0.0;
    for (a, b) in f32_records.iter().zip(&other) {
        for part in ["summary", "stance"] {
            let name = b["engine"][part].as_str().unwrap();
            assert!(
                name.ends_with(&format!("+{precision}")),
                "{part} engine {name}"
            );
            assert!(!a["engine"][part].as_str().unwrap().contains(precision));
        }
        let scores = |record: &Value| -> Vec<f64> {
            record["actors"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|actor| actor["score"].as_f64())
                .collect()
        };
        let (x, y) = (scores(a), scores(b));
        assert_eq!(x.len(), y.len(), "same actors scored");
        for (p, q) in x.iter().zip(&y) {
            largest = largest.max((p - q).abs());
        }
    }
    eprintln!("largest stance score change f32 -> {precision}: {largest:.4}");
    assert!(largest < 0.05, "{precision} moved a score by {largest}");
}

/// `--summary-precision` and `--stance-precision` set one model each: the
/// summaries are those of a run with the summary model's precision
/// everywhere, the scores those of a run with the stance model's, and each
/// record names the precision of each model.
#[test]
fn each_model_runs_in_its_own_precision() {
    let summary_precision = if newsframe::transformer::dense::cpu_has_int8_kernels() {
        "int8"
    } else {
        "f32"
    };
    let mixed = analyze(&[
        "--threads",
        "1",
        "--summary-precision",
        summary_precision,
        "--stance-precision",
        "bf16",
    ]);
    let summary_alike = analyze(&["--threads", "1", "--precision", summary_precision]);
    let stance_alike = analyze(&["--threads", "1", "--precision", "bf16"]);
    assert_eq!(mixed.len(), summary_alike.len());
    for ((m, s), t) in mixed.iter().zip(&summary_alike).zip(&stance_alike) {
        assert_eq!(m["engine"]["summary"], s["engine"]["summary"]);
        assert_eq!(m["summary"], s["summary"]);
        assert_eq!(m["engine"]["stance"], t["engine"]["stance"]);
        assert!(
            m["engine"]["stance"].as_str().unwrap().ends_with("+bf16"),
            "{}",
            m["engine"]
        );
        assert_eq!(m["actors"], t["actors"]);
    }
    // A model-level flag overrides --precision for that model only.
    let overridden = analyze(&[
        "--threads",
        "1",
        "--precision",
        "bf16",
        "--summary-precision",
        "f32",
    ]);
    let f32_records = analyze(&["--threads", "1"]);
    for ((o, f), t) in overridden.iter().zip(&f32_records).zip(&stance_alike) {
        assert_eq!(o["engine"]["summary"], f["engine"]["summary"]);
        assert_eq!(o["summary"], f["summary"]);
        assert_eq!(o["engine"]["stance"], t["engine"]["stance"]);
        assert_eq!(o["actors"], t["actors"]);
    }
}

/// `stance` writes no summaries: a summary precision there is pointed out,
/// and the stance model still runs in its own.
#[test]
fn stance_says_a_summary_precision_does_nothing_there() {
    let output = common::newsframe()
        .current_dir(ROOT)
        .args([
            "stance",
            "data/samples",
            "--actors",
            "data/actors/venezuela.toml",
        ])
        .args([
            "--engine",
            "transformer",
            "--threads",
            "1",
            "--format",
            "jsonl",
        ])
        .args(["--nli-model", "tests/fixtures/models/mdeberta-nli-tiny"])
        .args(["--summary-precision", "int8", "--stance-precision", "bf16"])
        .output()
        .unwrap();
    let first = records(&output).remove(0);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--summary-precision: this command writes no summaries"),
        "{stderr}"
    );
    assert!(
        first["engine"]["stance"]
            .as_str()
            .unwrap()
            .ends_with("+bf16"),
        "{}",
        first["engine"]
    );
}

/// `--device`: `auto` runs on the CPU where libtorch sees no GPU, with the
/// CPU's records; `cuda` is refused with an error that says what to do, and
/// writes nothing. Where a GPU is visible, `cuda` runs and its records stay
/// within float32 rounding of the CPU's, and int8 (CPU-only) is refused.
#[test]
fn device_choice_runs_where_it_can_and_says_why_where_it_cannot() {
    let cpu = analyze(&["--threads", "1"]);
    let scores = |records: &[Value]| -> Vec<f64> {
        records
            .iter()
            .flat_map(|r| r["actors"].as_array().unwrap().iter())
            .filter_map(|actor| actor["score"].as_f64())
            .collect()
    };
    let summaries = |records: &[Value]| -> Vec<String> {
        records
            .iter()
            .map(|r| r["summary"]["text"].to_string())
            .collect()
    };
    let gpus = newsframe::transformer::device::cuda_devices();
    let auto = analyze(&["--threads", "1", "--device", "auto"]);
    if gpus == 0 {
        assert_eq!(summaries(&auto), summaries(&cpu));
        assert_eq!(scores(&auto), scores(&cpu));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("records.jsonl");
        let output = analyze_output(&["--device", "cuda", "--out", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "stderr: {stderr}");
        assert!(
            stderr.contains("--device cuda:0") && stderr.contains("--device cpu"),
            "{stderr}"
        );
        assert!(
            !out.exists(),
            "nothing is written when the device is refused"
        );
        return;
    }
    let cuda = analyze(&["--device", "cuda"]);
    assert_eq!(cuda.len(), cpu.len());
    assert_eq!(scores(&auto), scores(&cuda), "auto takes the GPU");
    let (x, y) = (scores(&cpu), scores(&cuda));
    assert_eq!(x.len(), y.len(), "same actors scored");
    let largest = x
        .iter()
        .zip(&y)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    eprintln!("largest stance score change cpu -> cuda: {largest:.2e}");
    assert!(largest < 1e-3, "the GPU moved a score by {largest}");
    let output = analyze_output(&["--device", "cuda", "--precision", "int8"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("int8"));
}
