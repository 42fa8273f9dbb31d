//! Arithmetic: add, subtract, multiply, divide, power, floor_divide, mod, negative, abs, sign,
//! square, reciprocal, minimum, maximum, clip.

use crate::autograd::{needs_grad, record, record1};
use crate::cpu::binary::kernels as bk;
use crate::cpu::unary::kernels as uk;
use crate::dtype::{float_of, promote, DType};
use crate::error::Result;
use crate::ops::dispatch::sum_to_shape;
use crate::tensor::Tensor;

use super::compare::{greater, greater_equal, less, less_equal, logical_and, logical_or};
use super::math::log;
use super::{arith_dtype, as_dtype, float_binary, float_unary, num_binary, num_unary, r#where, scalar_like};

/// The sum of `g` over the axes `shape` was broadcast along, or None when not needed.
fn reduce_for(g: &Tensor, shape: &[usize], need: bool) -> Result<Option<Tensor>> {
    if need {
        sum_to_shape(g, shape).map(Some)
    } else {
        Ok(None)
    }
}

/// `add(x1, x2)`: x1 + x2 with broadcasting.
pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = num_binary("add", &bk::Add, a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    Ok(record1("add", &[a, b], out, move |g, need| Ok(vec![reduce_for(g, &sa, need[0])?, reduce_for(g, &sb, need[1])?])))
}

/// `subtract(x1, x2)`: x1 - x2 with broadcasting.
pub fn subtract(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = num_binary("subtract", &bk::Sub, a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    Ok(record1("subtract", &[a, b], out, move |g, need| {
        let gb = if need[1] { Some(negative(&sum_to_shape(g, &sb)?)?) } else { None };
        Ok(vec![reduce_for(g, &sa, need[0])?, gb])
    }))
}

/// `multiply(x1, x2)`: x1 * x2 with broadcasting.
pub fn multiply(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = num_binary("multiply", &bk::Mul, a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (ad, bd) = (a.detach(), b.detach());
    Ok(record1("multiply", &[a, b], out, move |g, need| {
        Ok(vec![
            if need[0] { Some(sum_to_shape(&multiply(g, &bd)?, ad.shape())?) } else { None },
            if need[1] { Some(sum_to_shape(&multiply(g, &ad)?, bd.shape())?) } else { None },
        ])
    }))
}

/// `divide(x1, x2)`: true division; integer operands give float32.
pub fn divide(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = num_binary("divide", &bk::Div, a, b, float_of(arith_dtype(a.dtype(), b.dtype())))?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (bd, y) = (b.detach(), out.detach());
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    Ok(record1("divide", &[a, b], out, move |g, need| {
        let ga = divide(g, &bd)?;
        // d(a/b)/db = -a/b^2 = -(g/b) * (a/b)
        let gb = if need[1] { Some(negative(&sum_to_shape(&multiply(&ga, &y)?, &sb)?)?) } else { None };
        Ok(vec![reduce_for(&ga, &sa, need[0])?, gb])
    }))
}

/// `power(x1, x2)`: x1 ** x2 in `promote` of the dtypes (integer powers stay integers).
pub fn power(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = num_binary("power", &bk::Power, a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let (ad, bd, y) = (a.detach(), b.detach(), out.detach());
    Ok(record1("power", &[a, b], out, move |g, need| {
        let dt = y.dtype();
        let zero = scalar_like(0.0, dt)?;
        let ga = if need[0] {
            // b * a^(b-1), taken as 0 where b == 0 (so 0^0 has gradient 0, not nan)
            let bm1 = subtract(&bd, &scalar_like(1.0, dt)?)?;
            let d = r#where(&super::compare::equal(&bd, &zero)?, &zero, &multiply(&bd, &power(&ad, &bm1)?)?)?;
            Some(sum_to_shape(&multiply(g, &d)?, ad.shape())?)
        } else {
            None
        };
        let gb = if need[1] {
            // a^b * log(a) where a > 0, else 0 (as TF)
            let d = r#where(&greater(&ad, &zero)?, &multiply(&y, &log(&ad)?)?, &zero)?;
            Some(sum_to_shape(&multiply(g, &d)?, bd.shape())?)
        } else {
            None
        };
        Ok(vec![ga, gb])
    }))
}

/// `floor_divide(x1, x2)`: floor(x1 / x2) as numpy (integers by zero give 0).
pub fn floor_divide(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = num_binary("floor_divide", &bk::FloorDivide, a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let (sa, sb) = (a.detach(), b.detach());
    Ok(record1("floor_divide", &[a, b], out, move |_, need| {
        Ok(vec![if need[0] { Some(Tensor::zeros_like(&sa)?) } else { None }, if need[1] { Some(Tensor::zeros_like(&sb)?) } else { None }])
    }))
}

/// `mod(x1, x2)`: the remainder of floor division, with the sign of x2 (numpy's mod).
pub fn r#mod(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = num_binary("mod", &bk::Mod, a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let (ad, bd) = (a.detach(), b.detach());
    Ok(record1("mod", &[a, b], out, move |g, need| {
        // a mod b = a - b floor(a / b): d/da = 1, d/db = -floor(a / b)
        let gb = if need[1] { Some(sum_to_shape(&negative(&multiply(g, &floor_divide(&ad, &bd)?)?)?, bd.shape())?) } else { None };
        Ok(vec![reduce_for(g, ad.shape(), need[0])?, gb])
    }))
}

/// `negative(x)`: -x.
pub fn negative(x: &Tensor) -> Result<Tensor> {
    let out = num_unary("negative", &uk::Negative, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    Ok(record1("negative", &[x], out, |g, _| Ok(vec![Some(negative(g)?)])))
}

/// `abs(x)`: |x|; the gradient at 0 is 0.
pub fn abs(x: &Tensor) -> Result<Tensor> {
    let out = num_unary("abs", &uk::Abs, x)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("abs", &[x], out, move |g, _| Ok(vec![Some(float_binary("abs", &bk::AbsGrad, g, &xd)?)])))
}

/// `absolute(x)`: alias of `abs`.
pub fn absolute(x: &Tensor) -> Result<Tensor> {
    abs(x)
}

/// `sign(x)`: -1, 0 or 1 (NaN stays NaN); zero gradient.
pub fn sign(x: &Tensor) -> Result<Tensor> {
    let out = num_unary("sign", &uk::Sign, x)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("sign", &[x], out, move |_, _| Ok(vec![Some(Tensor::zeros_like(&xd)?)])))
}

/// `square(x)`: x * x.
pub fn square(x: &Tensor) -> Result<Tensor> {
    let out = num_unary("square", &uk::Square, x)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("square", &[x], out, move |g, _| Ok(vec![Some(float_binary("square", &bk::SquareGrad, g, &xd)?)])))
}

/// `reciprocal(x)`: 1 / x in float.
pub fn reciprocal(x: &Tensor) -> Result<Tensor> {
    let out = float_unary("reciprocal", &uk::Reciprocal, x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let y = out.detach();
    Ok(record1("reciprocal", &[x], out, move |g, _| Ok(vec![Some(float_binary("reciprocal", &bk::ReciprocalGrad, g, &y)?)])))
}

/// Both operands of minimum/maximum: two bools stay bool, everything else as arithmetic.
fn extremum_dtype(a: DType, b: DType) -> DType {
    if a == DType::Bool && b == DType::Bool {
        DType::Bool
    } else {
        arith_dtype(a, b)
    }
}

/// maximum/minimum of two bools: logical or/and.
fn bool_extremum(a: &Tensor, b: &Tensor, is_max: bool) -> Result<Tensor> {
    if is_max {
        logical_or(a, b).map_err(|e| e.in_op("maximum"))
    } else {
        logical_and(a, b).map_err(|e| e.in_op("minimum"))
    }
}

/// `maximum(x1, x2)`: elementwise max, NaN if either is NaN (numpy). Ties send the gradient to x1.
pub fn maximum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    extremum(a, b, true)
}

/// `minimum(x1, x2)`: elementwise min, NaN if either is NaN (numpy). Ties send the gradient to x1.
pub fn minimum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    extremum(a, b, false)
}

fn extremum(a: &Tensor, b: &Tensor, is_max: bool) -> Result<Tensor> {
    let name = if is_max { "maximum" } else { "minimum" };
    let dt = extremum_dtype(a.dtype(), b.dtype());
    let out = if dt == DType::Bool {
        bool_extremum(a, b, is_max)?
    } else if is_max {
        num_binary(name, &bk::Maximum, a, b, dt)?
    } else {
        num_binary(name, &bk::Minimum, a, b, dt)?
    };
    if !needs_grad(&[a, b]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let (ad, bd) = (a.detach(), b.detach());
    Ok(record(name, &[a, b], vec![out], move |gs, need| {
        let g = &gs[0];
        // TF's rule: x1 wins ties (x1 >= x2 for maximum, x1 <= x2 for minimum).
        let first = if is_max { greater_equal(&ad, &bd)? } else { less_equal(&ad, &bd)? };
        let zero = scalar_like(0.0, g.dtype())?;
        Ok(vec![
            if need[0] { Some(sum_to_shape(&r#where(&first, g, &zero)?, ad.shape())?) } else { None },
            if need[1] { Some(sum_to_shape(&r#where(&first, &zero, g)?, bd.shape())?) } else { None },
        ])
    })
    .remove(0))
}

/// `clip(x, x_min, x_max)`: min(max(x, x_min), x_max) (x_max wins when x_min > x_max, as
/// numpy). The gradient passes where x_min <= x <= x_max (bounds included, as TF); the bounds
/// get the gradient where x falls outside them.
pub fn clip(x: &Tensor, lo: &Tensor, hi: &Tensor) -> Result<Tensor> {
    let dt = arith_dtype(promote(x.dtype(), lo.dtype()), hi.dtype());
    let (xc, loc, hic) = (as_dtype(x, dt)?, as_dtype(lo, dt)?, as_dtype(hi, dt)?);
    let lower = num_binary("clip", &bk::Maximum, &xc, &loc, dt)?;
    let out = num_binary("clip", &bk::Minimum, &lower, &hic, dt)?;
    if !needs_grad(&[x, lo, hi]) || !dt.is_float() {
        return Ok(out);
    }
    let (xd, lod, hid) = (x.detach(), lo.detach(), hi.detach());
    Ok(record1("clip", &[x, lo, hi], out, move |g, need| {
        let zero = scalar_like(0.0, g.dtype())?;
        let inside = logical_and(&greater_equal(&xd, &lod)?, &less_equal(&xd, &hid)?)?;
        let gx = if need[0] { Some(sum_to_shape(&r#where(&inside, g, &zero)?, xd.shape())?) } else { None };
        let glo = if need[1] { Some(sum_to_shape(&r#where(&less(&xd, &lod)?, g, &zero)?, lod.shape())?) } else { None };
        let ghi = if need[2] {
            // above x_max (and not already below x_min, whose bound took it)
            let above = logical_and(&greater(&xd, &hid)?, &greater_equal(&xd, &lod)?)?;
            Some(sum_to_shape(&r#where(&above, g, &zero)?, hid.shape())?)
        } else {
            None
        };
        Ok(vec![gx, glo, ghi])
    }))
}
