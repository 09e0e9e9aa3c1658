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

/// The `p` quantile of the standard normal distribution (0 < p < 1):
/// Wichura's algorithm AS 241 (PPND16), accurate to about 1e-16.
pub fn normal_quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&AS241_A, r) / poly(&AS241_B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        poly(&AS241_C, r) / poly(&AS241_D, r)
    } else {
        let r = r - 5.0;
        poly(&AS241_E, r) / poly(&AS241_F, r)
    };
    if q < 0.0 { -x } else { x }
}

/// Σ coefficients[i]·x^i.
fn poly(coefficients: &[f64; 8], x: f64) -> f64 {
    coefficients.iter().rev().fold(0.0, |acc, c| acc * x + c)
}

// The published coefficients, digit for digit.
#[allow(clippy::excessive_precision)]
const AS241_A: [f64; 8] = [
    3.387_132_872_796_366_5,
    133.141_667_891_784_38,
    1_971.590_950_306_551_3,
    13_731.693_765_509_461,
    45_921.953_931_549_87,
    67_265.770_927_008_7,
    33_430.575_583_588_13,
    2_509.080_928_730_122_7,
];
#[allow(clippy::excessive_precision)]
const AS241_B: [f64; 8] = [
    1.0,
    42.313_330_701_600_91,
    687.187_007_492_057_9,
    5_394.196_021_424_751,
    21_213.794_301_586_597,
    39_307.895_800_092_71,
    28_729.085_735_721_943,
    5_226.495_278_852_545,
];
#[allow(clippy::excessive_precision)]
const AS241_C: [f64; 8] = [
    1.423_437_110_749_683_5,
    4.630_337_846_156_546,
    5.769_497_221_460_691,
    3.647_848_324_763_204_5,
    1.270_458_252_452_368_4,
    0.241_780_725_177_450_6,
    0.022_723_844_989_269_184,
    7.745_450_142_783_414e-4,
];
#[allow(clippy::excessive_precision)]
const AS241_D: [f64; 8] = [
    1.0,
    2.053_191_626_637_759,
    1.676_384_830_183_803_8,
    0.689_767_334_985_1,
    0.148_103_976_427_480_08,
    0.015_198_666_563_616_457,
    5.475_938_084_995_345e-4,
    1.050_750_071_644_416_9e-9,
];
#[allow(clippy::excessive_precision)]
const AS241_E: [f64; 8] = [
    6.657_904_643_501_103,
    5.463_784_911_164_114,
    1.784_826_539_917_291_3,
    0.296_560_571_828_504_87,
    0.026_532_189_526_576_124,
    0.001_242_660_947_388_078_4,
    2.711_555_568_743_487_6e-5,
    2.010_334_399_292_288_1e-7,
];
#[allow(clippy::excessive_precision)]
const AS241_F: [f64; 8] = [
    1.0,
    0.599_832_206_555_888,
    0.136_929_880_922_735_8,
    0.014_875_361_290_850_615,
    7.868_691_311_456_133e-4,
    1.846_318_317_510_054_8e-5,
    1.421_511_758_316_446e-7,
    2.043_631_033_949_111_4e-15,
];

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
    fn normal_quantile_matches_reference_values() {
        // scipy.stats.norm.ppf
        for (p, x) in [
            (0.975, 1.959_963_984_540_054),
            (0.5, 0.0),
            (0.95, 1.644_853_626_951_472_2),
            (0.995, 2.575_829_303_548_900_4),
            (0.025, -1.959_963_984_540_054),
            (1e-10, -6.361_340_902_404_056),
        ] {
            assert!(
                (normal_quantile(p) - x).abs() < 1e-12,
                "{p}: {}",
                normal_quantile(p)
            );
        }
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        assert_eq!(quantile(&[0.0, 10.0], 0.25), 2.5);
        assert_eq!(quantile(&[1.0], 0.975), 1.0);
        // numpy.quantile([0, 1, 2, 3], 0.25) == 0.75
        assert!((quantile(&[0.0, 1.0, 2.0, 3.0], 0.25) - 0.75).abs() < 1e-12);
    }
}
