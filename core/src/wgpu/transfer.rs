//! Moving tensors between host and device memory: `Tensor::to`.

use crate::autograd::{needs_grad, record1};
use crate::device::Device;
use crate::dtype::DType;
use crate::error::Result;
use crate::storage::{CpuBuffer, Storage};
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::gpu;
use super::{buf, wrap};

/// A host tensor's elements in a new device buffer.
fn upload(t: &Tensor) -> Result<Tensor> {
    let c = t.contiguous()?;
    let n = c.numel();
    let out = GpuBuffer::alloc(c.dtype(), n, true, "to(gpu)")?;
    let off = c.layout().offset();
    let buffer = c.cpu_buffer()?;
    let words: Vec<u32>;
    let bytes: &[u8] = match buffer {
        CpuBuffer::F32(v) => bytemuck::cast_slice(&v[off..off + n]),
        CpuBuffer::I32(v) => bytemuck::cast_slice(&v[off..off + n]),
        CpuBuffer::I64(v) => bytemuck::cast_slice(&v[off..off + n]),
        CpuBuffer::Bool(v) => {
            words = v[off..off + n].iter().map(|&b| b as u32).collect();
            bytemuck::cast_slice(&words)
        }
        CpuBuffer::F64(_) => unreachable!("GpuBuffer::alloc refuses float64"),
    };
    if !bytes.is_empty() {
        gpu()?.queue.write_buffer(out.raw(), 0, bytes);
    }
    wrap(out, c.shape())
}

/// A device tensor's elements read back into a new host tensor.
fn download(t: &Tensor) -> Result<Tensor> {
    let c = t.contiguous()?;
    let b = buf(&c)?;
    let n = c.numel();
    let word_bytes = 4 * b.words() as u64;
    let raw = gpu()?.read(b.raw(), c.layout().offset() as u64 * word_bytes, n as u64 * word_bytes)?;
    let host = match c.dtype() {
        DType::F32 => CpuBuffer::F32(bytemuck::pod_collect_to_vec(&raw)),
        DType::I32 => CpuBuffer::I32(bytemuck::pod_collect_to_vec(&raw)),
        DType::I64 => CpuBuffer::I64(bytemuck::pod_collect_to_vec(&raw)),
        DType::Bool => CpuBuffer::Bool(bytemuck::pod_collect_to_vec::<u8, u32>(&raw).into_iter().map(|w| (w != 0) as u8).collect()),
        DType::F64 => unreachable!("float64 never lives on the gpu"),
    };
    Tensor::from_storage(Storage::Cpu(host), c.shape())
}

/// `t` copied to `device` (the caller handles same-device). Recorded: the gradient goes back
/// to the source device.
pub fn to_device(t: &Tensor, device: Device) -> Result<Tensor> {
    let out = match device {
        Device::Gpu => upload(t)?,
        Device::Cpu => download(t)?,
    };
    if !needs_grad(&[t]) {
        return Ok(out);
    }
    let src = t.device();
    Ok(record1("to", &[t], out, move |g, _| Ok(vec![Some(g.to(src)?)])))
}
