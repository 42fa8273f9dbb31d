//! Run-time SIMD selection (AVX-512, AVX2/FMA, portable fallback) for the elementwise kernels.
//!
//! float32 math is written once, generically over the `F32s` vector trait (`math.rs`), and
//! instantiated three times: 16 lanes of AVX-512, 8 lanes of AVX2+FMA, and a one-lane portable
//! type. Each instantiation lives in a `#[target_feature]` function (`levels.rs`), and `level()`
//! picks one at run time, once. Every other element type goes through generic loops compiled
//! in the same three feature contexts, which LLVM vectorizes where the loop body allows.
//!
//! `LAMINA_SIMD=scalar|avx2|avx512` caps the level (for testing the fallbacks).

use std::sync::atomic::{AtomicU8, Ordering};

pub mod levels;
pub mod math;
pub mod portable;
#[cfg(target_arch = "x86_64")]
pub mod x86_avx2;
#[cfg(target_arch = "x86_64")]
pub mod x86_avx512;

/// The instruction sets a kernel can run with, from least to most capable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Portable = 1,
    Avx2 = 2,
    Avx512 = 3,
}

static LEVEL: AtomicU8 = AtomicU8::new(0);

fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    let hw = if std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        Level::Avx512
    } else if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        Level::Avx2
    } else {
        Level::Portable
    };
    #[cfg(not(target_arch = "x86_64"))]
    let hw = Level::Portable;
    let cap = match std::env::var("LAMINA_SIMD").as_deref() {
        Ok("scalar") | Ok("portable") | Ok("none") => Level::Portable,
        Ok("avx2") => Level::Avx2,
        _ => Level::Avx512,
    };
    hw.min(cap)
}

/// The level every kernel uses, detected on first use.
#[inline]
pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        1 => Level::Portable,
        2 => Level::Avx2,
        3 => Level::Avx512,
        _ => {
            let l = detect();
            LEVEL.store(l as u8, Ordering::Relaxed);
            l
        }
    }
}

/// Every level this machine supports, ignoring `LAMINA_SIMD` (for tests that compare paths).
pub fn hardware_levels() -> Vec<Level> {
    let mut v = vec![Level::Portable];
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            v.push(Level::Avx2);
        }
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            v.push(Level::Avx512);
        }
    }
    v
}

/// A vector of float32 lanes. Implementations exist only for instruction sets the running CPU
/// has: the x86 types are constructed exclusively inside the `#[target_feature]` drivers of
/// `levels.rs`, after `level()` checked the features, which is what makes their intrinsics safe.
///
/// `max`/`min` follow x86 semantics: when either operand is NaN the *second* is returned, so
/// `V::max(lo, x)` keeps a NaN `x` (callers rely on that to propagate NaN through clamps).
pub trait F32s: Copy {
    type Mask: Copy;
    const LANES: usize;

    /// # Safety
    /// `p` must be valid for reading `LANES` floats.
    unsafe fn load(p: *const f32) -> Self;
    /// # Safety
    /// `p` must be valid for writing `LANES` floats.
    unsafe fn store(self, p: *mut f32);
    /// Loads `n < LANES` floats; the other lanes are zero.
    /// # Safety
    /// `p` must be valid for reading `n` floats.
    unsafe fn load_partial(p: *const f32, n: usize) -> Self;
    /// # Safety
    /// `p` must be valid for writing `n` floats.
    unsafe fn store_partial(self, p: *mut f32, n: usize);

    fn splat(v: f32) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    /// self * b + c, fused where the instruction set has FMA.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// The exact product as an unevaluated sum hi + lo.
    fn two_prod(self, b: Self) -> (Self, Self);
    fn sqrt(self) -> Self;
    fn max(self, o: Self) -> Self;
    fn min(self, o: Self) -> Self;
    /// Round half to even.
    fn round(self) -> Self;
    fn floor(self) -> Self;
    fn ceil(self) -> Self;
    fn trunc(self) -> Self;

    fn and_bits(self, o: Self) -> Self;
    fn or_bits(self, o: Self) -> Self;
    fn xor_bits(self, o: Self) -> Self;
    fn splat_bits(bits: u32) -> Self;

    /// 2^n for lanes holding integers in [-126, 127].
    fn pow2i(n: Self) -> Self;
    /// self * 2^n for integral n in [-150, 128], overflowing to inf and underflowing gradually.
    #[inline(always)]
    fn ldexp(self, n: Self) -> Self {
        // two factors so that each is a normal float
        let n1 = n.mul(Self::splat(0.5)).trunc();
        self.mul(Self::pow2i(n1)).mul(Self::pow2i(n.sub(n1)))
    }
    /// For finite positive normal lanes: (e, m) with x = m * 2^e, m in [1, 2), e an integer.
    fn split_exponent(self) -> (Self, Self);

    fn lt(self, o: Self) -> Self::Mask;
    fn le(self, o: Self) -> Self::Mask;
    fn gt(self, o: Self) -> Self::Mask;
    fn ge(self, o: Self) -> Self::Mask;
    fn eq(self, o: Self) -> Self::Mask;
    /// True where the lanes differ or either is NaN.
    fn ne(self, o: Self) -> Self::Mask;
    /// m ? a : b per lane.
    fn select(m: Self::Mask, a: Self, b: Self) -> Self;
    fn mask_and(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    fn mask_or(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    fn mask_not(a: Self::Mask) -> Self::Mask;
    fn mask_any(a: Self::Mask) -> bool;
    /// 1.0 where the mask is set, 0.0 elsewhere.
    fn mask_to_one(m: Self::Mask) -> Self {
        Self::select(m, Self::splat(1.0), Self::splat(0.0))
    }

    /// Applies `f` to each lane (the escape hatch for rare lanes, e.g. huge sin arguments).
    fn map_lanes(self, f: impl Fn(f32) -> f32) -> Self;

    #[inline(always)]
    fn neg(self) -> Self {
        self.xor_bits(Self::splat(-0.0))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        self.and_bits(Self::splat_bits(0x7fff_ffff))
    }
    #[inline(always)]
    fn is_nan(self) -> Self::Mask {
        self.ne(self)
    }
    /// The sign bit of `self` (0.0 or -0.0 in each lane).
    #[inline(always)]
    fn sign_bit(self) -> Self {
        self.and_bits(Self::splat(-0.0))
    }
}
