//! Bindings of tensor creation: tensor/convert_to_tensor.

use lamina_core::ops;
use pyo3::prelude::*;

use crate::convert::{opt_dtype, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// `tensor(x, dtype=None)` / `convert_to_tensor(x, dtype=None)`: a Tensor from an array-like.
/// Tensors pass through unchanged (sharing storage); numpy arrays are copied.
#[pyfunction]
#[pyo3(signature = (x, dtype=None))]
fn convert_to_tensor(x: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let t = to_tensor(x)?;
    Ok(PyTensor::new(match opt_dtype(dtype)? {
        Some(d) => ops::cast(&t, d).py()?,
        None => t,
    }))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(convert_to_tensor, m)?)?;
    Ok(())
}
