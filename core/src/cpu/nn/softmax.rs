//! softmax, log_softmax and logsumexp over the `k` axis of a dense `[m, k, n]` block, with
//! their backward passes. Each is stable: the maximum of the fiber is subtracted before exp.
//! Rows (`n == 1`, the class axis last) run LANES-wise; columns (`n > 1`) keep a row of
//! maxima and sums.

use crate::cpu::reduce::fold::cols_impl;
use crate::cpu::reduce::folds::{better, extremum_run, sum_run, tree_sum, LANES};
use crate::cpu::reduce::Sum;

use super::exp::Real;
use super::{par_slabs, par_slabs_weighted};

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
    tree_sum(acc)
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
    tree_sum(acc)
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
    tree_sum(acc)
}

/// Rows shorter than this are handled a block of rows at a time with one flat exp pass
/// (`shifted_exps`): a row of 10 classes would otherwise run its exps one by one.
pub const SHORT_ROW: usize = 32;
/// Elements per block of short rows.
const SHORT_BLOCK: usize = 2048;

/// Rows per block for short rows of `k`.
#[inline(always)]
pub fn short_block_rows(k: usize) -> usize {
    (SHORT_BLOCK / k.max(1)).max(1)
}

/// `e[r, i] = exp(x[r, i] - shift[r])` for a block of short rows: the subtraction row by
/// row, the exp over the whole block at once (vectorised across row boundaries).
#[inline(always)]
pub fn shifted_exps<T: Real>(x: &[T], k: usize, shift: &[T], e: &mut [T]) {
    for ((row, er), &c) in x.chunks_exact(k).zip(e.chunks_exact_mut(k)).zip(shift) {
        for (e, &v) in er.iter_mut().zip(row) {
            *e = v - c;
        }
    }
    exp_in_place(e);
}

/// `v = exp(v)` over a slice.
#[inline(always)]
pub fn exp_in_place<T: Real>(e: &mut [T]) {
    for v in e.iter_mut() {
        *v = v.fexp();
    }
}

/// Plain sum of a short run.
#[inline(always)]
pub fn short_sum<T: Real>(x: &[T]) -> T {
    let mut s = T::zero();
    for &v in x {
        s = s + v;
    }
    s
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
    if n == 1 && k < SHORT_ROW {
        let rows = short_block_rows(k);
        let mut mx = vec![T::zero(); rows];
        for (xb, ob) in x.chunks(rows * k).zip(out.chunks_mut(rows * k)) {
            let r = xb.len() / k;
            for (row, m) in xb.chunks_exact(k).zip(mx.iter_mut()) {
                *m = extremum_run::<T, true>(row);
            }
            shifted_exps(xb, k, &mx[..r], ob);
            for ((row, o), &c) in xb.chunks_exact(k).zip(ob.chunks_exact_mut(k)).zip(&mx) {
                let s = short_sum(o);
                if log {
                    let ls = s.ln();
                    for (o, &v) in o.iter_mut().zip(row) {
                        *o = (v - c) - ls;
                    }
                } else {
                    let inv = T::one() / s;
                    for o in o.iter_mut() {
                        *o = *o * inv;
                    }
                }
            }
        }
        return;
    }
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
    if n == 1 && k < SHORT_ROW && log {
        // exp(y) over the whole block first, vectorised across rows.
        out.copy_from_slice(y);
        exp_in_place(out);
        for (gr, o) in g.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
            let s = short_sum(gr);
            for (o, &gv) in o.iter_mut().zip(gr) {
                *o = gv - *o * s;
            }
        }
        return;
    }
    if n == 1 {
        for ((yr, gr), o) in y.chunks_exact(k).zip(g.chunks_exact(k)).zip(out.chunks_exact_mut(k)) {
            if log {
                // d/dx of log_softmax: g - softmax * sum(g), softmax = exp(y).
                let s = sum_run(gr);
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
    if n == 1 && k < SHORT_ROW {
        let rows = short_block_rows(k);
        let mut e = vec![T::zero(); rows * k];
        for (xb, ob) in x.chunks(rows * k).zip(out.chunks_mut(rows)) {
            for (row, o) in xb.chunks_exact(k).zip(ob.iter_mut()) {
                *o = extremum_run::<T, true>(row);
            }
            let eb = &mut e[..xb.len()];
            shifted_exps(xb, k, ob, eb);
            for (o, er) in ob.iter_mut().zip(eb.chunks_exact(k)) {
                if o.finite() {
                    *o = *o + short_sum(er).ln();
                }
            }
        }
        return;
    }
    if n == 1 {
        for (row, o) in x.chunks_exact(k).zip(out.iter_mut()) {
            let mx = extremum_run::<T, true>(row);
            // All -inf gives -inf, any +inf gives +inf, NaN stays NaN.
            *o = if mx.finite() { mx + exp_sum(row, mx).ln() } else { mx };
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
            if o.finite() {
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

#[cfg(test)]
mod timing {
    use super::*;
    use crate::cpu::reduce::simd::{with_level, Level};
    use std::time::Instant;

    fn best(mut f: impl FnMut()) -> f64 {
        f();
        (0..30)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    }

    #[test]
    #[ignore]
    fn timing_softmax() {
        let x: Vec<f32> = (0..512 * 1000).map(|i| ((i * 7919) % 1000) as f32 * 0.01 - 5.0).collect();
        let mut o = vec![0f32; x.len()];
        let e: Vec<f32> = x.iter().map(|&v| v - 6.0).collect();
        for level in [Level::Base, Level::Avx2, Level::Avx512] {
            with_level(level, || {
                let a = best(|| softmax_serial(&x, 1000, 1, false, &mut o));
                let b = best(|| softmax_serial(&x, 1000, 1, true, &mut o));
                crate::multiversion!(fn exps[](x: &[f32], o: &mut [f32]) => exps_impl);
                #[inline(always)]
                fn exps_impl(x: &[f32], o: &mut [f32]) {
                    for (o, &v) in o.iter_mut().zip(x) {
                        *o = v.fexp();
                    }
                }
                let c = best(|| exps(&e, &mut o));
                println!(
                    "{level:?} (Gelem/s): softmax 512x1000 {:.2} | log_softmax {:.2} | exp alone {:.2}",
                    x.len() as f64 / a / 1e9,
                    x.len() as f64 / b / 1e9,
                    x.len() as f64 / c / 1e9
                );
            });
        }
    }
}
