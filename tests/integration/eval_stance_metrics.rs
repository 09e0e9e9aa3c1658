//! Stance metrics against scikit-learn: every case of
//! tests/fixtures/eval/stance_metrics.json (written by
//! scripts/make_eval_fixtures.py with scikit-learn) must give the same
//! accuracy, per-class precision/recall/F1/support, macro-F1, confusion
//! matrix and SemEval F_avg, to 1e-9. `missing` stands for a prediction the
//! evaluator has not got (no record or no mention).

use newsframe::eval::classify::ClassMetrics;
use serde_json::Value;

const TOLERANCE: f64 = 1e-9;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(name: &str, case: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOLERANCE,
        "{case}: {name} = {got}, scikit-learn {want}"
    );
}

#[test]
fn metrics_match_scikit_learn() {
    let text = std::fs::read_to_string("tests/fixtures/eval/stance_metrics.json")
        .expect("fixture tests/fixtures/eval/stance_metrics.json");
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let labels: Vec<&str> = case["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let index = |v: &Value| labels.iter().position(|l| Some(*l) == v.as_str());
        let gold: Vec<usize> = case["y_true"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| index(v).unwrap())
            .collect();
        let pred: Vec<Option<usize>> = case["y_pred"]
            .as_array()
            .unwrap()
            .iter()
            .map(index)
            .collect();
        let m = ClassMetrics::compute(labels.len(), &gold, &pred);
        close(
            "accuracy",
            name,
            m.accuracy,
            case["accuracy"].as_f64().unwrap(),
        );
        close(
            "macro_f1",
            name,
            m.macro_f1,
            case["macro_f1"].as_f64().unwrap(),
        );
        for (field, ours) in [
            ("precision", &m.precision),
            ("recall", &m.recall),
            ("f1", &m.f1),
        ] {
            let want = floats(&case[field]);
            assert_eq!(ours.len(), want.len());
            for (c, (g, w)) in ours.iter().zip(&want).enumerate() {
                close(&format!("{field}[{}]", labels[c]), name, *g, *w);
            }
        }
        let support: Vec<usize> = case["support"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(m.support, support, "{name}: support");
        let confusion: Vec<Vec<usize>> = serde_json::from_value(case["confusion"].clone()).unwrap();
        assert_eq!(m.confusion, confusion, "{name}: confusion");
        if let Some(f_avg) = case.get("f_avg").and_then(Value::as_f64) {
            let pos = labels.iter().position(|l| *l == "positive").unwrap();
            let neg = labels.iter().position(|l| *l == "negative").unwrap();
            close("f_avg", name, m.f_avg(pos, neg), f_avg);
        }
    }
}
