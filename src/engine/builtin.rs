//! The builtin engines: extractive summaries and the lexicon-feature stance
//! model, compiled in; they never fail except on a bad lexicon folder.

use crate::article::Article;
use crate::record::Summary;
use crate::stance::builtin::BuiltinStanceScorer;
use crate::stance::lexicon::Lexicons;
use crate::summarize::Summarizer;
use crate::summarize::builtin::BuiltinSummarizer;

use super::config::{EngineConfig, Engines};
use super::error::EngineError;

/// What a run with `--summary-lang` is told once when its summaries are
/// extractive.
pub const CANNOT_TRANSLATE: &str =
    "the builtin engine cannot translate; summaries stay in the source language";

/// The builtin summarizer and stance scorer.
pub fn builtin_engines(config: &EngineConfig) -> Result<Engines, EngineError> {
    Ok(Engines {
        summarizer: builtin_summarizer(config),
        scorer: Box::new(BuiltinStanceScorer::new(
            lexicons(config)?,
            config.lexicon.clone(),
        )),
    })
}

/// The extractive summarizer. With a summary language asked for, its
/// summaries record the language they are in, the article's.
pub fn builtin_summarizer(config: &EngineConfig) -> Box<dyn Summarizer> {
    let summarizer = BuiltinSummarizer::new(config.extractive.clone());
    match config.summary_lang {
        Some(_) => Box::new(InSourceLanguage(summarizer)),
        None => Box::new(summarizer),
    }
}

/// A summarizer that writes in each article's language, saying so in the
/// summary (`summary.lang`).
struct InSourceLanguage<S>(S);

impl<S: Summarizer> Summarizer for InSourceLanguage<S> {
    fn describe(&self) -> String {
        self.0.describe()
    }

    fn summarize(&self, articles: &[&Article]) -> anyhow::Result<Vec<Summary>> {
        let mut summaries = self.0.summarize(articles)?;
        for (summary, article) in summaries.iter_mut().zip(articles) {
            summary.lang = Some(article.lang().to_string());
        }
        Ok(summaries)
    }
}

/// The stance lexicons: builtin, or replaced by `config.lexicon_dir`.
pub fn lexicons(config: &EngineConfig) -> Result<Lexicons, EngineError> {
    let lexicons = Lexicons::builtin();
    Ok(match &config.lexicon_dir {
        Some(dir) => lexicons.with_dir(dir)?,
        None => lexicons,
    })
}
