//! Bindings of the neural-network family (softmax, losses, normalization).

use pyo3::prelude::*;

pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
