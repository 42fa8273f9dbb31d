//! Copy kernels: contiguous copies of views, casts, strided copies into a destination view
//! (concatenate), and fills.

use crate::dtype::DType;
use crate::error::Result;
use crate::layout::Layout;
use crate::tensor::Tensor;

use super::buffer::{elem_bytes, GpuBuffer};
use super::context::{gpu, Arg};
use super::{buf, wrap, with_common, Params, Walk};

/// The copy shader's element kind.
fn copy_kind(d: DType, op: &str) -> Result<u32> {
    elem_bytes(d, op)?;
    Ok(match d {
        DType::F32 => 0,
        DType::I32 => 1,
        DType::Bool => 2,
        _ => 3,
    })
}

/// Copies `src` (any layout, already shaped like `dst_layout`) converted to `dst`'s dtype into
/// the view `dst_layout` of `dst`.
pub(crate) fn copy_into(src: &Tensor, dst: &GpuBuffer, dst_layout: &Layout, op: &str) -> Result<()> {
    let n = src.numel();
    if n == 0 {
        return Ok(());
    }
    let w = Walk::new(src.shape(), &[src.layout(), dst_layout], op)?;
    let mut p = w.header(n, copy_kind(src.dtype(), op)?, copy_kind(dst.dtype(), op)?);
    w.operand(&mut p, 0);
    w.operand(&mut p, 1);
    let g = gpu()?;
    g.launch(with_common!("shaders/copy.wgsl"), "copy_cast", &p.0, &[Arg::Read(buf(src)?.raw()), Arg::Write(dst.raw())], g.groups_1d(n, 256))
}

/// A contiguous copy of a gpu tensor converted to `dtype`.
pub(crate) fn cast(t: &Tensor, dtype: DType, op: &str) -> Result<Tensor> {
    let out = GpuBuffer::alloc(dtype, t.numel(), false, op)?;
    copy_into(t, &out, &Layout::contiguous(t.shape()), op)?;
    wrap(out, t.shape())
}

/// A contiguous copy of a gpu tensor (`Tensor::contiguous` for non-contiguous views).
pub fn contiguous(t: &Tensor) -> Result<Tensor> {
    cast(t, t.dtype(), "contiguous")
}

/// A gpu tensor owning its storage exactly (offset 0, no spare elements): what Variables and
/// in-place updates need.
pub fn owned(t: &Tensor) -> Result<Tensor> {
    if t.is_contiguous() && t.layout().offset() == 0 && t.storage().len() == t.numel() {
        return Ok(t.detach());
    }
    contiguous(t)
}

/// A new gpu tensor of `shape` filled with `value` in `dtype`.
pub fn full(shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> {
    let n = crate::layout::checked_numel(shape, "full")?;
    let out = GpuBuffer::alloc(dtype, n, false, "full")?;
    let (words, lo, hi) = match dtype {
        DType::F32 => (1, (value as f32).to_bits(), 0),
        DType::I32 => (1, value as i32 as u32, 0),
        DType::Bool => (1, (value != 0.0) as u32, 0),
        _ => {
            let v = value as i64;
            (2, v as u64 as u32, ((v as u64) >> 32) as u32)
        }
    };
    let mut p = Params::default();
    p.u(n as u32).u(words).u(lo).u(hi);
    let g = gpu()?;
    g.launch(include_str!("shaders/fill.wgsl"), "fill", &p.0, &[Arg::Write(out.raw())], g.groups_1d(n, 256))?;
    wrap(out, shape)
}
