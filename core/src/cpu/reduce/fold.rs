//! The driver every fold-shaped reduction (sum, prod, max, min, argmax, any, all, count) runs
//! on: `out[i, j] = fold_k x[i, k, j]` over a dense `[m, k, n]` block, with
//!
//! - rows (`n == 1`): each output folds one contiguous run (`Fold::run`, SIMD lanes inside);
//! - columns (`n > 1`): whole rows of `n` are folded into a row of accumulators
//!   (`Fold::first_row` / `Fold::next_row`), in blocks of `COL_BLOCK` rows combined pairwise,
//!   so a float32 sum down a long axis stays accurate;
//! - threads: above `FOLD_PARALLEL_MIN` the outputs are split over the pool, or, when
//!   there are too few outputs, the reduced axis is split and the partial results merged.
//!
//! `k >= 1` always: empty reductions are resolved by the op (identity or error).

use rayon::prelude::*;

use crate::error::Result;
use crate::storage::try_vec;

/// Input size from which a fold uses the pool. Higher than the elementwise threshold: a fold
/// does about one vector add per 16 elements, so below this the pool's wake-up costs more
/// than the work it splits.
pub const FOLD_PARALLEL_MIN: usize = 1 << 18;

/// Rows per block of a column reduction: partial rows of this many are merged pairwise.
pub const COL_BLOCK: usize = 16;

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

/// Folds rows `lo..hi` (of `n` elements each) directly into `out`.
#[inline(always)]
fn fold_rows<T: Copy, F: Fold<T>>(f: &F, x: &[T], n: usize, lo: usize, hi: usize, base: usize, out: &mut [F::Acc]) {
    f.first_row(&x[lo * n..(lo + 1) * n], base + lo, out);
    for r in lo + 1..hi {
        f.next_row(&x[r * n..(r + 1) * n], base + r, out);
    }
}

/// Folds `k` rows of `n` elements (row-major in `x`) starting at reduced position `base`
/// into `acc` (length `n`): blocks of `COL_BLOCK` rows fold directly, block results combine
/// pairwise through a stack of partial rows (iterative, so it inlines into the
/// multiversioned drivers).
#[inline(always)]
pub(crate) fn cols_impl<T: Copy, F: Fold<T>>(f: &F, x: &[T], k: usize, n: usize, base: usize, acc: &mut [F::Acc]) {
    if k <= COL_BLOCK {
        fold_rows(f, x, n, 0, k, base, acc);
        return;
    }
    let blocks = k.div_ceil(COL_BLOCK);
    let depth = (usize::BITS - blocks.leading_zeros()) as usize + 1;
    let mut stack = vec![F::Acc::default(); depth * n];
    let mut levels = vec![0u32; depth];
    let mut sp = 0usize;
    for b in 0..blocks {
        fold_rows(f, x, n, b * COL_BLOCK, ((b + 1) * COL_BLOCK).min(k), base, &mut stack[sp * n..(sp + 1) * n]);
        let mut lvl = 0u32;
        while sp > 0 && levels[sp - 1] == lvl {
            let (below, top) = stack.split_at_mut(sp * n);
            for (a, &t) in below[(sp - 1) * n..].iter_mut().zip(&top[..n]) {
                *a = f.merge(*a, t);
            }
            sp -= 1;
            lvl += 1;
        }
        // Merges accumulate downwards, so the current partial sits at slot `sp`.
        levels[sp] = lvl;
        sp += 1;
    }
    acc.copy_from_slice(&stack[(sp - 1) * n..sp * n]);
    for i in (0..sp - 1).rev() {
        for (a, &s) in acc.iter_mut().zip(&stack[i * n..(i + 1) * n]) {
            *a = f.merge(s, *a);
        }
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
    let threads = crate::cpu::team::threads();
    if x.len() < FOLD_PARALLEL_MIN || threads < 2 {
        slabs(f, x, k, n, &mut out);
        return Ok(out);
    }
    if m >= 2 * threads || (m >= threads && n > 1) {
        // Enough independent slabs: split the outputs.
        let per = m.div_ceil(threads * 4).max(1);
        crate::cpu::team::chunks_mut(&mut out, per * n, |i, o| slabs(f, &x[i * per * k * n..(i * per + o.len() / n) * k * n], k, n, o));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::reduce::folds::{ArgExtremum, CountNonzero, Extremum, Prod, Sum};
    use crate::cpu::reduce::moments::moments_mkn;
    use crate::cpu::reduce::simd::{with_level, Level};

    const LEVELS: [Level; 3] = [Level::Base, Level::Avx2, Level::Avx512];

    fn data(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
            })
            .collect()
    }

    /// The naive reduction of x[i, :, j] with `f`, for comparison.
    fn naive<A: Copy>(x: &[f64], m: usize, k: usize, n: usize, init: A, f: impl Fn(A, f64, usize) -> A) -> Vec<A> {
        let mut out = vec![init; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut a = init;
                for r in 0..k {
                    a = f(a, x[(i * k + r) * n + j], r);
                }
                out[i * n + j] = a;
            }
        }
        out
    }

    // Shapes covering rows, columns, lane tails, pairwise blocks, and the threaded paths.
    // (the last three are above FOLD_PARALLEL_MIN: split outputs, split k rows, split k columns)
    const SHAPES: [(usize, usize, usize); 12] = [
        (1, 1, 1),
        (3, 7, 1),
        (2, 33, 5),
        (1, 1000, 1),
        (4, 17, 300),
        (1, 70_000, 1),
        (70, 1000, 1),
        (1, 5000, 9),
        (3, 40, 700),
        (300, 1000, 1),
        (2, 300_000, 1),
        (1, 200_000, 3),
    ];

    #[test]
    fn sum_matches_naive_on_every_level_and_shape() {
        for &(m, k, n) in &SHAPES {
            let x = data(m * k * n, (m * 31 + k * 7 + n) as u64);
            let want = naive(&x, m, k, n, 0.0, |a, v, _| a + v);
            for level in LEVELS {
                let got = with_level(level, || fold_mkn(&Sum, &x, m, k, n).unwrap());
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-9 * (k as f64), "{level:?} {m}x{k}x{n}: {g} vs {w}");
                }
                let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                let got = with_level(level, || fold_mkn(&Sum, &xf, m, k, n).unwrap());
                for (g, w) in got.iter().zip(&want) {
                    assert!((*g as f64 - w).abs() < 2e-6 * (k as f64).sqrt() + 1e-6, "{level:?} f32 {m}x{k}x{n}: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn extremum_argmax_count_prod_match_naive() {
        for &(m, k, n) in &SHAPES {
            let mut x = data(m * k * n, (m + k + n) as u64);
            // Ties: the first position must win.
            if k > 3 {
                x[2 * n] = 5.0;
                x[3 * n] = 5.0;
            }
            let mx = naive(&x, m, k, n, f64::NEG_INFINITY, |a, v, _| a.max(v));
            let am = naive(&x, m, k, n, (f64::NEG_INFINITY, 0usize), |a, v, r| if v > a.0 { (v, r) } else { a });
            let nz = naive(&x, m, k, n, 0u64, |a, v, _| a + (v > 0.25) as u64);
            let xi: Vec<i64> = x.iter().map(|&v| (v > 0.25) as i64 * (v * 100.0) as i64).collect();
            let small: Vec<f64> = x.iter().map(|v| 1.0 + v * 1e-3).collect();
            let pr = naive(&small, m, k, n, 1.0, |a, v, _| a * v);
            for level in LEVELS {
                with_level(level, || {
                    assert_eq!(fold_mkn(&Extremum::<true>, &x, m, k, n).unwrap(), mx, "{level:?} max {m}x{k}x{n}");
                    let got: Vec<usize> = fold_mkn(&ArgExtremum::<true>, &x, m, k, n).unwrap().into_iter().map(|p| p.1).collect();
                    let want: Vec<usize> = am.iter().map(|p| p.1).collect();
                    assert_eq!(got, want, "{level:?} argmax {m}x{k}x{n}");
                    assert_eq!(fold_mkn(&CountNonzero, &xi, m, k, n).unwrap(), nz, "{level:?} count {m}x{k}x{n}");
                    let got = fold_mkn(&Prod, &small, m, k, n).unwrap();
                    for (g, w) in got.iter().zip(&pr) {
                        assert!((g - w).abs() < 1e-12 * (k as f64) * w.abs(), "{level:?} prod {g} vs {w}");
                    }
                });
            }
        }
    }

    #[test]
    fn nan_wins_max_and_argmax_everywhere() {
        for &(m, k, n) in &SHAPES[1..] {
            let mut x = data(m * k * n, 9);
            let at = (k / 2) * n; // row k/2 of slab 0, column 0
            x[at] = f64::NAN;
            for level in LEVELS {
                with_level(level, || {
                    let mx = fold_mkn(&Extremum::<true>, &x, m, k, n).unwrap();
                    let mn = fold_mkn(&Extremum::<false>, &x, m, k, n).unwrap();
                    let am = fold_mkn(&ArgExtremum::<false>, &x, m, k, n).unwrap();
                    assert!(mx[0].is_nan() && mn[0].is_nan(), "{level:?} {m}x{k}x{n}");
                    assert_eq!(am[0].1, k / 2);
                    assert!(mx.iter().skip(1).all(|v| !v.is_nan()));
                });
            }
        }
    }

    #[test]
    fn float32_sums_stay_accurate() {
        let x = vec![0.1f32; 10_000_000];
        let exact = 10_000_000.0 * 0.1f32 as f64;
        for level in LEVELS {
            let s = with_level(level, || fold_mkn(&Sum, &x, 1, x.len(), 1).unwrap()[0]) as f64;
            assert!(((s - exact) / exact).abs() < 3e-7, "{level:?}: {s}");
        }
        // Down a long leading axis: [1e6, 3] summed over axis 0.
        let c = vec![0.1f32; 3_000_000];
        let exact = 1_000_000.0 * 0.1f32 as f64;
        for level in LEVELS {
            let s = with_level(level, || fold_mkn(&Sum, &c, 1, 1_000_000, 3).unwrap());
            for v in s {
                assert!(((v as f64 - exact) / exact).abs() < 3e-7, "{level:?}: {v}");
            }
        }
    }

    #[test]
    fn moments_two_pass_with_offsets() {
        for &(m, k, n) in &SHAPES {
            let x: Vec<f64> = data(m * k * n, 5).iter().map(|v| 1e6 + v).collect();
            let mean = naive(&x, m, k, n, 0.0, |a, v, _| a + v / k as f64);
            let (mu, var) = moments_mkn(&x, m, k, n).unwrap();
            for i in 0..m * n {
                assert!((mu[i] - mean[i]).abs() < 1e-7, "{m}x{k}x{n}");
                let (ii, j) = (i / n, i % n);
                let v: f64 = (0..k).map(|r| (x[(ii * k + r) * n + j] - mean[i]).powi(2)).sum::<f64>() / k as f64;
                assert!((var[i] - v).abs() < 1e-9 * v.max(1e-3), "{m}x{k}x{n}: {} vs {v}", var[i]);
            }
        }
        let (mu, var) = moments_mkn::<f32>(&[], 2, 0, 3).unwrap();
        assert!(mu.iter().chain(&var).all(|v| v.is_nan()) && mu.len() == 6);
    }
}

#[cfg(test)]
mod timing {
    //! `cargo test --release -p lamina-core -- --ignored --nocapture timing` prints kernel
    //! throughput per SIMD level (not a test of anything; numbers depend on the machine).
    use super::*;
    use crate::cpu::reduce::folds::{ArgExtremum, Extremum, Sum};
    use crate::cpu::reduce::simd::{with_level, Level};
    use std::time::Instant;

    /// Best time of many runs of `f` (the minimum filters out a shared machine's noise).
    fn best(f: impl Fn()) -> f64 {
        f();
        let mut best = f64::MAX;
        for _ in 0..40 {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    }

    #[test]
    #[ignore]
    fn timing_folds() {
        let data: Vec<f32> = (0..1u64 << 20).map(|i| ((i * 2654435761) % 10007) as f32 * 0.01).collect();
        let small = &data[..1 << 16];
        let rate = |n: usize, t: f64| n as f64 / t / 1e9;
        for level in [Level::Base, Level::Avx2, Level::Avx512] {
            with_level(level, || {
                let a = best(|| {
                    std::hint::black_box(fold_mkn(&Sum, &data, 1, data.len(), 1).unwrap());
                });
                let b = best(|| {
                    std::hint::black_box(fold_mkn(&Sum, small, 64, 1024, 1).unwrap());
                });
                let c = best(|| {
                    std::hint::black_box(fold_mkn(&Extremum::<true>, small, 64, 1024, 1).unwrap());
                });
                let d = best(|| {
                    std::hint::black_box(fold_mkn(&ArgExtremum::<true>, small, 64, 1024, 1).unwrap());
                });
                let e = best(|| {
                    std::hint::black_box(fold_mkn(&Sum, small, 1, 256, 256).unwrap());
                });
                let f = best(|| {
                    std::hint::black_box(fold_mkn(&Sum, small, 6553, 10, 1).unwrap());
                });
                let big = &data[..];
                let g = best(|| {
                    std::hint::black_box(fold_mkn(&Extremum::<true>, big, 1024, 1024, 1).unwrap());
                });
                let h = best(|| {
                    std::hint::black_box(fold_mkn(&ArgExtremum::<true>, big, 1024, 1024, 1).unwrap());
                });
                let i = best(|| {
                    std::hint::black_box(fold_mkn(&Sum, big, 1024, 1024, 1).unwrap());
                });
                println!(
                    "  1024x1024 rows (4 MB): sum {:.1} max {:.1} argmax {:.1} Gelem/s",
                    rate(big.len(), i),
                    rate(big.len(), g),
                    rate(big.len(), h)
                );
                println!(
                    "{level:?} (Gelem/s): sum 1M {:.1} | sum rows 64x1024 {:.1} | max rows {:.1} | argmax rows {:.1} | sum cols 256x256 {:.1} | sum rows of 10 {:.1}",
                    rate(data.len(), a),
                    rate(small.len(), b),
                    rate(small.len(), c),
                    rate(small.len(), d),
                    rate(small.len(), e),
                    rate(65530, f)
                );
            });
        }
    }
}
