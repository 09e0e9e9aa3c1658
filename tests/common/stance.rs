//! Helpers of the stance scorer tests: articles, an actor set, the queries
//! the pipeline would make, and a stable hash for deterministic models.

use newsframe::actors::{ActorSet, Mention};
use newsframe::article::{Article, ArticleMeta, Origin, RawArticle};
use newsframe::preprocess::{PreprocessConfig, preprocess};
use newsframe::stance::StanceQuery;
use newsframe::stance::select::select_sentences;

/// FNV-1a: stable across runs and platforms.
pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// Three positive numbers from a hash of `text`, normalized to sum to 1.
pub fn hashed_probs(text: &str) -> [f64; 3] {
    let h = hash(text);
    let a = 1.0 + (h % 97) as f64;
    let b = 1.0 + ((h >> 8) % 89) as f64;
    let c = 1.0 + ((h >> 16) % 83) as f64;
    let s = a + b + c;
    [a / s, b / s, c / s]
}

pub fn article(id: &str, text: &str) -> Article {
    let meta = ArticleMeta {
        id: Some(id.to_string()),
        ..ArticleMeta::default()
    };
    preprocess(
        RawArticle::new(Origin::file(format!("{id}.txt")), meta, text.to_string()),
        &PreprocessConfig::default(),
    )
}

pub fn set() -> ActorSet {
    let mut set = ActorSet::empty("test");
    set.add_inline("gov:the government=government|Maduro")
        .unwrap();
    set.add_inline("opp:the opposition=opposition|Guaido")
        .unwrap();
    set.add_inline("no:Norway=Norway|Oslo").unwrap();
    set
}

/// One query per article × mentioned actor, every sentence selected.
pub fn queries<'a>(
    set: &'a ActorSet,
    articles: &'a [Article],
    mentions: &'a [Vec<Mention>],
) -> Vec<StanceQuery<'a>> {
    let mut out = Vec::new();
    for (article, mentions) in articles.iter().zip(mentions) {
        for (i, actor) in set.actors.iter().enumerate() {
            if mentions.iter().any(|m| m.actor == i) {
                out.push(StanceQuery {
                    article,
                    actor_index: i,
                    actor,
                    mentions,
                    sentences: select_sentences(article, i, mentions, 0, |_| 0.0),
                });
            }
        }
    }
    out
}
