//! Written cases per language: what is quoted, by whom, for which actor.

use super::*;
use crate::actors::ActorMatcher;
use crate::article::{ArticleMeta, Origin, RawArticle};
use crate::preprocess::{PreprocessConfig, preprocess};

fn set() -> ActorSet {
    ActorSet::from_toml_str(
        include_str!("../../data/actors/venezuela.toml"),
        "venezuela.toml",
    )
    .unwrap()
}

fn quotes(lang: &str, text: &str) -> Vec<Quotation> {
    let set = set();
    let meta = ArticleMeta {
        lang: Some(lang.to_string()),
        ..ArticleMeta::default()
    };
    let raw = RawArticle::new(Origin::file("t.txt"), meta, text.to_string());
    let article = preprocess(raw, &PreprocessConfig::default());
    let mentions = ActorMatcher::new(&set).find(&article);
    extract(&article, &mentions, &set, &Lexicons::builtin())
}

/// (kind, quoted words, person or speaker phrase, actor) of each quotation.
fn summary(q: &[Quotation]) -> Vec<(&'static str, String, String, String)> {
    q.iter()
        .map(|q| {
            (
                q.kind.as_str(),
                q.text.clone(),
                q.person.clone().or(q.speaker.clone()).unwrap_or_default(),
                q.actor.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn row(
    kind: &'static str,
    text: &str,
    who: &str,
    actor: &str,
) -> (&'static str, String, String, String) {
    (kind, text.into(), who.into(), actor.into())
}

#[test]
fn english_direct_reported_and_pronouns() {
    let q = quotes(
        "en",
        "\"We are not going to Oslo to surrender,\" Foreign Minister Jorge Arreaza told reporters. \
         Arreaza said the government would keep talking. Elliott Abrams, the US envoy, said \
         the talks changed nothing. \"It is theatre,\" he added.",
    );
    assert_eq!(
        summary(&q),
        vec![
            row(
                "direct",
                "We are not going to Oslo to surrender",
                "Jorge Arreaza",
                "government"
            ),
            row(
                "reported",
                "the government would keep talking",
                "Jorge Arreaza",
                "government"
            ),
            row(
                "reported",
                "the talks changed nothing",
                "Elliott Abrams",
                "us"
            ),
            row("direct", "It is theatre", "Elliott Abrams", "us"),
        ]
    );
}

#[test]
fn english_unnamed_sources_and_unknown_people() {
    let q = quotes(
        "en",
        "US officials said the sanctions would stay. A nurse, Carmen Díaz, said the hospital had \
         no water for a week. The rally was called a \"March of Loyalty\".",
    );
    assert_eq!(q.len(), 2, "{q:?}");
    assert!(q[0].anonymous && q[0].person.is_none());
    assert_eq!(q[0].actor.as_deref(), Some("us"));
    assert_eq!(q[1].person.as_deref(), Some("Carmen Díaz"));
    assert_eq!(q[1].actor, None, "an unknown person has no actor");
}

#[test]
fn spanish_inverted_subjectless_and_segun() {
    let q = quotes(
        "es",
        "Nicolás Maduro habló ante los soldados en Carabobo. «No permitiremos ninguna traición en \
         los cuarteles», dijo. Según la ONU, la crisis empeora cada mes. «Venezuela quiere paz», \
         afirmó la vicepresidenta Delcy Rodríguez.",
    );
    assert_eq!(
        summary(&q),
        vec![
            row(
                "direct",
                "No permitiremos ninguna traición en los cuarteles",
                "Nicolás Maduro",
                "government"
            ),
            row("reported", "la crisis empeora cada mes", "la ONU", "un"),
            row(
                "direct",
                "Venezuela quiere paz",
                "Delcy Rodríguez",
                "government"
            ),
        ]
    );
}

#[test]
fn spanish_reported_with_que_and_near_miss() {
    let q = quotes(
        "es",
        "Juan Guaidó aseguró que la oposición no se levantará de la mesa. La llamada «operación \
         libertad» fracasó. Dijo el refrán que no hay mal que dure cien años.",
    );
    assert_eq!(
        summary(&q),
        vec![row(
            "reported",
            "la oposición no se levantará de la mesa",
            "Juan Guaidó",
            "opposition"
        )]
    );
}

#[test]
fn french_inversion_and_selon() {
    let q = quotes(
        "fr",
        "« Nous ne négocierons pas sous la menace », a déclaré le ministre des Affaires étrangères, \
         Jorge Arreaza. Selon Juan Guaidó, les rencontres d'Oslo ne sont qu'une première étape. \
         « La Norvège reste disponible pour les deux parties », a-t-elle ajouté.",
    );
    assert_eq!(q.len(), 3, "{q:?}");
    assert_eq!(
        summary(&q)[..2],
        [
            row(
                "direct",
                "Nous ne négocierons pas sous la menace",
                "Jorge Arreaza",
                "government"
            ),
            row(
                "reported",
                "les rencontres d'Oslo ne sont qu'une première étape",
                "Juan Guaidó",
                "opposition"
            ),
        ]
    );
    // `a-t-elle ajouté`: the pronoun takes the speaker quoted last.
    assert_eq!(q[2].kind, QuoteKind::Direct);
    assert_eq!(q[2].actor.as_deref(), Some("opposition"));
}

#[test]
fn german_verb_second_konjunktiv_and_zufolge() {
    let q = quotes(
        "de",
        "Am Dienstag sagte Maduro im Fernsehen, die Gespräche würden fortgesetzt. \
         „Wir lassen uns nicht erpressen, von niemandem“, sagte Außenminister Jorge Arreaza. \
         Den Vereinten Nationen zufolge verlassen täglich Tausende das Land.",
    );
    assert_eq!(
        summary(&q),
        vec![
            row(
                "reported",
                "die Gespräche würden fortgesetzt",
                "Nicolás Maduro",
                "government"
            ),
            row(
                "direct",
                "Wir lassen uns nicht erpressen, von niemandem",
                "Jorge Arreaza",
                "government"
            ),
            row(
                "reported",
                "verlassen täglich Tausende das Land",
                "Den Vereinten Nationen",
                "un"
            ),
        ]
    );
}

#[test]
fn german_pronoun_after_quote_and_unnamed_source() {
    let q = quotes(
        "de",
        "Oppositionsführer Juan Guaidó sprach in Caracas. „Die Diktatur hat keine Zukunft mehr“, \
         sagte er. Ein Diplomat sagte, die Delegationen hätten sich nicht getroffen.",
    );
    assert_eq!(q.len(), 2, "{q:?}");
    assert_eq!(q[0].person.as_deref(), Some("Juan Guaidó"));
    assert_eq!(q[0].actor.as_deref(), Some("opposition"));
    assert!(q[1].anonymous && q[1].actor.is_none(), "{:?}", q[1]);
}

#[test]
fn portuguese_disse_segundo_and_multi_sentence_quote() {
    let q = quotes(
        "pt",
        "\"Não vamos aceitar chantagem. A Venezuela é soberana\", disse o chanceler Jorge Arreaza. \
         Segundo a ONU, milhões de venezuelanos deixaram o país. Juan Guaidó afirmou que as \
         conversas não são uma negociação.",
    );
    assert_eq!(
        summary(&q),
        vec![
            row(
                "direct",
                "Não vamos aceitar chantagem. A Venezuela é soberana",
                "Jorge Arreaza",
                "government"
            ),
            row(
                "reported",
                "milhões de venezuelanos deixaram o país",
                "a ONU",
                "un"
            ),
            row(
                "reported",
                "as conversas não são uma negociação",
                "Juan Guaidó",
                "opposition"
            ),
        ]
    );
}

#[test]
fn no_quotation_in_plain_narration() {
    for (lang, text) in [
        (
            "en",
            "The blackout left Maracaibo without water for four days. Prices rose again.",
        ),
        (
            "es",
            "Las colas para cargar gasolina superaban los dos kilómetros.",
        ),
        (
            "fr",
            "La coupure de courant a privé Maracaibo d'eau pendant quatre jours.",
        ),
        (
            "de",
            "Der Stromausfall ließ Maracaibo vier Tage lang ohne Wasser.",
        ),
        (
            "pt",
            "O apagão deixou Maracaibo sem água durante quatro dias.",
        ),
    ] {
        assert!(quotes(lang, text).is_empty(), "{lang}: {text}");
    }
}

#[test]
fn spans_index_the_body() {
    let set = set();
    let raw = RawArticle::new(
        Origin::file("t.txt"),
        ArticleMeta::default(),
        "Guaidó said the talks had failed completely.".to_string(),
    );
    let article = preprocess(raw, &PreprocessConfig::default());
    let mentions = ActorMatcher::new(&set).find(&article);
    let q = extract(&article, &mentions, &set, &Lexicons::builtin());
    assert_eq!(q.len(), 1);
    assert_eq!(&article.body[q[0].span.start..q[0].span.end], q[0].text);
}
