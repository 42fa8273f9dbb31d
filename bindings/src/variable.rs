//! `lamina.Variable`: a named, mutable tensor. It is a Tensor (every op and operator takes it
//! directly) whose value can be replaced; a trainable Variable is a gradient source the tape
//! tracks automatically.

use lamina_core::autograd::{rebind_leaf, track_leaf};
use lamina_core::{ops, Tensor};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert::{opt_dtype, parse_static_shape, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

#[pyclass(name = "Variable", module = "lamina", extends = PyTensor, subclass, dict, weakref)]
pub struct PyVariable {
    #[pyo3(get, set)]
    name: String,
    #[pyo3(get)]
    trainable: bool,
}

fn checked_value(current: &Tensor, value: &Bound<'_, PyAny>, op: &str, name: &str) -> PyResult<Tensor> {
    let v = to_tensor(value)?;
    if v.shape() != current.shape() {
        return Err(PyValueError::new_err(format!(
            "{op}: variable '{name}' has shape {:?} but the value has shape {:?}",
            current.shape(),
            v.shape()
        )));
    }
    ops::cast(&v.detach(), current.dtype()).and_then(|c| c.to(current.device())).py()
}

impl PyVariable {
    fn set_value(slf: &Bound<'_, Self>, value: Tensor) {
        let mut base = slf.as_super().borrow_mut();
        let v = if base.inner.grad_ref().is_some() { rebind_leaf(&value, &base.inner) } else { value.detach() };
        base.inner = v;
    }

    /// In-place access for fused optimizer updates.
    pub fn tensor_mut<'a>(base: &'a mut PyTensor) -> &'a mut Tensor {
        &mut base.inner
    }
}

#[pymethods]
impl PyVariable {
    /// `Variable(initializer, shape=None, dtype=None, trainable=True, name=None)`: the
    /// initializer is a value (array, tensor, number) or a callable `initializer(shape, dtype)`.
    #[new]
    #[pyo3(signature = (initializer, shape=None, dtype=None, trainable=true, name=None))]
    fn py_new(
        py: Python<'_>,
        initializer: &Bound<'_, PyAny>,
        shape: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        trainable: bool,
        name: Option<String>,
    ) -> PyResult<(Self, PyTensor)> {
        let dt = opt_dtype(dtype)?;
        let value = if initializer.is_callable() && initializer.downcast::<PyTensor>().is_err() {
            let shape = shape.ok_or_else(|| PyValueError::new_err("Variable: a callable initializer needs `shape`"))?;
            let dims = parse_static_shape(shape, "Variable")?;
            let dname = dt.map(|d| d.name()).unwrap_or("float32");
            let v = initializer.call1((PyTuple::new(py, &dims)?, dname))?;
            to_tensor(&v)?
        } else {
            let v = to_tensor(initializer)?;
            if let Some(s) = shape {
                if !s.is_none() && parse_static_shape(s, "Variable")? != v.shape() {
                    return Err(PyValueError::new_err(format!(
                        "Variable: initial value has shape {:?}, not the requested {}",
                        v.shape(),
                        s.repr()?
                    )));
                }
            }
            v
        };
        let value = match dt {
            Some(d) => ops::cast(&value, d).py()?,
            None => value,
        };
        // A variable lives on the default device and owns its memory, contiguous, so
        // optimizers can update it in place.
        // Integer scalars (step counters) stay on the host, where Python reads them every step.
        let value = if value.rank() == 0 && !value.dtype().is_float() { value } else { crate::device::placed(value.contiguous().py()?)? };
        let value = if value.is_contiguous() && value.layout().offset() == 0 && value.storage().len() == value.numel() {
            value
        } else if value.device().is_gpu() {
            lamina_core::wgpu::copy::owned(&value).py()?
        } else {
            lamina_core::cpu::copy::contiguous_copy(&value).py()?
        };
        let inner = if trainable && value.dtype().is_float() { track_leaf(&value) } else { value };
        Ok((PyVariable { name: name.unwrap_or_else(|| "variable".to_string()), trainable }, PyTensor::new(inner)))
    }

    /// The current value as a plain tensor (a snapshot: later assigns do not change it).
    #[getter]
    fn value(slf: &Bound<'_, Self>) -> PyTensor {
        PyTensor::new(slf.as_super().borrow().inner.clone())
    }

    fn assign(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<Py<Self>> {
        let v = {
            let base = slf.as_super().borrow();
            checked_value(&base.inner, value, "assign", &slf.borrow().name)?
        };
        Self::set_value(slf, v);
        Ok(slf.clone().unbind())
    }

    fn assign_add(slf: &Bound<'_, Self>, delta: &Bound<'_, PyAny>) -> PyResult<Py<Self>> {
        let v = {
            let base = slf.as_super().borrow();
            let d = checked_value(&base.inner, delta, "assign_add", &slf.borrow().name)?;
            ops::add(&base.inner.detach(), &d).py()?
        };
        Self::set_value(slf, v);
        Ok(slf.clone().unbind())
    }

    fn assign_sub(slf: &Bound<'_, Self>, delta: &Bound<'_, PyAny>) -> PyResult<Py<Self>> {
        let v = {
            let base = slf.as_super().borrow();
            let d = checked_value(&base.inner, delta, "assign_sub", &slf.borrow().name)?;
            ops::subtract(&base.inner.detach(), &d).py()?
        };
        Self::set_value(slf, v);
        Ok(slf.clone().unbind())
    }

    #[setter]
    fn set_trainable(slf: &Bound<'_, Self>, trainable: bool) {
        slf.borrow_mut().trainable = trainable;
        let mut base = slf.as_super().borrow_mut();
        base.inner = if trainable && base.inner.dtype().is_float() {
            if base.inner.grad_ref().is_some() { base.inner.clone() } else { track_leaf(&base.inner) }
        } else {
            base.inner.detach()
        };
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let base = slf.as_super().borrow();
        let arr = crate::convert::to_numpy(slf.py(), &base.inner)?;
        let body: String = crate::convert::numpy_module(slf.py())?.call_method1("array_repr", (arr,))?.extract()?;
        Ok(format!(
            "<Variable name={} shape={:?} dtype={} value={}>",
            slf.borrow().name,
            base.inner.shape(),
            base.inner.dtype(),
            body
        ))
    }
}
