//! Device buffers and the pool that recycles them.
//!
//! Every element type is stored in 32-bit words: float32 and int32 as themselves, bool as a
//! u32 0/1, int64 as two words (low, high). float64 has no portable WGSL form and is refused.
//!
//! A freed buffer goes back to the pool under its size class and is handed out again for the
//! next tensor of that class. Reuse for kernel outputs is immediate (launches run in recording
//! order), but a buffer freed while the current batch is still being recorded may be read by a
//! launch of that batch, so it only becomes a target for uploads (`queue.write_buffer`, which
//! runs before the whole batch) once the batch has been submitted.

use std::collections::HashMap;

use crate::dtype::DType;
use crate::error::{Error, Result};

use super::context::{gpu, gpu_if_created};

/// Buffers kept for reuse at most (bytes); above this, freed buffers are released.
const POOL_MAX_BYTES: u64 = 1 << 30;
/// The smallest buffer allocated (bindings must not be empty).
const MIN_BYTES: u64 = 256;

/// Bytes per element on the GPU, or the error for a dtype the backend does not store.
pub(crate) fn elem_bytes(dtype: DType, op: &str) -> Result<u64> {
    match dtype {
        DType::Bool | DType::I32 | DType::F32 => Ok(4),
        DType::I64 => Ok(8),
        DType::F64 => Err(Error::DType(format!(
            "{op}: float64 is not supported on the gpu device (WGSL has no portable 64-bit float arithmetic); \
             cast to float32 first, or keep float64 tensors on the cpu"
        ))),
    }
}

/// The size class a request of `bytes` is served from: four classes per power of two, so a
/// buffer is at most 25% larger than asked.
fn size_class(bytes: u64) -> u64 {
    let b = bytes.max(MIN_BYTES);
    let p = 63 - (b - 1).leading_zeros() as u64; // 2^p < b <= 2^(p+1) for b > 1
    let step = (1u64 << p) / 4;
    b.div_ceil(step) * step
}

#[derive(Default)]
pub(crate) struct Pool {
    /// Free buffers safe for any use, by size class.
    ready: HashMap<u64, Vec<::wgpu::Buffer>>,
    /// Free buffers that a launch of the batch being recorded may still read.
    recent: Vec<(u64, ::wgpu::Buffer)>,
    pooled_bytes: u64,
}

impl Pool {
    fn take(&mut self, class: u64, for_upload: bool) -> Option<::wgpu::Buffer> {
        if let Some(b) = self.ready.get_mut(&class).and_then(|v| v.pop()) {
            self.pooled_bytes -= class;
            return Some(b);
        }
        if !for_upload {
            if let Some(i) = self.recent.iter().rposition(|(c, _)| *c == class) {
                self.pooled_bytes -= class;
                return Some(self.recent.swap_remove(i).1);
            }
        }
        None
    }

    fn give(&mut self, class: u64, b: ::wgpu::Buffer) {
        if self.pooled_bytes + class > POOL_MAX_BYTES {
            return; // dropped: wgpu frees it once no submitted work uses it
        }
        self.pooled_bytes += class;
        self.recent.push((class, b));
    }

    pub(crate) fn batch_submitted(&mut self) {
        for (c, b) in self.recent.drain(..) {
            self.ready.entry(c).or_default().push(b);
        }
    }
}

/// A tensor's elements in device memory. Kept as small as a host buffer (the wgpu handle is
/// boxed) so `Storage` does not grow for cpu tensors.
pub struct GpuBuffer {
    /// The device buffer and its size class; None only during drop.
    raw: Option<Box<(::wgpu::Buffer, u64)>>,
    len: usize,
    dtype: DType,
}

impl std::fmt::Debug for GpuBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GpuBuffer({} x {})", self.len, self.dtype)
    }
}

impl GpuBuffer {
    /// An uninitialised buffer for `len` elements of `dtype`. `for_upload` buffers are never
    /// one a pending launch may still read.
    pub(crate) fn alloc(dtype: DType, len: usize, for_upload: bool, op: &str) -> Result<GpuBuffer> {
        let g = gpu()?;
        let bytes = elem_bytes(dtype, op)?
            .checked_mul(len as u64)
            .ok_or_else(|| Error::OutOfMemory(format!("{op}: {len} elements do not fit in a gpu buffer")))?;
        let class = size_class(bytes);
        let max = g.limits.max_storage_buffer_binding_size.min(g.limits.max_buffer_size);
        if class > max {
            return Err(Error::OutOfMemory(format!(
                "{op}: a gpu tensor of {len} {dtype} elements ({bytes} bytes) exceeds the adapter's largest storage buffer ({max} bytes)"
            )));
        }
        let pooled = g.pool.lock().ok().and_then(|mut p| p.take(class, for_upload));
        let raw = match pooled {
            Some(b) => b,
            None => g.device.create_buffer(&::wgpu::BufferDescriptor {
                label: None,
                size: class,
                usage: ::wgpu::BufferUsages::STORAGE | ::wgpu::BufferUsages::COPY_SRC | ::wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        };
        Ok(GpuBuffer { raw: Some(Box::new((raw, class))), dtype, len })
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn raw(&self) -> &::wgpu::Buffer {
        // `raw` is Some from construction until drop.
        &self.raw.as_ref().unwrap_or_else(|| unreachable!("a gpu buffer is used after drop")).0
    }

    /// 32-bit words per element.
    pub(crate) fn words(&self) -> usize {
        if self.dtype == DType::I64 {
            2
        } else {
            1
        }
    }
}

impl Clone for GpuBuffer {
    /// A copy in new device memory (what copy-on-write needs). The copy is recorded in the
    /// current batch, so it sees every earlier write.
    fn clone(&self) -> GpuBuffer {
        let g = gpu_if_created().unwrap_or_else(|| unreachable!("a gpu buffer exists without a gpu context"));
        let out = GpuBuffer::alloc(self.dtype, self.len, false, "copy")
            .unwrap_or_else(|e| panic!("gpu: could not allocate a copy of a buffer: {e}"));
        let bytes = self.len as u64 * self.words() as u64 * 4;
        if let Err(e) = g.copy(self.raw(), 0, out.raw(), 0, bytes) {
            panic!("gpu: could not copy a buffer: {e}");
        }
        out
    }
}

impl Drop for GpuBuffer {
    fn drop(&mut self) {
        if let (Some(b), Some(g)) = (self.raw.take(), gpu_if_created()) {
            let (raw, class) = *b;
            if let Ok(mut p) = g.pool.lock() {
                p.give(class, raw);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::size_class;

    #[test]
    fn storage_does_not_grow_for_the_gpu_variant() {
        assert!(std::mem::size_of::<crate::storage::Storage>() <= 32, "{}", std::mem::size_of::<crate::storage::Storage>());
    }

    #[test]
    fn size_classes_round_up_by_at_most_a_quarter() {
        assert_eq!(size_class(1), 256);
        assert_eq!(size_class(256), 256);
        assert_eq!(size_class(257), 320);
        assert_eq!(size_class(1000), 1024);
        assert_eq!(size_class(1025), 1280);
        for b in [300u64, 5000, 123_457, 1 << 20, (1 << 20) + 1] {
            let c = size_class(b);
            assert!(c >= b && c <= b + b / 4 + 64, "{b} -> {c}");
        }
    }
}
