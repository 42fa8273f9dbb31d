//! Packing row-contiguous f32 operands with AVX-512: 16 x 16 in-register transposes.
//!
//! Packing A (row-major) into MR-row panels is a transpose: each step of k needs one value from
//! each of MR rows. Done element by element it costs about as much as the multiply itself for
//! the skinny products of MLP training (n = 256 or less), so full 16-column strips of each
//! panel are transposed 16 x 16 in registers (64 shuffles for 256 values).

use std::arch::x86_64::*;

use crate::cpu::gemm::pack::pack_panels;

/// Transposes r (16 rows of 16 lanes) in place: afterwards r[j] holds column j.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn transpose16(r: &mut [__m512; 16]) {
    let mut t = [_mm512_setzero_ps(); 16];
    for i in 0..8 {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    let lo = |a: __m512, b: __m512| _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
    let hi = |a: __m512, b: __m512| _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
    for g in 0..4 {
        let b = 4 * g;
        r[b] = lo(t[b], t[b + 2]);
        r[b + 1] = hi(t[b], t[b + 2]);
        r[b + 2] = lo(t[b + 1], t[b + 3]);
        r[b + 3] = hi(t[b + 1], t[b + 3]);
    }
    for h in 0..2 {
        let b = 8 * h;
        for j in 0..4 {
            t[b + j] = _mm512_shuffle_f32x4::<0x88>(r[b + j], r[b + 4 + j]);
            t[b + 4 + j] = _mm512_shuffle_f32x4::<0xdd>(r[b + j], r[b + 4 + j]);
        }
    }
    for j in 0..8 {
        r[j] = _mm512_shuffle_f32x4::<0x88>(t[j], t[j + 8]);
        r[j + 8] = _mm512_shuffle_f32x4::<0xdd>(t[j], t[j + 8]);
    }
}

/// `pack_panels::<f32, W>` for a matrix whose rows are contiguous (cs == 1), W = 12 or 32.
///
/// # Safety
/// As `pack_panels`; the caller runs on a machine with AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn pack_rows_f32<const W: usize>(rows: usize, kc: usize, src: *const f32, rs: isize, dst: *mut f32) {
    debug_assert!(W == 12 || W == 32);
    let full = rows / W;
    let strips = kc / 16;
    let blocks = W.div_ceil(16);
    let mut r = [_mm512_setzero_ps(); 16];
    for q in 0..full {
        let panel = dst.add(q * W * kc);
        for b in 0..blocks {
            let live = 16.min(W - 16 * b);
            let mask: __mmask16 = if live == 16 { 0xffff } else { (1u32 << live) as u16 - 1 };
            let row0 = src.offset((q * W + 16 * b) as isize * rs);
            for s in 0..strips {
                for (i, v) in r.iter_mut().enumerate().take(live) {
                    *v = _mm512_loadu_ps(row0.offset(i as isize * rs).add(16 * s));
                }
                transpose16(&mut r);
                // Column p of the strip is the 16 (live) values of step 16s + p.
                for (p, v) in r.iter().enumerate() {
                    _mm512_mask_storeu_ps(panel.add((16 * s + p) * W + 16 * b), mask, *v);
                }
            }
        }
        // The last kc % 16 steps element by element.
        for p in strips * 16..kc {
            for i in 0..W {
                *panel.add(p * W + i) = *src.offset((q * W + i) as isize * rs).add(p);
            }
        }
    }
    if full * W < rows {
        let r0 = full * W;
        pack_panels::<f32, W>(rows - r0, kc, src.offset(r0 as isize * rs), rs, 1, dst.add(r0 * kc));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<const W: usize>(rows: usize, kc: usize) {
        let rs = kc + 3;
        let src: Vec<f32> = (0..rows * rs).map(|v| v as f32).collect();
        let len = rows.div_ceil(W) * W * kc;
        let mut want = vec![f32::NAN; len];
        let mut got = vec![f32::NAN; len];
        unsafe {
            pack_panels::<f32, W>(rows, kc, src.as_ptr(), rs as isize, 1, want.as_mut_ptr());
            pack_rows_f32::<W>(rows, kc, src.as_ptr(), rs as isize, got.as_mut_ptr());
        }
        assert_eq!(got, want, "W {W} rows {rows} kc {kc}");
    }

    #[test]
    fn simd_transpose_pack_matches_scalar() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        for (rows, kc) in [(12, 16), (24, 37), (13, 50), (5, 20), (36, 256), (12, 3)] {
            check::<12>(rows, kc);
        }
        for (rows, kc) in [(32, 16), (64, 33), (40, 70), (7, 16)] {
            check::<32>(rows, kc);
        }
    }
}
