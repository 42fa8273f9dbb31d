//! Bindings of indexing: `Tensor.__getitem__`, take/gather.

use lamina_core::Tensor;
use pyo3::exceptions::PyNotImplementedError;
use pyo3::prelude::*;

// TODO(shape/index helper): basic and advanced indexing.
pub fn getitem(_x: &Tensor, _key: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    Err(PyNotImplementedError::new_err("indexing is not implemented yet"))
}

pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
