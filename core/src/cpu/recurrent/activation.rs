//! The activations a recurrent cell can apply inside the fused time loop, and their
//! derivatives written in terms of the activation's *output*: every one of them allows that,
//! so the backward pass only keeps the activated gates and never the pre-activations.

use crate::cpu::gemm::GemmScalar;
use crate::cpu::num::Float;
use crate::ops::recurrent::RnnActivation;
use crate::storage::BufferElement;

/// Element types the recurrent kernels run on (float32, float64). The activation passes are
/// trait methods so a type can bring a vectorized implementation; the defaults are scalar loops.
pub trait RnnFloat: Float + BufferElement + GemmScalar {
    /// out = act(x).
    fn activate_into(act: RnnActivation, x: &[Self], out: &mut [Self]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = apply(act, v);
        }
    }
    /// The buffer pool of this element type.
    fn pool() -> &'static super::pool::Pool<Self>;
    /// out = act(a + b): the gate pre-activation is the sum of the two projections.
    fn activate_sum(act: RnnActivation, a: &[Self], b: &[Self], out: &mut [Self]) {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = apply(act, x + y);
        }
    }
}

impl RnnFloat for f64 {
    fn pool() -> &'static super::pool::Pool<f64> {
        &super::pool::POOL_F64
    }
}

impl RnnFloat for f32 {
    fn pool() -> &'static super::pool::Pool<f32> {
        &super::pool::POOL_F32
    }
    fn activate_into(act: RnnActivation, x: &[f32], out: &mut [f32]) {
        super::simd::activate_into_f32(act, x, out)
    }
    fn activate_sum(act: RnnActivation, a: &[f32], b: &[f32], out: &mut [f32]) {
        super::simd::activate_sum_f32(act, a, b, out)
    }
}

#[inline(always)]
pub fn sigmoid<T: Float>(x: T) -> T {
    T::one() / (T::one() + x.neg().exp())
}

/// Keras 3's hard_sigmoid: relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1).
#[inline(always)]
pub fn hard_sigmoid<T: Float>(x: T) -> T {
    let y = x / T::from_f64(6.0) + T::from_f64(0.5);
    if y < T::zero() {
        T::zero()
    } else if y > T::one() {
        T::one()
    } else {
        y
    }
}

/// The activation applied to one value.
#[inline(always)]
pub fn apply<T: Float>(act: RnnActivation, x: T) -> T {
    match act {
        RnnActivation::Linear => x,
        RnnActivation::Tanh => x.tanh(),
        RnnActivation::Sigmoid => sigmoid(x),
        RnnActivation::Relu => {
            if x > T::zero() {
                x
            } else {
                T::zero()
            }
        }
        RnnActivation::HardSigmoid => hard_sigmoid(x),
    }
}

/// out = act'(x) where y = act(x): tanh 1 - y^2; sigmoid y (1 - y); relu 1 where y > 0;
/// hard_sigmoid 1/6 where 0 < y < 1 (its linear piece); linear 1. Every activation here allows
/// writing its derivative from its output, so the forward keeps only the activated gates.
/// The match is outside the loop, so each arm is a plain arithmetic loop the compiler vectorizes.
pub fn derivative_into<T: Float>(act: RnnActivation, y: &[T], out: &mut [T]) {
    let pairs = out.iter_mut().zip(y);
    match act {
        RnnActivation::Linear => pairs.for_each(|(o, _)| *o = T::one()),
        RnnActivation::Tanh => pairs.for_each(|(o, &v)| *o = T::one() - v * v),
        RnnActivation::Sigmoid => pairs.for_each(|(o, &v)| *o = v * (T::one() - v)),
        RnnActivation::Relu => pairs.for_each(|(o, &v)| *o = if v > T::zero() { T::one() } else { T::zero() }),
        RnnActivation::HardSigmoid => {
            let slope = T::from_f64(1.0 / 6.0);
            pairs.for_each(|(o, &v)| *o = if v > T::zero() && v < T::one() { slope } else { T::zero() })
        }
    }
}
