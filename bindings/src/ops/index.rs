//! Bindings of indexing: `Tensor.__getitem__`, slice / slice_update, take / gather,
//! take_along_axis, scatter / scatter_update, one_hot.

use lamina_core::ops::index::IndexItem;
use lamina_core::{ops, DType, Tensor};
use numpy::{PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyEllipsis, PyFloat, PyInt, PyList, PySlice, PyTuple};

use crate::convert::{opt_dtype, parse_shape, parse_static_shape, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

fn invalid_index(obj: &Bound<'_, PyAny>) -> PyErr {
    let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    PyIndexError::new_err(format!(
        "only integers, slices (`:`), ellipsis (`...`), None (`newaxis`) and integer or boolean arrays are valid indices, got {ty}"
    ))
}

/// An index array: integer and boolean tensors pass; a 0-d integer one is a plain integer.
fn array_item(t: Tensor, obj: &Bound<'_, PyAny>) -> PyResult<IndexItem> {
    match t.dtype() {
        DType::F32 | DType::F64 => Err(invalid_index(obj)),
        DType::I32 | DType::I64 if t.rank() == 0 => Ok(IndexItem::Int(t.item().py()? as i64)),
        _ => Ok(IndexItem::Array(t)),
    }
}

fn parse_item(obj: &Bound<'_, PyAny>) -> PyResult<IndexItem> {
    if obj.is_none() {
        return Ok(IndexItem::NewAxis);
    }
    if obj.downcast::<PyEllipsis>().is_ok() {
        return Ok(IndexItem::Ellipsis);
    }
    if let Ok(s) = obj.downcast::<PySlice>() {
        // PySlice_Unpack resolves None to +-PY_SSIZE_T_MAX / 0 / 1 and calls __index__ on
        // the bounds; the engine clamps the extreme values against the axis like Python.
        let (mut start, mut stop, mut step): (pyo3::ffi::Py_ssize_t, pyo3::ffi::Py_ssize_t, pyo3::ffi::Py_ssize_t) = (0, 0, 0);
        // SAFETY: `s` is a live slice object and the out-pointers are valid locals.
        if unsafe { pyo3::ffi::PySlice_Unpack(s.as_ptr(), &mut start, &mut stop, &mut step) } < 0 {
            let err = PyErr::fetch(obj.py());
            return Err(if err.is_instance_of::<PyValueError>(obj.py()) { err } else { PyIndexError::new_err("slice indices must be integers or None") });
        }
        return Ok(IndexItem::Slice { start: Some(start as i64), stop: Some(stop as i64), step: Some(step as i64) });
    }
    if obj.downcast::<PyBool>().is_ok() {
        return Err(PyIndexError::new_err("boolean scalar indices (x[True]) are not supported"));
    }
    if obj.downcast::<PyInt>().is_ok() {
        return Ok(IndexItem::Int(obj.extract::<i64>()?));
    }
    if obj.downcast::<PyFloat>().is_ok() {
        return Err(invalid_index(obj));
    }
    if let Ok(t) = obj.downcast::<PyTensor>() {
        let t = t.borrow().inner.detach();
        return array_item(t, obj);
    }
    if let Ok(a) = obj.downcast::<PyUntypedArray>() {
        let kind: String = a.dtype().getattr("kind")?.extract()?;
        if !matches!(kind.as_str(), "i" | "u" | "b") {
            return Err(invalid_index(obj));
        }
        return array_item(to_tensor(obj)?, obj);
    }
    if obj.downcast::<PyList>().is_ok() {
        let t = to_tensor(obj).map_err(|_| invalid_index(obj))?;
        // numpy reads an empty list as an empty integer array.
        let t = if t.numel() == 0 { ops::cast(&t, DType::I64).py()? } else { t };
        return array_item(t, obj);
    }
    // numpy integer scalars and other objects with __index__.
    if obj.hasattr("__index__")? {
        return Ok(IndexItem::Int(obj.extract::<i64>()?));
    }
    Err(invalid_index(obj))
}

/// `x[key]`: numpy basic and advanced indexing (see lamina_core::ops::getitem).
pub fn getitem(x: &Tensor, key: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    let items: Vec<IndexItem> = match key.downcast::<PyTuple>() {
        Ok(t) => t.iter().map(|k| parse_item(&k)).collect::<PyResult<_>>()?,
        Err(_) => vec![parse_item(key)?],
    };
    ops::getitem(x, &items).py()
}

/// Returns a slice of a tensor: the block of `shape` whose first element is at
/// `start_indices` (a view sharing storage).
///
/// Args:
///     inputs: the tensor to slice.
///     start_indices: the starting index on each axis.
///     shape: the size of the block on each axis (-1: to the end of the axis).
///
/// Returns:
///     A tensor of shape `shape`.
#[pyfunction]
#[pyo3(name = "slice")]
fn slice_op(inputs: &Bound<'_, PyAny>, start_indices: &Bound<'_, PyAny>, shape: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let x = to_tensor(inputs)?;
    Ok(PyTensor::new(ops::slice(&x, &parse_shape(start_indices, "slice")?, &parse_shape(shape, "slice")?).py()?))
}

/// Updates a block of a tensor: a copy of `inputs` with the block at `start_indices`
/// replaced by `updates`.
///
/// Args:
///     inputs: the tensor to update.
///     start_indices: the starting index on each axis.
///     updates: the new values (same rank as `inputs`, cast to its dtype).
///
/// Returns:
///     A tensor like `inputs`.
#[pyfunction]
fn slice_update(inputs: &Bound<'_, PyAny>, start_indices: &Bound<'_, PyAny>, updates: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let x = to_tensor(inputs)?;
    Ok(PyTensor::new(ops::slice_update(&x, &parse_shape(start_indices, "slice_update")?, &to_tensor(updates)?).py()?))
}

/// Takes elements from a tensor along an axis.
///
/// Args:
///     x: the source tensor.
///     indices: integer positions (any shape; negative values count from the end).
///     axis: the axis to take along; None takes from the flattened tensor.
///
/// Returns:
///     A tensor of shape `x.shape[:axis] + indices.shape + x.shape[axis + 1:]`.
///
/// Raises:
///     IndexError: when an index is out of range.
#[pyfunction]
#[pyo3(signature = (x, indices, axis=None))]
fn take(x: &Bound<'_, PyAny>, indices: &Bound<'_, PyAny>, axis: Option<isize>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::take(&to_tensor(x)?, &to_tensor(indices)?, axis).py()?))
}

/// Takes values from a tensor at per-position indices along an axis:
/// `out[..., j, ...] = x[..., indices[..., j, ...], ...]`.
///
/// Args:
///     x: the source tensor.
///     indices: integer tensor of the rank of `x`; its other axes broadcast with those of `x`.
///     axis: the axis to take along; None flattens both `x` and `indices`.
///
/// Returns:
///     A tensor of the broadcast shape of `x` and `indices`.
#[pyfunction]
#[pyo3(signature = (x, indices, axis=None))]
fn take_along_axis(x: &Bound<'_, PyAny>, indices: &Bound<'_, PyAny>, axis: Option<isize>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::take_along_axis(&to_tensor(x)?, &to_tensor(indices)?, axis).py()?))
}

/// Returns a tensor of shape `shape` where `indices` are set to `values` (values at
/// repeated indices are summed) and every other entry is 0.
///
/// Args:
///     indices: integer tensor of shape (..., k): positions along the first k axes.
///     values: the values to place, of shape `indices.shape[:-1] + shape[k:]`.
///     shape: the shape of the result.
///
/// Returns:
///     A tensor of shape `shape` and the dtype of `values`.
#[pyfunction]
fn scatter(indices: &Bound<'_, PyAny>, values: &Bound<'_, PyAny>, shape: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::scatter(&to_tensor(indices)?, &to_tensor(values)?, &parse_static_shape(shape, "scatter")?).py()?))
}

/// Updates a tensor at the given indices: a copy of `inputs` with the entries at `indices`
/// replaced by `updates`.
///
/// Args:
///     inputs: the tensor to update.
///     indices: integer tensor of shape (..., k): positions along the first k axes.
///     updates: the new values, of shape `indices.shape[:-1] + inputs.shape[k:]`.
///
/// Returns:
///     A tensor like `inputs`.
#[pyfunction]
fn scatter_update(inputs: &Bound<'_, PyAny>, indices: &Bound<'_, PyAny>, updates: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::scatter_update(&to_tensor(inputs)?, &to_tensor(indices)?, &to_tensor(updates)?).py()?))
}

/// Converts integer class ids to one-hot vectors.
///
/// Args:
///     x: integer tensor of class ids.
///     num_classes: the number of classes (size of the new axis).
///     axis: where the new axis goes (default: last).
///     dtype: the result dtype (default float32).
///     sparse: must be False (sparse tensors are not supported).
///
/// Returns:
///     A tensor with a new axis of size `num_classes`: 1 at each class id, 0 elsewhere (ids
///     outside [0, num_classes) give all zeros).
#[pyfunction]
#[pyo3(signature = (x, num_classes, axis=-1, dtype=None, sparse=false), text_signature = "(x, num_classes, axis=-1, dtype=None, sparse=False)")]
fn one_hot(x: &Bound<'_, PyAny>, num_classes: usize, axis: isize, dtype: Option<&Bound<'_, PyAny>>, sparse: bool) -> PyResult<PyTensor> {
    if sparse {
        return Err(PyValueError::new_err("one_hot: sparse=True is not supported"));
    }
    Ok(PyTensor::new(ops::one_hot(&to_tensor(x)?, num_classes, axis, opt_dtype(dtype)?).py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(slice_op, m)?)?;
    m.add_function(wrap_pyfunction!(slice_update, m)?)?;
    m.add_function(wrap_pyfunction!(take, m)?)?;
    m.add_function(wrap_pyfunction!(take_along_axis, m)?)?;
    m.add_function(wrap_pyfunction!(scatter, m)?)?;
    m.add_function(wrap_pyfunction!(scatter_update, m)?)?;
    m.add_function(wrap_pyfunction!(one_hot, m)?)?;
    Ok(())
}
