//! Matrix-vector products (m == 1 or n == 1): no packing, B is streamed once.
//!
//! Packing pays when a panel is reused across many rows of A; a single row reuses nothing, and
//! a padded 12-row tile would waste 11/12 of its work. A one-sample Dense layer (latency) is
//! exactly this case. Two forms, by which way B is contiguous:
//! - rows of B contiguous (csb == 1): c += a[p] * B[p, :] (axpy over a chunk of c kept hot);
//! - columns contiguous (rsb == 1): c[j] = dot(a, B[:, j]).
//!
//! Loops are plain Rust over lane arrays the compiler vectorises; they are compiled once per
//! instruction set (AVX-512, AVX2/FMA, baseline) and picked with the GEMM's kernels.

use rayon::prelude::*;

use super::driver::{Problem, PARALLEL_MIN_MACS};
use super::kernels::Isa;
use super::GemmScalar;

/// Elements of c accumulated at once in the axpy form (stays in L1).
const CHUNK: usize = 512;
/// Independent accumulators of a dot product (lanes the compiler turns into vectors).
const LANES: usize = 32;

/// Computes the product if it is a matrix-vector product with a contiguous side; returns false
/// (nothing written) otherwise.
pub(crate) fn try_gemv<T: GemmScalar>(p: &Problem<T>, isa: Isa) -> bool {
    let p = if p.m == 1 {
        *p
    } else if p.n == 1 {
        p.transposed()
    } else {
        return false;
    };
    if p.k == 0 || (p.csb != 1 && p.rsb != 1) {
        return false;
    }
    let threads = if p.n * p.k >= PARALLEL_MIN_MACS { rayon::current_num_threads().clamp(1, p.n.div_ceil(64)) } else { 1 };
    let part = |t: usize| {
        let (j0, j1) = (p.n * t / threads, p.n * (t + 1) / threads);
        // SAFETY: j0..j1 lies inside C's row; A, B and the bias were bounds-checked for the
        // whole problem; parts write disjoint elements.
        unsafe { run_isa(&p, j0, j1, isa) }
    };
    if threads == 1 {
        part(0);
    } else {
        (0..threads).into_par_iter().for_each(part);
    }
    true
}

unsafe fn run_isa<T: GemmScalar>(p: &Problem<T>, j0: usize, j1: usize, isa: Isa) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => columns_avx512(p, j0, j1),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => columns_avx2(p, j0, j1),
        _ => columns(p, j0, j1),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn columns_avx512<T: GemmScalar>(p: &Problem<T>, j0: usize, j1: usize) {
    columns(p, j0, j1)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn columns_avx2<T: GemmScalar>(p: &Problem<T>, j0: usize, j1: usize) {
    columns(p, j0, j1)
}

/// Columns j0..j1 of the single row of C.
#[inline(always)]
unsafe fn columns<T: GemmScalar>(p: &Problem<T>, j0: usize, j1: usize) {
    let zero = T::default();
    if p.csb == 1 {
        let mut acc = [zero; CHUNK];
        let mut c0 = j0;
        while c0 < j1 {
            let len = CHUNK.min(j1 - c0);
            let acc = &mut acc[..len];
            acc.fill(zero);
            for q in 0..p.k {
                let av = *p.a.offset(q as isize * p.csa);
                let row = std::slice::from_raw_parts(p.b.offset(q as isize * p.rsb).add(c0), len);
                for (c, &b) in acc.iter_mut().zip(row) {
                    *c = *c + av * b;
                }
            }
            for (j, &v) in acc.iter().enumerate() {
                p.store(0, c0 + j, v, p.accumulate, true);
            }
            c0 += len;
        }
    } else {
        // rsb == 1: each column of B is contiguous; A's row is gathered once if strided.
        let gathered: Vec<T>;
        let a: &[T] = if p.csa == 1 {
            std::slice::from_raw_parts(p.a, p.k)
        } else {
            gathered = (0..p.k).map(|q| *p.a.offset(q as isize * p.csa)).collect();
            &gathered
        };
        for j in j0..j1 {
            let col = std::slice::from_raw_parts(p.b.offset(j as isize * p.csb), p.k);
            p.store(0, j, dot(a, col), p.accumulate, true);
        }
    }
}

/// Sum of x[i] * y[i] with LANES independent partial sums (no reassociation needed to vectorise).
#[inline(always)]
fn dot<T: GemmScalar>(x: &[T], y: &[T]) -> T {
    let zero = T::default();
    let mut part = [zero; LANES];
    let mut xs = x.chunks_exact(LANES);
    let mut ys = y.chunks_exact(LANES);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        for l in 0..LANES {
            part[l] = part[l] + xc[l] * yc[l];
        }
    }
    let mut s = zero;
    for (&a, &b) in xs.remainder().iter().zip(ys.remainder()) {
        s = s + a * b;
    }
    part.iter().fold(s, |acc, &v| acc + v)
}
