//! Cross-lingual summaries (`--summary-lang`) against Hugging Face transformers
//! 4.57 on mt5-crosssum-tiny, a random mT5 published the way
//! csebuetnlp/mT5_m2m_crossSum is (spiece.model only, a `langid_map` of
//! language tokens in config.json). References from
//! scripts/make_crosssum_fixture.py: the language's token read as the model
//! card reads it, then `generate(..., decoder_start_token_id=that id)`, greedy
//! and 4 beams with no_repeat_ngram_size=2; our ids must be equal.
#![cfg(feature = "transformer")]

use newsframe::transformer::generate::{EarlyStopping, GenerationConfig};
use newsframe::transformer::summarizer::{SummarizerConfig, TransformerSummarizer};
use newsframe::transformer::{Precision, RuntimeConfig};

use crate::transformer_parity::{fixture, ids, reference};

const FIXTURE: &str = "mt5-crosssum-tiny";

fn load(config: SummarizerConfig) -> Result<TransformerSummarizer, String> {
    RuntimeConfig {
        threads: Some(1),
        precision: Precision::F32,
    }
    .apply();
    TransformerSummarizer::load(&fixture(FIXTURE), "crosssum-tiny@test", config)
        .map_err(|e| e.to_string())
}

const CODES: [(&str, &str); 4] = [
    ("english", "en"),
    ("spanish", "es"),
    ("french", "fr"),
    ("russian", "ru"),
];

#[test]
fn language_tokens_are_the_ones_the_model_card_reads() {
    let summarizer = load(SummarizerConfig::default()).unwrap();
    let reference = reference(FIXTURE);
    let languages = summarizer.languages().expect("a langid_map is read");
    assert_eq!(languages.codes(), vec!["en", "es", "fr", "ru"]);
    for (name, code) in CODES {
        assert_eq!(
            summarizer.language_token(code),
            reference["lang_ids"][name].as_i64(),
            "{name}"
        );
    }
    assert_eq!(summarizer.language_token("de"), None);
}

#[test]
fn cross_lingual_ids_match_transformers_greedy_and_beam() {
    let summarizer = load(SummarizerConfig::default()).unwrap();
    let reference = reference(FIXTURE);
    let mut compared = 0;
    for result in reference["results"].as_array().unwrap() {
        let text = result["text"].as_str().unwrap();
        assert_eq!(
            summarizer.tokenizer().encode(text).unwrap(),
            ids(&result["input_ids"]),
            "input ids of {text:?}"
        );
        for case in reference["cases"].as_array().unwrap() {
            let config = GenerationConfig {
                num_beams: case["num_beams"].as_u64().unwrap() as usize,
                max_length: case["max_length"].as_u64().unwrap() as usize,
                min_length: 0,
                no_repeat_ngram_size: case["no_repeat_ngram_size"].as_u64().unwrap() as usize,
                length_penalty: reference["length_penalty"].as_f64().unwrap(),
                early_stopping: EarlyStopping::Heuristic,
            };
            let case_name = case["name"].as_str().unwrap();
            let mut outputs = Vec::new();
            for (name, code) in CODES {
                let start = summarizer.language_token(code);
                let got = summarizer
                    .generate_ids_starting(text, &config, start)
                    .unwrap();
                let want = ids(&result["ids"][name][case_name]);
                assert_eq!(got, want, "{text:?} to {name}, {case_name}");
                assert_eq!(
                    got[0],
                    start.unwrap(),
                    "the summary starts with its language"
                );
                outputs.push(got);
                compared += 1;
            }
            // The start token steers the whole output: were it ignored, every
            // language would give the same ids.
            outputs.sort();
            outputs.dedup();
            assert_eq!(outputs.len(), CODES.len(), "{text:?}, {case_name}");
        }
    }
    assert_eq!(compared, 3 * 2 * 4);
}

#[test]
fn summaries_are_in_the_language_asked_for_without_its_token() {
    let generation = GenerationConfig {
        num_beams: 1,
        max_length: 10,
        ..GenerationConfig::default()
    };
    let summarizer = load(SummarizerConfig {
        summary_lang: Some("fr".into()),
        generation: Some(generation.clone()),
        ..SummarizerConfig::default()
    })
    .unwrap();
    let text = "Le président a rejeté les critiques.";
    let (summary, _) = summarizer.summarize_paragraphs(&[vec![text]]).unwrap();
    let french = summarizer.language_token("fr");
    let ids = summarizer
        .generate_ids_starting(text, &generation, french)
        .unwrap();
    assert_eq!(ids[0], french.unwrap());
    let expected = summarizer.tokenizer().decode(&ids[1..]).unwrap();
    assert_eq!(summary, expected.trim());
    assert!(!summary.contains("extra_id"), "{summary:?}");
}

#[test]
fn a_summary_language_the_model_lacks_is_refused_with_the_list() {
    let err = load(SummarizerConfig {
        summary_lang: Some("de".into()),
        ..SummarizerConfig::default()
    })
    .err()
    .unwrap();
    assert!(
        err.contains("\"de\"") && err.contains("en, es, fr, ru"),
        "{err}"
    );
    // A summarizer without language tokens cannot honor any summary language.
    let err = TransformerSummarizer::load(
        &fixture("mt5-tiny"),
        "mt5-tiny@test",
        SummarizerConfig {
            summary_lang: Some("en".into()),
            ..SummarizerConfig::default()
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("langid_map") && err.contains("mt5-crosssum"),
        "{err}"
    );
}
