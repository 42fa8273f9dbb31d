//! Strided to contiguous copies: the one place a view is materialised.

use crate::error::Result;
use crate::layout::Layout;
use crate::storage::{try_with_capacity, BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::with_buffer;

use super::strided::for_each_row;

/// The elements of `data` seen through `layout`, in C order.
pub fn gather_strided<T: Copy>(data: &[T], layout: &Layout) -> Result<Vec<T>> {
    let mut out: Vec<T> = try_with_capacity(layout.numel())?;
    for_each_row(layout.shape(), [layout.strides()], [layout.offset()], |_, [base], n, [s]| {
        if s == 1 {
            out.extend_from_slice(&data[base as usize..base as usize + n]);
        } else {
            let mut o = base;
            for _ in 0..n {
                out.push(data[o as usize]);
                o += s;
            }
        }
    });
    Ok(out)
}

/// A contiguous copy of any host tensor.
pub fn contiguous_copy(t: &Tensor) -> Result<Tensor> {
    let buf = t.cpu_buffer()?;
    let out: CpuBuffer = with_buffer!(buf, v => BufferElement::wrap(gather_strided(v, t.layout())?));
    Tensor::from_buffer(out, t.shape())
}
