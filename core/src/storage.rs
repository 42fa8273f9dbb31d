//! Where a tensor's elements live. Storage is shared between views through an `Arc`;
//! in-place updates (optimizers, Variable.assign) go through `Arc::make_mut`, so a buffer is
//! written in place only when nobody else can see it and copied otherwise.

use crate::device::Device;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};

/// A host buffer of one dtype.
#[derive(Clone, Debug)]
pub enum CpuBuffer {
    Bool(Vec<u8>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

#[derive(Clone, Debug)]
pub enum Storage {
    Cpu(CpuBuffer),
    /// Device memory of the wgpu backend (cloning copies it on the device).
    Gpu(crate::wgpu::GpuBuffer),
}

/// Allocates a vector of `n` copies of `v`, reporting failure as `Error::OutOfMemory`
/// instead of aborting the process.
pub fn try_vec<T: Clone>(n: usize, v: T) -> Result<Vec<T>> {
    let mut out = Vec::new();
    out.try_reserve_exact(n).map_err(|_| {
        Error::OutOfMemory(format!(
            "could not allocate {} bytes for a tensor of {n} elements",
            n.saturating_mul(std::mem::size_of::<T>())
        ))
    })?;
    out.resize(n, v);
    Ok(out)
}

/// Like `try_vec` but leaves capacity only, for kernels that push their results.
pub fn try_with_capacity<T>(n: usize) -> Result<Vec<T>> {
    let mut out = Vec::new();
    out.try_reserve_exact(n).map_err(|_| {
        Error::OutOfMemory(format!(
            "could not allocate {} bytes for a tensor of {n} elements",
            n.saturating_mul(std::mem::size_of::<T>())
        ))
    })?;
    Ok(out)
}

/// Conversion between typed vectors and `CpuBuffer`, so generic kernels can produce buffers.
pub trait BufferElement: Element {
    fn wrap(v: Vec<Self>) -> CpuBuffer;
    fn slice(b: &CpuBuffer) -> Option<&[Self]>;
    fn slice_mut(b: &mut CpuBuffer) -> Option<&mut Vec<Self>>;
}

macro_rules! buffer_element {
    ($t:ty, $v:ident) => {
        impl BufferElement for $t {
            fn wrap(v: Vec<Self>) -> CpuBuffer {
                CpuBuffer::$v(v)
            }
            fn slice(b: &CpuBuffer) -> Option<&[Self]> {
                match b {
                    CpuBuffer::$v(v) => Some(v),
                    _ => None,
                }
            }
            fn slice_mut(b: &mut CpuBuffer) -> Option<&mut Vec<Self>> {
                match b {
                    CpuBuffer::$v(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
buffer_element!(u8, Bool);
buffer_element!(i32, I32);
buffer_element!(i64, I64);
buffer_element!(f32, F32);
buffer_element!(f64, F64);

impl CpuBuffer {
    pub fn dtype(&self) -> DType {
        match self {
            CpuBuffer::Bool(_) => DType::Bool,
            CpuBuffer::I32(_) => DType::I32,
            CpuBuffer::I64(_) => DType::I64,
            CpuBuffer::F32(_) => DType::F32,
            CpuBuffer::F64(_) => DType::F64,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            CpuBuffer::Bool(v) => v.len(),
            CpuBuffer::I32(v) => v.len(),
            CpuBuffer::I64(v) => v.len(),
            CpuBuffer::F32(v) => v.len(),
            CpuBuffer::F64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A buffer of `n` zeros of `dtype`.
    pub fn zeros(dtype: DType, n: usize) -> Result<CpuBuffer> {
        Ok(match dtype {
            DType::Bool => CpuBuffer::Bool(try_vec(n, 0)?),
            DType::I32 => CpuBuffer::I32(try_vec(n, 0)?),
            DType::I64 => CpuBuffer::I64(try_vec(n, 0)?),
            DType::F32 => CpuBuffer::F32(try_vec(n, 0.0)?),
            DType::F64 => CpuBuffer::F64(try_vec(n, 0.0)?),
        })
    }

    /// A buffer of `n` copies of `value` converted to `dtype`.
    pub fn full(dtype: DType, n: usize, value: f64) -> Result<CpuBuffer> {
        Ok(match dtype {
            DType::Bool => CpuBuffer::Bool(try_vec(n, u8::from_f64(value))?),
            DType::I32 => CpuBuffer::I32(try_vec(n, value as i32)?),
            DType::I64 => CpuBuffer::I64(try_vec(n, value as i64)?),
            DType::F32 => CpuBuffer::F32(try_vec(n, value as f32)?),
            DType::F64 => CpuBuffer::F64(try_vec(n, value)?),
        })
    }

    /// Raw bytes, for handing to numpy or a file.
    pub fn as_bytes(&self) -> &[u8] {
        fn bytes<T>(v: &[T]) -> &[u8] {
            // SAFETY: every element type here is plain old data with no padding.
            unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) }
        }
        match self {
            CpuBuffer::Bool(v) => bytes(v),
            CpuBuffer::I32(v) => bytes(v),
            CpuBuffer::I64(v) => bytes(v),
            CpuBuffer::F32(v) => bytes(v),
            CpuBuffer::F64(v) => bytes(v),
        }
    }
}

impl Storage {
    pub fn dtype(&self) -> DType {
        match self {
            Storage::Cpu(b) => b.dtype(),
            Storage::Gpu(b) => b.dtype(),
        }
    }
    pub fn device(&self) -> Device {
        match self {
            Storage::Cpu(_) => Device::Cpu,
            Storage::Gpu(_) => Device::Gpu,
        }
    }
    pub fn len(&self) -> usize {
        match self {
            Storage::Cpu(b) => b.len(),
            Storage::Gpu(b) => b.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Applies a generic expression to the typed vector inside a `CpuBuffer`:
/// `with_buffer!(buf, v => v.len())` binds `v: &Vec<T>` for whichever T the buffer holds.
#[macro_export]
macro_rules! with_buffer {
    ($buf:expr, $v:ident => $body:expr) => {
        match $buf {
            $crate::storage::CpuBuffer::Bool($v) => $body,
            $crate::storage::CpuBuffer::I32($v) => $body,
            $crate::storage::CpuBuffer::I64($v) => $body,
            $crate::storage::CpuBuffer::F32($v) => $body,
            $crate::storage::CpuBuffer::F64($v) => $body,
        }
    };
}

/// Like `with_buffer!` but only for float buffers; other dtypes evaluate `$else`.
#[macro_export]
macro_rules! with_float_buffer {
    ($buf:expr, $v:ident => $body:expr, else $other:expr) => {
        match $buf {
            $crate::storage::CpuBuffer::F32($v) => $body,
            $crate::storage::CpuBuffer::F64($v) => $body,
            _ => $other,
        }
    };
}
