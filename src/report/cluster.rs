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

use std::collections::{BTreeMap, BTreeSet};

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

/// Clusters `docs` into stories by average-link agglomeration: start with
/// one story per document and merge the two stories whose documents are
/// most similar on average, while that average is ≥ `threshold`. Average
/// link does not chain unrelated articles through one shared word the way
/// single link does. Each story lists document indexes ascending; stories
/// are ordered by their first document. Cost grows with the cube of the
/// number of documents: fine for the hundreds a report compares.
pub fn cluster(docs: &[&str], similarity: &dyn Similarity, threshold: f64) -> Vec<Vec<usize>> {
    let m = similarity.matrix(docs);
    let mut stories: Vec<Vec<usize>> = (0..docs.len()).map(|i| vec![i]).collect();
    // Sum of pairwise similarities between stories; average = sum / (|a||b|).
    let mut sums: Vec<Vec<f64>> = m.clone();
    loop {
        let mut best: Option<(usize, usize, f64)> = None;
        for a in 0..stories.len() {
            for b in a + 1..stories.len() {
                let avg = sums[a][b] / (stories[a].len() * stories[b].len()) as f64;
                if avg >= threshold && best.is_none_or(|(_, _, s)| avg > s + 1e-12) {
                    best = Some((a, b, avg));
                }
            }
        }
        let Some((a, b, _)) = best else { break };
        let merged = stories.remove(b);
        stories[a].extend(merged);
        stories[a].sort_unstable();
        let row_b = sums.remove(b);
        for row in sums.iter_mut() {
            let vb = row.remove(b);
            row[a] += vb;
        }
        for (k, v) in row_b.iter().enumerate().filter(|(k, _)| *k != b) {
            let k = if k > b { k - 1 } else { k };
            sums[a][k] += v;
        }
        sums[a][a] = 0.0;
    }
    stories.sort_by_key(|s| s[0]);
    stories
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
