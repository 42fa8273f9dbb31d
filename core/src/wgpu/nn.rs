//! GPU arms of softmax / log_softmax (a row kernel) and of the fused losses, which on the gpu
//! are composed from engine ops (their gradients come from those ops' rules).

use crate::autograd::{needs_grad, record1};
use crate::dtype::{float_of, DType};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, operand, unsupported, wrap, Params};

/// softmax (or log_softmax) of `x` over the sorted axes `ax`.
pub(crate) fn softmax(x: &Tensor, ax: &[usize], log: bool) -> Result<Tensor> {
    let op = if log { "log_softmax" } else { "softmax" };
    let xf = ops::elementwise::cast_untracked(&*operand(op, x)?, float_of(x.dtype()))?;
    if xf.dtype() != DType::F32 {
        return Err(unsupported(op, &format!("{} input", xf.dtype())));
    }
    // Move the softmax axes last (a view), make that dense, run one workgroup per row.
    let r = xf.rank();
    let perm: Vec<usize> = (0..r).filter(|a| !ax.contains(a)).chain(ax.iter().copied()).collect();
    let moved = xf.with_layout(xf.layout().permute(&perm)?)?.contiguous()?;
    let k: usize = ax.iter().map(|&a| x.shape()[a]).product();
    let rows = if k == 0 { 0 } else { xf.numel() / k };
    let out = GpuBuffer::alloc(DType::F32, xf.numel(), false, op)?;
    if rows > 0 {
        let mut p = Params::default();
        p.u(rows as u32).u(k as u32).u(log as u32);
        let g = gpu()?;
        g.launch(include_str!("shaders/softmax.wgsl"), "softmax_rows", &p.0, &[Arg::Read(buf(&moved)?.raw()), Arg::Write(out.raw())], g.groups_1d(rows, 1))?;
    }
    let y = wrap(out, moved.shape())?;
    let mut inv = vec![0usize; r];
    for (i, &pi) in perm.iter().enumerate() {
        inv[pi] = i;
    }
    let out = y.with_layout(y.layout().permute(&inv)?)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let yd = out.detach();
    let axes: Vec<isize> = ax.iter().map(|&a| a as isize).collect();
    Ok(record1(op, &[x], out, move |g, _| {
        let g = ops::elementwise::cast_untracked(g, yd.dtype())?;
        let dx = if log {
            // d log_softmax: g - softmax * sum(g)
            ops::subtract(&g, &ops::multiply(&ops::exp(&yd)?, &ops::sum(&g, Some(&axes), true)?)?)?
        } else {
            // d softmax: y * (g - sum(g * y))
            ops::multiply(&yd, &ops::subtract(&g, &ops::sum(&ops::multiply(&g, &yd)?, Some(&axes), true)?)?)?
        };
        Ok(vec![Some(dx)])
    }))
}

fn eps() -> Tensor {
    Tensor::scalar(crate::ops::loss::KERAS_EPSILON as f32)
}

/// binary_crossentropy, composed: from logits `max(x, 0) - x t + log1p(exp(-|x|))`, else
/// `-(t log p + (1 - t) log(1 - p))` with p clipped to [eps, 1 - eps].
pub(crate) fn binary_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool) -> Result<Tensor> {
    let dt = float_of(output.dtype());
    let (t, o) = (ops::cast(target, dt)?, ops::cast(output, dt)?);
    if from_logits {
        let relu = ops::relu(&o)?;
        let softplus = ops::log1p(&ops::exp(&ops::negative(&ops::abs(&o)?)?)?)?;
        return ops::add(&ops::subtract(&relu, &ops::multiply(&o, &t)?)?, &softplus);
    }
    let one = Tensor::scalar(1.0f32);
    let p = ops::clip(&o, &eps(), &Tensor::scalar(1.0f32 - crate::ops::loss::KERAS_EPSILON as f32))?;
    let pos = ops::multiply(&t, &ops::log(&p)?)?;
    let neg = ops::multiply(&ops::subtract(&one, &t)?, &ops::log(&ops::subtract(&one, &p)?)?)?;
    ops::negative(&ops::add(&pos, &neg)?)
}

/// categorical_crossentropy, composed: `-sum(t log_softmax(x))` from logits, else Keras'
/// renormalized and clipped probabilities.
pub(crate) fn categorical_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool, axis: usize) -> Result<Tensor> {
    let dt = float_of(output.dtype());
    let (t, o) = (ops::cast(target, dt)?, ops::cast(output, dt)?);
    let a = [axis as isize];
    let logp = if from_logits {
        ops::log_softmax(&o, &a)?
    } else {
        let p = ops::divide(&o, &ops::sum(&o, Some(&a), true)?)?;
        ops::log(&ops::clip(&p, &eps(), &Tensor::scalar(1.0f32 - crate::ops::loss::KERAS_EPSILON as f32))?)?
    };
    ops::negative(&ops::sum(&ops::multiply(&t, &logp)?, Some(&a), false)?)
}

/// sparse_categorical_crossentropy, composed: the class indices become a one-hot target by
/// comparison with the class numbers (labels are not range-checked on the gpu: that would need
/// a readback).
pub(crate) fn sparse_categorical_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool, axis: usize) -> Result<Tensor> {
    let k = output.shape()[axis];
    let labels = ops::elementwise::cast_untracked(&*operand("sparse_categorical_crossentropy", target)?, DType::I32)?;
    let mut cshape = vec![1usize; output.rank()];
    cshape[axis] = k;
    let classes = Tensor::from_vec((0..k as i32).collect::<Vec<i32>>(), &cshape)?.to(crate::device::Device::Gpu)?;
    let onehot = ops::equal(&ops::expand_dims(&labels, axis as isize)?, &classes)?;
    categorical_crossentropy(&onehot, output, from_logits, axis)
}

/// mean(d^2) or mean(|d|) over the last axis.
pub(crate) fn mean_error_last(d: &Tensor, square: bool) -> Result<Tensor> {
    let e = if square { ops::square(d)? } else { ops::abs(d)? };
    ops::mean(&e, Some(&[-1]), false)
}
