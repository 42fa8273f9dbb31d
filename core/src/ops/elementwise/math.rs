//! Math functions: exp, expm1, log, log1p, sqrt, rsqrt, sin, cos, tanh, floor, ceil, round.

use crate::autograd::{needs_grad, record1};
use crate::cpu::binary::kernels as bk;
use crate::cpu::unary::kernels as uk;
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;
use crate::value_err;

use super::arith::{divide, multiply};
use super::{as_dtype, float_binary, float_unary, scalar_like};

/// `exp(x)`: e^x.
pub fn exp(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("exp", &uk::Exp, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let y = out.detach();
    Ok(record1("exp", &[x], out, move |g, _| Ok(vec![Some(multiply(g, &y)?)])))
}

/// `expm1(x)`: e^x - 1, accurate for small x.
pub fn expm1(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("expm1", &uk::Expm1, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let y = out.detach();
    Ok(record1("expm1", &[x], out, move |g, _| Ok(vec![Some(float_binary("expm1", &bk::Expm1Grad, g, &y)?)])))
}

/// `log(x)`: the natural logarithm (nan below 0, -inf at 0).
pub fn log(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("log", &uk::Log, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("log", &[x], out, move |g, _| Ok(vec![Some(divide(g, &xd)?)])))
}

/// `log1p(x)`: log(1 + x), accurate for small x.
pub fn log1p(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("log1p", &uk::Log1p, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("log1p", &[x], out, move |g, _| Ok(vec![Some(float_binary("log1p", &bk::Log1pGrad, g, &xd)?)])))
}

/// `sqrt(x)`.
pub fn sqrt(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("sqrt", &uk::Sqrt, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let y = out.detach();
    Ok(record1("sqrt", &[x], out, move |g, _| Ok(vec![Some(float_binary("sqrt", &bk::SqrtGrad, g, &y)?)])))
}

/// `rsqrt(x)`: 1 / sqrt(x).
pub fn rsqrt(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("rsqrt", &uk::Rsqrt, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let y = out.detach();
    Ok(record1("rsqrt", &[x], out, move |g, _| Ok(vec![Some(float_binary("rsqrt", &bk::RsqrtGrad, g, &y)?)])))
}

/// `sin(x)`.
pub fn sin(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("sin", &uk::Sin, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("sin", &[x], out, move |g, _| Ok(vec![Some(float_binary("sin", &bk::SinGrad, g, &xd)?)])))
}

/// `cos(x)`.
pub fn cos(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("cos", &uk::Cos, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("cos", &[x], out, move |g, _| Ok(vec![Some(float_binary("cos", &bk::CosGrad, g, &xd)?)])))
}

/// `tanh(x)`; the backward uses the saved output: g (1 - y^2).
pub fn tanh(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("tanh", &uk::Tanh, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let y = out.detach();
    Ok(record1("tanh", &[x], out, move |g, _| Ok(vec![Some(float_binary("tanh", &bk::TanhGrad, g, &y)?)])))
}

/// Records a zero gradient (floor, ceil, round are flat almost everywhere).
fn flat(name: &'static str, x: &Tensor, out: Tensor) -> Tensor {
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return out;
    }
    let xd = x.detach();
    record1(name, &[x], out, move |_, _| Ok(vec![Some(Tensor::zeros_like(&xd)?)]))
}

/// `floor(x)`: integers become float32 (as Keras), floats keep their dtype.
pub fn floor(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("floor", &uk::Floor, x)?;
    Ok(flat("floor", x, out))
}

/// `ceil(x)`: integers become float32 (as Keras), floats keep their dtype.
pub fn ceil(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("ceil", &uk::Ceil, x)?;
    Ok(flat("ceil", x, out))
}

/// `round(x, decimals=0)`: half to even, like numpy; integers keep their dtype (and round to
/// tens, hundreds, ... for negative `decimals`).
pub fn round(x: &Tensor, decimals: i32) -> Result<Tensor> {
    if decimals.unsigned_abs() > 300 {
        return Err(value_err!("round: decimals must be within [-300, 300], got {decimals}"));
    }
    let dt = x.dtype();
    let out = if dt.is_float() {
        if decimals == 0 {
            float_unary("round", &uk::RoundEven, x)?
        } else {
            // numpy: round(x * 10^d) / 10^d (multiplying by 10^-d for negative d)
            let s = scalar_like(10f64.powi(decimals.abs()), dt)?;
            let xd = x.detach();
            if decimals > 0 {
                super::arith::divide(&float_unary("round", &uk::RoundEven, &multiply(&xd, &s)?)?, &s)?
            } else {
                multiply(&float_unary("round", &uk::RoundEven, &divide(&xd, &s)?)?, &s)?
            }
        }
    } else if decimals >= 0 {
        as_dtype(x, if dt == DType::Bool { DType::I32 } else { dt })?.into_owned().detach()
    } else {
        let f = round(&super::cast_untracked(x, DType::F64)?, decimals)?;
        super::cast_untracked(&f, if dt == DType::Bool { DType::I32 } else { dt })?
    };
    Ok(flat("round", x, out))
}
