use newsframe::actors::{ActorMatcher, ActorSet};
use newsframe::article::{ArticleMeta, Origin, RawArticle};
use newsframe::preprocess::{PreprocessConfig, preprocess};
use newsframe::stance::lexicon::Lexicons;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = ActorSet::load(std::path::Path::new("data/actors/venezuela.toml")).unwrap();
    let meta = ArticleMeta {
        lang: Some(args[1].clone()),
        ..ArticleMeta::default()
    };
    let raw = RawArticle::new(Origin::file("x"), meta, args[2].clone());
    let article = preprocess(raw, &PreprocessConfig::default());
    for i in 0..article.sentences.len() {
        println!("S{i}: {}", article.sentence_text(i));
    }
    let mentions = ActorMatcher::new(&set).find(&article);
    for q in newsframe::voices::extract(&article, &mentions, &set, &Lexicons::builtin()) {
        println!("{q:?}");
    }
}
