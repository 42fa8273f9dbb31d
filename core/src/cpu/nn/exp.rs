//! An exp that vectorises. libm's `expf` is a call per element; softmax and the
//! cross-entropies spend most of their time in exp, so float32 uses a range reduction plus a
//! polynomial written with plain arithmetic and bit operations, which LLVM turns into SIMD
//! inside the multiversioned kernels. float64 keeps libm's exp (full double accuracy matters
//! more there than speed).

use crate::cpu::num::Float;
use crate::cpu::reduce::MaybeNan;

/// Float types the softmax-family kernels run on.
pub trait Real: Float + MaybeNan + std::ops::Neg<Output = Self> {
    /// exp(x), with float32 accurate to about 2 ulp; +inf above the overflow point, 0 (or
    /// a subnormal) far below, NaN for NaN.
    fn fexp(self) -> Self;
    /// ln(1 + x) accurately near 0.
    fn ln_1p(self) -> Self;
    /// Neither infinite nor NaN.
    fn finite(self) -> bool;
    const NEG_INF: Self;
}

impl Real for f32 {
    #[inline(always)]
    fn fexp(self) -> f32 {
        exp_f32(self)
    }
    #[inline(always)]
    fn ln_1p(self) -> f32 {
        self.ln_1p()
    }
    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }
    const NEG_INF: f32 = f32::NEG_INFINITY;
}

impl Real for f64 {
    #[inline(always)]
    fn fexp(self) -> f64 {
        self.exp()
    }
    #[inline(always)]
    fn ln_1p(self) -> f64 {
        self.ln_1p()
    }
    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }
    const NEG_INF: f64 = f64::NEG_INFINITY;
}

/// exp(x) = 2^k * e^r with k = round(x / ln 2) and |r| <= ln 2 / 2; e^r by a degree-6
/// polynomial (minimax coefficients, as in Cephes' expf); 2^k built from exponent bits in two
/// halves so that k from -150 to 129 (subnormal results and overflow) needs no special case.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split so that k * LN2_HI is exact for the k that occur.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5 * 2^23 rounds to an integer held in the low mantissa bits.
    const SHIFTER: f32 = 12_582_912.0;
    // Comparisons (not f32::max/min) so that NaN passes through unchanged.
    let x = if x < -104.0 { -104.0 } else { x };
    let x = if x > 89.0 { 89.0 } else { x };
    let t = x * LOG2E + SHIFTER;
    let k = t - SHIFTER;
    let ki = (t.to_bits() as i32).wrapping_sub(SHIFTER.to_bits() as i32);
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * (r * r) + r + 1.0;
    let h = ki >> 1;
    let s1 = f32::from_bits(((h + 127) as u32) << 23);
    let s2 = f32::from_bits(((ki - h + 127) as u32) << 23);
    e * s1 * s2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_f32_matches_libm() {
        let mut worst = 0f64;
        let mut x = -87.0f32;
        while x < 88.5 {
            let want = (x as f64).exp();
            let got = exp_f32(x) as f64;
            worst = worst.max(((got - want) / want).abs());
            x += 0.001_37;
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
    }

    #[test]
    fn exp_f32_edges() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(-1e4), 0.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(1e4), f32::INFINITY);
        assert!(exp_f32(f32::NAN).is_nan());
        // Subnormal results are kept (correctly rounded here), not flushed.
        for x in [-88.0f32, -95.0, -100.0, -103.0] {
            let want = (x as f64).exp() as f32;
            assert!((exp_f32(x) - want).abs() <= f32::from_bits(1), "{x}: {} vs {want}", exp_f32(x));
        }
        assert!(exp_f32(88.7) > 3.2e38);
    }
}
