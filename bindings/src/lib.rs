//! `lamina._core`: the PyO3 bindings of lamina-core. Conversion only: Python objects to
//! engine types and back, engine errors to Python exceptions.

use pyo3::prelude::*;

mod autograd;
mod convert;
mod device;
mod errors;
mod ops;
mod optim;
mod quant;
mod tensor;
mod variable;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<tensor::PyTensor>()?;
    m.add_class::<variable::PyVariable>()?;
    autograd::register(m)?;
    ops::register(m)?;
    optim::register(m)?;
    quant::register(m)?;
    device::register(m)?;
    Ok(())
}
