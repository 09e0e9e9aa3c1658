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
}

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

impl Similarity for TokenJaccard {
    fn matrix(&self, docs: &[&str]) -> Vec<Vec<f64>> {
        let sets: Vec<BTreeSet<String>> = docs
            .iter()
            .map(|d| content_words(d).into_iter().collect())
            .collect();
        let n = docs.len();
        let mut m = vec![vec![0.0; n]; n];
        for i in 0..n {
            m[i][i] = 1.0;
            for j in i + 1..n {
                let inter = sets[i].intersection(&sets[j]).count();
                let union = sets[i].union(&sets[j]).count();
                let s = if union == 0 {
                    0.0
                } else {
                    inter as f64 / union as f64
                };
                m[i][j] = s;
                m[j][i] = s;
            }
        }
        m
    }
}

/// Cosine of tf-idf vectors (smoothed idf: ln((1 + n) / (1 + df)) + 1, as
/// scikit-learn's default), so names shared by few articles weigh more than
/// words every article uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct TfIdfCosine;

impl Similarity for TfIdfCosine {
    fn matrix(&self, docs: &[&str]) -> Vec<Vec<f64>> {
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
        let vectors: Vec<BTreeMap<&str, f64>> = counts
            .iter()
            .map(|c| {
                let mut v: BTreeMap<&str, f64> = c
                    .iter()
                    .map(|(w, tf)| {
                        let idf = ((1.0 + n as f64) / (1.0 + df[w.as_str()])).ln() + 1.0;
                        (w.as_str(), tf * idf)
                    })
                    .collect();
                let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
                if norm > 0.0 {
                    v.values_mut().for_each(|x| *x /= norm);
                }
                v
            })
            .collect();
        let mut m = vec![vec![0.0; n]; n];
        for i in 0..n {
            m[i][i] = 1.0;
            for j in i + 1..n {
                let s: f64 = vectors[i]
                    .iter()
                    .filter_map(|(w, x)| vectors[j].get(w).map(|y| x * y))
                    .sum();
                m[i][j] = s;
                m[j][i] = s;
            }
        }
        m
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
/// its story: the story's label.
pub fn most_central(docs: &[&str], similarity: &dyn Similarity, members: &[usize]) -> usize {
    let subset: Vec<&str> = members.iter().map(|&i| docs[i]).collect();
    let m = similarity.matrix(&subset);
    let mut best = 0;
    let mut best_sum = f64::MIN;
    for (i, row) in m.iter().enumerate() {
        let sum: f64 = row.iter().sum();
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
