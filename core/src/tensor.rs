//! The tensor: shared storage + a layout (shape, strides, offset) + an optional link into the
//! autodiff graph. Cloning a tensor is cheap (an `Arc` and two small vectors).

use std::sync::Arc;

use crate::autograd::GradRef;
use crate::device::Device;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::layout::{checked_numel, Layout};
use crate::shape_err;
use crate::storage::{BufferElement, CpuBuffer, Storage};

#[derive(Clone)]
pub struct Tensor {
    storage: Arc<Storage>,
    layout: Layout,
    grad: Option<GradRef>,
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tensor(shape={:?}, dtype={}, device={})", self.shape(), self.dtype(), self.device())
    }
}

impl Tensor {
    /// Wraps a storage and layout; the layout must stay within the storage.
    pub fn from_parts(storage: Arc<Storage>, layout: Layout) -> Result<Tensor> {
        // Ops check the shapes they are given by name; this keeps every tensor addressable.
        checked_numel(layout.shape(), "view")?;
        // An empty view touches no element: its offset (which slicing or flipping may have
        // moved past the end of an empty storage) is reset so kernels can slice from it.
        let layout = if layout.numel() == 0 { layout.with_offset(0) } else { layout };
        let (lo, hi) = layout.span();
        if layout.numel() > 0 && (hi > storage.len() || lo > hi) {
            return Err(shape_err!(
                "a view of shape {:?} (offset {}, strides {:?}) does not fit in a storage of {} elements",
                layout.shape(),
                layout.offset(),
                layout.strides(),
                storage.len()
            ));
        }
        Ok(Tensor { storage, layout, grad: None })
    }

    /// A contiguous tensor owning `buffer`, which must hold exactly numel(shape) elements.
    pub fn from_buffer(buffer: CpuBuffer, shape: &[usize]) -> Result<Tensor> {
        let n = checked_numel(shape, "tensor")?;
        if buffer.len() != n {
            return Err(shape_err!("cannot make a tensor of shape {shape:?} ({n} elements) from {} values", buffer.len()));
        }
        Ok(Tensor { storage: Arc::new(Storage::Cpu(buffer)), layout: Layout::contiguous(shape), grad: None })
    }

    pub fn from_vec<T: BufferElement>(v: Vec<T>, shape: &[usize]) -> Result<Tensor> {
        Tensor::from_buffer(T::wrap(v), shape)
    }

    pub fn scalar<T: BufferElement>(v: T) -> Tensor {
        Tensor { storage: Arc::new(Storage::Cpu(T::wrap(vec![v]))), layout: Layout::contiguous(&[]), grad: None }
    }

    pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
        Tensor::from_buffer(CpuBuffer::zeros(dtype, checked_numel(shape, "zeros")?)?, shape)
    }

    pub fn full(shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> {
        Tensor::from_buffer(CpuBuffer::full(dtype, checked_numel(shape, "full")?, value)?, shape)
    }

    pub fn ones_like(t: &Tensor) -> Result<Tensor> {
        Tensor::full(t.shape(), 1.0, t.dtype())?.to(t.device())
    }

    pub fn zeros_like(t: &Tensor) -> Result<Tensor> {
        Tensor::zeros(t.shape(), t.dtype())?.to(t.device())
    }

    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }
    pub fn rank(&self) -> usize {
        self.layout.rank()
    }
    pub fn numel(&self) -> usize {
        self.layout.numel()
    }
    pub fn dtype(&self) -> DType {
        self.storage.dtype()
    }
    pub fn device(&self) -> Device {
        self.storage.device()
    }
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }
    pub fn is_contiguous(&self) -> bool {
        self.layout.is_contiguous()
    }

    /// The host buffer behind this tensor (the whole storage, not just this view). A gpu
    /// tensor reaching a kernel that only exists on the cpu is a `Device` error naming the op
    /// family (the caller's module).
    #[track_caller]
    pub fn cpu_buffer(&self) -> Result<&CpuBuffer> {
        match self.storage.as_ref() {
            Storage::Cpu(b) => Ok(b),
            Storage::Gpu(_) => Err(crate::wgpu::no_kernel(std::panic::Location::caller())),
        }
    }

    /// A contiguous tensor on `device` holding `buffer` (numel(shape) elements).
    pub fn from_storage(storage: Storage, shape: &[usize]) -> Result<Tensor> {
        let n = checked_numel(shape, "tensor")?;
        if storage.len() != n {
            return Err(shape_err!("cannot make a tensor of shape {shape:?} ({n} elements) from {} values", storage.len()));
        }
        Ok(Tensor { storage: Arc::new(storage), layout: Layout::contiguous(shape), grad: None })
    }

    /// This tensor on `device`: itself when already there, else a copy (recorded, so gradients
    /// flow back across the transfer).
    pub fn to(&self, device: Device) -> Result<Tensor> {
        if self.device() == device {
            return Ok(self.clone());
        }
        crate::wgpu::transfer::to_device(self, device)
    }

    /// Replaces storage and layout (in-place device updates that had to unshare first).
    pub(crate) fn set_storage(&mut self, storage: Arc<Storage>, layout: Layout) {
        self.storage = storage;
        self.layout = layout;
    }

    /// The elements of a contiguous host tensor as a typed slice.
    pub fn as_slice<T: BufferElement>(&self) -> Result<&[T]> {
        let buf = self.cpu_buffer()?;
        let data = T::slice(buf).ok_or_else(|| {
            Error::DType(format!("expected a {} tensor, got {}", T::DTYPE, self.dtype()))
        })?;
        let off = self.layout.contiguous_offset().ok_or_else(|| {
            Error::Value("as_slice needs a contiguous tensor; call contiguous() first".into())
        })?;
        Ok(&data[off..off + self.numel()])
    }

    /// The elements in C order as a new vector (any layout). Mostly for tests and I/O.
    pub fn to_vec<T: BufferElement>(&self) -> Result<Vec<T>> {
        if self.device().is_gpu() {
            return self.to(Device::Cpu)?.to_vec();
        }
        let c = self.contiguous()?;
        Ok(c.as_slice::<T>()?.to_vec())
    }

    /// A view sharing this tensor's storage with another layout. Not recorded: ops that
    /// expose views to users record their own backward.
    pub fn with_layout(&self, layout: Layout) -> Result<Tensor> {
        Tensor::from_parts(self.storage.clone(), layout)
    }

    /// This tensor if contiguous, else a contiguous copy (not recorded; see `with_layout`).
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            return Ok(self.detach());
        }
        if self.device().is_gpu() {
            return crate::wgpu::copy::contiguous(self);
        }
        crate::cpu::copy::contiguous_copy(self)
    }

    /// The same values, cut from the autodiff graph.
    pub fn detach(&self) -> Tensor {
        Tensor { storage: self.storage.clone(), layout: self.layout.clone(), grad: None }
    }

    pub fn grad_ref(&self) -> Option<&GradRef> {
        self.grad.as_ref()
    }

    pub(crate) fn set_grad_ref(&mut self, g: Option<GradRef>) {
        self.grad = g;
    }

    /// Mutable access to the storage for in-place updates: copies first when the storage is
    /// shared with any other tensor (copy-on-write), so no other tensor ever sees the write.
    pub fn storage_mut(&mut self) -> Result<&mut CpuBuffer> {
        if self.device().is_gpu() {
            return Err(Error::Device("in-place host access to a gpu tensor: move it to the cpu first".into()));
        }
        if !self.is_contiguous() || self.layout.offset() != 0 || self.storage.len() != self.numel() {
            let c = self.contiguous()?;
            self.storage = c.storage;
            self.layout = c.layout;
        }
        match Arc::make_mut(&mut self.storage) {
            Storage::Cpu(b) => Ok(b),
            Storage::Gpu(_) => Err(Error::Device("in-place host access to a gpu tensor: move it to the cpu first".into())),
        }
    }

    /// The single value of a one-element tensor, as f64.
    pub fn item(&self) -> Result<f64> {
        if self.numel() != 1 {
            return Err(Error::Value(format!(
                "only a tensor with one element can be converted to a scalar, got shape {:?}",
                self.shape()
            )));
        }
        if self.device().is_gpu() {
            return self.to(Device::Cpu)?.item();
        }
        let buf = self.cpu_buffer()?;
        let o = self.layout.offset();
        Ok(crate::with_buffer!(buf, v => crate::dtype::Element::to_f64(v[o])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_checked_and_empty_views_start_at_zero() {
        let t = Tensor::zeros(&[0, 2], DType::F32).unwrap();
        // A flip of the 2-long axis of an empty tensor moves the offset past the storage.
        let flipped = t.layout().slice_axis(1, 1, 2, -1);
        assert_eq!(flipped.offset(), 1);
        assert_eq!(t.with_layout(flipped).unwrap().layout().offset(), 0);
        // A view whose shape spans more than any array may address is refused.
        let huge = Layout::new(vec![1 << 40, 1 << 40], vec![0, 0], 0);
        assert!(matches!(t.with_layout(huge), Err(Error::Shape(_))));
        assert!(Tensor::zeros(&[0, 1 << 62], DType::F32).unwrap_err().to_string().starts_with("zeros:"));
    }
}
