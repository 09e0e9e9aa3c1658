//! Number format of the transformer models' large matrix products, chosen
//! on the command line, named in records, and honoured by every transformer
//! layer ([`crate::transformer`] multiplies in it).

/// Number format of the large matrix products.
///
/// `F32` (the default) reproduces Hugging Face transformers' float32 outputs
/// to about 1e-6. `Bf16` stores the weights of the dense layers in bfloat16
/// and multiplies in bfloat16 with float32 accumulation; norms, softmax,
/// attention and position terms stay float32. On CPUs with AVX512-BF16 or AMX
/// that is several times faster; probabilities move by about 1e-2, so records
/// name the precision with the engine and runs of either kind are not mixed.
/// `Int8` quantizes the dense layers' weights per output row and multiplies
/// on the project's AVX-512 VNNI kernel, or fbgemm's dynamic int8 kernels on
/// other x86-64 CPUs with AVX2 (`transformer::dense`); everything else
/// stays float32. It reads a quarter of float32's bytes per decoding step;
/// outputs move by about 1e-2 relative.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    Bf16,
    Int8,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> Result<Precision, String> {
        match s.to_ascii_lowercase().as_str() {
            "f32" | "fp32" | "float32" => Ok(Precision::F32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            "int8" => Ok(Precision::Int8),
            _ => Err(format!("unknown precision {s:?}: use f32, bf16 or int8")),
        }
    }
}

/// Whether the CPU multiplies bfloat16 natively (else libtorch emulates it, slowly).
pub fn cpu_has_fast_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // CPUs with AMX also have AVX512-BF16.
        std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("bf16")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
