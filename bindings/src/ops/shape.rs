//! Bindings of the shape family.

use lamina_core::ops;
use pyo3::prelude::*;

use crate::convert::{parse_axes, parse_shape, parse_static_shape, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// `reshape(x, newshape)`; one entry may be -1.
#[pyfunction]
fn reshape(x: &Bound<'_, PyAny>, newshape: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let t = to_tensor(x)?;
    let shape = ops::shape::infer_shape(&parse_shape(newshape)?, t.numel()).py()?;
    Ok(PyTensor::new(ops::reshape(&t, &shape).py()?))
}

/// `transpose(x, axes=None)`.
#[pyfunction]
#[pyo3(signature = (x, axes=None))]
fn transpose(x: &Bound<'_, PyAny>, axes: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let axes = parse_axes(axes)?;
    Ok(PyTensor::new(ops::transpose(&to_tensor(x)?, axes.as_deref()).py()?))
}

/// `expand_dims(x, axis)`.
#[pyfunction]
fn expand_dims(x: &Bound<'_, PyAny>, axis: isize) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::expand_dims(&to_tensor(x)?, axis).py()?))
}

/// `squeeze(x, axis=None)`.
#[pyfunction]
#[pyo3(signature = (x, axis=None))]
fn squeeze(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let axes = parse_axes(axis)?;
    Ok(PyTensor::new(ops::squeeze(&to_tensor(x)?, axes.as_deref()).py()?))
}

/// `broadcast_to(x, shape)`.
#[pyfunction]
fn broadcast_to(x: &Bound<'_, PyAny>, shape: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::broadcast_to(&to_tensor(x)?, &parse_static_shape(shape)?).py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(reshape, m)?)?;
    m.add_function(wrap_pyfunction!(transpose, m)?)?;
    m.add_function(wrap_pyfunction!(expand_dims, m)?)?;
    m.add_function(wrap_pyfunction!(squeeze, m)?)?;
    m.add_function(wrap_pyfunction!(broadcast_to, m)?)?;
    Ok(())
}
