//! GPU gathers and scatters over a `GatherPlan` (the plan every indexing op reduces to, see
//! ops/index.rs and cpu/index.rs): advanced `getitem`, take_along_axis, scatter,
//! scatter_update and the backward of every index read (a scatter-add), plus take's gradient.
//!
//! Scatter-add: float32 adds use an atomic compare-exchange loop on the value's bits
//! (shaders/scatter.wgsl); int32 adds use atomicAdd. Chosen over a deterministic
//! sort-then-segment-sum because it needs one pass and no sort on the device, reads the
//! indices where they are (take's indices stay on the gpu, no readback), and is exact wherever
//! no position repeats; where positions repeat the float32 sum is the same set of terms in an
//! arrival order the hardware picks, so it may differ from the cpu's in the last bits.

use crate::cpu::index::GatherPlan;
use crate::device::Device;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, kind, operand, unsupported, wrap, Params, MAX_RANK};

const GATHER: &str = concat!(include_str!("shaders/plan_walk.wgsl"), "\n", include_str!("shaders/gather.wgsl"));
const SCATTER: &str = concat!(include_str!("shaders/plan_walk.wgsl"), "\n", include_str!("shaders/scatter.wgsl"));

/// A layout's shape and strides merged to the fewest axes.
fn merged(l: &Layout, op: &str) -> Result<(Vec<i64>, Vec<i64>)> {
    let (s, st) = crate::cpu::strided::coalesce(l.shape(), &[l.strides()]);
    if s.len() > MAX_RANK {
        return Err(unsupported(op, &format!("an index over a view of rank {}", s.len())));
    }
    Ok((s.iter().map(|&d| d as i64).collect(), st[0].iter().map(|&d| d as i64).collect()))
}

/// The parameter block of a plan launch (plan_walk.wgsl's layout).
fn plan_params(plan: &GatherPlan, mode: u32, words: u32, dense_offset: usize, op: &str) -> Result<Params> {
    let (os, ost) = merged(&plan.outer, op)?;
    let (is, ist) = merged(&plan.inner, op)?;
    let mut p = Params::default();
    p.u(plan.numel() as u32).u(plan.offsets.len() as u32).u(plan.inner.numel() as u32);
    p.u(os.len() as u32).u(is.len() as u32).u(plan.outer.offset() as u32).u(mode).u(words).u(dense_offset as u32).u(0);
    p.pad(&os, 1).pad(&ost, 0).pad(&is, 1).pad(&ist, 0);
    Ok(p)
}

/// The plan's block offsets as a gpu int32 tensor.
fn offsets(plan: &GatherPlan, op: &str) -> Result<Tensor> {
    let v: Vec<i32> = plan
        .offsets
        .iter()
        .map(|&o| i32::try_from(o).map_err(|_| Error::Index(format!("{op}: an index offset {o} does not fit the gpu's 32-bit addressing"))))
        .collect::<Result<_>>()?;
    let n = v.len();
    Tensor::from_vec(v, &[n])?.to(Device::Gpu)
}

/// The elements of gpu tensor `x` that `plan` (built from `x.layout()`) selects, as a new
/// contiguous tensor of `shape`.
pub(crate) fn gather(x: &Tensor, plan: &GatherPlan, shape: &[usize], op: &str) -> Result<Tensor> {
    let n = plan.numel();
    let out = GpuBuffer::alloc(x.dtype(), n, false, op)?;
    if n > 0 {
        let words = buf(x)?.words() as u32;
        let p = plan_params(plan, 0, words, 0, op)?;
        let offs = offsets(plan, op)?;
        let g = gpu()?;
        g.launch(GATHER, "gather_plan", &p.0, &[Arg::Read(buf(x)?.raw()), Arg::Read(buf(&offs)?.raw()), Arg::Write(out.raw())], g.groups_1d(n, 256))?;
    }
    wrap(out, shape)
}

/// `base` with the contiguous gpu `values` (`plan.numel()` elements, `base`'s dtype) written
/// to (or, with `accumulate`, added at) the positions `plan` selects; `plan` is built from the
/// contiguous layout of `base.shape()`. `base` is written in place when nothing else shares
/// its storage, else copied first.
pub(crate) fn scatter(base: Tensor, plan: &GatherPlan, values: &Tensor, accumulate: bool, op: &str) -> Result<Tensor> {
    let dtype = base.dtype();
    let mode = if !accumulate {
        1
    } else {
        match kind(dtype, op)? {
            _ if dtype == DType::Bool => return Err(Error::DType(format!("{op}: cannot accumulate bool values"))),
            0 => 2,
            _ => 3,
        }
    };
    let owned = std::sync::Arc::strong_count(base.storage()) == 1 && base.is_contiguous() && base.layout().offset() == 0;
    let out = if owned { base } else { super::copy::cast(&base, dtype, op)? };
    let n = plan.numel();
    if n > 0 {
        let values = operand(op, values)?.contiguous()?;
        let vb = buf(&values)?;
        let p = plan_params(plan, mode, vb.words() as u32, values.layout().offset(), op)?;
        let offs = offsets(plan, op)?;
        let g = gpu()?;
        g.launch(SCATTER, "scatter_plan", &p.0, &[Arg::Read(vb.raw()), Arg::Read(buf(&offs)?.raw()), Arg::Write(buf(&out)?.raw())], g.groups_1d(n, 256))?;
    }
    Ok(out)
}

/// take's gradient: zeros shaped like `x_shape` with `g` (shaped x.shape[:axis] +
/// indices.shape + x.shape[axis+1:]) added at the taken rows; repeated indices sum.
pub(crate) fn take_grad(g: &Tensor, indices: &Tensor, x_shape: &[usize], axis: usize) -> Result<Tensor> {
    const OP: &str = "take backward";
    let dtype = g.dtype();
    let mode = if kind(dtype, OP)? == 0 { 2 } else { 3 };
    let out = super::copy::full(x_shape, 0.0, dtype)?;
    let gc = operand(OP, g)?.contiguous()?;
    let idx = indices.to(Device::Gpu)?.contiguous()?;
    let n = gc.numel();
    let dim = x_shape[axis];
    if n > 0 && dim > 0 {
        let inner: usize = x_shape[axis + 1..].iter().product();
        let ib = buf(&idx)?;
        let mut p = Params::default();
        p.u(n as u32).u(idx.numel() as u32).u(inner as u32).u(dim as u32).u(ib.words() as u32);
        p.u(idx.layout().offset() as u32).u(mode).u(1).u(gc.layout().offset() as u32);
        let gpu = gpu()?;
        gpu.launch(SCATTER, "take_grad", &p.0, &[Arg::Read(buf(&gc)?.raw()), Arg::Read(ib.raw()), Arg::Write(buf(&out)?.raw())], gpu.groups_1d(n, 256))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu_or_skip() -> bool {
        crate::wgpu::is_available()
    }

    #[test]
    fn take_grad_sums_repeated_rows() {
        if !gpu_or_skip() {
            return;
        }
        // 1000 contributions to two rows: every compare-exchange retry must land.
        let n = 1000;
        let idx: Vec<i32> = (0..n).map(|j| (j % 2) as i32).collect();
        let g = Tensor::from_vec(vec![1.0f32; n * 3], &[n, 3]).unwrap().to(Device::Gpu).unwrap();
        let dx = take_grad(&g, &Tensor::from_vec(idx, &[n]).unwrap(), &[4, 3], 0).unwrap();
        let v = dx.to_vec::<f32>().unwrap();
        assert_eq!(v, [vec![500.0f32; 6], vec![0.0; 6]].concat());
    }

    #[test]
    fn int32_scatter_add_is_exact() {
        if !gpu_or_skip() {
            return;
        }
        let plan = GatherPlan { outer: Layout::contiguous(&[]), offsets: vec![2, 0, 2, 2], inner: Layout::contiguous(&[]) };
        let base = crate::wgpu::copy::full(&[3], 0.0, DType::I32).unwrap();
        let vals = Tensor::from_vec(vec![1i32, 2, 3, 4], &[4]).unwrap().to(Device::Gpu).unwrap();
        let out = scatter(base, &plan, &vals, true, "test").unwrap();
        assert_eq!(out.to_vec::<i32>().unwrap(), vec![2, 0, 8]);
    }

    #[test]
    fn int64_gather_moves_both_words() {
        if !gpu_or_skip() {
            return;
        }
        let x = Tensor::from_vec(vec![1i64 << 40, -3, 7], &[3]).unwrap().to(Device::Gpu).unwrap();
        let plan = GatherPlan { outer: Layout::contiguous(&[]), offsets: vec![2, 0, 0], inner: Layout::contiguous(&[]) };
        let out = gather(&x, &plan, &[3], "test").unwrap();
        assert_eq!(out.to_vec::<i64>().unwrap(), vec![7, 1 << 40, 1 << 40]);
    }
}
