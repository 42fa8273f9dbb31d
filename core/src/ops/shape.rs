//! Shape ops. Reshape, transpose, expand_dims, squeeze and broadcast_to return views sharing
//! storage whenever the layout allows; the rest copy.

use crate::autograd::{needs_grad, record1};
use crate::error::Result;
use crate::layout::{checked_numel, normalize_axis};
use crate::ops::dispatch::sum_to_shape;
use crate::shape_err;
use crate::tensor::Tensor;

/// `reshape(x, shape)` for a fully known shape (the bindings resolve a -1 entry).
pub fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if checked_numel(shape)? != x.numel() {
        return Err(shape_err!("reshape: cannot reshape a tensor of shape {:?} ({} elements) into shape {shape:?}", x.shape(), x.numel()));
    }
    if x.shape() == shape {
        return Ok(x.clone());
    }
    let out = match x.layout().reshape_view(shape) {
        Some(l) => x.with_layout(l)?,
        None => {
            let c = x.contiguous()?;
            c.with_layout(crate::layout::Layout::contiguous(shape).with_offset(c.layout().offset()))?
        }
    };
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let in_shape = x.shape().to_vec();
    Ok(record1("reshape", &[x], out, move |g, _| Ok(vec![Some(reshape(g, &in_shape)?)])))
}

/// Resolves one -1 entry of a requested shape against `numel` elements.
pub fn infer_shape(requested: &[i64], numel: usize) -> Result<Vec<usize>> {
    let unknown: Vec<usize> = (0..requested.len()).filter(|&i| requested[i] == -1).collect();
    if unknown.len() > 1 || requested.iter().any(|&d| d < -1) {
        return Err(shape_err!("reshape: invalid target shape {requested:?}: at most one -1 and no other negative sizes"));
    }
    let known: usize = requested.iter().filter(|&&d| d != -1).map(|&d| d as usize).product();
    let mut out: Vec<usize> = requested.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(&u) = unknown.first() {
        if known == 0 || numel % known != 0 {
            return Err(shape_err!("reshape: cannot reshape {numel} elements into shape {requested:?}"));
        }
        out[u] = numel / known;
    }
    Ok(out)
}

/// `transpose(x, axes=None)`: reverses the axes by default.
pub fn transpose(x: &Tensor, axes: Option<&[isize]>) -> Result<Tensor> {
    let r = x.rank();
    let perm: Vec<usize> = match axes {
        None => (0..r).rev().collect(),
        Some(a) => a.iter().map(|&ax| normalize_axis(ax, r, "transpose")).collect::<Result<_>>()?,
    };
    let out = x.with_layout(x.layout().permute(&perm)?)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let mut inverse = vec![0isize; r];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i as isize;
    }
    Ok(record1("transpose", &[x], out, move |g, _| Ok(vec![Some(transpose(g, Some(&inverse))?)])))
}

/// `expand_dims(x, axis)`: a size-1 axis at `axis` (in -(rank+1)..=rank).
pub fn expand_dims(x: &Tensor, axis: isize) -> Result<Tensor> {
    let ax = normalize_axis(axis, x.rank() + 1, "expand_dims")?;
    let out = x.with_layout(x.layout().insert_axis(ax))?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let in_shape = x.shape().to_vec();
    Ok(record1("expand_dims", &[x], out, move |g, _| Ok(vec![Some(reshape(g, &in_shape)?)])))
}

/// `squeeze(x, axis=None)`: removes the given size-1 axes, or all of them.
pub fn squeeze(x: &Tensor, axes: Option<&[isize]>) -> Result<Tensor> {
    let axes: Vec<usize> = match axes {
        None => (0..x.rank()).filter(|&a| x.shape()[a] == 1).collect(),
        Some(list) => {
            let mut v = crate::layout::normalize_axes(Some(list), x.rank(), "squeeze")?;
            v.dedup();
            if let Some(&bad) = v.iter().find(|&&a| x.shape()[a] != 1) {
                return Err(shape_err!("squeeze: cannot squeeze axis {bad} of size {} in shape {:?}", x.shape()[bad], x.shape()));
            }
            v
        }
    };
    let out = x.with_layout(x.layout().remove_axes(&axes))?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let in_shape = x.shape().to_vec();
    Ok(record1("squeeze", &[x], out, move |g, _| Ok(vec![Some(reshape(g, &in_shape)?)])))
}

/// `broadcast_to(x, shape)`: a stride-0 view.
pub fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if x.shape() == shape {
        return Ok(x.clone());
    }
    let out = x.with_layout(x.layout().broadcast_to(shape, "broadcast_to")?)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let in_shape = x.shape().to_vec();
    Ok(record1("broadcast_to", &[x], out, move |g, _| Ok(vec![Some(sum_to_shape(g, &in_shape)?)])))
}

