//! float32 activations for the gate kernels. Until the vectorized elementwise math lands this
//! is the scalar loop; the gate kernels call only `activate_f32`, so swapping it in is local.

use super::activation::activate_scalar;
use crate::ops::recurrent::RnnActivation;

pub fn activate_f32(act: RnnActivation, v: &mut [f32]) {
    activate_scalar(act, v)
}
