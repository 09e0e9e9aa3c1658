//! What a group's summaries say that the other groups' do not: each summary
//! sentence gets the share of its words that no single sentence of another
//! group's summaries contains (1 = entirely new, 0 = said elsewhere too).
//!
//! Word overlap does not cross languages: when groups write in different
//! languages, a high novelty may only mean "said in another language", and
//! the report says so.

use std::collections::BTreeSet;

use super::cluster::content_words;

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
}
