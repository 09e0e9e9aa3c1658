//! Seeded statistics shared by `eval`, `compare` and `train`: percentile
//! bootstrap intervals (resample the examples with replacement, recompute a
//! statistic, take percentiles) and the quantile they are read with.
//!
//! The generator is SplitMix64, written here so that the same seed gives the
//! same intervals on every platform and with every dependency version (a
//! general-purpose RNG crate does not promise a stable stream across
//! releases). Percentiles interpolate linearly between order statistics, as
//! numpy's default does.
//!
//! ```
//! use newsframe::stats::{BootstrapConfig, interval};
//!
//! let values = [0.2, 0.4, 0.6, 0.8];
//! let config = BootstrapConfig::default();
//! let mean = |idx: &[usize]| idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64;
//! let ci = interval(values.len(), &config, mean).unwrap();
//! assert!(ci.low <= 0.5 && 0.5 <= ci.high);
//! ```

use serde::{Deserialize, Serialize};

/// Settings of the bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BootstrapConfig {
    /// Number of resamples; 0 turns intervals off. Default 1000.
    pub samples: usize,
    /// Seed of the resampling; the same seed gives the same intervals. Default 0.
    pub seed: u64,
    /// Coverage of the interval. Default 0.95.
    pub confidence: f64,
}

impl Default for BootstrapConfig {
    fn default() -> BootstrapConfig {
        BootstrapConfig {
            samples: 1000,
            seed: 0,
            confidence: 0.95,
        }
    }
}

/// A percentile interval and its coverage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// The confidence it was computed for (e.g. 0.95).
    pub level: f64,
}

/// The percentile interval of `statistic` over `config.samples` resamples of
/// `n` examples; `statistic` receives the resampled example indexes. None
/// when there is nothing to resample or intervals are off.
pub fn interval(
    n: usize,
    config: &BootstrapConfig,
    mut statistic: impl FnMut(&[usize]) -> f64,
) -> Option<Interval> {
    if n == 0 || config.samples == 0 {
        return None;
    }
    let mut rng = SplitMix64::new(config.seed);
    let mut indexes = vec![0usize; n];
    let mut values = Vec::with_capacity(config.samples);
    for _ in 0..config.samples {
        for slot in &mut indexes {
            *slot = rng.below(n);
        }
        values.push(statistic(&indexes));
    }
    values.sort_by(f64::total_cmp);
    let tail = (1.0 - config.confidence) / 2.0;
    Some(Interval {
        low: quantile(&values, tail),
        high: quantile(&values, 1.0 - tail),
        level: config.confidence,
    })
}

/// The interval of the mean of `values`, resampling the values.
pub fn mean_interval(values: &[f64], config: &BootstrapConfig) -> Option<Interval> {
    interval(values.len(), config, |idx| {
        idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64
    })
}

/// The `q` quantile (0..=1) of sorted `values`, interpolating linearly
/// between order statistics (numpy's default).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let below = pos.floor() as usize;
    let above = pos.ceil() as usize;
    let frac = pos - below as f64;
    values[below] + (values[above] - values[below]) * frac
}

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, and fixed forever.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-32
    /// for any dataset size this tool sees).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_interval() {
        let values: Vec<f64> = (0..50).map(|i| (i % 7) as f64).collect();
        let mean = |idx: &[usize]| idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64;
        let config = BootstrapConfig::default();
        let a = interval(values.len(), &config, mean).unwrap();
        let b = interval(values.len(), &config, mean).unwrap();
        assert_eq!(a, b);
        let other = BootstrapConfig { seed: 7, ..config };
        let c = interval(values.len(), &other, mean).unwrap();
        assert_ne!(a, c);
        assert!(a.low < a.high);
    }

    #[test]
    fn constant_statistic_has_zero_width() {
        let ci = interval(10, &BootstrapConfig::default(), |_| 0.5).unwrap();
        assert_eq!((ci.low, ci.high), (0.5, 0.5));
    }

    #[test]
    fn splitmix_reference_value() {
        // First output for seed 1234567 in the reference implementation.
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        assert_eq!(quantile(&[0.0, 10.0], 0.25), 2.5);
        assert_eq!(quantile(&[1.0], 0.975), 1.0);
        // numpy.quantile([0, 1, 2, 3], 0.25) == 0.75
        assert!((quantile(&[0.0, 1.0, 2.0, 3.0], 0.25) - 0.75).abs() < 1e-12);
    }
}
