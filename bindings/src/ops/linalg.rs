//! Bindings of the linear algebra family.

use lamina_core::ops;
use pyo3::prelude::*;

use crate::binary_pyfunctions;

binary_pyfunctions! {
    matmul => ops::matmul,
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(matmul, m)?)?;
    Ok(())
}
