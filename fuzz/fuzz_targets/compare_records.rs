//! Arbitrary bytes as the analysis records `newsframe compare` reads
//! (JSONL): reading must never panic, every line must end up as an
//! analysis, a failure record or a malformed entry named `file:line`, and
//! the counts must add up.
//!
//! Run: `cargo fuzz run compare_records -- -jobs=1 -max_total_time=600`
//! (see fuzz/README.md).

#![no_main]

use libfuzzer_sys::fuzz_target;
use newsframe::report::FailureKind;
use newsframe::report::load::LoadedRecords;

fuzz_target!(|data: &[u8]| {
    let mut loaded = LoadedRecords::default();
    loaded
        .read("fuzz.jsonl", data)
        .expect("reading from memory does not fail");
    assert_eq!(loaded.inputs.len(), 1);
    let summary = &loaded.inputs[0];
    assert_eq!(summary.analyses, loaded.analyses.len());
    assert_eq!(summary.failed + summary.malformed, loaded.failed.len());
    assert_eq!(loaded.failure_count(), loaded.failed.len());
    let lines = data.split(|&b| b == b'\n').count();
    // Failure records name the article they were written for; malformed
    // lines are named by where they are in this file.
    for failed in loaded.failed.iter().filter(|f| f.kind == FailureKind::Malformed) {
        let line: usize = failed
            .origin
            .strip_prefix("fuzz.jsonl:")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("malformed entry not named file:line: {failed:?}"));
        assert!(line >= 1 && line <= lines, "{failed:?} of {lines} lines");
    }
    for analysis in &loaded.analyses {
        assert!(analysis.read_from.to_string().starts_with("fuzz.jsonl:"));
    }
});
