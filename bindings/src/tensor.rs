//! `lamina.Tensor`: the Python face of an engine tensor. Operators are implemented here in
//! Rust so `a + b` costs one call into the engine.

use lamina_core::{ops, Tensor};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::PyTuple;

use crate::convert::{numpy_module, operands, parse_dtype, to_numpy};
use crate::errors::IntoPyResult;
use crate::ops as pyops;

#[pyclass(name = "Tensor", module = "lamina", subclass)]
pub struct PyTensor {
    pub inner: Tensor,
    /// Keras' `_keras_mask`: the timestep mask a masking layer attached to this output.
    #[pyo3(get, set, name = "_keras_mask")]
    keras_mask: Option<PyObject>,
}

impl PyTensor {
    pub fn new(inner: Tensor) -> PyTensor {
        PyTensor { inner, keras_mask: None }
    }
}

/// Runs a binary engine op on two Python operands, or returns NotImplemented when the other
/// operand is not something a tensor can be made from (so Python tries the reflected method).
fn binary(py: Python<'_>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>, f: fn(&Tensor, &Tensor) -> lamina_core::Result<Tensor>) -> PyResult<PyObject> {
    let (x, y) = match operands(a, b) {
        Ok(p) => p,
        Err(e) if e.is_instance_of::<PyTypeError>(py) => return Ok(py.NotImplemented()),
        Err(e) => return Err(e),
    };
    Ok(PyTensor::new(f(&x, &y).py()?).into_pyobject(py)?.into_any().unbind())
}

#[pymethods]
impl PyTensor {
    #[new]
    #[pyo3(signature = (value, dtype=None))]
    fn py_new(value: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let t = crate::convert::to_host_tensor(value)?;
        Ok(PyTensor::new(crate::device::placed(match crate::convert::opt_dtype(dtype)? {
            Some(d) => ops::cast(&t, d).py()?,
            None => t,
        })?))
    }

    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.shape())
    }

    #[getter]
    fn dtype(&self) -> &'static str {
        self.inner.dtype().name()
    }

    #[getter]
    fn ndim(&self) -> usize {
        self.inner.rank()
    }

    #[getter]
    fn size(&self) -> usize {
        self.inner.numel()
    }

    #[getter]
    fn device(&self) -> &'static str {
        self.inner.device().name()
    }

    /// This tensor on `device` ("cpu" or "gpu"): itself when already there, else a copy
    /// (differentiable: the gradient goes back to this tensor's device).
    fn to(&self, device: &str) -> PyResult<PyTensor> {
        let d = lamina_core::Device::parse(device).py()?;
        Ok(PyTensor::new(self.inner.to(d).py()?))
    }

    /// The values as a numpy array (a read-only view of the tensor's memory, no copy).
    fn numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_numpy(py, &self.inner)
    }

    #[pyo3(signature = (dtype=None, copy=None))]
    fn __array__<'py>(&self, py: Python<'py>, dtype: Option<&Bound<'py, PyAny>>, copy: Option<bool>) -> PyResult<Bound<'py, PyAny>> {
        let mut arr = to_numpy(py, &self.inner)?;
        if let Some(d) = dtype {
            if !d.is_none() {
                arr = arr.call_method1("astype", (d,))?;
            }
        }
        if copy == Some(true) {
            arr = arr.call_method0("copy")?;
        }
        Ok(arr)
    }

    /// Numpy defers binary operators with a Tensor to the Tensor's reflected methods.
    #[classattr]
    fn __array_ufunc__(py: Python<'_>) -> PyObject {
        py.None()
    }

    fn item(&self) -> PyResult<f64> {
        self.inner.item().py()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let arr = to_numpy(py, &self.inner)?;
        let body: String = numpy_module(py)?.call_method1("array_repr", (arr,))?.extract()?;
        let body = match body.strip_prefix("array(") {
            Some(rest) => format!("tensor({}", rest.replace("\n      ", "\n       ")),
            None => body,
        };
        // numpy omits the dtype for float64 and int64; always show it.
        if body.contains("dtype=") {
            Ok(body)
        } else {
            Ok(format!("{}, dtype={})", &body[..body.len() - 1], self.inner.dtype()))
        }
    }

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        Ok(slf.repr()?.to_string())
    }

    fn __len__(&self) -> PyResult<usize> {
        self.inner.shape().first().copied().ok_or_else(|| PyTypeError::new_err("len() of a 0-d tensor"))
    }

    fn __bool__(&self) -> PyResult<bool> {
        if self.inner.numel() != 1 {
            return Err(PyValueError::new_err(format!(
                "the truth value of a tensor with {} elements (shape {:?}) is ambiguous; use ops.any or ops.all",
                self.inner.numel(),
                self.inner.shape()
            )));
        }
        Ok(self.inner.item().py()? != 0.0)
    }

    fn __float__(&self) -> PyResult<f64> {
        self.inner.item().py()
    }

    fn __int__(&self) -> PyResult<i64> {
        Ok(self.inner.item().py()? as i64)
    }

    fn __index__(&self) -> PyResult<i64> {
        if self.inner.dtype().is_float() {
            return Err(PyTypeError::new_err("only integer tensors can be used as an index"));
        }
        self.__int__()
    }

    fn __hash__(slf: &Bound<'_, Self>) -> isize {
        slf.as_ptr() as isize
    }

    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
        Ok(PyTensor::new(pyops::index::getitem(&self.inner, key)?))
    }

    fn __add__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::add)
    }
    fn __radd__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::add)
    }
    fn __sub__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::subtract)
    }
    fn __rsub__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::subtract)
    }
    fn __mul__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::multiply)
    }
    fn __rmul__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::multiply)
    }
    fn __truediv__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::divide)
    }
    fn __rtruediv__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::divide)
    }
    fn __matmul__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, pyops::linalg::matmul_releasing_gil)
    }
    fn __rmatmul__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), pyops::linalg::matmul_releasing_gil)
    }
    fn __pow__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>, _modulo: Option<&Bound<'_, PyAny>>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, pyops::elementwise::power)
    }
    fn __rpow__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>, _modulo: Option<&Bound<'_, PyAny>>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), pyops::elementwise::power)
    }
    fn __neg__(&self) -> PyResult<PyTensor> {
        Ok(PyTensor::new(ops::negative(&self.inner).py()?))
    }
    fn __pos__(&self) -> PyTensor {
        PyTensor::new(self.inner.clone())
    }
    fn __abs__(&self) -> PyResult<PyTensor> {
        Ok(PyTensor::new(pyops::elementwise::absolute(&self.inner).py()?))
    }
    fn __richcmp__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, pyops::elementwise::comparison(op))
    }
    fn __floordiv__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::floor_divide)
    }
    fn __rfloordiv__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::floor_divide)
    }
    fn __mod__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::r#mod)
    }
    fn __rmod__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::r#mod)
    }
    fn __and__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::bitwise_and)
    }
    fn __rand__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::bitwise_and)
    }
    fn __or__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::bitwise_or)
    }
    fn __ror__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::bitwise_or)
    }
    fn __xor__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), slf.as_any(), o, ops::bitwise_xor)
    }
    fn __rxor__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        binary(slf.py(), o, slf.as_any(), ops::bitwise_xor)
    }
    fn __invert__(&self) -> PyResult<PyTensor> {
        Ok(PyTensor::new(ops::bitwise_invert(&self.inner).py()?))
    }

    /// `x.reshape(shape)` or `x.reshape(d0, d1, ...)`.
    #[pyo3(signature = (*shape))]
    fn reshape(&self, shape: &Bound<'_, PyTuple>) -> PyResult<PyTensor> {
        let spec = if shape.len() == 1 { shape.get_item(0)? } else { shape.clone().into_any() };
        let dims = crate::convert::parse_shape(&spec, "reshape")?;
        let resolved = ops::shape::infer_shape(&dims, self.inner.numel()).py()?;
        Ok(PyTensor::new(ops::reshape(&self.inner, &resolved).py()?))
    }

    #[getter]
    #[allow(non_snake_case)]
    fn T(&self) -> PyResult<PyTensor> {
        Ok(PyTensor::new(ops::transpose(&self.inner, None).py()?))
    }

    fn astype(&self, dtype: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
        Ok(PyTensor::new(ops::cast(&self.inner, parse_dtype(dtype)?).py()?))
    }

    /// Marks this tensor as a gradient source (used by GradientTape.watch).
    fn _watch(&mut self) {
        if self.inner.grad_ref().is_none() {
            self.inner = lamina_core::autograd::track_leaf(&self.inner);
        }
    }

    #[getter]
    fn _tracked(&self) -> bool {
        self.inner.grad_ref().is_some()
    }
}
