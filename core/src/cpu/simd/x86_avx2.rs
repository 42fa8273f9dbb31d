//! 8 float32 lanes in an AVX register, with AVX2 integer ops and FMA; masks are all-ones or
//! all-zeros lanes of an `__m256`.
//!
//! Safety: an `F32x8` is only ever created inside the `#[target_feature(enable = "avx2,fma")]`
//! drivers in `levels.rs`, which run only after `level()` found AVX2 and FMA.

use std::arch::x86_64::*;

use super::F32s;

#[derive(Clone, Copy)]
pub struct F32x8(pub __m256);

const NEAREST: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
const DOWN: i32 = _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC;
const UP: i32 = _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC;
const TOWARD_ZERO: i32 = _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC;

#[inline(always)]
unsafe fn first_n(n: usize) -> __m256i {
    _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
}

impl F32s for F32x8 {
    type Mask = __m256;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        F32x8(_mm256_loadu_ps(p))
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        _mm256_storeu_ps(p, self.0)
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, n: usize) -> Self {
        F32x8(_mm256_maskload_ps(p, first_n(n)))
    }
    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, n: usize) {
        _mm256_maskstore_ps(p, first_n(n), self.0)
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        unsafe { F32x8(_mm256_set1_ps(v)) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_add_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_sub_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_mul_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_div_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        unsafe { F32x8(_mm256_fmadd_ps(self.0, b.0, c.0)) }
    }
    #[inline(always)]
    fn two_prod(self, b: Self) -> (Self, Self) {
        unsafe {
            let hi = _mm256_mul_ps(self.0, b.0);
            (F32x8(hi), F32x8(_mm256_fmsub_ps(self.0, b.0, hi)))
        }
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        unsafe { F32x8(_mm256_sqrt_ps(self.0)) }
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_max_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_min_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn round(self) -> Self {
        unsafe { F32x8(_mm256_round_ps::<NEAREST>(self.0)) }
    }
    #[inline(always)]
    fn floor(self) -> Self {
        unsafe { F32x8(_mm256_round_ps::<DOWN>(self.0)) }
    }
    #[inline(always)]
    fn ceil(self) -> Self {
        unsafe { F32x8(_mm256_round_ps::<UP>(self.0)) }
    }
    #[inline(always)]
    fn trunc(self) -> Self {
        unsafe { F32x8(_mm256_round_ps::<TOWARD_ZERO>(self.0)) }
    }
    #[inline(always)]
    fn and_bits(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_and_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_or_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn xor_bits(self, o: Self) -> Self {
        unsafe { F32x8(_mm256_xor_ps(self.0, o.0)) }
    }
    #[inline(always)]
    fn splat_bits(bits: u32) -> Self {
        unsafe { F32x8(_mm256_castsi256_ps(_mm256_set1_epi32(bits as i32))) }
    }
    #[inline(always)]
    fn pow2i(n: Self) -> Self {
        unsafe {
            let i = _mm256_cvtps_epi32(n.0);
            F32x8(_mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(i, _mm256_set1_epi32(127)))))
        }
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        unsafe {
            let b = _mm256_castps_si256(self.0);
            let e = _mm256_sub_epi32(_mm256_srli_epi32::<23>(b), _mm256_set1_epi32(127));
            let m = _mm256_or_si256(_mm256_and_si256(b, _mm256_set1_epi32(0x007f_ffff)), _mm256_set1_epi32(0x3f80_0000));
            (F32x8(_mm256_cvtepi32_ps(e)), F32x8(_mm256_castsi256_ps(m)))
        }
    }
    #[inline(always)]
    fn lt(self, o: Self) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn le(self, o: Self) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_LE_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn gt(self, o: Self) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn ge(self, o: Self) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_GE_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn eq(self, o: Self) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_EQ_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn ne(self, o: Self) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_NEQ_UQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn select(m: __m256, a: Self, b: Self) -> Self {
        unsafe { F32x8(_mm256_blendv_ps(b.0, a.0, m)) }
    }
    #[inline(always)]
    fn mask_and(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_and_ps(a, b) }
    }
    #[inline(always)]
    fn mask_or(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_or_ps(a, b) }
    }
    #[inline(always)]
    fn mask_not(a: __m256) -> __m256 {
        unsafe { _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(-1))) }
    }
    #[inline(always)]
    fn mask_any(a: __m256) -> bool {
        unsafe { _mm256_movemask_ps(a) != 0 }
    }
    #[inline(always)]
    fn mask_to_one(m: __m256) -> Self {
        unsafe { F32x8(_mm256_and_ps(m, _mm256_set1_ps(1.0))) }
    }
    #[inline(always)]
    fn map_lanes(self, f: impl Fn(f32) -> f32) -> Self {
        let mut a = [0f32; 8];
        unsafe {
            _mm256_storeu_ps(a.as_mut_ptr(), self.0);
            for v in a.iter_mut() {
                *v = f(*v);
            }
            F32x8(_mm256_loadu_ps(a.as_ptr()))
        }
    }
}
