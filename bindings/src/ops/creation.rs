//! Bindings of tensor creation: convert_to_tensor, zeros/ones/full (and `_like`), arange,
//! eye, identity.

use lamina_core::{ops, DType, Tensor};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};

use crate::convert::{opt_dtype, parse_static_shape, to_tensor};
use crate::device::placed;
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// `tensor(x, dtype=None)` / `convert_to_tensor(x, dtype=None)`: a Tensor from an array-like.
/// Tensors pass through unchanged (sharing storage); numpy arrays are copied.
#[pyfunction]
#[pyo3(signature = (x, dtype=None))]
fn convert_to_tensor(x: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let t = crate::convert::to_host_tensor(x)?;
    Ok(PyTensor::new(placed(match opt_dtype(dtype)? {
        Some(d) => ops::cast(&t, d).py()?,
        None => t,
    })?))
}

/// `take_rows(array, rows)`: rows of a numpy array (indices into its leading axis, an int64
/// array) as a new tensor, gathered in one copy. The batches of `fit` on shuffled numpy data
/// come from here. Arrays that are not plain C-ordered (Fortran order, strided, unaligned,
/// byte-swapped), or of other dtypes, are gathered by numpy and then converted.
#[pyfunction]
fn take_rows(array: &Bound<'_, PyAny>, rows: numpy::PyReadonlyArray1<'_, i64>) -> PyResult<PyTensor> {
    let idx: Vec<i64> = rows.as_array().iter().copied().collect();
    if let Ok(a) = array.downcast::<numpy::PyUntypedArray>() {
        if let Some(t) = crate::convert::take_rows_of(a, &idx)? {
            return Ok(PyTensor::new(placed(t)?));
        }
    }
    let np = array.py().import("numpy")?;
    let gathered = np.call_method1("ascontiguousarray", (array.get_item(rows.as_any())?,))?;
    Ok(PyTensor::new(placed(crate::convert::to_host_tensor(&gathered)?)?))
}

/// Return a new tensor of given shape and type, filled with zeros.
///
/// Args:
///     shape: the shape (an int or a sequence of ints).
///     dtype: the dtype (default float32).
///
/// Returns:
///     A tensor of zeros.
#[pyfunction]
#[pyo3(signature = (shape, dtype=None))]
fn zeros(shape: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(placed(ops::zeros(&parse_static_shape(shape, "zeros")?, opt_dtype(dtype)?).py()?)?))
}

/// Return a new tensor of given shape and type, filled with ones.
///
/// Args:
///     shape: the shape (an int or a sequence of ints).
///     dtype: the dtype (default float32).
///
/// Returns:
///     A tensor of ones.
#[pyfunction]
#[pyo3(signature = (shape, dtype=None))]
fn ones(shape: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(placed(ops::ones(&parse_static_shape(shape, "ones")?, opt_dtype(dtype)?).py()?)?))
}

/// A tensor of `shape` and `dtype` holding `fill`: a number, or a tensor broadcast to `shape`.
fn filled(shape: &[usize], fill: &Bound<'_, PyAny>, dtype: DType) -> PyResult<Tensor> {
    if fill.downcast::<PyFloat>().is_ok() || fill.downcast::<PyInt>().is_ok() {
        let v: f64 = if fill.downcast::<PyBool>().is_ok() { f64::from(u8::from(fill.extract::<bool>()?)) } else { fill.extract()? };
        return ops::full(shape, v, dtype).py();
    }
    let t = to_tensor(fill)?;
    if t.numel() == 1 && t.rank() == 0 {
        return ops::full(shape, t.item().py()?, dtype).py();
    }
    let b = ops::broadcast_to(&ops::cast(&t.detach(), dtype).py()?, shape).py()?;
    b.contiguous().py()
}

/// Return a new tensor of given shape and type, filled with `fill_value`.
///
/// Args:
///     shape: the shape (an int or a sequence of ints).
///     fill_value: the value (a number, or a tensor broadcast to `shape`).
///     dtype: the dtype (default float32).
///
/// Returns:
///     The filled tensor.
#[pyfunction]
#[pyo3(signature = (shape, fill_value, dtype=None))]
fn full(shape: &Bound<'_, PyAny>, fill_value: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let dt = opt_dtype(dtype)?.unwrap_or(DType::F32);
    Ok(PyTensor::new(placed(filled(&parse_static_shape(shape, "full")?, fill_value, dt)?)?))
}

/// Return a tensor of zeros with the same shape and type as `x`.
///
/// Args:
///     x: the tensor whose shape (and, by default, dtype) to use.
///     dtype: overrides the dtype.
///
/// Returns:
///     A tensor of zeros.
#[pyfunction]
#[pyo3(signature = (x, dtype=None))]
fn zeros_like(x: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::zeros_like(&to_tensor(x)?, opt_dtype(dtype)?).py()?))
}

/// Return a tensor of ones with the same shape and type as `x`.
///
/// Args:
///     x: the tensor whose shape (and, by default, dtype) to use.
///     dtype: overrides the dtype.
///
/// Returns:
///     A tensor of ones.
#[pyfunction]
#[pyo3(signature = (x, dtype=None))]
fn ones_like(x: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::ones_like(&to_tensor(x)?, opt_dtype(dtype)?).py()?))
}

/// Return a full tensor with the same shape and type as `x`.
///
/// Args:
///     x: the tensor whose shape (and, by default, dtype) to use.
///     fill_value: the value (a number, or a tensor broadcast to the shape of `x`).
///     dtype: overrides the dtype.
///
/// Returns:
///     The filled tensor.
#[pyfunction]
#[pyo3(signature = (x, fill_value, dtype=None))]
fn full_like(x: &Bound<'_, PyAny>, fill_value: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let t = to_tensor(x)?;
    let dt = opt_dtype(dtype)?.unwrap_or(t.dtype());
    // On x's device, as zeros_like and ones_like.
    Ok(PyTensor::new(filled(t.shape(), fill_value, dt)?.to(t.device()).py()?))
}

/// A Python number or 0-d tensor as f64, and whether it was an integer.
fn number(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<(f64, bool)> {
    if obj.downcast::<PyInt>().is_ok() {
        return Ok((obj.extract::<i64>()? as f64, true));
    }
    if obj.downcast::<PyFloat>().is_ok() {
        return Ok((obj.extract()?, false));
    }
    let t = to_tensor(obj).map_err(|_| PyTypeError::new_err(format!("arange: {what} must be a number")))?;
    Ok((t.item().py()?, !t.dtype().is_float()))
}

/// Return evenly spaced values within a given interval: `start, start + step, ...` up to
/// (excluding) `stop`.
///
/// Args:
///     start: the first value, or the end of the interval when `stop` is None (then the
///         interval starts at 0).
///     stop: the end of the interval (excluded).
///     step: the spacing between values.
///     dtype: the dtype (default: int32 if every argument is an integer, else float32).
///
/// Returns:
///     A 1-D tensor.
#[pyfunction]
#[pyo3(signature = (start, stop=None, step=None, dtype=None), text_signature = "(start, stop=None, step=1, dtype=None)")]
fn arange(start: &Bound<'_, PyAny>, stop: Option<&Bound<'_, PyAny>>, step: Option<&Bound<'_, PyAny>>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let (mut a, mut a_int) = number(start, "start")?;
    let (b, b_int) = match stop {
        Some(s) if !s.is_none() => number(s, "stop")?,
        _ => {
            let end = (a, a_int);
            (a, a_int) = (0.0, true);
            end
        }
    };
    let (st, st_int) = match step {
        Some(s) if !s.is_none() => number(s, "step")?,
        _ => (1.0, true),
    };
    // Integers give int32 (Keras), or int64 when the values would not fit it (numpy's choice,
    // instead of silently wrapped values). Every value lies between start and stop.
    let fits_i32 = [a, b].iter().all(|&v| (i32::MIN as f64..=i32::MAX as f64).contains(&v));
    let int_dtype = if fits_i32 { DType::I32 } else { DType::I64 };
    let dt = opt_dtype(dtype)?.unwrap_or(if a_int && b_int && st_int { int_dtype } else { DType::F32 });
    Ok(PyTensor::new(placed(ops::arange(a, b, st, dt).py()?)?))
}

/// Return a 2-D tensor with ones on the diagonal and zeros elsewhere.
///
/// Args:
///     N: the number of rows.
///     M: the number of columns (default `N`).
///     k: the diagonal: 0 the main one, positive above it, negative below.
///     dtype: the dtype (default float32).
///
/// Returns:
///     An N x M tensor.
#[pyfunction]
#[pyo3(signature = (N, M=None, k=0, dtype=None))]
#[allow(non_snake_case)]
fn eye(N: i64, M: Option<i64>, k: i64, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let (n, m) = (size_arg("eye", "N", N)?, M.map(|m| size_arg("eye", "M", m)).transpose()?);
    Ok(PyTensor::new(placed(ops::eye(n, m, k, opt_dtype(dtype)?).py()?)?))
}

/// A non-negative size argument (numpy's "negative dimensions are not allowed").
fn size_arg(op: &str, name: &str, v: i64) -> PyResult<usize> {
    usize::try_from(v).map_err(|_| pyo3::exceptions::PyValueError::new_err(format!("{op}: {name} must be non-negative, got {v}")))
}

/// Return the identity tensor: a square matrix with ones on the main diagonal.
///
/// Args:
///     n: the number of rows and columns.
///     dtype: the dtype (default float32).
///
/// Returns:
///     An n x n tensor.
#[pyfunction]
#[pyo3(signature = (n, dtype=None))]
fn identity(n: i64, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(placed(ops::eye(size_arg("identity", "n", n)?, None, 0, opt_dtype(dtype)?).py()?)?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(convert_to_tensor, m)?)?;
    m.add_function(wrap_pyfunction!(take_rows, m)?)?;
    m.add_function(wrap_pyfunction!(zeros, m)?)?;
    m.add_function(wrap_pyfunction!(ones, m)?)?;
    m.add_function(wrap_pyfunction!(full, m)?)?;
    m.add_function(wrap_pyfunction!(zeros_like, m)?)?;
    m.add_function(wrap_pyfunction!(ones_like, m)?)?;
    m.add_function(wrap_pyfunction!(full_like, m)?)?;
    m.add_function(wrap_pyfunction!(arange, m)?)?;
    m.add_function(wrap_pyfunction!(eye, m)?)?;
    m.add_function(wrap_pyfunction!(identity, m)?)?;
    Ok(())
}
