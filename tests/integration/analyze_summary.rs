//! The builtin extractive summarizer: budgets, redundancy, the lead (and
//! what is not a lead: datelines, bylines, opening quotes), determinism, and
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
            target_words: 30,
            ..Default::default()
        },
        &a,
    );
    // Each sentence after the first moved the length nearer the target, so
    // the summary stays under twice the target.
    assert!(
        words.sentences.len() == 1 || words.text.split_whitespace().count() < 60,
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

/// An inverted-pyramid wire story: the lead says who did what, where and
/// when; the rest adds detail and background.
const PYRAMID: &str = "Norway confirmed on Thursday that it had held separate preliminary contacts in Oslo with envoys of Venezuela's government and of the opposition, in an effort to end the political crisis.

The Norwegian foreign ministry said the contacts with the government and the opposition were at an early stage. It gave no details of the agenda.

President Nicolás Maduro praised the initiative. Opposition leader Juan Guaidó confirmed he had sent envoys to Oslo but denied any direct negotiation.

The talks follow a failed uprising on April 30. Russia and Cuba, Maduro's main allies, welcomed the contacts.";

#[test]
fn default_summary_is_the_lead_of_an_inverted_pyramid_story() {
    let a = article(PYRAMID);
    let s = summarize(ExtractiveConfig::default(), &a);
    // The lead and its second sentence (31 + 16 words, nearer the 40-word
    // target than the lead alone): Lead-2.
    assert_eq!(s.sentences, vec![0, 1], "{s:?}");
    assert!(s.text.starts_with(a.sentence_text(0).trim()));
    // The same holds in another language.
    let es = article(ES);
    assert_eq!(summarize(ExtractiveConfig::default(), &es).sentences[0], 0);
}

#[test]
fn dateline_and_byline_lines_are_skipped() {
    let dateline = format!("OSLO, May 16 (GWR)\n\n{PYRAMID}");
    let a = article(&dateline);
    assert_eq!(a.sentence_text(0).trim(), "OSLO, May 16 (GWR)");
    let s = summarize(ExtractiveConfig::default(), &a);
    assert_eq!(s.sentences, vec![1, 2], "{s:?}");
    assert!(s.text.starts_with("Norway confirmed"), "{}", s.text);

    // A byline long enough to pass the word minimum is still no sentence.
    let byline = format!("By Jane Doe and John Smith, Global Wire Review staff\n\n{PYRAMID}");
    let s = summarize(ExtractiveConfig::default(), &article(&byline));
    assert_eq!(s.sentences, vec![1, 2], "{s:?}");
}

#[test]
fn an_opening_quote_does_not_take_the_lead() {
    let text = format!(
        "\u{201c}This is the last chance for peace in our country and we will not waste it,\u{201d} he said.\n\n{PYRAMID}"
    );
    let a = article(&text);
    let s = summarize(ExtractiveConfig::default(), &a);
    assert_eq!(s.sentences, vec![1, 2], "{s:?}");
}

#[test]
fn a_far_more_central_sentence_outranks_an_off_topic_lead() {
    let text =
        "A cold wind swept over the harbour as the first visitors arrived early on Monday morning.

Norway is hosting talks between the government and the opposition of Venezuela in Oslo.

The talks in Oslo between the government and the opposition are the first since January.

The opposition and the government both sent delegations to the talks in Oslo.";
    let a = article(text);
    let s = summarize(
        ExtractiveConfig {
            max_sentences: 1,
            ..Default::default()
        },
        &a,
    );
    assert_ne!(s.sentences, vec![0], "{s:?}");
}

#[test]
fn word_target_is_approached_not_filled_with_weaker_sentences() {
    let a = article(PYRAMID);
    let words = |s: &newsframe::record::Summary| {
        s.sentences
            .iter()
            .map(|&i| a.sentence_text(i).split_whitespace().count())
            .sum::<usize>()
    };
    for target_words in [10, 40, 60, 80] {
        let s = summarize(
            ExtractiveConfig {
                max_sentences: 0,
                target_words,
                ..Default::default()
            },
            &a,
        );
        assert!(!s.sentences.is_empty());
        // A sentence joins only when it brings the length nearer the target:
        // a summary of several sentences stays under twice the target.
        assert!(
            s.sentences.len() == 1 || words(&s) < 2 * target_words,
            "{target_words}: {s:?}"
        );
        assert_eq!(s.sentences[0], 0, "{target_words}: {s:?}");
    }
    // The lead (31 words) and its second sentence (16) end at 47 words,
    // past the 40-word target: nothing more gets in, not even the 7-word
    // "It gave no details of the agenda." with a third sentence allowed.
    let s = summarize(
        ExtractiveConfig {
            max_sentences: 3,
            ..Default::default()
        },
        &a,
    );
    assert_eq!(s.sentences, vec![0, 1], "{s:?}");
    // A short lead leaves room for a second sentence.
    let short = article(
        "Venezuela's government and opposition met in Oslo on Thursday.

Norway, which brokered the talks between the government and the opposition, said they would continue.

The weather in Oslo was cold and wet all week long, visitors said.",
    );
    let s = summarize(ExtractiveConfig::default(), &short);
    assert_eq!(s.sentences, vec![0, 1], "{s:?}");
}

/// A normal news lead (25 words) keeps its second sentence (20 words): the
/// 40 words are a target to come near, not a cap that cuts Lead-2 to Lead-1.
#[test]
fn a_normal_lead_keeps_its_second_sentence() {
    let a = article(
        "Envoys of the Venezuelan government and of the opposition met in Oslo on Thursday for a second round of talks brokered by Norway, officials said.

The talks are the first direct contact between the two sides since the failed uprising in Caracas last month.

The weather in Oslo was cold and wet all week long, visitors said.

Hotels near the city centre were busy with tourists and conference guests.",
    );
    let words = |i: usize| a.sentence_text(i).split_whitespace().count();
    assert_eq!((words(0), words(1)), (25, 19));
    let s = summarize(ExtractiveConfig::default(), &a);
    assert_eq!(s.sentences, vec![0, 1], "{s:?}");
}

#[test]
fn summaries_are_deterministic() {
    for text in [PYRAMID, ES] {
        let a = article(text);
        let first = summarize(ExtractiveConfig::default(), &a);
        for _ in 0..5 {
            let again = summarize(ExtractiveConfig::default(), &article(text));
            assert_eq!(again, first);
        }
        let scores = BuiltinSummarizer::default().scores(&a);
        assert_eq!(BuiltinSummarizer::default().scores(&a), scores);
    }
}
