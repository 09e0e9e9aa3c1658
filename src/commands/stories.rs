//! How `compare --stories cluster` measures that two articles tell one
//! story: `--similarity auto` takes multilingual sentence embeddings when
//! the embedding model is installed (one story across languages), word
//! overlap (tf-idf) otherwise, and says which on standard error; the report
//! names the one it used.

use anyhow::bail;

use crate::report::cluster::TextEmbedder;
use crate::report::{ReportConfig, SimilarityKind, StoryMode};

/// The sentence-embedding model `--similarity auto|embedding` uses unless
/// `--embedding-model` names another: paraphrase-multilingual-MiniLM-L12-v2.
pub const DEFAULT_EMBEDDING_MODEL: &str = "minilm-multilingual";

/// The cluster threshold of embedding cosines unless one is given. On
/// all-MiniLM-L6-v2, title + summary of one event told in other words
/// score 0.48–0.68, unrelated events of the same country 0.01–0.24
/// (tests/integration/compare_stories.rs).
pub const EMBEDDING_THRESHOLD: f64 = 0.4;

/// `--similarity` as given on the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SimilarityChoice {
    /// Embeddings when the embedding model is installed, else tf-idf.
    #[default]
    Auto,
    Tfidf,
    Jaccard,
    Embedding,
}

/// Sets `config.similarity` (and its model and threshold) from the
/// choice; returns the embedder the report needs, if any.
pub fn resolve(
    config: &mut ReportConfig,
    choice: SimilarityChoice,
    model: &str,
    threshold: Option<f64>,
) -> anyhow::Result<Option<Box<dyn TextEmbedder>>> {
    let word_overlap = |config: &mut ReportConfig, kind| {
        config.similarity = kind;
        config.cluster_threshold = threshold.unwrap_or(ReportConfig::default().cluster_threshold);
        Ok(None)
    };
    match choice {
        SimilarityChoice::Tfidf => word_overlap(config, SimilarityKind::Tfidf),
        SimilarityChoice::Jaccard => word_overlap(config, SimilarityKind::Jaccard),
        // A single story needs a similarity only to pick its label.
        SimilarityChoice::Auto if config.stories == StoryMode::Single => {
            word_overlap(config, SimilarityKind::Tfidf)
        }
        SimilarityChoice::Auto | SimilarityChoice::Embedding => match embedder::load(model) {
            Ok((embedder, label)) => {
                config.similarity = SimilarityKind::Embedding;
                config.embedding_model = Some(label);
                config.cluster_threshold = threshold.unwrap_or(EMBEDDING_THRESHOLD);
                Ok(Some(embedder))
            }
            Err(e) if choice == SimilarityChoice::Auto => {
                eprintln!(
                    "newsframe: stories are clustered by word overlap (tf-idf), which does \
                         not match one story across languages: {e:#}"
                );
                word_overlap(config, SimilarityKind::Tfidf)
            }
            Err(e) => bail!("--similarity embedding: {e:#}"),
        },
    }
}

#[cfg(feature = "transformer")]
mod embedder {
    use anyhow::Context;

    use crate::models::ModelStore;
    use crate::report::cluster::TextEmbedder;
    use crate::transformer::embed::{EmbedConfig, SentenceEmbedder};

    struct Embedder(SentenceEmbedder);

    impl TextEmbedder for Embedder {
        fn embed(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>> {
            Ok(self.0.embed(texts)?)
        }
    }

    /// The installed model `name` (registry name or directory) and its label.
    pub fn load(name: &str) -> anyhow::Result<(Box<dyn TextEmbedder>, String)> {
        let store = ModelStore::from_env()?;
        let installed = store.locate(name).with_context(|| {
            format!(
                "the sentence-embedding model {name} is not installed \
                 (`newsframe models fetch {name}`, or give --embedding-model DIR)"
            )
        })?;
        let embedder = SentenceEmbedder::load(&installed.dir, EmbedConfig::default())
            .with_context(|| format!("cannot load {}", installed.dir.display()))?;
        Ok((Box::new(Embedder(embedder)), installed.label()))
    }
}

#[cfg(not(feature = "transformer"))]
mod embedder {
    use crate::report::cluster::TextEmbedder;

    pub fn load(_: &str) -> anyhow::Result<(Box<dyn TextEmbedder>, String)> {
        anyhow::bail!("this newsframe was built without the transformer feature")
    }
}
