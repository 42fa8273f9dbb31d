//! Fused loss kernels over rows of `[m, k]` (class axis last), with their backward passes.
//! Forward kernels write per-row statistics the backward reuses (so the backward does one
//! exp per element and no reductions over logits again):
//!
//! - from logits: `[loss, max, log-sum-exp of (x - max), sum of targets]` per row;
//! - from probabilities: `[loss, sum of probabilities]` per row.
//!
//! The logits forms never form `lse - x` from two large numbers: they use `(max - x) + lse'`
//! where `lse'` is the log of a sum of at most k terms in (0, 1].

use crate::cpu::reduce::folds::{extremum_run, tree_sum, LANES};

use super::exp::Real;
use super::softmax::{exp_in_place, exp_sum, short_block_rows, short_sum, shifted_exps, SHORT_ROW};
use super::{par_slabs, par_slabs_weighted};

pub const LOGIT_STATS: usize = 4;
pub const PROB_STATS: usize = 2;

/// Keras' clip of probabilities into [eps, 1 - eps]; NaN passes through.
#[inline(always)]
pub fn clip<T: Real>(z: T, lo: T, hi: T) -> T {
    if z < lo {
        lo
    } else if z > hi {
        hi
    } else {
        z
    }
}

/// Whether the clip passes a gradient at `z` (inside the range, ends included).
#[inline(always)]
fn inside<T: Real>(z: T, lo: T, hi: T) -> T {
    if z >= lo && z <= hi {
        T::one()
    } else {
        T::zero()
    }
}

// ---------------------------------------------------------------------------------------------
// Categorical / sparse categorical from logits

#[inline(always)]
fn logit_row_stats<T: Real>(row: &[T]) -> (T, T) {
    let c = extremum_run::<T, true>(row);
    (c, exp_sum(row, c).ln())
}

/// Row maxima and log-sum-exps of a block of short rows into `stats[.., 1..3]`, with one
/// flat exp pass over the block (`e` is scratch of the block's size).
#[inline(always)]
fn short_logit_stats<T: Real>(x: &[T], k: usize, stats: &mut [T], mx: &mut [T], e: &mut [T]) {
    let r = x.len() / k;
    for (row, m) in x.chunks_exact(k).zip(mx.iter_mut()) {
        *m = extremum_run::<T, true>(row);
    }
    shifted_exps(x, k, &mx[..r], &mut e[..x.len()]);
    for ((s, er), &c) in stats.chunks_exact_mut(LOGIT_STATS).zip(e.chunks_exact(k)).zip(mx.iter()) {
        s[1] = c;
        s[2] = short_sum(er).ln();
    }
}

#[inline(always)]
fn cce_logits_impl<T: Real>(x: &[T], t: &[T], k: usize, stats: &mut [T]) {
    if k < SHORT_ROW {
        let rows = short_block_rows(k);
        let (mut mx, mut e) = (vec![T::zero(); rows], vec![T::zero(); rows * k]);
        for ((xb, tb), sb) in x.chunks(rows * k).zip(t.chunks(rows * k)).zip(stats.chunks_mut(rows * LOGIT_STATS)) {
            short_logit_stats(xb, k, sb, &mut mx, &mut e);
            for ((row, tr), s) in xb.chunks_exact(k).zip(tb.chunks_exact(k)).zip(sb.chunks_exact_mut(LOGIT_STATS)) {
                let (c, l) = (s[1], s[2]);
                let (mut d, mut ts) = (T::zero(), T::zero());
                for (&xv, &tv) in row.iter().zip(tr) {
                    d = d + tv * (c - xv);
                    ts = ts + tv;
                }
                s[0] = d + ts * l;
                s[3] = ts;
            }
        }
        return;
    }
    for ((row, tr), s) in x.chunks_exact(k).zip(t.chunks_exact(k)).zip(stats.chunks_exact_mut(LOGIT_STATS)) {
        let (c, l) = logit_row_stats(row);
        let mut d = [T::zero(); LANES];
        let mut ts = [T::zero(); LANES];
        let mut xc = row.chunks_exact(LANES);
        let mut tc = tr.chunks_exact(LANES);
        for (xx, tt) in (&mut xc).zip(&mut tc) {
            for j in 0..LANES {
                d[j] = d[j] + tt[j] * (c - xx[j]);
                ts[j] = ts[j] + tt[j];
            }
        }
        for (j, (&xv, &tv)) in xc.remainder().iter().zip(tc.remainder()).enumerate() {
            d[j] = d[j] + tv * (c - xv);
            ts[j] = ts[j] + tv;
        }
        let (d, ts) = (tree_sum(d), tree_sum(ts));
        s[0] = d + ts * l;
        s[1] = c;
        s[2] = l;
        s[3] = ts;
    }
}
crate::multiversion!(fn cce_logits_serial[T: Real](x: &[T], t: &[T], k: usize, stats: &mut [T]) => cce_logits_impl);

/// Categorical cross-entropy from logits; `stats` gets `LOGIT_STATS` values per row.
pub fn cce_logits<T: Real>(x: &[T], t: &[T], k: usize, stats: &mut [T]) {
    par_slabs_weighted(stats, LOGIT_STATS, 2 * k, |first, s| {
        let rows = first..first + s.len() / LOGIT_STATS;
        cce_logits_serial(&x[rows.start * k..rows.end * k], &t[rows.start * k..rows.end * k], k, s);
    });
}

#[inline(always)]
fn scce_logits_impl<T: Real>(x: &[T], labels: &[usize], k: usize, stats: &mut [T]) {
    if k < SHORT_ROW {
        let rows = short_block_rows(k);
        let (mut mx, mut e) = (vec![T::zero(); rows], vec![T::zero(); rows * k]);
        for ((xb, lb), sb) in x.chunks(rows * k).zip(labels.chunks(rows)).zip(stats.chunks_mut(rows * LOGIT_STATS)) {
            short_logit_stats(xb, k, sb, &mut mx, &mut e);
            for ((row, &lab), s) in xb.chunks_exact(k).zip(lb).zip(sb.chunks_exact_mut(LOGIT_STATS)) {
                s[0] = (s[1] - row[lab]) + s[2];
                s[3] = T::one();
            }
        }
        return;
    }
    for ((row, &lab), s) in x.chunks_exact(k).zip(labels).zip(stats.chunks_exact_mut(LOGIT_STATS)) {
        let (c, l) = logit_row_stats(row);
        s[0] = (c - row[lab]) + l;
        s[1] = c;
        s[2] = l;
        s[3] = T::one();
    }
}
crate::multiversion!(fn scce_logits_serial[T: Real](x: &[T], labels: &[usize], k: usize, stats: &mut [T]) => scce_logits_impl);

/// Sparse categorical cross-entropy from logits (labels already checked to be < k).
pub fn scce_logits<T: Real>(x: &[T], labels: &[usize], k: usize, stats: &mut [T]) {
    par_slabs_weighted(stats, LOGIT_STATS, k, |first, s| {
        let rows = first..first + s.len() / LOGIT_STATS;
        scce_logits_serial(&x[rows.start * k..rows.end * k], &labels[rows.clone()], k, s);
    });
}

#[inline(always)]
fn logits_grad_impl<T: Real>(x: &[T], t: &[T], labels: &[usize], stats: &[T], g: &[T], k: usize, dx: &mut [T]) {
    // softmax = exp((x - max) - lse'): the shift per row, then one flat exp over all rows.
    for (i, (row, o)) in x.chunks_exact(k).zip(dx.chunks_exact_mut(k)).enumerate() {
        let s = &stats[i * LOGIT_STATS..(i + 1) * LOGIT_STATS];
        let (c, l) = (s[1], s[2]);
        for (o, &v) in o.iter_mut().zip(row) {
            *o = (v - c) - l;
        }
    }
    exp_in_place(dx);
    for (i, o) in dx.chunks_exact_mut(k).enumerate() {
        let (ts, gi) = (stats[i * LOGIT_STATS + 3], g[i]);
        let scale = gi * ts;
        for o in o.iter_mut() {
            *o = scale * *o;
        }
        if labels.is_empty() {
            for (o, &tv) in o.iter_mut().zip(&t[i * k..(i + 1) * k]) {
                *o = *o - gi * tv;
            }
        } else {
            o[labels[i]] = o[labels[i]] - gi;
        }
    }
}
crate::multiversion!(fn logits_grad_serial[T: Real](x: &[T], t: &[T], labels: &[usize], stats: &[T], g: &[T], k: usize, dx: &mut [T]) => logits_grad_impl);

/// Gradient with respect to the logits: `g * (softmax(x) * sum(t) - t)` (dense targets `t`,
/// or one-hot `labels` when `t` is empty).
pub fn logits_grad<T: Real>(x: &[T], t: &[T], labels: &[usize], stats: &[T], g: &[T], k: usize, dx: &mut [T]) {
    par_slabs(dx, k, |first, o| {
        let rows = first..first + o.len() / k;
        let tr = if t.is_empty() { t } else { &t[rows.start * k..rows.end * k] };
        let lr = if labels.is_empty() { labels } else { &labels[rows.clone()] };
        logits_grad_serial(
            &x[rows.start * k..rows.end * k],
            tr,
            lr,
            &stats[rows.start * LOGIT_STATS..rows.end * LOGIT_STATS],
            &g[rows.clone()],
            k,
            o,
        );
    });
}

/// Gradient of categorical cross-entropy from logits with respect to the targets:
/// `g * (lse - x)`, formed as `g * ((max - x) + lse')`.
pub fn logits_target_grad<T: Real>(x: &[T], stats: &[T], g: &[T], k: usize, dt: &mut [T]) {
    par_slabs(dt, k, |first, o| {
        for (r, orow) in o.chunks_exact_mut(k).enumerate() {
            let i = first + r;
            let (c, l) = (stats[i * LOGIT_STATS + 1], stats[i * LOGIT_STATS + 2]);
            for (o, &v) in orow.iter_mut().zip(&x[i * k..(i + 1) * k]) {
                *o = g[i] * ((c - v) + l);
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Categorical / sparse categorical from probabilities (Keras: p / sum(p), clip, log)

/// Categorical cross-entropy from probabilities; `stats` gets `[loss, sum(p)]` per row.
pub fn cce_probs<T: Real>(p: &[T], t: &[T], k: usize, eps: f64, stats: &mut [T]) {
    let (lo, hi) = (T::from_f64(eps), T::from_f64(1.0 - eps));
    par_slabs_weighted(stats, PROB_STATS, 2 * k, |first, s| {
        for (r, s) in s.chunks_exact_mut(PROB_STATS).enumerate() {
            let i = first + r;
            let (row, tr) = (&p[i * k..(i + 1) * k], &t[i * k..(i + 1) * k]);
            let sum = crate::cpu::reduce::folds::sum_run(row);
            let inv = T::one() / sum;
            let mut loss = T::zero();
            for (&pv, &tv) in row.iter().zip(tr) {
                // A zero target contributes exactly zero (the clipped log is finite).
                if tv != T::zero() {
                    loss = loss - tv * clip(pv * inv, lo, hi).ln();
                }
            }
            s[0] = loss;
            s[1] = sum;
        }
    });
}

/// Sparse categorical cross-entropy from probabilities; `stats` as in `cce_probs`.
pub fn scce_probs<T: Real>(p: &[T], labels: &[usize], k: usize, eps: f64, stats: &mut [T]) {
    let (lo, hi) = (T::from_f64(eps), T::from_f64(1.0 - eps));
    par_slabs_weighted(stats, PROB_STATS, k, |first, s| {
        for (r, s) in s.chunks_exact_mut(PROB_STATS).enumerate() {
            let i = first + r;
            let row = &p[i * k..(i + 1) * k];
            let sum = crate::cpu::reduce::folds::sum_run(row);
            s[0] = -clip(row[labels[i]] / sum, lo, hi).ln();
            s[1] = sum;
        }
    });
}

/// Gradient with respect to the probabilities. With z = p / S and the clip mask m:
/// dL/dp_j = g / S * (-m_j t_j / z_j + sum_i m_i t_i).
#[allow(clippy::too_many_arguments)]
pub fn probs_grad<T: Real>(p: &[T], t: &[T], labels: &[usize], stats: &[T], g: &[T], k: usize, eps: f64, dp: &mut [T]) {
    let (lo, hi) = (T::from_f64(eps), T::from_f64(1.0 - eps));
    par_slabs(dp, k, |first, o| {
        for (r, orow) in o.chunks_exact_mut(k).enumerate() {
            let i = first + r;
            let row = &p[i * k..(i + 1) * k];
            let s = stats[i * PROB_STATS + 1];
            let inv = T::one() / s;
            let gs = g[i] * inv;
            if labels.is_empty() {
                let tr = &t[i * k..(i + 1) * k];
                let mut mt = T::zero();
                for (&pv, &tv) in row.iter().zip(tr) {
                    mt = mt + inside(pv * inv, lo, hi) * tv;
                }
                for ((o, &pv), &tv) in orow.iter_mut().zip(row).zip(tr) {
                    let z = pv * inv;
                    let u = if tv != T::zero() { -(inside(z, lo, hi) * tv) / z } else { T::zero() };
                    *o = gs * (u + mt);
                }
            } else {
                let l = labels[i];
                let z = row[l] * inv;
                let ml = inside(z, lo, hi);
                for o in orow.iter_mut() {
                    *o = gs * ml;
                }
                orow[l] = gs * (ml - ml / z);
            }
        }
    });
}

/// Gradient of categorical cross-entropy from probabilities with respect to the targets:
/// `-g * log(clip(p / S))`.
pub fn probs_target_grad<T: Real>(p: &[T], stats: &[T], g: &[T], k: usize, eps: f64, dt: &mut [T]) {
    let (lo, hi) = (T::from_f64(eps), T::from_f64(1.0 - eps));
    par_slabs(dt, k, |first, o| {
        for (r, orow) in o.chunks_exact_mut(k).enumerate() {
            let i = first + r;
            let inv = T::one() / stats[i * PROB_STATS + 1];
            for (o, &pv) in orow.iter_mut().zip(&p[i * k..(i + 1) * k]) {
                *o = -g[i] * clip(pv * inv, lo, hi).ln();
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Binary cross-entropy (elementwise)

/// Runs `f(i, out_chunk)` over chunks of `out` (`i` = index of the chunk's first element).
fn par_elements<T: Send>(out: &mut [T], f: impl Fn(usize, &mut [T]) + Sync) {
    par_slabs(out, 1, f)
}

/// max(x, 0) - x t + log(1 + exp(-|x|)): `t * softplus(-x) + (1 - t) * softplus(x)`.
pub fn bce_logits<T: Real>(x: &[T], t: &[T], out: &mut [T]) {
    par_elements(out, |s, o| {
        for ((o, &xv), &tv) in o.iter_mut().zip(&x[s..]).zip(&t[s..]) {
            let relu = if xv > T::zero() { xv } else { T::zero() };
            *o = relu - xv * tv + (-xv.abs()).exp().ln_1p();
        }
    });
}

/// Stable sigmoid.
#[inline(always)]
pub fn sigmoid<T: Real>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// d/dx = g (sigmoid(x) - t); d/dt = -g x.
pub fn bce_logits_grad<T: Real>(x: &[T], t: &[T], g: &[T], dx: &mut [T], dt: &mut [T]) {
    par_elements(dx, |s, o| {
        for (((o, &xv), &tv), &gv) in o.iter_mut().zip(&x[s..]).zip(&t[s..]).zip(&g[s..]) {
            *o = gv * (sigmoid(xv) - tv);
        }
    });
    par_elements(dt, |s, o| {
        for ((o, &xv), &gv) in o.iter_mut().zip(&x[s..]).zip(&g[s..]) {
            *o = -(gv * xv);
        }
    });
}

/// -(t log(p) + (1 - t) log(1 - p)) with p = clip(output, eps, 1 - eps).
pub fn bce_probs<T: Real>(p: &[T], t: &[T], eps: f64, out: &mut [T]) {
    let (lo, hi) = (T::from_f64(eps), T::from_f64(1.0 - eps));
    par_elements(out, |s, o| {
        for ((o, &pv), &tv) in o.iter_mut().zip(&p[s..]).zip(&t[s..]) {
            let c = clip(pv, lo, hi);
            *o = -(tv * c.ln() + (T::one() - tv) * (T::one() - c).ln());
        }
    });
}

/// d/dp = g m ((1 - t) / (1 - p) - t / p); d/dt = g (log(1 - p) - log(p)), p clipped.
pub fn bce_probs_grad<T: Real>(p: &[T], t: &[T], g: &[T], eps: f64, dp: &mut [T], dt: &mut [T]) {
    let (lo, hi) = (T::from_f64(eps), T::from_f64(1.0 - eps));
    par_elements(dp, |s, o| {
        for (((o, &pv), &tv), &gv) in o.iter_mut().zip(&p[s..]).zip(&t[s..]).zip(&g[s..]) {
            let c = clip(pv, lo, hi);
            *o = gv * inside(pv, lo, hi) * ((T::one() - tv) / (T::one() - c) - tv / c);
        }
    });
    par_elements(dt, |s, o| {
        for ((o, &pv), &gv) in o.iter_mut().zip(&p[s..]).zip(&g[s..]) {
            let c = clip(pv, lo, hi);
            *o = gv * ((T::one() - c).ln() - c.ln());
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Mean squared / absolute error over the last axis

#[inline(always)]
fn mean_error_impl<T: Real>(d: &[T], k: usize, square: bool, out: &mut [T]) {
    let inv = T::one() / T::from_f64(k as f64);
    for (row, o) in d.chunks_exact(k).zip(out.iter_mut()) {
        let mut acc = [T::zero(); LANES];
        let mut c = row.chunks_exact(LANES);
        for ch in &mut c {
            for j in 0..LANES {
                acc[j] = acc[j] + if square { ch[j] * ch[j] } else { ch[j].abs() };
            }
        }
        for (j, &v) in c.remainder().iter().enumerate() {
            acc[j] = acc[j] + if square { v * v } else { v.abs() };
        }
        *o = tree_sum(acc) * inv;
    }
}
crate::multiversion!(fn mean_error_serial[T: Real](d: &[T], k: usize, square: bool, out: &mut [T]) => mean_error_impl);

/// mean(d^2) (or mean(|d|)) of each row of `[m, k]` into `out` (`k >= 1`).
pub fn mean_error<T: Real>(d: &[T], k: usize, square: bool, out: &mut [T]) {
    par_slabs_weighted(out, 1, k, |first, o| {
        mean_error_serial(&d[first * k..(first + o.len()) * k], k, square, o);
    });
}

/// Gradient of `mean_error` with respect to `d`: `g 2 d / k` or `g sign(d) / k`.
pub fn mean_error_grad<T: Real>(d: &[T], g: &[T], k: usize, square: bool, out: &mut [T]) {
    let scale = T::from_f64(if square { 2.0 } else { 1.0 } / k as f64);
    par_slabs(out, k, |first, o| {
        for (r, orow) in o.chunks_exact_mut(k).enumerate() {
            let i = first + r;
            let gs = g[i] * scale;
            for (o, &v) in orow.iter_mut().zip(&d[i * k..(i + 1) * k]) {
                *o = if square {
                    gs * v
                } else if v > T::zero() {
                    gs
                } else if v < T::zero() {
                    -gs
                } else {
                    // 0 at 0 (TF's sign(0)), NaN for NaN
                    if crate::cpu::reduce::MaybeNan::is_nan(v) { v } else { T::zero() }
                };
            }
        }
    });
}
