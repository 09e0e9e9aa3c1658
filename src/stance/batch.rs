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
    pub fn predict<R>(
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
            out.extend(results);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                Ok(chunk.iter().map(|s| s.to_uppercase()).collect())
            })
            .unwrap();
        assert_eq!(out, ["A", "B", "C"]);
        assert_eq!(chunks, [2, 1]);
        let short = inputs.predict(8, "m", |_| Ok(vec![1])).unwrap_err();
        assert!(
            short
                .to_string()
                .contains("returned 1 results for 3 inputs")
        );
    }
}
