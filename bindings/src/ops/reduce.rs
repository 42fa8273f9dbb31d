//! Bindings of the reduction family.

use lamina_core::ops;
use pyo3::prelude::*;

use crate::convert::{parse_axes, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// `sum(x, axis=None, keepdims=False)`.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn sum(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    let axes = parse_axes(axis)?;
    Ok(PyTensor::new(ops::sum(&to_tensor(x)?, axes.as_deref(), keepdims).py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sum, m)?)?;
    Ok(())
}
