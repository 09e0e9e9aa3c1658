//! Parity of the transformer engine with Hugging Face transformers.
//!
//! The fixtures under tests/fixtures/models/ are tiny random-weight models of
//! each architecture the engine runs, with transformers' outputs recorded by
//! scripts/make_model_fixtures.py. Token ids and generated ids must be equal;
//! states, logits, probabilities and embeddings must agree within 1e-4.
#![cfg(feature = "transformer")]

use std::path::PathBuf;

use newsframe::models::GenerationSettings;
use newsframe::transformer::embed::{EmbedConfig, SentenceEmbedder};
use newsframe::transformer::generate::{EarlyStopping, GenerationConfig, generate};
use newsframe::transformer::nli::{NliClassifier, NliConfig, NliPair};
use newsframe::transformer::seq2seq::{DecoderCache, Seq2SeqModel};
use newsframe::transformer::summarizer::{SummarizerConfig, TransformerSummarizer};
use newsframe::transformer::tokenize::TextTokenizer;
use newsframe::transformer::{ModelDir, Precision, RuntimeConfig};
use serde_json::Value;
use tch::{Kind, Tensor};

const TOLERANCE: f64 = 1e-4;

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

pub(crate) fn reference(name: &str) -> Value {
    let path = fixture(name).join("reference.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

pub(crate) fn ids(value: &Value) -> Vec<i64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

fn floats(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        other => vec![other.as_f64().unwrap()],
    }
}

fn max_abs_diff(tensor: &Tensor, expected: &Value) -> f64 {
    let expected = floats(expected);
    let actual = Vec::<f64>::try_from(tensor.to_kind(Kind::Double).flatten(0, -1)).unwrap();
    assert_eq!(actual.len(), expected.len(), "shape differs");
    actual
        .iter()
        .zip(&expected)
        .map(|(a, e)| (a - e).abs())
        .fold(0.0, f64::max)
}

fn single_thread() {
    RuntimeConfig {
        threads: Some(1),
        ..Default::default()
    }
    .apply();
}

fn generation_config(case: &Value) -> GenerationConfig {
    let early_stopping = match case["early_stopping"].as_bool() {
        Some(true) => EarlyStopping::Finished,
        _ => EarlyStopping::Heuristic,
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

/// Tokens, encoder states, teacher-forced logits and every generation case.
fn check_seq2seq(name: &str) {
    check_seq2seq_within(name, TOLERANCE)
}

fn check_seq2seq_within(name: &str, tolerance: f64) {
    single_thread();
    let reference = reference(name);
    let dir = ModelDir::open(&fixture(name)).unwrap();
    let model = Seq2SeqModel::load(&dir).unwrap();
    let tokenizer = TextTokenizer::load(&dir, 512).unwrap();
    let inputs = reference["inputs"].as_array().unwrap();
    let mut state_diff: f64 = 0.0;
    for (i, text) in inputs.iter().enumerate() {
        let input = tokenizer.encode(text.as_str().unwrap()).unwrap();
        assert_eq!(
            input,
            ids(&reference["input_ids"][i]),
            "{name}: token ids of input {i}"
        );
        let input = Tensor::from_slice(&input).unsqueeze(0);
        let states = model.encode(&input, &input.ones_like());
        state_diff = state_diff.max(max_abs_diff(&states, &reference["encoder_states"][i]));
    }
    let input = Tensor::from_slice(&ids(&reference["input_ids"][0])).unsqueeze(0);
    let mask = input.ones_like();
    let states = model.encode(&input, &mask);
    let decoder_ids = Tensor::from_slice(&ids(&reference["decoder_input_ids"])).unsqueeze(0);
    let (logits, _) = model.decode(&states, &mask, &decoder_ids, DecoderCache::Empty);
    let logit_diff = max_abs_diff(&logits, &reference["logits"]);
    eprintln!(
        "{name}: max |encoder state diff| = {state_diff:.2e}, max |logit diff| = {logit_diff:.2e}"
    );
    assert!(
        state_diff < tolerance,
        "{name}: encoder states differ by {state_diff}"
    );
    assert!(
        logit_diff < tolerance,
        "{name}: logits differ by {logit_diff}"
    );

    for case in reference["generation"].as_array().unwrap() {
        let config = generation_config(case);
        for (i, expected) in case["ids"].as_array().unwrap().iter().enumerate() {
            let input = ids(&reference["input_ids"][i]);
            let generated = generate(&model, &input, &config);
            assert_eq!(
                generated,
                ids(expected),
                "{name}: case {} input {i} ({config:?})",
                case["name"]
            );
        }
    }
}

#[test]
fn bart_matches_transformers() {
    check_seq2seq("bart-tiny");
}

#[test]
fn legacy_sentencepiece_tokenizer_matches_transformers_slow_tokenizer() {
    let reference = reference("mt5-tiny");
    let dir = ModelDir::open(&fixture("mt5-tiny")).unwrap();
    let tokenizer = TextTokenizer::load_legacy(&dir, 512).unwrap();
    for (i, text) in reference["inputs"].as_array().unwrap().iter().enumerate() {
        let input = tokenizer.encode(text.as_str().unwrap()).unwrap();
        let expected = ids(&reference["input_ids_sentencepiece"][i]);
        assert_eq!(input, expected, "spiece.model ids of input {i}");
    }
}

fn check_nli(name: &str, entailment_index: i64) {
    check_nli_at(name, entailment_index, Precision::F32, TOLERANCE);
}

/// The fixture's NLI probabilities within `tolerance` of transformers' float32 ones.
fn check_nli_at(name: &str, entailment_index: i64, precision: Precision, tolerance: f64) {
    single_thread();
    let reference = reference(name);
    let max_length = reference["max_length"].as_u64().unwrap() as usize;
    let config = NliConfig {
        max_length,
        batch_size: 2,
        precision,
        ..NliConfig::default()
    };
    let nli = NliClassifier::load(&fixture(name), name, config).unwrap();
    assert_eq!(
        nli.labels().entailment,
        entailment_index,
        "{name}: entailment found by name"
    );
    let pairs: Vec<NliPair> = reference["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| NliPair {
            premise: p["premise"].as_str().unwrap().into(),
            hypothesis: p["hypothesis"].as_str().unwrap().into(),
        })
        .collect();
    for (i, pair) in pairs.iter().enumerate() {
        let encoded = nli
            .tokenizer()
            .encode_pair(&pair.premise, &pair.hypothesis)
            .unwrap();
        assert_eq!(
            encoded,
            ids(&reference["input_ids"][i]),
            "{name}: token ids of pair {i}"
        );
        assert!(encoded.len() <= max_length);
    }
    // Pairs tokenized together (each text once) equal pairs tokenized one by one.
    let texts: Vec<(&str, &str)> = pairs
        .iter()
        .map(|p| (p.premise.as_str(), p.hypothesis.as_str()))
        .collect();
    let together = nli.tokenizer().encode_pairs(&texts).unwrap();
    for (i, row) in together.iter().enumerate() {
        assert_eq!(
            *row,
            ids(&reference["input_ids"][i]),
            "{name}: pair {i} in a batch"
        );
    }
    let probs = nli.classify(&pairs).unwrap();
    let mut diff: f64 = 0.0;
    for (got, want) in probs.iter().zip(reference["probs"].as_array().unwrap()) {
        diff = diff.max((got.entailment - want["entailment"].as_f64().unwrap()).abs());
        diff = diff.max((got.neutral - want["neutral"].as_f64().unwrap()).abs());
        diff = diff.max((got.contradiction - want["contradiction"].as_f64().unwrap()).abs());
        assert!((got.entailment + got.neutral + got.contradiction - 1.0).abs() < 1e-9);
    }
    eprintln!(
        "{name} ({}): max |NLI probability diff| = {diff:.2e}",
        precision.name()
    );
    assert!(
        diff < tolerance,
        "{name}: NLI probabilities differ by {diff}"
    );
    // Batched (sorted, padded) results equal one-at-a-time results.
    for (i, pair) in pairs.iter().enumerate() {
        let alone = nli.classify(std::slice::from_ref(pair)).unwrap()[0];
        assert!(
            (alone.entailment - probs[i].entailment).abs() < 1e-5,
            "{name}: pair {i} batched"
        );
    }
}

#[test]
fn mdeberta_nli_matches_transformers() {
    check_nli("mdeberta-nli-tiny", 0);
}

/// Few position buckets (log-bucketed, clamped relative positions), separate
/// position projections, absolute positions in the input.
#[test]
fn deberta_with_position_buckets_matches_transformers() {
    check_nli("deberta-buckets-tiny", 1);
}

/// bfloat16 dense layers stay close to transformers' float32 probabilities.
#[test]
fn deberta_in_bf16_stays_near_float32() {
    check_nli_at("mdeberta-nli-tiny", 0, Precision::Bf16, 0.03);
    check_nli_at("deberta-buckets-tiny", 1, Precision::Bf16, 0.03);
}

#[test]
fn bf16_is_refused_for_models_that_cannot_run_it() {
    let config = NliConfig {
        precision: Precision::Bf16,
        ..NliConfig::default()
    };
    let err = NliClassifier::load(&fixture("xlmr-nli-tiny"), "xlmr", config)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("DeBERTa-v2 NLI models only"), "{err}");
}

/// The networks rust-bert runs (XLM-R, BART) stay on the CPU: asking for a
/// GPU is refused before anything loads, with what to do instead.
#[test]
fn a_gpu_is_refused_for_models_that_run_on_the_cpu_only() {
    let gpu = tch::Device::Cuda(0);
    let config = NliConfig {
        device: gpu,
        ..NliConfig::default()
    };
    let err = NliClassifier::load(&fixture("xlmr-nli-tiny"), "xlmr", config)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("DeBERTa-v2 NLI models only") && err.contains("--device cpu"),
        "{err}"
    );
    let config = SummarizerConfig {
        device: gpu,
        ..SummarizerConfig::default()
    };
    let err = TransformerSummarizer::load(&fixture("bart-tiny"), "bart", config)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("T5/mT5 summary models only") && err.contains("--device cpu"),
        "{err}"
    );
}

#[test]
fn bart_mnli_matches_transformers() {
    check_nli("bart-mnli-tiny", 2);
}

#[test]
fn xlmr_nli_matches_transformers() {
    check_nli("xlmr-nli-tiny", 1);
}

#[test]
fn embeddings_match_transformers() {
    check_embeddings("minilm-tiny");
}

fn check_embeddings(name: &str) {
    single_thread();
    let reference = reference(name);
    let embedder = SentenceEmbedder::load(&fixture(name), EmbedConfig::default()).unwrap();
    let sentences: Vec<&str> = reference["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for (i, s) in sentences.iter().enumerate() {
        assert_eq!(
            embedder.tokenizer().encode(s).unwrap(),
            ids(&reference["input_ids"][i])
        );
    }
    let embeddings = embedder.embed(&sentences).unwrap();
    let mut diff: f64 = 0.0;
    for (got, want) in embeddings
        .iter()
        .zip(reference["embeddings"].as_array().unwrap())
    {
        let want = floats(want);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            diff = diff.max((*g as f64 - w).abs());
        }
    }
    eprintln!("{name}: max |embedding diff| = {diff:.2e}");
    assert!(diff < TOLERANCE, "{name}: embeddings differ by {diff}");
}

/// The input texts of the mt5-tiny reference.
fn mt5_tiny_inputs() -> Vec<String> {
    reference("mt5-tiny")["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn long_text_is_summarized_in_chunks_not_truncated() {
    single_thread();
    let config = SummarizerConfig {
        generation: Some(GenerationConfig {
            num_beams: 2,
            max_length: 12,
            ..GenerationConfig::default()
        }),
        input_window: Some(40),
        ..SummarizerConfig::default()
    };
    let summarizer =
        TransformerSummarizer::load(&fixture("mt5-tiny"), "mt5-tiny@test", config).unwrap();
    let sentences = mt5_tiny_inputs();
    let sentences: Vec<&str> = sentences.iter().map(String::as_str).collect();
    let paragraphs: Vec<Vec<&str>> = (0..4).map(|_| sentences.clone()).collect();
    let (text, plan) = summarizer.summarize_paragraphs(&paragraphs).unwrap();
    assert!(plan.chunks >= 4, "{plan:?}");
    assert!(plan.rounds >= 2, "{plan:?}");
    assert!(!text.is_empty());
    // A short text is one chunk, one round.
    let (_, plan) = summarizer
        .summarize_paragraphs(&[vec![sentences[2]]])
        .unwrap();
    assert_eq!((plan.chunks, plan.rounds, plan.truncated), (1, 1, false));
}

/// Articles decoded together (batches of similar length within the token
/// budget) get the summaries each gets alone: short and long inputs, one that
/// needs the chunk plan, an empty one; greedy and beam search; and every
/// budget from one article per batch to all of them.
#[test]
fn articles_summarized_together_equal_one_at_a_time() {
    use newsframe::article::{ArticleMeta, Origin, RawArticle};
    use newsframe::preprocess::{PreprocessConfig, preprocess};
    single_thread();
    let sentences = mt5_tiny_inputs();
    let sentences: Vec<&str> = sentences.iter().map(String::as_str).collect();
    let texts = [
        sentences[0].to_string(),
        sentences[1..3].join(" "),
        String::new(),
        sentences.join(" "),
        sentences[2].to_string(),
        sentences.join("\n\n").repeat(3),
        sentences[1].to_string(),
    ];
    let articles: Vec<_> = texts
        .iter()
        .map(|text| {
            let raw = RawArticle::new(Origin::file("t.txt"), ArticleMeta::default(), text.clone());
            preprocess(raw, &PreprocessConfig::default())
        })
        .collect();
    let refs: Vec<_> = articles.iter().collect();
    for beams in [1, 3] {
        for batch_tokens in [0, 60, 200, 100_000] {
            let config = SummarizerConfig {
                generation: Some(GenerationConfig {
                    num_beams: beams,
                    max_length: 14,
                    ..GenerationConfig::default()
                }),
                input_window: Some(48),
                batch_tokens,
                ..SummarizerConfig::default()
            };
            let summarizer =
                TransformerSummarizer::load(&fixture("mt5-tiny"), "mt5-tiny@test", config).unwrap();
            let together = summarizer.summarize_articles(&refs);
            for (article, summary) in refs.iter().zip(together) {
                let alone = summarizer.summarize_article(article).unwrap().0;
                assert_eq!(
                    summary.unwrap(),
                    alone,
                    "{beams} beams, budget {batch_tokens}: {:?}",
                    article.body
                );
            }
        }
    }
}

#[test]
fn bad_model_directories_give_errors_that_name_them() {
    let missing = NliClassifier::load(&fixture("no-such-model"), "x", NliConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        missing.contains("no-such-model") && missing.contains("config.json"),
        "{missing}"
    );
    let wrong = NliClassifier::load(&fixture("mt5-tiny"), "x", NliConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        wrong.contains("\"mt5\"") && wrong.contains("NLI"),
        "{wrong}"
    );
    let wrong =
        TransformerSummarizer::load(&fixture("minilm-tiny"), "x", SummarizerConfig::default())
            .err()
            .unwrap()
            .to_string();
    assert!(
        wrong.contains("\"bert\"") && wrong.contains("summarization"),
        "{wrong}"
    );

    // An NLI head whose labels are not entailment/neutral/contradiction.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("mdeberta-nli-tiny")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let config_path = dir.path().join("config.json");
    let config = std::fs::read_to_string(&config_path)
        .unwrap()
        .replace("\"neutral\"", "\"other\"");
    std::fs::write(&config_path, config).unwrap();
    let labels = NliClassifier::load(dir.path(), "x", NliConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        labels.contains("config.json") && labels.contains("neutral"),
        "{labels}"
    );
}

#[test]
fn pairs_that_cannot_fit_are_errors_not_panics() {
    let nli = NliClassifier::load(
        &fixture("mdeberta-nli-tiny"),
        "x",
        NliConfig {
            max_length: 16,
            batch_size: 4,
            ..NliConfig::default()
        },
    )
    .unwrap();
    let long_hypothesis = "The government announced a new budget on Tuesday and more. ".repeat(4);
    let err = nli
        .classify(&[NliPair {
            premise: "Short.".into(),
            hypothesis: long_hypothesis,
        }])
        .unwrap_err()
        .to_string();
    assert!(err.contains("16-token window"), "{err}");
    assert!(nli.classify(&[]).unwrap().is_empty());
}

/// rust-bert's Pegasus stays within 1e-3 of transformers, not 1e-4 (about 5e-4
/// relative on these weights, from the first position on; not yet traced), and
/// generates the same ids.
#[test]
fn pegasus_matches_transformers() {
    check_seq2seq_within("pegasus-tiny", 1e-3);
}

/// The decoding bart-large-cnn and distilbart-cnn publish.
const CNN_SUMMARIZATION: GenerationConfig = GenerationConfig {
    num_beams: 4,
    max_length: 142,
    min_length: 56,
    no_repeat_ngram_size: 3,
    length_penalty: 2.0,
    early_stopping: EarlyStopping::Finished,
};

#[test]
fn generation_settings_published_by_the_model_override_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["config.json", "generation_config.json"] {
        std::fs::copy(fixture("bart-tiny").join(name), dir.path().join(name)).unwrap();
    }
    let published = r#"{"num_beams": 4, "max_length": 142, "min_length": 56,
        "no_repeat_ngram_size": 3, "length_penalty": 2.0, "early_stopping": true,
        "forced_bos_token_id": 0, "forced_eos_token_id": 2, "decoder_start_token_id": 2}"#;
    std::fs::write(dir.path().join("generation_config.json"), published).unwrap();
    let config = GenerationConfig::for_model(&ModelDir::open(dir.path()).unwrap());
    assert_eq!(config, CNN_SUMMARIZATION);
    // mt5-tiny publishes none of them: the documented defaults hold.
    let config = GenerationConfig::for_model(&ModelDir::open(&fixture("mt5-tiny")).unwrap());
    assert_eq!(config, GenerationConfig::default());
}

/// The summarizer as the pipeline runs it (for mT5: the project's own T5
/// network) generates transformers' ids for every recorded case.
#[test]
fn summarizer_generates_transformers_ids() {
    check_summarizer_ids("mt5-tiny");
}

fn check_summarizer_ids(name: &str) {
    single_thread();
    let reference = reference(name);
    for case in reference["generation"].as_array().unwrap() {
        let config = SummarizerConfig {
            generation: Some(generation_config(case)),
            ..SummarizerConfig::default()
        };
        let summarizer = TransformerSummarizer::load(&fixture(name), "test", config).unwrap();
        for (i, expected) in case["ids"].as_array().unwrap().iter().enumerate() {
            let text = reference["inputs"][i].as_str().unwrap();
            assert_eq!(
                summarizer.generate_ids(text).unwrap(),
                ids(expected),
                "{name}: case {} input {i}",
                case["name"]
            );
        }
    }
}

/// Checkpoints published in float16 (as mDeBERTa-v3-base-xnli-multilingual-nli-2mil7
/// is): every tensor of these fixtures is stored as F16, and transformers' float32
/// outputs over the same file are the reference.
#[test]
fn float16_checkpoints_match_transformers() {
    for name in ["mdeberta-nli-f16", "mt5-f16", "minilm-f16"] {
        let header = std::fs::read(fixture(name).join("model.safetensors")).unwrap();
        let header = String::from_utf8_lossy(&header[8..header.len().min(64 * 1024)]);
        assert!(
            header.contains("\"F16\"") && !header.contains("\"F32\""),
            "{name} must store float16 only"
        );
    }
    check_nli("mdeberta-nli-f16", 0);
    // mt5-f16 through the T5 engine: tests/t5_parity.rs.
    check_embeddings("minilm-f16");
}

/// The summarizer (the project's own mT5 network) over float16 weights
/// generates transformers' ids.
#[test]
fn summarizer_over_float16_weights_generates_transformers_ids() {
    check_summarizer_ids("mt5-f16");
}

/// paraphrase-multilingual-MiniLM-L12-v2 at 86741b4 ships a `tokenizer.json`
/// and a `tokenizer_config.json` naming `BertTokenizer`, which over its files
/// maps most words to `[UNK]`. The engine must tokenize with `tokenizer.json`,
/// whatever class the config names and whatever vocabulary files lie beside it.
#[test]
fn tokenizer_json_wins_over_tokenizer_config_class() {
    let reference = reference("minilm-tiny");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("minilm-tiny")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("tokenizer_config.json"),
        r#"{"tokenizer_class": "BertTokenizer", "do_lower_case": false, "model_max_length": 128}"#,
    )
    .unwrap();
    // A vocabulary that knows no word: anything reading it yields [UNK]s.
    std::fs::write(
        dir.path().join("vocab.txt"),
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n",
    )
    .unwrap();
    let model_dir = ModelDir::open(dir.path()).unwrap();
    let window = reference["max_length"].as_u64().unwrap() as usize;
    let tokenizer = TextTokenizer::load(&model_dir, window).unwrap();
    assert_eq!(tokenizer.path(), dir.path().join("tokenizer.json"));
    let legacy = TextTokenizer::load_legacy(&model_dir, window).unwrap();
    let embedder = SentenceEmbedder::load(dir.path(), EmbedConfig::default()).unwrap();
    for (i, sentence) in reference["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let sentence = sentence.as_str().unwrap();
        let expected = ids(&reference["input_ids"][i]);
        assert_eq!(
            tokenizer.encode(sentence).unwrap(),
            expected,
            "sentence {i}"
        );
        assert_eq!(
            embedder.tokenizer().encode(sentence).unwrap(),
            expected,
            "sentence {i}"
        );
        // The check can fail: the vocabulary files alone give other ids.
        assert_ne!(legacy.encode(sentence).unwrap(), expected, "sentence {i}");
    }
}

/// Decoding settings are read as transformers 4.57's summarization pipeline
/// reads them (its `generation_config` for these two configs is what is
/// asserted): config.json's own fields when there is no generation_config.json
/// (mT5_multilingual_XLSum publishes length_penalty 0.6 there), then
/// `task_specific_params.summarization` over them (distilbart-cnn); a registry
/// override goes on top of both and changes only what it names.
#[test]
fn decoding_settings_come_from_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("mt5-tiny")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "generation_config.json" {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let config_path = dir.path().join("config.json");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    for (key, value) in [
        ("length_penalty", serde_json::json!(0.6)),
        ("max_length", serde_json::json!(84)),
        ("no_repeat_ngram_size", serde_json::json!(2)),
        ("num_beams", serde_json::json!(4)),
    ] {
        config[key] = value;
    }
    std::fs::write(&config_path, config.to_string()).unwrap();
    let xlsum = GenerationConfig {
        num_beams: 4,
        max_length: 84,
        min_length: 0,
        no_repeat_ngram_size: 2,
        length_penalty: 0.6,
        early_stopping: EarlyStopping::Heuristic,
    };
    assert_eq!(
        GenerationConfig::for_model(&ModelDir::open(dir.path()).unwrap()),
        xlsum
    );
    let summarizer =
        TransformerSummarizer::load(dir.path(), "test", SummarizerConfig::default()).unwrap();
    assert_eq!(summarizer.generation(), &xlsum);

    // A deliberate override changes what it names and nothing else.
    let overrides = GenerationSettings {
        length_penalty: Some(1.0),
        reason: Some("test".into()),
        ..GenerationSettings::default()
    };
    assert_eq!(overrides.describe(), "length_penalty=1");
    let summarizer = TransformerSummarizer::load(
        dir.path(),
        "test",
        SummarizerConfig {
            overrides: Some(overrides),
            ..SummarizerConfig::default()
        },
    )
    .unwrap();
    assert_eq!(
        summarizer.generation(),
        &GenerationConfig {
            length_penalty: 1.0,
            ..xlsum.clone()
        }
    );

    config["task_specific_params"] = serde_json::json!({"summarization": {
        "length_penalty": 2.0, "max_length": 142, "min_length": 56,
        "no_repeat_ngram_size": 3, "num_beams": 4, "early_stopping": true}});
    std::fs::write(&config_path, config.to_string()).unwrap();
    assert_eq!(
        GenerationConfig::for_model(&ModelDir::open(dir.path()).unwrap()),
        CNN_SUMMARIZATION
    );
}
