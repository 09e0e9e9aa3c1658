//! `compare --stories cluster`: which similarity groups articles into
//! stories, and that the report names it. Embeddings group one event told
//! in other words (no shared content word), which word overlap cannot.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

/// Two events, each told by two outlets in words the other does not use.
const ARTICLES: [(&str, &str, &str, &str); 4] = [
    (
        "a1",
        "Meridian Wire",
        "Blackout leaves Caracas in the dark",
        "A nationwide power failure cut electricity on Thursday.",
    ),
    (
        "b1",
        "Meridian Wire",
        "Rivals meet in Oslo",
        "Envoys of Maduro and Guaidó sat down with mediators.",
    ),
    (
        "a2",
        "Harbor Post",
        "Grid collapse plunges Venezuela into darkness",
        "Millions of residents spent the night without light.",
    ),
    (
        "b2",
        "Harbor Post",
        "Norway hosts Venezuelan negotiators",
        "Representatives of both camps held exploratory talks in the Scandinavian capital.",
    ),
];

fn write_records(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    for (line, (id, source, title, summary)) in ARTICLES.iter().enumerate() {
        let record = json!({"schema_version": 2, "id": id, "source": source, "date": "2019-05-17",
            "lang": "en", "title": title, "origin": {"path": "gen.jsonl", "line": line + 1},
            "engine": {"summary": "builtin-extractive@0.1.0", "stance": "builtin-lexicon@0.1.0"},
            "summary": {"text": summary, "method": "extractive", "sentences": [0]},
            "actors": [], "warnings": []});
        writeln!(f, "{record}").unwrap();
    }
}

fn compare(records: &Path, args: &[&str]) -> Output {
    common::process(common::BIN)
        .arg("compare")
        .arg(records)
        .args(["--stories", "cluster", "--format", "json"])
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1558483200")
        .output()
        .expect("run newsframe")
}

/// The report's stories as sorted lists of article ids.
fn stories(out: &Output) -> (Value, Vec<Vec<String>>) {
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut stories: Vec<Vec<String>> = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut ids: Vec<String> = s["groups"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["summaries"].as_array().unwrap().iter())
                .map(|a| a["article_id"].as_str().unwrap().to_string())
                .collect();
            ids.sort();
            ids
        })
        .collect();
    stories.sort();
    (report["config"].clone(), stories)
}

#[test]
fn without_an_embedding_model_auto_clusters_by_word_overlap_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.jsonl");
    write_records(&records);
    let out = compare(&records, &[]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("word overlap") && stderr.contains("models fetch minilm-multilingual"),
        "{stderr}"
    );
    let (config, stories) = stories(&out);
    assert_eq!(config["similarity"], "tfidf");
    assert_eq!(config["cluster_threshold"], 0.05);
    assert!(config.get("embedding_model").is_none());
    // No content word is shared: word overlap cannot group them.
    assert_eq!(stories.len(), 4, "{stories:?}");
}

#[test]
fn embedding_without_the_model_is_a_usage_error_that_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.jsonl");
    write_records(&records);
    let out = compare(&records, &["--similarity", "embedding"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--similarity embedding")
            && stderr.contains("models fetch minilm-multilingual"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[cfg(feature = "transformer")]
#[test]
#[ignore = "needs the all-MiniLM-L6-v2 wheel (scripts/setup)"]
fn embeddings_group_one_event_told_in_other_words() {
    let (model, _cache) = common::require(common::minilm_dir(), common::MINILM_NEEDED);
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.jsonl");
    write_records(&records);
    let out = compare(
        &records,
        &[
            "--similarity",
            "embedding",
            "--embedding-model",
            model.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (config, stories) = stories(&out);
    assert_eq!(config["similarity"], "embedding");
    assert_eq!(config["cluster_threshold"], 0.4);
    assert!(
        config["embedding_model"]
            .as_str()
            .is_some_and(|m| m.starts_with("local:")),
        "{config}"
    );
    assert_eq!(stories, vec![vec!["a1", "a2"], vec!["b1", "b2"]]);
}
