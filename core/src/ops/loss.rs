//! Fused losses returning per-sample values (no reduction over the batch), with the semantics
//! of keras.ops / keras.losses:
//!
//! - `binary_crossentropy(target, output, from_logits)`: elementwise, like keras.ops;
//!   probabilities are clipped to [eps, 1 - eps] with Keras' eps = 1e-7.
//! - `categorical_crossentropy(target, output, from_logits, axis)`: reduces the class axis;
//!   probabilities are renormalized to sum to one, clipped, then logged (as Keras does).
//! - `sparse_categorical_crossentropy(target, output, from_logits, axis)`: integer class
//!   indices (any int dtype, or floats holding integers); an index out of range is an error.
//! - `mean_squared_error` / `mean_absolute_error(y_true, y_pred)`: the mean over the last axis
//!   after Keras' rank matching (a trailing size-1 axis is squeezed or added).
//!
//! From logits, every form is stable for any finite logits (no exp overflow, no cancellation
//! between log-sum-exp and a large logit). Dtype rule: the loss computes in `float_of` the
//! output dtype; the target is cast to it. Gradients flow to the output and, where it makes
//! sense (dense float targets), to the target.

use crate::autograd::{needs_grad, record, record1};
use crate::cpu::nn::loss::{
    bce_logits, bce_logits_grad, bce_probs, bce_probs_grad, cce_logits, cce_probs, logits_grad, logits_target_grad, mean_error,
    mean_error_grad, probs_grad, probs_target_grad, scce_logits, scce_probs, LOGIT_STATS, PROB_STATS,
};
use crate::dtype::{float_of, DType};
use crate::error::{Error, Result};
use crate::layout::normalize_axis;
use crate::ops::elementwise::{cast, cast_untracked, subtract};
use crate::ops::reduce::planning::{arrange, dense, from_plan, slice, Walk};
use crate::ops::shape::{expand_dims, squeeze};
use crate::storage::{try_vec, BufferElement};
use crate::tensor::Tensor;
use crate::{dispatch_float, dtype_err, shape_err, value_err, with_buffer};

/// Keras' `backend.epsilon()`.
pub const KERAS_EPSILON: f64 = 1e-7;

fn loss_dtype(output: &Tensor) -> DType {
    float_of(output.dtype())
}

fn pick<T: Copy>(stats: &[T], width: usize) -> Vec<T> {
    stats.iter().step_by(width).copied().collect()
}

/// `binary_crossentropy(target, output, from_logits=False)`: elementwise
/// `-(t log(p) + (1 - t) log(1 - p))`; from logits, `max(x, 0) - x t + log(1 + exp(-|x|))`.
pub fn binary_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool) -> Result<Tensor> {
    const OP: &str = "binary_crossentropy";
    if target.shape() != output.shape() {
        return Err(shape_err!("{OP}: target and output must have the same shape, got {:?} and {:?}", target.shape(), output.shape()));
    }
    if crate::wgpu::any_gpu(&[target, output]) {
        return crate::wgpu::nn::binary_crossentropy(target, output, from_logits);
    }
    let dt = loss_dtype(output);
    let (t, o) = (cast_untracked(target, dt)?.contiguous()?, cast_untracked(output, dt)?.contiguous()?);
    let out = dispatch_float!(o.cpu_buffer()?, T, _v => {
        let mut l = try_vec(o.numel(), 0 as T)?;
        if from_logits {
            bce_logits(slice::<T>(&o)?, slice::<T>(&t)?, &mut l);
        } else {
            bce_probs(slice::<T>(&o)?, slice::<T>(&t)?, KERAS_EPSILON, &mut l);
        }
        Tensor::from_buffer(<T as BufferElement>::wrap(l), o.shape())?
    }, other => return Err(dtype_err!("{OP}: unsupported dtype {}", dt)));
    if !needs_grad(&[target, output]) {
        return Ok(out);
    }
    let mut outs = record(OP, &[target, output], vec![out], move |gs, need| {
        let g = cast_untracked(&gs[0], dt)?.contiguous()?;
        dispatch_float!(o.cpu_buffer()?, T, _v => {
            let n = o.numel();
            let mut dx = try_vec(if need[1] { n } else { 0 }, 0 as T)?;
            let mut dtg = try_vec(if need[0] { n } else { 0 }, 0 as T)?;
            let (os, ts, gs) = (slice::<T>(&o)?, slice::<T>(&t)?, slice::<T>(&g)?);
            if from_logits {
                bce_logits_grad(os, ts, gs, &mut dx, &mut dtg);
            } else {
                bce_probs_grad(os, ts, gs, KERAS_EPSILON, &mut dx, &mut dtg);
            }
            let wrap = |v: Vec<T>, on: bool| -> Result<Option<Tensor>> {
                if on { Ok(Some(Tensor::from_buffer(<T as BufferElement>::wrap(v), o.shape())?)) } else { Ok(None) }
            };
            Ok(vec![wrap(dtg, need[0])?, wrap(dx, need[1])?])
        }, other => Err(dtype_err!("{OP}: unsupported dtype {}", dt)))
    });
    outs.pop().ok_or_else(|| Error::Value(format!("{OP}: internal: missing output")))
}

/// `categorical_crossentropy(target, output, from_logits=False, axis=-1)`: per-sample
/// `-sum(target * log(softmax(output)))` over `axis` from logits, or over Keras' renormalized,
/// clipped probabilities otherwise.
pub fn categorical_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool, axis: isize) -> Result<Tensor> {
    const OP: &str = "categorical_crossentropy";
    if output.rank() < 1 || target.rank() != output.rank() || target.shape() != output.shape() {
        return Err(shape_err!(
            "{OP}: target and output must have the same shape with at least one axis, got {:?} and {:?}",
            target.shape(),
            output.shape()
        ));
    }
    let a = normalize_axis(axis, output.rank(), OP)?;
    if crate::wgpu::any_gpu(&[target, output]) && output.numel() > 0 {
        return crate::wgpu::nn::categorical_crossentropy(target, output, from_logits, a);
    }
    let dt = loss_dtype(output);
    let mut lshape = output.shape().to_vec();
    lshape.remove(a);
    let of = cast_untracked(output, dt)?;
    if of.numel() == 0 {
        let v = if output.shape()[a] == 0 { 0.0 } else { f64::NAN };
        return Tensor::full(&lshape, v, dt);
    }
    let d = dense(&of, &[a], Walk::Rows)?;
    let t = arrange(&cast_untracked(target, dt)?, &d.plan)?;
    let (m, k) = (d.plan.m, d.plan.k);
    let width = if from_logits { LOGIT_STATS } else { PROB_STATS };
    let (out, stats) = dispatch_float!(d.t.cpu_buffer()?, T, _v => {
        let mut st = try_vec(m * width, 0 as T)?;
        if from_logits {
            cce_logits(slice::<T>(&d.t)?, slice::<T>(&t)?, k, &mut st);
        } else {
            cce_probs(slice::<T>(&d.t)?, slice::<T>(&t)?, k, KERAS_EPSILON, &mut st);
        }
        (Tensor::from_vec(pick(&st, width), &lshape)?, Tensor::from_vec(st, &[m, width])?)
    }, other => return Err(dtype_err!("{OP}: unsupported dtype {}", dt)));
    if !needs_grad(&[target, output]) {
        return Ok(out);
    }
    let (x, plan) = (d.t, d.plan);
    let shape = output.shape().to_vec();
    let mut outs = record(OP, &[target, output], vec![out], move |gs, need| {
        let g = cast_untracked(&gs[0], dt)?.contiguous()?;
        dispatch_float!(x.cpu_buffer()?, T, _v => {
            let (xs, ts, ss, gv) = (slice::<T>(&x)?, slice::<T>(&t)?, slice::<T>(&stats)?, slice::<T>(&g)?);
            let dtg = if need[0] {
                let mut o = try_vec(xs.len(), 0 as T)?;
                if from_logits { logits_target_grad(xs, ss, gv, k, &mut o) } else { probs_target_grad(xs, ss, gv, k, KERAS_EPSILON, &mut o) }
                Some(from_plan(<T as BufferElement>::wrap(o), &shape, &plan)?)
            } else { None };
            let dx = if need[1] {
                let mut o = try_vec(xs.len(), 0 as T)?;
                if from_logits { logits_grad(xs, ts, &[], ss, gv, k, &mut o) } else { probs_grad(xs, ts, &[], ss, gv, k, KERAS_EPSILON, &mut o) }
                Some(from_plan(<T as BufferElement>::wrap(o), &shape, &plan)?)
            } else { None };
            Ok(vec![dtg, dx])
        }, other => Err(dtype_err!("{OP}: unsupported dtype {}", dt)))
    });
    outs.pop().ok_or_else(|| Error::Value(format!("{OP}: internal: missing output")))
}

/// Class indices from a target tensor (ints, bools, or floats holding integers), each checked
/// to lie in `0..k`.
fn class_indices(target: &Tensor, k: usize, op: &str) -> Result<Vec<usize>> {
    let t = target.contiguous()?;
    let check = |v: f64| -> Result<usize> {
        if v.fract() != 0.0 || v.is_nan() {
            return Err(value_err!("{op}: target value {v} is not an integer class index"));
        }
        if v < 0.0 || v >= k as f64 {
            return Err(Error::Index(format!(
                "{op}: target value {v} is out of range for {k} classes (valid class indices are 0 to {})",
                k as i64 - 1
            )));
        }
        Ok(v as usize)
    };
    let buf = t.cpu_buffer()?;
    let lo = t.layout().offset();
    with_buffer!(buf, v => v[lo..lo + t.numel()].iter().map(|&e| check(crate::dtype::Element::to_f64(e))).collect())
}

/// `sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1)`: like
/// `categorical_crossentropy` with a one-hot target given by class indices. `target` has the
/// shape of `output` without the class axis (a trailing size-1 axis is squeezed, as Keras does).
pub fn sparse_categorical_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool, axis: isize) -> Result<Tensor> {
    const OP: &str = "sparse_categorical_crossentropy";
    if output.rank() < 1 {
        return Err(shape_err!("{OP}: output must have at least one axis (the classes), got shape {:?}", output.shape()));
    }
    let a = normalize_axis(axis, output.rank(), OP)?;
    let target = if target.rank() == output.rank() && target.shape()[a] == 1 { squeeze(&target.detach(), Some(&[a as isize]))? } else { target.detach() };
    let mut lshape = output.shape().to_vec();
    let k = lshape.remove(a);
    if target.shape() != lshape.as_slice() {
        return Err(shape_err!(
            "{OP}: target of shape {:?} does not match output of shape {:?} without its class axis {a} (expected {lshape:?})",
            target.shape(),
            output.shape()
        ));
    }
    let dt = loss_dtype(output);
    let of = cast_untracked(output, dt)?;
    if of.numel() == 0 {
        if lshape.iter().product::<usize>() > 0 {
            return Err(value_err!("{OP}: output of shape {:?} has no classes", output.shape()));
        }
        return Tensor::zeros(&lshape, dt);
    }
    if crate::wgpu::any_gpu(&[&target, output]) {
        return crate::wgpu::nn::sparse_categorical_crossentropy(&target, output, from_logits, a);
    }
    let labels = class_indices(&target, k, OP)?;
    let d = dense(&of, &[a], Walk::Rows)?;
    let m = d.plan.m;
    let width = if from_logits { LOGIT_STATS } else { PROB_STATS };
    let (out, stats) = dispatch_float!(d.t.cpu_buffer()?, T, _v => {
        let mut st = try_vec(m * width, 0 as T)?;
        if from_logits {
            scce_logits(slice::<T>(&d.t)?, &labels, k, &mut st);
        } else {
            scce_probs(slice::<T>(&d.t)?, &labels, k, KERAS_EPSILON, &mut st);
        }
        (Tensor::from_vec(pick(&st, width), &lshape)?, Tensor::from_vec(st, &[m, width])?)
    }, other => return Err(dtype_err!("{OP}: unsupported dtype {}", dt)));
    if !needs_grad(&[output]) {
        return Ok(out);
    }
    let (x, plan) = (d.t, d.plan);
    let shape = output.shape().to_vec();
    Ok(record1(OP, &[output], out, move |g, _| {
        let g = cast_untracked(g, dt)?.contiguous()?;
        let dx = dispatch_float!(x.cpu_buffer()?, T, _v => {
            let (xs, ss, gv) = (slice::<T>(&x)?, slice::<T>(&stats)?, slice::<T>(&g)?);
            let mut o = try_vec(xs.len(), 0 as T)?;
            if from_logits { logits_grad(xs, &[], &labels, ss, gv, k, &mut o) } else { probs_grad(xs, &[], &labels, ss, gv, k, KERAS_EPSILON, &mut o) }
            from_plan(<T as BufferElement>::wrap(o), &shape, &plan)?
        }, other => return Err(dtype_err!("{OP}: unsupported dtype {}", dt)));
        Ok(vec![Some(dx)])
    }))
}

/// Keras' `squeeze_or_expand_to_same_rank`: when the ranks differ by one and the larger has a
/// trailing size-1 axis, squeeze it (or expand the rank-1 one).
fn match_ranks(a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor)> {
    let (ra, rb) = (a.rank(), b.rank());
    if ra == rb + 1 && a.shape().last() == Some(&1) {
        return Ok(if rb == 1 { (a.clone(), expand_dims(b, -1)?) } else { (squeeze(a, Some(&[-1]))?, b.clone()) });
    }
    if rb == ra + 1 && b.shape().last() == Some(&1) {
        return Ok(if ra == 1 { (expand_dims(a, -1)?, b.clone()) } else { (a.clone(), squeeze(b, Some(&[-1]))?) });
    }
    Ok((a.clone(), b.clone()))
}

/// mean(d^2) or mean(|d|) over the last axis of `d`, fused (one pass forward and backward).
fn mean_error_last(d: &Tensor, square: bool, op: &str) -> Result<Tensor> {
    if d.rank() < 1 {
        return Err(shape_err!("{op}: inputs must have at least one axis, got shape {:?}", d.shape()));
    }
    if d.device().is_gpu() {
        return crate::wgpu::nn::mean_error_last(d, square);
    }
    let k = d.shape()[d.rank() - 1];
    let oshape = d.shape()[..d.rank() - 1].to_vec();
    let dc = d.contiguous()?;
    if k == 0 || dc.numel() == 0 {
        return Tensor::full(&oshape, f64::NAN, d.dtype());
    }
    let out = dispatch_float!(dc.cpu_buffer()?, T, _v => {
        let mut o = try_vec(dc.numel() / k, 0 as T)?;
        mean_error(slice::<T>(&dc)?, k, square, &mut o);
        Tensor::from_buffer(<T as BufferElement>::wrap(o), &oshape)?
    }, other => return Err(dtype_err!("{op}: unsupported dtype {}", d.dtype())));
    if !needs_grad(&[d]) {
        return Ok(out);
    }
    Ok(record1(if square { "mean_squared_error" } else { "mean_absolute_error" }, &[d], out, move |g, _| {
        let g = cast_untracked(g, dc.dtype())?.contiguous()?;
        let dd = dispatch_float!(dc.cpu_buffer()?, T, _v => {
            let mut o = try_vec(dc.numel(), 0 as T)?;
            mean_error_grad(slice::<T>(&dc)?, slice::<T>(&g)?, k, square, &mut o);
            Tensor::from_buffer(<T as BufferElement>::wrap(o), dc.shape())?
        }, other => return Err(dtype_err!("mean error: unsupported dtype {}", dc.dtype())));
        Ok(vec![Some(dd)])
    }))
}

fn mean_error_loss(y_true: &Tensor, y_pred: &Tensor, square: bool, op: &str) -> Result<Tensor> {
    let dt = loss_dtype(y_pred);
    let (t, p) = match_ranks(&cast(y_true, dt)?, &cast(y_pred, dt)?)?;
    let d = subtract(&t, &p).map_err(|e| match e {
        Error::Shape(_) => shape_err!("{op}: y_true of shape {:?} and y_pred of shape {:?} cannot be broadcast together", y_true.shape(), y_pred.shape()),
        other => other,
    })?;
    mean_error_last(&d, square, op)
}

/// `mean_squared_error(y_true, y_pred)`: `mean(square(y_true - y_pred), axis=-1)`.
pub fn mean_squared_error(y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    mean_error_loss(y_true, y_pred, true, "mean_squared_error")
}

/// `mean_absolute_error(y_true, y_pred)`: `mean(abs(y_true - y_pred), axis=-1)`.
pub fn mean_absolute_error(y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    mean_error_loss(y_true, y_pred, false, "mean_absolute_error")
}
