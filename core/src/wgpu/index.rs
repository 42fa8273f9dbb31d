//! GPU arms of take (gather along one axis) and concatenate (strided copies into the output).

use crate::autograd::{needs_grad, record1};
use crate::dtype::DType;
use crate::error::Result;
use crate::layout::Layout;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, operand, wrap, Params};

/// `take(x, indices, axis)` for `x` and integer `indices` on the gpu.
pub(crate) fn take(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "take";
    let xc = operand(OP, x)?.contiguous()?;
    // Index tensors the engine builds on the host (repeat, shuffles) are uploaded.
    let idx = indices.to(crate::device::Device::Gpu)?.contiguous()?;
    let (xb, ib) = (buf(&xc)?, buf(&idx)?);
    let dim = x.shape()[axis];
    let inner: usize = x.shape()[axis + 1..].iter().product();
    let outer: usize = x.shape()[..axis].iter().product();
    let mut shape: Vec<usize> = x.shape()[..axis].to_vec();
    shape.extend_from_slice(indices.shape());
    shape.extend_from_slice(&x.shape()[axis + 1..]);
    let n = outer * idx.numel() * inner;
    let out = GpuBuffer::alloc(x.dtype(), n, false, OP)?;
    if n > 0 {
        if dim == 0 {
            return Err(crate::error::Error::Index(format!("take: index out of range for an axis of size 0 (shape {:?})", x.shape())));
        }
        let mut p = Params::default();
        p.u(n as u32).u(inner as u32).u(idx.numel() as u32).u(dim as u32).u(xb.words() as u32).u(ib.words() as u32);
        p.u(xc.layout().offset() as u32).u(idx.layout().offset() as u32);
        let g = gpu()?;
        g.launch(include_str!("shaders/take.wgsl"), "take_rows", &p.0, &[Arg::Read(xb.raw()), Arg::Read(ib.raw()), Arg::Write(out.raw())], g.groups_1d(n, 256))?;
    }
    let out = wrap(out, &shape)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (idx, x_shape) = (idx.detach(), x.shape().to_vec());
    Ok(record1(OP, &[x], out, move |g, _| Ok(vec![Some(super::scatter::take_grad(g, &idx, &x_shape, axis)?)])))
}

/// `slice_update`: a new contiguous copy of `x` with the block at `start` replaced by `updates`
/// (cast to x's dtype), written by a strided copy into that block.
pub(crate) fn slice_update(x: &Tensor, start: &[usize], updates: &Tensor) -> Result<Tensor> {
    const OP: &str = "slice_update";
    let x = operand(OP, x)?;
    let u = operand(OP, updates)?;
    let out = super::copy::cast(&x, x.dtype(), OP)?;
    let mut block = Layout::contiguous(x.shape());
    for (a, (&s, &d)) in start.iter().zip(u.shape()).enumerate() {
        block = block.slice_axis(a, s, d, 1);
    }
    super::copy::copy_into(&u, buf(&out)?, &block, OP)?;
    Ok(out)
}

/// `one_hot` of integer gpu `x` with the new axis at `ax`: equal(x, class ids) cast to `dtype`
/// (ids outside [0, num_classes) match nothing: an all-zero row). int64 ids are compared as
/// int32 (ids beyond the int32 range are not class ids of any tensor the gpu can hold).
pub(crate) fn one_hot(x: &Tensor, num_classes: usize, ax: usize, dtype: DType) -> Result<Tensor> {
    const OP: &str = "one_hot";
    let ids = if x.dtype() == DType::I32 { x.detach() } else { super::copy::cast(&*operand(OP, x)?, DType::I32, OP)? };
    let mut cshape = vec![1usize; x.rank() + 1];
    cshape[ax] = num_classes;
    let classes = Tensor::from_vec((0..num_classes as i32).collect::<Vec<i32>>(), &cshape)?.to(crate::device::Device::Gpu)?;
    let hit = crate::ops::equal(&crate::ops::expand_dims(&ids, ax as isize)?, &classes)?;
    super::copy::cast(&hit, dtype, OP)
}

/// `concatenate` of same-dtype gpu tensors along `ax` into a new tensor of `out_shape`.
pub(crate) fn concatenate(parts: &[Tensor], out_shape: &[usize], ax: usize, dtype: DType) -> Result<Tensor> {
    const OP: &str = "concatenate";
    let n: usize = out_shape.iter().product();
    let out = GpuBuffer::alloc(dtype, n, false, OP)?;
    let whole = Layout::contiguous(out_shape);
    let mut start = 0;
    for t in parts {
        let t = operand(OP, t)?;
        let d = t.shape()[ax];
        super::copy::copy_into(&t, &out, &whole.slice_axis(ax, start, d, 1), OP)?;
        start += d;
    }
    wrap(out, out_shape)
}
