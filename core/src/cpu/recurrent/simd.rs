//! float32 gate activations on the SIMD levels of `cpu::simd` (AVX-512, AVX2/FMA, portable),
//! fused with the sum of the input and recurrent projections: out = act(a + b) in one pass.

use std::mem::MaybeUninit;

use crate::cpu::simd::levels::{map_f32, zip_f32, MapF32, Src, ZipF32};
use crate::cpu::simd::{math, F32s};
use crate::ops::recurrent::RnnActivation;

#[inline(always)]
fn act<V: F32s, const A: u8>(x: V) -> V {
    match A {
        TANH => math::tanh(x),
        SIGMOID => math::sigmoid(x),
        RELU => V::splat(0.0).max(x),
        // Keras 3: relu6(x + 3) / 6, written as clip(x / 6 + 1/2, 0, 1).
        HARD_SIGMOID => V::splat(1.0).min(V::splat(0.0).max(x.mul_add(V::splat(1.0 / 6.0), V::splat(0.5)))),
        _ => x,
    }
}

const LINEAR: u8 = 0;
const TANH: u8 = 1;
const SIGMOID: u8 = 2;
const RELU: u8 = 3;
const HARD_SIGMOID: u8 = 4;

struct Act<const A: u8>;

impl<const A: u8> MapF32 for Act<A> {
    #[inline(always)]
    fn apply<V: F32s>(&self, x: V) -> V {
        act::<V, A>(x)
    }
}

struct SumAct<const A: u8>;

impl<const A: u8> ZipF32 for SumAct<A> {
    #[inline(always)]
    fn apply<V: F32s>(&self, a: V, b: V) -> V {
        act::<V, A>(a.add(b))
    }
}

fn uninit(out: &mut [f32]) -> &mut [MaybeUninit<f32>] {
    // SAFETY: MaybeUninit<f32> has f32's layout, and the kernels only write initialized floats.
    unsafe { &mut *(out as *mut [f32] as *mut [MaybeUninit<f32>]) }
}

/// out = act(x).
pub fn activate_into_f32(a: RnnActivation, x: &[f32], out: &mut [f32]) {
    let o = uninit(out);
    match a {
        RnnActivation::Linear => o.iter_mut().zip(x).for_each(|(o, &v)| {
            o.write(v);
        }),
        RnnActivation::Tanh => map_f32(&Act::<TANH>, x, o),
        RnnActivation::Sigmoid => map_f32(&Act::<SIGMOID>, x, o),
        RnnActivation::Relu => map_f32(&Act::<RELU>, x, o),
        RnnActivation::HardSigmoid => map_f32(&Act::<HARD_SIGMOID>, x, o),
    }
}

/// out = act(a + b).
pub fn activate_sum_f32(act: RnnActivation, a: &[f32], b: &[f32], out: &mut [f32]) {
    let (sa, sb, o) = (Src::Slice(a), Src::Slice(b), uninit(out));
    match act {
        RnnActivation::Linear => zip_f32(&SumAct::<LINEAR>, sa, sb, o),
        RnnActivation::Tanh => zip_f32(&SumAct::<TANH>, sa, sb, o),
        RnnActivation::Sigmoid => zip_f32(&SumAct::<SIGMOID>, sa, sb, o),
        RnnActivation::Relu => zip_f32(&SumAct::<RELU>, sa, sb, o),
        RnnActivation::HardSigmoid => zip_f32(&SumAct::<HARD_SIGMOID>, sa, sb, o),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::recurrent::activation::apply;

    #[test]
    fn simd_activations_match_the_scalar_definitions() {
        let xs: Vec<f32> = (0..203).map(|i| (i as f32 - 101.0) * 0.07).collect();
        let ys: Vec<f32> = xs.iter().map(|x| 0.5 - x * 0.3).collect();
        for a in [RnnActivation::Linear, RnnActivation::Tanh, RnnActivation::Sigmoid, RnnActivation::Relu, RnnActivation::HardSigmoid] {
            let mut got = vec![0.0f32; xs.len()];
            activate_sum_f32(a, &xs, &ys, &mut got);
            let mut got1 = vec![0.0f32; xs.len()];
            activate_into_f32(a, &xs, &mut got1);
            for i in 0..xs.len() {
                let want = apply(a, (xs[i] + ys[i]) as f64);
                assert!((got[i] as f64 - want).abs() <= 2e-6 * (1.0 + want.abs()), "{a:?} at {}: {} vs {want}", xs[i] + ys[i], got[i]);
                let want1 = apply(a, xs[i] as f64);
                assert!((got1[i] as f64 - want1).abs() <= 2e-6 * (1.0 + want1.abs()), "{a:?} at {}", xs[i]);
            }
        }
    }
}
