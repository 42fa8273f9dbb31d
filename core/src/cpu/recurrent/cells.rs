//! The per-step gate kernels of SimpleRNN, LSTM and GRU (Keras' formulas and gate orders),
//! forward and backward, over a whole batch at once. Each forward step writes the activated
//! gates it will need again into `acts`; each backward step turns the gradient of the new
//! state into gradients of the input projection (`dxs`) and of the recurrent projection
//! (`drec`), which the driver multiplies by the weights.

use super::activation::derivative_into;
use super::{Cell, Dims, RnnFloat, StepBackward, StepForward};
use crate::cpu::matmul::gemm;
use crate::ops::recurrent::RnnActivation;

/// h = act(x W + h_prev U + b).
pub struct SimpleRnnCell {
    pub activation: RnnActivation,
}

impl<T: RnnFloat> Cell<T> for SimpleRnnCell {
    fn gates(&self) -> usize {
        1
    }
    fn act_blocks(&self) -> usize {
        1 // h
    }
    fn rec_grad_is_input_grad(&self) -> bool {
        true
    }

    fn forward_step(&self, s: StepForward<'_, T>) {
        T::activate_sum(self.activation, s.xs, s.rec, s.acts);
        s.h_new.copy_from_slice(s.acts);
    }

    fn backward_step(&self, s: StepBackward<'_, T>) {
        derivative_into(self.activation, s.acts, s.dxs);
        for (dp, &dh) in s.dxs.iter_mut().zip(s.dh) {
            *dp = *dp * dh;
        }
    }
}

/// Keras' LSTM: gates i, f, c, o; c = f c_prev + i act(z_c); h = o act(c).
pub struct LstmCell {
    pub activation: RnnActivation,
    pub recurrent_activation: RnnActivation,
}

impl<T: RnnFloat> Cell<T> for LstmCell {
    fn gates(&self) -> usize {
        4
    }
    fn has_carry(&self) -> bool {
        true
    }
    fn act_blocks(&self) -> usize {
        5 // i, f, g (the candidate), o, act(c)
    }
    fn scratch_len(&self, _batch: usize, units: usize) -> usize {
        units // act'(c) of one sample (backward)
    }
    fn rec_grad_is_input_grad(&self) -> bool {
        true
    }

    fn forward_step(&self, s: StepForward<'_, T>) {
        let u = s.units;
        for b in 0..s.batch {
            let a = &mut s.acts[b * 5 * u..(b + 1) * 5 * u];
            let (x, r) = (&s.xs[b * 4 * u..(b + 1) * 4 * u], &s.rec[b * 4 * u..(b + 1) * 4 * u]);
            T::activate_sum(self.recurrent_activation, &x[..2 * u], &r[..2 * u], &mut a[..2 * u]);
            T::activate_sum(self.activation, &x[2 * u..3 * u], &r[2 * u..3 * u], &mut a[2 * u..3 * u]);
            T::activate_sum(self.recurrent_activation, &x[3 * u..], &r[3 * u..], &mut a[3 * u..4 * u]);
            let (gates, tc) = a.split_at_mut(4 * u);
            let c_prev = &s.c_prev[b * u..(b + 1) * u];
            let c_new = &mut s.c_new[b * u..(b + 1) * u];
            for j in 0..u {
                c_new[j] = gates[u + j] * c_prev[j] + gates[j] * gates[2 * u + j];
            }
            T::activate_into(self.activation, c_new, tc);
            let h_new = &mut s.h_new[b * u..(b + 1) * u];
            for j in 0..u {
                h_new[j] = gates[3 * u + j] * tc[j];
            }
        }
    }

    fn backward_step(&self, s: StepBackward<'_, T>) {
        let u = s.units;
        let (ra, act) = (self.recurrent_activation, self.activation);
        for b in 0..s.batch {
            let a = &s.acts[b * 5 * u..(b + 1) * 5 * u];
            let (gi, gf, gg, go, tc) = (&a[..u], &a[u..2 * u], &a[2 * u..3 * u], &a[3 * u..4 * u], &a[4 * u..]);
            let (dh, dc) = (&s.dh[b * u..(b + 1) * u], &s.dc[b * u..(b + 1) * u]);
            let c_prev = &s.c_prev[b * u..(b + 1) * u];
            let d = &mut s.dxs[b * 4 * u..(b + 1) * 4 * u];
            let dc_prev = &mut s.dc_prev[b * u..(b + 1) * u];
            // The activations' derivatives first (d holds i', f', g', o'; the scratch act'(c)).
            derivative_into(ra, &a[..2 * u], &mut d[..2 * u]);
            derivative_into(act, gg, &mut d[2 * u..3 * u]);
            derivative_into(ra, go, &mut d[3 * u..]);
            let dtc = &mut s.scratch[..u];
            derivative_into(act, tc, dtc);
            for j in 0..u {
                let dc_total = dc[j] + dh[j] * go[j] * dtc[j];
                d[j] = d[j] * dc_total * gg[j];
                d[u + j] = d[u + j] * dc_total * c_prev[j];
                d[2 * u + j] = d[2 * u + j] * dc_total * gi[j];
                d[3 * u + j] = d[3 * u + j] * dh[j] * tc[j];
                dc_prev[j] = dc_total * gf[j];
            }
        }
    }
}

/// Keras' GRU: gates z, r, h; h = z h_prev + (1 - z) hh.
/// reset_after: hh = act(x W_h + b_h + r * (h_prev U_h + b_rec_h)) (biases of shape (2, 3u));
/// otherwise hh = act(x W_h + (r * h_prev) U_h + b_h).
pub struct GruCell {
    pub activation: RnnActivation,
    pub recurrent_activation: RnnActivation,
    pub reset_after: bool,
}

impl<T: RnnFloat> Cell<T> for GruCell {
    fn gates(&self) -> usize {
        3
    }
    fn rec_blocks(&self) -> usize {
        if self.reset_after {
            3
        } else {
            2
        }
    }
    fn act_blocks(&self) -> usize {
        // z, r, hh, then the recurrent h-term (reset_after) or r * h_prev (before).
        4
    }
    fn extra_blocks(&self) -> usize {
        if self.reset_after {
            0
        } else {
            1 // d(hh pre-activation), for dU_h after the loop
        }
    }
    fn scratch_len(&self, batch: usize, units: usize) -> usize {
        batch * units // the recurrent term of the candidate (forward), d(r * h_prev) (backward)
    }

    fn forward_step(&self, s: StepForward<'_, T>) {
        let u = s.units;
        let na = 4 * u;
        let nr = if self.reset_after { 3 * u } else { 2 * u };
        for b in 0..s.batch {
            let a = &mut s.acts[b * na..(b + 1) * na];
            let (x, r) = (&s.xs[b * 3 * u..(b + 1) * 3 * u], &s.rec[b * nr..(b + 1) * nr]);
            T::activate_sum(self.recurrent_activation, &x[..2 * u], &r[..2 * u], &mut a[..2 * u]);
            if self.reset_after {
                // The recurrent h-term (with its bias), and r times it for the candidate.
                a[3 * u..].copy_from_slice(&r[2 * u..]);
                let q = &mut s.scratch[b * u..(b + 1) * u];
                for j in 0..u {
                    q[j] = a[u + j] * a[3 * u + j];
                }
            } else {
                // r * h_prev, with the h-gate's recurrent dropout mask.
                let hp = &s.h_prev[b * u..(b + 1) * u];
                let m = s.recurrent_dropout.map(|m| &m.group(2)[b * u..(b + 1) * u]);
                for j in 0..u {
                    let h = m.map_or(hp[j], |m| hp[j] * m[j]);
                    a[3 * u + j] = a[u + j] * h;
                }
            }
        }
        if !self.reset_after && s.batch > 0 {
            // (r * h_prev) @ U_h for the whole batch.
            gemm(s.batch, u, u, &s.acts[3 * u..], na as isize, 1, &s.recurrent_kernel[2 * u..], 3 * u as isize, 1, s.scratch);
        }
        for b in 0..s.batch {
            let a = &mut s.acts[b * na..(b + 1) * na];
            let x = &s.xs[b * 3 * u + 2 * u..(b + 1) * 3 * u];
            T::activate_sum(self.activation, x, &s.scratch[b * u..(b + 1) * u], &mut a[2 * u..3 * u]);
            let hp = &s.h_prev[b * u..(b + 1) * u];
            let h_new = &mut s.h_new[b * u..(b + 1) * u];
            for j in 0..u {
                let z = a[j];
                h_new[j] = z * hp[j] + (T::one() - z) * a[2 * u + j];
            }
        }
    }

    fn backward_step(&self, s: StepBackward<'_, T>) {
        let u = s.units;
        let na = 4 * u;
        let nr = if self.reset_after { 3 * u } else { 2 * u };
        let (ra, act) = (self.recurrent_activation, self.activation);
        // Pass 1: update gate, candidate, and the direct path z * dh.
        for b in 0..s.batch {
            let a = &s.acts[b * na..(b + 1) * na];
            let (z, hh) = (&a[..u], &a[2 * u..3 * u]);
            let dh = &s.dh[b * u..(b + 1) * u];
            let hp = &s.h_prev[b * u..(b + 1) * u];
            let d = &mut s.dxs[b * 3 * u..(b + 1) * 3 * u];
            let dd = &mut s.dh_direct[b * u..(b + 1) * u];
            derivative_into(ra, &a[..2 * u], &mut d[..2 * u]); // z', r'
            derivative_into(act, hh, &mut d[2 * u..]);
            for j in 0..u {
                d[j] = d[j] * dh[j] * (hp[j] - hh[j]);
                d[2 * u + j] = d[2 * u + j] * dh[j] * (T::one() - z[j]);
                dd[j] = dd[j] + dh[j] * z[j];
            }
        }
        if self.reset_after {
            for b in 0..s.batch {
                let a = &s.acts[b * na..(b + 1) * na];
                let (r, rec_h) = (&a[u..2 * u], &a[3 * u..]);
                let d = &mut s.dxs[b * 3 * u..(b + 1) * 3 * u];
                let dr = &mut s.drec[b * nr..(b + 1) * nr];
                for j in 0..u {
                    let dhh = d[2 * u + j];
                    d[u + j] = d[u + j] * dhh * rec_h[j]; // d[u..2u] holds r'
                    dr[2 * u + j] = dhh * r[j];
                }
                dr[..2 * u].copy_from_slice(&d[..2 * u]);
            }
            return;
        }
        // reset before: d(r * h_prev) = dhh @ U_h^T.
        if s.batch == 0 {
            return;
        }
        for b in 0..s.batch {
            s.extra[b * u..(b + 1) * u].copy_from_slice(&s.dxs[b * 3 * u + 2 * u..(b + 1) * 3 * u]);
        }
        gemm(s.batch, u, u, s.extra, u as isize, 1, &s.recurrent_kernel_t[2 * u * u..], u as isize, 1, s.scratch);
        for b in 0..s.batch {
            let a = &s.acts[b * na..(b + 1) * na];
            let r = &a[u..2 * u];
            let hp = &s.h_prev[b * u..(b + 1) * u];
            let m = s.recurrent_dropout.map(|m| &m.group(2)[b * u..(b + 1) * u]);
            let d = &mut s.dxs[b * 3 * u..(b + 1) * 3 * u];
            let dd = &mut s.dh_direct[b * u..(b + 1) * u];
            for j in 0..u {
                let drh = s.scratch[b * u + j];
                let mj = m.map_or(T::one(), |m| m[j]);
                d[u + j] = d[u + j] * drh * hp[j] * mj; // d[u..2u] holds r'
                dd[j] = dd[j] + drh * r[j] * mj;
            }
            s.drec[b * nr..(b + 1) * nr].copy_from_slice(&d[..2 * u]);
        }
    }

    fn finish_backward(&self, dims: Dims, acts: &[T], extra: &[T], drecurrent_kernel: &mut [T]) {
        if self.reset_after {
            return;
        }
        let u = dims.units;
        let rows = dims.steps * dims.batch;
        if rows == 0 {
            return;
        }
        // dU_h = sum over steps of (r * h_prev)^T @ dhh.
        let mut tmp = vec![T::zero(); u * u];
        gemm(u, u, rows, &acts[3 * u..], 1, 4 * u as isize, extra, u as isize, 1, &mut tmp);
        for i in 0..u {
            drecurrent_kernel[i * 3 * u + 2 * u..(i + 1) * 3 * u].copy_from_slice(&tmp[i * u..(i + 1) * u]);
        }
    }
}
