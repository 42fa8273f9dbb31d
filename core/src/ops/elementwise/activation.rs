//! Activations with keras.ops names: sigmoid, relu, relu6, leaky_relu, elu, selu, gelu,
//! softplus, softsign, silu/swish, hard_sigmoid, hard_silu/hard_swish.
//!
//! Every backward is one fused pass over (g, saved): the input x where the derivative needs it,
//! the output y where that is cheaper (sigmoid). Kinks follow TF: relu'(0) = 0, relu6' and
//! hard_sigmoid' are 1 (1/6) strictly inside their linear piece, leaky_relu'(0) = alpha.

use crate::autograd::{needs_grad, record1};
use crate::cpu::binary::kernels::{self as bk, FloatBinary};
use crate::cpu::unary::kernels::{self as uk, FloatUnary};
use crate::error::Result;
use crate::tensor::Tensor;

use super::{float_binary, float_unary, num_unary};

/// A float activation whose backward is the fused kernel `grad(g, x)`.
fn with_x_grad<K: FloatUnary, G: FloatBinary + Send + 'static>(name: &'static str, k: &K, grad: G, x: &Tensor) -> Result<Tensor> {
    let out = float_unary(name, k, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1(name, &[x], out, move |g, _| Ok(vec![Some(float_binary(name, &grad, g, &xd)?)])))
}

/// `sigmoid(x)`: 1 / (1 + e^-x); the backward uses the saved output: g y (1 - y).
pub fn sigmoid(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("sigmoid", &uk::Sigmoid, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let y = out.detach();
    Ok(record1("sigmoid", &[x], out, move |g, _| Ok(vec![Some(float_binary("sigmoid", &bk::SigmoidGrad, g, &y)?)])))
}

/// `relu(x)`: max(x, 0); integer dtypes stay integers.
pub fn relu(x: &Tensor) -> Result<Tensor> {
    let out = num_unary("relu", &uk::Relu, x)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("relu", &[x], out, move |g, _| Ok(vec![Some(float_binary("relu", &bk::ReluGrad, g, &xd)?)])))
}

/// `relu6(x)`: min(max(x, 0), 6); integer dtypes stay integers.
pub fn relu6(x: &Tensor) -> Result<Tensor> {
    let out = num_unary("relu6", &uk::Relu6, x)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("relu6", &[x], out, move |g, _| Ok(vec![Some(float_binary("relu6", &bk::Relu6Grad, g, &xd)?)])))
}

/// The gpu arm of leaky_relu and elu: the unary shader with the parameter, and a backward
/// that multiplies the shader's derivative into the upstream gradient.
fn alpha_activation_gpu(name: &'static str, x: &Tensor, alpha: f64, elu: bool) -> Result<Tensor> {
    use crate::wgpu::elementwise::{alpha_unary, AlphaUnary};
    let (fwd, deriv) = if elu { (AlphaUnary::Elu, AlphaUnary::EluDerivative) } else { (AlphaUnary::LeakyRelu, AlphaUnary::LeakyReluDerivative) };
    let xf = super::cast_untracked(x, crate::dtype::float_of(x.dtype()))?;
    let out = alpha_unary(name, fwd, &xf, alpha)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = xf.detach();
    Ok(record1(name, &[x], out, move |g, _| Ok(vec![Some(super::multiply(g, &alpha_unary(name, deriv, &xd, alpha)?)?)])))
}

/// `leaky_relu(x, negative_slope=0.2)`: x for x > 0, negative_slope * x otherwise.
pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    if x.device().is_gpu() {
        return alpha_activation_gpu("leaky_relu", x, negative_slope, false);
    }
    with_x_grad("leaky_relu", &uk::LeakyRelu { alpha: negative_slope }, bk::LeakyReluGrad { alpha: negative_slope }, x)
}

/// `elu(x, alpha=1.0)`: x for x > 0, alpha (e^x - 1) otherwise.
pub fn elu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    if x.device().is_gpu() {
        return alpha_activation_gpu("elu", x, alpha, true);
    }
    with_x_grad("elu", &uk::Elu { alpha, scale: 1.0 }, bk::EluGrad { alpha, scale: 1.0 }, x)
}

/// `selu(x)`: scale * elu(x, alpha) with the self-normalizing constants.
pub fn selu(x: &Tensor) -> Result<Tensor> {
    with_x_grad("selu", &uk::Elu { alpha: uk::SELU_ALPHA, scale: uk::SELU_SCALE }, bk::EluGrad::selu(), x)
}

/// `gelu(x, approximate=True)`: x Phi(x), or its tanh approximation
/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
pub fn gelu(x: &Tensor, approximate: bool) -> Result<Tensor> {
    if approximate {
        with_x_grad("gelu", &uk::GeluTanh, bk::GeluTanhGrad, x)
    } else {
        with_x_grad("gelu", &uk::GeluErf, bk::GeluErfGrad, x)
    }
}

/// `softplus(x)`: log(1 + e^x), without overflow for large x.
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    with_x_grad("softplus", &uk::Softplus, bk::SoftplusGrad, x)
}

/// `softsign(x)`: x / (1 + |x|).
pub fn softsign(x: &Tensor) -> Result<Tensor> {
    with_x_grad("softsign", &uk::Softsign, bk::SoftsignGrad, x)
}

/// `silu(x)`: x * sigmoid(x).
pub fn silu(x: &Tensor) -> Result<Tensor> {
    with_x_grad("silu", &uk::Silu, bk::SiluGrad, x)
}

/// `swish(x)`: alias of `silu`.
pub fn swish(x: &Tensor) -> Result<Tensor> {
    silu(x)
}

/// `hard_sigmoid(x)`: relu6(x + 3) / 6 (the Keras 3 definition).
pub fn hard_sigmoid(x: &Tensor) -> Result<Tensor> {
    with_x_grad("hard_sigmoid", &uk::HardSigmoid, bk::HardSigmoidGrad, x)
}

/// `hard_silu(x)`: x * hard_sigmoid(x).
pub fn hard_silu(x: &Tensor) -> Result<Tensor> {
    with_x_grad("hard_silu", &uk::HardSilu, bk::HardSiluGrad, x)
}

/// `hard_swish(x)`: alias of `hard_silu`.
pub fn hard_swish(x: &Tensor) -> Result<Tensor> {
    hard_silu(x)
}
