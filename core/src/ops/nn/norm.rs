//! Normalization ops: `batch_normalization` (keras.ops: normalize with given statistics),
//! `batch_norm_train` (one fused op computing batch statistics and normalizing, for
//! BatchNormalization layers in training) and `layer_normalization` (fused, with a fused
//! backward). Inputs are viewed as `[M, C, N]` (channels) or `[m, k]` rows (layer norm).
//! On the gpu the three are composed from engine ops (`wgpu::norm`), whose rules give the
//! gradients.

use crate::autograd::{needs_grad, record};
use crate::cpu::nn::norm::{channel_affine, channel_affine2, channel_moments, channel_sums, layer_norm, layer_norm_grad};
use crate::dtype::{float_of, DType};
use crate::error::{Error, Result};
use crate::layout::{normalize_axes, normalize_axis};
use crate::ops::elementwise::cast_untracked;
use crate::ops::reduce::planning::{arrange, dense, from_plan, slice, Walk};
use crate::storage::{try_vec, BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::{dispatch_float, dtype_err, shape_err};

/// A per-channel parameter (C values) as a contiguous tensor of the compute dtype, checking
/// that it holds exactly `c` values laid out along the channel axes (other axes of size 1).
fn channel_param(p: &Tensor, c_shape: &[usize], dtype: DType, op: &str, name: &str) -> Result<Tensor> {
    check_param(Some(p), c_shape, op, name)?;
    cast_untracked(p, dtype)?.contiguous()
}

/// Checks that a per-channel parameter, when given, holds exactly the values of `c_shape`
/// (other axes of size 1).
fn check_param(p: Option<&Tensor>, c_shape: &[usize], op: &str, name: &str) -> Result<()> {
    let Some(p) = p else { return Ok(()) };
    let squeeze = |s: &[usize]| s.iter().copied().filter(|&d| d != 1).collect::<Vec<_>>();
    if squeeze(p.shape()) != squeeze(c_shape) {
        return Err(shape_err!(
            "{op}: `{name}` of shape {:?} does not match the {} normalized values of shape {c_shape:?}",
            p.shape(),
            c_shape.iter().product::<usize>()
        ));
    }
    Ok(())
}

fn buffer_of<T: BufferElement>(v: Vec<T>, shape: &[usize]) -> Result<Tensor> {
    Tensor::from_buffer(T::wrap(v), shape)
}

fn float_input(x: &Tensor, op: &str) -> Result<Tensor> {
    let xf = cast_untracked(x, float_of(x.dtype()))?;
    if !xf.dtype().is_float() {
        return Err(dtype_err!("{op}: unsupported dtype {}", x.dtype()));
    }
    Ok(xf)
}

/// `batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3)`:
/// `(x - mean) / sqrt(variance + epsilon) * scale + offset`, where the parameters hold one
/// value per entry of axis `axis` of `x`. Differentiable in every argument.
pub fn batch_normalization(
    x: &Tensor,
    mean: &Tensor,
    variance: &Tensor,
    axis: isize,
    offset: Option<&Tensor>,
    scale: Option<&Tensor>,
    epsilon: f64,
) -> Result<Tensor> {
    const OP: &str = "batch_normalization";
    let a = normalize_axis(axis, x.rank(), OP)?;
    let gpu_operands: Vec<&Tensor> = [x, mean, variance].into_iter().chain(offset).chain(scale).collect();
    if crate::wgpu::any_gpu(&gpu_operands) {
        let cs = [x.shape()[a]];
        for (p, name) in [(Some(mean), "mean"), (Some(variance), "variance"), (offset, "offset"), (scale, "scale")] {
            check_param(p, &cs, OP, name)?;
        }
        return crate::wgpu::norm::batch_normalization(x, mean, variance, a, offset, scale, epsilon);
    }
    let xf = float_input(x, OP)?.contiguous()?;
    let dt = xf.dtype();
    let c = x.shape()[a];
    let (mm, n) = (x.shape()[..a].iter().product::<usize>(), x.shape()[a + 1..].iter().product::<usize>());
    let cs = [c];
    let mu = channel_param(mean, &cs, dt, OP, "mean")?;
    let var = channel_param(variance, &cs, dt, OP, "variance")?;
    let off = offset.map(|p| channel_param(p, &cs, dt, OP, "offset")).transpose()?;
    let sc = scale.map(|p| channel_param(p, &cs, dt, OP, "scale")).transpose()?;
    let out = dispatch_float!(xf.cpu_buffer()?, T, _v => {
        let (mu, var) = (slice::<T>(&mu)?, slice::<T>(&var)?);
        let rstd: Vec<T> = var.iter().map(|&v| 1.0 / (v + epsilon as T).sqrt()).collect();
        let mul: Vec<T> = match &sc { Some(s) => slice::<T>(s)?.iter().zip(&rstd).map(|(&s, &r)| s * r).collect(), None => rstd.clone() };
        let offv: Vec<T> = match &off { Some(o) => slice::<T>(o)?.to_vec(), None => vec![0.0; c] };
        let add: Vec<T> = (0..c).map(|j| offv[j] - mu[j] * mul[j]).collect();
        let mut y = try_vec(xf.numel(), 0 as T)?;
        channel_affine(slice::<T>(&xf)?, c, n, &mul, &add, &mut y);
        buffer_of(y, x.shape())?
    }, other => return Err(dtype_err!("{OP}: unsupported dtype {}", dt)));
    let mut inputs: Vec<&Tensor> = vec![x, mean, variance];
    inputs.extend(offset);
    inputs.extend(scale);
    if !needs_grad(&inputs) {
        return Ok(out);
    }
    let shapes: Vec<Vec<usize>> = inputs.iter().map(|t| t.shape().to_vec()).collect();
    let (has_off, has_sc) = (off.is_some(), sc.is_some());
    let mut outs = record(OP, &inputs, vec![out], move |gs, need| {
        let g = cast_untracked(&gs[0], dt)?.contiguous()?;
        dispatch_float!(xf.cpu_buffer()?, T, _v => {
            let (muv, varv) = (slice::<T>(&mu)?, slice::<T>(&var)?);
            let rstd: Vec<T> = varv.iter().map(|&v| 1.0 / (v + epsilon as T).sqrt()).collect();
            let scv: Vec<T> = match &sc { Some(s) => slice::<T>(s)?.to_vec(), None => vec![1.0; c] };
            let (sg, sgx) = channel_sums(slice::<T>(&g)?, slice::<T>(&xf)?, mm, c, n, muv);
            let mut grads: Vec<Option<Tensor>> = Vec::with_capacity(5);
            grads.push(if need[0] {
                let mul: Vec<T> = scv.iter().zip(&rstd).map(|(&s, &r)| s * r).collect();
                let mut dx = try_vec(xf.numel(), 0 as T)?;
                channel_affine(slice::<T>(&g)?, c, n, &mul, &vec![0.0; c], &mut dx);
                Some(buffer_of(dx, &shapes[0])?)
            } else { None });
            // d/dmean = -sum(g) * scale * rstd; d/dvar = -1/2 sum(g (x - mean)) * scale * rstd^3.
            let dmean: Vec<T> = (0..c).map(|j| -sg[j] * scv[j] * rstd[j]).collect();
            let dvar: Vec<T> = (0..c).map(|j| -0.5 * sgx[j] * scv[j] * rstd[j] * rstd[j] * rstd[j]).collect();
            grads.push(if need[1] { Some(buffer_of(dmean, &shapes[1])?) } else { None });
            grads.push(if need[2] { Some(buffer_of(dvar, &shapes[2])?) } else { None });
            let mut i = 3;
            if has_off {
                grads.push(if need[i] { Some(buffer_of(sg.clone(), &shapes[i])?) } else { None });
                i += 1;
            }
            if has_sc {
                let dsc: Vec<T> = sgx.iter().zip(&rstd).map(|(&s, &r)| s * r).collect();
                grads.push(if need[i] { Some(buffer_of(dsc, &shapes[i])?) } else { None });
            }
            Ok(grads)
        }, other => Err(dtype_err!("{OP}: unsupported dtype {}", dt)))
    });
    outs.pop().ok_or_else(|| Error::Value(format!("{OP}: internal: missing output")))
}

/// `batch_norm_train(x, gamma, beta, axes, epsilon)`: normalizes `x` with the mean and
/// (biased) variance over `axes` (all but the channel axes: `[0, 1, 2]` for NHWC images) and
/// returns `(output, batch_mean, batch_variance)`, the statistics shaped like the channel axes.
/// One fused op: the statistics, the normalization and the backward (which also accepts
/// gradients of the returned statistics) each run as single kernels.
pub fn batch_norm_train(x: &Tensor, gamma: Option<&Tensor>, beta: Option<&Tensor>, axes: &[isize], epsilon: f64) -> Result<(Tensor, Tensor, Tensor)> {
    const OP: &str = "batch_norm_train";
    let ax = normalize_axes(Some(axes), x.rank(), OP)?;
    let channel_axes: Vec<usize> = (0..x.rank()).filter(|a| !ax.contains(a)).collect();
    let c_shape: Vec<usize> = channel_axes.iter().map(|&a| x.shape()[a]).collect();
    let c = c_shape.iter().product::<usize>();
    let count = x.numel() / c.max(1);
    if count == 0 {
        return Err(shape_err!("{OP}: cannot compute batch statistics over axes {ax:?} of a tensor of shape {:?}: they hold no elements", x.shape()));
    }
    if crate::wgpu::any_gpu(&[x]) || gamma.is_some_and(|t| t.device().is_gpu()) || beta.is_some_and(|t| t.device().is_gpu()) {
        check_param(gamma, &c_shape, OP, "gamma")?;
        check_param(beta, &c_shape, OP, "beta")?;
        return crate::wgpu::norm::batch_norm_train(x, gamma, beta, &ax, &c_shape, epsilon);
    }
    let xf = float_input(x, OP)?;
    let dt = xf.dtype();
    let ga = gamma.map(|p| channel_param(p, &c_shape, dt, OP, "gamma")).transpose()?;
    let be = beta.map(|p| channel_param(p, &c_shape, dt, OP, "beta")).transpose()?;
    let d = dense(&xf, &channel_axes, Walk::Block)?;
    let (mm, n) = (d.plan.m, d.plan.n);
    let (y, mean, var, rstd) = dispatch_float!(d.t.cpu_buffer()?, T, _v => {
        let xs = slice::<T>(&d.t)?;
        let (mean, var) = channel_moments(xs, mm, c, n)?;
        let rstd: Vec<T> = var.iter().map(|&v| 1.0 / (v + epsilon as T).sqrt()).collect();
        let mul: Vec<T> = match &ga { Some(g) => slice::<T>(g)?.iter().zip(&rstd).map(|(&g, &r)| g * r).collect(), None => rstd.clone() };
        let bev: Vec<T> = match &be { Some(b) => slice::<T>(b)?.to_vec(), None => vec![0.0; c] };
        let add: Vec<T> = (0..c).map(|j| bev[j] - mean[j] * mul[j]).collect();
        let mut y = try_vec(xs.len(), 0 as T)?;
        channel_affine(xs, c, n, &mul, &add, &mut y);
        (from_plan(<T as BufferElement>::wrap(y), x.shape(), &d.plan)?, buffer_of(mean, &c_shape)?, buffer_of(var, &c_shape)?, buffer_of(rstd, &c_shape)?)
    }, other => return Err(dtype_err!("{OP}: unsupported dtype {}", dt)));
    let mut inputs: Vec<&Tensor> = vec![x];
    inputs.extend(gamma);
    inputs.extend(beta);
    if !needs_grad(&inputs) {
        return Ok((y, mean, var));
    }
    let shapes: Vec<Vec<usize>> = inputs.iter().map(|t| t.shape().to_vec()).collect();
    let (xd, plan, md) = (d.t, d.plan, mean.detach());
    let has_beta = be.is_some();
    let outs = record(OP, &inputs, vec![y, mean, var], move |gs, need| {
        let gy = arrange(&cast_untracked(&gs[0], dt)?, &plan)?;
        let (gm, gv) = (cast_untracked(&gs[1], dt)?.contiguous()?, cast_untracked(&gs[2], dt)?.contiguous()?);
        dispatch_float!(xd.cpu_buffer()?, T, _v => {
            let (xs, gys) = (slice::<T>(&xd)?, slice::<T>(&gy)?);
            let (mu, r) = (slice::<T>(&md)?, slice::<T>(&rstd)?);
            let gam: Vec<T> = match &ga { Some(g) => slice::<T>(g)?.to_vec(), None => vec![1.0; c] };
            let (sg, sgx) = channel_sums(gys, xs, mm, c, n, mu);
            let cnt = count as T;
            let mut grads: Vec<Option<Tensor>> = Vec::with_capacity(3);
            grads.push(if need[0] {
                let (gmv, gvv) = (slice::<T>(&gm)?, slice::<T>(&gv)?);
                // dx = g*P + (x - mean)*Q + R (see the module notes of the kernel).
                let p: Vec<T> = (0..c).map(|j| gam[j] * r[j]).collect();
                let q: Vec<T> = (0..c).map(|j| -gam[j] * r[j] * r[j] * r[j] * sgx[j] / cnt + 2.0 * gvv[j] / cnt).collect();
                let rr: Vec<T> = (0..c).map(|j| -gam[j] * r[j] * sg[j] / cnt + gmv[j] / cnt).collect();
                let mut dx = try_vec(xs.len(), 0 as T)?;
                channel_affine2(gys, xs, c, n, mu, &p, &q, &rr, &mut dx);
                Some(from_plan(<T as BufferElement>::wrap(dx), &shapes[0], &plan)?)
            } else { None });
            let mut i = 1;
            if ga.is_some() {
                let dgam: Vec<T> = sgx.iter().zip(r).map(|(&s, &r)| s * r).collect();
                grads.push(if need[i] { Some(buffer_of(dgam, &shapes[i])?) } else { None });
                i += 1;
            }
            if has_beta {
                grads.push(if need[i] { Some(buffer_of(sg, &shapes[i])?) } else { None });
            }
            Ok(grads)
        }, other => Err(dtype_err!("{OP}: unsupported dtype {}", dt)))
    });
    let mut it = outs.into_iter();
    match (it.next(), it.next(), it.next()) {
        (Some(y), Some(m), Some(v)) => Ok((y, m, v)),
        _ => Err(Error::Value(format!("{OP}: internal: missing output"))),
    }
}

/// `layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=1e-3)`: normalizes each
/// sample over `axes` (the last axis by default) to zero mean and unit (biased) variance, then
/// scales by `gamma` and shifts by `beta` (shaped like the normalized axes). Fused forward
/// and backward.
pub fn layer_normalization(x: &Tensor, gamma: Option<&Tensor>, beta: Option<&Tensor>, axes: &[isize], epsilon: f64) -> Result<Tensor> {
    const OP: &str = "layer_normalization";
    if axes.is_empty() {
        return Err(Error::Value(format!("{OP}: needs at least one axis")));
    }
    let ax = normalize_axes(Some(axes), x.rank(), OP)?;
    let p_shape: Vec<usize> = ax.iter().map(|&a| x.shape()[a]).collect();
    if (crate::wgpu::any_gpu(&[x]) || gamma.is_some_and(|t| t.device().is_gpu()) || beta.is_some_and(|t| t.device().is_gpu())) && x.numel() > 0 {
        check_param(gamma, &p_shape, OP, "gamma")?;
        check_param(beta, &p_shape, OP, "beta")?;
        return crate::wgpu::norm::layer_normalization(x, gamma, beta, &ax, epsilon);
    }
    let xf = float_input(x, OP)?;
    let dt = xf.dtype();
    let ga = gamma.map(|p| channel_param(p, &p_shape, dt, OP, "gamma")).transpose()?;
    let be = beta.map(|p| channel_param(p, &p_shape, dt, OP, "beta")).transpose()?;
    if xf.numel() == 0 {
        return Ok(xf);
    }
    let d = dense(&xf, &ax, Walk::Rows)?;
    let (m, k) = (d.plan.m, d.plan.k);
    let empty = |t: &Option<Tensor>| t.is_none();
    let (y, stats) = dispatch_float!(d.t.cpu_buffer()?, T, _v => {
        let gs: &[T] = match &ga { Some(g) => slice::<T>(g)?, None => &[] };
        let bs: &[T] = match &be { Some(b) => slice::<T>(b)?, None => &[] };
        let mut y = try_vec(xf.numel(), 0 as T)?;
        let mut st = try_vec(2 * m, 0 as T)?;
        layer_norm(slice::<T>(&d.t)?, k, gs, bs, epsilon as T, &mut y, &mut st);
        (<T as BufferElement>::wrap(y), buffer_of(st, &[m, 2])?)
    }, other => return Err(dtype_err!("{OP}: unsupported dtype {}", dt)));
    let out = from_plan(y, x.shape(), &d.plan)?;
    let mut inputs: Vec<&Tensor> = vec![x];
    inputs.extend(gamma);
    inputs.extend(beta);
    if !needs_grad(&inputs) {
        return Ok(out);
    }
    let shapes: Vec<Vec<usize>> = inputs.iter().map(|t| t.shape().to_vec()).collect();
    let (xd, plan) = (d.t, d.plan);
    let (has_gamma, has_beta) = (!empty(&ga), !empty(&be));
    let mut outs = record(OP, &inputs, vec![out], move |gs, need| {
        let g = arrange(&cast_untracked(&gs[0], dt)?, &plan)?;
        let want_params = need.iter().skip(1).any(|&b| b);
        let (dx, dgam, dbeta): (CpuBuffer, Tensor, Tensor) = dispatch_float!(xd.cpu_buffer()?, T, _v => {
            let gam: &[T] = match &ga { Some(g) => slice::<T>(g)?, None => &[] };
            let mut dx = try_vec(xd.numel(), 0 as T)?;
            let (dg, db) = layer_norm_grad(slice::<T>(&xd)?, slice::<T>(&g)?, k, gam, slice::<T>(&stats)?, want_params, &mut dx);
            let plen = dg.len();
            (<T as BufferElement>::wrap(dx), buffer_of(dg, &[plen])?, buffer_of(db, &[plen])?)
        }, other => return Err(dtype_err!("{OP}: unsupported dtype {}", dt)));
        let mut grads = vec![if need[0] { Some(from_plan(dx, &shapes[0], &plan)?) } else { None }];
        let mut i = 1;
        if has_gamma {
            grads.push(if need[i] { Some(crate::ops::shape::reshape(&dgam, &shapes[i])?) } else { None });
            i += 1;
        }
        if has_beta {
            grads.push(if need[i] { Some(crate::ops::shape::reshape(&dbeta, &shapes[i])?) } else { None });
        }
        Ok(grads)
    });
    outs.pop().ok_or_else(|| Error::Value(format!("{OP}: internal: missing output")))
}
