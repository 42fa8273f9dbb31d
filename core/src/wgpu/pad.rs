//! The GPU arm of `pad`: one gather kernel writes every output element from its (mirrored)
//! source element or the constant. The backward is pad's own rule (slices, flips and constant
//! pads), which runs on the gpu through this kernel.

use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, operand, unsupported, wrap, Params, MAX_RANK};

/// `pad` of gpu tensor `x` by `pads` (checked by the op) with `mirror` 0 constant, 1 reflect,
/// 2 symmetric.
pub(crate) fn pad(x: &Tensor, pads: &[(usize, usize)], mirror: u8, constant: f64) -> Result<Tensor> {
    const OP: &str = "pad";
    let x = operand(OP, x)?;
    if x.rank() > MAX_RANK {
        return Err(unsupported(OP, &format!("a tensor of rank {}", x.rank())));
    }
    let out_shape: Vec<usize> = x.shape().iter().zip(pads).map(|(&d, &(b, a))| d + b + a).collect();
    let n = crate::layout::checked_numel(&out_shape, "pad")?;
    let (words, lo, hi) = match x.dtype() {
        DType::F32 => (1, (constant as f32).to_bits(), 0),
        DType::I32 => (1, constant as i32 as u32, 0),
        DType::Bool => (1, (constant != 0.0) as u32, 0),
        _ => {
            let v = constant as i64 as u64;
            (2, v as u32, (v >> 32) as u32)
        }
    };
    let out = GpuBuffer::alloc(x.dtype(), n, false, OP)?;
    if n > 0 {
        let mut p = Params::default();
        p.u(n as u32).u(x.rank() as u32).u(mirror as u32).u(words).u(lo).u(hi).u(x.layout().offset() as u32).u(0);
        let dims = |v: &[usize]| v.iter().map(|&d| d as i64).collect::<Vec<i64>>();
        p.pad(&dims(&out_shape), 1).pad(&dims(x.shape()), 1);
        p.pad(&x.layout().strides().iter().map(|&s| s as i64).collect::<Vec<_>>(), 0);
        p.pad(&pads.iter().map(|&(b, _)| b as i64).collect::<Vec<_>>(), 0);
        let g = gpu()?;
        g.launch(include_str!("shaders/pad.wgsl"), "pad_gather", &p.0, &[Arg::Read(buf(&x)?.raw()), Arg::Write(out.raw())], g.groups_1d(n, 256))?;
    }
    wrap(out, &out_shape)
}
