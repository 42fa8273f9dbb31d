//! The 2-D channels-last convolution primitives, dispatched to the device's kernels, and the two
//! recorded ops built on them. The three primitives are each other's gradients:
//!
//! - forward:     y  = conv(x, w)
//! - input grad:  dx = conv_input_grad(dy, w)   (the adjoint in x, also the transposed conv)
//! - filter grad: dw = conv_filter_grad(x, dy)  (the adjoint in w)

use crate::autograd::{needs_grad, record1};
use crate::cpu::conv::{conv2d_filter_grad, conv2d_forward, conv2d_input_grad, ConvElem, Conv2dGeometry};
use crate::device::Device;
use crate::dtype::DType;
use crate::error::Result;
use crate::ops::elementwise::cast_untracked;
use crate::storage::CpuBuffer;
use crate::tensor::Tensor;
use crate::wgpu::conv::ConvPass;
use crate::dtype_err;

/// Runs a float kernel on contiguous copies of `a` and `b` (cast to `dtype`).
fn run_float(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    dtype: DType,
    shape: &[usize],
    f32_kernel: impl FnOnce(&[f32], &[f32]) -> Result<Vec<f32>>,
    f64_kernel: impl FnOnce(&[f64], &[f64]) -> Result<Vec<f64>>,
) -> Result<Tensor> {
    fn typed<T: ConvElem>(a: &Tensor, b: &Tensor, dtype: DType, k: impl FnOnce(&[T], &[T]) -> Result<Vec<T>>) -> Result<CpuBuffer> {
        let (a, b) = (cast_untracked(a, dtype)?.contiguous()?, cast_untracked(b, dtype)?.contiguous()?);
        Ok(T::wrap(k(a.as_slice::<T>()?, b.as_slice::<T>()?)?))
    }
    // The output's size comes from two operands, each addressable alone: check it before any
    // kernel sizes a buffer from it.
    crate::layout::checked_numel(shape, op)?;
    // An empty operand makes every product empty or zero (and empty views need no kernel).
    if a.numel() == 0 || b.numel() == 0 {
        return Tensor::zeros(shape, dtype);
    }
    let buf = match (a.device(), dtype) {
        (Device::Cpu, DType::F32) => typed(a, b, dtype, f32_kernel)?,
        (Device::Cpu, DType::F64) => typed(a, b, dtype, f64_kernel)?,
        // The primitives send gpu operands to `wgpu::conv` before reaching here.
        (Device::Gpu, _) => return Err(crate::wgpu::unsupported(op, "convolution")),
        (_, d) => return Err(dtype_err!("{op}: expected float32 or float64 operands, got {d}")),
    };
    Tensor::from_buffer(buf, shape)
}

/// y = conv(x, w): x (N, H, W, C), w (KH, KW, C / groups, O) -> (N, OH, OW, O). Not recorded.
pub(crate) fn conv2d_raw(x: &Tensor, w: &Tensor, g: &Conv2dGeometry) -> Result<Tensor> {
    if crate::wgpu::any_gpu(&[x, w]) {
        return crate::wgpu::conv::conv2d(ConvPass::Forward, "conv", x, w, x.dtype(), g);
    }
    let shape = [g.batch, g.out_h, g.out_w, g.out_c];
    run_float("conv", x, w, x.dtype(), &shape, |x, w| conv2d_forward(x, w, g), |x, w| conv2d_forward(x, w, g))
}

/// dx from dy (N, OH, OW, O) and w: the input's shape (N, H, W, C). Not recorded.
pub(crate) fn conv2d_input_grad_raw(dy: &Tensor, w: &Tensor, g: &Conv2dGeometry) -> Result<Tensor> {
    if crate::wgpu::any_gpu(&[dy, w]) {
        return crate::wgpu::conv::conv2d(ConvPass::InputGrad, "conv", dy, w, w.dtype(), g);
    }
    let shape = [g.batch, g.in_h, g.in_w, g.in_c];
    run_float("conv", dy, w, w.dtype(), &shape, |d, w| conv2d_input_grad(d, w, g), |d, w| conv2d_input_grad(d, w, g))
}

/// dw from x and dy: the kernel's shape (KH, KW, C / groups, O). Not recorded.
pub(crate) fn conv2d_filter_grad_raw(x: &Tensor, dy: &Tensor, g: &Conv2dGeometry) -> Result<Tensor> {
    if crate::wgpu::any_gpu(&[x, dy]) {
        return crate::wgpu::conv::conv2d(ConvPass::FilterGrad, "conv", x, dy, x.dtype(), g);
    }
    let shape = [g.k_h, g.k_w, g.group_in(), g.out_c];
    run_float("conv", x, dy, x.dtype(), &shape, |x, d| conv2d_filter_grad(x, d, g), |x, d| conv2d_filter_grad(x, d, g))
}

/// The recorded convolution on channels-last 2-D data (x and w of one float dtype).
pub(crate) fn conv2d_nhwc(x: &Tensor, w: &Tensor, g: Conv2dGeometry) -> Result<Tensor> {
    let out = conv2d_raw(x, w, &g)?;
    if !needs_grad(&[x, w]) {
        return Ok(out);
    }
    let (xd, wd) = (x.detach(), w.detach());
    Ok(record1("conv", &[x, w], out, move |dy, need| {
        Ok(vec![
            if need[0] { Some(conv2d_input_grad_raw(dy, &wd, &g)?) } else { None },
            if need[1] { Some(conv2d_filter_grad_raw(&xd, dy, &g)?) } else { None },
        ])
    }))
}

/// The recorded transposed convolution: the input gradient of the convolution `g` describes,
/// applied to x of that convolution's output shape. Its own gradients are the forward
/// convolution (for x) and the filter gradient with the roles of input and output swapped.
pub(crate) fn conv2d_transpose_nhwc(x: &Tensor, w: &Tensor, g: Conv2dGeometry) -> Result<Tensor> {
    let out = conv2d_input_grad_raw(x, w, &g)?;
    if !needs_grad(&[x, w]) {
        return Ok(out);
    }
    let (xd, wd) = (x.detach(), w.detach());
    Ok(record1("conv_transpose", &[x, w], out, move |dy, need| {
        Ok(vec![
            if need[0] { Some(conv2d_raw(dy, &wd, &g)?) } else { None },
            if need[1] { Some(conv2d_filter_grad_raw(dy, &xd, &g)?) } else { None },
        ])
    }))
}
