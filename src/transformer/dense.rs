//! Weight matrices of dense layers in the three formats of [`Precision`],
//! and the products every network runs through them.
//!
//! - float32: libtorch's BLAS (MKL on x86), bit for bit what transformers runs;
//! - bfloat16: bfloat16 inputs and weights, float32 accumulation (oneDNN);
//! - int8: weights quantized per output row (symmetric, 127 steps of the row's
//!   largest magnitude), activations per token (row of the input), by
//!   fbgemm's dynamic int8 product (`fbgemm_linear_int8_weight_fp32_activation`,
//!   AVX2/AVX-512 VNNI kernels). fbgemm's op takes one scale per weight
//!   matrix and one per input; dividing each weight row and each input row by
//!   its own largest magnitude first, and multiplying the product back, makes
//!   those single scales serve every row: per-channel weights and per-token
//!   activations with its kernel.
//!
//! Decoding multiplies one or a few rows (one per beam) by every matrix. Which
//! way of doing that is fastest depends on the CPU's BLAS: on AMD EPYC,
//! `weight @ x^T` with a single row doubled (BLAS's two-column matrix-matrix
//! path) read the output layer 2.4x faster than the matrix-vector path; on
//! Intel Xeon the plain product is 2.3x faster than that. So the way is
//! measured once per process ([`few_rows_path`]) instead of being fixed.

use std::sync::OnceLock;
use std::time::Instant;

use tch::{Device, Kind, Scalar, Tensor};

use super::{Precision, TransformerError};

/// A dense layer's weight `[output, input]`.
pub enum DenseWeight {
    /// float32 or bfloat16 (the tensor's kind says which).
    Plain(Tensor),
    Int8(Int8Matrix),
}

impl DenseWeight {
    /// `weight` (float32) stored in `precision`.
    pub fn new(weight: Tensor, precision: Precision) -> Result<DenseWeight, TransformerError> {
        Ok(match precision {
            Precision::F32 => DenseWeight::Plain(weight),
            Precision::Bf16 => DenseWeight::Plain(weight.to_kind(Kind::BFloat16)),
            Precision::Int8 => DenseWeight::Int8(Int8Matrix::quantize(weight)?),
        })
    }

    /// The float32 or bfloat16 tensor; None when quantized.
    pub fn plain(&self) -> Option<&Tensor> {
        match self {
            DenseWeight::Plain(w) => Some(w),
            DenseWeight::Int8(_) => None,
        }
    }

    /// `[output, input]`.
    pub fn size(&self) -> (i64, i64) {
        match self {
            DenseWeight::Plain(w) => (w.size()[0], w.size()[1]),
            DenseWeight::Int8(m) => (m.output, m.input),
        }
    }

    /// `x @ weight^T` in float32, for `x` of any leading dimensions.
    pub fn product(&self, x: &Tensor) -> Tensor {
        match self {
            DenseWeight::Plain(w) if w.kind() == Kind::Float => x.linear::<&Tensor>(w, None),
            DenseWeight::Plain(w) => x
                .to_kind(w.kind())
                .linear::<&Tensor>(w, None)
                .to_kind(Kind::Float),
            DenseWeight::Int8(m) => m.product(x),
        }
    }

    /// [`product`](Self::product) for the few rows `[rows, input]` of a
    /// decoding step, the float32 way this CPU does fastest ([`few_rows_path`]).
    pub fn product_few_rows(&self, x: &Tensor) -> Tensor {
        match self {
            // The calibrated choice is between CPU BLAS paths.
            DenseWeight::Plain(w) if w.kind() == Kind::Float && w.device() == Device::Cpu => {
                few_rows(x, w, few_rows_path())
            }
            _ => self.product(x),
        }
    }
}

/// An int8 weight matrix: per-row scales and fbgemm's packed form.
pub struct Int8Matrix {
    /// fbgemm's packed int8 matrix (an opaque handle tensor).
    packed: Tensor,
    /// Per row: the sum of its int8 values (fbgemm's zero-point correction).
    row_sums: Tensor,
    /// Per row: its largest magnitude, by which the product (computed with
    /// every row at scale 1/127) is rescaled.
    scales: Tensor,
    /// fbgemm's op reads only the shape of its `weight` argument; a
    /// zero-stride int8 tensor of that shape costs no memory.
    shape_only: Tensor,
    zero_bias: Tensor,
    output: i64,
    input: i64,
}

/// Rows quantized at a time: bounds the float32 temporaries of the largest
/// matrix (the 250k-row output layer) to ~100 MB.
const QUANTIZE_CHUNK: i64 = 32_768;

impl Int8Matrix {
    /// Quantizes a float32 (or bfloat16) `[output, input]` matrix.
    pub fn quantize(weight: Tensor) -> Result<Int8Matrix, TransformerError> {
        let (output, input) = (weight.size()[0], weight.size()[1]);
        Int8Matrix::quantize_rows(output, input, move |start, rows| {
            Ok(weight.narrow(0, start, rows))
        })
    }

    /// Quantizes an `[output, input]` matrix whose rows `rows_of(start, n)`
    /// gives, a chunk at a time (the largest matrix, the 250k-row output
    /// layer, is then never whole in float32); `rows_of` and what it holds
    /// are dropped before fbgemm packs its copy.
    pub fn quantize_rows(
        output: i64,
        input: i64,
        mut rows_of: impl FnMut(i64, i64) -> Result<Tensor, TransformerError>,
    ) -> Result<Int8Matrix, TransformerError> {
        if !cpu_has_int8_kernels() {
            return Err(TransformerError::Unsupported(
                "--precision int8 needs an x86-64 CPU with AVX2 (fbgemm's int8 kernels); \
                 use --precision f32 or bf16"
                    .to_string(),
            ));
        }
        let q = Tensor::empty([output, input], (Kind::Int8, Device::Cpu));
        let scales = Tensor::empty([output], (Kind::Float, Device::Cpu));
        let row_sums = Tensor::empty([output], (Kind::Int, Device::Cpu));
        let mut start = 0;
        while start < output {
            let rows = QUANTIZE_CHUNK.min(output - start);
            let chunk = rows_of(start, rows)?.to_kind(Kind::Float);
            // The steps in place and the int8 conversion inside the copy: each
            // temporary of a 32k-row chunk is 100 MB (mT5-base's peak while
            // loading in int8: ~1360 -> ~990 MiB).
            let scale = chunk.abs().amax([1i64].as_slice(), true).clamp_min(1e-12) / 127.0;
            let mut steps = chunk / &scale;
            let _ = steps.round_();
            let _ = steps.clamp_(-127.0, 127.0);
            // Sums of at most 127 · input integers: exact in float32, and
            // several times faster than libtorch's int8 sum.
            row_sums
                .narrow(0, start, rows)
                .copy_(&steps.sum_dim_intlist([1i64].as_slice(), false, Kind::Float));
            q.narrow(0, start, rows).copy_(&steps);
            scales.narrow(0, start, rows).copy_(&scale.squeeze_dim(1));
            start += rows;
        }
        drop(rows_of);
        let packed = q.fbgemm_pack_quantized_matrix();
        let shape_only =
            Tensor::zeros([1, 1], (Kind::Int8, Device::Cpu)).expand([output, input], false);
        Ok(Int8Matrix {
            packed,
            row_sums,
            scales: scales * 127.0,
            shape_only,
            zero_bias: Tensor::zeros([output], (Kind::Float, Device::Cpu)),
            output,
            input,
        })
    }

    /// `x @ weight^T` in float32 (x float32, any leading dimensions). Each
    /// row of `x` is divided by its largest magnitude first, so fbgemm's one
    /// activation scale per call serves every row (per-token quantization:
    /// one token's outliers do not cost the others their precision), and the
    /// product is multiplied back by it.
    pub fn product(&self, x: &Tensor) -> Tensor {
        let x = x.to_kind(Kind::Float);
        // Rescaled in place: the output layer's products are megabytes.
        let int8 = |x: &Tensor| {
            let mut product = x.fbgemm_linear_int8_weight_fp32_activation(
                &self.shape_only,
                &self.packed,
                &self.row_sums,
                Scalar::float(1.0 / 127.0),
                Scalar::int(0),
                &self.zero_bias,
            );
            product *= &self.scales;
            product
        };
        if x.numel() as i64 == self.input {
            // One row (a greedy decoding step): fbgemm's scale is already its own.
            return int8(&x);
        }
        let row_max = x.abs().amax([-1i64].as_slice(), true).clamp_min(1e-12);
        let mut product = int8(&(&x / &row_max));
        product *= &row_max;
        product
    }
}

/// Whether fbgemm's int8 kernels run on this CPU (they need AVX2).
pub fn cpu_has_int8_kernels() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// How a float32 product of a few rows runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FewRowsPath {
    /// `x @ weight^T` as BLAS sees it (matrix-vector for one row).
    Plain,
    /// `(weight @ x^T)^T`, a single row doubled: BLAS streams the weight once
    /// through its matrix-matrix path.
    Transposed,
}

/// The product of `x` `[rows, input]` and `weight^T` by `path`.
pub fn few_rows(x: &Tensor, weight: &Tensor, path: FewRowsPath) -> Tensor {
    match path {
        FewRowsPath::Plain => x.linear::<&Tensor>(weight, None),
        FewRowsPath::Transposed => {
            let rows = x.size()[0];
            let x = if rows == 1 {
                Tensor::cat(&[x, x], 0)
            } else {
                x.shallow_clone()
            };
            weight
                .matmul(&x.transpose(0, 1))
                .transpose(0, 1)
                .narrow(0, 0, rows)
                .contiguous()
        }
    }
}

/// The faster [`FewRowsPath`] on this machine, measured on first use: both
/// ways on a 16k x 768 matrix for one and four rows, alternated, best of
/// five each (about 0.1 s). `NEWSFRAME_FEW_ROWS=plain|transposed` fixes it.
pub fn few_rows_path() -> FewRowsPath {
    static PATH: OnceLock<FewRowsPath> = OnceLock::new();
    *PATH.get_or_init(|| {
        match std::env::var("NEWSFRAME_FEW_ROWS").as_deref() {
            Ok("plain") => return FewRowsPath::Plain,
            Ok("transposed") => return FewRowsPath::Transposed,
            _ => {}
        }
        let _guard = tch::no_grad_guard();
        let weight = Tensor::randn([16_384, 768], (Kind::Float, Device::Cpu));
        let mut best = [f64::MAX; 2];
        for rows in [1, 4] {
            let x = Tensor::randn([rows, 768], (Kind::Float, Device::Cpu));
            for _ in 0..5 {
                for (k, path) in [FewRowsPath::Plain, FewRowsPath::Transposed]
                    .into_iter()
                    .enumerate()
                {
                    let start = Instant::now();
                    let _ = few_rows(&x, &weight, path);
                    let t = start.elapsed().as_secs_f64();
                    best[k] = best[k].min(t);
                }
            }
        }
        if best[1] < best[0] {
            FewRowsPath::Transposed
        } else {
            FewRowsPath::Plain
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_few_row_paths_give_the_plain_product() {
        let w = Tensor::randn([50, 16], (Kind::Float, Device::Cpu));
        for rows in [1, 3] {
            let x = Tensor::randn([rows, 16], (Kind::Float, Device::Cpu));
            let want = x.matmul(&w.transpose(0, 1));
            for path in [FewRowsPath::Plain, FewRowsPath::Transposed] {
                assert!(few_rows(&x, &w, path).allclose(&want, 1e-5, 1e-5, false));
            }
        }
    }

    #[test]
    fn int8_product_is_within_a_percent_of_float32() {
        if !cpu_has_int8_kernels() {
            // Where fbgemm's kernels cannot run, int8 is refused with a clear error.
            let w = Tensor::ones([4, 4], (Kind::Float, Device::Cpu));
            let err = Int8Matrix::quantize(w)
                .err()
                .expect("int8 refused without AVX2");
            assert!(err.to_string().contains("AVX2"), "{err}");
            return;
        }
        // Deterministic values (the tests share libtorch's random generator).
        let wave = |n: i64, step: f64| (Tensor::arange(n, (Kind::Float, Device::Cpu)) * step).sin();
        // Rows of very different magnitudes: one scale per matrix would
        // flatten the small ones to zero.
        let w = wave(300 * 64, 0.37).view([300, 64])
            * Tensor::logspace(-3.0, 1.0, 300, 10.0, (Kind::Float, Device::Cpu)).unsqueeze(1);
        let m = Int8Matrix::quantize(w.copy()).unwrap();
        let x = wave(2 * 5 * 64, 0.11).view([2, 5, 64]);
        let want = x.matmul(&w.transpose(0, 1));
        let got = m.product(&x);
        assert_eq!(got.size(), [2, 5, 300]);
        // Relative error per output row (column of the result).
        let err = (&got - &want).abs().amax([0i64, 1].as_slice(), false);
        let scale = want.abs().amax([0i64, 1].as_slice(), false);
        let worst = (err / scale).max().double_value(&[]);
        eprintln!("int8: worst row error {worst:.2e} of the row's largest output");
        assert!(worst < 0.03, "worst row error {worst}");
    }
}
