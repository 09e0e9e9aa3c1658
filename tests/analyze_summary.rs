//! The builtin extractive summarizer: budgets, redundancy, the lead, and
//! languages other than English.

use newsframe::article::{Article, ArticleMeta, Origin, RawArticle};
use newsframe::preprocess::{PreprocessConfig, preprocess};
use newsframe::record::SummaryMethod;
use newsframe::summarize::Summarizer;
use newsframe::summarize::builtin::{BuiltinSummarizer, ExtractiveConfig};

fn article(text: &str) -> Article {
    preprocess(
        RawArticle::new(
            Origin::file("t.txt"),
            ArticleMeta::default(),
            text.to_string(),
        ),
        &PreprocessConfig::default(),
    )
}

fn summarize(config: ExtractiveConfig, a: &Article) -> newsframe::record::Summary {
    BuiltinSummarizer::new(config)
        .summarize(&[a])
        .unwrap()
        .remove(0)
}

const ES: &str = "El gobierno de Venezuela y la oposición iniciaron conversaciones en Oslo con la mediación de Noruega.

Las conversaciones en Oslo entre el gobierno y la oposición buscan una salida a la crisis política del país.

El clima en la capital noruega fue frío durante toda la semana de reuniones.

La ONU expresó su apoyo a las conversaciones entre el gobierno y la oposición en Oslo.

Los delegados regresarán a Caracas el viernes para consultar con sus dirigentes.";

#[test]
fn summary_is_extractive_in_article_order_within_budget() {
    let a = article(ES);
    let s = summarize(ExtractiveConfig::default(), &a);
    assert_eq!(s.method, SummaryMethod::Extractive);
    assert!(s.sentences.len() <= 3 && !s.sentences.is_empty());
    assert!(s.sentences.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(s.sentences[0], 0, "the lead sentence leads: {s:?}");
    let expected: Vec<&str> = s.sentences.iter().map(|&i| a.sentence_text(i)).collect();
    assert_eq!(s.text, expected.join(" "));
    // The weather sentence shares nothing with the story.
    assert!(!s.sentences.contains(&2), "{s:?}");

    let one = summarize(
        ExtractiveConfig {
            max_sentences: 1,
            ..Default::default()
        },
        &a,
    );
    assert_eq!(one.sentences, vec![0]);
    let words = summarize(
        ExtractiveConfig {
            max_sentences: 0,
            max_words: 30,
            ..Default::default()
        },
        &a,
    );
    assert!(
        words.text.split_whitespace().count() <= 30,
        "{}",
        words.text
    );
}

#[test]
fn repeated_sentences_are_not_picked_twice() {
    let text = "Norway is brokering talks between the government and the opposition in Oslo.\n\n\
        Norway is brokering talks between the government and the opposition in Oslo this week.\n\n\
        The United States threatened new sanctions against the government on Friday.\n\n\
        The opposition sent a delegation to the talks in Oslo.";
    let a = article(text);
    let s = summarize(
        ExtractiveConfig {
            max_sentences: 2,
            ..Default::default()
        },
        &a,
    );
    assert!(
        !(s.sentences.contains(&0) && s.sentences.contains(&1)),
        "{s:?}"
    );
}

#[test]
fn german_and_empty_articles() {
    let de = article(
        "Die Regierung und die Opposition haben in Oslo Gespräche begonnen. Norwegen vermittelt zwischen den Delegationen. \
         Die Vereinten Nationen unterstützen die Gespräche in Oslo ausdrücklich.",
    );
    let s = summarize(
        ExtractiveConfig {
            max_sentences: 2,
            ..Default::default()
        },
        &de,
    );
    assert_eq!(s.sentences.len(), 2);
    assert!(s.text.starts_with("Die Regierung"));
    let empty = article("   ");
    let s = summarize(ExtractiveConfig::default(), &empty);
    assert!(s.text.is_empty() && s.sentences.is_empty());
}
