//! Fused optimizer updates: one call updates every parameter (and its slot variables) in
//! place, so a training step spends no time in per-parameter Python loops.
//!
//! Each rule follows Keras 3's update formulas; the per-step scalars that depend only on the
//! step count (bias corrections, Nadam's momentum schedule) are computed by the caller and
//! passed in `Hyper`.

use crate::cpu::num::Float;
use crate::cpu::parallel::PARALLEL_MIN_ELEMENTS;
use crate::cpu::simd::levels::vectorized;
use crate::cpu::team::{self, SharedMut};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ops::elementwise::cast_untracked;
use crate::storage::CpuBuffer;
use crate::tensor::Tensor;

/// The update rules and how many slot variables each keeps per parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// slots: [] or [momentum]; hyper: lr, momentum, nesterov(0/1)
    Sgd,
    /// slots: [m, v] or, with amsgrad, [m, v, vhat]; hyper: lr_t (bias-corrected), beta1, beta2, epsilon
    Adam,
    /// slots: [velocity, momentum, average_grad]; hyper: lr, rho, momentum, epsilon, centered(0/1)
    RmsProp,
    /// slots: [accumulator]; hyper: lr, epsilon
    Adagrad,
    /// slots: [accumulated_grad, accumulated_delta]; hyper: lr, rho, epsilon
    Adadelta,
    /// slots: [m, u]; hyper: lr_t (lr / (1 - beta1^t)), beta1, beta2, epsilon
    Adamax,
    /// slots: [m, v]; hyper: lr, beta1, beta2, epsilon, u_t, u_t1, u_prod_t, u_prod_t1, beta2_power
    Nadam,
    /// slots: [accumulator, linear]; hyper: lr, lr_power, l1, l2 (incl. beta/(2 lr)), l2_shrinkage
    Ftrl,
}

impl Rule {
    pub fn parse(name: &str) -> Result<Rule> {
        Ok(match name {
            "sgd" => Rule::Sgd,
            "adam" => Rule::Adam,
            "rmsprop" => Rule::RmsProp,
            "adagrad" => Rule::Adagrad,
            "adadelta" => Rule::Adadelta,
            "adamax" => Rule::Adamax,
            "nadam" => Rule::Nadam,
            "ftrl" => Rule::Ftrl,
            other => return Err(Error::Value(format!("unknown optimizer update rule '{other}'"))),
        })
    }
}

/// Runs `f(w, g, slots...)` over aligned chunks, on both cores for large parameters. The
/// closures are monomorphic per rule and dtype, so the loops vectorize (with the machine's
/// widest SIMD: `vectorized`).
fn for_chunks<T: Copy + Send + Sync, const K: usize>(w: &mut [T], g: &[T], slots: [&mut [T]; K], f: impl Fn(&mut [T], &[T], [&mut [T]; K]) + Sync) {
    let n = w.len();
    if n < PARALLEL_MIN_ELEMENTS || slots.iter().any(|s| s.len() != n) || g.len() != n {
        vectorized(|| f(w, g, slots));
        return;
    }
    let chunk = n.div_ceil(team::threads() * 2).max(1024);
    let slot_ptrs = slots.map(|s| SharedMut(s.as_mut_ptr()));
    team::chunks_mut(w, chunk, |i, wc| {
        let r = i * chunk..i * chunk + wc.len();
        // SAFETY: every slot has n elements (checked above) and the pieces' ranges are disjoint.
        let sc = slot_ptrs.map(|p| unsafe { std::slice::from_raw_parts_mut(p.get().add(r.start), r.len()) });
        vectorized(|| f(wc, &g[r], sc))
    });
}

fn take_slots<'a, T, const K: usize>(slots: &'a mut [&mut [T]], rule: Rule) -> Result<[&'a mut [T]; K]> {
    let v: Vec<&mut [T]> = slots.iter_mut().map(|s| &mut **s).collect();
    let n = v.len();
    v.try_into().map_err(|_| Error::Value(format!("optimizer rule {rule:?} expects {K} slot variables per parameter, got {n}")))
}

/// Updates `w` in place from `g` and the rule's slot buffers.
fn update_buffer<T: Float>(rule: Rule, w: &mut [T], g: &[T], slots: &mut [&mut [T]], h: &[f64]) -> Result<()> {
    let hp = |i: usize| -> Result<T> {
        h.get(i).map(|&v| T::from_f64(v)).ok_or_else(|| Error::Value(format!("optimizer rule {rule:?}: missing hyper-parameter {i}")))
    };
    let one = T::one();
    match rule {
        Rule::Sgd => {
            let (lr, momentum, nesterov) = (hp(0)?, hp(1)?, h.get(2).copied().unwrap_or(0.0) != 0.0);
            if slots.is_empty() {
                for_chunks(w, g, [], |w, g, []| {
                    for (w, &g) in w.iter_mut().zip(g) {
                        *w = *w - lr * g;
                    }
                });
            } else {
                for_chunks(w, g, take_slots::<T, 1>(slots, rule)?, |w, g, [m]| {
                    for ((w, &g), m) in w.iter_mut().zip(g).zip(m.iter_mut()) {
                        *m = momentum * *m - lr * g;
                        *w = if nesterov { *w + momentum * *m - lr * g } else { *w + *m };
                    }
                });
            }
        }
        Rule::Adam => {
            let (lr_t, b1, b2, eps) = (hp(0)?, hp(1)?, hp(2)?, hp(3)?);
            let (c1, c2) = (one - b1, one - b2);
            if slots.len() == 3 {
                for_chunks(w, g, take_slots::<T, 3>(slots, rule)?, |w, g, [m, v, vh]| {
                    for i in 0..w.len() {
                        m[i] = m[i] + (g[i] - m[i]) * c1;
                        v[i] = v[i] + (g[i] * g[i] - v[i]) * c2;
                        vh[i] = vh[i].maximum(v[i]);
                        w[i] = w[i] - lr_t * m[i] / (vh[i].sqrt() + eps);
                    }
                });
            } else {
                for_chunks(w, g, take_slots::<T, 2>(slots, rule)?, |w, g, [m, v]| {
                    for i in 0..w.len() {
                        m[i] = m[i] + (g[i] - m[i]) * c1;
                        v[i] = v[i] + (g[i] * g[i] - v[i]) * c2;
                        w[i] = w[i] - lr_t * m[i] / (v[i].sqrt() + eps);
                    }
                });
            }
        }
        Rule::RmsProp => {
            let (lr, rho, momentum, eps, centered) = (hp(0)?, hp(1)?, hp(2)?, hp(3)?, h.get(4).copied().unwrap_or(0.0) != 0.0);
            let c = one - rho;
            let use_momentum = h.get(2).copied().unwrap_or(0.0) > 0.0;
            for_chunks(w, g, take_slots::<T, 3>(slots, rule)?, |w, g, [vel, mom, avg]| {
                for i in 0..w.len() {
                    vel[i] = rho * vel[i] + c * g[i] * g[i];
                    let denom = if centered {
                        avg[i] = rho * avg[i] + c * g[i];
                        vel[i] - avg[i] * avg[i] + eps
                    } else {
                        vel[i] + eps
                    };
                    let inc = lr * g[i] / denom.sqrt();
                    if use_momentum {
                        mom[i] = momentum * mom[i] + inc;
                        w[i] = w[i] - mom[i];
                    } else {
                        w[i] = w[i] - inc;
                    }
                }
            });
        }
        Rule::Adagrad => {
            let (lr, eps) = (hp(0)?, hp(1)?);
            for_chunks(w, g, take_slots::<T, 1>(slots, rule)?, |w, g, [acc]| {
                for i in 0..w.len() {
                    acc[i] = acc[i] + g[i] * g[i];
                    w[i] = w[i] - lr * g[i] / (acc[i] + eps).sqrt();
                }
            });
        }
        Rule::Adadelta => {
            let (lr, rho, eps) = (hp(0)?, hp(1)?, hp(2)?);
            let c = one - rho;
            for_chunks(w, g, take_slots::<T, 2>(slots, rule)?, |w, g, [ag, ad]| {
                for i in 0..w.len() {
                    ag[i] = rho * ag[i] + c * g[i] * g[i];
                    let delta = (ad[i] + eps).sqrt() / (ag[i] + eps).sqrt() * g[i];
                    ad[i] = rho * ad[i] + c * delta * delta;
                    w[i] = w[i] - lr * delta;
                }
            });
        }
        Rule::Adamax => {
            let (lr_t, b1, b2, eps) = (hp(0)?, hp(1)?, hp(2)?, hp(3)?);
            let c1 = one - b1;
            for_chunks(w, g, take_slots::<T, 2>(slots, rule)?, |w, g, [m, u]| {
                for i in 0..w.len() {
                    m[i] = m[i] + (g[i] - m[i]) * c1;
                    u[i] = (b2 * u[i]).maximum(g[i].abs());
                    w[i] = w[i] - lr_t * m[i] / (u[i] + eps);
                }
            });
        }
        Rule::Nadam => {
            let (lr, b1, b2, eps) = (hp(0)?, hp(1)?, hp(2)?, hp(3)?);
            let (u_t, u_t1, u_prod_t, u_prod_t1, b2_pow) = (hp(4)?, hp(5)?, hp(6)?, hp(7)?, hp(8)?);
            let (c1, c2) = (one - b1, one - b2);
            let (a, b) = (u_t1 / (one - u_prod_t1), (one - u_t) / (one - u_prod_t));
            let vc = one / (one - b2_pow);
            for_chunks(w, g, take_slots::<T, 2>(slots, rule)?, |w, g, [m, v]| {
                for i in 0..w.len() {
                    m[i] = m[i] + (g[i] - m[i]) * c1;
                    v[i] = v[i] + (g[i] * g[i] - v[i]) * c2;
                    let m_hat = a * m[i] + b * g[i];
                    w[i] = w[i] - lr * m_hat / ((v[i] * vc).sqrt() + eps);
                }
            });
        }
        Rule::Ftrl => {
            let (lr, lr_power, l1, l2, l2_shrinkage) = (hp(0)?, hp(1)?, hp(2)?, hp(3)?, hp(4)?);
            let two = one + one;
            let neg_power = T::zero() - lr_power;
            for_chunks(w, g, take_slots::<T, 2>(slots, rule)?, |w, g, [acc, lin]| {
                for i in 0..w.len() {
                    let gs = g[i] + two * l2_shrinkage * w[i];
                    let new_acc = acc[i] + g[i] * g[i];
                    lin[i] = lin[i] + gs - (new_acc.pow(neg_power) - acc[i].pow(neg_power)) / lr * w[i];
                    let quadratic = new_acc.pow(neg_power) / lr + two * l2;
                    let clipped = lin[i].maximum(T::zero() - l1).minimum(l1);
                    acc[i] = new_acc;
                    w[i] = (clipped - lin[i]) / quadratic;
                }
            });
        }
    }
    Ok(())
}

/// Applies one step of `rule` to every parameter with a gradient. `slots[i]` are parameter
/// i's slot tensors (same shape and dtype); all are updated in place (copy-on-write).
pub fn apply(rule: Rule, params: &mut [&mut Tensor], grads: &[Option<Tensor>], slots: &mut [Vec<&mut Tensor>], hyper: &[f64]) -> Result<()> {
    if params.len() != grads.len() || params.len() != slots.len() {
        return Err(Error::Value(format!(
            "optimizer update: {} parameters, {} gradients and {} slot lists must match",
            params.len(),
            grads.len(),
            slots.len()
        )));
    }
    for ((p, g), s) in params.iter_mut().zip(grads).zip(slots.iter_mut()) {
        let Some(g) = g else { continue };
        if g.shape() != p.shape() {
            return Err(Error::Shape(format!(
                "optimizer update: gradient of shape {:?} for a variable of shape {:?}",
                g.shape(),
                p.shape()
            )));
        }
        if s.len() > 3 {
            return Err(Error::Value("optimizer update: at most three slots per variable".into()));
        }
        let dtype = p.dtype();
        for slot in s.iter() {
            if slot.shape() != p.shape() || slot.dtype() != dtype {
                return Err(Error::Shape(format!(
                    "optimizer update: slot of shape {:?} ({}) for a variable of shape {:?} ({dtype})",
                    slot.shape(),
                    slot.dtype(),
                    p.shape()
                )));
            }
        }
        if p.device().is_gpu() {
            crate::wgpu::optim::update(rule, p, g, s, hyper)?;
            continue;
        }
        let g = cast_untracked(g, dtype)?.contiguous()?;
        let mut slot_bufs: Vec<&mut CpuBuffer> = Vec::with_capacity(s.len());
        for slot in s.iter_mut() {
            slot_bufs.push(slot.storage_mut()?);
        }
        let wbuf = p.storage_mut()?;
        match (dtype, wbuf) {
            (DType::F32, CpuBuffer::F32(w)) => {
                let gv = g.as_slice::<f32>()?;
                let mut sv: Vec<&mut [f32]> = slot_bufs
                    .into_iter()
                    .map(|b| match b {
                        CpuBuffer::F32(v) => Ok(v.as_mut_slice()),
                        _ => Err(Error::DType("optimizer slot dtype mismatch".into())),
                    })
                    .collect::<Result<_>>()?;
                update_buffer(rule, w, gv, &mut sv, hyper)?;
            }
            (DType::F64, CpuBuffer::F64(w)) => {
                let gv = g.as_slice::<f64>()?;
                let mut sv: Vec<&mut [f64]> = slot_bufs
                    .into_iter()
                    .map(|b| match b {
                        CpuBuffer::F64(v) => Ok(v.as_mut_slice()),
                        _ => Err(Error::DType("optimizer slot dtype mismatch".into())),
                    })
                    .collect::<Result<_>>()?;
                update_buffer(rule, w, gv, &mut sv, hyper)?;
            }
            _ => return Err(Error::DType(format!("optimizer update: variables must be float32 or float64, got {dtype}"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_momentum_matches_formula() {
        let mut w = Tensor::from_vec(vec![1.0f32, 2.0], &[2]).unwrap();
        let mut m = Tensor::from_vec(vec![0.0f32, 0.0], &[2]).unwrap();
        let g = Tensor::from_vec(vec![0.5f32, -1.0], &[2]).unwrap();
        apply(Rule::Sgd, &mut [&mut w], &[Some(g)], &mut [vec![&mut m]], &[0.1, 0.9, 0.0]).unwrap();
        assert_eq!(w.to_vec::<f32>().unwrap(), vec![0.95, 2.1]);
        assert_eq!(m.to_vec::<f32>().unwrap(), vec![-0.05, 0.1]);
    }

    #[test]
    fn shared_storage_is_copied_not_written() {
        let mut w = Tensor::from_vec(vec![1.0f32; 4], &[4]).unwrap();
        let snapshot = w.clone();
        let g = Tensor::from_vec(vec![1.0f32; 4], &[4]).unwrap();
        apply(Rule::Sgd, &mut [&mut w], &[Some(g)], &mut [vec![]], &[0.5, 0.0, 0.0]).unwrap();
        assert_eq!(snapshot.to_vec::<f32>().unwrap(), vec![1.0; 4]);
        assert_eq!(w.to_vec::<f32>().unwrap(), vec![0.5; 4]);
    }
}
