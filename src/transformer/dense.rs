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
//!   activations with its kernel. Where the CPU has AVX-512 VNNI the
//!   project's own kernel ([`super::int8_vnni`]) runs instead
//!   ([`Int8Packing`]): the same numbers, but the weights streamed once per
//!   product whatever the rows (fbgemm's cost grows with every row of a beam
//!   search) and faster on an encoder's hundreds of rows too.
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

use super::int8_vnni::{self, VnniMatrix};
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

/// Which kernel an int8 matrix is packed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Int8Packing {
    /// fbgemm's packed matrix: any x86-64 CPU with AVX2.
    Fbgemm,
    /// [`VnniMatrix`]: weights streamed once per product whatever the rows
    /// (AVX-512 VNNI).
    Vnni,
}

impl Int8Packing {
    /// [`Vnni`] where the CPU runs it, else [`Fbgemm`], decided once per
    /// process. `NEWSFRAME_INT8_KERNEL=fbgemm` keeps fbgemm (to compare the two).
    ///
    /// [`Vnni`]: Int8Packing::Vnni
    /// [`Fbgemm`]: Int8Packing::Fbgemm
    pub fn for_this_cpu() -> Int8Packing {
        static PACKING: OnceLock<Int8Packing> = OnceLock::new();
        *PACKING.get_or_init(|| {
            let forced_fbgemm = std::env::var("NEWSFRAME_INT8_KERNEL").as_deref() == Ok("fbgemm");
            if int8_vnni::available() && !forced_fbgemm {
                Int8Packing::Vnni
            } else {
                Int8Packing::Fbgemm
            }
        })
    }
}

/// An int8 weight matrix: per-row scales and its kernel's packed form.
pub struct Int8Matrix {
    kernel: Int8Kernel,
    output: i64,
    input: i64,
}

enum Int8Kernel {
    Fbgemm(Box<FbgemmMatrix>),
    Vnni(Box<VnniMatrix>),
}

/// fbgemm's form of an [`Int8Matrix`].
struct FbgemmMatrix {
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
}

/// Rows quantized at a time: bounds the float32 temporaries of the largest
/// matrix (the 250k-row output layer) to ~100 MB.
const QUANTIZE_CHUNK: i64 = 32_768;

impl Int8Matrix {
    /// Quantizes a float32 (or bfloat16) `[output, input]` matrix for this
    /// CPU's kernel ([`Int8Packing::for_this_cpu`]).
    pub fn quantize(weight: Tensor) -> Result<Int8Matrix, TransformerError> {
        Int8Matrix::quantize_for(weight, Int8Packing::for_this_cpu())
    }

    /// Quantizes a float32 (or bfloat16) `[output, input]` matrix for `packing`.
    pub fn quantize_for(
        weight: Tensor,
        packing: Int8Packing,
    ) -> Result<Int8Matrix, TransformerError> {
        let (output, input) = (weight.size()[0], weight.size()[1]);
        Int8Matrix::quantize_rows(output, input, packing, move |start, rows| {
            Ok(weight.narrow(0, start, rows))
        })
    }

    /// Inputs per row (the matrix's columns).
    pub fn input(&self) -> i64 {
        self.input
    }

    /// Which kernel this matrix runs on.
    pub fn packing(&self) -> Int8Packing {
        match self.kernel {
            Int8Kernel::Fbgemm(_) => Int8Packing::Fbgemm,
            Int8Kernel::Vnni(_) => Int8Packing::Vnni,
        }
    }

    /// Quantizes an `[output, input]` matrix whose rows `rows_of(start, n)`
    /// gives, a chunk at a time (the largest matrix, the 250k-row output
    /// layer, is then never whole in float32); `rows_of` and what it holds
    /// are dropped before fbgemm packs its copy.
    pub fn quantize_rows(
        output: i64,
        input: i64,
        packing: Int8Packing,
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
        let kernel = match packing {
            Int8Packing::Vnni if int8_vnni::available() => {
                let values = Vec::<i8>::try_from(q.view([-1])).map_err(tch_error)?;
                drop(q);
                let scales = Vec::<f32>::try_from(&scales).map_err(tch_error)?;
                Int8Kernel::Vnni(Box::new(VnniMatrix::pack(
                    &values,
                    scales,
                    output as usize,
                    input as usize,
                )))
            }
            _ => {
                let packed = q.fbgemm_pack_quantized_matrix();
                let shape_only =
                    Tensor::zeros([1, 1], (Kind::Int8, Device::Cpu)).expand([output, input], false);
                Int8Kernel::Fbgemm(Box::new(FbgemmMatrix {
                    packed,
                    row_sums,
                    scales: scales * 127.0,
                    shape_only,
                    zero_bias: Tensor::zeros([output], (Kind::Float, Device::Cpu)),
                }))
            }
        };
        Ok(Int8Matrix {
            kernel,
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
        match &self.kernel {
            Int8Kernel::Fbgemm(m) => m.product(x, self.input),
            Int8Kernel::Vnni(m) => vnni_product(m, x),
        }
    }
}

/// `x @ weight^T` on [`int8_vnni`]: each row of `x` quantized on its own.
fn vnni_product(m: &VnniMatrix, x: &Tensor) -> Tensor {
    // Checked before converting: each conversion, even a no-op, is a libtorch
    // dispatch, and a decoding step makes ~70 of these products.
    let x = if x.kind() == Kind::Float && x.device() == Device::Cpu && x.is_contiguous() {
        x.shallow_clone()
    } else {
        x.to_kind(Kind::Float).to_device(Device::Cpu).contiguous()
    };
    let numel = x.numel();
    let rows = numel / m.input().max(1);
    let mut shape = x.size();
    if let Some(last) = shape.last_mut() {
        *last = m.output() as i64;
    }
    let out = Tensor::empty(shape.as_slice(), (Kind::Float, Device::Cpu));
    // SAFETY: both tensors are contiguous float32 on the CPU, of exactly
    // these lengths, and `out` is not aliased while the slice lives.
    unsafe {
        let xs = std::slice::from_raw_parts(x.data_ptr() as *const f32, numel);
        let ys = std::slice::from_raw_parts_mut(out.data_ptr() as *mut f32, rows * m.output());
        m.product(xs, rows, ys);
    }
    out
}

fn tch_error(e: tch::TchError) -> TransformerError {
    TransformerError::Unsupported(format!("int8 packing: {e}"))
}

impl FbgemmMatrix {
    fn product(&self, x: &Tensor, input: i64) -> Tensor {
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
        if x.numel() as i64 == input {
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
        let x = wave(2 * 5 * 64, 0.11).view([2, 5, 64]);
        let want = x.matmul(&w.transpose(0, 1));
        for packing in [Int8Packing::Fbgemm, Int8Packing::Vnni] {
            let m = Int8Matrix::quantize_for(w.copy(), packing).unwrap();
            // Asked for where the CPU lacks VNNI, the VNNI packing is fbgemm's.
            let runs = if int8_vnni::available() {
                packing
            } else {
                Int8Packing::Fbgemm
            };
            assert_eq!(m.packing(), runs);
            let got = m.product(&x);
            assert_eq!(got.size(), [2, 5, 300]);
            // Relative error per output row (column of the result).
            let err = (&got - &want).abs().amax([0i64, 1].as_slice(), false);
            let scale = want.abs().amax([0i64, 1].as_slice(), false);
            let worst = (err / scale).max().double_value(&[]);
            eprintln!("int8 {packing:?}: worst row error {worst:.2e} of the row's largest output");
            assert!(worst < 0.03, "{packing:?}: worst row error {worst}");
        }
    }

    /// One row (a greedy decoding step) is quantized the same way by both
    /// kernels, so their products agree to float32 rounding; several rows
    /// differ only by fbgemm's shared activation scale.
    #[test]
    fn both_int8_kernels_give_the_same_one_row_product() {
        let wave = |n: i64, step: f64| (Tensor::arange(n, (Kind::Float, Device::Cpu)) * step).sin();
        let w = wave(1000 * 96, 0.53).view([1000, 96]);
        if !cpu_has_int8_kernels() {
            // Without AVX2 neither kernel runs: int8 is refused.
            assert!(Int8Matrix::quantize_for(w, Int8Packing::Vnni).is_err());
            return;
        }
        if !int8_vnni::available() {
            // Without VNNI there is one kernel, fbgemm (the test above).
            let m = Int8Matrix::quantize_for(w, Int8Packing::Vnni).unwrap();
            assert_eq!(m.packing(), Int8Packing::Fbgemm);
            return;
        }
        let fbgemm = Int8Matrix::quantize_for(w.copy(), Int8Packing::Fbgemm).unwrap();
        let vnni = Int8Matrix::quantize_for(w.copy(), Int8Packing::Vnni).unwrap();
        let x = wave(96, 0.29).view([1, 96]) - 0.3;
        let (a, b) = (fbgemm.product(&x), vnni.product(&x));
        let scale = a.abs().max().double_value(&[]);
        let diff = (&a - &b).abs().max().double_value(&[]);
        assert!(
            diff <= 1e-5 * scale,
            "one row: kernels differ by {diff} (largest {scale})"
        );
        let x = wave(6 * 96, 0.29).view([2, 3, 96]);
        let want = x.matmul(&w.transpose(0, 1));
        let scale = want.abs().max().double_value(&[]);
        for m in [&fbgemm, &vnni] {
            let diff = (m.product(&x) - &want).abs().max().double_value(&[]);
            assert!(diff < 0.02 * scale, "{:?}: {diff} of {scale}", m.packing());
        }
    }
}
