//! The driver every fold-shaped reduction (sum, prod, max, min, argmax, any, all, count) runs
//! on: `out[i, j] = fold_k x[i, k, j]` over a dense `[m, k, n]` block, with
//!
//! - rows (`n == 1`): each output folds one contiguous run (`Fold::run`, SIMD lanes inside);
//! - columns (`n > 1`): whole rows of `n` are folded into a row of accumulators
//!   (`Fold::first_row` / `Fold::next_row`), in blocks of `COL_BLOCK` rows combined pairwise,
//!   so a float32 sum down a long axis stays accurate;
//! - threads: above `PARALLEL_MIN_ELEMENTS` the outputs are split over the pool, or, when
//!   there are too few outputs, the reduced axis is split and the partial results merged.
//!
//! `k >= 1` always: empty reductions are resolved by the op (identity or error).

use rayon::prelude::*;

use crate::cpu::parallel::PARALLEL_MIN_ELEMENTS;
use crate::error::Result;
use crate::storage::try_vec;

/// Rows per block of a column reduction: partial rows of this many are merged pairwise.
pub const COL_BLOCK: usize = 64;

/// One reduction. `run`, `first_row` and `next_row` are `#[inline(always)]` in every
/// implementation so they compile into the multiversioned drivers below.
pub trait Fold<T>: Sync {
    type Acc: Copy + Send + Sync + Default;
    /// Folds a non-empty contiguous run; `base` is the position of `x[0]` along the reduced axis.
    fn run(&self, x: &[T], base: usize) -> Self::Acc;
    /// Starts a row of accumulators from the row of the reduced axis at position `idx`.
    fn first_row(&self, row: &[T], idx: usize, acc: &mut [Self::Acc]);
    /// Folds the row at position `idx` into the accumulators.
    fn next_row(&self, row: &[T], idx: usize, acc: &mut [Self::Acc]);
    /// Combines the results of two consecutive ranges of the reduced axis (`a` comes first).
    fn merge(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc;
}

#[inline(always)]
fn rows_impl<T: Copy, F: Fold<T>>(f: &F, x: &[T], k: usize, base: usize, out: &mut [F::Acc]) {
    for (o, row) in out.iter_mut().zip(x.chunks_exact(k)) {
        *o = f.run(row, base);
    }
}

/// Folds `k` rows of `n` elements (row-major in `x`) starting at reduced position `base`
/// into `acc` (length `n`), pairwise over blocks of `COL_BLOCK` rows.
#[inline(always)]
fn cols_impl<T: Copy, F: Fold<T>>(f: &F, x: &[T], k: usize, n: usize, base: usize, acc: &mut [F::Acc]) {
    if k <= COL_BLOCK {
        f.first_row(&x[..n], base, acc);
        for r in 1..k {
            f.next_row(&x[r * n..(r + 1) * n], base + r, acc);
        }
        return;
    }
    let half = (k / 2).div_ceil(COL_BLOCK) * COL_BLOCK;
    cols_impl(f, &x[..half * n], half, n, base, acc);
    let mut right = vec![F::Acc::default(); n];
    cols_impl(f, &x[half * n..], k - half, n, base + half, &mut right);
    for (a, &b) in acc.iter_mut().zip(&right) {
        *a = f.merge(*a, b);
    }
}

crate::multiversion!(fn rows[T: Copy, F: Fold<T>](f: &F, x: &[T], k: usize, base: usize, out: &mut [F::Acc]) => rows_impl);
crate::multiversion!(fn cols[T: Copy, F: Fold<T>](f: &F, x: &[T], k: usize, n: usize, base: usize, acc: &mut [F::Acc]) => cols_impl);

/// Folds slab after slab (`m` of them, each `[k, n]`) serially.
fn slabs<T: Copy, F: Fold<T>>(f: &F, x: &[T], k: usize, n: usize, out: &mut [F::Acc]) {
    if n == 1 {
        rows(f, x, k, 0, out);
    } else {
        for (o, slab) in out.chunks_exact_mut(n).zip(x.chunks_exact(k * n)) {
            cols(f, slab, k, n, 0, o);
        }
    }
}

/// `out[i * n + j] = fold over r of x[(i * k + r) * n + j]`, for `k >= 1`.
pub fn fold_mkn<T: Copy + Sync, F: Fold<T>>(f: &F, x: &[T], m: usize, k: usize, n: usize) -> Result<Vec<F::Acc>> {
    debug_assert!(k >= 1 && x.len() >= m * k * n);
    let mut out = try_vec(m * n, F::Acc::default())?;
    if m * n == 0 {
        return Ok(out);
    }
    let x = &x[..m * k * n];
    let threads = rayon::current_num_threads();
    if x.len() < PARALLEL_MIN_ELEMENTS || threads < 2 {
        slabs(f, x, k, n, &mut out);
        return Ok(out);
    }
    if m >= 2 * threads || (m >= threads && n > 1) {
        // Enough independent slabs: split the outputs.
        let per = m.div_ceil(threads * 4).max(1);
        out.par_chunks_mut(per * n).zip(x.par_chunks(per * k * n)).for_each(|(o, xs)| slabs(f, xs, k, n, o));
        return Ok(out);
    }
    // Few outputs and a long reduced axis: split `k` into pieces, fold each, merge in order.
    let pieces = (threads * 2).min(k);
    let step = k.div_ceil(pieces);
    for i in 0..m {
        let slab = &x[i * k * n..(i + 1) * k * n];
        let parts: Vec<Vec<F::Acc>> = (0..k.div_ceil(step))
            .into_par_iter()
            .map(|p| {
                let (lo, hi) = (p * step, ((p + 1) * step).min(k));
                let mut acc = vec![F::Acc::default(); n];
                if n == 1 {
                    rows(f, &slab[lo..hi], hi - lo, lo, &mut acc);
                } else {
                    cols(f, &slab[lo * n..hi * n], hi - lo, n, lo, &mut acc);
                }
                acc
            })
            .collect();
        let o = &mut out[i * n..(i + 1) * n];
        o.copy_from_slice(&parts[0]);
        for part in &parts[1..] {
            for (a, &b) in o.iter_mut().zip(part) {
                *a = f.merge(*a, b);
            }
        }
    }
    Ok(out)
}
