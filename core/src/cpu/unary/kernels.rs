//! The unary elementwise kernels, one small struct per op.
//!
//! - `FloatUnary` ops (math functions, activations) have a float32 form over `F32s` lanes (the
//!   SIMD path) and a float64 scalar form.
//! - `NumUnary` ops (abs, negative, square, sign, relu, rounding) work on every numeric dtype;
//!   some override `run_f32` with an explicit SIMD loop, the rest are compiler-vectorized.

use std::mem::MaybeUninit;

use crate::cpu::num::Num;
use crate::cpu::simd::levels::{each, map_f32, MapF32};
use crate::cpu::simd::math;
use crate::cpu::simd::F32s;

/// A float op with a vector float32 form (`MapF32::apply`) and a scalar float64 form.
pub trait FloatUnary: MapF32 {
    fn f64(&self, x: f64) -> f64;
}

/// Runs a float op over a float32 run.
#[inline]
pub fn run_f32<K: FloatUnary>(k: &K, x: &[f32], o: &mut [MaybeUninit<f32>]) {
    map_f32(k, x, o)
}

/// Runs a float op over a float64 run.
#[inline]
pub fn run_f64<K: FloatUnary>(k: &K, x: &[f64], o: &mut [MaybeUninit<f64>]) {
    each(x, o, &|v| k.f64(v))
}

macro_rules! float_unary {
    ($(#[$doc:meta])* $name:ident, |$x:ident| $v:expr, |$s:ident| $f:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl MapF32 for $name {
            #[inline(always)]
            fn apply<V: F32s>(&self, $x: V) -> V {
                $v
            }
        }
        impl FloatUnary for $name {
            #[inline(always)]
            fn f64(&self, $s: f64) -> f64 {
                $f
            }
        }
    };
}

fn sigmoid64(x: f64) -> f64 {
    let e = (-x.abs()).exp();
    let s = 1.0 / (1.0 + e);
    if x >= 0.0 {
        s
    } else {
        e * s
    }
}

fn softplus64(x: f64) -> f64 {
    // NaN-propagating max(x, 0) + log1p(e^-|x|)
    let m = if x > 0.0 || x.is_nan() { x } else { 0.0 };
    m + (-x.abs()).exp().ln_1p()
}

const GELU_C64: f64 = 0.797_884_560_802_865_4;

fn gelu_tanh64(x: f64) -> f64 {
    x * sigmoid64(2.0 * GELU_C64 * (x + 0.044715 * x * x * x))
}

pub(crate) const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
pub(crate) const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

float_unary!(Exp, |x| math::exp(x), |x| x.exp());
float_unary!(Expm1, |x| math::expm1(x), |x| x.exp_m1());
float_unary!(Log, |x| math::ln(x), |x| x.ln());
float_unary!(Log1p, |x| math::ln_1p(x), |x| x.ln_1p());
float_unary!(Sqrt, |x| x.sqrt(), |x| x.sqrt());
float_unary!(Rsqrt, |x| V::splat(1.0).div(x.sqrt()), |x| 1.0 / x.sqrt());
float_unary!(Reciprocal, |x| V::splat(1.0).div(x), |x| 1.0 / x);
float_unary!(Sin, |x| math::sin(x), |x| x.sin());
float_unary!(Cos, |x| math::cos(x), |x| x.cos());
float_unary!(Tanh, |x| math::tanh(x), |x| x.tanh());
float_unary!(Sigmoid, |x| math::sigmoid(x), |x| sigmoid64(x));
float_unary!(Softplus, |x| math::softplus(x), |x| softplus64(x));
float_unary!(Softsign, |x| x.div(x.abs().add(V::splat(1.0))), |x| x / (1.0 + x.abs()));
float_unary!(Silu, |x| x.mul(math::sigmoid(x)), |x| x * sigmoid64(x));
float_unary!(GeluTanh, |x| math::gelu_tanh(x), |x| gelu_tanh64(x));
float_unary!(GeluErf, |x| x.mul(math::phi(x)), |x| x * math::phi_f64(x));
float_unary!(
    /// Keras 3: relu6(x + 3) / 6.
    HardSigmoid,
    |x| hard_sigmoid(x),
    |x| hard_sigmoid64(x)
);
float_unary!(HardSilu, |x| x.mul(hard_sigmoid(x)), |x| x * hard_sigmoid64(x));

#[inline(always)]
fn hard_sigmoid<V: F32s>(x: V) -> V {
    // min(6, max(0, x + 3)) / 6, NaN kept by the operand order of max/min
    V::splat(6.0).min(V::splat(0.0).max(x.add(V::splat(3.0)))).mul(V::splat(1.0 / 6.0))
}

fn hard_sigmoid64(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    (x + 3.0).clamp(0.0, 6.0) / 6.0
}

/// x for x > 0, alpha * x otherwise.
pub struct LeakyRelu {
    pub alpha: f64,
}
impl MapF32 for LeakyRelu {
    #[inline(always)]
    fn apply<V: F32s>(&self, x: V) -> V {
        V::select(x.gt(V::splat(0.0)), x, x.mul(V::splat(self.alpha as f32)))
    }
}
impl FloatUnary for LeakyRelu {
    #[inline(always)]
    fn f64(&self, x: f64) -> f64 {
        if x > 0.0 {
            x
        } else {
            x * self.alpha
        }
    }
}

/// scale * (x for x > 0, alpha * (e^x - 1) otherwise): elu with scale 1, selu with its constants.
pub struct Elu {
    pub alpha: f64,
    pub scale: f64,
}
impl MapF32 for Elu {
    #[inline(always)]
    fn apply<V: F32s>(&self, x: V) -> V {
        let neg = math::expm1(x).mul(V::splat(self.alpha as f32));
        V::select(x.gt(V::splat(0.0)), x, neg).mul(V::splat(self.scale as f32))
    }
}
impl FloatUnary for Elu {
    #[inline(always)]
    fn f64(&self, x: f64) -> f64 {
        self.scale * if x > 0.0 { x } else { self.alpha * x.exp_m1() }
    }
}

// ---------------------------------------------------------------------------------------------
// Ops on every numeric dtype

/// A numeric op generic over the element type, with an optional explicit float32 SIMD loop.
pub trait NumUnary: Sync {
    fn num<T: Num>(&self, x: T) -> T;
    #[inline]
    fn run_f32(&self, x: &[f32], o: &mut [MaybeUninit<f32>]) {
        each(x, o, &|v| self.num(v))
    }
}

macro_rules! num_unary {
    ($(#[$doc:meta])* $name:ident, |$x:ident| $body:expr $(, simd |$vx:ident| $v:expr)?) => {
        $(#[$doc])*
        pub struct $name;
        impl NumUnary for $name {
            #[inline(always)]
            fn num<T: Num>(&self, $x: T) -> T {
                $body
            }
            $(
            #[inline]
            fn run_f32(&self, x: &[f32], o: &mut [MaybeUninit<f32>]) {
                struct Lanes;
                impl MapF32 for Lanes {
                    #[inline(always)]
                    fn apply<V: F32s>(&self, $vx: V) -> V {
                        $v
                    }
                }
                map_f32(&Lanes, x, o)
            }
            )?
        }
    };
}

num_unary!(Negative, |x| x.neg(), simd |x| x.neg());
num_unary!(Abs, |x| x.abs(), simd |x| x.abs());
num_unary!(Square, |x| x * x, simd |x| x.mul(x));
num_unary!(Sign, |x| x.signum());
num_unary!(
    /// max(x, 0), NaN propagating.
    Relu,
    |x| x.maximum(T::zero()),
    simd |x| V::splat(0.0).max(x)
);
num_unary!(
    /// min(max(x, 0), 6), NaN propagating.
    Relu6,
    |x| x.maximum(T::zero()).minimum(T::from_f64(6.0)),
    simd |x| V::splat(6.0).min(V::splat(0.0).max(x))
);

/// floor / ceil / round-half-to-even for float runs (integers are their own rounding).
pub struct Floor;
pub struct Ceil;
pub struct RoundEven;
impl MapF32 for Floor {
    #[inline(always)]
    fn apply<V: F32s>(&self, x: V) -> V {
        x.floor()
    }
}
impl FloatUnary for Floor {
    fn f64(&self, x: f64) -> f64 {
        x.floor()
    }
}
impl MapF32 for Ceil {
    #[inline(always)]
    fn apply<V: F32s>(&self, x: V) -> V {
        x.ceil()
    }
}
impl FloatUnary for Ceil {
    fn f64(&self, x: f64) -> f64 {
        x.ceil()
    }
}
impl MapF32 for RoundEven {
    #[inline(always)]
    fn apply<V: F32s>(&self, x: V) -> V {
        x.round()
    }
}
impl FloatUnary for RoundEven {
    fn f64(&self, x: f64) -> f64 {
        x.round_ties_even()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::simd::levels::map_f32_unchecked;
    use crate::cpu::simd::hardware_levels;

    /// Every SIMD level gives the portable path's results (up to the FMA rounding difference)
    /// for every length, so tails and full vectors agree.
    fn same_on_all_levels<K: FloatUnary>(name: &str, k: &K, xs: &[f32]) {
        same_on_all_levels_tol(name, k, xs, 4.0 * f32::EPSILON as f64)
    }

    fn same_on_all_levels_tol<K: FloatUnary>(name: &str, k: &K, xs: &[f32], rel: f64) {
        let levels = hardware_levels();
        for n in [0, 1, 7, 8, 15, 16, 17, 33, xs.len()] {
            let x = &xs[..n.min(xs.len())];
            let mut results = vec![];
            for &lv in &levels {
                let mut o = vec![MaybeUninit::<f32>::uninit(); x.len()];
                // SAFETY: hardware_levels lists only supported levels.
                unsafe { map_f32_unchecked(lv, k, x, &mut o) };
                results.push(o.iter().map(|v| unsafe { v.assume_init() }).collect::<Vec<f32>>());
            }
            for (r, lv) in results.iter().zip(&levels).skip(1) {
                for (i, (&a, &b)) in r.iter().zip(&results[0]).enumerate() {
                    let ok = (a.is_nan() && b.is_nan()) || a == b || ((a - b).abs() as f64) <= rel * (b.abs() as f64).max(1e-30);
                    assert!(ok, "{name} at {lv:?}: x = {:e}: {a:e} vs portable {b:e}", x[i]);
                }
            }
        }
    }

    #[test]
    fn simd_levels_agree() {
        let mut xs: Vec<f32> = (0..2000).map(|i| ((i as f32) - 1000.0) * 0.037).collect();
        xs.extend([f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0, 1e-40, 88.9, -104.0, 1e30, -1e30]);
        same_on_all_levels("exp", &Exp, &xs);
        same_on_all_levels("expm1", &Expm1, &xs);
        same_on_all_levels("log", &Log, &xs);
        same_on_all_levels("log1p", &Log1p, &xs);
        same_on_all_levels("tanh", &Tanh, &xs);
        same_on_all_levels("sigmoid", &Sigmoid, &xs);
        same_on_all_levels("softplus", &Softplus, &xs);
        // ill-conditioned for x < -5 (see math.rs), where FMA and non-FMA rounding differ more
        same_on_all_levels_tol("gelu", &GeluTanh, &xs, 1e-4);
        same_on_all_levels("gelu_erf", &GeluErf, &xs);
        same_on_all_levels("sin", &Sin, &xs);
        same_on_all_levels("cos", &Cos, &xs);
        same_on_all_levels("elu", &Elu { alpha: 1.0, scale: 1.0 }, &xs);
        same_on_all_levels("hard_sigmoid", &HardSigmoid, &xs);
        same_on_all_levels("round", &RoundEven, &xs);
    }

    #[test]
    fn f32_and_f64_forms_agree() {
        fn close<K: FloatUnary>(name: &str, k: &K, tol: f64) {
            let xs: Vec<f32> = (0..4001).map(|i| ((i as f32) - 2000.0) * 0.01).collect();
            let mut o = vec![MaybeUninit::<f32>::uninit(); xs.len()];
            run_f32(k, &xs, &mut o);
            for (&x, y) in xs.iter().zip(&o) {
                let (y, want) = (unsafe { y.assume_init() } as f64, k.f64(x as f64));
                let ok = (y.is_nan() && want.is_nan()) || y == want || (y - want).abs() <= tol * want.abs().max(1e-6);
                assert!(ok, "{name}({x}) = {y}, f64 says {want}");
            }
        }
        close("softsign", &Softsign, 1e-6);
        close("silu", &Silu, 1e-6);
        close("hard_silu", &HardSilu, 1e-6);
        close("leaky_relu", &LeakyRelu { alpha: 0.2 }, 1e-6);
        close("selu", &Elu { alpha: SELU_ALPHA, scale: SELU_SCALE }, 1e-6);
        close("rsqrt", &Rsqrt, 1e-6);
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::cpu::simd::levels::map_f32_unchecked;
    use crate::cpu::simd::hardware_levels;

    /// ns per element of each float32 kernel at each level, single thread, L2-resident data.
    /// `cargo test --release -p lamina-core kernel_timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn kernel_timing() {
        fn time<K: FloatUnary>(name: &str, k: &K) {
            let n = 1 << 14;
            let x: Vec<f32> = (0..n).map(|i| ((i % 2000) as f32 - 1000.0) * 0.01).collect();
            let mut o = vec![MaybeUninit::<f32>::uninit(); n];
            let mut line = format!("{name:>12}");
            for lv in hardware_levels() {
                let reps = 200;
                let t0 = std::time::Instant::now();
                for _ in 0..reps {
                    unsafe { map_f32_unchecked(lv, k, std::hint::black_box(&x), &mut o) };
                }
                let ns = t0.elapsed().as_nanos() as f64 / (reps * n) as f64;
                line += &format!("  {lv:?}: {ns:.3} ns");
            }
            let t0 = std::time::Instant::now();
            let mut acc = 0.0f64;
            for _ in 0..20 {
                for &v in &x {
                    acc += k.f64(v as f64);
                }
            }
            line += &format!("  f64 scalar: {:.3} ns ({acc:.1})", t0.elapsed().as_nanos() as f64 / (20 * n) as f64);
            println!("{line}");
        }
        time("exp", &Exp);
        time("tanh", &Tanh);
        time("sigmoid", &Sigmoid);
        time("log", &Log);
        time("softplus", &Softplus);
        time("gelu", &GeluTanh);
        time("gelu_erf", &GeluErf);
        time("sin", &Sin);
    }
}
