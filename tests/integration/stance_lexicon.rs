//! The builtin stance engine: lexicons parse, and the rules for negation,
//! intensifiers, contrast, distance, agents and quotes do what they promise.

use newsframe::actors::{ActorMatcher, ActorSet};
use newsframe::article::{Article, ArticleMeta, Origin, RawArticle};
use newsframe::preprocess::{PreprocessConfig, preprocess};
use newsframe::record::StanceLabel;
use newsframe::stance::lexicon::{
    BUILTIN_LEXICONS, BuiltinLexicon, Lexicon, LexiconStanceConfig, LexiconStanceScorer, Lexicons,
    Polarity,
};
use newsframe::stance::{StanceQuery, StanceScorer, TargetSentence};

fn set() -> ActorSet {
    let mut set = ActorSet::empty("test");
    set.add_inline("gov:the government=government|gobierno|Regierung|gouvernement|governo|Maduro")
        .unwrap();
    set.add_inline("opp:the opposition=opposition|oposición|Guaido")
        .unwrap();
    set.add_inline("us:the US=US|Washington").unwrap();
    set.add_inline("no:Norway=Norway|Noruega|Norvège|Norwegen")
        .unwrap();
    set
}

fn article(text: &str, lang: &str) -> Article {
    let meta = ArticleMeta {
        lang: Some(lang.to_string()),
        ..ArticleMeta::default()
    };
    preprocess(
        RawArticle::new(Origin::file("t.txt"), meta, text.to_string()),
        &PreprocessConfig::default(),
    )
}

fn scorer() -> LexiconStanceScorer {
    LexiconStanceScorer::new(Lexicons::builtin(), LexiconStanceConfig::default())
}

/// Polarity toward `actor` in the first sentence of `text`.
fn polarity(text: &str, lang: &str, actor: &str) -> Polarity {
    let set = set();
    let a = article(text, lang);
    let mentions = ActorMatcher::new(&set).find(&a);
    let index = set.actors.iter().position(|x| x.id == actor).unwrap();
    let query = StanceQuery {
        article: &a,
        actor_index: index,
        actor: &set.actors[index],
        mentions: &mentions,
        sentences: vec![TargetSentence {
            index: 0,
            direct: true,
        }],
    };
    scorer().polarity(&query, 0, true)
}

fn net(text: &str, lang: &str, actor: &str) -> f64 {
    let p = polarity(text, lang, actor);
    p.positive - p.negative
}

fn label(text: &str, lang: &str, actor: &str) -> StanceLabel {
    let p = polarity(text, lang, actor);
    scorer().probs(p).argmax()
}

#[test]
fn builtin_lexicons_parse_and_are_substantial() {
    for &BuiltinLexicon { lang, file, text } in BUILTIN_LEXICONS {
        let lexicon = Lexicon::parse(text, file).unwrap();
        assert!(
            lexicon.len() >= 200,
            "{lang}: only {} entries",
            lexicon.len()
        );
    }
    let err = Lexicon::parse("good\tpos\n bad\tvery\n", "x.tsv")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x.tsv, line 2") && err.contains("\"very\""),
        "{err}"
    );
}

#[test]
fn plain_evaluation_of_the_only_actor() {
    assert_eq!(
        label("The corrupt government lied again.", "en", "gov"),
        StanceLabel::Negative
    );
    assert_eq!(
        label("The government is credible and constructive.", "en", "gov"),
        StanceLabel::Positive
    );
    assert_eq!(
        label("The government met on Tuesday.", "en", "gov"),
        StanceLabel::Neutral
    );
}

#[test]
fn negation_flips_and_weakens() {
    let plain = net("The government was supportive of the plan.", "en", "gov");
    let negated = net(
        "The government was not supportive of the plan.",
        "en",
        "gov",
    );
    assert!(plain > 0.0 && negated < 0.0, "{plain} {negated}");
    assert!(negated.abs() < plain.abs());
    assert!(net("The government wasn't supportive.", "en", "gov") < 0.0);
    assert!(net("El gobierno no es legítimo.", "es", "gov") < 0.0);
    assert!(net("Le gouvernement n'est pas crédible.", "fr", "gov") < 0.0);
    assert!(net("Die Regierung ist nicht glaubwürdig.", "de", "gov") < 0.0);
    assert!(net("O governo não é legítimo.", "pt", "gov") < 0.0);
    // Negation does not cross a clause break.
    assert!(net("Not today, the government is credible.", "en", "gov") > 0.0);
}

#[test]
fn intensifiers_scale() {
    let plain = net("The government was supportive.", "en", "gov");
    let very = net("The government was very supportive.", "en", "gov");
    let slightly = net("The government was slightly supportive.", "en", "gov");
    assert!(
        very > plain && plain > slightly && slightly > 0.0,
        "{very} {plain} {slightly}"
    );
}

#[test]
fn contrast_weighs_the_clause_after_but() {
    // "X is credible, but corrupt": the second clause wins.
    assert!(net("The government is credible but corrupt.", "en", "gov") < 0.0);
    assert!(net("The government is corrupt but credible.", "en", "gov") > 0.0);
    assert!(net("El gobierno es corrupto pero legítimo.", "es", "gov") > 0.0);
    assert!(net("Die Regierung ist korrupt, aber legitim.", "de", "gov") > 0.0);
}

#[test]
fn attributes_go_to_the_nearest_actor() {
    let text = "Renegade soldiers led by Guaido attacked, while the government stayed calm on Tuesday morning.";
    assert!(net(text, "en", "opp") < net(text, "en", "gov"));
}

#[test]
fn conduct_reflects_on_the_agent_not_the_target() {
    let text = "The US threatened to oust the government.";
    assert_eq!(label(text, "en", "us"), StanceLabel::Negative);
    assert_eq!(label(text, "en", "gov"), StanceLabel::Neutral);
    let brokering =
        "Talks between the government and the opposition began in Norway, which is brokering them.";
    assert_eq!(label(brokering, "en", "no"), StanceLabel::Positive);
    assert!(net(brokering, "en", "gov").abs() < net(brokering, "en", "no").abs());
    // Passive: the agent follows `by`.
    let passive = "The talks were sabotaged by Guaido, the government said.";
    assert!(net(passive, "en", "opp") < 0.0);
}

#[test]
fn evaluations_go_to_the_actor_evaluated() {
    let text = "Washington condemned the government.";
    assert!(net(text, "en", "gov") < 0.0);
    assert!(net(text, "en", "us").abs() < 1e-12);
    let praise = "Washington praised Norway.";
    assert!(net(praise, "en", "no") > 0.0);
}

#[test]
fn a_speakers_quote_is_not_about_the_speaker() {
    // A long quote is the speaker's view: it does not count toward the
    // speaker (or other actors outside it).
    let text = "“Capture the traitors and the criminals immediately, it is an order!” Maduro told the troops.";
    assert!(net(text, "en", "gov").abs() < 1e-12);
    // It counts, at half weight, toward an actor named inside it.
    let inside = "“The corrupt government must go now, and soon,” Guaido told reporters.";
    let said = net(inside, "en", "gov");
    let plain = net(
        "The corrupt government must go now, and soon, reporters were told.",
        "en",
        "gov",
    );
    assert!(said < 0.0 && said.abs() < plain.abs(), "{said} {plain}");
    assert!(net(inside, "en", "opp").abs() < 1e-12);
    // A short quoted phrase is the article's own sentence.
    assert!(
        net(
            "Guaido said he was “very much supportive” of the talks.",
            "en",
            "opp"
        ) > 0.0
    );
}

#[test]
fn distance_weakens_a_word() {
    let near = net("The corrupt government met.", "en", "gov");
    let far = net(
        "Corrupt deals, as people in the capital city said again on a long and rainy Tuesday, worried the government.",
        "en",
        "gov",
    );
    assert!(near < far && far < 0.0, "{near} {far}");
}

#[test]
fn judgments_weigh_evaluative_sentences_more() {
    let set = set();
    let a = article(
        "The government met. The government is corrupt and brutal.",
        "en",
    );
    let mentions = ActorMatcher::new(&set).find(&a);
    let query = StanceQuery {
        article: &a,
        actor_index: 0,
        actor: &set.actors[0],
        mentions: &mentions,
        sentences: vec![
            TargetSentence {
                index: 0,
                direct: true,
            },
            TargetSentence {
                index: 1,
                direct: true,
            },
        ],
    };
    let judged = scorer().judge(&[query]).unwrap();
    assert_eq!(judged[0][0].probs.argmax(), StanceLabel::Neutral);
    assert_eq!(judged[0][1].probs.argmax(), StanceLabel::Negative);
    assert!(judged[0][1].weight > judged[0][0].weight);
}

#[test]
fn mixed_language_articles_use_every_lexicon_found() {
    let set = set();
    let mut a = article(
        "The government met on Monday.\n\nEl gobierno es un títere mentiroso.",
        "en",
    );
    let mentions = ActorMatcher::new(&set).find(&a);
    let query = |a: &Article| {
        let q = StanceQuery {
            article: a,
            actor_index: 0,
            actor: &set.actors[0],
            mentions: &mentions,
            sentences: vec![TargetSentence {
                index: 1,
                direct: true,
            }],
        };
        scorer().polarity(&q, 1, true)
    };
    assert_eq!(query(&a), Polarity::default(), "English lexicon only");
    a.language.mixed = true;
    a.language.others = vec!["es".to_string()];
    assert!(query(&a).negative > 0.0);
}
