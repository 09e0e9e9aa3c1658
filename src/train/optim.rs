//! AdamW (Loshchilov and Hutter) as `torch.optim.AdamW` computes it, with
//! gradient-norm clipping and a linear warm-up then linear decay of the
//! learning rate, as transformers' Trainer schedules it. Written here rather
//! than taken from tch so its moments can be checkpointed and resumed.

use std::collections::HashMap;
use std::path::Path;

use tch::{Kind, Tensor};

use super::TrainError;

/// Optimizer settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Gradients are scaled down to this total L2 norm (0 turns it off).
    pub max_grad_norm: f64,
}

impl Default for AdamWConfig {
    fn default() -> AdamWConfig {
        AdamWConfig {
            lr: 5e-5,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            max_grad_norm: 1.0,
        }
    }
}

/// The trainable parameters and their moments.
pub struct AdamW {
    config: AdamWConfig,
    /// `(name, parameter, first moment, second moment)`.
    params: Vec<(String, Tensor, Tensor, Tensor)>,
    /// Steps taken.
    pub step: u64,
}

impl AdamW {
    /// An optimizer over `params` (tensors that require grad).
    pub fn new(config: AdamWConfig, params: Vec<(String, Tensor)>) -> AdamW {
        let params = params
            .into_iter()
            .map(|(name, p)| {
                let m = p.zeros_like();
                let v = p.zeros_like();
                (name, p, m, v)
            })
            .collect();
        AdamW {
            config,
            params,
            step: 0,
        }
    }

    /// Number of trainable values.
    pub fn numel(&self) -> usize {
        self.params.iter().map(|(_, p, _, _)| p.numel()).sum()
    }

    pub fn zero_grad(&mut self) {
        for (_, p, _, _) in &mut self.params {
            p.zero_grad();
        }
    }

    /// One update at learning rate `lr` from the gradients of the last backward pass.
    pub fn step(&mut self, lr: f64) {
        let _guard = tch::no_grad_guard();
        let c = self.config;
        self.step += 1;
        let grads: Vec<Tensor> = self
            .params
            .iter()
            .map(|(_, p, _, _)| {
                let g = p.grad();
                if g.defined() { g } else { p.zeros_like() }
            })
            .collect();
        if c.max_grad_norm > 0.0 {
            let total = grads
                .iter()
                .map(|g| g.pow_tensor_scalar(2).sum(Kind::Float).double_value(&[]))
                .sum::<f64>()
                .sqrt();
            // torch.nn.utils.clip_grad_norm_'s coefficient.
            let coef = c.max_grad_norm / (total + 1e-6);
            if coef < 1.0 {
                for g in &grads {
                    let _ = g.shallow_clone().g_mul_scalar_(coef);
                }
            }
        }
        let bias1 = 1.0 - c.beta1.powi(self.step as i32);
        let bias2 = 1.0 - c.beta2.powi(self.step as i32);
        let step_size = lr / bias1;
        for ((_, p, m, v), g) in self.params.iter_mut().zip(&grads) {
            if c.weight_decay > 0.0 {
                let _ = p.g_mul_scalar_(1.0 - lr * c.weight_decay);
            }
            let _ = m.g_mul_scalar_(c.beta1);
            let _ = m.g_add_(&(g * (1.0 - c.beta1)));
            let _ = v.g_mul_scalar_(c.beta2);
            let _ = v.g_add_(&(g * g * (1.0 - c.beta2)));
            let denom = (&*v / bias2).sqrt() + c.eps;
            let _ = p.g_sub_(&(&*m / denom * step_size));
        }
    }

    /// Writes the moments and the step count to `path` (safetensors).
    pub fn save(&self, path: &Path) -> Result<(), TrainError> {
        let step = Tensor::from_slice(&[self.step as i64]);
        let mut tensors: Vec<(String, &Tensor)> = vec![("step".into(), &step)];
        for (name, _, m, v) in &self.params {
            tensors.push((format!("m.{name}"), m));
            tensors.push((format!("v.{name}"), v));
        }
        Tensor::write_safetensors(&tensors, path).map_err(|e| TrainError::io(path, e))
    }

    /// Restores what [`Self::save`] wrote.
    pub fn load(&mut self, path: &Path) -> Result<(), TrainError> {
        let saved: HashMap<String, Tensor> = Tensor::read_safetensors(path)
            .map_err(|e| TrainError::io(path, e))?
            .into_iter()
            .collect();
        let get = |name: &str| {
            saved.get(name).ok_or_else(|| TrainError::Checkpoint {
                path: path.to_path_buf(),
                message: format!("{name} is missing; the checkpoint is from another run"),
            })
        };
        self.step = get("step")?.int64_value(&[0]) as u64;
        let _guard = tch::no_grad_guard();
        for (name, _, m, v) in &mut self.params {
            m.copy_(get(&format!("m.{name}"))?);
            v.copy_(get(&format!("v.{name}"))?);
        }
        Ok(())
    }
}

/// Linear warm-up over `warmup` steps to `peak`, then linear decay to 0 at
/// `total` (transformers' `get_linear_schedule_with_warmup`).
pub fn linear_lr(peak: f64, step: u64, warmup: u64, total: u64) -> f64 {
    if step < warmup {
        return peak * step as f64 / warmup.max(1) as f64;
    }
    let remaining = total.saturating_sub(step) as f64;
    let span = total.saturating_sub(warmup).max(1) as f64;
    peak * (remaining / span).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_warms_up_then_decays_to_zero() {
        assert_eq!(linear_lr(1.0, 0, 10, 110), 0.0);
        assert!((linear_lr(1.0, 5, 10, 110) - 0.5).abs() < 1e-12);
        assert!((linear_lr(1.0, 10, 10, 110) - 1.0).abs() < 1e-12);
        assert!((linear_lr(1.0, 60, 10, 110) - 0.5).abs() < 1e-12);
        assert_eq!(linear_lr(1.0, 110, 10, 110), 0.0);
        assert!((linear_lr(2.0, 0, 0, 4) - 2.0).abs() < 1e-12);
    }

    /// Two steps against torch.optim.AdamW(lr=0.1, weight_decay=0.01) on
    /// p = [1, -2], loss = sum(p^2) (values computed with torch 2.4).
    #[test]
    fn adamw_matches_torch() {
        let p = Tensor::from_slice(&[1.0f32, -2.0]).set_requires_grad(true);
        let mut opt = AdamW::new(
            AdamWConfig {
                weight_decay: 0.01,
                max_grad_norm: 0.0,
                ..AdamWConfig::default()
            },
            vec![("p".into(), p.shallow_clone())],
        );
        for _ in 0..2 {
            opt.zero_grad();
            (&p * &p).sum(Kind::Float).backward();
            opt.step(0.1);
        }
        let got: Vec<f32> = Vec::<f32>::try_from(&p.detach()).unwrap();
        let want = [EXPECTED[0], EXPECTED[1]];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
        }
    }

    const EXPECTED: [f32; 2] = [0.798_519_1, -1.796_272_6];
}
