//! Bindings of convolutions and pooling.

use lamina_core::ops::{self, DataFormat, Padding};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::convert::to_tensor;
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// An int-or-tuple argument (strides, dilation_rate, pool_size, output_padding); None gives
/// `default`. Zero is allowed here; the engine rejects it where it is invalid.
fn int_or_tuple(op: &str, name: &str, obj: Option<&Bound<'_, PyAny>>, default: Option<usize>) -> PyResult<Option<Vec<usize>>> {
    let obj = match obj {
        Some(o) if !o.is_none() => o,
        _ => return Ok(default.map(|d| vec![d])),
    };
    let values: Vec<i64> = if let Ok(v) = obj.extract::<i64>() {
        vec![v]
    } else if let Ok(v) = obj.extract::<Vec<i64>>() {
        v
    } else {
        return Err(PyTypeError::new_err(format!("{op}: {name} must be an int or a tuple of ints, got {}", obj.repr()?)));
    };
    values
        .iter()
        .map(|&v| usize::try_from(v).map_err(|_| PyValueError::new_err(format!("{op}: {name} must not be negative, got {values:?}"))))
        .collect::<PyResult<Vec<usize>>>()
        .map(Some)
}

fn window_args(op: &str, strides: Option<&Bound<'_, PyAny>>, padding: &str, data_format: Option<&str>) -> PyResult<(Vec<usize>, Padding, DataFormat)> {
    let strides = int_or_tuple(op, "strides", strides, Some(1))?.unwrap_or_else(|| vec![1]);
    Ok((strides, Padding::parse(padding, op).py()?, DataFormat::parse(data_format, op).py()?))
}

fn dilation(op: &str, dilation_rate: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<usize>> {
    Ok(int_or_tuple(op, "dilation_rate", dilation_rate, Some(1))?.unwrap_or_else(|| vec![1]))
}

/// General N-D convolution (1-D or 2-D).
///
/// Args:
///     inputs: tensor of rank 3 (1-D) or 4 (2-D). With `data_format="channels_last"` (the
///         default) the shape is `(batch, *spatial, channels)`; with `"channels_first"`,
///         `(batch, channels, *spatial)`.
///     kernel: tensor of shape `(*kernel_spatial, in_channels / groups, out_channels)`.
///         The number of groups is `in_channels // kernel.shape[-2]`.
///     strides: int or tuple of ints, the step of the window along each spatial axis.
///     padding: `"valid"` (no padding) or `"same"` (zero padding so that the output has
///         `ceil(input / stride)` cells, split as TensorFlow does: the odd cell goes after).
///     data_format: `"channels_last"` or `"channels_first"`; None means channels_last.
///     dilation_rate: int or tuple of ints, the spacing between kernel taps.
///
/// Returns:
///     A tensor of rank `inputs.ndim`, with `out_channels` channels.
#[pyfunction]
#[pyo3(signature = (inputs, kernel, strides=None, padding="valid", data_format=None, dilation_rate=None),
       text_signature = "(inputs, kernel, strides=1, padding='valid', data_format=None, dilation_rate=1)")]
fn conv(
    inputs: &Bound<'_, PyAny>,
    kernel: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let (s, p, f) = window_args("conv", strides, padding, data_format)?;
    let d = dilation("conv", dilation_rate)?;
    Ok(PyTensor::new(ops::conv(&to_tensor(inputs)?, &to_tensor(kernel)?, &s, p, f, &d).py()?))
}

/// Depthwise convolution: each input channel is convolved with its own filters.
///
/// Args:
///     inputs: tensor of rank 3 (1-D) or 4 (2-D), channels last by default.
///     kernel: tensor of shape `(*kernel_spatial, in_channels, channel_multiplier)`.
///     strides: int or tuple of ints.
///     padding: `"valid"` or `"same"`.
///     data_format: `"channels_last"` or `"channels_first"`; None means channels_last.
///     dilation_rate: int or tuple of ints.
///
/// Returns:
///     A tensor with `in_channels * channel_multiplier` channels; output channel
///     `c * channel_multiplier + m` is input channel `c` convolved with `kernel[..., c, m]`.
#[pyfunction]
#[pyo3(signature = (inputs, kernel, strides=None, padding="valid", data_format=None, dilation_rate=None),
       text_signature = "(inputs, kernel, strides=1, padding='valid', data_format=None, dilation_rate=1)")]
fn depthwise_conv(
    inputs: &Bound<'_, PyAny>,
    kernel: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let (s, p, f) = window_args("depthwise_conv", strides, padding, data_format)?;
    let d = dilation("depthwise_conv", dilation_rate)?;
    Ok(PyTensor::new(ops::depthwise_conv(&to_tensor(inputs)?, &to_tensor(kernel)?, &s, p, f, &d).py()?))
}

/// Separable convolution: a depthwise convolution followed by a pointwise (1x1) one.
///
/// Args:
///     inputs: tensor of rank 3 (1-D) or 4 (2-D), channels last by default.
///     depthwise_kernel: tensor of shape `(*kernel_spatial, in_channels, channel_multiplier)`.
///     pointwise_kernel: tensor of shape `(*ones, in_channels * channel_multiplier,
///         out_channels)`.
///     strides: int or tuple of ints (of the depthwise step).
///     padding: `"valid"` or `"same"` (of the depthwise step).
///     data_format: `"channels_last"` or `"channels_first"`; None means channels_last.
///     dilation_rate: int or tuple of ints (of the depthwise step).
///
/// Returns:
///     A tensor with `out_channels` channels.
#[pyfunction]
#[pyo3(signature = (inputs, depthwise_kernel, pointwise_kernel, strides=None, padding="valid", data_format=None, dilation_rate=None),
       text_signature = "(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding='valid', data_format=None, dilation_rate=1)")]
#[allow(clippy::too_many_arguments)]
fn separable_conv(
    inputs: &Bound<'_, PyAny>,
    depthwise_kernel: &Bound<'_, PyAny>,
    pointwise_kernel: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let (s, p, f) = window_args("separable_conv", strides, padding, data_format)?;
    let d = dilation("separable_conv", dilation_rate)?;
    let (x, dk, pk) = (to_tensor(inputs)?, to_tensor(depthwise_kernel)?, to_tensor(pointwise_kernel)?);
    Ok(PyTensor::new(ops::separable_conv(&x, &dk, &pk, &s, p, f, &d).py()?))
}

/// Transposed convolution (sometimes called deconvolution): the gradient of `conv` with
/// respect to its input.
///
/// Args:
///     inputs: tensor of rank 3 (1-D) or 4 (2-D), channels last by default.
///     kernel: tensor of shape `(*kernel_spatial, out_channels, in_channels)`.
///     strides: int or tuple of ints.
///     padding: `"valid"` or `"same"`.
///     output_padding: None, or int or tuple of ints: extra cells added at the end of each
///         spatial axis of the output. With None, an output axis has
///         `input * stride + max(window - stride, 0)` cells for "valid" and
///         `input * stride` for "same" (window = (kernel - 1) * dilation + 1); otherwise
///         `(input - 1) * stride + window - 2 * pad + output_padding`, where pad is 0 for
///         "valid" and `window // 2` for "same".
///     data_format: `"channels_last"` or `"channels_first"`; None means channels_last.
///     dilation_rate: int or tuple of ints.
///
/// Returns:
///     A tensor with `out_channels` channels.
#[pyfunction]
#[pyo3(signature = (inputs, kernel, strides=None, padding="valid", output_padding=None, data_format=None, dilation_rate=None),
       text_signature = "(inputs, kernel, strides, padding='valid', output_padding=None, data_format=None, dilation_rate=1)")]
#[allow(clippy::too_many_arguments)]
fn conv_transpose(
    inputs: &Bound<'_, PyAny>,
    kernel: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    output_padding: Option<&Bound<'_, PyAny>>,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let (s, p, f) = window_args("conv_transpose", strides, padding, data_format)?;
    let d = dilation("conv_transpose", dilation_rate)?;
    let op = int_or_tuple("conv_transpose", "output_padding", output_padding, None)?;
    Ok(PyTensor::new(ops::conv_transpose(&to_tensor(inputs)?, &to_tensor(kernel)?, &s, p, op.as_deref(), f, &d).py()?))
}

/// pool_size, strides (None: pool_size), padding and data format of a pooling call.
type PoolArgs = (Vec<usize>, Option<Vec<usize>>, Padding, DataFormat);

fn pool_args(op: &str, pool_size: &Bound<'_, PyAny>, strides: Option<&Bound<'_, PyAny>>, padding: &str, data_format: Option<&str>) -> PyResult<PoolArgs> {
    let size = int_or_tuple(op, "pool_size", Some(pool_size), None)?.unwrap_or_default();
    let strides = int_or_tuple(op, "strides", strides, None)?;
    Ok((size, strides, Padding::parse(padding, op).py()?, DataFormat::parse(data_format, op).py()?))
}

/// Max pooling: the largest value of each window.
///
/// Args:
///     inputs: tensor of rank 3 (1-D) or 4 (2-D), channels last by default.
///     pool_size: int or tuple of ints, the window size.
///     strides: int or tuple of ints; None means `pool_size`.
///     padding: `"valid"` or `"same"`; padded cells never win.
///     data_format: `"channels_last"` or `"channels_first"`; None means channels_last.
///
/// Returns:
///     The pooled tensor, of the same dtype. Its gradient goes to the first maximum of each
///     window.
#[pyfunction]
#[pyo3(signature = (inputs, pool_size, strides=None, padding="valid", data_format=None))]
fn max_pool(inputs: &Bound<'_, PyAny>, pool_size: &Bound<'_, PyAny>, strides: Option<&Bound<'_, PyAny>>, padding: &str, data_format: Option<&str>) -> PyResult<PyTensor> {
    let (k, s, p, f) = pool_args("max_pool", pool_size, strides, padding, data_format)?;
    Ok(PyTensor::new(ops::max_pool(&to_tensor(inputs)?, &k, s.as_deref(), p, f).py()?))
}

/// Average pooling: the mean of each window.
///
/// Args:
///     inputs: tensor of rank 3 (1-D) or 4 (2-D), channels last by default.
///     pool_size: int or tuple of ints, the window size.
///     strides: int or tuple of ints; None means `pool_size`.
///     padding: `"valid"` or `"same"`; with "same", each window divides by the number of
///         its cells that lie inside the input (padded cells are not counted).
///     data_format: `"channels_last"` or `"channels_first"`; None means channels_last.
///
/// Returns:
///     The pooled tensor (integer inputs give float32).
#[pyfunction]
#[pyo3(signature = (inputs, pool_size, strides=None, padding="valid", data_format=None))]
fn average_pool(inputs: &Bound<'_, PyAny>, pool_size: &Bound<'_, PyAny>, strides: Option<&Bound<'_, PyAny>>, padding: &str, data_format: Option<&str>) -> PyResult<PyTensor> {
    let (k, s, p, f) = pool_args("average_pool", pool_size, strides, padding, data_format)?;
    Ok(PyTensor::new(ops::average_pool(&to_tensor(inputs)?, &k, s.as_deref(), p, f).py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(conv, m)?)?;
    m.add_function(wrap_pyfunction!(depthwise_conv, m)?)?;
    m.add_function(wrap_pyfunction!(separable_conv, m)?)?;
    m.add_function(wrap_pyfunction!(conv_transpose, m)?)?;
    m.add_function(wrap_pyfunction!(max_pool, m)?)?;
    m.add_function(wrap_pyfunction!(average_pool, m)?)?;
    Ok(())
}
