//! The binary elementwise kernels, one small struct per op.
//!
//! - `NumBinary` ops (arithmetic, minimum/maximum, power, floor_divide, mod) work on every
//!   numeric dtype; the float32 arithmetic overrides `run_f32` with an explicit SIMD loop.
//! - `FloatBinary` ops are the fused backward kernels: `grad(g, saved)` in one pass, e.g.
//!   relu's g * (x > 0) or sigmoid's g * y * (1 - y) from the saved output.

use std::mem::MaybeUninit;

use crate::cpu::num::Num;
use crate::cpu::simd::levels::{each2, zip_f32, Src, ZipF32};
use crate::cpu::simd::{math, F32s};
use crate::cpu::unary::kernels::{SELU_ALPHA, SELU_SCALE};

/// A numeric binary op generic over the element type, with an optional float32 SIMD loop.
pub trait NumBinary: Sync {
    fn num<T: Num>(&self, a: T, b: T) -> T;
    #[inline]
    fn run_f32(&self, a: Src<f32>, b: Src<f32>, o: &mut [MaybeUninit<f32>]) {
        each2(a, b, o, &|x, y| self.num(x, y))
    }
}

macro_rules! num_binary {
    ($(#[$doc:meta])* $name:ident, |$a:ident, $b:ident| $body:expr $(, simd |$va:ident, $vb:ident| $v:expr)?) => {
        $(#[$doc])*
        pub struct $name;
        impl NumBinary for $name {
            #[inline(always)]
            fn num<T: Num>(&self, $a: T, $b: T) -> T {
                $body
            }
            $(
            #[inline]
            fn run_f32(&self, a: Src<f32>, b: Src<f32>, o: &mut [MaybeUninit<f32>]) {
                struct Lanes;
                impl ZipF32 for Lanes {
                    #[inline(always)]
                    fn apply<V: F32s>(&self, $va: V, $vb: V) -> V {
                        $v
                    }
                }
                zip_f32(&Lanes, a, b, o)
            }
            )?
        }
    };
}

num_binary!(Add, |a, b| a + b, simd |a, b| a.add(b));
num_binary!(Sub, |a, b| a - b, simd |a, b| a.sub(b));
num_binary!(Mul, |a, b| a * b, simd |a, b| a.mul(b));
num_binary!(
    /// True division (only ever run on floats).
    Div,
    |a, b| a / b,
    simd |a, b| a.div(b)
);
num_binary!(
    /// NaN-propagating maximum (numpy.maximum).
    Maximum,
    |a, b| a.maximum(b),
    simd |a, b| V::select(a.is_nan(), a, a.max(b))
);
num_binary!(
    /// NaN-propagating minimum (numpy.minimum).
    Minimum,
    |a, b| a.minimum(b),
    simd |a, b| V::select(a.is_nan(), a, a.min(b))
);
num_binary!(Power, |a, b| a.pow(b));
num_binary!(FloorDivide, |a, b| a.floor_div(b));
num_binary!(Mod, |a, b| a.modulo(b));

// ---------------------------------------------------------------------------------------------
// Fused backward kernels: (g, saved) -> gradient

/// A float op of two operands with a float32 SIMD form and a float64 scalar form.
pub trait FloatBinary: ZipF32 {
    fn f64(&self, a: f64, b: f64) -> f64;
}

/// Runs a float binary op over float32 operands.
#[inline]
pub fn run_f32<K: FloatBinary>(k: &K, a: Src<f32>, b: Src<f32>, o: &mut [MaybeUninit<f32>]) {
    zip_f32(k, a, b, o)
}

/// Runs a float binary op over float64 operands.
#[inline]
pub fn run_f64<K: FloatBinary>(k: &K, a: Src<f64>, b: Src<f64>, o: &mut [MaybeUninit<f64>]) {
    each2(a, b, o, &|x, y| k.f64(x, y))
}

macro_rules! float_binary {
    ($(#[$doc:meta])* $name:ident, |$a:ident, $b:ident| $v:expr, |$sa:ident, $sb:ident| $f:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl ZipF32 for $name {
            #[inline(always)]
            fn apply<V: F32s>(&self, $a: V, $b: V) -> V {
                $v
            }
        }
        impl FloatBinary for $name {
            #[inline(always)]
            fn f64(&self, $sa: f64, $sb: f64) -> f64 {
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

float_binary!(
    /// relu'(x) = 1 for x > 0, else 0 (so 0 at the kink, as TF).
    ReluGrad,
    |g, x| V::select(x.gt(V::splat(0.0)), g, V::splat(0.0)),
    |g, x| if x > 0.0 { g } else { 0.0 }
);
float_binary!(
    /// relu6' = 1 strictly inside (0, 6).
    Relu6Grad,
    |g, x| V::select(V::mask_and(x.gt(V::splat(0.0)), x.lt(V::splat(6.0))), g, V::splat(0.0)),
    |g, x| if x > 0.0 && x < 6.0 { g } else { 0.0 }
);
float_binary!(
    /// From the output y: sigmoid' = y (1 - y).
    SigmoidGrad,
    |g, y| g.mul(y).mul(V::splat(1.0).sub(y)),
    |g, y| g * y * (1.0 - y)
);
float_binary!(
    /// From the output y: tanh' = 1 - y^2.
    TanhGrad,
    |g, y| g.mul(y.mul(y).neg().add(V::splat(1.0))),
    |g, y| g * (1.0 - y * y)
);
float_binary!(
    /// softplus' = sigmoid(x).
    SoftplusGrad,
    |g, x| g.mul(math::sigmoid(x)),
    |g, x| g * sigmoid64(x)
);
float_binary!(
    /// silu' = s (1 + x (1 - s)), s = sigmoid(x).
    SiluGrad,
    |g, x| {
        let s = math::sigmoid(x);
        g.mul(s).mul(x.mul(V::splat(1.0).sub(s)).add(V::splat(1.0)))
    },
    |g, x| {
        let s = sigmoid64(x);
        g * s * (1.0 + x * (1.0 - s))
    }
);
float_binary!(
    /// d/dx x sigmoid(z(x)) with z = 2c (x + a x^3): s + x s (1 - s) z'.
    GeluTanhGrad,
    |g, x| {
        let s = math::sigmoid(math::gelu_tanh_arg(x));
        let dz = x.mul(x).mul_add(V::splat(3.0 * math::GELU_A), V::splat(1.0)).mul(V::splat(2.0 * math::GELU_C));
        g.mul(x.mul(s).mul(V::splat(1.0).sub(s)).mul_add(dz, s))
    },
    |g, x| {
        let c = 0.797_884_560_802_865_4;
        let s = sigmoid64(2.0 * c * (x + 0.044715 * x * x * x));
        g * (s + x * s * (1.0 - s) * 2.0 * c * (1.0 + 3.0 * 0.044715 * x * x))
    }
);
float_binary!(
    /// d/dx x Phi(x) = Phi(x) + x phi(x).
    GeluErfGrad,
    |g, x| g.mul(x.mul(math::gauss(x)).mul_add(V::splat(math::FRAC_1_SQRT_2PI), math::phi(x))),
    |g, x| g * (math::phi_f64(x) + x * (-0.5 * x * x).exp() * 0.398_942_280_401_432_7)
);
float_binary!(
    /// softsign' = 1 / (1 + |x|)^2.
    SoftsignGrad,
    |g, x| {
        let d = x.abs().add(V::splat(1.0));
        g.div(d.mul(d))
    },
    |g, x| g / ((1.0 + x.abs()) * (1.0 + x.abs()))
);
float_binary!(
    /// hard_sigmoid' = 1/6 strictly inside (-3, 3).
    HardSigmoidGrad,
    |g, x| V::select(V::mask_and(x.gt(V::splat(-3.0)), x.lt(V::splat(3.0))), g.mul(V::splat(1.0 / 6.0)), V::splat(0.0)),
    |g, x| if x > -3.0 && x < 3.0 { g / 6.0 } else { 0.0 }
);
float_binary!(
    /// hard_silu' = hard_sigmoid(x) + x hard_sigmoid'(x).
    HardSiluGrad,
    |g, x| {
        let inside = V::mask_and(x.gt(V::splat(-3.0)), x.lt(V::splat(3.0)));
        let hs = V::splat(1.0).min(V::splat(0.0).max(x.mul_add(V::splat(1.0 / 6.0), V::splat(0.5))));
        g.mul(V::select(inside, x.mul_add(V::splat(1.0 / 3.0), V::splat(0.5)), hs))
    },
    |g, x| g * if x > -3.0 && x < 3.0 { x / 3.0 + 0.5 } else if x >= 3.0 { 1.0 } else { 0.0 }
);
float_binary!(
    /// From the output y = sqrt(x): 1 / (2 y).
    SqrtGrad,
    |g, y| g.mul(V::splat(0.5)).div(y),
    |g, y| g * 0.5 / y
);
float_binary!(
    /// From the output y = x^-1/2: -y^3 / 2.
    RsqrtGrad,
    |g, y| g.mul(y.mul(y).mul(y)).mul(V::splat(-0.5)),
    |g, y| -0.5 * g * y * y * y
);
float_binary!(
    /// From the output y = 1/x: -y^2.
    ReciprocalGrad,
    |g, y| g.mul(y.mul(y)).neg(),
    |g, y| -g * y * y
);
float_binary!(
    /// From the output y = e^x - 1: y + 1.
    Expm1Grad,
    |g, y| g.mul(y.add(V::splat(1.0))),
    |g, y| g * (y + 1.0)
);
float_binary!(
    /// 1 / (1 + x).
    Log1pGrad,
    |g, x| g.div(x.add(V::splat(1.0))),
    |g, x| g / (1.0 + x)
);
float_binary!(SinGrad, |g, x| g.mul(math::cos(x)), |g, x| g * x.cos());
float_binary!(CosGrad, |g, x| g.mul(math::sin(x)).neg(), |g, x| -g * x.sin());
float_binary!(
    /// abs'(x) = sign(x), 0 at 0 (as TF).
    AbsGrad,
    |g, x| {
        let s = V::select(x.gt(V::splat(0.0)), V::splat(1.0), V::select(x.lt(V::splat(0.0)), V::splat(-1.0), V::splat(0.0)));
        g.mul(s)
    },
    |g, x| if x > 0.0 { g } else if x < 0.0 { -g } else { 0.0 }
);
float_binary!(
    /// (x^2)' = 2x.
    SquareGrad,
    |g, x| g.mul(x).mul(V::splat(2.0)),
    |g, x| 2.0 * g * x
);

/// leaky_relu' = 1 for x > 0, alpha otherwise.
pub struct LeakyReluGrad {
    pub alpha: f64,
}
impl ZipF32 for LeakyReluGrad {
    #[inline(always)]
    fn apply<V: F32s>(&self, g: V, x: V) -> V {
        V::select(x.gt(V::splat(0.0)), g, g.mul(V::splat(self.alpha as f32)))
    }
}
impl FloatBinary for LeakyReluGrad {
    fn f64(&self, g: f64, x: f64) -> f64 {
        if x > 0.0 {
            g
        } else {
            g * self.alpha
        }
    }
}

/// elu' = scale for x > 0, scale * alpha * e^x otherwise (selu: its alpha and scale).
pub struct EluGrad {
    pub alpha: f64,
    pub scale: f64,
}
impl EluGrad {
    pub fn selu() -> EluGrad {
        EluGrad { alpha: SELU_ALPHA, scale: SELU_SCALE }
    }
}
impl ZipF32 for EluGrad {
    #[inline(always)]
    fn apply<V: F32s>(&self, g: V, x: V) -> V {
        let neg = math::exp(x).mul(V::splat((self.alpha * self.scale) as f32));
        g.mul(V::select(x.gt(V::splat(0.0)), V::splat(self.scale as f32), neg))
    }
}
impl FloatBinary for EluGrad {
    fn f64(&self, g: f64, x: f64) -> f64 {
        g * if x > 0.0 { self.scale } else { self.scale * self.alpha * x.exp() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::simd::hardware_levels;
    use crate::cpu::simd::levels::zip_f32_unchecked;

    fn run_at<K: ZipF32>(lv: crate::cpu::simd::Level, k: &K, a: Src<f32>, b: Src<f32>, n: usize) -> Vec<f32> {
        let mut o = vec![MaybeUninit::<f32>::uninit(); n];
        // SAFETY: hardware_levels lists only supported levels.
        unsafe { zip_f32_unchecked(lv, k, a, b, &mut o) };
        o.iter().map(|v| unsafe { v.assume_init() }).collect()
    }

    #[test]
    fn simd_arithmetic_matches_scalar_for_every_length_and_broadcast() {
        struct AddL;
        impl ZipF32 for AddL {
            fn apply<V: F32s>(&self, a: V, b: V) -> V {
                a.add(b)
            }
        }
        for n in [0, 1, 5, 8, 16, 17, 31, 100] {
            let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
            let b: Vec<f32> = (0..n).map(|i| 100.0 - i as f32).collect();
            for lv in hardware_levels() {
                assert_eq!(run_at(lv, &AddL, Src::Slice(&a), Src::Slice(&b), n), a.iter().zip(&b).map(|(x, y)| x + y).collect::<Vec<_>>());
                assert_eq!(run_at(lv, &AddL, Src::Slice(&a), Src::Scalar(2.0), n), a.iter().map(|x| x + 2.0).collect::<Vec<_>>());
                assert_eq!(run_at(lv, &AddL, Src::Scalar(-1.0), Src::Slice(&b), n), b.iter().map(|y| y - 1.0).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn maximum_minimum_propagate_nan_on_every_level() {
        struct MaxL;
        impl ZipF32 for MaxL {
            fn apply<V: F32s>(&self, a: V, b: V) -> V {
                V::select(a.is_nan(), a, a.max(b))
            }
        }
        let a = [f32::NAN, 1.0, 2.0, f32::NAN, -0.5, 3.0, 1.0, 0.0, 9.0];
        let b = [1.0, f32::NAN, 1.0, f32::NAN, -1.0, f32::INFINITY, 1.0, -0.0, 8.0];
        for lv in hardware_levels() {
            let got = run_at(lv, &MaxL, Src::Slice(&a), Src::Slice(&b), a.len());
            for i in 0..a.len() {
                let want = Num::maximum(a[i], b[i]);
                assert!(got[i] == want || (got[i].is_nan() && want.is_nan()), "{lv:?} {i}: {} vs {}", got[i], want);
            }
        }
    }

    #[test]
    fn fused_grads_match_their_f64_forms() {
        fn check<K: FloatBinary>(name: &str, k: &K) {
            let x: Vec<f32> = (0..801).map(|i| (i as f32 - 400.0) * 0.025).collect();
            let g: Vec<f32> = (0..801).map(|i| 1.0 + (i % 7) as f32 * 0.25).collect();
            for lv in hardware_levels() {
                let got = run_at(lv, k, Src::Slice(&g), Src::Slice(&x), x.len());
                for i in 0..x.len() {
                    let want = k.f64(g[i] as f64, x[i] as f64);
                    let ok = got[i] as f64 == want || (got[i] as f64 - want).abs() <= 2e-6 * want.abs().max(1.0);
                    assert!(ok, "{name} {lv:?} x={}: {} vs {}", x[i], got[i], want);
                }
            }
        }
        check("relu", &ReluGrad);
        check("relu6", &Relu6Grad);
        check("softplus", &SoftplusGrad);
        check("silu", &SiluGrad);
        check("gelu_tanh", &GeluTanhGrad);
        check("gelu_erf", &GeluErfGrad);
        check("softsign", &SoftsignGrad);
        check("hard_sigmoid", &HardSigmoidGrad);
        check("hard_silu", &HardSiluGrad);
        check("log1p", &Log1pGrad);
        check("sin", &SinGrad);
        check("cos", &CosGrad);
        check("abs", &AbsGrad);
        check("leaky", &LeakyReluGrad { alpha: 0.2 });
        check("elu", &EluGrad { alpha: 1.0, scale: 1.0 });
        check("selu", &EluGrad::selu());
    }
}
