//! AVX-512 and AVX2/FMA micro-kernels for f32 and f64, one macro for all four.
//!
//! The tile is MR rows x NV vectors: each step of k loads NV vectors of the B panel, broadcasts
//! MR values of the A panel (folded into the FMA as a memory operand) and issues MR*NV FMAs.
//! AVX-512 (32 registers): 12 x 2 vectors = 24 accumulators. AVX2 (16): 6 x 2 = 12.

use std::arch::x86_64::*;

use super::MicroKernel;
use super::x86_pack::pack_rows_f32;
use crate::cpu::gemm::pack::pack_panels;

macro_rules! x86_kernel {
    (
        $kernel:ident, $feature:literal, $t:ty, lanes = $lanes:expr, mr = $mr:expr, nv = $nv:expr,
        mc = $mc:expr, kc = $kc:expr, nc = $nc:expr,
        zero = $zero:ident, load = $load:ident, store = $store:ident, splat = $splat:ident,
        fma = $fma:ident, add = $add:ident, max = $max:ident
        $(, pack_rows = $pack_rows:ident)?
    ) => {
        pub(crate) struct $kernel;

        impl MicroKernel for $kernel {
            type T = $t;
            const MR: usize = $mr;
            const NR: usize = $nv * $lanes;
            const MC: usize = $mc;
            const KC: usize = $kc;
            const NC: usize = $nc;

            #[inline]
            unsafe fn tile(k: usize, a: *const $t, b: *const $t, ldb: isize, c: *mut $t, rsc: isize, load: bool, bias: *const $t, relu: bool) {
                $kernel::run(k, a, b, ldb, c, rsc, load, bias, relu)
            }

            unsafe fn pack_a(rows: usize, kc: usize, src: *const $t, rs: isize, cs: isize, dst: *mut $t) {
                $kernel::pack_a_isa(rows, kc, src, rs, cs, dst)
            }

            unsafe fn pack_b(rows: usize, kc: usize, src: *const $t, rs: isize, cs: isize, dst: *mut $t) {
                $kernel::pack_b_isa(rows, kc, src, rs, cs, dst)
            }
        }

        impl $kernel {
            #[target_feature(enable = $feature)]
            unsafe fn pack_a_isa(rows: usize, kc: usize, src: *const $t, rs: isize, cs: isize, dst: *mut $t) {
                $(if cs == 1 {
                    return $pack_rows::<{ $mr }>(rows, kc, src, rs, dst);
                })?
                pack_panels::<$t, { $mr }>(rows, kc, src, rs, cs, dst)
            }

            #[target_feature(enable = $feature)]
            unsafe fn pack_b_isa(rows: usize, kc: usize, src: *const $t, rs: isize, cs: isize, dst: *mut $t) {
                $(if cs == 1 {
                    return $pack_rows::<{ $nv * $lanes }>(rows, kc, src, rs, dst);
                })?
                pack_panels::<$t, { $nv * $lanes }>(rows, kc, src, rs, cs, dst)
            }

            #[target_feature(enable = $feature)]
            #[allow(clippy::too_many_arguments)]
            unsafe fn run(k: usize, mut a: *const $t, mut b: *const $t, ldb: isize, c: *mut $t, rsc: isize, load: bool, bias: *const $t, relu: bool) {
                // Fetch C's tile now: its rows are far apart (a row of a large C is kilobytes), so
                // it is rarely in L1, and the loop below is long enough to hide the misses.
                for i in 0..$mr {
                    let row = c.offset(i as isize * rsc) as *const i8;
                    _mm_prefetch::<_MM_HINT_T0>(row);
                    _mm_prefetch::<_MM_HINT_T0>(row.add($nv * $lanes * std::mem::size_of::<$t>() - 1));
                }
                let mut acc = [[$zero(); $nv]; $mr];
                for _ in 0..k {
                    let mut bv = [$zero(); $nv];
                    for v in 0..$nv {
                        bv[v] = $load(b.add(v * $lanes));
                    }
                    for i in 0..$mr {
                        let ai = $splat(*a.add(i));
                        for v in 0..$nv {
                            acc[i][v] = $fma(ai, bv[v], acc[i][v]);
                        }
                    }
                    a = a.add($mr);
                    b = b.offset(ldb);
                }
                let zero = $zero();
                for i in 0..$mr {
                    let row = c.offset(i as isize * rsc);
                    for v in 0..$nv {
                        let dst = row.add(v * $lanes);
                        let mut x = acc[i][v];
                        if load {
                            x = $add(x, $load(dst));
                        }
                        if !bias.is_null() {
                            x = $add(x, $load(bias.add(v * $lanes)));
                        }
                        if relu {
                            // max(0, x) returns its second operand when x is NaN: NaN stays.
                            x = $max(zero, x);
                        }
                        $store(dst, x);
                    }
                }
            }
        }
    };
}

x86_kernel!(Avx512F32, "avx512f", f32, lanes = 16, mr = 12, nv = 2, mc = 96, kc = 384, nc = 1024,
    zero = _mm512_setzero_ps, load = _mm512_loadu_ps, store = _mm512_storeu_ps, splat = _mm512_set1_ps,
    fma = _mm512_fmadd_ps, add = _mm512_add_ps, max = _mm512_max_ps, pack_rows = pack_rows_f32);
x86_kernel!(Avx512F64, "avx512f", f64, lanes = 8, mr = 12, nv = 2, mc = 192, kc = 256, nc = 1024,
    zero = _mm512_setzero_pd, load = _mm512_loadu_pd, store = _mm512_storeu_pd, splat = _mm512_set1_pd,
    fma = _mm512_fmadd_pd, add = _mm512_add_pd, max = _mm512_max_pd);
x86_kernel!(Avx2F32, "avx2,fma", f32, lanes = 8, mr = 6, nv = 2, mc = 144, kc = 256, nc = 2048,
    zero = _mm256_setzero_ps, load = _mm256_loadu_ps, store = _mm256_storeu_ps, splat = _mm256_set1_ps,
    fma = _mm256_fmadd_ps, add = _mm256_add_ps, max = _mm256_max_ps);
x86_kernel!(Avx2F64, "avx2,fma", f64, lanes = 4, mr = 6, nv = 2, mc = 144, kc = 256, nc = 1024,
    zero = _mm256_setzero_pd, load = _mm256_loadu_pd, store = _mm256_storeu_pd, splat = _mm256_set1_pd,
    fma = _mm256_fmadd_pd, add = _mm256_add_pd, max = _mm256_max_pd);
