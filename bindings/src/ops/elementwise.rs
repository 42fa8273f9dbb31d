//! Bindings of the elementwise family.

use lamina_core::{ops, Error, Result, Tensor};
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;

use crate::convert::{parse_dtype, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;
use crate::{binary_pyfunctions, unary_pyfunctions};

// TODO(elementwise helper): replace with the engine's power/absolute/comparisons.
pub fn power(_a: &Tensor, _b: &Tensor) -> Result<Tensor> {
    Err(Error::Value("power is not implemented yet".into()))
}
pub fn absolute(_x: &Tensor) -> Result<Tensor> {
    Err(Error::Value("abs is not implemented yet".into()))
}
pub fn comparison(_op: CompareOp) -> fn(&Tensor, &Tensor) -> Result<Tensor> {
    |_, _| Err(Error::Value("comparisons are not implemented yet".into()))
}

binary_pyfunctions! {
    add => ops::add,
    subtract => ops::subtract,
    multiply => ops::multiply,
    divide => ops::divide,
}

unary_pyfunctions! {
    negative => ops::negative,
    exp => ops::exp,
    log => ops::log,
}

/// `cast(x, dtype)`.
#[pyfunction]
fn cast(x: &Bound<'_, PyAny>, dtype: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::cast(&to_tensor(x)?, parse_dtype(dtype)?).py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(subtract, m)?)?;
    m.add_function(wrap_pyfunction!(multiply, m)?)?;
    m.add_function(wrap_pyfunction!(divide, m)?)?;
    m.add_function(wrap_pyfunction!(negative, m)?)?;
    m.add_function(wrap_pyfunction!(exp, m)?)?;
    m.add_function(wrap_pyfunction!(log, m)?)?;
    m.add_function(wrap_pyfunction!(cast, m)?)?;
    Ok(())
}
