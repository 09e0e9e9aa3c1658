//! T5's relative position bias: the distance between a query and a key position
//! is mapped to one of `num_buckets` buckets (exact for short distances,
//! logarithmic up to `max_distance`), each bucket holding one learned bias per head.
//!
//! The arithmetic follows transformers' `T5Attention._relative_position_bucket`
//! operation for operation (float32 logarithms, truncation to integers), so that
//! borderline distances land in the same bucket.

use tch::{Kind, Tensor};

/// Bucket index of each `key_position - query_position` in `relative_position`.
pub fn relative_position_bucket(
    relative_position: &Tensor,
    bidirectional: bool,
    num_buckets: i64,
    max_distance: i64,
) -> Tensor {
    let mut num_buckets = num_buckets;
    let mut buckets = relative_position.zeros_like();
    let distance = if bidirectional {
        num_buckets /= 2;
        buckets += relative_position.gt(0).to_kind(Kind::Int64) * num_buckets;
        relative_position.abs()
    } else {
        // Only keys at or before the query: the distance back.
        -relative_position.minimum(&relative_position.zeros_like())
    };
    let max_exact = num_buckets / 2;
    let is_small = distance.lt(max_exact);
    let if_large = ((distance.to_kind(Kind::Float) / max_exact as f64).log()
        / (max_distance as f64 / max_exact as f64).ln()
        * (num_buckets - max_exact) as f64)
        .to_kind(Kind::Int64)
        + max_exact;
    let if_large = if_large.clamp_max(num_buckets - 1);
    buckets + distance.where_self(&is_small, &if_large)
}

/// Bias `[1, heads, queries, keys]` for query positions `0..queries` against key
/// positions `0..keys`, from the bias table `[num_buckets, heads]`.
pub fn position_bias(
    table: &Tensor,
    queries: i64,
    keys: i64,
    bidirectional: bool,
    max_distance: i64,
) -> Tensor {
    let num_buckets = table.size()[0];
    let device = table.device();
    let query_position = Tensor::arange(queries, (Kind::Int64, device)).unsqueeze(1);
    let key_position = Tensor::arange(keys, (Kind::Int64, device)).unsqueeze(0);
    let relative = key_position - query_position;
    let buckets = relative_position_bucket(&relative, bidirectional, num_buckets, max_distance);
    // [queries, keys, heads] -> [1, heads, queries, keys]
    Tensor::embedding(table, &buckets, -1, false, false)
        .permute([2, 0, 1])
        .unsqueeze(0)
        .contiguous()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(positions: &[i64], bidirectional: bool) -> Vec<i64> {
        let relative = Tensor::from_slice(positions);
        Vec::<i64>::try_from(relative_position_bucket(&relative, bidirectional, 32, 128)).unwrap()
    }

    #[test]
    fn matches_transformers_buckets() {
        // Values computed with transformers 4.57's T5Attention._relative_position_bucket
        // (32 buckets, max distance 128).
        let positions = [
            -200, -128, -100, -20, -9, -8, -7, -1, 0, 1, 7, 8, 9, 20, 100, 128, 200,
        ];
        assert_eq!(
            buckets(&positions, true),
            vec![
                15, 15, 15, 10, 8, 8, 7, 1, 0, 17, 23, 24, 24, 26, 31, 31, 31
            ]
        );
        assert_eq!(
            buckets(&positions, false),
            vec![31, 31, 30, 17, 9, 8, 7, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }
}
