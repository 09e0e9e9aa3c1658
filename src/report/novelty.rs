//! What a group's summaries say that the other groups' do not: each summary
//! sentence gets the share of its words that no single sentence of another
//! group's summaries contains (1 = entirely new, 0 = said elsewhere too).
//!
//! Word overlap does not cross languages: when groups write in different
//! languages, a high novelty may only mean "said in another language", and
//! the report says so.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::cluster::content_words;

/// Most summary sentences of one language that novelty compares with.
/// Up to it, novelty is exact; above it, every sentence is compared with
/// this many evenly spaced ones (each group's own left out), so the cost
/// grows linearly with the number of articles instead of quadratically.
pub const NOVELTY_SAMPLE: usize = 5_000;

/// The summary sentences of every group in one language, indexed by word,
/// so the novelty of each sentence is found without comparing it with
/// every sentence of the other groups one by one. Gives exactly
/// [`sentence_novelty`] against the other groups' sentences while the
/// language has at most [`NOVELTY_SAMPLE`] sentences.
#[derive(Debug, Default)]
pub struct NoveltyIndex {
    /// Word set and group of each sentence added.
    sentences: Vec<(BTreeSet<String>, usize)>,
    /// Sentences (indexes into `sentences`) holding each word.
    postings: HashMap<String, Vec<usize>>,
    /// Sentences added per group, word-less ones included.
    per_group: HashMap<usize, usize>,
}

impl NoveltyIndex {
    /// An index of `sentences` (group, text): all of them up to
    /// [`NOVELTY_SAMPLE`], else that many evenly spaced ones. Group counts
    /// always cover all sentences.
    pub fn new(sentences: &[(usize, &str)]) -> NoveltyIndex {
        let mut index = NoveltyIndex::default();
        let n = sentences.len();
        for &(group, _) in sentences {
            *index.per_group.entry(group).or_default() += 1;
        }
        let mut add = |(group, text): (usize, &str)| {
            let id = index.sentences.len();
            let words = word_set(text);
            for w in &words {
                index.postings.entry(w.clone()).or_default().push(id);
            }
            index.sentences.push((words, group));
        };
        if n <= NOVELTY_SAMPLE {
            sentences.iter().for_each(|&s| add(s));
        } else {
            (0..NOVELTY_SAMPLE).for_each(|k| add(sentences[k * n / NOVELTY_SAMPLE]));
        }
        index
    }

    /// [`sentence_novelty`] of `sentence` (of `group`) against the
    /// sentences of all other groups. Candidates are visited through the
    /// rarest of the sentence's words first; once the best overlap found
    /// is at least what a sentence holding none of the words visited could
    /// reach, the rest cannot do better and the search stops.
    pub fn novelty(&self, group: usize, sentence: &str) -> Option<f64> {
        let all: usize = self.per_group.values().sum();
        let others = all - self.per_group.get(&group).copied().unwrap_or(0);
        if others == 0 {
            return None;
        }
        let words: BTreeSet<String> = content_words(sentence).into_iter().collect();
        if words.is_empty() {
            return None;
        }
        let mut by_rarity: Vec<(&String, &[usize])> = words
            .iter()
            .map(|w| (w, self.postings.get(w).map_or(&[][..], Vec::as_slice)))
            .collect();
        by_rarity.sort_by_key(|(w, list)| (list.len(), *w));
        let mut seen: HashSet<usize> = HashSet::new();
        let mut best = 0usize;
        for (visited, (_, list)) in by_rarity.iter().enumerate() {
            if best >= words.len() - visited {
                break;
            }
            for &id in *list {
                let (other, other_group) = &self.sentences[id];
                if *other_group == group || !seen.insert(id) {
                    continue;
                }
                best = best.max(words.intersection(other).count());
                if best == words.len() {
                    // Said in full elsewhere: nothing can beat it.
                    return Some(0.0);
                }
            }
        }
        Some(1.0 - best as f64 / words.len() as f64)
    }
}

/// Novelty of `sentence` against `others` (the sentences of other groups'
/// summaries): 1 − max over others of |words(s) ∩ words(o)| / |words(s)|.
/// None when there is nothing to compare with or the sentence has no words.
pub fn sentence_novelty(sentence: &str, others: &[BTreeSet<String>]) -> Option<f64> {
    if others.is_empty() {
        return None;
    }
    let words: BTreeSet<String> = content_words(sentence).into_iter().collect();
    if words.is_empty() {
        return None;
    }
    let best = others
        .iter()
        .map(|o| words.intersection(o).count() as f64 / words.len() as f64)
        .fold(0.0, f64::max);
    Some(1.0 - best)
}

/// Splits a summary into sentences with the project's segmenter.
pub fn summary_sentences(lang: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.split("\n\n") {
        for range in crate::preprocess::sentences::split_sentences(lang, paragraph) {
            let s = paragraph[range].trim();
            if !s.is_empty() {
                out.push(s.to_string());
            }
        }
    }
    out
}

/// Word sets of sentences, for [`sentence_novelty`].
pub fn word_set(sentence: &str) -> BTreeSet<String> {
    content_words(sentence).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn novelty_counts_words_said_nowhere_else() {
        let others = vec![word_set("Talks resumed in Oslo on Monday.")];
        let n = sentence_novelty("Talks in Oslo ended in tears.", &others).unwrap();
        // words: talks, oslo, ended, tears → 2 of 4 shared.
        assert!((n - 0.5).abs() < 1e-12);
        assert_eq!(sentence_novelty("Anything.", &[]), None);
    }

    #[test]
    fn index_gives_the_pairwise_novelty() {
        let groups = [
            vec![
                "Talks resumed in Oslo on Monday.",
                "Norway hosts the talks.",
            ],
            vec![
                "Talks in Oslo ended in tears.",
                "Nothing.",
                "Oslo talks resumed Monday again.",
            ],
            vec!["Blackout in Caracas.", "Talks resumed in Oslo on Monday."],
        ];
        let all: Vec<(usize, &str)> = groups
            .iter()
            .enumerate()
            .flat_map(|(g, sents)| sents.iter().map(move |s| (g, *s)))
            .collect();
        let index = NoveltyIndex::new(&all);
        for (g, sents) in groups.iter().enumerate() {
            let others: Vec<BTreeSet<String>> = groups
                .iter()
                .enumerate()
                .filter(|(h, _)| *h != g)
                .flat_map(|(_, s)| s.iter().map(|x| word_set(x)))
                .collect();
            for s in sents {
                assert_eq!(index.novelty(g, s), sentence_novelty(s, &others), "{s}");
            }
        }
        let lonely = NoveltyIndex::new(&[(0, "Only one group here.")]);
        assert_eq!(lonely.novelty(0, "Only one group here."), None);
    }
}
