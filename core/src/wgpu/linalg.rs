//! GPU arms of matmul and fused_linear: the tiled matmul shader (bias and relu in its epilogue).

use crate::autograd::{needs_grad, record};
use crate::cpu::binary::kernels as bk;
use crate::dtype::DType;
use crate::error::Result;
use crate::layout::Layout;
use crate::ops;
use crate::ops::elementwise::{arith_dtype, cast_untracked};
use crate::ops::linalg::transpose_last2;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, operand, unsupported, wrap, Params};

const MAX_BATCH_RANK: usize = 6;

/// C = act(A B + bias) for `a` viewed as `la` ([batch.., m, k]) and `b` as `lb` ([batch.., k, n]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul(a: &Tensor, la: &Layout, b: &Tensor, lb: &Layout, batch: &[usize], m: usize, n: usize, k: usize, bias: Option<&Tensor>, relu: bool) -> Result<Tensor> {
    const OP: &str = "matmul";
    let dt = a.dtype();
    let int = dt == DType::I32 && bias.is_none() && !relu;
    if b.dtype() != dt || !(dt == DType::F32 || int) {
        return Err(unsupported(OP, &format!("{} operands", a.dtype())));
    }
    let (a, b) = (operand(OP, a)?, operand(OP, b)?);
    let (br, nb): (usize, usize) = (batch.len(), batch.iter().product());
    let g = gpu()?;
    if br > MAX_BATCH_RANK || nb > g.limits.max_compute_workgroups_per_dimension as usize {
        return Err(unsupported(OP, &format!("a batch of shape {batch:?}")));
    }
    let out_shape: Vec<usize> = batch.iter().copied().chain([m, n]).collect();
    let out = GpuBuffer::alloc(dt, nb * m * n, false, OP)?;
    if out_shape.iter().product::<usize>() == 0 {
        return wrap(out, &out_shape);
    }
    if k == 0 {
        return super::copy::full(&out_shape, 0.0, dt);
    }
    let (sa, sb) = (la.strides(), lb.strides());
    let mut p = Params::default();
    p.u(m as u32).u(n as u32).u(k as u32).u(br as u32).u(relu as u32).u(bias.is_some() as u32);
    p.u(la.offset() as u32).u(lb.offset() as u32);
    p.i(sa[br] as i64).i(sa[br + 1] as i64).i(sb[br] as i64).i(sb[br + 1] as i64);
    for vals in [batch.iter().map(|&d| d as i64).collect::<Vec<_>>(), sa[..br].iter().map(|&s| s as i64).collect(), sb[..br].iter().map(|&s| s as i64).collect()] {
        for j in 0..MAX_BATCH_RANK {
            p.i(vals.get(j).copied().unwrap_or(if j < br { 0 } else { 1 }));
        }
    }
    let bias = bias.map(|t| operand(OP, t)).transpose()?;
    let bias_buf = match &bias {
        Some(t) => buf(t)?.raw(),
        None => buf(&a)?.raw(),
    };
    let (entry, tile) = if int { ("matmul_i32", 16) } else { ("matmul_tiled", 64) };
    let groups = [n.div_ceil(tile) as u32, m.div_ceil(tile) as u32, nb as u32];
    g.launch(
        include_str!("shaders/matmul.wgsl"),
        entry,
        &p.0,
        &[Arg::Read(buf(&a)?.raw()), Arg::Read(buf(&b)?.raw()), Arg::Read(bias_buf), Arg::Write(out.raw())],
        groups,
    )?;
    wrap(out, &out_shape)
}

/// `fused_linear` on the gpu: one matmul launch with the bias and relu in its epilogue; the
/// backward is written with engine ops.
pub(crate) fn fused_linear(x: &Tensor, kernel: &Tensor, bias: Option<&Tensor>, relu: bool) -> Result<Tensor> {
    let (k, n) = (kernel.shape()[0], kernel.shape()[1]);
    let dt = bias.iter().fold(arith_dtype(x.dtype(), kernel.dtype()), |d, b| arith_dtype(d, b.dtype()));
    let rows = x.numel() / k.max(1);
    let x2 = cast_untracked(&ops::reshape(&x.detach(), &[rows, k])?, dt)?;
    let w = cast_untracked(kernel, dt)?;
    let bc = bias.map(|b| cast_untracked(b, dt)).transpose()?;
    let out = matmul(&x2, &x2.layout().clone(), &w, &w.layout().clone(), &[], rows, n, k, bc.as_ref(), relu)?;
    let mut out_shape = x.shape().to_vec();
    if let Some(last) = out_shape.last_mut() {
        *last = n;
    }
    let out = ops::reshape(&out, &out_shape)?;
    let mut inputs: Vec<&Tensor> = vec![x, kernel];
    inputs.extend(bias);
    if !needs_grad(&inputs) {
        return Ok(out);
    }
    let (xd, wd, y) = (x.detach(), kernel.detach(), out.detach());
    let has_bias = bias.is_some();
    Ok(record("fused_linear", &inputs, vec![out], move |gs, need| {
        let g = if relu { ops::elementwise::float_binary("relu", &bk::ReluGrad, &gs[0], &y)? } else { gs[0].clone() };
        let g2 = ops::reshape(&g, &[rows, n])?;
        let gx = if need[0] { Some(ops::reshape(&ops::matmul(&g2, &transpose_last2(&wd)?)?, xd.shape())?) } else { None };
        let gw = if need[1] { Some(ops::matmul(&transpose_last2(&ops::reshape(&xd, &[rows, k])?)?, &g2)?) } else { None };
        let mut grads = vec![gx, gw];
        if has_bias {
            grads.push(if need[2] { Some(ops::sum(&g2, Some(&[0]), false)?) } else { None });
        }
        Ok(grads)
    })
    .remove(0))
}
