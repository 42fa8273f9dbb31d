//! softmax, log_softmax and logsumexp over the `k` axis of a dense `[m, k, n]` block, with
//! their backward passes. Each is stable: the maximum of the fiber is subtracted before exp.
//! Rows (`n == 1`, the class axis last) run LANES-wise; columns (`n > 1`) keep a row of
//! maxima and sums.

use crate::cpu::reduce::fold::cols_impl;
use crate::cpu::reduce::folds::{better, extremum_run, tree, LANES};
use crate::cpu::reduce::Sum;

use super::exp::Real;
use super::par_slabs;

/// Writes exp(x - c) into `o` and returns its sum.
#[inline(always)]
fn exp_store_sum<T: Real>(x: &[T], c: T, o: &mut [T]) -> T {
    let mut acc = [T::zero(); LANES];
    let mut xc = x.chunks_exact(LANES);
    let mut oc = o.chunks_exact_mut(LANES);
    for (xx, oo) in (&mut xc).zip(&mut oc) {
        for j in 0..LANES {
            let e = (xx[j] - c).fexp();
            oo[j] = e;
            acc[j] = acc[j] + e;
        }
    }
    for (j, (&v, oo)) in xc.remainder().iter().zip(oc.into_remainder()).enumerate() {
        let e = (v - c).fexp();
        *oo = e;
        acc[j] = acc[j] + e;
    }
    tree(acc, |a, b| a + b)
}

/// Sum of exp(x - c).
#[inline(always)]
pub fn exp_sum<T: Real>(x: &[T], c: T) -> T {
    let mut acc = [T::zero(); LANES];
    let mut xc = x.chunks_exact(LANES);
    for xx in &mut xc {
        for j in 0..LANES {
            acc[j] = acc[j] + (xx[j] - c).fexp();
        }
    }
    for (j, &v) in xc.remainder().iter().enumerate() {
        acc[j] = acc[j] + (v - c).fexp();
    }
    tree(acc, |a, b| a + b)
}

/// Sum of a * b.
#[inline(always)]
pub fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); LANES];
    let mut ac = a.chunks_exact(LANES);
    let mut bc = b.chunks_exact(LANES);
    for (x, y) in (&mut ac).zip(&mut bc) {
        for j in 0..LANES {
            acc[j] = acc[j] + x[j] * y[j];
        }
    }
    for (j, (&x, &y)) in ac.remainder().iter().zip(bc.remainder()).enumerate() {
        acc[j] = acc[j] + x * y;
    }
    tree(acc, |a, b| a + b)
}

/// Column maxima of a `[k, n]` slab into `mx`.
#[inline(always)]
pub fn col_max<T: Real>(x: &[T], n: usize, mx: &mut [T]) {
    mx.copy_from_slice(&x[..n]);
    for row in x.chunks_exact(n).skip(1) {
        for (m, &v) in mx.iter_mut().zip(row) {
            *m = if better::<T, true>(v, *m) { v } else { *m };
        }
    }
}

#[inline(always)]
fn softmax_impl<T: Real>(x: &[T], k: usize, n: usize, log: bool, out: &mut [T]) {
    if n == 1 {
        for (row, o) in x.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
            let mx = extremum_run::<T, true>(row);
            if log {
                let ls = exp_sum(row, mx).ln();
                for (o, &v) in o.iter_mut().zip(row) {
                    *o = (v - mx) - ls;
                }
            } else {
                let inv = T::one() / exp_store_sum(row, mx, o);
                for o in o.iter_mut() {
                    *o = *o * inv;
                }
            }
        }
        return;
    }
    let mut mx = vec![T::zero(); n];
    let mut s = vec![T::zero(); n];
    for (slab, o) in x.chunks_exact(k * n).zip(out.chunks_exact_mut(k * n)) {
        col_max(slab, n, &mut mx);
        for (row, orow) in slab.chunks_exact(n).zip(o.chunks_exact_mut(n)) {
            for ((o, &v), &c) in orow.iter_mut().zip(row).zip(&mx) {
                *o = (v - c).fexp();
            }
        }
        // Column sums of the exps, pairwise down the rows (as accurate as the row case).
        cols_impl(&Sum, o, k, n, 0, &mut s);
        if log {
            let ls: Vec<T> = s.iter().map(|v| v.ln()).collect();
            for (row, orow) in slab.chunks_exact(n).zip(o.chunks_exact_mut(n)) {
                for (((o, &v), &c), &l) in orow.iter_mut().zip(row).zip(&mx).zip(&ls) {
                    *o = (v - c) - l;
                }
            }
        } else {
            let inv: Vec<T> = s.iter().map(|&v| T::one() / v).collect();
            for orow in o.chunks_exact_mut(n) {
                for (o, &i) in orow.iter_mut().zip(&inv) {
                    *o = *o * i;
                }
            }
        }
    }
}
crate::multiversion!(fn softmax_serial[T: Real](x: &[T], k: usize, n: usize, log: bool, out: &mut [T]) => softmax_impl);

/// softmax (or log_softmax) of each fiber `x[i, :, j]` into `out` (same `[m, k, n]` order).
pub fn softmax_mkn<T: Real>(x: &[T], k: usize, n: usize, log: bool, out: &mut [T]) {
    let slab = k * n;
    if slab == 0 {
        return;
    }
    par_slabs(out, slab, |first, o| {
        softmax_serial(&x[first * slab..first * slab + o.len()], k, n, log, o);
    });
}

#[inline(always)]
fn softmax_grad_impl<T: Real>(y: &[T], g: &[T], k: usize, n: usize, log: bool, out: &mut [T]) {
    if n == 1 {
        for ((yr, gr), o) in y.chunks_exact(k).zip(g.chunks_exact(k)).zip(out.chunks_exact_mut(k)) {
            if log {
                // d/dx of log_softmax: g - softmax * sum(g), softmax = exp(y).
                let s = tree_sum(gr);
                for ((o, &yv), &gv) in o.iter_mut().zip(yr).zip(gr) {
                    *o = gv - yv.fexp() * s;
                }
            } else {
                // d/dx of softmax: y * (g - sum(g * y)).
                let d = dot(yr, gr);
                for ((o, &yv), &gv) in o.iter_mut().zip(yr).zip(gr) {
                    *o = yv * (gv - d);
                }
            }
        }
        return;
    }
    let mut d = vec![T::zero(); n];
    for ((ys, gs), o) in y.chunks_exact(k * n).zip(g.chunks_exact(k * n)).zip(out.chunks_exact_mut(k * n)) {
        if log {
            cols_impl(&Sum, gs, k, n, 0, &mut d);
        } else {
            // g * y into the output first, so its column sums go through the pairwise fold.
            for ((o, &yv), &gv) in o.iter_mut().zip(ys).zip(gs) {
                *o = gv * yv;
            }
            cols_impl(&Sum, o, k, n, 0, &mut d);
        }
        for ((yr, gr), orow) in ys.chunks_exact(n).zip(gs.chunks_exact(n)).zip(o.chunks_exact_mut(n)) {
            for (((o, &yv), &gv), &dv) in orow.iter_mut().zip(yr).zip(gr).zip(&d) {
                *o = if log { gv - yv.fexp() * dv } else { yv * (gv - dv) };
            }
        }
    }
}
crate::multiversion!(fn softmax_grad_serial[T: Real](y: &[T], g: &[T], k: usize, n: usize, log: bool, out: &mut [T]) => softmax_grad_impl);

#[inline(always)]
fn tree_sum<T: Real>(x: &[T]) -> T {
    crate::cpu::reduce::folds::sum_run(x)
}

/// Backward of `softmax_mkn`: `y` is its output, `g` the output's gradient (same order).
pub fn softmax_grad_mkn<T: Real>(y: &[T], g: &[T], k: usize, n: usize, log: bool, out: &mut [T]) {
    let slab = k * n;
    if slab == 0 {
        return;
    }
    par_slabs(out, slab, |first, o| {
        let r = first * slab..first * slab + o.len();
        softmax_grad_serial(&y[r.clone()], &g[r], k, n, log, o);
    });
}

#[inline(always)]
fn logsumexp_impl<T: Real>(x: &[T], k: usize, n: usize, out: &mut [T]) {
    if n == 1 {
        for (row, o) in x.chunks_exact(k).zip(out.iter_mut()) {
            let mx = extremum_run::<T, true>(row);
            // All -inf gives -inf, any +inf gives +inf, NaN stays NaN.
            *o = if mx.is_finite_real() { mx + exp_sum(row, mx).ln() } else { mx };
        }
        return;
    }
    let mut s = vec![T::zero(); n];
    let mut e = vec![T::zero(); k * n];
    for (slab, o) in x.chunks_exact(k * n).zip(out.chunks_exact_mut(n)) {
        col_max(slab, n, o);
        for (row, erow) in slab.chunks_exact(n).zip(e.chunks_exact_mut(n)) {
            for ((e, &v), &c) in erow.iter_mut().zip(row).zip(o.iter()) {
                *e = (v - c).fexp();
            }
        }
        cols_impl(&Sum, &e, k, n, 0, &mut s);
        for (o, &s) in o.iter_mut().zip(&s) {
            if o.is_finite_real() {
                *o = *o + s.ln();
            }
        }
    }
}
crate::multiversion!(fn logsumexp_serial[T: Real](x: &[T], k: usize, n: usize, out: &mut [T]) => logsumexp_impl);

/// log(sum(exp(x[i, :, j]))) for each fiber into `out` (`[m, n]`), `k >= 1`.
pub fn logsumexp_mkn<T: Real>(x: &[T], k: usize, n: usize, out: &mut [T]) {
    let work = k.max(1);
    par_slabs_weighted(out, n, work, |first, o| {
        let rows = o.len() / n;
        logsumexp_serial(&x[first * k * n..(first + rows) * k * n], k, n, o);
    });
}

use super::par_slabs_weighted;

/// Finite-ness for the generic kernels.
pub trait FiniteReal {
    fn is_finite_real(self) -> bool;
}
impl<T: Real> FiniteReal for T {
    #[inline(always)]
    fn is_finite_real(self) -> bool {
        let d = self - self;
        d == d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::reduce::simd::{with_level, Level};

    fn data(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 30.0
            })
            .collect()
    }

    fn reference(x: &[f32]) -> Vec<f64> {
        let m = x.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b as f64));
        let e: Vec<f64> = x.iter().map(|&v| (v as f64 - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|v| v / s).collect()
    }

    #[test]
    fn rows_and_columns_agree_with_f64_on_every_level() {
        let (m, k) = (7, 301);
        let x = data(m * k, 3);
        // The same fibers laid out as columns: xt[r, i] = x[i, r].
        let mut xt = vec![0f32; m * k];
        for i in 0..m {
            for r in 0..k {
                xt[r * m + i] = x[i * k + r];
            }
        }
        for level in [Level::Base, Level::Avx2, Level::Avx512] {
            with_level(level, || {
                let mut rows = vec![0f32; m * k];
                softmax_mkn(&x, k, 1, false, &mut rows);
                let mut cols = vec![0f32; m * k];
                softmax_mkn(&xt, k, m, false, &mut cols);
                for i in 0..m {
                    let row = &x[i * k..(i + 1) * k];
                    let want = reference(row);
                    let mx = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                    for r in 0..k {
                        let (a, b, w) = (rows[i * k + r] as f64, cols[r * m + i] as f64, want[r]);
                        // float32 rounds x - max by up to half an ulp of it: exp moves by that.
                        let tol = (1e-6 + (mx - row[r]).abs() as f64 * 6e-8) * w + 1e-35;
                        assert!((a - w).abs() <= tol, "{level:?} row {i} {r}: {a} vs {w}");
                        assert!((b - w).abs() <= tol, "{level:?} col {i} {r}: {b} vs {w}");
                    }
                }
            });
        }
    }
}
