//! The one-lane float32 "vector": the portable fallback, and the reference the SIMD paths are
//! tested against. Written without branches so LLVM may still vectorize loops over it.

use super::F32s;

#[derive(Clone, Copy, Debug)]
pub struct F32x1(pub f32);

impl F32s for F32x1 {
    type Mask = bool;
    const LANES: usize = 1;

    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        F32x1(*p)
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        *p = self.0
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, n: usize) -> Self {
        F32x1(if n > 0 { *p } else { 0.0 })
    }
    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, n: usize) {
        if n > 0 {
            *p = self.0
        }
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        F32x1(v)
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        F32x1(self.0 + o.0)
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        F32x1(self.0 - o.0)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        F32x1(self.0 * o.0)
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        F32x1(self.0 / o.0)
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // Not f32::mul_add: without FMA hardware that is a slow library call.
        F32x1(self.0 * b.0 + c.0)
    }
    #[inline(always)]
    fn two_prod(self, b: Self) -> (Self, Self) {
        // The product of two f32 is exact in f64.
        let p = self.0 as f64 * b.0 as f64;
        let hi = p as f32;
        F32x1(hi).pair((p - hi as f64) as f32)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        F32x1(self.0.sqrt())
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        F32x1(if self.0 > o.0 { self.0 } else { o.0 })
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        F32x1(if self.0 < o.0 { self.0 } else { o.0 })
    }
    // Rounding without libm calls (x86-64's baseline SSE2 has no round instruction, so the std
    // methods become function calls): exact for every float, since |x| >= 2^23 is integral.
    #[inline(always)]
    fn round(self) -> Self {
        let a = self.0.abs();
        // adding 2^23 leaves no fraction bits: the FPU rounds half to even
        let r = if a < 8_388_608.0 { (a + 8_388_608.0) - 8_388_608.0 } else { a };
        F32x1(if self.0.is_nan() { self.0 } else { r.copysign(self.0) })
    }
    #[inline(always)]
    fn trunc(self) -> Self {
        let t = if self.0.abs() < 8_388_608.0 { (self.0 as i32) as f32 } else { self.0 };
        F32x1(t.copysign(self.0))
    }
    #[inline(always)]
    fn floor(self) -> Self {
        let t = self.trunc().0;
        F32x1(if t > self.0 { t - 1.0 } else { t })
    }
    #[inline(always)]
    fn ceil(self) -> Self {
        let t = self.trunc().0;
        F32x1(if t < self.0 { t + 1.0 } else { t })
    }
    #[inline(always)]
    fn and_bits(self, o: Self) -> Self {
        F32x1(f32::from_bits(self.0.to_bits() & o.0.to_bits()))
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        F32x1(f32::from_bits(self.0.to_bits() | o.0.to_bits()))
    }
    #[inline(always)]
    fn xor_bits(self, o: Self) -> Self {
        F32x1(f32::from_bits(self.0.to_bits() ^ o.0.to_bits()))
    }
    #[inline(always)]
    fn splat_bits(bits: u32) -> Self {
        F32x1(f32::from_bits(bits))
    }
    #[inline(always)]
    fn pow2i(n: Self) -> Self {
        F32x1(f32::from_bits(((n.0 as i32 + 127) as u32) << 23))
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        let b = self.0.to_bits();
        let e = ((b >> 23) & 0xff) as i32 - 127;
        let m = f32::from_bits((b & 0x007f_ffff) | 0x3f80_0000);
        (F32x1(e as f32), F32x1(m))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> bool {
        self.0 < o.0
    }
    #[inline(always)]
    fn le(self, o: Self) -> bool {
        self.0 <= o.0
    }
    #[inline(always)]
    fn gt(self, o: Self) -> bool {
        self.0 > o.0
    }
    #[inline(always)]
    fn ge(self, o: Self) -> bool {
        self.0 >= o.0
    }
    #[inline(always)]
    fn eq(self, o: Self) -> bool {
        self.0 == o.0
    }
    #[inline(always)]
    fn ne(self, o: Self) -> bool {
        self.0 != o.0
    }
    #[inline(always)]
    fn select(m: bool, a: Self, b: Self) -> Self {
        if m {
            a
        } else {
            b
        }
    }
    #[inline(always)]
    fn mask_and(a: bool, b: bool) -> bool {
        a & b
    }
    #[inline(always)]
    fn mask_or(a: bool, b: bool) -> bool {
        a | b
    }
    #[inline(always)]
    fn mask_not(a: bool) -> bool {
        !a
    }
    #[inline(always)]
    fn mask_any(a: bool) -> bool {
        a
    }
    #[inline(always)]
    fn map_lanes(self, f: impl Fn(f32) -> f32) -> Self {
        F32x1(f(self.0))
    }
}

impl F32x1 {
    #[inline(always)]
    fn pair(self, lo: f32) -> (Self, Self) {
        (self, F32x1(lo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_std_everywhere() {
        let mut xs = vec![0.0f32, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999997, 8_388_607.5, -8_388_607.5, 8_388_608.0, 1e30, -1e30,
            f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MIN_POSITIVE, -1e-40, 3.7, -3.7];
        xs.extend((0..4000).map(|i| (i as f32 - 2000.0) * 0.25 + 0.125));
        for x in xs {
            let v = F32x1(x);
            let same = |a: f32, b: f32| (a.is_nan() && b.is_nan()) || (a == b && a.is_sign_negative() == b.is_sign_negative());
            assert!(same(v.round().0, x.round_ties_even()), "round({x})");
            assert!(same(v.trunc().0, x.trunc()), "trunc({x})");
            assert!(same(v.floor().0, x.floor()), "floor({x})");
            assert!(same(v.ceil().0, x.ceil()), "ceil({x})");
        }
    }
}
