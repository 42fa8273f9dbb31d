//! Neural-network ops: softmax and log_softmax (fused, stable kernels with fused backward),
//! moments, and the normalizations (`norm`: batch_normalization, layer_normalization and the
//! fused batch-norm training op).
//!
//! Dtype rule: every op here computes in `float_of` the input dtype (ints become float32);
//! parameters (scale, offset, mean, variance) are cast to the input's float dtype.

mod norm;

pub use norm::*;

use crate::autograd::{needs_grad, record, record1};
use crate::cpu::nn::softmax::{softmax_grad_mkn, softmax_mkn};
use crate::cpu::reduce::Plan;
use crate::dtype::float_of;
use crate::error::Result;
use crate::layout::normalize_axes;
use crate::ops::elementwise::{add, cast_untracked, multiply};
use crate::ops::reduce::planning::{arrange, dense, from_plan, slice, Walk};
use crate::ops::reduce::{expand_reduced, mean_and_var, reduced_shape, var_backward};
use crate::storage::{try_vec, BufferElement};
use crate::tensor::Tensor;
use crate::{dispatch_float, dtype_err, value_err};

fn softmax_like(x: &Tensor, axes: &[isize], log: bool) -> Result<Tensor> {
    let op = if log { "log_softmax" } else { "softmax" };
    if axes.is_empty() {
        return Err(value_err!("{op}: needs at least one axis"));
    }
    let ax = normalize_axes(Some(axes), x.rank(), op)?;
    if x.device().is_gpu() && x.numel() > 0 {
        return crate::wgpu::nn::softmax(x, &ax, log);
    }
    let xf = cast_untracked(x, float_of(x.dtype()))?;
    if xf.numel() == 0 {
        return Ok(xf);
    }
    let d = dense(&xf, &ax, Walk::SameShape)?;
    let buf = dispatch_float!(d.t.cpu_buffer()?, T, _v => {
        let mut o = try_vec(xf.numel(), 0 as T)?;
        softmax_mkn(slice::<T>(&d.t)?, d.plan.k, d.plan.n, log, &mut o);
        <T as BufferElement>::wrap(o)
    }, other => return Err(dtype_err!("{op}: unsupported dtype {}", xf.dtype())));
    let out = from_plan(buf, x.shape(), &d.plan)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (y, plan) = (out.detach(), d.plan);
    Ok(record1(op, &[x], out, move |g, _| Ok(vec![Some(softmax_backward(&y, g, &plan, log)?)])))
}

/// The fused backward of softmax / log_softmax from the output `y` (laid out by `plan`).
fn softmax_backward(y: &Tensor, g: &Tensor, plan: &Plan, log: bool) -> Result<Tensor> {
    let g = arrange(&cast_untracked(g, y.dtype())?, plan)?;
    let buf = dispatch_float!(y.cpu_buffer()?, T, _v => {
        let mut dx = try_vec(y.numel(), 0 as T)?;
        softmax_grad_mkn(slice::<T>(y)?, slice::<T>(&g)?, plan.k, plan.n, log, &mut dx);
        <T as BufferElement>::wrap(dx)
    }, other => return Err(dtype_err!("softmax: unsupported dtype {}", y.dtype())));
    from_plan(buf, y.shape(), plan)
}

/// `softmax(x, axis=-1)`: exp(x) / sum(exp(x)) over `axes` (usually one), computed stably.
/// The output of a transposed view comes back as a view of the same order.
pub fn softmax(x: &Tensor, axes: &[isize]) -> Result<Tensor> {
    softmax_like(x, axes, false)
}

/// `log_softmax(x, axis=-1)`: x - logsumexp(x) over `axes`, computed stably.
pub fn log_softmax(x: &Tensor, axes: &[isize]) -> Result<Tensor> {
    softmax_like(x, axes, true)
}

/// `moments(x, axes, keepdims=False)`: the mean and the (biased) variance over `axes`, in one
/// two-pass kernel. Both outputs are differentiable.
pub fn moments(x: &Tensor, axes: &[isize], keepdims: bool) -> Result<(Tensor, Tensor)> {
    let ax = normalize_axes(Some(axes), x.rank(), "moments")?;
    let (mean_keep, var) = mean_and_var(x, &ax, keepdims, "moments")?;
    let mean = crate::ops::shape::reshape(&mean_keep, &reduced_shape(x.shape(), &ax, keepdims))?.detach();
    if !needs_grad(&[x]) {
        return Ok((mean, var));
    }
    let (xd, mk) = (x.detach(), mean_keep);
    let count = ax.iter().map(|&a| x.shape()[a]).product::<usize>();
    let mut outs = record("moments", &[x], vec![mean, var], move |g, _| {
        // d mean/dx = 1/N; d var/dx = 2 (x - mean) / N.
        let gm = multiply(&g[0], &Tensor::full(&[], 1.0 / count as f64, mk.dtype())?)?;
        let dm = expand_reduced(&gm, xd.shape(), &ax)?;
        let dv = var_backward(&xd, &mk, &g[1], &ax)?;
        Ok(vec![Some(add(&dm, &dv)?)])
    });
    let var = outs.pop().ok_or_else(|| value_err!("moments: internal: missing output"))?;
    let mean = outs.pop().ok_or_else(|| value_err!("moments: internal: missing output"))?;
    Ok((mean, var))
}
