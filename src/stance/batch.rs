//! Model inputs shared across a batch of stance queries: each distinct input
//! (an NLI pair, a sentence–target pair) is sent to the model once, in
//! chunks of a fixed size, whatever the number of queries that need it.

use std::collections::HashMap;
use std::hash::Hash;

/// The distinct inputs of a batch, in first-seen order.
#[derive(Debug)]
pub struct UniqueInputs<T> {
    items: Vec<T>,
    index: HashMap<T, usize>,
}

impl<T: Clone + Eq + Hash> Default for UniqueInputs<T> {
    fn default() -> Self {
        UniqueInputs {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: Clone + Eq + Hash> UniqueInputs<T> {
    /// The position of `item` among the distinct inputs (added when new).
    pub fn intern(&mut self, item: T) -> usize {
        if let Some(&i) = self.index.get(&item) {
            return i;
        }
        self.items.push(item.clone());
        self.index.insert(item, self.items.len() - 1);
        self.items.len() - 1
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Runs `predict` over the inputs in chunks of `batch_size` (at least 1);
    /// one result per input, in [`Self::intern`] order. `model` names the
    /// model in the error for a chunk answered with the wrong count.
    /// A result that is not a probability (NaN, infinite, outside [0, 1])
    /// is an error: damaged weights must not pass for an even "neutral".
    pub fn predict<R: Probabilities>(
        &self,
        batch_size: usize,
        model: &str,
        mut predict: impl FnMut(&[T]) -> anyhow::Result<Vec<R>>,
    ) -> anyhow::Result<Vec<R>> {
        let mut out = Vec::with_capacity(self.items.len());
        for chunk in self.items.chunks(batch_size.max(1)) {
            let results = predict(chunk)?;
            anyhow::ensure!(
                results.len() == chunk.len(),
                "stance model {model} returned {} results for {} inputs",
                results.len(),
                chunk.len()
            );
            if let Some(bad) = results.iter().find(|r| !r.are_probabilities()) {
                anyhow::bail!(
                    "stance model {model} returned {:?}, not probabilities: its weights may be \
                     damaged (check with `newsframe models verify --run`)",
                    bad.values()
                );
            }
            out.extend(results);
        }
        Ok(out)
    }
}

/// Model outputs made of probabilities.
pub trait Probabilities {
    fn values(&self) -> [f64; 3];

    fn are_probabilities(&self) -> bool {
        self.values()
            .iter()
            .all(|p| p.is_finite() && (0.0..=1.0).contains(p))
    }
}

impl Probabilities for crate::record::LabelProbs {
    fn values(&self) -> [f64; 3] {
        [self.positive, self.neutral, self.negative]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::LabelProbs;

    /// A stand-in model: "a" → positive 0.0, "b" → 0.1, "c" → 0.2.
    fn probs_of(s: &str) -> LabelProbs {
        let positive = f64::from(s.as_bytes()[0] - b'a') / 10.0;
        LabelProbs {
            positive,
            neutral: 0.0,
            negative: 1.0 - positive,
        }
    }

    #[test]
    fn each_input_is_predicted_once_in_chunks() {
        let mut inputs = UniqueInputs::default();
        let ids: Vec<usize> = ["a", "b", "a", "c", "b"]
            .into_iter()
            .map(|s| inputs.intern(s))
            .collect();
        assert_eq!(ids, [0, 1, 0, 2, 1]);
        let mut chunks = Vec::new();
        let out = inputs
            .predict(2, "m", |chunk| {
                chunks.push(chunk.len());
                Ok(chunk.iter().map(|s| probs_of(s)).collect())
            })
            .unwrap();
        let positives: Vec<f64> = out.iter().map(|p| p.positive).collect();
        assert_eq!(positives, [0.0, 0.1, 0.2]);
        assert_eq!(chunks, [2, 1]);
        let short = inputs
            .predict(8, "m", |_| Ok(vec![probs_of("a")]))
            .unwrap_err();
        assert!(
            short
                .to_string()
                .contains("returned 1 results for 3 inputs")
        );
    }

    #[test]
    fn outputs_that_are_not_probabilities_are_an_error() {
        let mut inputs = UniqueInputs::default();
        inputs.intern("a");
        for bad in [f64::NAN, f64::INFINITY, -0.5, 1.5] {
            let err = inputs
                .predict(8, "broken@1", |_| {
                    Ok(vec![LabelProbs {
                        positive: bad,
                        neutral: 0.0,
                        negative: 0.0,
                    }])
                })
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("broken@1") && err.contains("not probabilities"),
                "{err}"
            );
        }
    }
}
