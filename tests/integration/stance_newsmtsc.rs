//! The builtin stance engine on real news: NewsMTSC `devtest_mt` (721
//! sentences, two or more targets each, whose stance often differs). Reads
//! the dataset from `$NEWSFRAME_NEWSMTSC_DIR`, else
//! `../shared/datasets/newsmtsc` beside the repository. The data is not part
//! of the repository, so the test is ignored unless asked for (`cargo test
//! -- --ignored`), and then fails without it; `.ci/run` points the variable
//! at it where it exists.

use crate::common;

use newsframe::actors::ActorSet;
use newsframe::engine::EngineChoice;
use newsframe::eval::datasets::{LoadConfig, load_stance};
use newsframe::eval::stances::evaluate;
use newsframe::eval::targets::stances;
use newsframe::pipeline::{Pipeline, PipelineConfig};
use newsframe::stats::BootstrapConfig;

#[test]
#[ignore = "needs NewsMTSC (NEWSFRAME_NEWSMTSC_DIR)"]
fn builtin_stance_on_newsmtsc_devtest_mt() {
    let path =
        common::require(common::newsmtsc_dir(), common::NEWSMTSC_NEEDED).join("devtest_mt.jsonl");
    let loaded = load_stance(&path, &LoadConfig::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.examples.len(), 1476);
    let mut config = PipelineConfig::new(ActorSet::empty("targets"));
    config.engine.choice = EngineChoice::Builtin;
    config.summarize = false;
    let pipeline = Pipeline::new(config).unwrap();
    let preds = stances(&pipeline, &loaded.examples);
    assert!(preds.errors.is_empty(), "{:?}", preds.errors);
    let bootstrap = BootstrapConfig {
        samples: 0,
        ..BootstrapConfig::default()
    };
    let e = evaluate(&loaded.examples, loaded.scheme, &preds, &bootstrap);
    let f1 = |label: &str| e.per_class.iter().find(|c| c.label == label).unwrap().f1;
    eprintln!(
        "NewsMTSC devtest_mt, builtin: F1_m {:.4} (positive {:.4}, neutral {:.4}, negative {:.4}), accuracy {:.4}",
        e.overall.macro_f1,
        f1("positive"),
        f1("neutral"),
        f1("negative"),
        e.overall.accuracy
    );
    assert_eq!(e.unmatched, 0);
    // Measured 0.613 (positive 0.550) with builtin-lexicon@0.4.0; the
    // issue's bar is 0.60, above the bag-of-words regression (0.595).
    assert!(e.overall.macro_f1 >= 0.60, "F1_m {}", e.overall.macro_f1);
    assert!(f1("positive") >= 0.45, "positive F1 {}", f1("positive"));
}
