//! 16 float32 lanes in an AVX-512 register; masks are `__mmask16` bit masks.
//!
//! Safety: an `F32x16` is only ever created inside the `#[target_feature(enable = "avx512f,...")]`
//! drivers in `levels.rs`, which run only after `level()` found AVX-512F, so every intrinsic
//! below runs on a CPU that has it. The methods are `#[inline(always)]` so they compile into
//! those drivers with the features enabled.

use std::arch::x86_64::*;

use super::F32s;

#[derive(Clone, Copy)]
pub struct F32x16(pub __m512);

const NEAREST: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
const DOWN: i32 = _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC;
const UP: i32 = _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC;
const TOWARD_ZERO: i32 = _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC;

impl F32s for F32x16 {
    type Mask = __mmask16;
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        F32x16(_mm512_loadu_ps(p))
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        _mm512_storeu_ps(p, self.0)
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, n: usize) -> Self {
        F32x16(_mm512_maskz_loadu_ps(((1u32 << n) - 1) as u16, p))
    }
    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, n: usize) {
        _mm512_mask_storeu_ps(p, ((1u32 << n) - 1) as u16, self.0)
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        unsafe { F32x16(_mm512_set1_ps(v)) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_add_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_sub_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_mul_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_div_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        unsafe { F32x16(_mm512_fmadd_ps(self.0, b.0, c.0)) }
    }
    #[inline(always)]
    fn two_prod(self, b: Self) -> (Self, Self) {
        unsafe {
            let hi = _mm512_mul_ps(self.0, b.0);
            (F32x16(hi), F32x16(_mm512_fmsub_ps(self.0, b.0, hi)))
        }
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        unsafe { F32x16(_mm512_sqrt_ps(self.0)) }
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_max_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_min_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn round(self) -> Self {
        unsafe { F32x16(_mm512_roundscale_ps::<NEAREST>(self.0)) }
    }
    #[inline(always)]
    fn floor(self) -> Self {
        unsafe { F32x16(_mm512_roundscale_ps::<DOWN>(self.0)) }
    }
    #[inline(always)]
    fn ceil(self) -> Self {
        unsafe { F32x16(_mm512_roundscale_ps::<UP>(self.0)) }
    }
    #[inline(always)]
    fn trunc(self) -> Self {
        unsafe { F32x16(_mm512_roundscale_ps::<TOWARD_ZERO>(self.0)) }
    }
    #[inline(always)]
    fn and_bits(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(self.0), _mm512_castps_si512(o.0)))) }
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(self.0), _mm512_castps_si512(o.0)))) }
    }
    #[inline(always)]
    fn xor_bits(self, o: Self) -> Self {
        unsafe { F32x16(_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(self.0), _mm512_castps_si512(o.0)))) }
    }
    #[inline(always)]
    fn splat_bits(bits: u32) -> Self {
        unsafe { F32x16(_mm512_castsi512_ps(_mm512_set1_epi32(bits as i32))) }
    }
    #[inline(always)]
    fn pow2i(n: Self) -> Self {
        unsafe {
            let i = _mm512_cvtps_epi32(n.0);
            F32x16(_mm512_castsi512_ps(_mm512_slli_epi32::<23>(_mm512_add_epi32(i, _mm512_set1_epi32(127)))))
        }
    }
    #[inline(always)]
    fn ldexp(self, n: Self) -> Self {
        // one instruction, with IEEE overflow and gradual underflow
        unsafe { F32x16(_mm512_scalef_ps(self.0, n.0)) }
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        unsafe {
            let b = _mm512_castps_si512(self.0);
            let e = _mm512_sub_epi32(_mm512_srli_epi32::<23>(b), _mm512_set1_epi32(127));
            let m = _mm512_or_si512(_mm512_and_si512(b, _mm512_set1_epi32(0x007f_ffff)), _mm512_set1_epi32(0x3f80_0000));
            (F32x16(_mm512_cvtepi32_ps(e)), F32x16(_mm512_castsi512_ps(m)))
        }
    }
    #[inline(always)]
    fn lt(self, o: Self) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn le(self, o: Self) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_LE_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn gt(self, o: Self) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn ge(self, o: Self) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_GE_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn eq(self, o: Self) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn ne(self, o: Self) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn select(m: __mmask16, a: Self, b: Self) -> Self {
        unsafe { F32x16(_mm512_mask_blend_ps(m, b.0, a.0)) }
    }
    #[inline(always)]
    fn mask_and(a: __mmask16, b: __mmask16) -> __mmask16 {
        a & b
    }
    #[inline(always)]
    fn mask_or(a: __mmask16, b: __mmask16) -> __mmask16 {
        a | b
    }
    #[inline(always)]
    fn mask_not(a: __mmask16) -> __mmask16 {
        !a
    }
    #[inline(always)]
    fn mask_any(a: __mmask16) -> bool {
        a != 0
    }
    #[inline(always)]
    fn mask_to_one(m: __mmask16) -> Self {
        unsafe { F32x16(_mm512_maskz_mov_ps(m, _mm512_set1_ps(1.0))) }
    }
    #[inline(always)]
    fn map_lanes(self, f: impl Fn(f32) -> f32) -> Self {
        let mut a = [0f32; 16];
        unsafe {
            _mm512_storeu_ps(a.as_mut_ptr(), self.0);
            for v in a.iter_mut() {
                *v = f(*v);
            }
            F32x16(_mm512_loadu_ps(a.as_ptr()))
        }
    }
}
