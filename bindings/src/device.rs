//! Devices from Python: `Tensor.to`, the default device new tensors are placed on, and the
//! list of devices that exist.

use lamina_core::{default_device, wgpu, Device, Tensor};
use pyo3::prelude::*;

use crate::errors::IntoPyResult;

/// `t` on the default device when that is the gpu (host data entering the engine: numpy
/// arrays, creation ops, Variables); unchanged otherwise.
#[inline]
pub fn placed(t: Tensor) -> PyResult<Tensor> {
    match default_device() {
        Device::Cpu => Ok(t),
        d => t.to(d).py(),
    }
}

/// Names of the devices that exist: "cpu", and "gpu" when a GPU adapter was found.
#[pyfunction]
fn list_devices() -> Vec<&'static str> {
    if wgpu::is_available() {
        vec!["cpu", "gpu"]
    } else {
        vec!["cpu"]
    }
}

/// A description of the GPU adapter (name, backend, type); raises when there is none.
#[pyfunction]
fn gpu_adapter() -> PyResult<String> {
    wgpu::adapter_description().py()
}

/// Makes `device` ("cpu" or "gpu") the device new tensors are created on.
#[pyfunction]
fn set_default_device(device: &str) -> PyResult<()> {
    lamina_core::set_default_device(Device::parse(device).py()?).py()
}

/// The name of the device new tensors are created on.
#[pyfunction]
fn get_default_device() -> &'static str {
    default_device().name()
}

/// Waits until all work queued on the gpu has finished (for timing).
#[pyfunction]
fn synchronize() -> PyResult<()> {
    if wgpu::is_available() {
        wgpu::synchronize().py()?;
    }
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(list_devices, m)?)?;
    m.add_function(wrap_pyfunction!(gpu_adapter, m)?)?;
    m.add_function(wrap_pyfunction!(set_default_device, m)?)?;
    m.add_function(wrap_pyfunction!(get_default_device, m)?)?;
    m.add_function(wrap_pyfunction!(synchronize, m)?)?;
    Ok(())
}
