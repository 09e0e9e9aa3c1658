//! The integration tests in one binary, one module per area (as ripgrep's
//! `tests/integration`): every test binary links the whole crate with
//! libtorch, so one link instead of one per file. `tests/train_stance.rs`
//! stays a binary of its own: training seeds libtorch's one random
//! generator per process, which other tests here would draw from.

#[path = "../common/mod.rs"]
mod common;
#[path = "../models_hub_server/mod.rs"]
mod models_hub_server;
#[path = "../common/stance.rs"]
mod stance_common;

mod actors_matching;
mod analyze_cli;
mod analyze_pipeline;
mod analyze_summary;
mod analyze_transformer;
mod bench_scripts;
mod compare_browser;
mod compare_edge_cases;
mod compare_formats;
mod compare_naming;
mod compare_stories;
mod crosssum_parity;
mod eval_cli;
mod eval_rouge_parity;
mod eval_stance_metrics;
mod eval_targets;
mod gpu;
mod input_readers;
mod models_cli;
mod models_convert;
mod models_fetch;
mod models_import;
mod models_safety;
mod output_safety;
mod records_scale;
mod resource_guards;
mod segment_cli;
mod segment_sentences;
mod spark_job;
mod stance_builtin;
mod stance_classifier;
mod stance_classifier_scorer;
mod stance_lexicon;
mod stance_newsmtsc;
mod stance_nli;
mod summary_lang_cli;
mod t5_parity;
mod train_stance_newsmtsc;
mod transformer_minilm;
mod transformer_parity;
mod voices;
