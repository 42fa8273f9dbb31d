//! Bindings of the shape family.

use lamina_core::ops::{self, PadMode, SplitSpec};
use lamina_core::Tensor;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PySequence};

use crate::convert::{parse_axes, parse_shape, parse_static_shape, scalar_tensor, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// `reshape(x, newshape)`; one entry may be -1.
#[pyfunction]
fn reshape(x: &Bound<'_, PyAny>, newshape: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let t = to_tensor(x)?;
    let shape = ops::shape::infer_shape(&parse_shape(newshape, "reshape")?, t.numel()).py()?;
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
    Ok(PyTensor::new(ops::broadcast_to(&to_tensor(x)?, &parse_static_shape(shape, "broadcast_to")?).py()?))
}

fn tensors(xs: &Bound<'_, PyAny>, op: &str) -> PyResult<Vec<Tensor>> {
    let seq = xs.downcast::<PySequence>().map_err(|_| PyTypeError::new_err(format!("{op}: expected a sequence of tensors")))?;
    seq.try_iter()?.map(|x| to_tensor(&x?)).collect()
}

fn wrap_all(ts: Vec<Tensor>) -> Vec<PyTensor> {
    ts.into_iter().map(PyTensor::new).collect()
}

/// Non-negative counts: an int or a sequence of ints.
fn counts(obj: &Bound<'_, PyAny>, op: &str) -> PyResult<Vec<usize>> {
    parse_shape(obj, op)?
        .into_iter()
        .map(|d| usize::try_from(d).map_err(|_| PyValueError::new_err(format!("{op}: repeats must be non-negative, got {d}"))))
        .collect()
}

/// Joins a sequence of tensors along an existing axis.
///
/// Args:
///     xs: the tensors; same shape except along `axis` (mixed dtypes are promoted).
///     axis: the axis to join along.
///
/// Returns:
///     The concatenated tensor.
#[pyfunction]
#[pyo3(signature = (xs, axis=0))]
fn concatenate(xs: &Bound<'_, PyAny>, axis: isize) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::concatenate(&tensors(xs, "concatenate")?, axis).py()?))
}

/// Joins a sequence of tensors of one shape along a new axis.
///
/// Args:
///     x: the tensors.
///     axis: the position of the new axis in the result.
///
/// Returns:
///     The stacked tensor.
#[pyfunction]
#[pyo3(signature = (x, axis=0))]
fn stack(x: &Bound<'_, PyAny>, axis: isize) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::stack(&tensors(x, "stack")?, axis).py()?))
}

/// Unpacks a tensor along an axis into a list of tensors (views).
///
/// Args:
///     x: the tensor.
///     num: the expected number of pieces (the size of `axis`), or None.
///     axis: the axis to unpack along.
///
/// Returns:
///     A list of `x.shape[axis]` tensors with that axis removed.
#[pyfunction]
#[pyo3(signature = (x, num=None, axis=0))]
fn unstack(x: &Bound<'_, PyAny>, num: Option<usize>, axis: isize) -> PyResult<Vec<PyTensor>> {
    Ok(wrap_all(ops::unstack(&to_tensor(x)?, num, axis).py()?))
}

/// Splits a tensor into pieces along an axis (views).
///
/// Args:
///     x: the tensor.
///     indices_or_sections: an int N for N equal pieces, or a sorted list of positions to
///         cut before.
///     axis: the axis to split.
///
/// Returns:
///     A list of tensors.
#[pyfunction]
#[pyo3(signature = (x, indices_or_sections, axis=0))]
fn split(x: &Bound<'_, PyAny>, indices_or_sections: &Bound<'_, PyAny>, axis: isize) -> PyResult<Vec<PyTensor>> {
    let spec = if indices_or_sections.downcast::<PyInt>().is_ok() {
        let n: i64 = indices_or_sections.extract()?;
        SplitSpec::Sections(usize::try_from(n).map_err(|_| PyValueError::new_err(format!("split: the number of sections must be positive, got {n}")))?)
    } else {
        SplitSpec::Indices(parse_shape(indices_or_sections, "split")?)
    };
    Ok(wrap_all(ops::split(&to_tensor(x)?, &spec, axis).py()?))
}

/// Repeats a tensor along each axis.
///
/// Args:
///     x: the tensor.
///     repeats: the number of copies along each axis (an int, or one per axis; shorter lists
///         apply to the last axes).
///
/// Returns:
///     The tiled tensor.
#[pyfunction]
fn tile(x: &Bound<'_, PyAny>, repeats: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::tile(&to_tensor(x)?, &counts(repeats, "tile")?).py()?))
}

/// Repeats each element of a tensor.
///
/// Args:
///     x: the tensor.
///     repeats: one count for every element, or one count per element along `axis`.
///     axis: the axis to repeat along; None repeats the flattened tensor.
///
/// Returns:
///     The repeated tensor.
#[pyfunction]
#[pyo3(signature = (x, repeats, axis=None))]
fn repeat(x: &Bound<'_, PyAny>, repeats: &Bound<'_, PyAny>, axis: Option<isize>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::repeat(&to_tensor(x)?, &counts(repeats, "repeat")?, axis).py()?))
}

/// Reverses the order of elements along the given axes (a view).
///
/// Args:
///     x: the tensor.
///     axis: an axis or tuple of axes to reverse; None reverses every axis.
///
/// Returns:
///     The flipped tensor.
#[pyfunction]
#[pyo3(signature = (x, axis=None))]
fn flip(x: &Bound<'_, PyAny>, axis: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let axes = parse_axes(axis)?;
    Ok(PyTensor::new(ops::flip(&to_tensor(x)?, axes.as_deref()).py()?))
}

/// Interchanges two axes of a tensor (a view).
///
/// Args:
///     x: the tensor.
///     axis1: the first axis.
///     axis2: the second axis.
///
/// Returns:
///     The tensor with the two axes swapped.
#[pyfunction]
fn swapaxes(x: &Bound<'_, PyAny>, axis1: isize, axis2: isize) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::swapaxes(&to_tensor(x)?, axis1, axis2).py()?))
}

/// Moves axes of a tensor to new positions (a view); the other axes keep their order.
///
/// Args:
///     x: the tensor.
///     source: the original position(s) of the axes to move.
///     destination: the destination position(s), one per source axis.
///
/// Returns:
///     The tensor with moved axes.
#[pyfunction]
fn moveaxis(x: &Bound<'_, PyAny>, source: &Bound<'_, PyAny>, destination: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let src = parse_axes(Some(source))?.unwrap_or_default();
    let dst = parse_axes(Some(destination))?.unwrap_or_default();
    Ok(PyTensor::new(ops::moveaxis(&to_tensor(x)?, &src, &dst).py()?))
}

/// Returns a contiguous flattened (1-D) tensor.
///
/// Args:
///     x: the tensor.
///
/// Returns:
///     A 1-D tensor of `x.size` elements (a view when the layout allows).
#[pyfunction]
fn ravel(x: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::ravel(&to_tensor(x)?).py()?))
}

/// `pad_width` in numpy's forms: an int, one (before, after) pair, or one pair (or int) per axis.
fn parse_pad_width(obj: &Bound<'_, PyAny>, rank: usize) -> PyResult<Vec<(usize, usize)>> {
    let bad = || PyValueError::new_err(format!("pad: pad_width must be an int, a (before, after) pair, or one pair per axis ({rank} axes)"));
    let nonneg = |v: i64| usize::try_from(v).map_err(|_| PyValueError::new_err(format!("pad: padding widths must be non-negative, got {v}")));
    let pair_of = |o: &Bound<'_, PyAny>| -> PyResult<(usize, usize)> {
        if let Ok(v) = o.extract::<i64>() {
            let v = nonneg(v)?;
            return Ok((v, v));
        }
        match parse_shape(o, "pad")?.as_slice() {
            [b, a] => Ok((nonneg(*b)?, nonneg(*a)?)),
            [v] => Ok((nonneg(*v)?, nonneg(*v)?)),
            _ => Err(bad()),
        }
    };
    if obj.extract::<i64>().is_ok() {
        return Ok(vec![pair_of(obj)?; rank]);
    }
    let seq = obj.downcast::<PySequence>().map_err(|_| bad())?;
    let items: Vec<Bound<'_, PyAny>> = seq.try_iter()?.collect::<PyResult<_>>()?;
    let all_ints = items.iter().all(|i| i.extract::<i64>().is_ok());
    if all_ints && items.len() <= 2 {
        // One (before, after) pair (or one width) for every axis.
        return Ok(vec![pair_of(obj)?; rank]);
    }
    let pairs: Vec<(usize, usize)> = items.iter().map(pair_of).collect::<PyResult<_>>()?;
    match pairs.len() {
        1 => Ok(vec![pairs[0]; rank]),
        n if n == rank => Ok(pairs),
        _ => Err(bad()),
    }
}

/// Pads a tensor.
///
/// Args:
///     x: the tensor.
///     pad_width: the number of values added before and after each axis: an int, one
///         `(before, after)` pair for all axes, or one pair per axis.
///     mode: "constant" (fill with `constant_values`), "reflect" (mirror without repeating
///         the edge) or "symmetric" (mirror repeating the edge).
///     constant_values: the fill value for "constant" mode (default 0).
///
/// Returns:
///     The padded tensor.
#[pyfunction]
#[pyo3(signature = (x, pad_width, mode="constant", constant_values=None))]
fn pad(x: &Bound<'_, PyAny>, pad_width: &Bound<'_, PyAny>, mode: &str, constant_values: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let t = to_tensor(x)?;
    let mode = PadMode::from_name(mode).py()?;
    let value = match constant_values {
        Some(v) if !v.is_none() => {
            if mode != PadMode::Constant {
                return Err(PyValueError::new_err("pad: constant_values can only be given with mode='constant'"));
            }
            let s = scalar_tensor(v, None)?.map_or_else(|| to_tensor(v), Ok)?;
            s.item().py()?
        }
        _ => 0.0,
    };
    let widths = parse_pad_width(pad_width, t.rank())?;
    Ok(PyTensor::new(ops::pad(&t, &widths, mode, value).py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(reshape, m)?)?;
    m.add_function(wrap_pyfunction!(transpose, m)?)?;
    m.add_function(wrap_pyfunction!(expand_dims, m)?)?;
    m.add_function(wrap_pyfunction!(squeeze, m)?)?;
    m.add_function(wrap_pyfunction!(broadcast_to, m)?)?;
    m.add_function(wrap_pyfunction!(concatenate, m)?)?;
    m.add_function(wrap_pyfunction!(stack, m)?)?;
    m.add_function(wrap_pyfunction!(unstack, m)?)?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_function(wrap_pyfunction!(tile, m)?)?;
    m.add_function(wrap_pyfunction!(repeat, m)?)?;
    m.add_function(wrap_pyfunction!(flip, m)?)?;
    m.add_function(wrap_pyfunction!(swapaxes, m)?)?;
    m.add_function(wrap_pyfunction!(moveaxis, m)?)?;
    m.add_function(wrap_pyfunction!(ravel, m)?)?;
    m.add_function(wrap_pyfunction!(pad, m)?)?;
    Ok(())
}
