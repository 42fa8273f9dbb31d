//! Indexing: numpy's `x[key]` (basic slicing views and advanced integer/boolean indexing),
//! slice / slice_update, take / take_along_axis, scatter / scatter_update, one_hot.
//!
//! Every indexing op reduces to one normalised index (`NormIndex`): a list of per-axis items
//! plus integer arrays already wrapped and bounds-checked. Basic items (ints, slices, newaxis)
//! give a view sharing storage; integer arrays turn into a `GatherPlan` (see cpu/index.rs).
//! The backward of every read is the same scatter-add of the gradient into zeros through the
//! same index, so repeated indices accumulate.
//!
//! Dtype rule: reads keep the input dtype; index arrays may be int32, int64 or (for masks)
//! bool; scatter results take the dtype of `values`; one_hot defaults to float32.

use std::sync::Arc;

use crate::autograd::{needs_grad, record, record1};
use crate::cpu::copy::copy_into_block;
use crate::cpu::index::{gather, scatter as scatter_kernel, GatherPlan};
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::layout::{broadcast_shapes, normalize_axis, Layout};
use crate::ops::elementwise::cast_untracked;
use crate::ops::shape::{broadcast_to, reshape};
use crate::storage::{try_vec, BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::{dispatch_numeric, dtype_err, shape_err, value_err, with_buffer};

/// One entry of an index key, as Python writes them: `x[1, 2:-1:2, None, ..., idx]`.
#[derive(Clone, Debug)]
pub enum IndexItem {
    /// A single position (negative counts from the end); removes the axis.
    Int(i64),
    /// `start:stop:step` with Python's defaults and clamping.
    Slice { start: Option<i64>, stop: Option<i64>, step: Option<i64> },
    /// A new axis of size 1 (`None` / `np.newaxis`).
    NewAxis,
    /// As many full slices as the other items leave axes.
    Ellipsis,
    /// An integer array (advanced indexing) or a boolean mask.
    Array(Tensor),
}

/// A full slice (`:`).
pub const FULL: IndexItem = IndexItem::Slice { start: None, stop: None, step: None };

/// An index item resolved against the shape it indexes.
#[derive(Clone, Debug)]
enum Item {
    Int(usize),
    Range { start: usize, len: usize, step: isize },
    NewAxis,
    /// The k-th integer array.
    Array(usize),
}

/// Positions along one axis, wrapped and checked, with the array's shape.
#[derive(Clone, Debug)]
struct IndexArray {
    values: Vec<usize>,
    shape: Vec<usize>,
}

/// A key resolved against a shape: valid for any layout of that shape.
#[derive(Clone, Debug)]
struct NormIndex {
    items: Vec<Item>,
    arrays: Vec<IndexArray>,
    /// The broadcast shape of the integer arrays.
    bshape: Vec<usize>,
}

/// Wraps a possibly negative position against `size`.
fn wrap_index(i: i64, axis: usize, size: usize) -> Result<usize> {
    let n = size as i64;
    let w = if i < 0 { i + n } else { i };
    if w < 0 || w >= n {
        return Err(Error::Index(format!("index {i} is out of bounds for axis {axis} with size {size}")));
    }
    Ok(w as usize)
}

/// Python's slice.indices: (start, len) of `start:stop:step` over `size` elements.
fn slice_range(start: Option<i64>, stop: Option<i64>, step: Option<i64>, size: usize) -> Result<(usize, usize, isize)> {
    let step = step.unwrap_or(1).max(-i64::MAX);
    if step == 0 {
        return Err(value_err!("slice step cannot be zero"));
    }
    let d = size as i64;
    let (lower, upper) = if step > 0 { (0, d) } else { (-1, d - 1) };
    let clamp = |v: i64| if v < 0 { (v + d).max(lower) } else { v.min(upper) };
    let s = start.map_or(if step > 0 { lower } else { upper }, clamp);
    let e = stop.map_or(if step > 0 { upper } else { lower }, clamp);
    let len = if step > 0 {
        if e > s { (e - s - 1) / step + 1 } else { 0 }
    } else if s > e {
        (s - e - 1) / (-step) + 1
    } else {
        0
    };
    Ok((if len == 0 { 0 } else { s as usize }, len as usize, step as isize))
}

/// The values of an integer tensor as i64 (C order).
fn int_values(t: &Tensor, what: &str) -> Result<Vec<i64>> {
    match t.dtype() {
        DType::I64 => t.to_vec::<i64>(),
        DType::I32 => Ok(t.to_vec::<i32>()?.into_iter().map(i64::from).collect()),
        d => Err(Error::Index(format!("{what} must be of integer type, got {d}"))),
    }
}

impl NormIndex {
    fn new(shape: &[usize], key: &[IndexItem]) -> Result<NormIndex> {
        let rank = shape.len();
        let consumed: usize = key
            .iter()
            .map(|k| match k {
                IndexItem::Int(_) | IndexItem::Slice { .. } => 1,
                IndexItem::Array(t) if t.dtype() == DType::Bool => t.rank(),
                IndexItem::Array(_) => 1,
                IndexItem::NewAxis | IndexItem::Ellipsis => 0,
            })
            .sum();
        if key.iter().filter(|k| matches!(k, IndexItem::Ellipsis)).count() > 1 {
            return Err(Error::Index("an index can only have a single ellipsis ('...')".into()));
        }
        if consumed > rank {
            return Err(Error::Index(format!(
                "too many indices for tensor: tensor is {rank}-dimensional, but {consumed} were indexed"
            )));
        }
        let mut items = Vec::with_capacity(key.len() + rank);
        let mut arrays: Vec<IndexArray> = Vec::new();
        // Integer arrays as given (values, axis), checked once the broadcast shape is known.
        let mut unchecked: Vec<(usize, Vec<i64>, usize)> = Vec::new();
        let mut axis = 0usize;
        let full = |axis: usize| Item::Range { start: 0, len: shape[axis], step: 1 };
        for k in key {
            match k {
                IndexItem::Int(i) => {
                    items.push(Item::Int(wrap_index(*i, axis, shape[axis])?));
                    axis += 1;
                }
                IndexItem::Slice { start, stop, step } => {
                    let (s, len, st) = slice_range(*start, *stop, *step, shape[axis])?;
                    items.push(Item::Range { start: s, len, step: st });
                    axis += 1;
                }
                IndexItem::NewAxis => items.push(Item::NewAxis),
                IndexItem::Ellipsis => {
                    for _ in 0..rank - consumed {
                        items.push(full(axis));
                        axis += 1;
                    }
                }
                IndexItem::Array(t) if t.dtype() == DType::Bool => {
                    let m = t.rank();
                    if m == 0 {
                        return Err(Error::Index("a boolean scalar index (x[True]) is not supported; use expand_dims".into()));
                    }
                    for j in 0..m {
                        if t.shape()[j] != shape[axis + j] {
                            return Err(Error::Index(format!(
                                "boolean index did not match indexed tensor along axis {}; size of axis is {} but size of corresponding boolean axis is {}",
                                axis + j,
                                shape[axis + j],
                                t.shape()[j]
                            )));
                        }
                    }
                    // numpy: a k-d mask is the k integer arrays of its nonzero positions.
                    let mask = t.to_vec::<u8>()?;
                    let strides = crate::layout::contiguous_strides(t.shape());
                    let hits: Vec<usize> = mask.iter().enumerate().filter(|(_, &b)| b != 0).map(|(i, _)| i).collect();
                    for j in 0..m {
                        let (st, d) = (strides[j] as usize, t.shape()[j]);
                        let values = hits.iter().map(|&f| (f / st) % d).collect();
                        items.push(Item::Array(arrays.len()));
                        arrays.push(IndexArray { values, shape: vec![hits.len()] });
                    }
                    axis += m;
                }
                IndexItem::Array(t) => {
                    let raw = int_values(t, "arrays used as indices")?;
                    unchecked.push((arrays.len(), raw, axis));
                    items.push(Item::Array(arrays.len()));
                    arrays.push(IndexArray { values: vec![], shape: t.shape().to_vec() });
                    axis += 1;
                }
            }
        }
        while axis < rank {
            items.push(full(axis));
            axis += 1;
        }
        // With any array present, integers are arrays too (numpy: they take part in the
        // broadcast and in where the indexed axes land).
        if !arrays.is_empty() {
            for it in items.iter_mut() {
                if let Item::Int(w) = *it {
                    *it = Item::Array(arrays.len());
                    arrays.push(IndexArray { values: vec![w], shape: vec![] });
                }
            }
        }
        let mut bshape: Vec<usize> = vec![];
        for a in &arrays {
            bshape = broadcast_shapes(&bshape, &a.shape, "index").map_err(|_| {
                Error::Index(format!(
                    "shape mismatch: indexing arrays could not be broadcast together with shapes {:?}",
                    arrays.iter().map(|a| a.shape.clone()).collect::<Vec<_>>()
                ))
            })?;
        }
        // Positions are checked only when some are used (numpy: an empty broadcast reads none).
        let used = bshape.iter().product::<usize>() > 0;
        for (k, raw, axis) in unchecked {
            arrays[k].values = if used {
                raw.iter().map(|&i| wrap_index(i, axis, shape[axis])).collect::<Result<Vec<_>>>()?
            } else {
                vec![0; raw.len()]
            };
        }
        Ok(NormIndex { items, arrays, bshape })
    }

    fn is_basic(&self) -> bool {
        self.arrays.is_empty()
    }

    /// Applies the basic items to `layout`; returns the view and, for each array item, the
    /// view axis it indexes and the array's number.
    fn view(&self, layout: &Layout) -> (Layout, Vec<(usize, usize)>) {
        let mut l = layout.clone();
        let mut adv = Vec::new();
        let mut cur = 0usize;
        for it in &self.items {
            match *it {
                Item::Int(w) => l = l.select(cur, w),
                Item::Range { start, len, step } => {
                    l = l.slice_axis(cur, start, len, step);
                    cur += 1;
                }
                Item::NewAxis => {
                    l = l.insert_axis(cur);
                    cur += 1;
                }
                Item::Array(k) => {
                    adv.push((cur, k));
                    cur += 1;
                }
            }
        }
        (l, adv)
    }

    /// The gather plan and result shape of this index over a tensor laid out as `layout`.
    fn plan(&self, layout: &Layout) -> Result<(GatherPlan, Vec<usize>)> {
        let (view, adv) = self.view(layout);
        let adv_axes: Vec<usize> = adv.iter().map(|&(a, _)| a).collect();
        let rest: Vec<usize> = (0..view.rank()).filter(|a| !adv_axes.contains(a)).collect();
        // numpy: the indexed axes replace the first of them when they are adjacent, else they
        // go first.
        let adjacent = adv_axes.windows(2).all(|w| w[1] == w[0] + 1);
        let pos = match adv_axes.first() {
            Some(&first) if adjacent => rest.iter().filter(|&&a| a < first).count(),
            _ => 0,
        };
        let pick = |axes: &[usize], offset: usize| {
            Layout::new(axes.iter().map(|&a| view.shape()[a]).collect(), axes.iter().map(|&a| view.strides()[a]).collect(), offset)
        };
        let nb: usize = self.bshape.iter().product();
        let mut offsets: Vec<isize> = try_vec(nb, 0isize)?;
        for &(axis, k) in &adv {
            let arr = &self.arrays[k];
            let stride = view.strides()[axis];
            let walk = Layout::contiguous(&arr.shape).broadcast_to(&self.bshape, "index")?;
            let mut i = 0;
            walk.for_each_offset(|o| {
                offsets[i] += arr.values[o] as isize * stride;
                i += 1;
            });
        }
        let mut out_shape: Vec<usize> = rest[..pos].iter().map(|&a| view.shape()[a]).collect();
        out_shape.extend_from_slice(&self.bshape);
        out_shape.extend(rest[pos..].iter().map(|&a| view.shape()[a]));
        Ok((GatherPlan { outer: pick(&rest[..pos], view.offset()), offsets, inner: pick(&rest[pos..], 0) }, out_shape))
    }

    /// The elements of `x` this index selects (a view when the index is basic). Not recorded.
    fn read(&self, x: &Tensor) -> Result<Tensor> {
        if self.is_basic() {
            return x.with_layout(self.view(x.layout()).0);
        }
        let (plan, out_shape) = self.plan(x.layout())?;
        if x.device().is_gpu() {
            return crate::wgpu::scatter::gather(x, &plan, &out_shape, "index");
        }
        let out = with_buffer!(x.cpu_buffer()?, v => BufferElement::wrap(gather(v, &plan)?));
        Tensor::from_buffer(out, &out_shape)
    }

    /// `base` (copied unless no other tensor shares it) with `values`, broadcast to the
    /// indexed shape, added at (`accumulate`) or written to the indexed positions. Not recorded.
    fn write(&self, base: Tensor, values: &Tensor, accumulate: bool, op: &str) -> Result<Tensor> {
        let (plan, out_shape) = self.plan(&Layout::contiguous(base.shape()))?;
        if crate::wgpu::any_gpu(&[&base, values]) {
            // gpu: values (a 0-d cpu scalar is uploaded) broadcast to the indexed shape
            let v = cast_untracked(&*crate::wgpu::operand(op, values)?, base.dtype())?;
            let v = broadcast_to(&v, &out_shape)
                .map_err(|_| shape_err!("{op}: values of shape {:?} do not fit the indexed shape {out_shape:?}", values.shape()))?;
            let base = if base.device().is_gpu() { base } else { crate::wgpu::operand(op, &base)?.into_owned() };
            return crate::wgpu::scatter::scatter(base, &plan, &v, accumulate, op);
        }
        let values = broadcast_to(&cast_untracked(values, base.dtype())?.detach(), &out_shape)
            .map_err(|_| shape_err!("{op}: values of shape {:?} do not fit the indexed shape {out_shape:?}", values.shape()))?
            .contiguous()?;
        // Written in place when nothing else shares `base`'s storage (a fresh zeros), copied
        // otherwise (copy-on-write in storage_mut).
        let mut base = base;
        let dst = base.storage_mut()?;
        if accumulate {
            dispatch_numeric!(dst, T, d => scatter_values::<T>(d, &plan, &values, |a, b| *a = *a + b, op)?,
                bool => return Err(dtype_err!("{op}: cannot accumulate bool values")));
        } else {
            with_buffer!(dst, d => scatter_values(d, &plan, &values, |a, b| *a = b, op)?);
        }
        Ok(base)
    }
}

/// Runs the scatter kernel with the elements of the contiguous tensor `values`.
fn scatter_values<T: BufferElement>(dst: &mut [T], plan: &GatherPlan, values: &Tensor, f: impl Fn(&mut T, T), op: &str) -> Result<()> {
    let src = T::slice(values.cpu_buffer()?).ok_or_else(|| dtype_err!("{op}: dtype mismatch"))?;
    let off = values.layout().offset();
    scatter_kernel(dst, plan, &src[off..off + values.numel()], f)
}

/// Copies the elements of `src` into the block of the contiguous `dst` (of `shape`) at `start`.
fn copy_values<T: BufferElement>(dst: &mut [T], shape: &[usize], start: &[usize], src: &Tensor, op: &str) -> Result<()> {
    let s = T::slice(src.cpu_buffer()?).ok_or_else(|| dtype_err!("{op}: dtype mismatch"))?;
    copy_into_block(dst, shape, start, s, src.layout());
    Ok(())
}

/// `grad` scattered (summed) into zeros of `shape` through `index`.
fn scatter_grad(index: &NormIndex, grad: &Tensor, shape: &[usize]) -> Result<Tensor> {
    index.write(zeros_on(shape, grad.dtype(), grad.device())?, grad, true, "index backward")
}

/// Zeros of `shape` on `device` (filled there: no upload).
fn zeros_on(shape: &[usize], dtype: DType, device: crate::device::Device) -> Result<Tensor> {
    if device.is_gpu() {
        return crate::wgpu::copy::full(shape, 0.0, dtype);
    }
    Tensor::zeros(shape, dtype)
}

/// Reads `x[index]` and records its backward (the scatter-add of the gradient).
fn read_recorded(op: &'static str, x: &Tensor, index: NormIndex) -> Result<Tensor> {
    let out = index.read(x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let shape = x.shape().to_vec();
    let index = Arc::new(index);
    Ok(record1(op, &[x], out, move |g, _| Ok(vec![Some(scatter_grad(&index, g, &shape)?)])))
}

/// `x[key]` with numpy semantics. Ints, slices, newaxis and ellipsis give a view sharing `x`'s
/// storage; integer arrays and boolean masks (advanced indexing) give a copy. Differentiable:
/// the gradient is scattered back into zeros (summed where an index repeats).
pub fn getitem(x: &Tensor, key: &[IndexItem]) -> Result<Tensor> {
    read_recorded("getitem", x, NormIndex::new(x.shape(), key)?)
}

/// Checks `start`/`sizes` of a block of `shape`; -1 in `sizes` means "to the end".
fn block_ranges(op: &str, shape: &[usize], start: &[i64], sizes: &[i64]) -> Result<Vec<(usize, usize)>> {
    if start.len() != shape.len() || sizes.len() != shape.len() {
        return Err(shape_err!(
            "{op}: start_indices {start:?} and shape {sizes:?} must each have one entry per axis of the input of shape {shape:?}"
        ));
    }
    let mut out = Vec::with_capacity(shape.len());
    for (a, ((&s, &n), &d)) in start.iter().zip(sizes).zip(shape).enumerate() {
        let len = if n == -1 { d as i64 - s } else { n };
        if s < 0 || len < 0 || s + len > d as i64 {
            return Err(Error::Index(format!(
                "{op}: a block starting at {start:?} with shape {sizes:?} does not fit in a tensor of shape {shape:?} (axis {a})"
            )));
        }
        out.push((s as usize, len as usize));
    }
    Ok(out)
}

fn block_key(ranges: &[(usize, usize)]) -> Vec<IndexItem> {
    ranges
        .iter()
        .map(|&(s, n)| IndexItem::Slice { start: Some(s as i64), stop: Some((s + n) as i64), step: None })
        .collect()
}

/// `slice(inputs, start_indices, shape)`: the block of `shape` starting at `start_indices`
/// (a view). A -1 size runs to the end of its axis.
pub fn slice(x: &Tensor, start: &[i64], shape: &[i64]) -> Result<Tensor> {
    let ranges = block_ranges("slice", x.shape(), start, shape)?;
    read_recorded("slice", x, NormIndex::new(x.shape(), &block_key(&ranges))?)
}

/// `slice_update(inputs, start_indices, updates)`: a copy of `inputs` with the block at
/// `start_indices` replaced by `updates` (cast to the dtype of `inputs`).
pub fn slice_update(x: &Tensor, start: &[i64], updates: &Tensor) -> Result<Tensor> {
    let sizes: Vec<i64> = updates.shape().iter().map(|&d| d as i64).collect();
    if updates.rank() != x.rank() {
        return Err(shape_err!("slice_update: updates of shape {:?} must have the rank of inputs of shape {:?}", updates.shape(), x.shape()));
    }
    let ranges = block_ranges("slice_update", x.shape(), start, &sizes)?;
    let index = NormIndex::new(x.shape(), &block_key(&ranges))?;
    let starts: Vec<usize> = ranges.iter().map(|r| r.0).collect();
    let out = if crate::wgpu::any_gpu(&[x, updates]) {
        // a fresh copy of x with the block overwritten by a strided copy
        crate::wgpu::index::slice_update(x, &starts, updates)?
    } else {
        let mut out = x.detach();
        let u = cast_untracked(updates, x.dtype())?;
        let dst = out.storage_mut()?;
        with_buffer!(dst, d => copy_values(d, x.shape(), &starts, &u, "slice_update")?);
        out
    };
    if !needs_grad(&[x, updates]) {
        return Ok(out);
    }
    let index = Arc::new(index);
    let ushape = updates.shape().to_vec();
    Ok(record1("slice_update", &[x, updates], out, move |g, need| {
        Ok(vec![
            if need[0] { Some(index.write(g.detach(), &Tensor::zeros(&[], g.dtype())?, false, "slice_update")?) } else { None },
            if need[1] { Some(reshape(&index.read(g)?, &ushape)?) } else { None },
        ])
    }))
}

/// `take(x, indices, axis=None)`: elements of `x` at `indices` along `axis` (of the flattened
/// `x` when `axis` is None). The result has shape x.shape[:axis] + indices.shape +
/// x.shape[axis+1:]. Negative indices count from the end; out-of-range ones raise.
pub fn take(x: &Tensor, indices: &Tensor, axis: Option<isize>) -> Result<Tensor> {
    let (src, axis) = match axis {
        None => (reshape(x, &[x.numel()])?, 0),
        Some(a) => (x.clone(), normalize_axis(a, x.rank(), "take")?),
    };
    if indices.dtype() == DType::Bool || indices.dtype().is_float() {
        return Err(dtype_err!("take: indices must be integers, got {}", indices.dtype()));
    }
    if crate::wgpu::any_gpu(&[&src, indices]) {
        return crate::wgpu::index::take(&src, indices, axis);
    }
    let mut key = vec![FULL; axis];
    key.push(IndexItem::Array(indices.clone()));
    read_recorded("take", &src, NormIndex::new(src.shape(), &key).map_err(|e| e.in_op("take"))?)
}

/// `take_along_axis(x, indices, axis=None)`: out[..., j, ...] = x[..., indices[..., j, ...], ...]
/// along `axis`; the other axes of `x` and `indices` broadcast. With axis None both are
/// flattened.
pub fn take_along_axis(x: &Tensor, indices: &Tensor, axis: Option<isize>) -> Result<Tensor> {
    let (x, indices, axis) = match axis {
        None => (reshape(x, &[x.numel()])?, reshape(indices, &[indices.numel()])?, 0),
        Some(a) => (x.clone(), indices.clone(), normalize_axis(a, x.rank(), "take_along_axis")?),
    };
    if indices.rank() != x.rank() {
        return Err(shape_err!(
            "take_along_axis: indices of shape {:?} must have the rank of x of shape {:?}",
            indices.shape(),
            x.shape()
        ));
    }
    if indices.dtype() == DType::Bool || indices.dtype().is_float() {
        return Err(dtype_err!("take_along_axis: indices must be integers, got {}", indices.dtype()));
    }
    let unit = |s: &[usize]| {
        let mut s = s.to_vec();
        s[axis] = 1;
        s
    };
    let mut b = broadcast_shapes(&unit(x.shape()), &unit(indices.shape()), "take_along_axis")?;
    b[axis] = x.shape()[axis];
    let xb = broadcast_to(&x, &b)?;
    b[axis] = indices.shape()[axis];
    let ib = broadcast_to(&indices.detach(), &b)?;
    // Every axis is indexed by an array: aranges on the others, `indices` on `axis`.
    let key: Vec<IndexItem> = (0..b.len())
        .map(|a| {
            if a == axis {
                Ok(IndexItem::Array(ib.clone()))
            } else {
                let mut s = vec![1usize; b.len()];
                s[a] = b[a];
                Ok(IndexItem::Array(Tensor::from_vec((0..b[a] as i64).collect::<Vec<i64>>(), &s)?))
            }
        })
        .collect::<Result<_>>()?;
    read_recorded("take_along_axis", &xb, NormIndex::new(xb.shape(), &key).map_err(|e| e.in_op("take_along_axis"))?)
}

/// The columns of an (N..., k) index tensor as k integer-array items, followed by full
/// slices for the remaining axes of `shape`.
fn nd_key(indices: &Tensor, shape: &[usize], op: &str) -> Result<Vec<IndexItem>> {
    let r = indices.rank();
    let k = if r == 0 { 0 } else { indices.shape()[r - 1] };
    if r == 0 || k > shape.len() {
        return Err(shape_err!(
            "{op}: indices of shape {:?} must have a last axis of at most {} entries (one per indexed axis of shape {shape:?})",
            indices.shape(),
            shape.len()
        ));
    }
    let vals = int_values(indices, &format!("{op}: indices"))?;
    let lead = &indices.shape()[..r - 1];
    let mut key = Vec::with_capacity(shape.len());
    for j in 0..k {
        let col: Vec<i64> = vals.iter().skip(j).step_by(k).copied().collect();
        key.push(IndexItem::Array(Tensor::from_vec(col, lead)?));
    }
    Ok(key)
}

/// `scatter(indices, values, shape)`: zeros of `shape` with `values` added at `indices`
/// (an (N..., k) tensor of positions along the first k axes); repeated indices sum.
pub fn scatter(indices: &Tensor, values: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let index = NormIndex::new(shape, &nd_key(indices, shape, "scatter")?).map_err(|e| e.in_op("scatter"))?;
    let out = index.write(zeros_on(shape, values.dtype(), values.device())?, values, true, "scatter")?;
    if !needs_grad(&[values]) {
        return Ok(out);
    }
    let vshape = values.shape().to_vec();
    Ok(record1("scatter", &[values], out, move |g, _| {
        Ok(vec![Some(crate::ops::dispatch::sum_to_shape(&index.read(g)?, &vshape)?)])
    }))
}

/// `scatter_update(inputs, indices, updates)`: a copy of `inputs` with the entries at
/// `indices` ((N..., k) positions along the first k axes) replaced by `updates`.
pub fn scatter_update(x: &Tensor, indices: &Tensor, updates: &Tensor) -> Result<Tensor> {
    let index = NormIndex::new(x.shape(), &nd_key(indices, x.shape(), "scatter_update")?).map_err(|e| e.in_op("scatter_update"))?;
    let out = index.write(x.detach(), updates, false, "scatter_update")?;
    if !needs_grad(&[x, updates]) {
        return Ok(out);
    }
    let ushape = updates.shape().to_vec();
    Ok(record1("scatter_update", &[x, updates], out, move |g, need| {
        Ok(vec![
            if need[0] { Some(index.write(g.detach(), &Tensor::zeros(&[], g.dtype())?, false, "scatter_update")?) } else { None },
            if need[1] { Some(crate::ops::dispatch::sum_to_shape(&index.read(g)?, &ushape)?) } else { None },
        ])
    }))
}

/// `one_hot(x, num_classes, axis=-1, dtype=None)`: a new axis of size `num_classes` at `axis`
/// holding 1 at each value of `x` and 0 elsewhere; values outside [0, num_classes) give an
/// all-zero row (as Keras). Not differentiable.
pub fn one_hot(x: &Tensor, num_classes: usize, axis: isize, dtype: Option<DType>) -> Result<Tensor> {
    if x.dtype().is_float() || x.dtype() == DType::Bool {
        return Err(dtype_err!("one_hot: x must hold integer class ids, got {}", x.dtype()));
    }
    let ax = normalize_axis(axis, x.rank() + 1, "one_hot")?;
    let mut shape = x.shape().to_vec();
    shape.insert(ax, num_classes);
    let n_out = crate::layout::checked_numel(&shape, "one_hot")?;
    if x.device().is_gpu() {
        return crate::wgpu::index::one_hot(x, num_classes, ax, dtype.unwrap_or(DType::F32));
    }
    let classes = int_values(x, "one_hot: x")?;
    let inner: usize = x.shape()[ax..].iter().product();
    let dtype = dtype.unwrap_or(DType::F32);
    let mut out = CpuBuffer::zeros(dtype, n_out)?;
    fn set<T: Element>(v: &mut [T], classes: &[i64], n: usize, inner: usize) {
        for (i, &c) in classes.iter().enumerate() {
            if c >= 0 && (c as usize) < n {
                let (o, r) = (i / inner, i % inner);
                v[(o * n + c as usize) * inner + r] = T::one();
            }
        }
    }
    if inner > 0 {
        with_buffer!(&mut out, v => set(v, &classes, num_classes, inner));
    }
    Tensor::from_buffer(out, &shape)
}

/// `unstack(x, num=None, axis=0)`: the slices of `x` along `axis`, as views.
pub fn unstack(x: &Tensor, num: Option<usize>, axis: isize) -> Result<Vec<Tensor>> {
    let ax = normalize_axis(axis, x.rank(), "unstack")?;
    let n = x.shape()[ax];
    if let Some(k) = num {
        if k != n {
            return Err(shape_err!("unstack: num={k} does not match the size {n} of axis {axis} in shape {:?}", x.shape()));
        }
    }
    // One view per index of a possibly huge (empty) axis: reserved up front, so that too many
    // is a MemoryError rather than an abort.
    let mut outs: Vec<Tensor> = crate::storage::try_with_capacity(n).map_err(|e| e.in_op("unstack"))?;
    for i in 0..n {
        outs.push(x.with_layout(x.layout().select(ax, i))?);
    }
    if !needs_grad(&[x]) {
        return Ok(outs);
    }
    Ok(record("unstack", &[x], outs, move |gs, _| Ok(vec![Some(crate::ops::shape::stack(gs, ax as isize)?)])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arange(n: usize, shape: &[usize]) -> Tensor {
        Tensor::from_vec((0..n as i64).map(|v| v as f64).collect::<Vec<f64>>(), shape).unwrap()
    }

    #[test]
    fn basic_index_is_a_view() {
        let x = arange(24, &[2, 3, 4]);
        let y = getitem(&x, &[IndexItem::Int(-1), IndexItem::Ellipsis, IndexItem::Slice { start: None, stop: None, step: Some(-2) }]).unwrap();
        assert_eq!(y.shape(), &[3, 2]);
        assert!(std::sync::Arc::ptr_eq(y.storage(), x.storage()));
        assert_eq!(y.to_vec::<f64>().unwrap(), vec![15.0, 13.0, 19.0, 17.0, 23.0, 21.0]);
    }

    #[test]
    fn separated_arrays_go_first() {
        let x = arange(24, &[2, 3, 4]);
        let idx = Tensor::from_vec(vec![1i64, 3], &[2]).unwrap();
        let y = getitem(&x, &[IndexItem::Int(0), FULL, IndexItem::Array(idx)]).unwrap();
        assert_eq!(y.shape(), &[2, 3]);
        assert_eq!(y.to_vec::<f64>().unwrap(), vec![1.0, 5.0, 9.0, 3.0, 7.0, 11.0]);
    }

    #[test]
    fn out_of_range_names_index_axis_and_size() {
        let x = arange(6, &[2, 3]);
        let e = getitem(&x, &[FULL, IndexItem::Int(3)]).unwrap_err();
        assert_eq!(e, Error::Index("index 3 is out of bounds for axis 1 with size 3".into()));
    }

    #[test]
    fn slice_range_matches_python() {
        assert_eq!(slice_range(None, None, Some(-1), 5).unwrap(), (4, 5, -1));
        assert_eq!(slice_range(Some(-2), None, None, 5).unwrap(), (3, 2, 1));
        assert_eq!(slice_range(Some(10), Some(0), Some(-3), 5).unwrap(), (4, 2, -3));
        assert_eq!(slice_range(Some(3), Some(1), None, 5).unwrap().1, 0);
        // The extremes Python's PySlice_Unpack uses for missing bounds.
        assert_eq!(slice_range(Some(i64::MAX), Some(i64::MIN), Some(-1), 3).unwrap(), (2, 3, -1));
        assert_eq!(slice_range(Some(0), Some(i64::MAX), Some(i64::MAX), 3).unwrap(), (0, 1, isize::MAX));
        assert_eq!(slice_range(None, None, Some(i64::MIN), 3).unwrap(), (2, 1, -isize::MAX));
    }
}
