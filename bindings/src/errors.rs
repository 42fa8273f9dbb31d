//! Engine errors to Python exceptions.

use lamina_core::Error;
use pyo3::exceptions::{PyIndexError, PyMemoryError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::PyErr;

pub fn to_py(e: Error) -> PyErr {
    match e {
        Error::Shape(m) | Error::Value(m) => PyValueError::new_err(m),
        Error::DType(m) => PyTypeError::new_err(m),
        Error::Axis(m) | Error::Index(m) => PyIndexError::new_err(m),
        Error::OutOfMemory(m) => PyMemoryError::new_err(m),
        Error::Device(m) | Error::Autodiff(m) => PyRuntimeError::new_err(m),
    }
}

/// `result.map_err(to_py)` as a method: `engine_call().py()?`.
pub trait IntoPyResult<T> {
    fn py(self) -> pyo3::PyResult<T>;
}

impl<T> IntoPyResult<T> for lamina_core::Result<T> {
    #[inline]
    fn py(self) -> pyo3::PyResult<T> {
        self.map_err(to_py)
    }
}
