//! The activations a recurrent cell can apply inside the fused time loop, and their
//! derivatives written in terms of the activation's *output*: every one of them allows that,
//! so the backward pass only keeps the activated gates and never the pre-activations.

use crate::cpu::num::Float;
use crate::ops::recurrent::RnnActivation;
use crate::storage::BufferElement;

/// Element types the recurrent kernels run on (float32, float64). `activate` is a trait method
/// so a type can bring a vectorized implementation; the default is the scalar loop.
pub trait RnnFloat: Float + BufferElement {
    fn activate(act: RnnActivation, v: &mut [Self]) {
        activate_scalar(act, v)
    }
}

impl RnnFloat for f64 {}

impl RnnFloat for f32 {
    fn activate(act: RnnActivation, v: &mut [f32]) {
        super::simd::activate_f32(act, v)
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

/// The activation in place over a run of values.
pub fn activate_scalar<T: Float>(act: RnnActivation, v: &mut [T]) {
    match act {
        RnnActivation::Linear => {}
        RnnActivation::Tanh => v.iter_mut().for_each(|x| *x = x.tanh()),
        RnnActivation::Sigmoid => v.iter_mut().for_each(|x| *x = sigmoid(*x)),
        RnnActivation::Relu => v.iter_mut().for_each(|x| {
            if !(*x > T::zero()) {
                *x = T::zero()
            }
        }),
        RnnActivation::HardSigmoid => v.iter_mut().for_each(|x| *x = hard_sigmoid(*x)),
    }
}

/// d act(x) / dx at the point where act(x) = y.
/// tanh: 1 - y^2; sigmoid: y (1 - y); relu: 1 where y > 0; hard_sigmoid: 1/6 where 0 < y < 1
/// (its linear piece); linear: 1.
#[inline(always)]
pub fn derivative<T: Float>(act: RnnActivation, y: T) -> T {
    match act {
        RnnActivation::Linear => T::one(),
        RnnActivation::Tanh => T::one() - y * y,
        RnnActivation::Sigmoid => y * (T::one() - y),
        RnnActivation::Relu => {
            if y > T::zero() {
                T::one()
            } else {
                T::zero()
            }
        }
        RnnActivation::HardSigmoid => {
            if y > T::zero() && y < T::one() {
                T::from_f64(1.0 / 6.0)
            } else {
                T::zero()
            }
        }
    }
}
