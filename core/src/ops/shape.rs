//! Shape ops. Reshape, transpose, expand_dims, squeeze, broadcast_to, swapaxes, moveaxis,
//! flip and the pieces of split return views sharing storage whenever the layout allows;
//! concatenate, stack, tile, repeat and pad copy, in blocks.
//!
//! Dtype rule: every op keeps the input dtype; concatenate and stack promote mixed inputs as
//! binary ops do (bool < int32 < int64 < float32 < float64).

use crate::autograd::{needs_grad, record, record1};
use crate::cpu::copy::{concat_into, fill_new_vec, pad_into};
use crate::dtype::{promote, DType};
use crate::error::{Error, Result};
use crate::layout::{add_dims, checked_numel, mul_dims, normalize_axes, normalize_axis, Layout};
use crate::ops::dispatch::sum_to_shape;
use crate::ops::elementwise::cast;
use crate::storage::{BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::{dtype_err, shape_err, value_err};

/// `reshape(x, shape)` for a fully known shape (the bindings resolve a -1 entry).
pub fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if checked_numel(shape, "reshape")? != x.numel() {
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
    let mut out: Vec<usize> = requested.iter().map(|&d| d.max(0) as usize).collect();
    // The -1 entry (0 in `out` for now) counts as 1 in the span, so the product below is bounded.
    checked_numel(&out, "reshape")?;
    if let Some(&u) = unknown.first() {
        let known: usize = out.iter().enumerate().filter(|&(i, _)| i != u).map(|(_, &d)| d).product();
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
    checked_numel(shape, "broadcast_to")?;
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

/// `swapaxes(x, axis1, axis2)`: a view with two axes exchanged.
pub fn swapaxes(x: &Tensor, axis1: isize, axis2: isize) -> Result<Tensor> {
    let r = x.rank();
    let (a, b) = (normalize_axis(axis1, r, "swapaxes")?, normalize_axis(axis2, r, "swapaxes")?);
    let mut perm: Vec<isize> = (0..r as isize).collect();
    perm.swap(a, b);
    transpose(x, Some(&perm))
}

/// `moveaxis(x, source, destination)`: a view with the `source` axes moved to the
/// `destination` positions, the other axes keeping their order.
pub fn moveaxis(x: &Tensor, source: &[isize], destination: &[isize]) -> Result<Tensor> {
    let r = x.rank();
    if source.len() != destination.len() {
        return Err(shape_err!("moveaxis: source {source:?} and destination {destination:?} must have the same number of elements"));
    }
    let norm = |v: &[isize]| -> Result<Vec<usize>> {
        let n: Vec<usize> = v.iter().map(|&a| normalize_axis(a, r, "moveaxis")).collect::<Result<_>>()?;
        if (1..n.len()).any(|i| n[..i].contains(&n[i])) {
            return Err(Error::Axis(format!("moveaxis: repeated axis in {v:?}")));
        }
        Ok(n)
    };
    let (src, dst) = (norm(source)?, norm(destination)?);
    let mut order: Vec<usize> = (0..r).filter(|a| !src.contains(a)).collect();
    let mut pairs: Vec<(usize, usize)> = dst.into_iter().zip(src).collect();
    pairs.sort_unstable();
    for (d, s) in pairs {
        order.insert(d, s);
    }
    let perm: Vec<isize> = order.into_iter().map(|a| a as isize).collect();
    transpose(x, Some(&perm))
}

/// `ravel(x)`: the elements as a 1-D tensor (a view when the layout allows).
pub fn ravel(x: &Tensor) -> Result<Tensor> {
    reshape(x, &[x.numel()])
}

/// `flip(x, axis=None)`: the elements in reverse order along `axes` (every axis when None),
/// as a negative-stride view.
pub fn flip(x: &Tensor, axes: Option<&[isize]>) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), "flip")?;
    let mut l = x.layout().clone();
    for &a in &ax {
        let d = l.shape()[a];
        l = l.slice_axis(a, d.saturating_sub(1), d, -1);
    }
    let out = x.with_layout(l)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let ax: Vec<isize> = ax.into_iter().map(|a| a as isize).collect();
    Ok(record1("flip", &[x], out, move |g, _| Ok(vec![Some(flip(g, Some(&ax))?)])))
}

/// The dtype several tensors combine in (concatenate, stack).
fn common_dtype(xs: &[Tensor]) -> Option<DType> {
    xs.iter().map(|t| t.dtype()).reduce(promote)
}

/// `concatenate(xs, axis=0)`: the tensors joined along an existing axis. Inputs of different
/// dtypes are promoted as binary ops do. Rows are block-copied, on both cores when large.
pub fn concatenate(xs: &[Tensor], axis: isize) -> Result<Tensor> {
    let first = xs.first().ok_or_else(|| value_err!("concatenate: need at least one tensor"))?;
    if first.rank() == 0 {
        return Err(shape_err!("concatenate: zero-dimensional tensors cannot be concatenated"));
    }
    let ax = normalize_axis(axis, first.rank(), "concatenate")?;
    let mut out_shape = first.shape().to_vec();
    out_shape[ax] = 0;
    for t in xs {
        let same_rank = t.rank() == first.rank();
        if !same_rank || (0..first.rank()).any(|a| a != ax && t.shape()[a] != first.shape()[a]) {
            return Err(shape_err!(
                "concatenate: all inputs must have the same shape except along axis {axis}; got shapes {:?} and {:?}",
                first.shape(),
                t.shape()
            ));
        }
        out_shape[ax] = add_dims(out_shape[ax], t.shape()[ax], "concatenate", "the joined axis")?;
    }
    let dtype = common_dtype(xs).unwrap_or(DType::F32);
    let parts: Vec<Tensor> = xs.iter().map(|t| cast(t, dtype)).collect::<Result<_>>()?;
    let n = checked_numel(&out_shape, "concatenate")?;
    let refs: Vec<&Tensor> = parts.iter().collect();
    let out = if crate::wgpu::any_gpu(&refs) {
        crate::wgpu::index::concatenate(&parts, &out_shape, ax, dtype)?
    } else {
        let out = match dtype {
            DType::Bool => concat_typed::<u8>(n, &out_shape, ax, &parts)?,
            DType::I32 => concat_typed::<i32>(n, &out_shape, ax, &parts)?,
            DType::I64 => concat_typed::<i64>(n, &out_shape, ax, &parts)?,
            DType::F32 => concat_typed::<f32>(n, &out_shape, ax, &parts)?,
            DType::F64 => concat_typed::<f64>(n, &out_shape, ax, &parts)?,
        };
        Tensor::from_buffer(out, &out_shape)?
    };
    if !needs_grad(&refs) {
        return Ok(out);
    }
    let sizes: Vec<usize> = parts.iter().map(|t| t.shape()[ax]).collect();
    Ok(record1("concatenate", &refs, out, move |g, need| {
        let mut start = 0;
        let mut grads = Vec::with_capacity(sizes.len());
        for (&d, &needed) in sizes.iter().zip(need) {
            grads.push(if needed { Some(g.with_layout(g.layout().slice_axis(ax, start, d, 1))?) } else { None });
            start += d;
        }
        Ok(grads)
    }))
}

fn concat_typed<T: BufferElement>(n: usize, out_shape: &[usize], ax: usize, parts: &[Tensor]) -> Result<CpuBuffer> {
    let datas: Vec<&[T]> = parts
        .iter()
        .map(|t| T::slice(t.cpu_buffer()?).ok_or_else(|| dtype_err!("concatenate: dtype mismatch")))
        .collect::<Result<_>>()?;
    let views: Vec<(&[T], &Layout)> = datas.iter().zip(parts).map(|(d, t)| (*d, t.layout())).collect();
    // SAFETY: the parts tile the output along `ax` (their sizes add up to out_shape[ax] and
    // they match it on every other axis), so concat_into writes every element.
    let v = unsafe { fill_new_vec(n, |out| concat_into(out, out_shape, ax, &views)) }?;
    Ok(T::wrap(v))
}

/// `stack(x, axis=0)`: tensors of one shape joined along a new axis.
pub fn stack(xs: &[Tensor], axis: isize) -> Result<Tensor> {
    let first = xs.first().ok_or_else(|| value_err!("stack: need at least one tensor"))?;
    if let Some(t) = xs.iter().find(|t| t.shape() != first.shape()) {
        return Err(shape_err!("stack: all inputs must have the same shape; got shapes {:?} and {:?}", first.shape(), t.shape()));
    }
    let ax = normalize_axis(axis, first.rank() + 1, "stack")? as isize;
    let expanded: Vec<Tensor> = xs.iter().map(|t| expand_dims(t, ax)).collect::<Result<_>>()?;
    concatenate(&expanded, ax)
}

/// How `split` cuts an axis.
#[derive(Clone, Debug)]
pub enum SplitSpec {
    /// This many equal pieces (the axis size must divide evenly).
    Sections(usize),
    /// Cut before each of these positions (numpy's `indices_or_sections` list).
    Indices(Vec<i64>),
}

/// `split(x, indices_or_sections, axis=0)`: views of consecutive pieces of `x` along `axis`.
pub fn split(x: &Tensor, spec: &SplitSpec, axis: isize) -> Result<Vec<Tensor>> {
    let ax = normalize_axis(axis, x.rank(), "split")?;
    let d = x.shape()[ax];
    let bounds: Vec<(usize, usize)> = match spec {
        SplitSpec::Sections(0) => return Err(value_err!("split: the number of sections must be positive")),
        SplitSpec::Sections(n) => {
            if !d.is_multiple_of(*n) {
                return Err(value_err!("split: axis {axis} of size {d} (shape {:?}) does not split into {n} equal sections", x.shape()));
            }
            // n pieces of an empty axis may be very many: reserve them (MemoryError, not an abort).
            let mut bounds = crate::storage::try_with_capacity(*n).map_err(|e| e.in_op("split"))?;
            let size = d / n;
            bounds.extend((0..*n).map(|i| (i * size, (i + 1) * size)));
            bounds
        }
        SplitSpec::Indices(idx) => {
            // Python slice clamping, as numpy.split does with x[prev:i].
            let clamp = |i: i64| if i < 0 { (i + d as i64).max(0) as usize } else { (i as usize).min(d) };
            let mut cuts: Vec<usize> = vec![0];
            cuts.extend(idx.iter().map(|&i| clamp(i)));
            cuts.push(d);
            cuts.windows(2).map(|w| (w[0], w[1].max(w[0]))).collect()
        }
    };
    let mut outs: Vec<Tensor> = crate::storage::try_with_capacity(bounds.len()).map_err(|e| e.in_op("split"))?;
    for &(s, e) in &bounds {
        outs.push(x.with_layout(x.layout().slice_axis(ax, s, e - s, 1))?);
    }
    if !needs_grad(&[x]) {
        return Ok(outs);
    }
    let shape = x.shape().to_vec();
    Ok(record("split", &[x], outs, move |gs, _| {
        // Pieces may overlap or leave gaps with unsorted indices: scatter each into place.
        if bounds.windows(2).all(|w| w[0].1 == w[1].0) && bounds.first().map(|b| b.0) == Some(0) && bounds.last().map(|b| b.1) == Some(shape[ax]) {
            return Ok(vec![Some(concatenate(gs, ax as isize)?)]);
        }
        let dev = gs[0].device();
        let mut total = Tensor::zeros(&shape, gs[0].dtype())?.to(dev)?;
        for (g, &(s, _)) in gs.iter().zip(&bounds) {
            let mut start = vec![0i64; shape.len()];
            start[ax] = s as i64;
            let piece = crate::ops::index::slice_update(&Tensor::zeros(&shape, g.dtype())?.to(dev)?, &start, g)?;
            total = crate::ops::elementwise::add(&total, &piece)?;
        }
        Ok(vec![Some(total)])
    }))
}

/// Left-pads `v` with `fill` to length `n`.
fn left_pad(v: &[usize], n: usize, fill: usize) -> Vec<usize> {
    let mut out = vec![fill; n.saturating_sub(v.len())];
    out.extend_from_slice(v);
    out
}

/// `tile(x, repeats)`: `x` repeated `repeats[i]` times along axis i (numpy: shorter `repeats`
/// or a lower-rank `x` are padded with leading 1s). A broadcast view copied in blocks; its
/// backward sums the copies.
pub fn tile(x: &Tensor, repeats: &[usize]) -> Result<Tensor> {
    let r = x.rank().max(repeats.len());
    let shape = left_pad(x.shape(), r, 1);
    let reps = left_pad(repeats, r, 1);
    let interleaved: Vec<usize> = shape.iter().flat_map(|&d| [1, d]).collect();
    let spread: Vec<usize> = shape.iter().zip(&reps).flat_map(|(&d, &k)| [k, d]).collect();
    let out_shape: Vec<usize> = shape.iter().zip(&reps).map(|(&d, &k)| mul_dims(d, k, "tile", "an axis times its repeats")).collect::<Result<_>>()?;
    if checked_numel(&out_shape, "tile")? == 0 {
        // Nothing to copy; the spread view below could span more than any array may.
        return Tensor::zeros(&out_shape, x.dtype())?.to(x.device());
    }
    let v = broadcast_to(&reshape(x, &interleaved)?, &spread)?;
    reshape(&v, &out_shape)
}

/// `repeat(x, repeats, axis=None)`: each element repeated along `axis` (of the flattened `x`
/// when None); `repeats` is one count for all or one per element of that axis.
pub fn repeat(x: &Tensor, repeats: &[usize], axis: Option<isize>) -> Result<Tensor> {
    let (src, ax) = match axis {
        None => (ravel(x)?, 0),
        Some(a) => (x.clone(), normalize_axis(a, x.rank(), "repeat")?),
    };
    let d = src.shape()[ax];
    match repeats {
        [k] => {
            let mut inserted = src.shape().to_vec();
            inserted.insert(ax + 1, 1);
            let mut spread = inserted.clone();
            spread[ax + 1] = *k;
            let mut out_shape = src.shape().to_vec();
            out_shape[ax] = mul_dims(d, *k, "repeat", "an axis times its repeats")?;
            if checked_numel(&out_shape, "repeat")? == 0 {
                // Nothing to copy; the spread view below could span more than any array may.
                return Tensor::zeros(&out_shape, src.dtype())?.to(src.device());
            }
            reshape(&broadcast_to(&reshape(&src, &inserted)?, &spread)?, &out_shape)
        }
        _ if repeats.len() == d => {
            let total = repeats.iter().try_fold(0usize, |acc, &k| add_dims(acc, k, "repeat", "the sum of repeats"))?;
            let mut out_shape = src.shape().to_vec();
            out_shape[ax] = total;
            if checked_numel(&out_shape, "repeat")? == 0 {
                // Nothing to gather (and `total` indices could be far more than memory holds).
                return Tensor::zeros(&out_shape, src.dtype())?.to(src.device());
            }
            let idx: Vec<i64> = repeats.iter().enumerate().flat_map(|(i, &k)| std::iter::repeat_n(i as i64, k)).collect();
            let n = idx.len();
            crate::ops::index::take(&src, &Tensor::from_vec(idx, &[n])?, Some(ax as isize))
        }
        _ => Err(shape_err!(
            "repeat: repeats must be one count or one per element of axis {} (size {d}); got {} counts",
            ax,
            repeats.len()
        )),
    }
}

/// Padding modes of `pad`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadMode {
    Constant,
    /// Mirror without repeating the edge: [1, 2, 3] padded by 2 -> [3, 2, 1, 2, 3, 2, 1].
    Reflect,
    /// Mirror repeating the edge: [1, 2, 3] padded by 2 -> [2, 1, 1, 2, 3, 3, 2].
    Symmetric,
}

impl PadMode {
    pub fn from_name(name: &str) -> Result<PadMode> {
        match name.to_ascii_lowercase().as_str() {
            "constant" => Ok(PadMode::Constant),
            "reflect" => Ok(PadMode::Reflect),
            "symmetric" => Ok(PadMode::Symmetric),
            _ => Err(value_err!("pad: unknown mode '{name}': expected 'constant', 'reflect' or 'symmetric'")),
        }
    }
}

/// `pad(x, pad_width, mode="constant", constant_values=None)`: `pad_width[i] = (before, after)`
/// elements added on axis i, filled with `constant` or mirrored from the edges (reflect: at
/// most size-1 per side; symmetric: at most size; as TensorFlow). One pass over the output.
pub fn pad(x: &Tensor, pad_width: &[(usize, usize)], mode: PadMode, constant: f64) -> Result<Tensor> {
    if pad_width.len() != x.rank() {
        return Err(shape_err!("pad: pad_width has {} entries but the input of shape {:?} has {} axes", pad_width.len(), x.shape(), x.rank()));
    }
    if pad_width.iter().all(|&(b, a)| b == 0 && a == 0) {
        return Ok(x.clone());
    }
    let mirror = match mode {
        PadMode::Constant => 0,
        PadMode::Reflect => 1,
        PadMode::Symmetric => 2,
    };
    for (ax, (&(before, after), &d)) in pad_width.iter().zip(x.shape()).enumerate() {
        let limit = if mode == PadMode::Reflect { d.saturating_sub(1) } else { d };
        if mode != PadMode::Constant && (before > limit || after > limit) {
            return Err(value_err!(
                "pad: {} padding of ({before}, {after}) on axis {ax} of size {d} (shape {:?}) must be at most {limit} per side",
                if mode == PadMode::Reflect { "reflect" } else { "symmetric" },
                x.shape()
            ));
        }
    }
    let mut out_shape = Vec::with_capacity(x.rank());
    for (&d, &(before, after)) in x.shape().iter().zip(pad_width) {
        out_shape.push(add_dims(add_dims(d, before, "pad", "a padded axis")?, after, "pad", "a padded axis")?);
    }
    checked_numel(&out_shape, "pad")?;
    let out = if x.device().is_gpu() { crate::wgpu::pad::pad(x, pad_width, mirror, constant)? } else { pad_cpu(x, &out_shape, pad_width, mirror, constant)? };
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (in_shape, pads) = (x.shape().to_vec(), pad_width.to_vec());
    Ok(record1("pad", &[x], out, move |g, _| {
        let mut g = g.clone();
        for (a, (&(before, after), &d)) in pads.iter().zip(&in_shape).enumerate() {
            if before != 0 || after != 0 {
                g = pad_grad_axis(&g, a, before, after, d, mirror)?;
            }
        }
        Ok(vec![Some(g)])
    }))
}

/// The cpu kernel of `pad` (arguments checked by `pad`).
fn pad_cpu(x: &Tensor, out_shape: &[usize], pad_width: &[(usize, usize)], mirror: u8, constant: f64) -> Result<Tensor> {
    let n = checked_numel(out_shape, "pad")?;
    fn run<T: BufferElement>(x: &Tensor, n: usize, out_shape: &[usize], pads: &[(usize, usize)], constant: f64, mirror: u8) -> Result<CpuBuffer> {
        let src = T::slice(x.cpu_buffer()?).ok_or_else(|| dtype_err!("pad: dtype mismatch"))?;
        // SAFETY: pad_into writes every element of its output once.
        let v = unsafe { fill_new_vec(n, |out| pad_into(out, out_shape, pads, src, x.layout(), T::from_f64(constant), mirror)) }?;
        Ok(T::wrap(v))
    }
    let out = match x.dtype() {
        DType::Bool => run::<u8>(x, n, out_shape, pad_width, constant, mirror)?,
        DType::I32 => run::<i32>(x, n, out_shape, pad_width, constant, mirror)?,
        DType::I64 => run::<i64>(x, n, out_shape, pad_width, constant, mirror)?,
        DType::F32 => run::<f32>(x, n, out_shape, pad_width, constant, mirror)?,
        DType::F64 => run::<f64>(x, n, out_shape, pad_width, constant, mirror)?,
    };
    Tensor::from_buffer(out, out_shape)
}

/// The gradient of padding axis `a` (size `d` in the input): the interior of `g`, plus, for
/// mirrored modes, each edge reversed and added onto the positions it was copied from.
fn pad_grad_axis(g: &Tensor, a: usize, before: usize, after: usize, d: usize, mirror: u8) -> Result<Tensor> {
    let part = |start: usize, len: usize| g.with_layout(g.layout().slice_axis(a, start, len, 1));
    let interior = part(before, d)?;
    if mirror == 0 {
        return Ok(interior);
    }
    // Reflect skips the edge element, symmetric repeats it.
    let skip = usize::from(mirror == 1);
    let mut total = interior;
    let mut fold = |start: usize, len: usize, lead: usize| -> Result<()> {
        let mut widths = vec![(0, 0); g.rank()];
        widths[a] = (lead, d - lead - len);
        let edge = pad(&flip(&part(start, len)?, Some(&[a as isize]))?, &widths, PadMode::Constant, 0.0)?;
        total = crate::ops::elementwise::add(&total, &edge)?;
        Ok(())
    };
    if before > 0 {
        fold(0, before, skip)?;
    }
    if after > 0 {
        fold(before + d, after, d - skip - after)?;
    }
    Ok(total)
}
