//! Shared plumbing for op families: dtype dispatch over host buffers and the broadcasting
//! gradient reduction.

use crate::error::Result;
use crate::tensor::Tensor;

/// Runs a generic expression on the typed data of a host tensor of a numeric dtype:
/// `numeric!(t, |v: &[T]| expr)` where `T` is a type parameter visible in `expr` via the
/// given type name. Bool tensors evaluate `$bool`.
#[macro_export]
macro_rules! dispatch_numeric {
    ($buf:expr, $T:ident, $v:ident => $body:expr, bool => $bool:expr) => {
        match $buf {
            $crate::storage::CpuBuffer::F32($v) => {
                type $T = f32;
                $body
            }
            $crate::storage::CpuBuffer::F64($v) => {
                type $T = f64;
                $body
            }
            $crate::storage::CpuBuffer::I32($v) => {
                type $T = i32;
                $body
            }
            $crate::storage::CpuBuffer::I64($v) => {
                type $T = i64;
                $body
            }
            $crate::storage::CpuBuffer::Bool(_) => $bool,
        }
    };
}

/// Like `dispatch_numeric!` for float buffers only; other dtypes evaluate `$other`.
#[macro_export]
macro_rules! dispatch_float {
    ($buf:expr, $T:ident, $v:ident => $body:expr, other => $other:expr) => {
        match $buf {
            $crate::storage::CpuBuffer::F32($v) => {
                type $T = f32;
                $body
            }
            $crate::storage::CpuBuffer::F64($v) => {
                type $T = f64;
                $body
            }
            _ => $other,
        }
    };
}

/// Reduces a broadcast gradient back to `shape` by summing over the broadcast axes
/// (the backward of every broadcasting op).
pub fn sum_to_shape(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if g.shape() == shape {
        return Ok(g.clone());
    }
    let lead = g.rank() - shape.len();
    let mut axes: Vec<isize> = (0..lead as isize).collect();
    for (i, &d) in shape.iter().enumerate() {
        if d == 1 && g.shape()[lead + i] != 1 {
            axes.push((lead + i) as isize);
        }
    }
    let s = super::reduce::sum(g, Some(&axes), true)?;
    super::shape::reshape(&s, shape)
}
