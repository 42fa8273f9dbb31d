//! Normalization kernels.
//!
//! - Layer normalization over rows of `[m, k]`: statistics per row, scale/offset per column.
//! - Per-channel kernels over `[M, C, N]` (statistics over M and N for each of the C
//!   channels): batch statistics, the affine `x * a_c + b_c` that applies a normalization, and
//!   the channel sums the backward passes need. `N == 1` is channels-last (rows of C), `N > 1`
//!   channels-first (runs of N per channel).

use rayon::prelude::*;

use crate::cpu::parallel::PARALLEL_MIN_ELEMENTS;
use crate::cpu::reduce::folds::{sum_run, tree_sum, LANES};
use crate::cpu::reduce::moments::sq_dev_run;
use crate::cpu::reduce::{fold_mkn, moments_mkn, Sum};
use crate::error::Result;

use super::exp::Real;
use super::softmax::dot;

/// Rows per parallel task for `m` rows of `k` elements (None: stay on this thread).
fn row_split(m: usize, k: usize) -> Option<usize> {
    let threads = rayon::current_num_threads();
    if m.saturating_mul(k) < PARALLEL_MIN_ELEMENTS || threads < 2 || m < 2 {
        return None;
    }
    Some(m.div_ceil(threads * 4).max(1))
}

// ---------------------------------------------------------------------------------------------
// Layer normalization

#[inline(always)]
fn layer_norm_impl<T: Real>(x: &[T], k: usize, gamma: &[T], beta: &[T], eps: T, y: &mut [T], stats: &mut [T]) {
    let inv_k = T::one() / T::from_f64(k as f64);
    for ((row, o), st) in x.chunks_exact(k).zip(y.chunks_exact_mut(k)).zip(stats.chunks_exact_mut(2)) {
        let mu = sum_run(row) * inv_k;
        let r = T::one() / (sq_dev_run(row, mu) * inv_k + eps).sqrt();
        st[0] = mu;
        st[1] = r;
        match (gamma.is_empty(), beta.is_empty()) {
            (false, false) => {
                for (((o, &v), &ga), &be) in o.iter_mut().zip(row).zip(gamma).zip(beta) {
                    *o = (v - mu) * r * ga + be;
                }
            }
            (false, true) => {
                for ((o, &v), &ga) in o.iter_mut().zip(row).zip(gamma) {
                    *o = (v - mu) * r * ga;
                }
            }
            (true, false) => {
                for ((o, &v), &be) in o.iter_mut().zip(row).zip(beta) {
                    *o = (v - mu) * r + be;
                }
            }
            (true, true) => {
                for (o, &v) in o.iter_mut().zip(row) {
                    *o = (v - mu) * r;
                }
            }
        }
    }
}
crate::multiversion!(fn layer_norm_serial[T: Real](x: &[T], k: usize, gamma: &[T], beta: &[T], eps: T, y: &mut [T], stats: &mut [T]) => layer_norm_impl);

/// Normalizes each row of `x` (`[m, k]`, `k >= 1`): `y = (x - mean) / sqrt(var + eps) * gamma
/// + beta` (`gamma`/`beta` of length k, or empty for none). `stats` gets `[mean, 1/std]` per row.
pub fn layer_norm<T: Real>(x: &[T], k: usize, gamma: &[T], beta: &[T], eps: T, y: &mut [T], stats: &mut [T]) {
    let m = stats.len() / 2;
    match row_split(m, k) {
        None => layer_norm_serial(x, k, gamma, beta, eps, y, stats),
        Some(per) => y
            .par_chunks_mut(per * k)
            .zip(stats.par_chunks_mut(per * 2))
            .zip(x.par_chunks(per * k))
            .for_each(|((y, st), x)| layer_norm_serial(x, k, gamma, beta, eps, y, st)),
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn layer_norm_grad_impl<T: Real>(x: &[T], g: &[T], k: usize, gamma: &[T], stats: &[T], dx: &mut [T], dgamma: &mut [T], dbeta: &mut [T]) {
    let inv_k = T::one() / T::from_f64(k as f64);
    let mut dxhat = vec![T::zero(); k];
    let mut xhat = vec![T::zero(); k];
    for (((row, gr), o), st) in x.chunks_exact(k).zip(g.chunks_exact(k)).zip(dx.chunks_exact_mut(k)).zip(stats.chunks_exact(2)) {
        let (mu, r) = (st[0], st[1]);
        for ((h, &v), d) in xhat.iter_mut().zip(row).zip(dxhat.iter_mut()) {
            *h = (v - mu) * r;
            *d = T::zero();
        }
        if gamma.is_empty() {
            dxhat.copy_from_slice(gr);
        } else {
            for ((d, &gv), &ga) in dxhat.iter_mut().zip(gr).zip(gamma) {
                *d = gv * ga;
            }
        }
        let a = sum_run(&dxhat) * inv_k;
        let b = dot(&dxhat, &xhat) * inv_k;
        for ((o, &d), &h) in o.iter_mut().zip(&dxhat).zip(&xhat) {
            *o = r * ((d - a) - h * b);
        }
        if !dgamma.is_empty() {
            for ((dg, &gv), &h) in dgamma.iter_mut().zip(gr).zip(&xhat) {
                *dg = *dg + gv * h;
            }
        }
        if !dbeta.is_empty() {
            for (db, &gv) in dbeta.iter_mut().zip(gr) {
                *db = *db + gv;
            }
        }
    }
}
crate::multiversion!(fn layer_norm_grad_serial[T: Real](x: &[T], g: &[T], k: usize, gamma: &[T], stats: &[T], dx: &mut [T], dgamma: &mut [T], dbeta: &mut [T]) => layer_norm_grad_impl);

/// Backward of `layer_norm`: `dx` (same shape as x) and, when `want_params`, the gradients of
/// gamma and beta (summed over rows) as the returned pair.
pub fn layer_norm_grad<T: Real>(x: &[T], g: &[T], k: usize, gamma: &[T], stats: &[T], want_params: bool, dx: &mut [T]) -> (Vec<T>, Vec<T>) {
    let m = stats.len() / 2;
    let plen = if want_params { k } else { 0 };
    match row_split(m, k) {
        None => {
            let (mut dg, mut db) = (vec![T::zero(); plen], vec![T::zero(); plen]);
            layer_norm_grad_serial(x, g, k, gamma, stats, dx, &mut dg, &mut db);
            (dg, db)
        }
        Some(per) => dx
            .par_chunks_mut(per * k)
            .zip(x.par_chunks(per * k))
            .zip(g.par_chunks(per * k))
            .zip(stats.par_chunks(per * 2))
            .map(|(((o, x), g), st)| {
                let (mut dg, mut db) = (vec![T::zero(); plen], vec![T::zero(); plen]);
                layer_norm_grad_serial(x, g, k, gamma, st, o, &mut dg, &mut db);
                (dg, db)
            })
            .reduce(
                || (vec![T::zero(); plen], vec![T::zero(); plen]),
                |(mut a, mut b), (c, d)| {
                    a.iter_mut().zip(&c).for_each(|(a, &c)| *a = *a + c);
                    b.iter_mut().zip(&d).for_each(|(b, &d)| *b = *b + d);
                    (a, b)
                },
            ),
    }
}

// ---------------------------------------------------------------------------------------------
// Per-channel kernels over [M, C, N]

/// Mean and biased variance per channel of `x` (`[M, C, N]`); NaN when M * N == 0.
pub fn channel_moments<T: Real>(x: &[T], mm: usize, c: usize, n: usize) -> Result<(Vec<T>, Vec<T>)> {
    if n == 1 || mm * n == 0 {
        return moments_mkn(x, 1, mm, c);
    }
    if mm == 1 {
        return moments_mkn(x, c, n, 1);
    }
    let count = T::from_f64((mm * n) as f64);
    // Runs of N summed first, then the [M, C] partial sums down M (both pairwise).
    let run_sums = fold_mkn(&Sum, x, mm * c, n, 1)?;
    let mean: Vec<T> = fold_mkn(&Sum, &run_sums, 1, mm, c)?.into_iter().map(|s| s / count).collect();
    let mut devs = vec![T::zero(); mm * c];
    let rows = |first: usize, o: &mut [T]| {
        for (r, o) in o.iter_mut().enumerate() {
            let i = first + r;
            *o = sq_dev_run(&x[i * n..(i + 1) * n], mean[i % c]);
        }
    };
    super::par_slabs_weighted(&mut devs, 1, n, rows);
    let var = fold_mkn(&Sum, &devs, 1, mm, c)?.into_iter().map(|s| s / count).collect();
    Ok((mean, var))
}

#[inline(always)]
fn affine_impl<T: Real>(x: &[T], c: usize, n: usize, a: &[T], b: &[T], y: &mut [T]) {
    if n == 1 {
        for (xr, yr) in x.chunks_exact(c).zip(y.chunks_exact_mut(c)) {
            for (((o, &v), &a), &b) in yr.iter_mut().zip(xr).zip(a).zip(b) {
                *o = v * a + b;
            }
        }
    } else {
        for (i, (xr, yr)) in x.chunks_exact(n).zip(y.chunks_exact_mut(n)).enumerate() {
            let (a, b) = (a[i % c], b[i % c]);
            for (o, &v) in yr.iter_mut().zip(xr) {
                *o = v * a + b;
            }
        }
    }
}
crate::multiversion!(fn affine_serial[T: Real](x: &[T], c: usize, n: usize, a: &[T], b: &[T], y: &mut [T]) => affine_impl);

/// `y[m, c, n] = x[m, c, n] * a[c] + b[c]`.
pub fn channel_affine<T: Real>(x: &[T], c: usize, n: usize, a: &[T], b: &[T], y: &mut [T]) {
    let slab = c * n;
    super::par_slabs(y, slab, |first, o| affine_serial(&x[first * slab..first * slab + o.len()], c, n, a, b, o));
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn affine2_impl<T: Real>(g: &[T], x: &[T], c: usize, n: usize, mu: &[T], p: &[T], q: &[T], r: &[T], y: &mut [T]) {
    if n == 1 {
        for ((gr, xr), yr) in g.chunks_exact(c).zip(x.chunks_exact(c)).zip(y.chunks_exact_mut(c)) {
            for (j, o) in yr.iter_mut().enumerate() {
                *o = gr[j] * p[j] + (xr[j] - mu[j]) * q[j] + r[j];
            }
        }
    } else {
        for (i, ((gr, xr), yr)) in g.chunks_exact(n).zip(x.chunks_exact(n)).zip(y.chunks_exact_mut(n)).enumerate() {
            let (mu, p, q, r) = (mu[i % c], p[i % c], q[i % c], r[i % c]);
            for ((o, &gv), &xv) in yr.iter_mut().zip(gr).zip(xr) {
                *o = gv * p + (xv - mu) * q + r;
            }
        }
    }
}
crate::multiversion!(fn affine2_serial[T: Real](g: &[T], x: &[T], c: usize, n: usize, mu: &[T], p: &[T], q: &[T], r: &[T], y: &mut [T]) => affine2_impl);

/// `y[m, c, n] = g[m, c, n] * p[c] + (x[m, c, n] - mu[c]) * q[c] + r[c]` (the batch-norm input
/// gradient).
#[allow(clippy::too_many_arguments)]
pub fn channel_affine2<T: Real>(g: &[T], x: &[T], c: usize, n: usize, mu: &[T], p: &[T], q: &[T], r: &[T], y: &mut [T]) {
    let slab = c * n;
    super::par_slabs(y, slab, |first, o| {
        let s = first * slab..first * slab + o.len();
        affine2_serial(&g[s.clone()], &x[s], c, n, mu, p, q, r, o)
    });
}

#[inline(always)]
fn channel_sums_impl<T: Real>(g: &[T], x: &[T], c: usize, n: usize, mean: &[T], sg: &mut [T], sgx: &mut [T]) {
    if n == 1 {
        for (gr, xr) in g.chunks_exact(c).zip(x.chunks_exact(c)) {
            for j in 0..c {
                sg[j] = sg[j] + gr[j];
                sgx[j] = sgx[j] + gr[j] * (xr[j] - mean[j]);
            }
        }
    } else {
        for (i, (gr, xr)) in g.chunks_exact(n).zip(x.chunks_exact(n)).enumerate() {
            let ch = i % c;
            let mu = mean[ch];
            let mut a = [T::zero(); LANES];
            let mut b = [T::zero(); LANES];
            let mut gc = gr.chunks_exact(LANES);
            let mut xc = xr.chunks_exact(LANES);
            for (gg, xx) in (&mut gc).zip(&mut xc) {
                for j in 0..LANES {
                    a[j] = a[j] + gg[j];
                    b[j] = b[j] + gg[j] * (xx[j] - mu);
                }
            }
            for (j, (&gv, &xv)) in gc.remainder().iter().zip(xc.remainder()).enumerate() {
                a[j] = a[j] + gv;
                b[j] = b[j] + gv * (xv - mu);
            }
            sg[ch] = sg[ch] + tree_sum(a);
            sgx[ch] = sgx[ch] + tree_sum(b);
        }
    }
}
crate::multiversion!(fn channel_sums_serial[T: Real](g: &[T], x: &[T], c: usize, n: usize, mean: &[T], sg: &mut [T], sgx: &mut [T]) => channel_sums_impl);

/// Per channel: `sum(g)` and `sum(g * (x - mean[c]))` over M and N.
pub fn channel_sums<T: Real>(g: &[T], x: &[T], mm: usize, c: usize, n: usize, mean: &[T]) -> (Vec<T>, Vec<T>) {
    let slab = c * n;
    // Blocks of slabs, summed into their own partials and merged pairwise by rayon's reduce.
    let block = match row_split(mm, slab) {
        Some(per) => per,
        None => mm.max(1),
    };
    let blocks = mm.div_ceil(block.max(1));
    let part = |bi: usize| {
        let (lo, hi) = (bi * block * slab, ((bi + 1) * block).min(mm) * slab);
        let (mut sg, mut sgx) = (vec![T::zero(); c], vec![T::zero(); c]);
        channel_sums_serial(&g[lo..hi], &x[lo..hi], c, n, mean, &mut sg, &mut sgx);
        (sg, sgx)
    };
    let add = |(mut a, mut b): (Vec<T>, Vec<T>), (p, q): (Vec<T>, Vec<T>)| {
        a.iter_mut().zip(&p).for_each(|(a, &p)| *a = *a + p);
        b.iter_mut().zip(&q).for_each(|(b, &q)| *b = *b + q);
        (a, b)
    };
    if blocks <= 1 {
        return part(0);
    }
    (0..blocks).into_par_iter().map(part).reduce(|| (vec![T::zero(); c], vec![T::zero(); c]), add)
}
