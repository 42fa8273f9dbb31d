//! Bindings of the linear algebra family.

use lamina_core::ops::{self, TensordotAxes};
use lamina_core::{Result, Tensor};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert::{operands, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// Multiply-adds from which a product runs with the GIL released (below, releasing and
/// re-taking it costs more than the product).
const RELEASE_GIL_MIN_MACS: usize = 1 << 16;

/// Runs a product with the GIL released when it is large enough for that to pay, so other
/// Python threads (a data loader) run meanwhile.
pub fn run_product(py: Python<'_>, a: &Tensor, b: &Tensor, f: fn(&Tensor, &Tensor) -> Result<Tensor>) -> PyResult<PyTensor> {
    let out = if ops::matmul_work(a, b) >= RELEASE_GIL_MIN_MACS { py.allow_threads(|| f(a, b)) } else { f(a, b) };
    Ok(PyTensor::new(out.py()?))
}

/// `ops::matmul` for the `@` operator: the GIL is released for large products.
pub fn matmul_releasing_gil(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if ops::matmul_work(a, b) >= RELEASE_GIL_MIN_MACS {
        Python::with_gil(|py| py.allow_threads(|| ops::matmul(a, b)))
    } else {
        ops::matmul(a, b)
    }
}

/// Matrix product of two tensors.
///
/// numpy semantics: 2-D operands multiply as matrices; leading (batch) axes broadcast; a 1-D
/// first operand is a row vector and a 1-D second operand a column vector, the added axis
/// being removed from the result.
///
/// Args:
///     x1: first tensor, shape (..., M, K) or (K,).
///     x2: second tensor, shape (..., K, N) or (K,).
///
/// Returns:
///     The product, shape (..., M, N) (without the axes of 1-D operands).
#[pyfunction]
pub fn matmul(py: Python<'_>, x1: &Bound<'_, PyAny>, x2: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let (a, b) = operands(x1, x2)?;
    run_product(py, &a, &b, ops::matmul)
}

/// Dot product of two tensors (numpy.dot).
///
/// A scalar operand multiplies; two 1-D tensors give their inner product; an N-D tensor and a
/// 1-D tensor are summed over their last axes; otherwise the last axis of `x1` is summed
/// against the second-to-last axis of `x2`.
///
/// Args:
///     x1: first tensor.
///     x2: second tensor.
///
/// Returns:
///     The dot product.
#[pyfunction]
pub fn dot(py: Python<'_>, x1: &Bound<'_, PyAny>, x2: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let (a, b) = operands(x1, x2)?;
    run_product(py, &a, &b, ops::dot)
}

/// Reads tensordot's `axes`: an int N, or a pair of ints / sequences of ints.
fn parse_tensordot_axes(axes: &Bound<'_, PyAny>) -> PyResult<TensordotAxes> {
    if let Ok(n) = axes.extract::<i64>() {
        return usize::try_from(n)
            .map(TensordotAxes::Count)
            .map_err(|_| pyo3::exceptions::PyValueError::new_err(format!("tensordot: axes must be non-negative, got {n}")));
    }
    let side = |o: &Bound<'_, PyAny>| -> PyResult<Vec<isize>> {
        if let Ok(a) = o.extract::<isize>() {
            Ok(vec![a])
        } else {
            o.extract::<Vec<isize>>()
        }
    };
    if let Ok((x, y)) = axes.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>() {
        if let (Ok(x), Ok(y)) = (side(&x), side(&y)) {
            return Ok(TensordotAxes::Pairs(x, y));
        }
    }
    Err(PyTypeError::new_err(format!(
        "tensordot: axes must be an int or a pair of axis lists, got {}",
        axes.repr()?
    )))
}

/// Tensor contraction over the given axes (numpy.tensordot).
///
/// Args:
///     x1: first tensor.
///     x2: second tensor.
///     axes: an int N (sum over the last N axes of `x1` and the first N of `x2`), or a pair
///         of axis lists `([a0, a1, ...], [b0, b1, ...])` summed pairwise.
///
/// Returns:
///     A tensor with the free axes of `x1` followed by those of `x2`.
#[pyfunction]
#[pyo3(signature = (x1, x2, axes=None), text_signature = "(x1, x2, axes=2)")]
pub fn tensordot(py: Python<'_>, x1: &Bound<'_, PyAny>, x2: &Bound<'_, PyAny>, axes: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let (a, b) = operands(x1, x2)?;
    let axes = match axes {
        None => TensordotAxes::Count(2),
        Some(o) => parse_tensordot_axes(o)?,
    };
    let large = ops::matmul_work(&a, &b) >= RELEASE_GIL_MIN_MACS;
    let out = if large { py.allow_threads(|| ops::tensordot(&a, &b, &axes)) } else { ops::tensordot(&a, &b, &axes) };
    Ok(PyTensor::new(out.py()?))
}

/// Einstein summation (numpy.einsum) over one or more tensors.
///
/// Supports explicit (`"ij,jk->ik"`) and implicit (`"ij,jk"`) outputs, repeated indices
/// (`"ii->i"` takes a diagonal, `"ii"` a trace), `...` for broadcast leading axes, and any
/// number of operands (contracted left to right, each pair as one batched matmul).
///
/// Args:
///     subscripts: the summation, e.g. `"bij,bjk->bik"`.
///     *operands: the tensors.
///
/// Returns:
///     The result tensor.
#[pyfunction]
#[pyo3(signature = (subscripts, *operands))]
pub fn einsum(py: Python<'_>, subscripts: &str, operands: &Bound<'_, PyTuple>) -> PyResult<PyTensor> {
    let ts: Vec<Tensor> = operands.iter().map(|o| to_tensor(&o)).collect::<PyResult<_>>()?;
    let work: usize = ts.iter().map(|t| t.numel()).max().unwrap_or(0);
    let out = if work >= RELEASE_GIL_MIN_MACS { py.allow_threads(|| ops::einsum(subscripts, &ts)) } else { ops::einsum(subscripts, &ts) };
    Ok(PyTensor::new(out.py()?))
}

/// Outer product of two tensors (flattened first): `out[i, j] = x1.flat[i] * x2.flat[j]`.
///
/// Args:
///     x1: first tensor.
///     x2: second tensor.
///
/// Returns:
///     A tensor of shape (x1.size, x2.size).
#[pyfunction]
pub fn outer(x1: &Bound<'_, PyAny>, x2: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let (a, b) = operands(x1, x2)?;
    Ok(PyTensor::new(ops::outer(&a, &b).py()?))
}

/// Inner product of two tensors (numpy.inner): sums the products over the last axes.
///
/// Args:
///     x1: first tensor.
///     x2: second tensor (same last-axis size as `x1`).
///
/// Returns:
///     A tensor of shape x1.shape[:-1] + x2.shape[:-1].
#[pyfunction]
pub fn inner(py: Python<'_>, x1: &Bound<'_, PyAny>, x2: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let (a, b) = operands(x1, x2)?;
    run_product(py, &a, &b, ops::inner)
}

/// Dot product of the flattened tensors (numpy.vdot).
///
/// Args:
///     x1: first tensor.
///     x2: second tensor with as many elements.
///
/// Returns:
///     A scalar tensor.
#[pyfunction]
pub fn vdot(x1: &Bound<'_, PyAny>, x2: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let (a, b) = operands(x1, x2)?;
    Ok(PyTensor::new(ops::vdot(&a, &b).py()?))
}

/// Sum along a diagonal of a tensor (numpy.trace).
///
/// Args:
///     x: a tensor of rank >= 2.
///     offset: diagonal offset (> 0 above the main diagonal, < 0 below).
///     axis1: first axis of the 2-D planes.
///     axis2: second axis of the 2-D planes.
///
/// Returns:
///     The sums, with `axis1` and `axis2` removed.
#[pyfunction]
#[pyo3(signature = (x, offset=0, axis1=0, axis2=1))]
pub fn trace(x: &Bound<'_, PyAny>, offset: isize, axis1: isize, axis2: isize) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::trace(&to_tensor(x)?, offset, axis1, axis2).py()?))
}

/// A diagonal of a tensor (numpy.diagonal), as a view.
///
/// Args:
///     x: a tensor of rank >= 2.
///     offset: diagonal offset (> 0 above the main diagonal, < 0 below).
///     axis1: first axis of the 2-D planes.
///     axis2: second axis of the 2-D planes.
///
/// Returns:
///     The diagonals: `axis1` and `axis2` removed and the diagonal appended as the last axis.
#[pyfunction]
#[pyo3(signature = (x, offset=0, axis1=0, axis2=1))]
pub fn diagonal(x: &Bound<'_, PyAny>, offset: isize, axis1: isize, axis2: isize) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::diagonal(&to_tensor(x)?, offset, axis1, axis2).py()?))
}

/// `activation(x @ kernel + bias)` in one pass of the GEMM (a Dense layer's forward).
///
/// The bias is added and the activation applied while each tile of the product is stored, so
/// the output is written once. Differentiable in `x`, `kernel` and `bias`.
///
/// Args:
///     x: input, shape (..., K).
///     kernel: weights, shape (K, N).
///     bias: optional bias, shape (N,).
///     activation: None or "linear" (identity), or "relu".
///
/// Returns:
///     A tensor of shape (..., N).
#[pyfunction]
#[pyo3(signature = (x, kernel, bias=None, activation=None))]
pub fn fused_linear(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    kernel: &Bound<'_, PyAny>,
    bias: Option<&Bound<'_, PyAny>>,
    activation: Option<&str>,
) -> PyResult<PyTensor> {
    let act = match activation {
        None | Some("linear") => ops::FusedActivation::Linear,
        Some("relu") => ops::FusedActivation::Relu,
        Some(other) => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "fused_linear: activation must be None, 'linear' or 'relu', got '{other}'"
            )))
        }
    };
    let (xt, wt) = (to_tensor(x)?, to_tensor(kernel)?);
    let bt = match bias {
        Some(b) if !b.is_none() => Some(to_tensor(b)?),
        _ => None,
    };
    let run = || ops::fused_linear(&xt, &wt, bt.as_ref(), act);
    let out = if ops::matmul_work(&xt, &wt) >= RELEASE_GIL_MIN_MACS { py.allow_threads(run) } else { run() };
    Ok(PyTensor::new(out.py()?))
}

/// The GEMM micro-kernels this machine uses ("avx512", "avx2" or "portable"); for benchmarks.
#[pyfunction]
fn _gemm_kernel() -> &'static str {
    lamina_core::cpu::gemm::kernel_name()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_gemm_kernel, m)?)?;
    m.add_function(wrap_pyfunction!(fused_linear, m)?)?;
    m.add_function(wrap_pyfunction!(matmul, m)?)?;
    m.add_function(wrap_pyfunction!(dot, m)?)?;
    m.add_function(wrap_pyfunction!(tensordot, m)?)?;
    m.add_function(wrap_pyfunction!(einsum, m)?)?;
    m.add_function(wrap_pyfunction!(outer, m)?)?;
    m.add_function(wrap_pyfunction!(inner, m)?)?;
    m.add_function(wrap_pyfunction!(vdot, m)?)?;
    m.add_function(wrap_pyfunction!(trace, m)?)?;
    m.add_function(wrap_pyfunction!(diagonal, m)?)?;
    Ok(())
}
