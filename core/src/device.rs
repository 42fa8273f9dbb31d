//! Devices a tensor can live on. Ops dispatch on the device of their inputs: the CPU kernels
//! in `cpu/`, the wgpu compute shaders in `wgpu/`.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Device {
    #[default]
    Cpu,
    /// The wgpu adapter (Vulkan, Metal or DX12), chosen with the high-performance preference.
    Gpu,
}

impl Device {
    pub fn name(self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
            Device::Gpu => "gpu",
        }
    }

    pub fn parse(name: &str) -> Result<Device> {
        match name.to_ascii_lowercase().as_str() {
            "cpu" | "cpu:0" | "/cpu:0" => Ok(Device::Cpu),
            "gpu" | "gpu:0" | "/gpu:0" | "cuda" | "cuda:0" => Ok(Device::Gpu),
            other => Err(Error::Device(format!("unknown device '{other}': known devices are cpu and gpu"))),
        }
    }

    pub fn is_gpu(self) -> bool {
        self == Device::Gpu
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where new tensors made from host data (numpy arrays, creation ops, Variables) are placed.
static DEFAULT_DEVICE: AtomicU8 = AtomicU8::new(0);

/// The device new tensors are created on (`cpu` unless changed).
pub fn default_device() -> Device {
    match DEFAULT_DEVICE.load(Ordering::Relaxed) {
        0 => Device::Cpu,
        _ => Device::Gpu,
    }
}

/// Sets the default device; choosing `gpu` checks first that an adapter exists.
pub fn set_default_device(d: Device) -> Result<()> {
    if d.is_gpu() {
        crate::wgpu::context::gpu()?;
    }
    DEFAULT_DEVICE.store(d as u8, Ordering::Relaxed);
    Ok(())
}
