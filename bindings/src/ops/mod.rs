//! Python bindings of the engine's ops, one file per op family (mirroring core/src/ops).
//! Each file converts arguments, calls the engine, and registers its functions.

use pyo3::prelude::*;

pub mod conv;
pub mod creation;
pub mod elementwise;
pub mod index;
pub mod linalg;
pub mod nn;
pub mod random;
pub mod recurrent;
pub mod reduce;
pub mod shape;

/// Declares `#[pyfunction]`s of one tensor argument that call an engine op.
#[macro_export]
macro_rules! unary_pyfunctions {
    ($($name:ident => $f:expr),* $(,)?) => {
        $(
            #[pyo3::pyfunction]
            pub fn $name(x: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<$crate::tensor::PyTensor> {
                use $crate::errors::IntoPyResult;
                Ok($crate::tensor::PyTensor::new(($f)(&$crate::convert::to_tensor(x)?).py()?))
            }
        )*
    };
}

/// Declares `#[pyfunction]`s of two broadcasting operands (`x1`, `x2`) that call an engine op.
#[macro_export]
macro_rules! binary_pyfunctions {
    ($($name:ident => $f:expr),* $(,)?) => {
        $(
            #[pyo3::pyfunction]
            pub fn $name(x1: &pyo3::Bound<'_, pyo3::PyAny>, x2: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<$crate::tensor::PyTensor> {
                use $crate::errors::IntoPyResult;
                let (a, b) = $crate::convert::operands(x1, x2)?;
                Ok($crate::tensor::PyTensor::new(($f)(&a, &b).py()?))
            }
        )*
    };
}

/// Registers every op family's functions on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    conv::register(m)?;
    creation::register(m)?;
    elementwise::register(m)?;
    index::register(m)?;
    linalg::register(m)?;
    nn::register(m)?;
    random::register(m)?;
    recurrent::register(m)?;
    reduce::register(m)?;
    shape::register(m)?;
    Ok(())
}
