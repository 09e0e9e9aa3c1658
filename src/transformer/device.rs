//! Where a model's tensors live: the CPU (the default) or a CUDA GPU.
//!
//! [`resolve`] turns the user's [`DeviceChoice`] into a libtorch device,
//! with an error that says what to do where no GPU is visible. A model
//! loaded with a [`Compute`] on a GPU keeps its weights there; its forward
//! passes move their inputs to the weights' device ([`on_device_of`]), so
//! callers build token-id tensors on the CPU whatever the device, and read
//! results back with `Vec::try_from`/`double_value`, which copy to the CPU.
//!
//! int8 runs on CPU kernels only, so it is refused on a GPU; bf16 is
//! native there. The GPU path runs the same code as the CPU path; only the
//! CPU path is covered by this repository's tests.

use tch::{Device, Tensor};

use super::Precision;
use super::error::TransformerError;
use super::model_dir::ModelDir;
use crate::engine::DeviceChoice;

/// How a model computes: the number format of its dense layers and the
/// device its tensors live on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compute {
    pub precision: Precision,
    pub device: Device,
}

impl Compute {
    pub fn new(precision: Precision, device: Device) -> Compute {
        Compute { precision, device }
    }
}

/// A precision alone runs on the CPU, as every model did before devices.
impl From<Precision> for Compute {
    fn from(precision: Precision) -> Compute {
        Compute {
            precision,
            device: Device::Cpu,
        }
    }
}

/// The libtorch device for `choice`, checked against what libtorch sees and
/// against `precision` (int8 is CPU-only).
pub fn resolve(choice: DeviceChoice, precision: Precision) -> Result<Device, TransformerError> {
    let device = match choice {
        DeviceChoice::Cpu => Device::Cpu,
        // int8 has CPU kernels only: auto keeps it there.
        DeviceChoice::Auto if precision == Precision::Int8 => Device::Cpu,
        DeviceChoice::Auto => Device::cuda_if_available(),
        DeviceChoice::Cuda(index) => {
            let visible = cuda_devices();
            if visible == 0 {
                return Err(TransformerError::Unsupported(format!(
                    "--device {choice}: libtorch sees no CUDA GPU here (no NVIDIA driver or GPU, \
                     or a libtorch built without CUDA; scripts/setup installs PyPI's CUDA build \
                     of torch). Use --device cpu, or --device auto to take a GPU only where \
                     there is one"
                )));
            }
            if index >= visible {
                return Err(TransformerError::Unsupported(format!(
                    "--device {choice}: libtorch sees {visible} CUDA GPU(s), numbered 0 to {}",
                    visible - 1
                )));
            }
            Device::Cuda(index)
        }
    };
    if device != Device::Cpu && precision == Precision::Int8 {
        return Err(TransformerError::Unsupported(format!(
            "int8 runs on CPU kernels only; on the GPU ({choice}) use bf16 or f32 \
             (--precision, or --summary-precision / --stance-precision for one model), or \
             --device cpu for int8"
        )));
    }
    Ok(device)
}

/// The error for a model whose network runs on the CPU only (those rust-bert
/// runs: BART, Pegasus, XLM-R, BART-MNLI).
pub fn cpu_only(dir: &ModelDir, supported: &str) -> TransformerError {
    TransformerError::Config {
        path: dir.config_path(),
        message: format!(
            "a GPU runs {supported} only; this one is {}: use --device cpu",
            dir.model_type
        ),
    }
}

/// The CPU, for serde defaults of configs that carry a device.
pub fn cpu() -> Device {
    Device::Cpu
}

/// CUDA GPUs libtorch can use (0 without a driver or a CUDA build).
pub fn cuda_devices() -> usize {
    if tch::Cuda::is_available() {
        tch::Cuda::device_count().max(0) as usize
    } else {
        0
    }
}

/// `tensor` on the device of `weights` (a shallow copy when it is there already).
pub fn on_device_of(tensor: &Tensor, weights: &Tensor) -> Tensor {
    let device = weights.device();
    if tensor.device() == device {
        tensor.shallow_clone()
    } else {
        tensor.to_device(device)
    }
}

/// `tensor` on `device`, without a copy when it is there already. Weights
/// viewed from a memory-mapped file stay views on the CPU.
pub fn to_device(tensor: Tensor, device: Device) -> Tensor {
    if tensor.device() == device {
        tensor
    } else {
        tensor.to_device(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_resolves_to_the_cpu_in_every_precision() {
        for precision in [Precision::F32, Precision::Bf16, Precision::Int8] {
            assert_eq!(resolve(DeviceChoice::Cpu, precision).unwrap(), Device::Cpu);
        }
    }

    #[test]
    fn a_missing_gpu_is_a_clear_error_and_auto_falls_back() {
        let visible = cuda_devices();
        // Past the last visible GPU is always an error, with or without GPUs.
        let err = resolve(DeviceChoice::Cuda(visible), Precision::F32).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&format!("cuda:{visible}")), "{text}");
        if visible == 0 {
            assert!(text.contains("--device cpu"), "{text}");
            assert_eq!(
                resolve(DeviceChoice::Auto, Precision::Int8).unwrap(),
                Device::Cpu
            );
        } else {
            assert_eq!(
                resolve(DeviceChoice::Auto, Precision::F32).unwrap(),
                Device::Cuda(0)
            );
            assert_eq!(
                resolve(DeviceChoice::Auto, Precision::Int8).unwrap(),
                Device::Cpu
            );
            let err = resolve(DeviceChoice::Cuda(0), Precision::Int8).unwrap_err();
            assert!(err.to_string().contains("int8"), "{err}");
        }
    }

    #[test]
    fn inputs_follow_the_weights() {
        let weights = Tensor::ones([2], (tch::Kind::Float, Device::Cpu));
        let ids = Tensor::from_slice(&[1i64, 2]);
        assert_eq!(on_device_of(&ids, &weights).device(), weights.device());
    }
}
