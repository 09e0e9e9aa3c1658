//! Alias matching: every form the Venezuela actor set promises, in several
//! languages, with spans that point back at the original text.

use newsframe::actors::{ActorMatcher, ActorSet};
use newsframe::article::{Article, ArticleMeta, Origin, RawArticle};
use newsframe::preprocess::{PreprocessConfig, preprocess};

fn venezuela() -> ActorSet {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/actors/venezuela.toml");
    ActorSet::load(path.as_ref()).expect("the shipped actor set loads")
}

fn article(text: &str) -> Article {
    let raw = RawArticle::new(
        Origin::file("t.txt"),
        ArticleMeta::default(),
        text.to_string(),
    );
    preprocess(raw, &PreprocessConfig::default())
}

/// (actor id, matched text) for every mention.
fn found(set: &ActorSet, text: &str) -> Vec<(String, String)> {
    let article = article(text);
    ActorMatcher::new(set)
        .find(&article)
        .into_iter()
        .map(|m| {
            (
                set.actors[m.actor].id.clone(),
                article.body[m.span.start..m.span.end].to_string(),
            )
        })
        .collect()
}

fn ids(set: &ActorSet, text: &str) -> Vec<String> {
    found(set, text).into_iter().map(|(id, _)| id).collect()
}

#[test]
fn government_forms() {
    let set = venezuela();
    assert_eq!(
        found(
            &set,
            "The Venezuelan government and Maduro’s government met. Maduro's aides left."
        ),
        vec![
            ("government".into(), "Venezuelan government".into()),
            ("government".into(), "Maduro’s government".into()),
            ("government".into(), "Maduro".into()),
        ]
    );
    assert_eq!(
        ids(&set, "El gobierno de Nicolás Maduro respondió."),
        ["government"]
    );
    assert_eq!(
        ids(&set, "Die venezolanische Regierung schwieg."),
        ["government"]
    );
    // Spanish `maduro` (ripe) is not the president: the surname is case-sensitive.
    assert!(ids(&set, "El mango está maduro.").is_empty());
}

#[test]
fn opposition_forms_and_members() {
    let set = venezuela();
    assert_eq!(
        ids(
            &set,
            "The opposition backed Guaido. Guaidó’s envoy and Juan Guaidó spoke."
        ),
        ["opposition", "opposition", "opposition", "opposition"]
    );
    assert_eq!(
        found(&set, "La oposición venezolana y la opposition."),
        vec![
            ("opposition".into(), "oposición venezolana".into()),
            ("opposition".into(), "opposition".into()),
        ]
    );
    assert_eq!(
        ids(&set, "Der Oppositionsführer Guaidó."),
        ["opposition", "opposition"]
    );
}

#[test]
fn united_states_forms() {
    let set = venezuela();
    for text in [
        "the US said",
        "the U.S. said",
        "Washington said",
        "EE.UU. dijo",
        "EEUU dijo",
        "Estados Unidos dijo",
        "les États-Unis ont dit",
        "les Etats-Unis ont dit",
        "die USA sagten",
        "a US-backed plan",
        "os EUA disseram",
    ] {
        assert_eq!(ids(&set, text), ["us"], "{text}");
    }
    // The pronoun and Spanish `usa` (uses) are not the US.
    assert!(ids(&set, "Let us talk. Tell us more.").is_empty());
    assert!(ids(&set, "Ella usa el teléfono.").is_empty());
    // Longest match: the US government is the US, not the Venezuelan government.
    assert_eq!(
        ids(&set, "The US government and the government."),
        ["us", "government"]
    );
}

#[test]
fn norway_and_un_forms() {
    let set = venezuela();
    for text in [
        "in Norway",
        "in Oslo",
        "en Noruega",
        "la Norvège",
        "in Norwegen",
    ] {
        assert_eq!(ids(&set, text), ["norway"], "{text}");
    }
    for text in [
        "the UN said",
        "the U.N. said",
        "United Nations",
        "la ONU dijo",
        "l'ONU a dit",
        "Guterres said",
        "António Guterres said",
        "die UNO",
        "Nações Unidas",
    ] {
        assert_eq!(ids(&set, text), ["un"], "{text}");
    }
    // French and Spanish `un` are articles, not the UN.
    assert!(ids(&set, "un accord, un acuerdo").is_empty());
    // Overlapping aliases: one mention, the longest.
    assert_eq!(
        found(&set, "UN Secretary General Antonio Guterres spoke."),
        vec![
            ("un".into(), "UN Secretary General".into()),
            ("un".into(), "Antonio Guterres".into()),
        ]
    );
}

#[test]
fn word_boundaries_hold() {
    let set = venezuela();
    assert!(ids(&set, "Governmental reform; Oslovia; the UNESCO office.").is_empty());
    assert_eq!(ids(&set, "pro-Maduro crowds"), ["government"]);
}

#[test]
fn mentions_keep_sentence_and_byte_span() {
    let set = venezuela();
    let article = article("Talks began.\n\nGuaidó went to Oslo.");
    let mentions = ActorMatcher::new(&set).find(&article);
    assert_eq!(mentions.len(), 2);
    assert_eq!(mentions[0].sentence, 1);
    assert_eq!(
        &article.body[mentions[0].span.start..mentions[0].span.end],
        "Guaidó"
    );
    assert!(mentions[0].member);
    assert_eq!(mentions[1].sentence, 1);
    assert_eq!(
        &article.body[mentions[1].span.start..mentions[1].span.end],
        "Oslo"
    );
}

#[test]
fn inline_actors_extend_a_set() {
    let mut set = venezuela();
    set.add_inline("cuba:Cuba=Cuba|Havana|La Habana").unwrap();
    assert_eq!(ids(&set, "Havana and La Habana"), ["cuba", "cuba"]);
    let mut inline = ActorSet::empty("inline");
    inline.add_inline("us=US|United States").unwrap();
    assert_eq!(
        ids(&inline, "Join us. The US and the U.S. agreed."),
        ["us", "us"]
    );
}

#[test]
fn every_language_has_aliases_for_every_actor() {
    let set = venezuela();
    let ids: Vec<&str> = set.actors.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["government", "opposition", "us", "norway", "un"]);
    for actor in &set.actors {
        for lang in ["en", "es", "fr", "de", "pt"] {
            assert!(
                actor.aliases.get(lang).is_some_and(|a| !a.is_empty()),
                "{} has no {lang} aliases",
                actor.id
            );
        }
    }
}
