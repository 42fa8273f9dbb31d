//! The AVX2 and AVX-512 VNNI int8 GEMM tiles: `R` rows x `C` vectors of output channels,
//! accumulated in registers over the whole k, stored as int32.
//!
//! Safety: the `gemm_*` entries run only for layouts packed after `Isa::available()` found the
//! features they enable; the slices' lengths are those `pack.rs` makes, so every pointer below
//! stays inside them.
#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use super::pack::{AVX2_LANES, VNNI_LANES};

const MR: usize = 4;

/// Stores `lanes` int32 values at `dst`, `valid` of them (the last block may be partial).
#[inline(always)]
unsafe fn store_lanes<const L: usize>(src: &[i32; L], dst: *mut i32, valid: usize) {
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, valid.min(L)) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn tile_vnni<const R: usize, const C: usize>(a: *const u8, kq: usize, w: *const i8, corr: *const i32, c: *mut i32, n: usize, col0: usize) {
    unsafe {
        let mut acc = [[_mm512_setzero_si512(); C]; R];
        for q in 0..kq {
            let mut b = [_mm512_setzero_si512(); C];
            for (cc, bv) in b.iter_mut().enumerate() {
                *bv = _mm512_loadu_si512(w.add((cc * kq + q) * VNNI_LANES * 4) as *const _);
            }
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_epi32((a.add((r * kq + q) * 4) as *const i32).read_unaligned());
                for cc in 0..C {
                    acc_r[cc] = _mm512_dpbusd_epi32(acc_r[cc], av, b[cc]);
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            for (cc, &v) in acc_r.iter().enumerate() {
                let col = col0 + cc * VNNI_LANES;
                let v = _mm512_sub_epi32(v, _mm512_loadu_si512(corr.add(col) as *const _));
                let dst = c.add(r * n + col);
                if col + VNNI_LANES <= n {
                    _mm512_storeu_si512(dst as *mut _, v);
                } else {
                    let mut tmp = [0i32; VNNI_LANES];
                    _mm512_storeu_si512(tmp.as_mut_ptr() as *mut _, v);
                    store_lanes(&tmp, dst, n - col);
                }
            }
        }
    }
}

/// `c[m, n] = (a - 128) @ w` for uint8 rows `a` (`[m][kq * 4]`, activations + 128) and the
/// VNNI-packed kernel `w`.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub unsafe fn gemm_vnni(a: &[u8], m: usize, kq: usize, w: &[i8], corr: &[i32], n: usize, c: &mut [i32]) {
    let nb = n.div_ceil(VNNI_LANES);
    let (a, w, corr, c) = (a.as_ptr(), w.as_ptr(), corr.as_ptr(), c.as_mut_ptr());
    let mut b0 = 0;
    while b0 < nb {
        let cb = (nb - b0).min(2);
        let wb = unsafe { w.add(b0 * kq * VNNI_LANES * 4) };
        let col0 = b0 * VNNI_LANES;
        let mut r0 = 0;
        while r0 < m {
            let rr = (m - r0).min(MR);
            let (ar, cr) = unsafe { (a.add(r0 * kq * 4), c.add(r0 * n)) };
            unsafe {
                match (rr, cb) {
                    (4, 2) => tile_vnni::<4, 2>(ar, kq, wb, corr, cr, n, col0),
                    (3, 2) => tile_vnni::<3, 2>(ar, kq, wb, corr, cr, n, col0),
                    (2, 2) => tile_vnni::<2, 2>(ar, kq, wb, corr, cr, n, col0),
                    (1, 2) => tile_vnni::<1, 2>(ar, kq, wb, corr, cr, n, col0),
                    (4, _) => tile_vnni::<4, 1>(ar, kq, wb, corr, cr, n, col0),
                    (3, _) => tile_vnni::<3, 1>(ar, kq, wb, corr, cr, n, col0),
                    (2, _) => tile_vnni::<2, 1>(ar, kq, wb, corr, cr, n, col0),
                    _ => tile_vnni::<1, 1>(ar, kq, wb, corr, cr, n, col0),
                }
            }
            r0 += rr;
        }
        b0 += cb;
    }
}

#[target_feature(enable = "avx2")]
unsafe fn tile_avx2<const R: usize, const C: usize>(a: *const i16, kp: usize, w: *const i16, c: *mut i32, n: usize, col0: usize) {
    unsafe {
        let mut acc = [[_mm256_setzero_si256(); C]; R];
        for p in 0..kp {
            let mut b = [_mm256_setzero_si256(); C];
            for (cc, bv) in b.iter_mut().enumerate() {
                *bv = _mm256_loadu_si256(w.add((cc * kp + p) * AVX2_LANES * 2) as *const _);
            }
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let av = _mm256_set1_epi32((a.add((r * kp + p) * 2) as *const i32).read_unaligned());
                for cc in 0..C {
                    acc_r[cc] = _mm256_add_epi32(acc_r[cc], _mm256_madd_epi16(av, b[cc]));
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            for (cc, &v) in acc_r.iter().enumerate() {
                let col = col0 + cc * AVX2_LANES;
                let dst = c.add(r * n + col);
                if col + AVX2_LANES <= n {
                    _mm256_storeu_si256(dst as *mut _, v);
                } else {
                    let mut tmp = [0i32; AVX2_LANES];
                    _mm256_storeu_si256(tmp.as_mut_ptr() as *mut _, v);
                    store_lanes(&tmp, dst, n - col);
                }
            }
        }
    }
}

/// `c[m, n] = a @ w` for int16 rows `a` (`[m][kp * 2]`) and the AVX2-packed kernel `w`.
#[target_feature(enable = "avx2")]
pub unsafe fn gemm_avx2(a: &[i16], m: usize, kp: usize, w: &[i16], n: usize, c: &mut [i32]) {
    let nb = n.div_ceil(AVX2_LANES);
    let (a, w, c) = (a.as_ptr(), w.as_ptr(), c.as_mut_ptr());
    let mut b0 = 0;
    while b0 < nb {
        let cb = (nb - b0).min(2);
        let wb = unsafe { w.add(b0 * kp * AVX2_LANES * 2) };
        let col0 = b0 * AVX2_LANES;
        let mut r0 = 0;
        while r0 < m {
            let rr = (m - r0).min(MR);
            let (ar, cr) = unsafe { (a.add(r0 * kp * 2), c.add(r0 * n)) };
            unsafe {
                match (rr, cb) {
                    (4, 2) => tile_avx2::<4, 2>(ar, kp, wb, cr, n, col0),
                    (3, 2) => tile_avx2::<3, 2>(ar, kp, wb, cr, n, col0),
                    (2, 2) => tile_avx2::<2, 2>(ar, kp, wb, cr, n, col0),
                    (1, 2) => tile_avx2::<1, 2>(ar, kp, wb, cr, n, col0),
                    (4, _) => tile_avx2::<4, 1>(ar, kp, wb, cr, n, col0),
                    (3, _) => tile_avx2::<3, 1>(ar, kp, wb, cr, n, col0),
                    (2, _) => tile_avx2::<2, 1>(ar, kp, wb, cr, n, col0),
                    _ => tile_avx2::<1, 1>(ar, kp, wb, cr, n, col0),
                }
            }
            r0 += rr;
        }
        b0 += cb;
    }
}
