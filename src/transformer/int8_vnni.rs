//! The int8 matrix product on AVX-512 VNNI, for the few rows of a decoding
//! step as much as for the hundreds of an encoder's input.
//!
//! fbgemm's dynamic int8 product (the other int8 path, [`super::dense`]) reads
//! one row's weights at the machine's bandwidth, but its cost grows by about a
//! millisecond per extra row on the 250k-row output layer (1, 4, 8 rows: 9.3,
//! 13.6, 17.9 ms on 2 threads), so beam search and batched decoding paid for
//! arithmetic that the memory traffic should have hidden. This kernel streams
//! each weight line once per call and applies it to every row while it is in
//! registers: 16 outputs by 4 inputs per 64-byte line, one `vpdpbusd` per row.
//!
//! The numbers are fbgemm's: weights symmetric per output row (int8), each
//! input row quantized to uint8 over its own `[min, max]` (0 included) with a
//! zero point, products summed exactly in int32 and rescaled in float32.
//!
//! Work is shared by libtorch's own OpenMP threads ([`super::openmp`]), so
//! the kernel and libtorch's operators never run more threads than
//! `--threads`.

use super::openmp::parallel;

/// One 64-byte line of packed weights: 16 output rows by 4 inputs.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([i8; 64]);

/// Output rows per line.
const LANES: usize = 16;

/// An int8 weight matrix packed for [`VnniMatrix::product`].
pub struct VnniMatrix {
    /// Block `b` (outputs `16b..16b+16`) is lines `b * steps .. (b + 1) * steps`.
    lines: Vec<Line>,
    /// Inputs / 4, rounded up.
    steps: usize,
    output: usize,
    input: usize,
    /// Per output row: the sum of its int8 values (zero-point correction).
    row_sums: Vec<i32>,
    /// Per output row: the float value of one int8 step.
    scales: Vec<f32>,
}

/// Whether this CPU runs the kernel (AVX-512 F/BW and VNNI).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl VnniMatrix {
    /// Packs `[output, input]` int8 values (row-major) with each row's scale.
    pub fn pack(values: &[i8], scales: Vec<f32>, output: usize, input: usize) -> VnniMatrix {
        assert_eq!(values.len(), output * input, "values of [output, input]");
        assert_eq!(scales.len(), output, "one scale per output row");
        let steps = input.div_ceil(4);
        let blocks = output.div_ceil(LANES);
        let mut lines = vec![Line([0; 64]); blocks * steps];
        for (b, block) in lines.chunks_mut(steps).enumerate() {
            for lane in 0..LANES.min(output - b * LANES) {
                let row = &values[(b * LANES + lane) * input..][..input];
                for (k, &v) in row.iter().enumerate() {
                    block[k / 4].0[lane * 4 + k % 4] = v;
                }
            }
        }
        let row_sums = values
            .chunks(input.max(1))
            .map(|row| row.iter().map(|&v| v as i32).sum())
            .collect();
        VnniMatrix {
            lines,
            steps,
            output,
            input,
            row_sums,
            scales,
        }
    }

    pub fn output(&self) -> usize {
        self.output
    }

    pub fn input(&self) -> usize {
        self.input
    }

    /// `x @ weight^T` for `x` `[rows, input]` (row-major) into `out`
    /// `[rows, output]`.
    pub fn product(&self, x: &[f32], rows: usize, out: &mut [f32]) {
        assert!(available(), "VnniMatrix::product needs AVX-512 VNNI");
        assert_eq!(x.len(), rows * self.input, "x of [rows, input]");
        assert_eq!(out.len(), rows * self.output, "out of [rows, output]");
        if rows == 0 || self.output == 0 {
            return;
        }
        let activations = Activations::quantize(x, rows, self.input, self.steps);
        let blocks = self.output.div_ceil(LANES);
        let out_ptr = SendPtr(out.as_mut_ptr());
        let work = |part: usize, parts: usize| {
            // Contiguous runs of blocks, a multiple of 4 each (whole groups).
            let per = blocks.div_ceil(parts).div_ceil(4) * 4;
            let start = (part * per).min(blocks);
            let end = ((part + 1) * per).min(blocks);
            // SAFETY: the CPU has the features (checked above); every part
            // writes only the output columns of its own blocks.
            #[cfg(target_arch = "x86_64")]
            unsafe {
                kernel::blocks(self, &activations, start, end, out_ptr)
            };
        };
        // Below ~64k multiply-adds a fork costs more than it saves.
        if rows * self.output * self.input < 1 << 16 {
            work(0, 1);
        } else {
            parallel(&work);
        }
    }
}

/// Input rows quantized to uint8, four inputs per `u32`, with their scales
/// and zero points.
struct Activations {
    /// `[rows, steps]`.
    packed: Vec<u32>,
    scales: Vec<f32>,
    zero_points: Vec<i32>,
    rows: usize,
    steps: usize,
}

impl Activations {
    /// fbgemm's `ChooseQuantizationParams` for uint8 (range widened to hold
    /// 0, zero point rounded and clamped) and its rounding (half to even),
    /// per row.
    fn quantize(x: &[f32], rows: usize, input: usize, steps: usize) -> Activations {
        let mut packed = vec![0u32; rows * steps];
        let mut scales = Vec::with_capacity(rows);
        let mut zero_points = Vec::with_capacity(rows);
        for (r, row) in x.chunks(input.max(1)).take(rows).enumerate() {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `product` runs only where `available()`.
            let (lo, hi) = unsafe { kernel::range(row) };
            #[cfg(not(target_arch = "x86_64"))]
            let (lo, hi) = (0.0, 0.0);
            let mut scale = (hi as f64 - lo as f64) / 255.0;
            if scale == 0.0 || !scale.is_finite() {
                scale = 0.1;
            }
            let scale = scale as f32;
            let zero_point = (-lo / scale).round_ties_even().clamp(0.0, 255.0);
            let bytes = &mut packed[r * steps..(r + 1) * steps];
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above; `bytes` holds `steps * 4 >= input` bytes.
            unsafe {
                kernel::to_u8(row, 1.0 / scale, zero_point, bytes)
            };
            scales.push(scale);
            zero_points.push(zero_point as i32);
        }
        Activations {
            packed,
            scales,
            zero_points,
            rows,
            steps,
        }
    }
}

#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
// SAFETY: threads write disjoint columns (see `VnniMatrix::product`).
unsafe impl Send for SendPtr {}
// SAFETY: as for Send: no two threads write the same element.
unsafe impl Sync for SendPtr {}

#[cfg(target_arch = "x86_64")]
mod kernel {
    use std::arch::x86_64::*;

    use super::{Activations, LANES, SendPtr, VnniMatrix};

    /// The smallest and largest value of `row`, widened to hold 0.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn range(row: &[f32]) -> (f32, f32) {
        let mut lo = _mm512_setzero_ps();
        let mut hi = _mm512_setzero_ps();
        let chunks = row.chunks_exact(16);
        let tail = chunks.remainder();
        for chunk in chunks {
            // SAFETY: 16 floats.
            let v = unsafe { _mm512_loadu_ps(chunk.as_ptr()) };
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
        }
        let (mut lo, mut hi) = (_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
        for &v in tail {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        (lo, hi)
    }

    /// `round_half_even(v * inverse + zero_point)` clamped to 0..=255, as
    /// bytes into `out` (zeros past the row's end).
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn to_u8(row: &[f32], inverse: f32, zero_point: f32, out: &mut [u32]) {
        let bytes = out.as_mut_ptr().cast::<u8>();
        let (inverse_v, zero_v) = (_mm512_set1_ps(inverse), _mm512_set1_ps(zero_point));
        let (low, high) = (_mm512_set1_epi32(0), _mm512_set1_epi32(255));
        let chunks = row.chunks_exact(16);
        let tail = chunks.remainder();
        let done = row.len() - tail.len();
        for (c, chunk) in chunks.enumerate() {
            // SAFETY: 16 floats in, 16 bytes out within `out` (4 per u32).
            unsafe {
                let v = _mm512_fmadd_ps(_mm512_loadu_ps(chunk.as_ptr()), inverse_v, zero_v);
                // Rounding to nearest even: the MXCSR default, as fbgemm's nearbyint.
                let q = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(v), low), high);
                _mm_storeu_si128(bytes.add(c * 16).cast(), _mm512_cvtepi32_epi8(q));
            }
        }
        for (i, &v) in tail.iter().enumerate() {
            let q = v
                .mul_add(inverse, zero_point)
                .round_ties_even()
                .clamp(0.0, 255.0);
            // SAFETY: index < row.len() <= 4 * out.len().
            unsafe { *bytes.add(done + i) = q as u8 };
        }
    }

    /// Rows taken together: their accumulators and the weight lines of a
    /// group fill the 32 vector registers.
    const ROW_GROUP: usize = 8;

    /// Output blocks `start..end` for every row.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn blocks(
        m: &VnniMatrix,
        a: &Activations,
        start: usize,
        end: usize,
        out: SendPtr,
    ) {
        let mut b = start;
        while b < end {
            let group = (end - b).min(4);
            let mut r = 0;
            while r < a.rows {
                let rows = (a.rows - r).min(ROW_GROUP);
                // SAFETY: blocks and rows in range; features enabled here.
                unsafe { dispatch(m, a, b, group, r, rows, out) };
                r += rows;
            }
            b += group;
        }
    }

    macro_rules! by_rows {
        ($blocks:literal, $rows:expr, $($args:expr),*) => {
            match $rows {
                1 => group::<1, $blocks>($($args),*),
                2 => group::<2, $blocks>($($args),*),
                3 => group::<3, $blocks>($($args),*),
                4 => group::<4, $blocks>($($args),*),
                5 => group::<5, $blocks>($($args),*),
                6 => group::<6, $blocks>($($args),*),
                7 => group::<7, $blocks>($($args),*),
                _ => group::<8, $blocks>($($args),*),
            }
        };
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn dispatch(
        m: &VnniMatrix,
        a: &Activations,
        block: usize,
        blocks: usize,
        row: usize,
        rows: usize,
        out: SendPtr,
    ) {
        // SAFETY: forwarded from `blocks`.
        unsafe {
            match blocks {
                4 if rows <= 4 => by_rows!(4, rows, m, a, block, row, out),
                4 => {
                    by_rows!(2, rows, m, a, block, row, out);
                    by_rows!(2, rows, m, a, block + 2, row, out);
                }
                3 => {
                    by_rows!(2, rows, m, a, block, row, out);
                    by_rows!(1, rows, m, a, block + 2, row, out);
                }
                2 => by_rows!(2, rows, m, a, block, row, out),
                _ => by_rows!(1, rows, m, a, block, row, out),
            }
        }
    }

    /// Rows `row..row + R` times blocks `block..block + B`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    #[inline]
    unsafe fn group<const R: usize, const B: usize>(
        m: &VnniMatrix,
        a: &Activations,
        block: usize,
        row: usize,
        out: SendPtr,
    ) {
        let steps = m.steps;
        let mut acc = [[_mm512_setzero_si512(); B]; R];
        let lines = m.lines.as_ptr();
        let x = a.packed.as_ptr();
        for s in 0..steps {
            let mut w = [_mm512_setzero_si512(); B];
            for (j, wj) in w.iter_mut().enumerate() {
                // SAFETY: line `(block + j) * steps + s` exists (block + j < blocks).
                *wj = unsafe { _mm512_load_si512(lines.add((block + j) * steps + s).cast()) };
            }
            for (i, acc_i) in acc.iter_mut().enumerate() {
                // SAFETY: row + i < rows, s < steps.
                let xi = _mm512_set1_epi32(unsafe { *x.add((row + i) * a.steps + s) } as i32);
                for j in 0..B {
                    acc_i[j] = _mm512_dpbusd_epi32(acc_i[j], xi, w[j]);
                }
            }
        }
        let output = m.output;
        for (i, acc_i) in acc.iter().enumerate() {
            let r = row + i;
            let zero_point = _mm512_set1_epi32(a.zero_points[r]);
            let x_scale = _mm512_set1_ps(a.scales[r]);
            for (j, &sum) in acc_i.iter().enumerate() {
                let first = (block + j) * LANES;
                let valid = (output - first).min(LANES);
                let mask: __mmask16 = if valid == LANES {
                    0xffff
                } else {
                    (1u16 << valid) - 1
                };
                // SAFETY: masked loads and stores touch only outputs < output.
                unsafe {
                    let row_sums =
                        _mm512_maskz_loadu_epi32(mask, m.row_sums.as_ptr().add(first).cast());
                    let scales = _mm512_maskz_loadu_ps(mask, m.scales.as_ptr().add(first));
                    let exact = _mm512_sub_epi32(sum, _mm512_mullo_epi32(zero_point, row_sums));
                    let value =
                        _mm512_mul_ps(_mm512_cvtepi32_ps(exact), _mm512_mul_ps(x_scale, scales));
                    _mm512_mask_storeu_ps(out.0.add(r * output + first), mask, value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product the kernel stands for, from the same quantized values.
    fn reference(
        values: &[i8],
        scales: &[f32],
        output: usize,
        input: usize,
        x: &[f32],
        rows: usize,
    ) -> Vec<f32> {
        let a = Activations::quantize(x, rows, input, input.div_ceil(4));
        let mut out = vec![0f32; rows * output];
        for r in 0..rows {
            let bytes: Vec<u8> = (0..input)
                .map(|k| a.packed[r * a.steps + k / 4].to_le_bytes()[k % 4])
                .collect();
            for o in 0..output {
                let dot: i64 = (0..input)
                    .map(|k| {
                        (bytes[k] as i64 - a.zero_points[r] as i64) * values[o * input + k] as i64
                    })
                    .sum();
                out[r * output + o] = dot as f32 * a.scales[r] * scales[o];
            }
        }
        out
    }

    #[test]
    fn kernel_equals_integer_reference_for_every_row_count_and_ragged_shapes() {
        if !available() {
            // Such a CPU never runs this kernel: int8 goes to fbgemm.
            use crate::transformer::dense::Int8Packing;
            assert_eq!(Int8Packing::for_this_cpu(), Int8Packing::Fbgemm);
            return;
        }
        // Outputs not a multiple of 16 or of 64, inputs not a multiple of 4.
        for &(output, input) in &[(37usize, 10usize), (130, 64), (16, 4), (200, 771)] {
            let values: Vec<i8> = (0..output * input)
                .map(|i| ((i * 7919 + 13) % 255) as i32 as i8)
                .collect();
            let scales: Vec<f32> = (0..output).map(|o| 0.001 * (1 + o % 7) as f32).collect();
            let m = VnniMatrix::pack(&values, scales.clone(), output, input);
            for rows in [1usize, 2, 3, 5, 8, 9, 20] {
                let x: Vec<f32> = (0..rows * input)
                    .map(|i| ((i as f32) * 0.37).sin() * (1.0 + (i % 5) as f32))
                    .collect();
                let mut got = vec![0f32; rows * output];
                m.product(&x, rows, &mut got);
                let want = reference(&values, &scales, output, input, &x, rows);
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                        "{output}x{input} rows {rows}: {g} vs {w}"
                    );
                }
            }
        }
    }
}
