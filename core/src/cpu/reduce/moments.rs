//! Mean and biased variance of every fiber of a dense `[m, k, n]` block, in two passes (mean,
//! then squared deviations from it) so a large common offset does not swallow the variance.

use rayon::prelude::*;

use crate::cpu::num::Float;
use crate::error::Result;
use crate::storage::try_vec;

use super::fold::{fold_mkn, Fold, FOLD_PARALLEL_MIN};
use super::folds::{pairwise_sum, sum_run, MaybeNan, SquaredDev, Sum};

/// Sum of squared deviations of a run from `c`, pairwise like `sum_run`.
#[inline(always)]
pub fn sq_dev_run<T: Float>(x: &[T], c: T) -> T {
    pairwise_sum(x, SquaredDev(c))
}

/// Squared deviations from a center per column (`center[j]`), or from `center[0]` for runs.
pub struct SqDev<'a, T> {
    pub center: &'a [T],
}
impl<T: Float> Fold<T> for SqDev<'_, T> {
    type Acc = T;
    #[inline(always)]
    fn run(&self, x: &[T], _: usize) -> T {
        sq_dev_run(x, self.center[0])
    }
    #[inline(always)]
    fn first_row(&self, row: &[T], _: usize, acc: &mut [T]) {
        for ((a, &v), &c) in acc.iter_mut().zip(row).zip(self.center) {
            let d = v - c;
            *a = d * d;
        }
    }
    #[inline(always)]
    fn next_row(&self, row: &[T], _: usize, acc: &mut [T]) {
        for ((a, &v), &c) in acc.iter_mut().zip(row).zip(self.center) {
            let d = v - c;
            *a = *a + d * d;
        }
    }
    #[inline(always)]
    fn merge(&self, a: T, b: T) -> T {
        a + b
    }
}

#[inline(always)]
fn row_moments_impl<T: Float>(x: &[T], k: usize, mean: &mut [T], var: &mut [T]) {
    let inv = T::one() / T::from_f64(k as f64);
    for ((row, mu), v) in x.chunks_exact(k).zip(mean.iter_mut()).zip(var.iter_mut()) {
        let c = sum_run(row) * inv;
        *mu = c;
        *v = sq_dev_run(row, c) * inv;
    }
}
crate::multiversion!(fn row_moments[T: Float](x: &[T], k: usize, mean: &mut [T], var: &mut [T]) => row_moments_impl);

/// Mean and variance of one `[k, n]` slab into `mean`/`var` (length `n`).
fn slab_moments<T: Float + MaybeNan>(x: &[T], k: usize, n: usize, mean: &mut [T], var: &mut [T]) -> Result<()> {
    let inv = T::one() / T::from_f64(k as f64);
    let s = fold_mkn(&Sum, x, 1, k, n)?;
    for (mu, s) in mean.iter_mut().zip(s) {
        *mu = s * inv;
    }
    let d = fold_mkn(&SqDev { center: mean }, x, 1, k, n)?;
    for (v, d) in var.iter_mut().zip(d) {
        *v = d * inv;
    }
    Ok(())
}

/// `(mean, var)` of `x[i, :, j]` for every `i < m, j < n`; NaN for an empty axis (`k == 0`).
pub fn moments_mkn<T: Float + MaybeNan>(x: &[T], m: usize, k: usize, n: usize) -> Result<(Vec<T>, Vec<T>)> {
    let nan = T::from_f64(f64::NAN);
    let mut mean = try_vec(m * n, nan)?;
    let mut var = try_vec(m * n, nan)?;
    if k == 0 || m * n == 0 {
        return Ok((mean, var));
    }
    let x = &x[..m * k * n];
    let threads = rayon::current_num_threads();
    let big = x.len() >= FOLD_PARALLEL_MIN / 2 && threads > 1;
    if n == 1 && !(big && m < threads) {
        if big {
            let per = m.div_ceil(threads * 4).max(1);
            mean.par_chunks_mut(per)
                .zip(var.par_chunks_mut(per))
                .zip(x.par_chunks(per * k))
                .for_each(|((mu, v), xs)| row_moments(xs, k, mu, v));
        } else {
            row_moments(x, k, &mut mean, &mut var);
        }
        return Ok((mean, var));
    }
    if big && m >= 2 * threads {
        let per = m.div_ceil(threads * 4).max(1);
        return mean
            .par_chunks_mut(per * n)
            .zip(var.par_chunks_mut(per * n))
            .zip(x.par_chunks(per * k * n))
            .try_for_each(|((mu, v), xs)| {
                for ((mu, v), slab) in mu.chunks_exact_mut(n).zip(v.chunks_exact_mut(n)).zip(xs.chunks_exact(k * n)) {
                    slab_moments(slab, k, n, mu, v)?;
                }
                Ok(())
            })
            .map(|_| (mean, var));
    }
    // Few long slabs: fold_mkn splits the reduced axis over the pool inside each.
    for ((mu, v), slab) in mean.chunks_exact_mut(n).zip(var.chunks_exact_mut(n)).zip(x.chunks_exact(k * n)) {
        slab_moments(slab, k, n, mu, v)?;
    }
    Ok((mean, var))
}
