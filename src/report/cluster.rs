//! Grouping articles into stories: articles whose title and summary share
//! enough words are about the same event.
//!
//! The similarity is a trait, [`Similarity`], so a sentence-embedding
//! similarity can replace the word-overlap ones without touching the
//! clustering. Clustering is average-link agglomeration down to a
//! similarity threshold: deterministic, and it needs no
//! number of stories in advance.
//!
//! ```
//! use newsframe::report::cluster::{cluster, TfIdfCosine};
//!
//! let docs = ["Talks in Oslo between Maduro and Guaidó", "Oslo talks: Guaidó envoys meet Maduro's",
//!             "Blackout leaves Caracas without power"];
//! let stories = cluster(&docs, &TfIdfCosine, 0.05);
//! assert_eq!(stories, vec![vec![0, 1], vec![2]]);
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Pairwise similarity of documents, in [0, 1].
pub trait Similarity {
    /// The full similarity matrix of `docs` (symmetric, 1 on the diagonal).
    fn matrix(&self, docs: &[&str]) -> Vec<Vec<f64>>;
    /// Each document's centrality: the sum of its similarities to all of
    /// `docs` (itself included), the row sums of [`Similarity::matrix`],
    /// computed without the matrix in memory bounded by the documents'
    /// words, so a story of a million articles can be labeled.
    fn centrality(&self, docs: &[&str]) -> Vec<f64>;
}

/// Above this many documents, [`TokenJaccard`] centrality compares each
/// document with this many evenly spaced ones instead of all (Jaccard
/// overlap has no centroid shortcut); up to it, it is exact.
pub const JACCARD_CENTRALITY_SAMPLE: usize = 2000;

/// Lower-cased words of at least four characters (letters or digits):
/// shorter words are mostly function words (`the`, `los`, `har`) in the
/// languages we read, and they would tie unrelated stories together.
pub fn content_words(text: &str) -> Vec<String> {
    use unicode_segmentation::UnicodeSegmentation;
    text.unicode_words()
        .map(|w| w.to_lowercase())
        .filter(|w| w.chars().count() >= 4 && w.chars().any(char::is_alphanumeric))
        .collect()
}

/// Jaccard overlap of the two word sets.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenJaccard;

impl TokenJaccard {
    fn sets(docs: &[&str]) -> Vec<BTreeSet<String>> {
        docs.iter()
            .map(|d| content_words(d).into_iter().collect())
            .collect()
    }

    fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
        let inter = a.intersection(b).count();
        let union = a.len() + b.len() - inter;
        if union == 0 {
            0.0
        } else {
            inter as f64 / union as f64
        }
    }
}

impl Similarity for TokenJaccard {
    fn matrix(&self, docs: &[&str]) -> Vec<Vec<f64>> {
        let sets = TokenJaccard::sets(docs);
        let n = docs.len();
        let mut m = vec![vec![0.0; n]; n];
        for i in 0..n {
            m[i][i] = 1.0;
            for j in i + 1..n {
                let s = TokenJaccard::jaccard(&sets[i], &sets[j]);
                m[i][j] = s;
                m[j][i] = s;
            }
        }
        m
    }

    fn centrality(&self, docs: &[&str]) -> Vec<f64> {
        let sets = TokenJaccard::sets(docs);
        let n = sets.len();
        // Every document up to the sample size, else an even stride.
        let sample: Vec<usize> = if n <= JACCARD_CENTRALITY_SAMPLE {
            (0..n).collect()
        } else {
            (0..JACCARD_CENTRALITY_SAMPLE)
                .map(|k| k * n / JACCARD_CENTRALITY_SAMPLE)
                .collect()
        };
        (0..n)
            .map(|i| {
                sample
                    .iter()
                    .map(|&j| {
                        if i == j {
                            1.0
                        } else {
                            TokenJaccard::jaccard(&sets[i], &sets[j])
                        }
                    })
                    .sum()
            })
            .collect()
    }
}

/// Cosine of tf-idf vectors (smoothed idf: ln((1 + n) / (1 + df)) + 1, as
/// scikit-learn's default), so names shared by few articles weigh more than
/// words every article uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct TfIdfCosine;

impl TfIdfCosine {
    /// L2-normalized tf-idf vectors of `docs` (a zero vector for a document
    /// without content words).
    fn vectors(docs: &[&str]) -> Vec<BTreeMap<String, f64>> {
        let n = docs.len();
        let counts: Vec<BTreeMap<String, f64>> = docs
            .iter()
            .map(|d| {
                let mut c = BTreeMap::new();
                for w in content_words(d) {
                    *c.entry(w).or_insert(0.0) += 1.0;
                }
                c
            })
            .collect();
        let mut df: BTreeMap<&str, f64> = BTreeMap::new();
        for c in &counts {
            for w in c.keys() {
                *df.entry(w.as_str()).or_insert(0.0) += 1.0;
            }
        }
        counts
            .iter()
            .map(|c| {
                let mut v: BTreeMap<String, f64> = c
                    .iter()
                    .map(|(w, tf)| {
                        let idf = ((1.0 + n as f64) / (1.0 + df[w.as_str()])).ln() + 1.0;
                        (w.clone(), tf * idf)
                    })
                    .collect();
                let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
                if norm > 0.0 {
                    v.values_mut().for_each(|x| *x /= norm);
                }
                v
            })
            .collect()
    }

    fn dot(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> f64 {
        a.iter().filter_map(|(w, x)| b.get(w).map(|y| x * y)).sum()
    }
}

impl Similarity for TfIdfCosine {
    fn matrix(&self, docs: &[&str]) -> Vec<Vec<f64>> {
        let n = docs.len();
        let vectors = TfIdfCosine::vectors(docs);
        let mut m = vec![vec![0.0; n]; n];
        for i in 0..n {
            m[i][i] = 1.0;
            for j in i + 1..n {
                let s = TfIdfCosine::dot(&vectors[i], &vectors[j]);
                m[i][j] = s;
                m[j][i] = s;
            }
        }
        m
    }

    /// Σ_j cos(i, j) = v_i · Σ_j v_j for unit vectors: one pass for the
    /// sum of all vectors, one for the dot products. The matrix puts 1 on
    /// the diagonal even for a document without words, hence the
    /// `1 − v_i · v_i` term.
    fn centrality(&self, docs: &[&str]) -> Vec<f64> {
        let vectors = TfIdfCosine::vectors(docs);
        let mut total: BTreeMap<String, f64> = BTreeMap::new();
        for v in &vectors {
            for (w, x) in v {
                *total.entry(w.clone()).or_insert(0.0) += x;
            }
        }
        vectors
            .iter()
            .map(|v| 1.0 + TfIdfCosine::dot(v, &total) - TfIdfCosine::dot(v, v))
            .collect()
    }
}

/// Sentence embeddings for [`EmbeddingCosine`]: unit-length vectors of
/// texts in any language, so that one story told in Spanish and in German
/// lands in one cluster. `compare` supplies the project's BERT sentence
/// encoder (`minilm-multilingual` by default).
pub trait TextEmbedder {
    /// Unit-length embeddings of `texts`, in order.
    fn embed(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>>;
}

/// Cosine of sentence embeddings, computed once per distinct text.
#[derive(Debug, Clone, Default)]
pub struct EmbeddingCosine {
    index: HashMap<String, usize>,
    vectors: Vec<Vec<f32>>,
}

impl EmbeddingCosine {
    /// Embeds each distinct text of `docs` (a batch at a time, by the
    /// embedder's own batching).
    pub fn of(docs: &[&str], embedder: &dyn TextEmbedder) -> anyhow::Result<EmbeddingCosine> {
        let mut index = HashMap::new();
        let mut distinct: Vec<&str> = Vec::new();
        for &d in docs {
            index.entry(d.to_string()).or_insert_with(|| {
                distinct.push(d);
                distinct.len() - 1
            });
        }
        let vectors = embedder.embed(&distinct)?;
        anyhow::ensure!(
            vectors.len() == distinct.len(),
            "the embedder returned {} vectors for {} texts",
            vectors.len(),
            distinct.len()
        );
        Ok(EmbeddingCosine { index, vectors })
    }

    /// The vector of `doc` (empty for a text that was not embedded: cosine 0).
    fn vector(&self, doc: &str) -> &[f32] {
        self.index.get(doc).map_or(&[], |&i| &self.vectors[i])
    }

    fn dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum()
    }
}

impl Similarity for EmbeddingCosine {
    fn matrix(&self, docs: &[&str]) -> Vec<Vec<f64>> {
        let vectors: Vec<&[f32]> = docs.iter().map(|d| self.vector(d)).collect();
        let n = docs.len();
        let mut m = vec![vec![0.0; n]; n];
        for i in 0..n {
            m[i][i] = 1.0;
            for j in i + 1..n {
                let s = EmbeddingCosine::dot(vectors[i], vectors[j]);
                m[i][j] = s;
                m[j][i] = s;
            }
        }
        m
    }

    /// Σ_j cos(i, j) = v_i · Σ_j v_j (unit vectors), with 1 on the diagonal.
    fn centrality(&self, docs: &[&str]) -> Vec<f64> {
        let vectors: Vec<&[f32]> = docs.iter().map(|d| self.vector(d)).collect();
        let dim = vectors.iter().map(|v| v.len()).max().unwrap_or(0);
        let mut total = vec![0f32; dim];
        for v in &vectors {
            total.iter_mut().zip(v.iter()).for_each(|(t, x)| *t += x);
        }
        vectors
            .iter()
            .map(|v| 1.0 + EmbeddingCosine::dot(v, &total) - EmbeddingCosine::dot(v, v))
            .collect()
    }
}

/// Clusters `docs` into stories by average-link agglomeration: start with
/// one story per document and merge the two stories whose documents are
/// most similar on average, while that average is ≥ `threshold`. Average
/// link does not chain unrelated articles through one shared word the way
/// single link does. Each story lists document indexes ascending; stories
/// are ordered by their first document.
///
/// The merges are found with the nearest-neighbour chain: average link is
/// reducible, so merging mutual nearest neighbours in any order builds the
/// same tree as always merging the globally closest pair, in O(n²) time
/// instead of O(n³). Memory is the n² similarity matrix (8 bytes a pair:
/// 800 MB for 10,000 articles).
pub fn cluster(docs: &[&str], similarity: &dyn Similarity, threshold: f64) -> Vec<Vec<usize>> {
    let n = docs.len();
    if n == 0 {
        return Vec::new();
    }
    let mut sim = similarity.matrix(docs);
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    // Union-find over documents, joined for every merge at or above the threshold.
    let mut parent: Vec<usize> = (0..n).collect();
    let mut chain: Vec<usize> = Vec::new();
    for _ in 1..n {
        if chain.is_empty() {
            chain.push(active.iter().position(|&a| a).expect("two clusters remain"));
        }
        loop {
            let a = *chain.last().expect("chain is not empty");
            let previous = chain.len().checked_sub(2).map(|i| chain[i]);
            // The nearest active cluster; the previous link wins ties, so
            // the chain always ends (similarities along it never fall back).
            let mut best = previous;
            let mut best_sim = previous.map_or(f64::NEG_INFINITY, |p| sim[a][p]);
            for (k, row_k) in sim[a].iter().enumerate() {
                if k != a && active[k] && *row_k > best_sim + 1e-12 {
                    best = Some(k);
                    best_sim = *row_k;
                }
            }
            let b = best.expect("another active cluster exists");
            if Some(b) == previous {
                chain.truncate(chain.len() - 2);
                // The merged cluster keeps the smaller index.
                let (keep, gone) = (a.min(b), a.max(b));
                if best_sim >= threshold {
                    let (ra, rb) = (find(&mut parent, keep), find(&mut parent, gone));
                    parent[ra.max(rb)] = ra.min(rb);
                }
                let (sk, sg) = (size[keep] as f64, size[gone] as f64);
                for k in 0..n {
                    if active[k] && k != keep && k != gone {
                        let merged = (sk * sim[keep][k] + sg * sim[gone][k]) / (sk + sg);
                        sim[keep][k] = merged;
                        sim[k][keep] = merged;
                    }
                }
                size[keep] += size[gone];
                active[gone] = false;
                break;
            }
            chain.push(b);
        }
    }
    let mut stories: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        stories.entry(root).or_default().push(i);
    }
    let mut stories: Vec<Vec<usize>> = stories.into_values().collect();
    stories.sort_by_key(|s| s[0]);
    stories
}

/// The root of `i` in the union-find `parent`, halving the path on the way.
fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The index (into `members`) of the document most similar to the rest of
/// its story: the story's label. Time and memory grow linearly with the
/// story (see [`Similarity::centrality`]); the first of near ties wins.
pub fn most_central(docs: &[&str], similarity: &dyn Similarity, members: &[usize]) -> usize {
    let subset: Vec<&str> = members.iter().map(|&i| docs[i]).collect();
    let mut best = 0;
    let mut best_sum = f64::MIN;
    for (i, sum) in similarity.centrality(&subset).into_iter().enumerate() {
        if sum > best_sum + 1e-12 {
            best = i;
            best_sum = sum;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tfidf_matches_scikit_learn_formula() {
        // Two docs sharing one of two words each: idf(shared) = 1,
        // idf(own) = ln(3/2) + 1; cosine = 1 / (1 + idf_own^2).
        let m = TfIdfCosine.matrix(&["alpha beta", "alpha gamma"]);
        let idf: f64 = (3.0f64 / 2.0).ln() + 1.0;
        assert!((m[0][1] - 1.0 / (1.0 + idf * idf)).abs() < 1e-12);
    }

    #[test]
    fn jaccard_of_word_sets() {
        let m = TokenJaccard.matrix(&["oslo talks resume", "oslo talks stall"]);
        assert!((m[0][1] - 0.5).abs() < 1e-12);
    }

    /// Records the largest similarity matrix asked for.
    struct MatrixSpy<S: Similarity>(S, std::cell::Cell<usize>);

    impl<S: Similarity> Similarity for MatrixSpy<S> {
        fn matrix(&self, docs: &[&str]) -> Vec<Vec<f64>> {
            self.1.set(self.1.get().max(docs.len()));
            self.0.matrix(docs)
        }
        fn centrality(&self, docs: &[&str]) -> Vec<f64> {
            self.0.centrality(docs)
        }
    }

    fn story_docs() -> Vec<String> {
        let words = [
            "oslo",
            "talks",
            "maduro",
            "guaidó",
            "blackout",
            "caracas",
            "power",
            "norway",
            "envoys",
            "opposition",
            "government",
            "mediation",
        ];
        (0..60)
            .map(|i| {
                (0..(3 + i % 5))
                    .map(|k| words[(i * 7 + k * k * 3) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .chain(["".to_string(), "a an".to_string()])
            .collect()
    }

    #[test]
    fn centrality_is_the_row_sums_of_the_matrix() {
        let owned = story_docs();
        let docs: Vec<&str> = owned.iter().map(String::as_str).collect();
        for similarity in [&TfIdfCosine as &dyn Similarity, &TokenJaccard] {
            let rows: Vec<f64> = similarity
                .matrix(&docs)
                .iter()
                .map(|r| r.iter().sum())
                .collect();
            let central = similarity.centrality(&docs);
            assert_eq!(rows.len(), central.len());
            for (r, c) in rows.iter().zip(&central) {
                assert!((r - c).abs() < 1e-9, "{r} vs {c}");
            }
        }
    }

    #[test]
    fn labeling_a_story_builds_no_pairwise_matrix() {
        // A story's label must not cost n² memory: one story of 100k
        // records would need 80 GB.
        let owned = story_docs();
        let docs: Vec<&str> = owned.iter().map(String::as_str).collect();
        let members: Vec<usize> = (0..docs.len()).collect();
        for similarity in [
            &MatrixSpy(TfIdfCosine, Default::default()) as &dyn Similarity,
            &MatrixSpy(TokenJaccard, Default::default()),
        ] {
            let central = most_central(&docs, similarity, &members);
            let exact = similarity.matrix(&docs);
            let best = (0..docs.len())
                .fold((0, f64::MIN), |(b, s), i| {
                    let sum: f64 = exact[i].iter().sum();
                    if sum > s + 1e-12 { (i, sum) } else { (b, s) }
                })
                .0;
            assert_eq!(central, best, "same label as the pairwise definition");
        }
        let spy = MatrixSpy(TfIdfCosine, Default::default());
        most_central(&docs, &spy, &members);
        assert_eq!(spy.1.get(), 0, "most_central asked for a similarity matrix");
    }

    /// The plain O(n³) definition: merge the globally most similar pair of
    /// stories while its average similarity is ≥ `threshold`.
    fn cluster_greedy(m: &[Vec<f64>], threshold: f64) -> Vec<Vec<usize>> {
        let mut stories: Vec<Vec<usize>> = (0..m.len()).map(|i| vec![i]).collect();
        loop {
            let mut best: Option<(usize, usize, f64)> = None;
            for a in 0..stories.len() {
                for b in a + 1..stories.len() {
                    let sum: f64 = stories[a]
                        .iter()
                        .flat_map(|&i| stories[b].iter().map(move |&j| m[i][j]))
                        .sum();
                    let avg = sum / (stories[a].len() * stories[b].len()) as f64;
                    if avg >= threshold && best.is_none_or(|(_, _, s)| avg > s + 1e-12) {
                        best = Some((a, b, avg));
                    }
                }
            }
            let Some((a, b, _)) = best else { break };
            let merged = stories.remove(b);
            stories[a].extend(merged);
            stories[a].sort_unstable();
        }
        stories.sort_by_key(|s| s[0]);
        stories
    }

    /// A fixed similarity matrix, whatever the documents.
    struct Fixed(Vec<Vec<f64>>);

    impl Similarity for Fixed {
        fn matrix(&self, _: &[&str]) -> Vec<Vec<f64>> {
            self.0.clone()
        }
        fn centrality(&self, _: &[&str]) -> Vec<f64> {
            self.0.iter().map(|r| r.iter().sum()).collect()
        }
    }

    #[test]
    fn nearest_neighbour_chain_gives_the_greedy_definitions_stories() {
        let mut rng = fastrand::Rng::with_seed(11);
        for round in 0..60 {
            let n = 2 + round % 40;
            // Points on a line in a few groups: similarity falls with distance.
            let points: Vec<f64> = (0..n)
                .map(|_| rng.usize(0..4) as f64 * 3.0 + rng.f64())
                .collect();
            let m: Vec<Vec<f64>> = points
                .iter()
                .map(|p| points.iter().map(|q| 1.0 / (1.0 + (p - q).abs())).collect())
                .collect();
            let docs = vec![""; n];
            for threshold in [0.2, 0.35, 0.5, 0.8] {
                assert_eq!(
                    cluster(&docs, &Fixed(m.clone()), threshold),
                    cluster_greedy(&m, threshold),
                    "n {n}, threshold {threshold}"
                );
            }
        }
        // Story docs through the real similarities as well.
        let owned = story_docs();
        let docs: Vec<&str> = owned.iter().map(String::as_str).collect();
        for similarity in [&TfIdfCosine as &dyn Similarity, &TokenJaccard] {
            let m = similarity.matrix(&docs);
            for threshold in [0.05, 0.2, 0.4] {
                assert_eq!(
                    cluster(&docs, similarity, threshold),
                    cluster_greedy(&m, threshold)
                );
            }
        }
    }

    #[test]
    fn average_link_does_not_chain() {
        // a~b strongly, b~c weakly through one word: c stays apart.
        let docs = [
            "oslo talks maduro guaidó",
            "oslo talks maduro blackout",
            "blackout caracas power grid",
        ];
        let stories = cluster(&docs, &TokenJaccard, 0.3);
        assert_eq!(stories, vec![vec![0, 1], vec![2]]);
    }
}
