//! Linear algebra: matmul, dot, tensordot, einsum, outer, inner, vdot, trace, diagonal.
//!
//! Every product reduces to `matmul`, whose kernel is the packed GEMM (`cpu::gemm`) reading its
//! operands through their strides: transposed views, broadcast batch axes and the transposes of
//! a backward pass are never copied.
//!
//! Dtype rule (keras.ops / numpy): products compute in the promotion of binary arithmetic
//! (`arith_dtype`: the wider dtype, bool operands as int32); `trace` sums in the input dtype
//! (bool as int32); `diagonal` keeps the dtype.

use crate::autograd::{needs_grad, record1};
use crate::cpu::matmul::batched_matmul;
use crate::error::{Error, Result};
use crate::layout::{broadcast_shapes, normalize_axis, Layout};
use crate::ops::dispatch::sum_to_shape;
use crate::ops::elementwise::{arith_dtype, cast_untracked, multiply};
use crate::ops::reduce::sum;
use crate::ops::shape::{expand_dims, reshape, squeeze, transpose};
use crate::storage::BufferElement;
use crate::tensor::Tensor;
use crate::{dispatch_numeric, dtype_err, shape_err, value_err};

/// Swaps the last two axes (a view).
pub fn transpose_last2(x: &Tensor) -> Result<Tensor> {
    let r = x.rank() as isize;
    let mut perm: Vec<isize> = (0..r).collect();
    perm.swap((r - 1) as usize, (r - 2) as usize);
    transpose(x, Some(&perm))
}

/// `matmul(x1, x2)` with numpy semantics: 1-D operands gain a unit axis that is removed from
/// the result; leading (batch) axes broadcast.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.rank() == 0 || b.rank() == 0 {
        return Err(shape_err!("matmul: operands must have at least one axis, got shapes {:?} and {:?}", a.shape(), b.shape()));
    }
    match (a.rank(), b.rank()) {
        (1, 1) => squeeze(&matmul_nd(&expand_dims(a, 0)?, &expand_dims(b, 1)?)?, None),
        (1, _) => squeeze(&matmul_nd(&expand_dims(a, 0)?, b)?, Some(&[-2])),
        (_, 1) => squeeze(&matmul_nd(a, &expand_dims(b, 1)?)?, Some(&[-1])),
        _ => matmul_nd(a, b),
    }
}

/// Multiply-adds of `matmul(a, b)` (for deciding whether a call is worth releasing the GIL).
pub fn matmul_work(a: &Tensor, b: &Tensor) -> usize {
    let n = if b.rank() >= 2 { b.shape()[b.rank() - 1] } else { 1 };
    a.numel().saturating_mul(n).max(b.numel())
}

/// Batched matmul of operands with rank >= 2.
fn matmul_nd(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (ra, rb) = (a.rank(), b.rank());
    let (m, k) = (a.shape()[ra - 2], a.shape()[ra - 1]);
    let (k2, n) = (b.shape()[rb - 2], b.shape()[rb - 1]);
    if k != k2 {
        return Err(shape_err!(
            "matmul: the last axis of the first operand ({k}) must equal the second-to-last axis of the second ({k2}); shapes {:?} and {:?}",
            a.shape(),
            b.shape()
        ));
    }
    let batch = broadcast_shapes(&a.shape()[..ra - 2], &b.shape()[..rb - 2], "matmul")?;
    let dt = arith_dtype(a.dtype(), b.dtype());
    let (ac, bc) = (cast_untracked(a, dt)?, cast_untracked(b, dt)?);
    let with_matrix = |mat: [usize; 2]| -> Vec<usize> { batch.iter().copied().chain(mat).collect() };
    let la = ac.layout().broadcast_to(&with_matrix([m, k]), "matmul")?;
    let lb = bc.layout().broadcast_to(&with_matrix([k, n]), "matmul")?;
    let out = if crate::wgpu::any_gpu(&[&ac, &bc]) {
        crate::wgpu::linalg::matmul(&ac, &la, &bc, &lb, &batch, m, n, k, None, false)?
    } else {
        let bbuf = bc.cpu_buffer()?;
        let out = dispatch_numeric!(ac.cpu_buffer()?, T, x => {
            let y = <T as BufferElement>::slice(bbuf).ok_or_else(|| dtype_err!("matmul: operands of different dtypes"))?;
            <T as BufferElement>::wrap(batched_matmul(x, &la, y, &lb, &batch, m, n, k)?)
        }, bool => return Err(dtype_err!("matmul: bool operands must be cast first")));
        Tensor::from_buffer(out, &with_matrix([m, n]))?
    };
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (ad, bd) = (a.detach(), b.detach());
    Ok(record1("matmul", &[a, b], out, move |g, need| {
        // dA = g Bᵀ and dB = Aᵀ g, summed over broadcast batch axes. The transposes are views
        // the GEMM reads through their strides.
        let ga = if need[0] { Some(sum_to_shape(&matmul_nd(g, &transpose_last2(&bd)?)?, ad.shape())?) } else { None };
        let gb = if !need[1] {
            None
        } else if bd.rank() == 2 && ad.rank() > 2 {
            // A shared weight under a batch of inputs: one product over the flattened batch
            // (k x B·m @ B·m x n) instead of B products and a sum.
            let a2 = reshape(&ad, &[ad.numel() / k.max(1), k])?;
            let g2 = reshape(g, &[g.numel() / n.max(1), n])?;
            Some(matmul_nd(&transpose_last2(&a2)?, &g2)?)
        } else {
            Some(sum_to_shape(&matmul_nd(&transpose_last2(&ad)?, g)?, bd.shape())?)
        };
        Ok(vec![ga, gb])
    }))
}

/// The `axes` argument of `tensordot`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TensordotAxes {
    /// Contract the last N axes of x1 with the first N of x2.
    Count(usize),
    /// Contract x1's axes with x2's, pairwise.
    Pairs(Vec<isize>, Vec<isize>),
}

/// `tensordot(x1, x2, axes=2)`: sums the products over the given axes. Reduced to one matmul
/// of x1 viewed as (free, contracted) and x2 as (contracted, free).
pub fn tensordot(a: &Tensor, b: &Tensor, axes: &TensordotAxes) -> Result<Tensor> {
    let (ax_a, ax_b): (Vec<usize>, Vec<usize>) = match axes {
        TensordotAxes::Count(n) => {
            let n = *n;
            if n > a.rank() || n > b.rank() {
                return Err(shape_err!(
                    "tensordot: cannot contract {n} axes of tensors of shapes {:?} and {:?}",
                    a.shape(),
                    b.shape()
                ));
            }
            ((a.rank() - n..a.rank()).collect(), (0..n).collect())
        }
        TensordotAxes::Pairs(xa, xb) => {
            if xa.len() != xb.len() {
                return Err(value_err!("tensordot: axes {xa:?} and {xb:?} must have the same length"));
            }
            (unique_axes(xa, a.rank(), "tensordot")?, unique_axes(xb, b.rank(), "tensordot")?)
        }
    };
    for (&i, &j) in ax_a.iter().zip(&ax_b) {
        if a.shape()[i] != b.shape()[j] {
            return Err(shape_err!(
                "tensordot: axis {i} of shape {:?} ({}) does not match axis {j} of shape {:?} ({})",
                a.shape(),
                a.shape()[i],
                b.shape(),
                b.shape()[j]
            ));
        }
    }
    contract(a, &ax_a, b, &ax_b)
}

/// Normalises a list of axes keeping its order; repeats are an error.
fn unique_axes(axes: &[isize], rank: usize, op: &str) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        let a = normalize_axis(ax, rank, op)?;
        if out.contains(&a) {
            return Err(Error::Axis(format!("{op}: axis {ax} is repeated in {axes:?}")));
        }
        out.push(a);
    }
    Ok(out)
}

/// Contracts axes `ax_a` of a with `ax_b` of b (same sizes, pairwise); the result has a's free
/// axes then b's, in order.
fn contract(a: &Tensor, ax_a: &[usize], b: &Tensor, ax_b: &[usize]) -> Result<Tensor> {
    let free_a: Vec<usize> = (0..a.rank()).filter(|i| !ax_a.contains(i)).collect();
    let free_b: Vec<usize> = (0..b.rank()).filter(|i| !ax_b.contains(i)).collect();
    let dims = |t: &Tensor, axes: &[usize]| -> Vec<usize> { axes.iter().map(|&i| t.shape()[i]).collect() };
    let (m, kk, n) = (dims(a, &free_a).iter().product::<usize>(), dims(a, ax_a).iter().product::<usize>(), dims(b, &free_b).iter().product::<usize>());
    let perm_a: Vec<usize> = free_a.iter().chain(ax_a).copied().collect();
    let perm_b: Vec<usize> = ax_b.iter().chain(&free_b).copied().collect();
    let a2 = reshape(&permute(a, &perm_a)?, &[m, kk])?;
    let b2 = reshape(&permute(b, &perm_b)?, &[kk, n])?;
    let out_shape: Vec<usize> = dims(a, &free_a).into_iter().chain(dims(b, &free_b)).collect();
    reshape(&matmul_nd(&a2, &b2)?, &out_shape)
}

/// `transpose` that skips the identity permutation.
fn permute(x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        return Ok(x.clone());
    }
    let p: Vec<isize> = perm.iter().map(|&v| v as isize).collect();
    transpose(x, Some(&p))
}

/// `dot(x1, x2)` with numpy semantics: a scalar operand multiplies; 1-D · 1-D is the inner
/// product; N-D · 1-D sums over the last axes; otherwise the last axis of x1 meets the
/// second-to-last of x2.
pub fn dot(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.rank() == 0 || b.rank() == 0 {
        return multiply(a, b);
    }
    let ka = a.shape()[a.rank() - 1];
    let kb_axis = if b.rank() == 1 { 0 } else { b.rank() - 2 };
    if ka != b.shape()[kb_axis] {
        return Err(shape_err!(
            "dot: shapes {:?} and {:?} are not aligned: {ka} (last axis of x1) != {} (axis {kb_axis} of x2)",
            a.shape(),
            b.shape(),
            b.shape()[kb_axis]
        ));
    }
    if b.rank() <= 2 || a.rank() == 1 {
        return matmul(a, b);
    }
    contract(a, &[a.rank() - 1], b, &[kb_axis])
}

/// `inner(x1, x2)`: sums the products over the last axes (result: x1's other axes, then
/// x2's). A scalar operand multiplies.
pub fn inner(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.rank() == 0 || b.rank() == 0 {
        return multiply(a, b);
    }
    let (ka, kb) = (a.shape()[a.rank() - 1], b.shape()[b.rank() - 1]);
    if ka != kb {
        return Err(shape_err!("inner: the last axes of shapes {:?} and {:?} differ ({ka} != {kb})", a.shape(), b.shape()));
    }
    contract(a, &[a.rank() - 1], b, &[b.rank() - 1])
}

/// `outer(x1, x2)`: out[i, j] = x1.flat[i] * x2.flat[j].
pub fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let col = reshape(a, &[a.numel(), 1])?;
    let row = reshape(b, &[1, b.numel()])?;
    multiply(&col, &row)
}

/// `vdot(x1, x2)`: the dot product of the flattened operands (equal sizes).
pub fn vdot(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.numel() != b.numel() {
        return Err(shape_err!("vdot: operands of shapes {:?} and {:?} have different sizes ({} and {})", a.shape(), b.shape(), a.numel(), b.numel()));
    }
    matmul(&reshape(a, &[a.numel()])?, &reshape(b, &[b.numel()])?)
}

/// `diagonal(x, offset=0, axis1=0, axis2=1)`: the diagonal of the (axis1, axis2) planes, as a
/// view: both axes are removed and the diagonal is appended as the last axis. `offset` > 0
/// takes a diagonal above the main one.
pub fn diagonal(x: &Tensor, offset: isize, axis1: isize, axis2: isize) -> Result<Tensor> {
    if x.rank() < 2 {
        return Err(shape_err!("diagonal: needs a tensor of rank >= 2, got shape {:?}", x.shape()));
    }
    let (a1, a2) = (normalize_axis(axis1, x.rank(), "diagonal")?, normalize_axis(axis2, x.rank(), "diagonal")?);
    if a1 == a2 {
        return Err(value_err!("diagonal: axis1 and axis2 must differ, both are {a1} (shape {:?})", x.shape()));
    }
    let (n1, n2) = (x.shape()[a1], x.shape()[a2]);
    let (i0, j0) = if offset >= 0 { (0, offset.unsigned_abs()) } else { (offset.unsigned_abs(), 0) };
    let len = if i0 >= n1 || j0 >= n2 { 0 } else { (n1 - i0).min(n2 - j0) };
    let l = x.layout();
    let (s1, s2) = (l.strides()[a1], l.strides()[a2]);
    let keep: Vec<usize> = (0..x.rank()).filter(|&i| i != a1 && i != a2).collect();
    let mut shape: Vec<usize> = keep.iter().map(|&i| l.shape()[i]).collect();
    let mut strides: Vec<isize> = keep.iter().map(|&i| l.strides()[i]).collect();
    shape.push(len);
    strides.push(s1 + s2);
    let off = if len == 0 { l.offset() } else { (l.offset() as isize + i0 as isize * s1 + j0 as isize * s2) as usize };
    let out = x.with_layout(Layout::new(shape, strides, off))?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let in_shape = x.shape().to_vec();
    Ok(record1("diagonal", &[x], out, move |g, _| Ok(vec![Some(diagonal_grad(g, &in_shape, a1, a2, i0, j0, len)?)])))
}

/// Places g (rest..., len) on the (a1, a2) diagonal of zeros shaped like the input, with engine
/// ops only: spread g along axis a1 with a 0/1 selection matmul, then mask the plane.
#[allow(clippy::too_many_arguments)]
fn diagonal_grad(g: &Tensor, in_shape: &[usize], a1: usize, a2: usize, i0: usize, j0: usize, len: usize) -> Result<Tensor> {
    let (n1, n2) = (in_shape[a1], in_shape[a2]);
    let mut sel = vec![0.0; len * n1];
    for d in 0..len {
        sel[d * n1 + i0 + d] = 1.0;
    }
    let mut mask = vec![0.0; n1 * n2];
    for d in 0..len {
        mask[(i0 + d) * n2 + j0 + d] = 1.0;
    }
    let to = |v: Vec<f64>, shape: &[usize]| cast_untracked(&Tensor::from_vec(v, shape)?, g.dtype())?.to(g.device());
    let along_a1 = matmul(g, &to(sel, &[len, n1])?)?; // (rest..., n1)
    let plane = multiply(&expand_dims(&along_a1, -1)?, &to(mask, &[n1, n2])?)?; // (rest..., n1, n2)
    // Move the plane's axes back to a1 and a2.
    let keep: Vec<usize> = (0..in_shape.len()).filter(|&i| i != a1 && i != a2).collect();
    let mut perm = vec![0isize; in_shape.len()];
    for (pos, &ax) in keep.iter().enumerate() {
        perm[ax] = pos as isize;
    }
    perm[a1] = keep.len() as isize;
    perm[a2] = keep.len() as isize + 1;
    transpose(&plane, Some(&perm))
}

/// `trace(x, offset=0, axis1=0, axis2=1)`: the sum along a diagonal.
pub fn trace(x: &Tensor, offset: isize, axis1: isize, axis2: isize) -> Result<Tensor> {
    if x.rank() < 2 {
        return Err(shape_err!("trace: needs a tensor of rank >= 2, got shape {:?}", x.shape()));
    }
    sum(&diagonal(x, offset, axis1, axis2)?, Some(&[-1]), false)
}

/// `einsum(subscripts, *operands)`: Einstein summation, e.g. "ij,jk->ik", "bij,bjk->bik",
/// "ii->i", "...ij->...ji". Repeated indices within an operand take a diagonal; indices in one
/// operand only and not in the output are summed first; operand pairs are contracted left to
/// right, each as one (batched) matmul.
pub fn einsum(subscripts: &str, operands: &[Tensor]) -> Result<Tensor> {
    einsum::einsum(subscripts, operands)
}

mod einsum;

/// The activation applied in the same pass as `fused_linear`'s product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FusedActivation {
    Linear,
    Relu,
}

/// `act(x @ kernel + bias)` in one GEMM pass: the bias is added and the activation applied as
/// each tile of the output is stored (a Dense layer's forward). `x` is (..., k), `kernel`
/// (k, n), `bias` (n,); the result is (..., n).
pub fn fused_linear(x: &Tensor, kernel: &Tensor, bias: Option<&Tensor>, activation: FusedActivation) -> Result<Tensor> {
    if x.rank() == 0 || kernel.rank() != 2 {
        return Err(shape_err!(
            "fused_linear: needs x of rank >= 1 and a 2-D kernel, got shapes {:?} and {:?}",
            x.shape(),
            kernel.shape()
        ));
    }
    let (k, n) = (kernel.shape()[0], kernel.shape()[1]);
    if x.shape()[x.rank() - 1] != k {
        return Err(shape_err!("fused_linear: the last axis of x {:?} must equal the kernel's first axis {:?}", x.shape(), kernel.shape()));
    }
    if let Some(b) = bias {
        if b.shape() != [n] {
            return Err(shape_err!("fused_linear: bias of shape {:?} does not match {n} output units", b.shape()));
        }
    }
    if crate::wgpu::any_gpu(&[x, kernel]) || bias.is_some_and(|b| b.device().is_gpu()) {
        return crate::wgpu::linalg::fused_linear(x, kernel, bias, activation == FusedActivation::Relu);
    }
    let dt = bias.iter().fold(arith_dtype(x.dtype(), kernel.dtype()), |d, b| arith_dtype(d, b.dtype()));
    let rows = x.numel() / k.max(1);
    let x2 = cast_untracked(&reshape(&x.detach(), &[rows, k])?, dt)?;
    let w = cast_untracked(kernel, dt)?;
    let bc = bias.map(|b| cast_untracked(b, dt)).transpose()?.map(|b| b.contiguous()).transpose()?;
    let relu = activation == FusedActivation::Relu;
    let (lx, lw) = (x2.layout().clone(), w.layout().clone());
    let wbuf = w.cpu_buffer()?;
    let out = dispatch_numeric!(x2.cpu_buffer()?, T, xv => {
        let wv = <T as BufferElement>::slice(wbuf).ok_or_else(|| dtype_err!("fused_linear: operands of different dtypes"))?;
        let bv = match &bc { Some(b) => Some(b.as_slice::<T>()?), None => None };
        let mut c = crate::cpu::matmul::gemm_output_vec::<T>(crate::layout::checked_numel(&[rows, n], "fused_linear")?)?;
        crate::cpu::gemm::gemm_strided(
            rows, n, k,
            crate::cpu::gemm::MatRef::new(xv, lx.offset(), lx.strides()[0], lx.strides()[1]),
            crate::cpu::gemm::MatRef::new(wv, lw.offset(), lw.strides()[0], lw.strides()[1]),
            crate::cpu::gemm::MatMut::row_major(&mut c, n),
            false,
            crate::cpu::gemm::Epilogue { bias: bv, relu },
        );
        <T as BufferElement>::wrap(c)
    }, bool => return Err(dtype_err!("fused_linear: bool operands must be cast first")));
    let mut out_shape = x.shape().to_vec();
    *out_shape.last_mut().unwrap_or(&mut 0) = n;
    let out = Tensor::from_buffer(out, &out_shape)?;
    let mut inputs: Vec<&Tensor> = vec![x, kernel];
    inputs.extend(bias);
    if !needs_grad(&inputs) {
        return Ok(out);
    }
    let (xd, wd, y) = (x.detach(), kernel.detach(), out.detach());
    let has_bias = bias.is_some();
    let rule = move |g: &Tensor, need: &[bool]| -> Result<Vec<Option<Tensor>>> {
        let g2 = reshape(&if relu { relu_grad(g, &y)? } else { g.clone() }, &[rows, n])?;
        let gx = if need[0] { Some(reshape(&matmul(&g2, &transpose_last2(&wd)?)?, xd.shape())?) } else { None };
        let gw = if need[1] { Some(matmul(&transpose_last2(&reshape(&xd, &[rows, k])?)?, &g2)?) } else { None };
        let mut grads = vec![gx, gw];
        if has_bias {
            grads.push(if need[2] { Some(sum(&g2, Some(&[0]), false)?) } else { None });
        }
        Ok(grads)
    };
    Ok(crate::autograd::record("fused_linear", &inputs, vec![out], move |gs, need| rule(&gs[0], need)).remove(0))
}

/// g where y > 0, else 0.
fn relu_grad(g: &Tensor, y: &Tensor) -> Result<Tensor> {
    let g = cast_untracked(g, y.dtype())?.contiguous()?;
    let y = y.contiguous()?;
    let out = dispatch_numeric!(y.cpu_buffer()?, T, _v => {
        <T as BufferElement>::wrap(crate::cpu::matmul::relu_backward(g.as_slice::<T>()?, y.as_slice::<T>()?)?)
    }, bool => return Err(dtype_err!("fused_linear: bool output")));
    Tensor::from_buffer(out, y.shape())
}
