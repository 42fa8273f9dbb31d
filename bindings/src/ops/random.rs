//! Bindings of random number generation and dropout (`lamina.random`), and the SeedGenerator.

use lamina_core::ops::random::{next_global_seed, set_global_seed, Seed, SeedGenerator};
use lamina_core::{ops, DType};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PySequence, PyType};

use crate::convert::{opt_dtype, parse_shape, parse_static_shape, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// Generates a sequence of seeds for the random ops: each `next()` gives a new one, so
/// passing a SeedGenerator as `seed` draws different numbers on every call while the whole
/// sequence stays reproducible.
///
/// Args:
///     seed: the initial seed (an int). None picks one from Python's `random` module, which
///         `lamina.utils.set_random_seed` seeds.
///
/// Example:
///     gen = lamina.random.SeedGenerator(1337)
///     x = lamina.random.normal((2, 3), seed=gen)
#[pyclass(name = "SeedGenerator", module = "lamina.random", frozen)]
pub struct PySeedGenerator {
    inner: SeedGenerator,
    initial: i64,
}

#[pymethods]
impl PySeedGenerator {
    #[new]
    #[pyo3(signature = (seed=None, name=None, **kwargs))]
    fn py_new(py: Python<'_>, seed: Option<&Bound<'_, PyAny>>, name: Option<&Bound<'_, PyAny>>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let _ = (name, kwargs);
        let initial: i64 = match seed {
            Some(s) if !s.is_none() => {
                if s.downcast::<PyBool>().is_ok() || s.downcast::<PyInt>().is_err() {
                    return Err(PyTypeError::new_err(format!("SeedGenerator: seed must be an int or None, got {}", s.repr()?)));
                }
                s.extract()?
            }
            _ => py.import("random")?.call_method1("randint", (1, 1_000_000_000))?.extract()?,
        };
        Ok(PySeedGenerator { inner: SeedGenerator::new(initial as u64), initial })
    }

    /// The next seed, as a (seed, counter) pair that the random ops accept as `seed`.
    #[pyo3(signature = (ordered=true))]
    fn next(&self, ordered: bool) -> (i64, u64) {
        let _ = ordered;
        let s = self.inner.next_seed();
        (s.seed as i64, s.counter)
    }

    /// The seed the generator was made with.
    #[getter]
    fn seed(&self) -> i64 {
        self.initial
    }

    /// The current (seed, counter) state.
    #[getter]
    fn state(&self) -> (i64, u64) {
        (self.initial, self.inner.counter())
    }

    fn get_config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("seed", self.initial)?;
        Ok(d)
    }

    #[classmethod]
    fn from_config<'py>(cls: &Bound<'py, PyType>, config: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyAny>> {
        cls.call((), Some(config))
    }

    fn __repr__(&self) -> String {
        format!("<SeedGenerator seed={} counter={}>", self.initial, self.inner.counter())
    }
}

/// Resolves a `seed` argument: None (the global generator), an int (always the same
/// numbers), a SeedGenerator (its next seed) or a drawn (seed, counter) pair.
fn draw_seed(seed: Option<&Bound<'_, PyAny>>) -> PyResult<Seed> {
    let Some(s) = seed.filter(|s| !s.is_none()) else {
        return Ok(next_global_seed());
    };
    if let Ok(g) = s.downcast::<PySeedGenerator>() {
        return Ok(g.get().inner.next_seed());
    }
    if s.downcast::<PyInt>().is_ok() && s.downcast::<PyBool>().is_err() {
        return Ok(Seed::new(s.extract::<i64>()? as u64, 0));
    }
    if s.downcast::<PySequence>().is_ok() || s.downcast::<PyTensor>().is_ok() || s.hasattr("__array__")? {
        if let Ok(Ok([a, b])) = parse_shape(s, "seed").map(<[i64; 2]>::try_from) {
            return Ok(Seed::new(a as u64, b as u64));
        }
    }
    Err(PyTypeError::new_err(format!(
        "seed must be None, an int, a SeedGenerator or a (seed, counter) pair, got {}",
        s.repr()?
    )))
}

/// Draw samples from a uniform distribution over [minval, maxval).
///
/// Args:
///     shape: the shape of the result.
///     minval: the lower bound (included).
///     maxval: the upper bound (excluded).
///     dtype: float32 (default) or float64.
///     seed: None (the global generator), an int (the same numbers every call) or a
///         SeedGenerator (new numbers every call, reproducibly).
///
/// Returns:
///     A tensor of random values.
#[pyfunction]
#[pyo3(name = "uniform", signature = (shape, minval=0.0, maxval=1.0, dtype=None, seed=None))]
fn uniform(shape: &Bound<'_, PyAny>, minval: f64, maxval: f64, dtype: Option<&Bound<'_, PyAny>>, seed: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let s = draw_seed(seed)?;
    Ok(PyTensor::new(crate::device::placed(ops::random_uniform(&parse_static_shape(shape, "uniform")?, minval, maxval, opt_dtype(dtype)?, s).py()?)?))
}

/// Draw samples from a normal (Gaussian) distribution.
///
/// Args:
///     shape: the shape of the result.
///     mean: the mean of the distribution.
///     stddev: its standard deviation.
///     dtype: float32 (default) or float64.
///     seed: None, an int or a SeedGenerator (see `uniform`).
///
/// Returns:
///     A tensor of random values.
#[pyfunction]
#[pyo3(name = "normal", signature = (shape, mean=0.0, stddev=1.0, dtype=None, seed=None))]
fn normal(shape: &Bound<'_, PyAny>, mean: f64, stddev: f64, dtype: Option<&Bound<'_, PyAny>>, seed: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let s = draw_seed(seed)?;
    Ok(PyTensor::new(crate::device::placed(ops::random_normal(&parse_static_shape(shape, "normal")?, mean, stddev, opt_dtype(dtype)?, s).py()?)?))
}

/// Draw samples from a truncated normal distribution: values more than two standard
/// deviations from the mean are dropped and redrawn.
///
/// Args:
///     shape: the shape of the result.
///     mean: the mean of the distribution before truncation.
///     stddev: its standard deviation before truncation.
///     dtype: float32 (default) or float64.
///     seed: None, an int or a SeedGenerator (see `uniform`).
///
/// Returns:
///     A tensor of random values within [mean - 2 stddev, mean + 2 stddev].
#[pyfunction]
#[pyo3(name = "truncated_normal", signature = (shape, mean=0.0, stddev=1.0, dtype=None, seed=None))]
fn truncated_normal(shape: &Bound<'_, PyAny>, mean: f64, stddev: f64, dtype: Option<&Bound<'_, PyAny>>, seed: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let s = draw_seed(seed)?;
    Ok(PyTensor::new(crate::device::placed(ops::truncated_normal(&parse_static_shape(shape, "truncated_normal")?, mean, stddev, opt_dtype(dtype)?, s).py()?)?))
}

/// Draw random integers from a uniform distribution over [minval, maxval).
///
/// Args:
///     shape: the shape of the result.
///     minval: the lower bound (included).
///     maxval: the upper bound (excluded).
///     dtype: int32 (default) or int64.
///     seed: None, an int or a SeedGenerator (see `uniform`).
///
/// Returns:
///     A tensor of random integers.
#[pyfunction]
#[pyo3(name = "randint", signature = (shape, minval, maxval, dtype=None, seed=None), text_signature = "(shape, minval, maxval, dtype='int32', seed=None)")]
fn randint(shape: &Bound<'_, PyAny>, minval: i64, maxval: i64, dtype: Option<&Bound<'_, PyAny>>, seed: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let s = draw_seed(seed)?;
    let dt = opt_dtype(dtype)?.unwrap_or(DType::I32);
    Ok(PyTensor::new(crate::device::placed(ops::randint(&parse_static_shape(shape, "randint")?, minval, maxval, Some(dt), s).py()?)?))
}

/// Shuffle the elements of a tensor uniformly at random along an axis.
///
/// Args:
///     x: the tensor.
///     axis: the axis whose slices are permuted.
///     seed: None, an int or a SeedGenerator (see `uniform`).
///
/// Returns:
///     A tensor like `x` with its slices along `axis` in random order.
#[pyfunction]
#[pyo3(name = "shuffle", signature = (x, axis=0, seed=None))]
fn shuffle(x: &Bound<'_, PyAny>, axis: isize, seed: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let s = draw_seed(seed)?;
    Ok(PyTensor::new(ops::shuffle(&to_tensor(x)?, axis, s).py()?))
}

/// Randomly sets inputs to 0 with probability `rate`, scaling the others by 1 / (1 - rate)
/// so the expected sum is unchanged.
///
/// Args:
///     inputs: a float tensor.
///     rate: the probability of dropping each element, in [0, 1).
///     noise_shape: the shape of the keep/drop mask, broadcast to the input's (None entries
///         take the input's size): e.g. (batch, 1, features) drops the same features at
///         every time step.
///     seed: None, an int or a SeedGenerator (see `uniform`).
///
/// Returns:
///     `inputs * mask / (1 - rate)`; the gradient uses the same mask.
#[pyfunction]
#[pyo3(name = "dropout", signature = (inputs, rate, noise_shape=None, seed=None))]
fn dropout(inputs: &Bound<'_, PyAny>, rate: f64, noise_shape: Option<&Bound<'_, PyAny>>, seed: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let x = to_tensor(inputs)?;
    let noise: Option<Vec<usize>> = match noise_shape {
        Some(ns) if !ns.is_none() => {
            let seq = ns.downcast::<PySequence>().map_err(|_| PyTypeError::new_err("dropout: noise_shape must be a sequence"))?;
            let dims: Vec<Bound<'_, PyAny>> = seq.try_iter()?.collect::<PyResult<_>>()?;
            if dims.len() != x.rank() {
                return Err(PyValueError::new_err(format!(
                    "dropout: noise_shape {} must have one entry per axis of the input of shape {:?}",
                    ns.repr()?,
                    x.shape()
                )));
            }
            Some(
                dims.iter()
                    .zip(x.shape())
                    .map(|(d, &full)| if d.is_none() { Ok(full) } else { d.extract::<usize>() })
                    .collect::<PyResult<_>>()?,
            )
        }
        _ => None,
    };
    let s = draw_seed(seed)?;
    Ok(PyTensor::new(ops::dropout(&x, rate, noise.as_deref(), s).py()?))
}

/// Resets the generator behind `seed=None` (used by lamina.utils.set_random_seed).
#[pyfunction]
fn set_global_random_seed(seed: i64) {
    set_global_seed(seed as u64);
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySeedGenerator>()?;
    // Under a prefixed name: _core is flat and `lamina.random` re-exports the Keras names.
    m.add("random_uniform", wrap_pyfunction!(uniform, m)?)?;
    m.add("random_normal", wrap_pyfunction!(normal, m)?)?;
    m.add("random_truncated_normal", wrap_pyfunction!(truncated_normal, m)?)?;
    m.add("random_randint", wrap_pyfunction!(randint, m)?)?;
    m.add("random_shuffle", wrap_pyfunction!(shuffle, m)?)?;
    m.add("random_dropout", wrap_pyfunction!(dropout, m)?)?;
    m.add_function(wrap_pyfunction!(set_global_random_seed, m)?)?;
    Ok(())
}
