//! Bindings of the neural-network family: softmax, losses, normalization (keras.ops names
//! and signatures).

use lamina_core::{ops, Tensor};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{parse_axes, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// An `axis` argument that is an int or a tuple of ints (default -1 where Keras has one).
#[derive(FromPyObject)]
enum Axes {
    One(isize),
    Many(Vec<isize>),
}

impl Axes {
    fn list(&self) -> Vec<isize> {
        match self {
            Axes::One(a) => vec![*a],
            Axes::Many(v) => v.clone(),
        }
    }
}

fn opt_tensor(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Tensor>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(to_tensor(o)?)),
        _ => Ok(None),
    }
}

/// Softmax activation: `exp(x) / sum(exp(x))` along `axis`, computed stably.
///
/// Args:
///     x: Input tensor (logits).
///     axis: The axis (or tuple of axes) to normalize over. Defaults to -1.
///
/// Returns:
///     A float tensor of the same shape whose slices along `axis` sum to 1.
#[pyfunction]
#[pyo3(signature = (x, axis=Axes::One(-1)), text_signature = "(x, axis=-1)")]
fn softmax(x: &Bound<'_, PyAny>, axis: Axes) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::softmax(&to_tensor(x)?, &axis.list()).py()?))
}

/// Log-softmax activation: `x - logsumexp(x)` along `axis`, computed stably.
///
/// Args:
///     x: Input tensor (logits).
///     axis: The axis (or tuple of axes) to normalize over. Defaults to -1.
///
/// Returns:
///     A float tensor of the same shape.
#[pyfunction]
#[pyo3(signature = (x, axis=Axes::One(-1)), text_signature = "(x, axis=-1)")]
fn log_softmax(x: &Bound<'_, PyAny>, axis: Axes) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::log_softmax(&to_tensor(x)?, &axis.list()).py()?))
}

/// Binary cross-entropy between a target and an output, elementwise (no reduction).
///
/// Args:
///     target: Tensor of targets in [0, 1], same shape as `output`.
///     output: Predicted probabilities, or logits when `from_logits=True`.
///     from_logits: Whether `output` holds logits. Probabilities are clipped to
///         [1e-7, 1 - 1e-7] as Keras does.
///
/// Returns:
///     A tensor of the shape of `output` with the per-element losses.
#[pyfunction]
#[pyo3(signature = (target, output, from_logits=false))]
fn binary_crossentropy(target: &Bound<'_, PyAny>, output: &Bound<'_, PyAny>, from_logits: bool) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::binary_crossentropy(&to_tensor(target)?, &to_tensor(output)?, from_logits).py()?))
}

/// Categorical cross-entropy between one-hot (or soft) targets and an output.
///
/// Args:
///     target: Tensor of target distributions, same shape as `output`.
///     output: Predicted probabilities, or logits when `from_logits=True`. Probabilities are
///         renormalized to sum to one along `axis` and clipped to [1e-7, 1 - 1e-7].
///     from_logits: Whether `output` holds logits.
///     axis: The class axis. Defaults to -1.
///
/// Returns:
///     The per-sample losses: the shape of `output` without `axis`.
#[pyfunction]
#[pyo3(signature = (target, output, from_logits=false, axis=-1))]
fn categorical_crossentropy(target: &Bound<'_, PyAny>, output: &Bound<'_, PyAny>, from_logits: bool, axis: isize) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::categorical_crossentropy(&to_tensor(target)?, &to_tensor(output)?, from_logits, axis).py()?))
}

/// Sparse categorical cross-entropy between integer class indices and an output.
///
/// Args:
///     target: Integer class indices (any int dtype, or floats holding integers), shaped
///         like `output` without `axis` (a trailing axis of size 1 is accepted). An index
///         outside [0, classes) raises an IndexError naming it.
///     output: Predicted probabilities, or logits when `from_logits=True`.
///     from_logits: Whether `output` holds logits.
///     axis: The class axis. Defaults to -1.
///
/// Returns:
///     The per-sample losses: the shape of `output` without `axis`.
#[pyfunction]
#[pyo3(signature = (target, output, from_logits=false, axis=-1))]
fn sparse_categorical_crossentropy(target: &Bound<'_, PyAny>, output: &Bound<'_, PyAny>, from_logits: bool, axis: isize) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::sparse_categorical_crossentropy(&to_tensor(target)?, &to_tensor(output)?, from_logits, axis).py()?))
}

/// Mean squared error over the last axis: `mean(square(y_true - y_pred), axis=-1)`.
///
/// Args:
///     y_true: Ground truth values.
///     y_pred: Predicted values. A trailing axis of size 1 on either side is squeezed to
///         match ranks, as Keras does; otherwise the two broadcast.
///
/// Returns:
///     The per-sample losses: the broadcast shape without its last axis.
#[pyfunction]
fn mean_squared_error(y_true: &Bound<'_, PyAny>, y_pred: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::mean_squared_error(&to_tensor(y_true)?, &to_tensor(y_pred)?).py()?))
}

/// Mean absolute error over the last axis: `mean(abs(y_true - y_pred), axis=-1)`.
///
/// Args:
///     y_true: Ground truth values.
///     y_pred: Predicted values (ranks matched as in `mean_squared_error`).
///
/// Returns:
///     The per-sample losses: the broadcast shape without its last axis.
#[pyfunction]
fn mean_absolute_error(y_true: &Bound<'_, PyAny>, y_pred: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::mean_absolute_error(&to_tensor(y_true)?, &to_tensor(y_pred)?).py()?))
}

/// Mean and variance of `x` over `axes`.
///
/// Args:
///     x: Input tensor.
///     axes: Axis or tuple of axes to compute the statistics over.
///     keepdims: If `True`, the reduced axes are kept with size 1.
///     synchronized: Accepted for Keras compatibility (single device: no effect).
///
/// Returns:
///     A tuple `(mean, variance)`; the variance is biased (divides by N).
#[pyfunction]
#[pyo3(signature = (x, axes, keepdims=false, synchronized=false))]
fn moments(x: &Bound<'_, PyAny>, axes: &Bound<'_, PyAny>, keepdims: bool, synchronized: bool) -> PyResult<(PyTensor, PyTensor)> {
    let _ = synchronized;
    let axes = parse_axes(Some(axes))?.ok_or_else(|| PyValueError::new_err("moments: `axes` must be an int or a tuple of ints, not None"))?;
    let (m, v) = ops::moments(&to_tensor(x)?, &axes, keepdims).py()?;
    Ok((PyTensor::new(m), PyTensor::new(v)))
}

/// Normalizes `x` with the given mean and variance:
/// `(x - mean) / sqrt(variance + epsilon) * scale + offset`.
///
/// Args:
///     x: Input tensor.
///     mean: One value per entry of axis `axis` of `x`.
///     variance: One value per entry of axis `axis` of `x`.
///     axis: The feature axis (e.g. -1 for channels last).
///     offset: Optional offset (beta), one value per feature.
///     scale: Optional scale (gamma), one value per feature.
///     epsilon: Small float added to the variance. Defaults to 1e-3.
///
/// Returns:
///     The normalized tensor, shaped like `x`.
#[pyfunction]
#[pyo3(signature = (x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3))]
fn batch_normalization(
    x: &Bound<'_, PyAny>,
    mean: &Bound<'_, PyAny>,
    variance: &Bound<'_, PyAny>,
    axis: isize,
    offset: Option<&Bound<'_, PyAny>>,
    scale: Option<&Bound<'_, PyAny>>,
    epsilon: f64,
) -> PyResult<PyTensor> {
    let (off, sc) = (opt_tensor(offset)?, opt_tensor(scale)?);
    Ok(PyTensor::new(
        ops::batch_normalization(&to_tensor(x)?, &to_tensor(mean)?, &to_tensor(variance)?, axis, off.as_ref(), sc.as_ref(), epsilon).py()?,
    ))
}

/// Layer normalization: normalizes each sample over `axis` to zero mean and unit variance,
/// then scales by `gamma` and shifts by `beta`. One fused op, forward and backward.
///
/// Args:
///     x: Input tensor.
///     gamma: Optional scale, shaped like the normalized axes.
///     beta: Optional offset, shaped like the normalized axes.
///     axis: Axis or tuple of axes to normalize over. Defaults to -1.
///     epsilon: Small float added to the variance. Defaults to 1e-3.
///
/// Returns:
///     The normalized tensor, shaped like `x`.
#[pyfunction]
#[pyo3(
    signature = (x, gamma=None, beta=None, axis=Axes::One(-1), epsilon=1e-3),
    text_signature = "(x, gamma=None, beta=None, axis=-1, epsilon=0.001)"
)]
fn layer_normalization(
    x: &Bound<'_, PyAny>,
    gamma: Option<&Bound<'_, PyAny>>,
    beta: Option<&Bound<'_, PyAny>>,
    axis: Axes,
    epsilon: f64,
) -> PyResult<PyTensor> {
    let (g, b) = (opt_tensor(gamma)?, opt_tensor(beta)?);
    Ok(PyTensor::new(ops::layer_normalization(&to_tensor(x)?, g.as_ref(), b.as_ref(), &axis.list(), epsilon).py()?))
}

/// Batch normalization for training, fused: normalizes `x` with the mean and variance over
/// `axes` and returns them too.
///
/// Args:
///     x: Input tensor.
///     gamma: Optional scale, shaped like the axes not in `axes` (the channels).
///     beta: Optional offset, shaped like the channels.
///     axes: The axes the statistics are taken over (e.g. `[0, 1, 2]` for NHWC images).
///     epsilon: Small float added to the variance. Defaults to 1e-3.
///
/// Returns:
///     A tuple `(output, batch_mean, batch_variance)`; the statistics are shaped like the
///     channels and the variance is biased (divides by N). All three are differentiable.
#[pyfunction]
#[pyo3(signature = (x, gamma, beta, axes, epsilon=1e-3))]
fn batch_norm_train(
    x: &Bound<'_, PyAny>,
    gamma: Option<&Bound<'_, PyAny>>,
    beta: Option<&Bound<'_, PyAny>>,
    axes: &Bound<'_, PyAny>,
    epsilon: f64,
) -> PyResult<(PyTensor, PyTensor, PyTensor)> {
    let (g, b) = (opt_tensor(gamma)?, opt_tensor(beta)?);
    let axes = parse_axes(Some(axes))?.ok_or_else(|| PyValueError::new_err("batch_norm_train: `axes` must be an int or a tuple of ints, not None"))?;
    let (y, m, v) = ops::batch_norm_train(&to_tensor(x)?, g.as_ref(), b.as_ref(), &axes, epsilon).py()?;
    Ok((PyTensor::new(y), PyTensor::new(m), PyTensor::new(v)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(softmax, m)?)?;
    m.add_function(wrap_pyfunction!(log_softmax, m)?)?;
    m.add_function(wrap_pyfunction!(binary_crossentropy, m)?)?;
    m.add_function(wrap_pyfunction!(categorical_crossentropy, m)?)?;
    m.add_function(wrap_pyfunction!(sparse_categorical_crossentropy, m)?)?;
    m.add_function(wrap_pyfunction!(mean_squared_error, m)?)?;
    m.add_function(wrap_pyfunction!(mean_absolute_error, m)?)?;
    m.add_function(wrap_pyfunction!(moments, m)?)?;
    m.add_function(wrap_pyfunction!(batch_normalization, m)?)?;
    m.add_function(wrap_pyfunction!(layer_normalization, m)?)?;
    m.add_function(wrap_pyfunction!(batch_norm_train, m)?)?;
    Ok(())
}
