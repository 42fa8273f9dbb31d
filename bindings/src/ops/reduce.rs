//! Bindings of the reduction family (keras.ops names and signatures).

use lamina_core::ops;
use pyo3::prelude::*;

use crate::convert::{opt_dtype, parse_axes, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

type AxesOp = fn(&lamina_core::Tensor, Option<&[isize]>, bool) -> lamina_core::Result<lamina_core::Tensor>;

fn reduce_with(f: AxesOp, x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    let axes = parse_axes(axis)?;
    let t = to_tensor(x)?;
    Ok(PyTensor::new(f(&t, axes.as_deref(), keepdims).py()?))
}

/// Sum of tensor elements over the given axes.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes to sum over. `None` sums all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///
/// Returns:
///     A tensor with the sums. Integer inputs keep their dtype; bool sums as int32.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn sum(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    reduce_with(ops::sum, x, axis, keepdims)
}

/// Arithmetic mean over the given axes.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` averages all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///
/// Returns:
///     A float tensor (integer inputs give float32). NaN over an empty axis.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn mean(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    reduce_with(ops::mean, x, axis, keepdims)
}

/// Maximum over the given axes.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` reduces all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///     initial: Optional starting value, included in every maximum (needed for empty axes).
///
/// Returns:
///     A tensor of the input's dtype. NaN propagates. The gradient is split evenly between
///     tied maxima.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false, initial=None))]
fn max(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool, initial: Option<f64>) -> PyResult<PyTensor> {
    let axes = parse_axes(axis)?;
    let t = to_tensor(x)?;
    Ok(PyTensor::new(ops::max(&t, axes.as_deref(), keepdims, initial).py()?))
}

/// Minimum over the given axes.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` reduces all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///     initial: Optional starting value, included in every minimum (needed for empty axes).
///
/// Returns:
///     A tensor of the input's dtype. NaN propagates.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false, initial=None))]
fn min(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool, initial: Option<f64>) -> PyResult<PyTensor> {
    let axes = parse_axes(axis)?;
    let t = to_tensor(x)?;
    Ok(PyTensor::new(ops::min(&t, axes.as_deref(), keepdims, initial).py()?))
}

/// Product of tensor elements over the given axes.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` multiplies all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///     dtype: Optional dtype to cast `x` to before multiplying.
///
/// Returns:
///     A tensor with the products (bool multiplies as int32). The gradient is exact when
///     elements are zero.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false, dtype=None))]
fn prod(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let axes = parse_axes(axis)?;
    let mut t = to_tensor(x)?;
    if let Some(d) = opt_dtype(dtype)? {
        t = ops::cast(&t, d).py()?;
    }
    Ok(PyTensor::new(ops::prod(&t, axes.as_deref(), keepdims).py()?))
}

/// Variance over the given axes (biased: divides by N, like `numpy.var` with ddof 0).
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` uses all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///
/// Returns:
///     A float tensor (integer inputs give float32).
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn var(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    reduce_with(ops::var, x, axis, keepdims)
}

/// Standard deviation over the given axes (biased: ddof 0).
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` uses all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///
/// Returns:
///     A float tensor (integer inputs give float32).
#[pyfunction]
#[pyo3(name = "std", signature = (x, axis=None, keepdims=false))]
fn std_dev(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    reduce_with(ops::std_dev, x, axis, keepdims)
}

/// Logarithm of the sum of exponentials over the given axes, computed stably.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` uses all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///
/// Returns:
///     A float tensor: `log(sum(exp(x)))`, finite for any finite input; -inf over an empty
///     axis or an axis of -inf.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn logsumexp(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    reduce_with(ops::logsumexp, x, axis, keepdims)
}

/// Indices of the maximum values along an axis.
///
/// Args:
///     x: Input tensor.
///     axis: The axis to search along. `None` searches the flattened tensor.
///     keepdims: If `True`, the reduced axis is kept with size 1.
///
/// Returns:
///     An int32 tensor of indices (the first maximum; the first NaN if there is one).
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn argmax(x: &Bound<'_, PyAny>, axis: Option<isize>, keepdims: bool) -> PyResult<PyTensor> {
    let t = to_tensor(x)?;
    Ok(PyTensor::new(ops::argmax(&t, axis, keepdims).py()?))
}

/// Indices of the minimum values along an axis.
///
/// Args:
///     x: Input tensor.
///     axis: The axis to search along. `None` searches the flattened tensor.
///     keepdims: If `True`, the reduced axis is kept with size 1.
///
/// Returns:
///     An int32 tensor of indices (the first minimum; the first NaN if there is one).
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn argmin(x: &Bound<'_, PyAny>, axis: Option<isize>, keepdims: bool) -> PyResult<PyTensor> {
    let t = to_tensor(x)?;
    Ok(PyTensor::new(ops::argmin(&t, axis, keepdims).py()?))
}

/// Whether any element is true (non-zero) over the given axes.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` uses all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///
/// Returns:
///     A bool tensor.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn any(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    reduce_with(ops::any, x, axis, keepdims)
}

/// Whether all elements are true (non-zero) over the given axes.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` uses all elements.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///
/// Returns:
///     A bool tensor.
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
fn all(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyResult<PyTensor> {
    reduce_with(ops::all, x, axis, keepdims)
}

/// Counts the non-zero values of `x` along the given axes.
///
/// Args:
///     x: Input tensor.
///     axis: Axis or tuple of axes. `None` counts over all elements.
///
/// Returns:
///     An int32 tensor of counts.
#[pyfunction]
#[pyo3(signature = (x, axis=None))]
fn count_nonzero(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    reduce_with(ops::count_nonzero, x, axis, false)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sum, m)?)?;
    m.add_function(wrap_pyfunction!(mean, m)?)?;
    m.add_function(wrap_pyfunction!(max, m)?)?;
    m.add_function(wrap_pyfunction!(min, m)?)?;
    m.add_function(wrap_pyfunction!(prod, m)?)?;
    m.add_function(wrap_pyfunction!(var, m)?)?;
    m.add_function(wrap_pyfunction!(std_dev, m)?)?;
    m.add_function(wrap_pyfunction!(logsumexp, m)?)?;
    m.add_function(wrap_pyfunction!(argmax, m)?)?;
    m.add_function(wrap_pyfunction!(argmin, m)?)?;
    m.add_function(wrap_pyfunction!(any, m)?)?;
    m.add_function(wrap_pyfunction!(all, m)?)?;
    m.add_function(wrap_pyfunction!(count_nonzero, m)?)?;
    Ok(())
}
