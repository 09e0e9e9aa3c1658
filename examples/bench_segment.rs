//! Times segmentation on 1 MB and 5 MB articles, as one huge paragraph and
//! as many short paragraphs, to show that the work grows linearly.
//!
//! For each input it times `sentencex` alone, `sentencex` plus the project's
//! rules (`split_sentences`), and the whole of `preprocess` (cleaning,
//! language detection, segmentation). Run through `scripts/bench_segment.sh`
//! or `cargo run --release --no-default-features --example bench_segment`.
//! The text is built from a fixed list of sentences: runs are repeatable.

use std::time::Instant;

use newsframe::article::{ArticleMeta, Origin, RawArticle};
use newsframe::preprocess::sentences::{sentencex_only, split_sentences};
use newsframe::preprocess::{PreprocessConfig, preprocess};

const SENTENCES: &[&str] = &[
    "“If a traitor emerges, capture him immediately!” Maduro told army personnel at a rally.",
    "The U.S. Treasury imposed new sanctions on Monday.",
    "Dr. Ana Ruiz said supplies were short... and getting shorter.",
    "Inflation reached 1.3 million percent, according to the U.N. agency.",
    "Talks between the government and the opposition began in Oslo.",
    "“Who gave the order?” asked a reporter.",
    "Gen. Padrino López pledged loyalty, etc. The crowd cheered.",
];

/// Worst cases for the rules: every cut is merged again (`Dr. Dr. …`), or
/// there is no cut at all (one sentence of 5 MB).
const MERGE_CHAIN: &[&str] = &["Dr."];
const NO_CUT: &[&str] = &["and the talks went on"];
/// One quotation that never closes.
const OPEN_QUOTE: &[&str] = &["“Talks began in Oslo. Dr. Ruiz said no... The U.S. agreed."];
/// Cuts inside one huge word: `¿Sí?¡No!¿Sí?…` without any space.
const NO_SPACE: &[&str] = &["¿Sí?¡no!"];

/// `sentences_per_paragraph`: `None` for one paragraph, `Some(0)` for no
/// separator at all.
fn build(bytes: usize, sentences_per_paragraph: Option<usize>, pool: &[&str]) -> String {
    let mut text = String::with_capacity(bytes + 200);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(pool[i % pool.len()]);
        i += 1;
        match sentences_per_paragraph {
            Some(0) => {}
            Some(n) if i % n == 0 => text.push_str("\n\n"),
            _ => text.push(' '),
        }
    }
    text
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed().as_secs_f64())
}

/// Name, sentences per paragraph (see [`build`]), sentence pool, sizes in MB.
type Shape = (
    &'static str,
    Option<usize>,
    &'static [&'static str],
    &'static [f64],
);

fn main() {
    println!(
        "{:<16} {:>5} {:>11} {:>11} {:>11} {:>10}",
        "shape", "MB", "sentencex_s", "rules_s", "preproc_s", "sentences"
    );
    // Plain sentencex is quadratic on text without spaces: time it only on
    // small inputs there, to show the growth our chunking avoids.
    let shapes: [Shape; 6] = [
        ("open quote", None, OPEN_QUOTE, &[1.0, 5.0]),
        ("one paragraph", None, SENTENCES, &[1.0, 5.0]),
        ("many paragraphs", Some(3), SENTENCES, &[1.0, 5.0]),
        ("merge chain", None, MERGE_CHAIN, &[1.0, 5.0]),
        ("no cut", None, NO_CUT, &[1.0, 5.0]),
        ("no space", Some(0), NO_SPACE, &[0.05, 0.1, 1.0, 5.0]),
    ];
    for (shape, per_paragraph, pool, sizes) in shapes {
        for &mb in sizes {
            let text = build((mb * 1_000_000.0) as usize, per_paragraph, pool);
            let paragraphs: Vec<&str> = text
                .split("\n\n")
                .filter(|p| !p.trim().is_empty())
                .collect();
            let plain_s = if shape != "no space" || mb <= 0.1 {
                let (_, seconds) = time(|| {
                    paragraphs
                        .iter()
                        .map(|p| sentencex_only("en", p.trim()).len())
                        .sum::<usize>()
                });
                format!("{seconds:.3}")
            } else {
                "-".to_string()
            };
            let (_, rules_s) = time(|| {
                paragraphs
                    .iter()
                    .map(|p| split_sentences("en", p.trim()).len())
                    .sum::<usize>()
            });
            let raw = RawArticle::new(Origin::file("bench"), ArticleMeta::default(), text);
            let (article, pre_s) = time(|| preprocess(raw, &PreprocessConfig::default()));
            println!(
                "{shape:<16} {mb:>5} {plain_s:>11} {rules_s:>11.3} {pre_s:>11.3} {:>10}",
                article.sentences.len()
            );
        }
    }
}
