//! The GPU backend: tensors in wgpu buffers and WGSL compute kernels (`shaders/`), dispatched
//! from the op families' GPU arms. One lazily created context (`context`) owns the device,
//! queue, command batch and buffer pool.
//!
//! Rules every GPU arm follows:
//! - Operands must all be on the gpu, except 0-d cpu tensors (Python scalars, the constants of
//!   backward rules), which are uploaded; anything else is a `Device` error naming both devices.
//! - float32, int32, bool and int64 (storage, copies, casts, indexing and bitwise ops only: int64
//!   arithmetic is a `DType` error) live on the gpu;
//!   float64 is refused with a `DType` error.
//! - An op with no GPU kernel is a `Device` error naming the op, never a silent CPU fallback.

pub(crate) mod buffer;
pub(crate) mod context;
pub(crate) mod conv;
pub mod copy;
pub(crate) mod elementwise;
pub(crate) mod index;
pub(crate) mod linalg;
pub(crate) mod nn;
pub(crate) mod norm;
pub(crate) mod optim;
pub(crate) mod pad;
pub(crate) mod pool;
pub(crate) mod recurrent;
pub(crate) mod reduce;
pub(crate) mod scatter;
#[cfg(test)]
mod tests;
pub mod transfer;

pub use buffer::GpuBuffer;
pub use context::is_available;

use std::borrow::Cow;

use crate::device::Device;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::storage::Storage;
use crate::tensor::Tensor;

/// The largest rank a kernel addresses directly (after merging axes).
pub(crate) const MAX_RANK: usize = 8;

pub(crate) const COMMON: &str = include_str!("shaders/common.wgsl");

/// A shader source with the shared prelude prepended (built once per shader).
macro_rules! with_common {
    ($file:literal) => {{
        static SRC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        SRC.get_or_init(|| format!("{}\n{}", $crate::wgpu::COMMON, include_str!($file))).as_str()
    }};
}
pub(crate) use with_common;

/// The adapter's name and backend, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)".
pub fn adapter_description() -> Result<String> {
    let g = context::gpu()?;
    Ok(format!("{} ({:?}, {:?})", g.info.name, g.info.backend, g.info.device_type))
}

/// Waits until every launch recorded so far has finished (benchmarks and tests).
pub fn synchronize() -> Result<()> {
    context::gpu()?.wait_idle()
}

/// The error for a gpu tensor reaching a cpu-only kernel; names the op family from the source
/// file of the caller (`ops/conv/...` -> conv).
pub(crate) fn no_kernel(at: &std::panic::Location<'_>) -> Error {
    let file = at.file().replace('\\', "/");
    let family = file
        .rsplit_once("/ops/")
        .or_else(|| file.rsplit_once("/cpu/"))
        .or_else(|| file.rsplit_once("src/"))
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest).trim_end_matches(".rs").to_string())
        .unwrap_or(file.clone());
    Error::Device(format!(
        "{family}: this op has no gpu kernel yet and one of its inputs is on the gpu device; move the inputs to the \
         cpu with .to('cpu') (or run it under lamina.device('cpu'))"
    ))
}

/// The error for an op given tensors on different devices.
pub(crate) fn mixed(op: &str, a: Device, b: Device) -> Error {
    Error::Device(format!(
        "{op}: expected all tensors on the same device, got one on {a} and one on {b}; move one with .to('{a}') or .to('{b}')"
    ))
}

/// The error for an op or dtype that has no GPU kernel.
pub(crate) fn unsupported(op: &str, what: &str) -> Error {
    Error::Device(format!("{op}: {what} has no gpu kernel yet (inputs on the gpu device); move them to the cpu with .to('cpu')"))
}

/// `t` as a gpu operand: itself when on the gpu, an upload when it is a 0-d cpu tensor (a
/// scalar), else the mixed-device error.
pub(crate) fn operand<'a>(op: &str, t: &'a Tensor) -> Result<Cow<'a, Tensor>> {
    if t.device().is_gpu() {
        return Ok(Cow::Borrowed(t));
    }
    if t.rank() == 0 {
        return Ok(Cow::Owned(transfer::to_device(&t.detach(), Device::Gpu)?));
    }
    Err(mixed(op, Device::Gpu, t.device()))
}

/// Whether any of `ts` is on the gpu (the test every GPU arm starts with).
#[inline]
pub(crate) fn any_gpu(ts: &[&Tensor]) -> bool {
    ts.iter().any(|t| t.device().is_gpu())
}

/// The device buffer behind a gpu tensor.
pub(crate) fn buf(t: &Tensor) -> Result<&GpuBuffer> {
    match t.storage().as_ref() {
        Storage::Gpu(b) => Ok(b),
        Storage::Cpu(_) => Err(Error::Device("internal: a cpu tensor reached a gpu kernel".into())),
    }
}

/// A new contiguous gpu tensor owning `b`.
pub(crate) fn wrap(b: GpuBuffer, shape: &[usize]) -> Result<Tensor> {
    Tensor::from_storage(Storage::Gpu(b), shape)
}

/// The kernel kind of a 4-byte dtype: 0 float32, 1 int32 (bool computes as int32 words).
pub(crate) fn kind(dtype: DType, op: &str) -> Result<u32> {
    match dtype {
        DType::F32 => Ok(0),
        DType::I32 | DType::Bool => Ok(1),
        DType::I64 => Err(Error::DType(format!(
            "{op}: int64 arithmetic is not supported on the gpu device; cast to int32 (WGSL has no 64-bit integers; \
             int64 tensors still live on, copy to, cast and index on the gpu)"
        ))),
        DType::F64 => Err(Error::DType(format!(
            "{op}: float64 is not supported on the gpu device (WGSL has no portable 64-bit float arithmetic); cast to float32"
        ))),
    }
}

/// Launch parameters under construction.
#[derive(Default)]
pub(crate) struct Params(pub Vec<u32>);

impl Params {
    pub fn u(&mut self, v: u32) -> &mut Self {
        self.0.push(v);
        self
    }
    pub fn i(&mut self, v: i64) -> &mut Self {
        self.0.push(v as i32 as u32);
        self
    }
    pub fn f(&mut self, v: f64) -> &mut Self {
        self.0.push((v as f32).to_bits());
        self
    }
    /// `vals` padded with `fill` to `MAX_RANK` entries.
    pub fn pad(&mut self, vals: &[i64], fill: i64) -> &mut Self {
        for k in 0..MAX_RANK {
            self.i(vals.get(k).copied().unwrap_or(fill));
        }
        self
    }
}

/// Shape and operand strides merged to the fewest axes (`coalesce`), for the elementwise
/// shaders' header and operand blocks.
pub(crate) struct Walk {
    pub shape: Vec<usize>,
    pub strides: Vec<Vec<isize>>,
    pub offsets: Vec<usize>,
}

impl Walk {
    /// Every operand layout must already have `shape` (broadcast views included).
    pub fn new(shape: &[usize], layouts: &[&Layout], op: &str) -> Result<Walk> {
        let out = crate::layout::contiguous_strides(shape);
        let mut all: Vec<&[isize]> = vec![&out];
        all.extend(layouts.iter().map(|l| l.strides()));
        let (merged, mut st) = crate::cpu::strided::coalesce(shape, &all);
        if merged.len() > MAX_RANK {
            return Err(unsupported(op, &format!("a view of rank {} that does not merge to {MAX_RANK} axes", merged.len())));
        }
        st.remove(0);
        Ok(Walk { shape: merged, strides: st, offsets: layouts.iter().map(|l| l.offset()).collect() })
    }

    /// Header: count, rank, op, kind, shape.
    pub fn header(&self, n: usize, op: u32, kind: u32) -> Params {
        let mut p = Params::default();
        p.u(n as u32).u(self.shape.len() as u32).u(op).u(kind);
        let dims: Vec<i64> = self.shape.iter().map(|&d| d as i64).collect();
        p.pad(&dims, 1);
        p
    }

    /// Operand `k`'s block: mode, offset, strides.
    pub fn operand(&self, p: &mut Params, k: usize) {
        let st = &self.strides[k];
        let mode = if st.iter().all(|&s| s == 0) {
            2
        } else if st.last() == Some(&1) && self.shape.len() == 1 {
            1
        } else {
            0
        };
        p.u(mode).u(self.offsets[k] as u32);
        let s: Vec<i64> = st.iter().map(|&v| v as i64).collect();
        p.pad(&s, 0);
    }
}
