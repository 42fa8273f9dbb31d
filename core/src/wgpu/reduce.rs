//! GPU arms of the reductions: sum, mean, max, min, prod and argmax/argmin run the strided
//! reduction shader; any/all/count_nonzero, logsumexp and the moments are composed from it and
//! the elementwise kernels (on untracked values: the op families record the backward rules).

use crate::dtype::{float_of, DType};
use crate::error::{Error, Result};
use crate::ops;
use crate::ops::reduce::reduced_shape;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, kind, operand, unsupported, wrap, Params, MAX_RANK};

fn merged(shape: &[usize], strides: &[isize], op: &str) -> Result<(Vec<i64>, Vec<i64>)> {
    let (s, st) = crate::cpu::strided::coalesce(shape, &[strides]);
    if s.len() > MAX_RANK {
        return Err(unsupported(op, &format!("a reduction over a view of rank {}", s.len())));
    }
    Ok((s.iter().map(|&d| d as i64).collect(), st[0].iter().map(|&d| d as i64).collect()))
}

/// Runs the reduction shader: `code` 0 sum, 1 max, 2 min, 3 prod, 4 argmax, 5 argmin over the
/// sorted `axes` of non-empty `x`; float sums are multiplied by `scale`.
fn run(op: &str, code: u32, x: &Tensor, axes: &[usize], keepdims: bool, out_dtype: DType, scale: f64) -> Result<Tensor> {
    let k_code = kind(x.dtype(), op)?;
    let l = x.layout();
    let (mut ks, mut kst, mut rs, mut rst) = (vec![], vec![], vec![], vec![]);
    for ax in 0..x.rank() {
        if axes.contains(&ax) {
            rs.push(l.shape()[ax]);
            rst.push(l.strides()[ax]);
        } else {
            ks.push(l.shape()[ax]);
            kst.push(l.strides()[ax]);
        }
    }
    let (n_out, k): (usize, usize) = (ks.iter().product(), rs.iter().product());
    let (ks, kst) = merged(&ks, &kst, op)?;
    let (rs, rst) = merged(&rs, &rst, op)?;
    let mut p = Params::default();
    p.u(n_out as u32).u(k as u32).u(code).u(k_code).u(ks.len() as u32).u(rs.len() as u32).u(l.offset() as u32).f(scale);
    p.pad(&ks, 1).pad(&kst, 0).pad(&rs, 1).pad(&rst, 0);
    let out = GpuBuffer::alloc(out_dtype, n_out, false, op)?;
    let g = gpu()?;
    let src = include_str!("shaders/reduce.wgsl");
    let args = [Arg::Read(buf(x)?.raw()), Arg::Write(out.raw())];
    if code < 4 && k >= 64 {
        g.launch(src, "reduce_wide", &p.0, &args, g.groups_1d(n_out, 1))?;
    } else {
        g.launch(src, "reduce_narrow", &p.0, &args, g.groups_1d(n_out, 256))?;
    }
    wrap(out, &reduced_shape(x.shape(), axes, keepdims))
}

/// The GPU arm of `reduce_shell`: `op` names the reduction; `empty` is the value of an empty
/// reduction (None: an error).
pub(crate) fn reduce(op: &str, x: &Tensor, axes: &[usize], keepdims: bool, dtype: DType, empty: Option<f64>) -> Result<Tensor> {
    let x = operand(op, x)?;
    let shape = reduced_shape(x.shape(), axes, keepdims);
    if x.numel() == 0 {
        if shape.iter().product::<usize>() == 0 {
            return super::copy::full(&shape, 0.0, dtype);
        }
        return match empty {
            Some(v) => super::copy::full(&shape, v, dtype),
            None => Err(Error::Value(format!(
                "{op}: cannot reduce an empty axis of a tensor of shape {:?} (axes {axes:?}): the reduction has no identity",
                x.shape()
            ))),
        };
    }
    let count: usize = axes.iter().map(|&a| x.shape()[a]).product();
    match op {
        "sum" => run(op, 0, &x, axes, keepdims, dtype, 1.0),
        "mean" => run(op, 0, &x, axes, keepdims, dtype, 1.0 / count as f64),
        "max" => run(op, 1, &x, axes, keepdims, dtype, 1.0),
        "min" => run(op, 2, &x, axes, keepdims, dtype, 1.0),
        "prod" => run(op, 3, &x, axes, keepdims, dtype, 1.0),
        "any" | "all" | "count_nonzero" => {
            let ones = super::copy::cast(&super::copy::cast(&x, DType::Bool, op)?, DType::I32, op)?;
            let c = run(op, 0, &ones, axes, keepdims, DType::I32, 1.0)?;
            match op {
                "any" => ops::greater(&c, &Tensor::scalar(0i32)),
                "all" => ops::equal(&c, &Tensor::scalar(count as i32)),
                _ => Ok(c),
            }
        }
        "logsumexp" => {
            let m = run(op, 1, &x, axes, true, dtype, 1.0)?;
            // rows whose maximum is infinite shift by 0 instead (no inf - inf)
            let finite = ops::isfinite(&m)?;
            let shift = ops::r#where(&finite, &m, &Tensor::scalar(0.0f32))?;
            let s = run(op, 0, &ops::exp(&ops::subtract(&x, &shift)?)?, axes, true, dtype, 1.0)?;
            let out = ops::add(&ops::log(&s)?, &shift)?;
            ops::reshape(&out, &shape)
        }
        _ => Err(unsupported(op, "this reduction")),
    }
}

/// `argmax` / `argmin` over one axis (int32 indices).
pub(crate) fn arg(op: &str, x: &Tensor, axis: usize, keepdims: bool) -> Result<Tensor> {
    let x = operand(op, x)?;
    let code = if op == "argmax" { 4 } else { 5 };
    run(op, code, &x, &[axis], keepdims, DType::I32, 1.0)
}

/// Mean (keepdims) and variance of untracked `x` over `axes` in `float_of(x)`.
pub(crate) fn mean_and_var(x: &Tensor, axes: &[usize], keepdims: bool, op: &str) -> Result<(Tensor, Tensor)> {
    let xf = ops::elementwise::cast_untracked(&*operand(op, x)?, float_of(x.dtype()))?;
    let dt = xf.dtype();
    let mean = reduce("mean", &xf, axes, true, dt, Some(f64::NAN))?;
    let centered = ops::subtract(&xf, &mean)?;
    let var = reduce("mean", &ops::square(&centered)?, axes, keepdims, dt, Some(f64::NAN))?;
    Ok((mean, var))
}

/// max/min's gradient: `g` split evenly between the elements of `x` equal to the reduced value
/// `y` (as the cpu rule does; none when `y` is NaN), composed from engine ops.
pub(crate) fn extremum_grad(x: &Tensor, y: &Tensor, g: &Tensor, axes: &[usize]) -> Result<Tensor> {
    let keep = reduced_shape(x.shape(), axes, true);
    let mask = ops::equal(x, &ops::reshape(y, &keep)?)?;
    let ax: Vec<isize> = axes.iter().map(|&a| a as isize).collect();
    let ties = ops::sum(&ops::elementwise::cast_untracked(&mask, x.dtype())?, Some(&ax), true)?;
    let share = ops::divide(&ops::reshape(g, &keep)?, &ties)?;
    ops::r#where(&mask, &share, &ops::elementwise::cast_untracked(&Tensor::scalar(0.0f32), x.dtype())?)
}

/// prod's gradient over `axes` of float32 `x` (`g` of the reduced shape): the reduced axes are
/// moved last and made contiguous, one kernel thread forms each row's products, and the result
/// is permuted back (a view).
pub(crate) fn prod_grad(x: &Tensor, g: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "prod backward";
    kind(x.dtype(), OP)?;
    let x = operand(OP, x)?;
    let perm: Vec<usize> = (0..x.rank()).filter(|a| !axes.contains(a)).chain(axes.iter().copied()).collect();
    let xt = x.with_layout(x.layout().permute(&perm)?)?.contiguous()?;
    let gc = operand(OP, g)?.contiguous()?;
    let k: usize = axes.iter().map(|&a| x.shape()[a]).product();
    let rows = gc.numel();
    let out = GpuBuffer::alloc(x.dtype(), xt.numel(), false, OP)?;
    let mut p = Params::default();
    p.u(rows as u32).u(k as u32).u(xt.layout().offset() as u32).u(gc.layout().offset() as u32);
    let gpu = gpu()?;
    if k > 0 {
        gpu.launch(
            include_str!("shaders/prod_grad.wgsl"),
            "prod_grad_rows",
            &p.0,
            &[Arg::Read(buf(&xt)?.raw()), Arg::Read(buf(&gc)?.raw()), Arg::Write(out.raw())],
            gpu.groups_1d(rows, 256),
        )?;
    }
    let dx = wrap(out, xt.shape())?;
    let mut inverse = vec![0usize; perm.len()];
    for (i, &a) in perm.iter().enumerate() {
        inverse[a] = i;
    }
    dx.with_layout(dx.layout().permute(&inverse)?)
}
