//! Building blocks of the project's own encoders (DeBERTa-v2, BERT): dense
//! layers that honour [`Precision`], layer norm, dropout (training only), and
//! activations by their transformers names.

use tch::{Device, Kind, Tensor};

use super::dense::{DenseWeight, Int8Matrix, Int8Packing};
use super::device::{Compute, to_device};
use super::weights::SafetensorsFile;
use super::{Precision, TransformerError};

/// An activation function, read from `config.json` by its transformers
/// name (`hidden_act`); an unknown name fails when the config is parsed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Activation {
    /// `gelu`: the exact (erf) GELU.
    #[default]
    Gelu,
    /// `gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`: the tanh approximation.
    GeluTanh,
    Relu,
    Tanh,
}

impl Activation {
    /// The transformers names this engine runs.
    pub const NAMES: [&'static str; 6] = [
        "gelu",
        "gelu_new",
        "gelu_pytorch_tanh",
        "gelu_fast",
        "relu",
        "tanh",
    ];

    pub fn from_name(name: &str) -> Option<Activation> {
        Some(match name {
            "gelu" => Activation::Gelu,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Activation::GeluTanh,
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            _ => return None,
        })
    }

    pub fn apply(self, x: &Tensor) -> Tensor {
        match self {
            Activation::Gelu => x.gelu("none"),
            Activation::GeluTanh => x.gelu("tanh"),
            Activation::Relu => x.relu(),
            Activation::Tanh => x.tanh(),
        }
    }
}

impl TryFrom<String> for Activation {
    type Error = String;

    fn try_from(name: String) -> Result<Activation, String> {
        Activation::from_name(&name).ok_or_else(|| {
            format!(
                "unsupported activation {name:?} (supported: {})",
                Activation::NAMES.join(", ")
            )
        })
    }
}

/// Dropout with probability `p` while training; the identity otherwise.
pub fn dropout(x: &Tensor, p: f64, train: bool) -> Tensor {
    if train && p > 0.0 {
        x.dropout(p, true)
    } else {
        x.shallow_clone()
    }
}

/// A dense layer: its weight in the loader's [`Precision`]
/// ([`DenseWeight`]), its bias float32 and added in float32.
pub struct Linear {
    weight: DenseWeight,
    bias: Option<Tensor>,
}

impl Linear {
    /// A layer of a weight already in its format.
    pub fn from_dense(weight: DenseWeight, bias: Option<Tensor>) -> Linear {
        Linear { weight, bias }
    }

    /// A float32 layer.
    pub fn float(weight: Tensor, bias: Option<Tensor>) -> Linear {
        Linear {
            weight: DenseWeight::Plain(weight),
            bias,
        }
    }

    /// A layer of a float32 `weight` stored in `precision`.
    pub fn new(
        weight: Tensor,
        bias: Option<Tensor>,
        precision: Precision,
    ) -> Result<Linear, TransformerError> {
        Ok(Linear {
            weight: DenseWeight::new(weight, precision)?,
            bias,
        })
    }

    /// The product in the weight's format: bfloat16 out of a bfloat16 layer, for
    /// a result that only feeds the next bfloat16 product (the feed-forward
    /// block's inner activations), saving two conversions of the largest tensor.
    pub fn forward_reduced(&self, x: &Tensor) -> Tensor {
        match self.weight.plain() {
            Some(w) if w.kind() != Kind::Float => {
                let bias = self.bias.as_ref().map(|b| b.to_kind(w.kind()));
                x.to_kind(w.kind()).linear(w, bias.as_ref())
            }
            _ => self.forward(x),
        }
    }

    /// Output rows `[k * size, (k + 1) * size)` as a layer of their own (one
    /// of fused projections): a view, so gradients reach the whole. Only a
    /// float layer has parts (int8 layers are never split).
    pub fn part(&self, k: i64, size: i64) -> Linear {
        let weight = self
            .weight
            .plain()
            .expect("only float32 or bfloat16 layers are split into parts");
        Linear {
            weight: DenseWeight::Plain(weight.narrow(0, k * size, size)),
            bias: self.bias.as_ref().map(|b| b.narrow(0, k * size, size)),
        }
    }

    /// `{prefix}.weight` and `{prefix}.bias`, for training and saving (an
    /// int8 weight is not trainable and is left out).
    pub fn parameters_mut(&mut self, prefix: &str) -> Vec<(String, &mut Tensor)> {
        let mut params = Vec::new();
        if let DenseWeight::Plain(weight) = &mut self.weight {
            params.push((format!("{prefix}.weight"), weight));
        }
        if let Some(bias) = self.bias.as_mut() {
            params.push((format!("{prefix}.bias"), bias));
        }
        params
    }

    pub fn forward(&self, x: &Tensor) -> Tensor {
        if let Some(w) = self.weight.plain().filter(|w| w.kind() == Kind::Float) {
            return x.linear(w, self.bias.as_ref());
        }
        let y = self.weight.product(x);
        match &self.bias {
            Some(bias) => y + bias,
            None => y,
        }
    }
}

pub struct LayerNorm {
    pub weight: Tensor,
    pub bias: Tensor,
    pub eps: f64,
}

impl LayerNorm {
    /// `{prefix}.weight` and `{prefix}.bias`, for training and saving.
    pub fn parameters_mut(&mut self, prefix: &str) -> Vec<(String, &mut Tensor)> {
        vec![
            (format!("{prefix}.weight"), &mut self.weight),
            (format!("{prefix}.bias"), &mut self.bias),
        ]
    }

    pub fn forward(&self, x: &Tensor) -> Tensor {
        let size = *x.size().last().unwrap();
        x.layer_norm(
            [size],
            Some(&self.weight),
            Some(&self.bias),
            self.eps,
            false,
        )
    }
}

/// Reads layers of a checkpoint by their transformers names, in a precision.
pub struct LayerLoader<'a> {
    pub weights: &'a SafetensorsFile,
    pub precision: Precision,
    /// Where every tensor read goes (the CPU keeps mapped views as views).
    pub device: Device,
    /// The architecture, for the error about a missing tensor (`"T5/mT5"`).
    pub architecture: &'static str,
}

impl<'a> LayerLoader<'a> {
    /// `err` for `names`, saying which architecture was expected when one is missing.
    fn explain(&self, names: &[&str], err: TransformerError) -> TransformerError {
        match names.iter().find(|n| !self.weights.contains(n)) {
            Some(name) => TransformerError::Weights {
                path: self.weights.path().to_path_buf(),
                message: format!(
                    "tensor {name} is missing; is this a {} checkpoint saved by transformers?",
                    self.architecture
                ),
            },
            None => err,
        }
    }

    /// A loader of `weights` in `compute`'s precision, onto its device.
    pub fn new(
        weights: &'a SafetensorsFile,
        compute: Compute,
        architecture: &'static str,
    ) -> LayerLoader<'a> {
        LayerLoader {
            weights,
            precision: compute.precision,
            device: compute.device,
            architecture,
        }
    }

    /// A float32 view of the mapped file (norms, embeddings, biases); a copy
    /// on a GPU.
    pub fn view(&self, name: &str, shape: &[i64]) -> Result<Tensor, TransformerError> {
        self.weights
            .view_f32(name, shape)
            .map(|t| to_device(t, self.device))
            .map_err(|e| self.explain(&[name], e))
    }

    /// A weight matrix in float32. One that bf16 or int8 converts is read into
    /// memory instead of viewed, so its float32 pages never become resident.
    pub fn matrix(&self, name: &str, shape: &[i64]) -> Result<Tensor, TransformerError> {
        match self.precision {
            Precision::F32 => self.view(name, shape),
            Precision::Bf16 | Precision::Int8 => Ok(to_device(
                self.weights
                    .read(name, shape)
                    .map_err(|e| self.explain(&[name], e))?
                    .to_kind(Kind::Float),
                self.device,
            )),
        }
    }

    /// A dense layer's weight matrix in the loader's precision; an int8 one is
    /// quantized from the file a few thousand rows at a time.
    pub fn dense(&self, name: &str, shape: &[i64]) -> Result<DenseWeight, TransformerError> {
        if self.precision != Precision::Int8 {
            return DenseWeight::new(self.matrix(name, shape)?, self.precision);
        }
        if self.device != Device::Cpu {
            return Err(TransformerError::Unsupported(
                "int8 layers run on the CPU only (CPU int8 kernels); load with --device cpu".into(),
            ));
        }
        Int8Matrix::quantize_rows(
            shape[0],
            shape[1],
            Int8Packing::for_this_cpu(),
            |start, rows| {
                self.weights
                    .read_rows(name, shape, start, rows)
                    .map_err(|e| self.explain(&[name], e))
            },
        )
        .map(DenseWeight::Int8)
    }

    /// Tensors `names`, each of `shape`, stacked along the first dimension
    /// (read into memory, float32).
    pub fn stacked(&self, names: &[String], shape: &[i64]) -> Result<Tensor, TransformerError> {
        self.weights
            .read_stacked_f32(names, shape)
            .map(|t| to_device(t, self.device))
            .map_err(|e| {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                self.explain(&names, e)
            })
    }

    /// `{prefix}.weight` `[output, input]` and `{prefix}.bias` in the loader's precision.
    pub fn linear(
        &self,
        prefix: &str,
        input: i64,
        output: i64,
    ) -> Result<Linear, TransformerError> {
        let weight = self.dense(&format!("{prefix}.weight"), &[output, input])?;
        let bias = self.view(&format!("{prefix}.bias"), &[output])?;
        Ok(Linear::from_dense(weight, Some(bias)))
    }

    /// The same in float32 whatever the precision (small heads).
    pub fn linear_f32(
        &self,
        prefix: &str,
        input: i64,
        output: i64,
    ) -> Result<Linear, TransformerError> {
        let weight = self.view(&format!("{prefix}.weight"), &[output, input])?;
        self.with_bias(prefix, weight, output, Precision::F32)
    }

    fn with_bias(
        &self,
        prefix: &str,
        weight: Tensor,
        output: i64,
        precision: Precision,
    ) -> Result<Linear, TransformerError> {
        let bias = self.view(&format!("{prefix}.bias"), &[output])?;
        Linear::new(weight, Some(bias), precision)
    }

    /// Several dense layers of one input as one product (outputs concatenated).
    pub fn fused_linear(
        &self,
        prefixes: &[String],
        input: i64,
        output: i64,
    ) -> Result<Linear, TransformerError> {
        let names = |part: &str| -> Vec<String> {
            prefixes.iter().map(|p| format!("{p}.{part}")).collect()
        };
        Linear::new(
            self.stacked(&names("weight"), &[output, input])?,
            Some(self.stacked(&names("bias"), &[output])?),
            self.precision,
        )
    }

    pub fn layer_norm(
        &self,
        prefix: &str,
        size: i64,
        eps: f64,
    ) -> Result<LayerNorm, TransformerError> {
        Ok(LayerNorm {
            weight: self.view(&format!("{prefix}.weight"), &[size])?,
            bias: self.view(&format!("{prefix}.bias"), &[size])?,
            eps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tensor_names_the_expected_architecture() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let w = Tensor::ones([2, 2], (Kind::Float, Device::Cpu));
        Tensor::write_safetensors(&[("a.weight", &w), ("a.bias", &w.get(0))], file.path()).unwrap();
        let weights = SafetensorsFile::open(file.path()).unwrap();
        let load = LayerLoader::new(&weights, Precision::Bf16.into(), "T5/mT5");
        let linear = load.linear("a", 2, 2).unwrap();
        let y = linear.forward(&Tensor::ones([1, 2], (Kind::Float, Device::Cpu)));
        assert_eq!(y.kind(), Kind::Float);
        assert!(y.allclose(
            &Tensor::full([1, 2], 3.0, (Kind::Float, Device::Cpu)),
            0.0,
            0.0,
            false
        ));
        let err = load.matrix("b.weight", &[2, 2]).err().unwrap().to_string();
        assert!(
            err.contains("tensor b.weight is missing; is this a T5/mT5 checkpoint"),
            "{err}"
        );
        let stacked = load
            .stacked(&["a.weight".into(), "c.weight".into()], &[2, 2])
            .err()
            .unwrap()
            .to_string();
        assert!(stacked.contains("tensor c.weight is missing"), "{stacked}");
    }

    #[test]
    fn activations_are_parsed_once_by_their_transformers_names() {
        let parse = |json: &str| serde_json::from_str::<Activation>(json);
        assert_eq!(parse(r#""gelu""#).unwrap(), Activation::Gelu);
        assert_eq!(
            parse(r#""gelu_pytorch_tanh""#).unwrap(),
            Activation::GeluTanh
        );
        assert_eq!(parse(r#""relu""#).unwrap(), Activation::Relu);
        let err = parse(r#""swish""#).unwrap_err().to_string();
        assert!(
            err.contains("unsupported activation \"swish\"") && err.contains("gelu_new"),
            "{err}"
        );
        let x = Tensor::from_slice(&[-1.0f32, 0.5]);
        assert!(
            Activation::GeluTanh
                .apply(&x)
                .allclose(&x.gelu("tanh"), 0.0, 0.0, false)
        );
        assert!(
            Activation::Relu
                .apply(&x)
                .allclose(&x.relu(), 0.0, 0.0, false)
        );
    }
}
