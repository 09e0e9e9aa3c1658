//! Classification metrics over label indexes: accuracy, per-class
//! precision/recall/F1, macro-F1, the confusion matrix and SemEval-2016's
//! F_avg. Definitions follow scikit-learn's `precision_recall_fscore_support`
//! with an explicit label list and `zero_division=0`; the project checks them
//! against scikit-learn's own values (`tests/integration/eval_stance_metrics.rs`).
//!
//! A prediction may be missing (`None`: no record, or the system found the
//! actor unmentioned). It counts as wrong for accuracy and recall and as no
//! class's prediction, as scikit-learn does with a label outside `labels`.
//!
//! ```
//! use newsframe::eval::classify::ClassMetrics;
//!
//! let m = ClassMetrics::compute(2, &[0, 1, 1], &[Some(0), Some(1), None]);
//! assert!((m.accuracy - 2.0 / 3.0).abs() < 1e-12);
//! assert_eq!(m.confusion, vec![vec![1, 0, 0], vec![0, 1, 1]]);
//! ```

use serde::Serialize;

/// Metrics of one set of (gold, prediction) pairs over `n` classes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub f1: Vec<f64>,
    /// Gold examples of each class.
    pub support: Vec<usize>,
    /// `confusion[gold][pred]`; the last column counts missing predictions.
    pub confusion: Vec<Vec<usize>>,
    /// Examples with no prediction.
    pub missing: usize,
}

impl ClassMetrics {
    /// Metrics over classes `0..classes`; `gold[i]` and `pred[i]` are label
    /// indexes. Macro-F1 averages the F1 of every class given.
    pub fn compute(classes: usize, gold: &[usize], pred: &[Option<usize>]) -> ClassMetrics {
        assert_eq!(gold.len(), pred.len(), "one prediction per gold label");
        let mut confusion = vec![vec![0usize; classes + 1]; classes];
        let mut correct = 0;
        let mut missing = 0;
        for (&g, &p) in gold.iter().zip(pred) {
            let column = p.unwrap_or(classes);
            confusion[g][column] += 1;
            correct += usize::from(p == Some(g));
            missing += usize::from(p.is_none());
        }
        let mut precision = Vec::with_capacity(classes);
        let mut recall = Vec::with_capacity(classes);
        let mut f1 = Vec::with_capacity(classes);
        let mut support = Vec::with_capacity(classes);
        for (c, row) in confusion.iter().enumerate() {
            let tp = row[c];
            let predicted: usize = confusion.iter().map(|r| r[c]).sum();
            let actual: usize = row.iter().sum();
            let p = ratio(tp, predicted);
            let r = ratio(tp, actual);
            precision.push(p);
            recall.push(r);
            // scikit-learn computes F from counts: 2tp / (2tp + fp + fn).
            f1.push(ratio(2 * tp, predicted + actual));
            support.push(actual);
        }
        let macro_f1 = if classes == 0 {
            0.0
        } else {
            f1.iter().sum::<f64>() / classes as f64
        };
        ClassMetrics {
            n: gold.len(),
            accuracy: ratio(correct, gold.len()),
            macro_f1,
            precision,
            recall,
            f1,
            support,
            confusion,
            missing,
        }
    }

    /// SemEval-2016 Task 6's F_avg: the mean F1 of the two given classes
    /// (FAVOR and AGAINST).
    pub fn f_avg(&self, favor: usize, against: usize) -> f64 {
        (self.f1[favor] + self.f1[against]) / 2.0
    }
}

/// `num / den`, or 0 when `den` is 0 (scikit-learn's `zero_division=0`).
fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Mention detection: did the system find the actors the gold data says
/// the article mentions, and only those?
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MentionDetection {
    /// Gold mentioned, predicted mentioned.
    pub true_positive: usize,
    /// Gold not mentioned, predicted mentioned.
    pub false_positive: usize,
    /// Gold mentioned, predicted not mentioned.
    pub false_negative: usize,
    /// Gold not mentioned, predicted not mentioned.
    pub true_negative: usize,
}

impl MentionDetection {
    pub fn add(&mut self, gold_mentioned: bool, predicted_mentioned: bool) {
        match (gold_mentioned, predicted_mentioned) {
            (true, true) => self.true_positive += 1,
            (false, true) => self.false_positive += 1,
            (true, false) => self.false_negative += 1,
            (false, false) => self.true_negative += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.true_positive + self.false_positive + self.false_negative + self.true_negative
    }

    pub fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }

    pub fn accuracy(&self) -> f64 {
        ratio(self.true_positive + self.true_negative, self.total())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_never_predicted_has_zero_precision_not_nan() {
        let m = ClassMetrics::compute(3, &[0, 1, 2], &[Some(0), Some(0), Some(2)]);
        assert_eq!(m.precision[1], 0.0);
        assert_eq!(m.f1[1], 0.0);
        assert!((m.macro_f1 - (2.0 / 3.0 + 0.0 + 1.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn empty_input_gives_zeros() {
        let m = ClassMetrics::compute(3, &[], &[]);
        assert_eq!(m.accuracy, 0.0);
        assert_eq!(m.macro_f1, 0.0);
    }

    #[test]
    fn mention_detection_counts() {
        let mut d = MentionDetection::default();
        d.add(true, true);
        d.add(false, true);
        d.add(false, false);
        assert_eq!(d.total(), 3);
        assert_eq!(d.precision(), 0.5);
        assert_eq!(d.recall(), 1.0);
    }
}
