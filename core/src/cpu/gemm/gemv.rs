//! Matrix-vector products (m == 1 or n == 1): no packing, B is streamed once.
//!
//! Packing pays when a panel is reused across many rows of A; a single row reuses nothing, and
//! a padded 12-row tile would waste 11/12 of its work. A one-sample Dense layer (latency) is
//! exactly this case. Two forms, by which way B is contiguous:
//! - rows of B contiguous (csb == 1): c += a[p] * B[p, :] (axpy over a chunk of c kept hot);
//! - columns contiguous (rsb == 1): c[j] = dot(a, B[:, j]).
//!
//! Loops are plain Rust over small arrays of accumulators the compiler keeps in vector
//! registers; they are compiled once per instruction set (AVX-512, AVX2/FMA with fused
//! multiply-adds, baseline without) and picked with the GEMM's kernels.

use super::driver::Problem;
use super::kernels::Isa;
use super::GemmScalar;

/// Multiply-adds from which a GEMV splits its columns over the team. Lower than the GEMM's
/// threshold: a GEMV streams B once (no reuse), so it is bound by each core's cache bandwidth,
/// and two halves of B stream from two caches; handing half to a spinning helper costs about
/// a microsecond (a 784x256 one-sample Dense layer: 8.5 us on one thread).
const GEMV_PARALLEL_MIN_MACS: usize = 1 << 17;

/// Independent accumulators of a dot product (lanes the compiler turns into vectors).
const LANES: usize = 64;

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
    let threads = if p.n.saturating_mul(p.k) >= GEMV_PARALLEL_MIN_MACS { crate::cpu::team::threads().clamp(1, p.n.div_ceil(64)) } else { 1 };
    let part = |t: usize| {
        let (j0, j1) = (p.n * t / threads, p.n * (t + 1) / threads);
        // SAFETY: j0..j1 lies inside C's row; A, B and the bias were bounds-checked for the
        // whole problem; parts write disjoint elements.
        unsafe { run_isa(&p, j0, j1, isa) }
    };
    crate::cpu::team::for_each(threads, part);
    true
}

unsafe fn run_isa<T: GemmScalar>(p: &Problem<T>, j0: usize, j1: usize, isa: Isa) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => columns_avx512(p, j0, j1),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => columns_avx2(p, j0, j1),
        _ => columns::<T, 32, false>(p, j0, j1),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn columns_avx512<T: GemmScalar>(p: &Problem<T>, j0: usize, j1: usize) {
    // 16 of the 32 zmm registers as accumulators: a 256-wide f32 layer then reads each row of B
    // as one contiguous 1 KiB run, about 15% faster than 8 registers (two half-row passes).
    // Columns left over go in narrower blocks, so a narrower layer does not fall into a wide
    // block's slow partial-block loop.
    let mut j = j0;
    if std::mem::size_of::<T>() == 4 {
        j = full_blocks::<T, 256>(p, j, j1);
    }
    j = full_blocks::<T, 128>(p, j, j1);
    columns::<T, 64, true>(p, j, j1)
}

/// Runs the whole `BLOCK`-wide blocks of columns j0..j1 and returns where they end.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn full_blocks<T: GemmScalar, const BLOCK: usize>(p: &Problem<T>, j0: usize, j1: usize) -> usize {
    let end = j0 + (j1 - j0) / BLOCK * BLOCK;
    columns::<T, BLOCK, true>(p, j0, end);
    end
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn columns_avx2<T: GemmScalar>(p: &Problem<T>, j0: usize, j1: usize) {
    // 64 accumulators: 8 of the 16 ymm registers for f32.
    columns::<T, 64, true>(p, j0, j1)
}

/// Columns j0..j1 of the single row of C. `BLOCK` columns are accumulated at once, in registers,
/// over all of k; `FUSED` uses fused multiply-adds (only where the target has them).
#[inline(always)]
unsafe fn columns<T: GemmScalar, const BLOCK: usize, const FUSED: bool>(p: &Problem<T>, j0: usize, j1: usize) {
    let zero = T::default();
    let madd = |x: T, y: T, acc: T| if FUSED { x.fused_mul_add(y, acc) } else { acc + x * y };
    if p.csb == 1 {
        let mut c0 = j0;
        while c0 < j1 {
            let len = BLOCK.min(j1 - c0);
            let mut acc = [zero; BLOCK];
            if len == BLOCK {
                for q in 0..p.k {
                    let av = *p.a.offset(q as isize * p.csa);
                    let row = &*(p.b.offset(q as isize * p.rsb).add(c0) as *const [T; BLOCK]);
                    for l in 0..BLOCK {
                        acc[l] = madd(av, row[l], acc[l]);
                    }
                }
            } else {
                for q in 0..p.k {
                    let av = *p.a.offset(q as isize * p.csa);
                    let row = std::slice::from_raw_parts(p.b.offset(q as isize * p.rsb).add(c0), len);
                    for (c, &b) in acc.iter_mut().zip(row) {
                        *c = madd(av, b, *c);
                    }
                }
            }
            for (j, &v) in acc[..len].iter().enumerate() {
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
            p.store(0, j, dot::<T, FUSED>(a, col), p.accumulate, true);
        }
    }
}

/// Sum of x[i] * y[i] with LANES independent partial sums (no reassociation needed to vectorise).
#[inline(always)]
fn dot<T: GemmScalar, const FUSED: bool>(x: &[T], y: &[T]) -> T {
    let zero = T::default();
    let len = x.len().min(y.len());
    let whole = len / LANES * LANES;
    let mut part = [zero; LANES];
    for c in (0..whole).step_by(LANES) {
        // Whole fixed-size chunks keep `part` in registers (slices with run-time bounds made
        // the compiler keep it in memory).
        let (Some(xc), Some(yc)) = (x[c..c + LANES].first_chunk::<LANES>(), y[c..c + LANES].first_chunk::<LANES>()) else { break };
        for l in 0..LANES {
            part[l] = if FUSED { xc[l].fused_mul_add(yc[l], part[l]) } else { part[l] + xc[l] * yc[l] };
        }
    }
    let mut s = zero;
    for i in whole..len {
        s = s + x[i] * y[i];
    }
    // Pairwise halving: vector adds, not a chain of LANES dependent scalar adds.
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            part[l] = part[l] + part[l + width];
        }
        width /= 2;
    }
    s + part[0]
}
