//! Pooling with keras.ops names and semantics: `max_pool` and `average_pool`, 1-D (rank-3
//! inputs) and 2-D (rank-4), channels-last by default. Windows are clipped to the input:
//! with "same" padding the padded cells never win a max and are not counted in an average
//! (TensorFlow's behaviour). The max's gradient goes to the first maximum of each window.
//!
//! Dtype rule: max_pool keeps the input's numeric dtype (bool is rejected); average_pool
//! computes in `float_of` the input dtype (integers give float32).

use crate::autograd::{needs_grad, record1};
use crate::cpu::num::{Float, Num};
use crate::cpu::pool::{avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward, Pool2dGeometry};
use crate::device::Device;
use crate::dtype::{float_of, DType};
use crate::error::Result;
use crate::ops::conv::geometry::{from_channels_last, per_axis, spatial_rank, to_channels_last, windows_output};
use crate::ops::conv::{DataFormat, Padding};
use crate::ops::elementwise::cast_untracked;
use crate::ops::shape::{expand_dims, squeeze};
use crate::storage::BufferElement;
use crate::tensor::Tensor;
use crate::dtype_err;

#[derive(Clone, Copy)]
enum PoolKind {
    Max,
    Average,
}

/// `max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None)`: the
/// maximum of each window; strides default to pool_size.
pub fn max_pool(inputs: &Tensor, pool_size: &[usize], strides: Option<&[usize]>, padding: Padding, data_format: DataFormat) -> Result<Tensor> {
    pool("max_pool", PoolKind::Max, inputs, pool_size, strides, padding, data_format)
}

/// `average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None)`: the
/// mean of each window's cells inside the input; strides default to pool_size.
pub fn average_pool(inputs: &Tensor, pool_size: &[usize], strides: Option<&[usize]>, padding: Padding, data_format: DataFormat) -> Result<Tensor> {
    pool("average_pool", PoolKind::Average, inputs, pool_size, strides, padding, data_format)
}

fn pool(op: &'static str, kind: PoolKind, inputs: &Tensor, pool_size: &[usize], strides: Option<&[usize]>, padding: Padding, data_format: DataFormat) -> Result<Tensor> {
    let spatial = spatial_rank(op, inputs)?;
    let size = per_axis(pool_size, spatial, op, "pool_size")?;
    let strides = per_axis(strides.unwrap_or(&size), spatial, op, "strides")?;
    let x = to_channels_last(inputs, data_format)?;
    let x = match kind {
        PoolKind::Max if x.dtype() == DType::Bool => return Err(dtype_err!("{op}: bool inputs are not supported, got inputs of shape {:?}", inputs.shape())),
        PoolKind::Max => x,
        PoolKind::Average => crate::ops::elementwise::cast(&x, float_of(x.dtype()))?,
    };
    let s = x.shape();
    let (outs, pads) = windows_output(op, inputs.shape(), &s[1..1 + spatial], &size, &strides, &vec![1; spatial], padding, "pool window")?;
    let two = |v: &[usize], lead: usize| if spatial == 1 { [lead, v[0]] } else { [v[0], v[1]] };
    let ([in_h, in_w], [out_h, out_w], [k_h, k_w]) = (two(&s[1..1 + spatial], 1), two(&outs, 1), two(&size, 1));
    let ([stride_h, stride_w], [pad_top, pad_left]) = (two(&strides, 1), two(&pads, 0));
    let g = Pool2dGeometry { batch: s[0], in_h, in_w, channels: s[1 + spatial], out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left };
    if x.numel() == 0 || g.output_len() == 0 {
        return from_channels_last(&Tensor::zeros(&outs_shape(&x, &outs), x.dtype())?.to(x.device())?, data_format);
    }
    let x4 = if spatial == 1 { expand_dims(&x, 1)? } else { x };
    let y = match kind {
        PoolKind::Max => max_pool2d_nhwc(op, &x4, g)?,
        PoolKind::Average => avg_pool2d_nhwc(op, &x4, g)?,
    };
    let y = if spatial == 1 { squeeze(&y, Some(&[1]))? } else { y };
    from_channels_last(&y, data_format)
}

/// Channels-last output shape: batch, the output's spatial sizes, channels.
fn outs_shape(x: &Tensor, outs: &[usize]) -> Vec<usize> {
    let s = x.shape();
    [&s[..1], outs, &s[s.len() - 1..]].concat()
}

fn nhwc(g: &Pool2dGeometry, input: bool) -> [usize; 4] {
    if input {
        [g.batch, g.in_h, g.in_w, g.channels]
    } else {
        [g.batch, g.out_h, g.out_w, g.channels]
    }
}

/// Recorded max pooling on channels-last 2-D data; the backward finds each window's first
/// maximum again from the saved input and output.
fn max_pool2d_nhwc(op: &str, x: &Tensor, g: Pool2dGeometry) -> Result<Tensor> {
    fn typed<T: Num + BufferElement>(x: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
        let xc = x.contiguous()?;
        Tensor::from_vec(max_pool2d(xc.as_slice::<T>()?, g)?, &nhwc(g, false))
    }
    let out = match (x.device(), x.dtype()) {
        (Device::Cpu, DType::F32) => typed::<f32>(x, &g)?,
        (Device::Cpu, DType::F64) => typed::<f64>(x, &g)?,
        (Device::Cpu, DType::I32) => typed::<i32>(x, &g)?,
        (Device::Cpu, DType::I64) => typed::<i64>(x, &g)?,
        (Device::Gpu, _) => crate::wgpu::pool::max_pool(op, x, &g)?,
        (_, d) => return Err(dtype_err!("{op}: unsupported dtype {d}")),
    };
    if !needs_grad(&[x]) || !x.dtype().is_float() {
        return Ok(out);
    }
    let (xd, yd) = (x.detach(), out.detach());
    Ok(record1("max_pool", &[x], out, move |dy, _| Ok(vec![Some(max_pool_backward(&xd, &yd, dy, &g)?)])))
}

/// Routes each output gradient to the first cell of its window holding the maximum.
fn max_pool_backward(x: &Tensor, y: &Tensor, dy: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
    fn typed<T: Num + BufferElement>(x: &Tensor, y: &Tensor, dy: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
        let (xc, d) = (x.contiguous()?, cast_untracked(dy, T::DTYPE)?.contiguous()?);
        Tensor::from_vec(max_pool2d_backward(xc.as_slice::<T>()?, y.as_slice::<T>()?, d.as_slice::<T>()?, g)?, &nhwc(g, true))
    }
    if crate::wgpu::any_gpu(&[x, y, dy]) {
        return crate::wgpu::pool::max_pool_backward(x, y, dy, g);
    }
    match x.dtype() {
        DType::F32 => typed::<f32>(x, y, dy, g),
        DType::F64 => typed::<f64>(x, y, dy, g),
        d => Err(dtype_err!("max_pool: cannot differentiate {d} inputs")),
    }
}

/// Recorded average pooling on channels-last 2-D float data.
fn avg_pool2d_nhwc(op: &str, x: &Tensor, g: Pool2dGeometry) -> Result<Tensor> {
    fn typed<T: Float + BufferElement>(x: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
        let xc = x.contiguous()?;
        Tensor::from_vec(avg_pool2d(xc.as_slice::<T>()?, g)?, &nhwc(g, false))
    }
    let out = match (x.device(), x.dtype()) {
        (Device::Cpu, DType::F32) => typed::<f32>(x, &g)?,
        (Device::Cpu, DType::F64) => typed::<f64>(x, &g)?,
        (Device::Gpu, _) => crate::wgpu::pool::average_pool(op, x, &g)?,
        (_, d) => return Err(dtype_err!("{op}: unsupported dtype {d}")),
    };
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let dt = x.dtype();
    Ok(record1("average_pool", &[x], out, move |dy, _| Ok(vec![Some(average_pool_backward(&cast_untracked(dy, dt)?, &g)?)])))
}

/// Spreads each output gradient evenly over the input cells of its window.
fn average_pool_backward(dy: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
    fn typed<T: Float + BufferElement>(dy: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
        let d = dy.contiguous()?;
        Tensor::from_vec(avg_pool2d_backward(d.as_slice::<T>()?, g)?, &nhwc(g, true))
    }
    if dy.device().is_gpu() {
        return crate::wgpu::pool::average_pool_backward(dy, g);
    }
    match dy.dtype() {
        DType::F32 => typed::<f32>(dy, g),
        DType::F64 => typed::<f64>(dy, g),
        d => Err(dtype_err!("average_pool: cannot differentiate with a {d} gradient")),
    }
}
