//! Reductions over any set of axes, with keepdims, and their backward rules.
//!
//! Dtype rule (keras.ops / numpy): `sum` and `prod` keep the input dtype (bool counts as int32;
//! integers wrap on overflow); `mean`, `var`, `std_dev` and `logsumexp` compute in `float_of`
//! the input dtype (ints and bools become float32); `max` and `min` keep the dtype (bool
//! included); `argmax` and `argmin` return int32 (as Keras does); `any` and `all` return bool;
//! `count_nonzero` returns int32.
//!
//! Empty reductions follow numpy: sum 0, prod 1, any false, all true, count 0, mean/var/std
//! NaN, logsumexp -inf; max, min, argmax and argmin over an empty axis are errors (max and min
//! accept an `initial` value instead).
//!
//! Kernels run on a dense `[m, k, n]` view of the input (`planning::dense`): contiguous inputs
//! and transposed views are read in place, anything else is copied once.

pub(crate) mod planning;

use crate::autograd::{needs_grad, record1};
use crate::cpu::nn::softmax::logsumexp_mkn;
use crate::cpu::reduce::folds::better;
use crate::cpu::reduce::grad::{extremum_grad, prod_grad};
use crate::cpu::reduce::{fold_mkn, moments_mkn, ArgExtremum, CountNonzero, Extremum, Prod, Sum};
use crate::dtype::{float_of, DType, Element};
use crate::error::{Error, Result};
use crate::layout::{normalize_axes, normalize_axis};
use crate::ops::elementwise::{cast_untracked, divide, multiply, subtract};
use crate::ops::shape::{broadcast_to, reshape};
use crate::storage::{BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::{dispatch_float, dispatch_numeric, value_err, with_buffer};

use planning::{dense, from_plan, slice, Dense, Walk};

/// Output shape of a reduction over sorted `axes`.
pub fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| if axes.contains(&i) { keepdims.then_some(1) } else { Some(d) })
        .collect()
}

/// Broadcasts a reduced gradient back over the reduced axes to `shape`.
pub fn expand_reduced(g: &Tensor, shape: &[usize], axes: &[usize]) -> Result<Tensor> {
    let kept = reshape(g, &reduced_shape(shape, axes, true))?;
    broadcast_to(&kept, shape)
}

/// Number of elements each output of a reduction over `axes` folds.
fn fold_count(shape: &[usize], axes: &[usize]) -> usize {
    axes.iter().map(|&a| shape[a]).product()
}

/// The shape bookkeeping every reduction shares: output shape, empty inputs (`empty` is the
/// identity, or None when the reduction has none), and the dense view the kernel reads.
fn reduce_shell(
    x: &Tensor,
    ax: &[usize],
    keepdims: bool,
    dtype: DType,
    op: &str,
    empty: Option<f64>,
    kernel: impl FnOnce(&Dense) -> Result<CpuBuffer>,
) -> Result<Tensor> {
    if x.device().is_gpu() {
        return crate::wgpu::reduce::reduce(op, x, ax, keepdims, dtype, empty);
    }
    let shape = reduced_shape(x.shape(), ax, keepdims);
    if x.numel() == 0 {
        if shape.iter().product::<usize>() == 0 {
            return Tensor::zeros(&shape, dtype);
        }
        return match empty {
            Some(v) => Tensor::full(&shape, v, dtype),
            None => Err(value_err!(
                "{op}: cannot reduce an empty axis of a tensor of shape {:?} (axes {ax:?}): the reduction has no identity",
                x.shape()
            )),
        };
    }
    let d = dense(x, ax, Walk::Reduce)?;
    Tensor::from_buffer(kernel(&d)?, &shape)
}

fn bool_as_int(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::Bool {
        cast_untracked(x, DType::I32)
    } else {
        Ok(x.detach())
    }
}

fn internal_dtype(op: &str, d: DType) -> Error {
    Error::DType(format!("{op}: internal dtype {d} reached a kernel that does not take it"))
}

/// `sum(x, axis=None, keepdims=False)`.
pub fn sum(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), "sum")?;
    let xc = bool_as_int(x)?;
    let out = reduce_shell(&xc, &ax, keepdims, xc.dtype(), "sum", Some(0.0), |d| {
        Ok(dispatch_numeric!(d.t.cpu_buffer()?, T, _v => {
            <T as BufferElement>::wrap(fold_mkn(&Sum, slice::<T>(&d.t)?, d.plan.m, d.plan.k, d.plan.n)?)
        }, bool => return Err(internal_dtype("sum", DType::Bool))))
    })?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let shape = x.shape().to_vec();
    Ok(record1("sum", &[x], out, move |g, _| Ok(vec![Some(expand_reduced(g, &shape, &ax)?)])))
}

/// `mean(x, axis=None, keepdims=False)`: NaN over an empty axis.
pub fn mean(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), "mean")?;
    let xf = cast_untracked(x, float_of(x.dtype()))?;
    let count = fold_count(x.shape(), &ax);
    let out = reduce_shell(&xf, &ax, keepdims, xf.dtype(), "mean", Some(f64::NAN), |d| {
        Ok(dispatch_float!(d.t.cpu_buffer()?, T, _v => {
            let mut s = fold_mkn(&Sum, slice::<T>(&d.t)?, d.plan.m, d.plan.k, d.plan.n)?;
            let c = count as T;
            s.iter_mut().for_each(|v| *v /= c);
            <T as BufferElement>::wrap(s)
        }, other => return Err(internal_dtype("mean", xf.dtype()))))
    })?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let shape = x.shape().to_vec();
    let dt = out.dtype();
    Ok(record1("mean", &[x], out, move |g, _| {
        // Scale the small reduced gradient, then broadcast it (a view).
        let scaled = multiply(g, &Tensor::full(&[], 1.0 / count as f64, dt)?)?;
        Ok(vec![Some(expand_reduced(&scaled, &shape, &ax)?)])
    }))
}

/// `max` (`MAX`) or `min` with an optional `initial` value that joins every reduction.
fn extremum<const MAX: bool>(x: &Tensor, axes: Option<&[isize]>, keepdims: bool, initial: Option<f64>) -> Result<Tensor> {
    let op = if MAX { "max" } else { "min" };
    let ax = normalize_axes(axes, x.rank(), op)?;
    let out = reduce_shell(x, &ax, keepdims, x.dtype(), op, initial, |d| {
        Ok(with_buffer!(d.t.cpu_buffer()?, v => {
            let mut r = fold_mkn(&Extremum::<MAX>, planned_slice(v, &d.t)?, d.plan.m, d.plan.k, d.plan.n)?;
            if let Some(init) = initial {
                let init = Element::from_f64(init);
                r.iter_mut().for_each(|e| if better::<_, MAX>(init, *e) { *e = init });
            }
            BufferElement::wrap(r)
        }))
    })?;
    let out = match initial {
        Some(init) if out.device().is_gpu() => {
            let v = crate::ops::elementwise::cast_untracked(&Tensor::scalar(init), out.dtype())?;
            if MAX { crate::ops::maximum(&out, &v)? } else { crate::ops::minimum(&out, &v)? }
        }
        _ => out,
    };
    if !needs_grad(&[x]) || !x.dtype().is_float() {
        return Ok(out);
    }
    let (xd, yd) = (x.detach(), out.detach());
    Ok(record1(op, &[x], out, move |g, _| {
        if xd.device().is_gpu() {
            return Ok(vec![Some(crate::wgpu::reduce::extremum_grad(&xd, &yd, g, &ax)?)]);
        }
        let d = dense(&xd, &ax, Walk::Reduce)?;
        let (yc, gc) = (yd.contiguous()?, g.contiguous()?);
        let buf = dispatch_float!(d.t.cpu_buffer()?, T, _v => {
            let mut dx = crate::storage::try_vec(xd.numel(), 0 as T)?;
            extremum_grad(slice::<T>(&d.t)?, slice::<T>(&yc)?, slice::<T>(&gc)?, d.plan.k, d.plan.n, &mut dx);
            <T as BufferElement>::wrap(dx)
        }, other => return Err(internal_dtype(op, xd.dtype())));
        Ok(vec![Some(from_plan(buf, xd.shape(), &d.plan)?)])
    }))
}

/// The dense slice of `t` typed like `v` (lets `with_buffer!` bodies name the element type).
fn planned_slice<'a, T: BufferElement>(_v: &[T], t: &'a Tensor) -> Result<&'a [T]> {
    slice::<T>(t)
}

/// `max(x, axis=None, keepdims=False, initial=None)`. The gradient is split evenly between
/// tied maxima.
pub fn max(x: &Tensor, axes: Option<&[isize]>, keepdims: bool, initial: Option<f64>) -> Result<Tensor> {
    extremum::<true>(x, axes, keepdims, initial)
}

/// `min(x, axis=None, keepdims=False, initial=None)`.
pub fn min(x: &Tensor, axes: Option<&[isize]>, keepdims: bool, initial: Option<f64>) -> Result<Tensor> {
    extremum::<false>(x, axes, keepdims, initial)
}

/// `prod(x, axis=None, keepdims=False)`. The gradient is the product of the other elements
/// (exact with zeros).
pub fn prod(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), "prod")?;
    let xc = bool_as_int(x)?;
    let out = reduce_shell(&xc, &ax, keepdims, xc.dtype(), "prod", Some(1.0), |d| {
        Ok(dispatch_numeric!(d.t.cpu_buffer()?, T, _v => {
            <T as BufferElement>::wrap(fold_mkn(&Prod, slice::<T>(&d.t)?, d.plan.m, d.plan.k, d.plan.n)?)
        }, bool => return Err(internal_dtype("prod", DType::Bool))))
    })?;
    if !needs_grad(&[x]) || !x.dtype().is_float() {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("prod", &[x], out, move |g, _| {
        if xd.numel() == 0 {
            return Ok(vec![Some(Tensor::zeros(xd.shape(), xd.dtype())?.to(xd.device())?)]);
        }
        if xd.device().is_gpu() {
            return Ok(vec![Some(crate::wgpu::reduce::prod_grad(&xd, g, &ax)?)]);
        }
        let d = dense(&xd, &ax, Walk::Reduce)?;
        let gc = g.contiguous()?;
        let buf = dispatch_float!(d.t.cpu_buffer()?, T, _v => {
            let mut dx = crate::storage::try_vec(xd.numel(), 0 as T)?;
            prod_grad(slice::<T>(&d.t)?, slice::<T>(&gc)?, d.plan.k, d.plan.n, &mut dx);
            <T as BufferElement>::wrap(dx)
        }, other => return Err(internal_dtype("prod", xd.dtype())));
        Ok(vec![Some(from_plan(buf, xd.shape(), &d.plan)?)])
    }))
}

/// Mean (keepdims) and variance (as asked) of `x` over `ax`, in `float_of(x)`.
pub(crate) fn mean_and_var(x: &Tensor, ax: &[usize], keepdims: bool, op: &str) -> Result<(Tensor, Tensor)> {
    if x.device().is_gpu() {
        return crate::wgpu::reduce::mean_and_var(&x.detach(), ax, keepdims, op);
    }
    let xf = cast_untracked(x, float_of(x.dtype()))?;
    let mut mean_out = None;
    let var = reduce_shell(&xf, ax, keepdims, xf.dtype(), op, Some(f64::NAN), |d| {
        Ok(dispatch_float!(d.t.cpu_buffer()?, T, _v => {
            let (mu, var) = moments_mkn(slice::<T>(&d.t)?, d.plan.m, d.plan.k, d.plan.n)?;
            mean_out = Some(<T as BufferElement>::wrap(mu));
            <T as BufferElement>::wrap(var)
        }, other => return Err(internal_dtype(op, xf.dtype()))))
    })?;
    let kshape = reduced_shape(x.shape(), ax, true);
    let mean = match mean_out {
        Some(buf) => Tensor::from_buffer(buf, &kshape)?,
        None => Tensor::full(&kshape, f64::NAN, xf.dtype())?,
    };
    Ok((mean, var))
}

/// d var / dx = 2 (x - mean) / N, times the upstream gradient `gv` (reduced shape).
pub(crate) fn var_backward(x: &Tensor, mean_keep: &Tensor, gv: &Tensor, ax: &[usize]) -> Result<Tensor> {
    let n = fold_count(x.shape(), ax);
    let dt = mean_keep.dtype();
    let scaled = multiply(gv, &Tensor::full(&[], 2.0 / n as f64, dt)?)?;
    let centered = subtract(&cast_untracked(x, dt)?, mean_keep)?;
    multiply(&expand_reduced(&scaled, x.shape(), ax)?, &centered)
}

/// `var(x, axis=None, keepdims=False)`: the biased (ddof 0) variance, as keras.ops.var.
pub fn var(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), "var")?;
    let (mean, out) = mean_and_var(x, &ax, keepdims, "var")?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("var", &[x], out, move |g, _| Ok(vec![Some(var_backward(&xd, &mean, g, &ax)?)])))
}

/// `std(x, axis=None, keepdims=False)`: the biased (ddof 0) standard deviation.
pub fn std_dev(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), "std")?;
    let (mean, v) = mean_and_var(x, &ax, keepdims, "std")?;
    let out = if v.device().is_gpu() { crate::ops::sqrt(&v)? } else { dispatch_float!(v.cpu_buffer()?, T, vals => {
        Tensor::from_buffer(<T as BufferElement>::wrap(vals.iter().map(|&e| e.sqrt()).collect()), v.shape())?
    }, other => return Err(internal_dtype("std", v.dtype()))) };
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (xd, sd) = (x.detach(), out.detach());
    Ok(record1("std", &[x], out, move |g, _| {
        // d std = d var / (2 std)
        let gv = divide(g, &multiply(&sd, &Tensor::full(&[], 2.0, sd.dtype())?)?)?;
        Ok(vec![Some(var_backward(&xd, &mean, &gv, &ax)?)])
    }))
}

/// `logsumexp(x, axis=None, keepdims=False)`: log(sum(exp(x))) computed stably
/// (the maximum is factored out); -inf over an empty axis.
pub fn logsumexp(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), "logsumexp")?;
    let xf = cast_untracked(x, float_of(x.dtype()))?;
    let out = reduce_shell(&xf, &ax, keepdims, xf.dtype(), "logsumexp", Some(f64::NEG_INFINITY), |d| {
        Ok(dispatch_float!(d.t.cpu_buffer()?, T, _v => {
            let mut o = crate::storage::try_vec(d.plan.m * d.plan.n, 0 as T)?;
            logsumexp_mkn(slice::<T>(&d.t)?, d.plan.k, d.plan.n, &mut o);
            <T as BufferElement>::wrap(o)
        }, other => return Err(internal_dtype("logsumexp", xf.dtype()))))
    })?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = xf;
    Ok(record1("logsumexp", &[x], out, move |g, _| {
        // d/dx = g * softmax(x) over the reduced axes, from x itself: exp(x - lse) would lose
        // the digits of lse that rounding dropped when x is large.
        let axes: Vec<isize> = ax.iter().map(|&a| a as isize).collect();
        let p = if axes.is_empty() { Tensor::ones_like(&xd)? } else { crate::ops::nn::softmax(&xd, &axes)? };
        Ok(vec![Some(multiply(&expand_reduced(g, xd.shape(), &ax)?, &p)?)])
    }))
}

/// argmax (`MAX`) or argmin over one axis, or over the flattened tensor.
fn arg_extremum<const MAX: bool>(x: &Tensor, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
    let op = if MAX { "argmax" } else { "argmin" };
    if x.device().is_gpu() && x.numel() > 0 {
        let (src, a) = match axis {
            Some(a) => (x.detach(), normalize_axis(a, x.rank(), op)?),
            None => (crate::ops::reshape(&x.detach(), &[x.numel()])?, 0),
        };
        let out = crate::wgpu::reduce::arg(op, &src, a, keepdims && axis.is_some())?;
        return if keepdims && axis.is_none() { crate::ops::reshape(&out, &vec![1; x.rank()]) } else { Ok(out) };
    }
    let (src, ax, shape) = match axis {
        Some(a) => {
            let a = normalize_axis(a, x.rank(), op)?;
            (x.detach(), vec![a], reduced_shape(x.shape(), &[a], keepdims))
        }
        None => {
            // Indices count in C order over the whole tensor.
            let flat = x.contiguous()?;
            let flat = flat.with_layout(crate::layout::Layout::contiguous(&[x.numel()]).with_offset(flat.layout().offset()))?;
            (flat, vec![0], if keepdims { vec![1; x.rank()] } else { vec![] })
        }
    };
    if src.numel() == 0 {
        if shape.iter().product::<usize>() == 0 {
            return Tensor::zeros(&shape, DType::I32);
        }
        return Err(value_err!("{op}: attempt to get the {op} of an empty sequence (input shape {:?})", x.shape()));
    }
    let d = dense(&src, &ax, Walk::Reduce)?;
    let idx: Vec<i32> = with_buffer!(d.t.cpu_buffer()?, v => {
        fold_mkn(&ArgExtremum::<MAX>, planned_slice(v, &d.t)?, d.plan.m, d.plan.k, d.plan.n)?
            .into_iter()
            .map(|(_, i)| i as i32)
            .collect()
    });
    Tensor::from_vec(idx, &shape)
}

/// `argmax(x, axis=None, keepdims=False)`: int32 indices of the first maximum (the first NaN
/// if any); over the flattened tensor when `axis` is None.
pub fn argmax(x: &Tensor, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
    arg_extremum::<true>(x, axis, keepdims)
}

/// `argmin(x, axis=None, keepdims=False)`.
pub fn argmin(x: &Tensor, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
    arg_extremum::<false>(x, axis, keepdims)
}

/// Non-zero counts over `ax` mapped through `f(count, fold_len)` into `dtype`.
fn count_reduce(x: &Tensor, axes: Option<&[isize]>, keepdims: bool, op: &str, dtype: DType, empty: f64, f: impl Fn(u64, usize) -> f64) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), op)?;
    reduce_shell(x, &ax, keepdims, dtype, op, Some(empty), |d| {
        let counts = with_buffer!(d.t.cpu_buffer()?, v => fold_mkn(&CountNonzero, planned_slice(v, &d.t)?, d.plan.m, d.plan.k, d.plan.n)?);
        let k = d.plan.k;
        Ok(match dtype {
            DType::Bool => CpuBuffer::Bool(counts.into_iter().map(|c| (f(c, k) != 0.0) as u8).collect()),
            _ => CpuBuffer::I32(counts.into_iter().map(|c| f(c, k) as i32).collect()),
        })
    })
}

/// `any(x, axis=None, keepdims=False)`: whether any element is non-zero (bool).
pub fn any(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    count_reduce(x, axes, keepdims, "any", DType::Bool, 0.0, |c, _| (c > 0) as u8 as f64)
}

/// `all(x, axis=None, keepdims=False)`: whether every element is non-zero (bool).
pub fn all(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    count_reduce(x, axes, keepdims, "all", DType::Bool, 1.0, |c, k| (c as usize == k) as u8 as f64)
}

/// `count_nonzero(x, axis=None)`: int32 counts of non-zero elements.
pub fn count_nonzero(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    count_reduce(x, axes, keepdims, "count_nonzero", DType::I32, 0.0, |c, _| c as f64)
}
