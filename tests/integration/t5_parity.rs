//! Parity of the T5 engine (`newsframe::transformer::t5`) with Hugging Face
//! transformers 4.57 on tiny random models: encoder states and teacher-forced
//! logits within 1e-4, generated ids identical, for single inputs and for padded
//! batches, greedy and beam search. References come from
//! scripts/make_model_fixtures.py (mt5-tiny/reference.json) and
//! scripts/make_t5_fixture.py (t5-own/).
#![cfg(feature = "transformer")]

use std::path::{Path, PathBuf};

use newsframe::transformer::t5::{
    EarlyStopping, GenerationConfig, T5Generator, T5Model, pad_batch,
};
use newsframe::transformer::{Precision, RuntimeConfig};
use serde_json::Value;
use tch::{Kind, Tensor};

const TOLERANCE: f64 = 1e-4;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(path)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn load(dir: &str) -> T5Generator {
    T5Generator::load(
        &fixture(dir),
        &RuntimeConfig {
            threads: Some(1),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn ids(value: &Value) -> Vec<i64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

fn id_rows(value: &Value) -> Vec<Vec<i64>> {
    value.as_array().unwrap().iter().map(ids).collect()
}

/// Flattened float values of a nested JSON array, and its shape.
fn floats(value: &Value) -> (Vec<f32>, Vec<i64>) {
    fn walk(value: &Value, out: &mut Vec<f32>, shape: &mut Vec<i64>, depth: usize) {
        match value {
            Value::Array(items) => {
                if shape.len() == depth {
                    shape.push(items.len() as i64);
                }
                for item in items {
                    walk(item, out, shape, depth + 1);
                }
            }
            number => out.push(number.as_f64().unwrap() as f32),
        }
    }
    let (mut out, mut shape) = (Vec::new(), Vec::new());
    walk(value, &mut out, &mut shape, 0);
    (out, shape)
}

fn reference_tensor(value: &Value) -> Tensor {
    let (values, shape) = floats(value);
    Tensor::from_slice(&values).view(shape.as_slice())
}

fn max_abs_diff(ours: &Tensor, theirs: &Tensor) -> f64 {
    assert_eq!(ours.size(), theirs.size(), "shapes differ");
    (ours - theirs).abs().max().double_value(&[])
}

/// transformers pads finished rows (with the pad token after greedy, the end token
/// after beam search); an output ends at its first end token after the start.
fn trimmed(row: &[i64]) -> Vec<i64> {
    match row.iter().skip(1).position(|&t| t == 1) {
        Some(end) => row[..end + 2].to_vec(),
        None => row.to_vec(),
    }
}

fn generation_config(case: &Value) -> GenerationConfig {
    let early_stopping = match &case["early_stopping"] {
        Value::Bool(false) => EarlyStopping::Heuristic,
        Value::Bool(true) => EarlyStopping::Finished,
        Value::String(s) if s == "never" => EarlyStopping::Never,
        other => panic!("unexpected early_stopping {other}"),
    };
    GenerationConfig {
        num_beams: case["num_beams"].as_u64().unwrap() as usize,
        max_length: case["max_length"].as_u64().unwrap() as usize,
        min_length: case["min_length"].as_u64().unwrap() as usize,
        no_repeat_ngram_size: case["no_repeat_ngram_size"].as_u64().unwrap() as usize,
        length_penalty: case["length_penalty"].as_f64().unwrap(),
        early_stopping,
    }
}

/// Teacher-forced logits `[batch, steps, vocab]`, fed one position at a time
/// through the decoder caches, as generation uses them.
fn stepwise_logits(
    model: &T5Model,
    input_ids: &Tensor,
    mask: &Tensor,
    decoder_ids: &[Vec<i64>],
) -> Tensor {
    let states = model.encode(input_ids, mask);
    let steps = decoder_ids[0].len();
    let mut state = model.start_decoding(&states, mask, 1, steps as i64);
    let mut logits = Vec::new();
    for step in 0..steps {
        let tokens: Vec<i64> = decoder_ids.iter().map(|row| row[step]).collect();
        logits.push(model.decode_step(&mut state, &tokens));
    }
    Tensor::stack(&logits, 1)
}

/// Checks a batch reference written by scripts/make_t5_fixture.py.
fn check_batch_reference(model_dir: &str, reference: &Value) {
    let generator = load(model_dir);
    let model = generator.model();
    let _guard = tch::no_grad_guard();
    let input_rows = id_rows(&reference["input_ids"]);
    let mask_rows = id_rows(&reference["attention_mask"]);
    let inputs: Vec<Vec<i64>> = input_rows
        .iter()
        .zip(&mask_rows)
        .map(|(row, mask)| row[..mask.iter().filter(|&&m| m == 1).count()].to_vec())
        .collect();
    let (input_ids, mask) = pad_batch(&inputs, 0);
    assert_eq!(
        id_rows(&reference["input_ids"]),
        Vec::<Vec<i64>>::try_from(&input_ids).unwrap()
    );

    let states = model.encode(&input_ids, &mask);
    let expected = reference_tensor(&reference["encoder_states"]);
    // Padding positions too: the encoder computes them the same way.
    let diff = max_abs_diff(&states, &expected);
    assert!(
        diff < TOLERANCE,
        "{model_dir}: encoder states differ by {diff}"
    );

    let decoder_ids = id_rows(&reference["decoder_input_ids"]);
    let logits = stepwise_logits(model, &input_ids, &mask, &decoder_ids);
    let diff = max_abs_diff(&logits, &reference_tensor(&reference["logits"]));
    assert!(diff < TOLERANCE, "{model_dir}: logits differ by {diff}");
    eprintln!("{model_dir}: encoder states and logits within {diff:.2e}");

    let mut failures = Vec::new();
    for case in reference["generation"].as_array().unwrap() {
        let config = generation_config(case);
        let ours = generator.generate(&inputs, &config).unwrap();
        let theirs: Vec<Vec<i64>> = id_rows(&case["ids"]).iter().map(|r| trimmed(r)).collect();
        if ours != theirs {
            failures.push(format!(
                "{}:\n  ours   {ours:?}\n  theirs {theirs:?}",
                case["name"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{model_dir}: generation differs\n{}",
        failures.join("\n")
    );
}

/// Encoder states and teacher-forced logits within 1e-4 and generated ids
/// equal to transformers', one input at a time, for the fixture `dir`.
fn check_single_inputs(dir: &str) {
    let reference = read_json(&fixture(&format!("{dir}/reference.json")));
    let generator = load(dir);
    let model = generator.model();
    let _guard = tch::no_grad_guard();
    let inputs = id_rows(&reference["input_ids"]);
    for (input, expected) in inputs
        .iter()
        .zip(reference["encoder_states"].as_array().unwrap())
    {
        let (input_ids, mask) = pad_batch(std::slice::from_ref(input), 0);
        let states = model.encode(&input_ids, &mask).squeeze_dim(0);
        let diff = max_abs_diff(&states, &reference_tensor(expected));
        assert!(diff < TOLERANCE, "{dir}: encoder states differ by {diff}");
    }
    let (input_ids, mask) = pad_batch(&inputs[..1], 0);
    let decoder_ids = vec![ids(&reference["decoder_input_ids"])];
    let logits = stepwise_logits(model, &input_ids, &mask, &decoder_ids).squeeze_dim(0);
    let diff = max_abs_diff(&logits, &reference_tensor(&reference["logits"]));
    assert!(diff < TOLERANCE, "{dir}: logits differ by {diff}");
    assert_eq!(logits.kind(), Kind::Float);

    for case in reference["generation"].as_array().unwrap() {
        let config = generation_config(case);
        for (input, expected) in inputs.iter().zip(id_rows(&case["ids"])) {
            let ours = generator
                .generate(std::slice::from_ref(input), &config)
                .unwrap();
            assert_eq!(ours[0], trimmed(&expected), "{dir}: case {}", case["name"]);
        }
    }
}

#[test]
fn mt5_tiny_single_inputs_match_transformers() {
    check_single_inputs("mt5-tiny");
}

/// A checkpoint stored in float16 (as mt5-xlsum's conversions and many hub
/// models are) is read into float32 and still matches.
#[test]
fn mt5_float16_single_inputs_match_transformers() {
    check_single_inputs("mt5-f16");
}

#[test]
fn mt5_tiny_padded_batch_matches_transformers() {
    let reference = read_json(&fixture("t5-own/mt5-tiny-batch.json"));
    check_batch_reference("mt5-tiny", &reference);
}

#[test]
fn relu_tied_t5_padded_batch_matches_transformers() {
    let reference = read_json(&fixture("t5-own/t5-relu-tied/reference.json"));
    check_batch_reference("t5-own/t5-relu-tied", &reference);
}

#[test]
fn batched_outputs_equal_one_at_a_time_outputs() {
    let reference = read_json(&fixture("t5-own/mt5-tiny-batch.json"));
    let generator = load("mt5-tiny");
    let inputs: Vec<Vec<i64>> = id_rows(&reference["input_ids"])
        .iter()
        .map(|row| trimmed(row))
        .collect();
    for config in [
        GenerationConfig::default(),
        GenerationConfig {
            num_beams: 1,
            ..GenerationConfig::default()
        },
    ] {
        let batched = generator.generate(&inputs, &config).unwrap();
        for (input, output) in inputs.iter().zip(&batched) {
            assert_eq!(
                &generator
                    .generate(std::slice::from_ref(input), &config)
                    .unwrap()[0],
                output
            );
        }
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let generator = load("mt5-tiny");
    let config = GenerationConfig::default();
    let err = generator
        .generate(&[vec![5, 1], vec![]], &config)
        .unwrap_err();
    assert!(err.to_string().contains("input 1 has no tokens"), "{err}");
    let err = generator
        .generate(&[vec![100_000, 1]], &config)
        .unwrap_err();
    assert!(err.to_string().contains("outside the vocabulary"), "{err}");
    let err = generator
        .generate(
            &[vec![5, 1]],
            &GenerationConfig {
                num_beams: 0,
                ..config.clone()
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("num_beams"), "{err}");
    assert!(generator.generate(&[], &config).unwrap().is_empty());
    let missing = T5Generator::load(&fixture("no-such-model"), &RuntimeConfig::default());
    assert!(missing.is_err());
}

/// With int8 dense layers (`--precision int8`: weights per output row,
/// activations per product) the teacher-forced logits stay within a few
/// percent of transformers' float32 ones, and greedy and beam outputs are
/// the float32 ones on the fixture's inputs.
#[test]
fn int8_logits_and_outputs_stay_near_float32() {
    if !newsframe::transformer::dense::cpu_has_int8_kernels() {
        // Where fbgemm's kernels cannot run, int8 is refused with a clear error.
        let err = T5Model::load_with(&fixture("mt5-tiny"), Precision::Int8)
            .err()
            .expect("int8 refused without AVX2");
        assert!(err.to_string().contains("AVX2"), "{err}");
        return;
    }
    for dir in ["mt5-tiny", "t5-own/t5-relu-tied"] {
        let diff = logit_diff_to_float32(dir, Precision::Int8);
        assert!(
            diff < 0.05,
            "{dir}: int8 logits differ by {diff} of the largest"
        );
    }
    // Greedy outputs: the random tiny model's logits are nearly flat, so
    // int8 may pick another token where float32's best two nearly tie, and
    // only there; before that point the outputs are the same.
    let reference = read_json(&fixture("t5-own/mt5-tiny-batch.json"));
    let inputs: Vec<Vec<i64>> = id_rows(&reference["input_ids"])
        .iter()
        .map(|row| trimmed(row))
        .collect();
    let float = load("mt5-tiny");
    let int8 = T5Generator::load_with(&fixture("mt5-tiny"), Precision::Int8).unwrap();
    let config = GenerationConfig {
        num_beams: 1,
        ..GenerationConfig::default()
    };
    let want = float.generate(&inputs, &config).unwrap();
    let got = int8.generate(&inputs, &config).unwrap();
    let _guard = tch::no_grad_guard();
    for ((input, want), got) in inputs.iter().zip(&want).zip(&got) {
        let Some(k) = want.iter().zip(got).position(|(a, b)| a != b) else {
            continue;
        };
        assert!(k >= 5, "outputs part at token {k}: {want:?} vs {got:?}");
        let (input_ids, mask) = pad_batch(std::slice::from_ref(input), 0);
        let logits = stepwise_logits(float.model(), &input_ids, &mask, &[want[..k].to_vec()]);
        let last = logits.get(0).get(k as i64 - 1);
        let scale = last.abs().max().double_value(&[]);
        let gap = last.double_value(&[want[k]]) - last.double_value(&[got[k]]);
        eprintln!(
            "outputs part at token {k}: float32's margin there {:.2e} of the largest logit",
            gap / scale
        );
        assert!(
            gap < 0.05 * scale,
            "int8 chose {} over float32's {} at token {k}, a margin of {gap} (largest logit {scale})",
            got[k],
            want[k]
        );
    }
}

/// With bfloat16 dense layers (`--precision bf16`) the teacher-forced logits stay
/// within a few percent of transformers' float32 ones, gated and ReLU/tied models.
#[test]
fn bf16_logits_stay_near_float32() {
    for dir in ["mt5-tiny", "t5-own/t5-relu-tied"] {
        let diff = logit_diff_to_float32(dir, Precision::Bf16);
        assert!(
            diff < 0.05,
            "{dir}: bf16 logits differ by {diff} of the largest"
        );
    }
}

/// The largest difference between the fixture model's teacher-forced logits in
/// `precision` and transformers' float32 ones (its `reference.json`), as a
/// fraction of the largest float32 logit.
fn logit_diff_to_float32(dir: &str, precision: Precision) -> f64 {
    let reference = fixture(&format!("{dir}/reference.json"));
    if !reference.is_file() {
        panic!("{}: missing", reference.display());
    }
    let reference = read_json(&reference);
    let model = T5Model::load_with(&fixture(dir), precision).unwrap();
    let _guard = tch::no_grad_guard();
    let mut input = id_rows(&reference["input_ids"]).remove(0);
    if let Value::Array(masks) = &reference["attention_mask"] {
        input.truncate(ids(&masks[0]).iter().filter(|&&m| m == 1).count());
    }
    let (input_ids, mask) = pad_batch(&[input], 0);
    let decoder_ids = match &reference["decoder_input_ids"][0] {
        Value::Array(_) => vec![ids(&reference["decoder_input_ids"][0])],
        _ => vec![ids(&reference["decoder_input_ids"])],
    };
    let logits = stepwise_logits(&model, &input_ids, &mask, &decoder_ids).squeeze_dim(0);
    let expected = reference_tensor(&reference["logits"]);
    let expected = if expected.dim() == 3 {
        expected.get(0)
    } else {
        expected
    };
    let scale = expected.abs().max().double_value(&[]);
    let diff = max_abs_diff(&logits, &expected) / scale;
    eprintln!("{dir} ({precision}): max |logit diff| / max |logit| = {diff:.2e}");
    diff
}
