//! Bindings of the elementwise family: arithmetic, math functions, activations, comparisons,
//! logical and bitwise ops, where, clip, cast. Python scalars beside a tensor are weakly typed
//! (they take the tensor's dtype), as in Keras.

use lamina_core::{ops, Result, Tensor};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::{PyBool, PyFloat, PyInt, PyTuple};

use crate::convert::{operands, parse_dtype, scalar_tensor, to_tensor};
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// `x ** y` for `Tensor.__pow__`.
pub fn power(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    ops::power(a, b)
}

/// `abs(x)` for `Tensor.__abs__`.
pub fn absolute(x: &Tensor) -> Result<Tensor> {
    ops::abs(x)
}

/// The engine op behind a rich comparison operator.
pub fn comparison(op: CompareOp) -> fn(&Tensor, &Tensor) -> Result<Tensor> {
    match op {
        CompareOp::Lt => ops::less,
        CompareOp::Le => ops::less_equal,
        CompareOp::Eq => ops::equal,
        CompareOp::Ne => ops::not_equal,
        CompareOp::Gt => ops::greater,
        CompareOp::Ge => ops::greater_equal,
    }
}

/// `x` as a tensor; a Python number is weakly typed: it takes `like`'s dtype.
fn weak_operand(obj: &Bound<'_, PyAny>, like: lamina_core::DType) -> PyResult<Tensor> {
    if obj.downcast::<PyFloat>().is_ok() || obj.downcast::<PyInt>().is_ok() || obj.downcast::<PyBool>().is_ok() {
        if let Some(t) = scalar_tensor(obj, Some(like))? {
            return Ok(t);
        }
    }
    to_tensor(obj)
}

macro_rules! binary_ops {
    ($($(#[$doc:meta])* $name:ident $(as $pyname:literal)? => $f:expr;)*) => {
        $(
            $(#[$doc])*
            #[pyfunction]
            $(#[pyo3(name = $pyname)])?
            pub fn $name(x1: &Bound<'_, PyAny>, x2: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
                let (a, b) = operands(x1, x2)?;
                Ok(PyTensor::new(($f)(&a, &b).py()?))
            }
        )*
    };
}

macro_rules! unary_ops {
    ($($(#[$doc:meta])* $name:ident $(as $pyname:literal)? => $f:expr;)*) => {
        $(
            $(#[$doc])*
            #[pyfunction]
            $(#[pyo3(name = $pyname)])?
            pub fn $name(x: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
                Ok(PyTensor::new(($f)(&to_tensor(x)?).py()?))
            }
        )*
    };
}

binary_ops! {
    /// Adds two tensors elementwise, with broadcasting.
    ///
    /// Args:
    ///     x1: first input tensor.
    ///     x2: second input tensor.
    ///
    /// Returns:
    ///     The tensor `x1 + x2` in the promoted dtype of the inputs.
    add => ops::add;
    /// Subtracts `x2` from `x1` elementwise, with broadcasting.
    ///
    /// Args:
    ///     x1: first input tensor.
    ///     x2: second input tensor.
    ///
    /// Returns:
    ///     The tensor `x1 - x2`.
    subtract => ops::subtract;
    /// Multiplies two tensors elementwise, with broadcasting.
    ///
    /// Args:
    ///     x1: first input tensor.
    ///     x2: second input tensor.
    ///
    /// Returns:
    ///     The tensor `x1 * x2`.
    multiply => ops::multiply;
    /// True division, elementwise, with broadcasting; integer inputs give float32.
    ///
    /// Args:
    ///     x1: numerator.
    ///     x2: denominator.
    ///
    /// Returns:
    ///     The tensor `x1 / x2`.
    divide => ops::divide;
    /// First tensor elements raised to powers from the second tensor, elementwise.
    ///
    /// Integer inputs stay integers (negative exponents give the truncated result).
    ///
    /// Args:
    ///     x1: the bases.
    ///     x2: the exponents.
    ///
    /// Returns:
    ///     The tensor `x1 ** x2`.
    power_op as "power" => ops::power;
    /// Elementwise minimum; NaN if either input is NaN.
    ///
    /// Args:
    ///     x1: first tensor.
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     The elementwise minimum of `x1` and `x2`.
    minimum => ops::minimum;
    /// Elementwise maximum; NaN if either input is NaN.
    ///
    /// Args:
    ///     x1: first tensor.
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     The elementwise maximum of `x1` and `x2`.
    maximum => ops::maximum;
    /// The largest integer smaller or equal to the division of the inputs (numpy semantics).
    ///
    /// Args:
    ///     x1: numerator.
    ///     x2: denominator.
    ///
    /// Returns:
    ///     `floor(x1 / x2)`; integers divided by zero give 0.
    floor_divide => ops::floor_divide;
    /// The remainder of floor division, with the sign of the divisor (numpy's `mod`).
    ///
    /// Args:
    ///     x1: dividend.
    ///     x2: divisor.
    ///
    /// Returns:
    ///     `x1 - floor(x1 / x2) * x2`.
    mod_op as "mod" => ops::r#mod;
    /// Returns `x1 == x2` elementwise (bool).
    ///
    /// Args:
    ///     x1: first tensor.
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    equal => ops::equal;
    /// Returns `x1 != x2` elementwise (bool).
    ///
    /// Args:
    ///     x1: first tensor.
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    not_equal => ops::not_equal;
    /// Returns `x1 < x2` elementwise (bool).
    ///
    /// Args:
    ///     x1: first tensor.
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    less => ops::less;
    /// Returns `x1 <= x2` elementwise (bool).
    ///
    /// Args:
    ///     x1: first tensor.
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    less_equal => ops::less_equal;
    /// Returns `x1 > x2` elementwise (bool).
    ///
    /// Args:
    ///     x1: first tensor.
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    greater => ops::greater;
    /// Returns `x1 >= x2` elementwise (bool).
    ///
    /// Args:
    ///     x1: first tensor.
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    greater_equal => ops::greater_equal;
    /// Logical AND of the truth values of the inputs, elementwise.
    ///
    /// Args:
    ///     x1: first tensor (nonzero is true).
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    logical_and => ops::logical_and;
    /// Logical OR of the truth values of the inputs, elementwise.
    ///
    /// Args:
    ///     x1: first tensor (nonzero is true).
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    logical_or => ops::logical_or;
    /// Logical XOR of the truth values of the inputs, elementwise.
    ///
    /// Args:
    ///     x1: first tensor (nonzero is true).
    ///     x2: second tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    logical_xor => ops::logical_xor;
}

/// Bitwise AND of two integer (or bool) tensors.
///
/// Args:
///     x: first tensor.
///     y: second tensor.
///
/// Returns:
///     `x & y`.
#[pyfunction]
pub fn bitwise_and(x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let (a, b) = operands(x, y)?;
    Ok(PyTensor::new(ops::bitwise_and(&a, &b).py()?))
}

/// Bitwise OR of two integer (or bool) tensors.
///
/// Args:
///     x: first tensor.
///     y: second tensor.
///
/// Returns:
///     `x | y`.
#[pyfunction]
pub fn bitwise_or(x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let (a, b) = operands(x, y)?;
    Ok(PyTensor::new(ops::bitwise_or(&a, &b).py()?))
}

/// Bitwise XOR of two integer (or bool) tensors.
///
/// Args:
///     x: first tensor.
///     y: second tensor.
///
/// Returns:
///     `x ^ y`.
#[pyfunction]
pub fn bitwise_xor(x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let (a, b) = operands(x, y)?;
    Ok(PyTensor::new(ops::bitwise_xor(&a, &b).py()?))
}

unary_ops! {
    /// Numerical negative, elementwise.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `-x`.
    negative => ops::negative;
    /// The absolute value, elementwise.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `|x|` (the gradient at 0 is 0).
    abs_op as "abs" => ops::abs;
    /// The absolute value, elementwise (alias of `abs`).
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `|x|`.
    absolute_op as "absolute" => ops::absolute;
    /// The sign of each element: -1, 0 or 1 (NaN stays NaN).
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the input's dtype.
    sign => ops::sign;
    /// The exponential, elementwise.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `e ** x` (integer inputs give float32).
    exp => ops::exp;
    /// `exp(x) - 1`, accurate for small `x`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `e ** x - 1`.
    expm1 => ops::expm1;
    /// The natural logarithm, elementwise.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `log(x)` (NaN below 0, -inf at 0).
    log => ops::log;
    /// `log(1 + x)`, accurate for small `x`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `log(1 + x)`.
    log1p => ops::log1p;
    /// The non-negative square root, elementwise.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `sqrt(x)`.
    sqrt => ops::sqrt;
    /// The reciprocal of the square root, elementwise.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `1 / sqrt(x)`.
    rsqrt => ops::rsqrt;
    /// The square, elementwise.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `x * x`.
    square => ops::square;
    /// The reciprocal, elementwise (in floating point).
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `1 / x`.
    reciprocal => ops::reciprocal;
    /// Trigonometric sine, elementwise.
    ///
    /// Args:
    ///     x: input tensor (radians).
    ///
    /// Returns:
    ///     `sin(x)`.
    sin => ops::sin;
    /// Trigonometric cosine, elementwise.
    ///
    /// Args:
    ///     x: input tensor (radians).
    ///
    /// Returns:
    ///     `cos(x)`.
    cos => ops::cos;
    /// Hyperbolic tangent, elementwise.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `tanh(x)`.
    tanh => ops::tanh;
    /// Sigmoid activation: `1 / (1 + exp(-x))`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    sigmoid => ops::sigmoid;
    /// Rectified linear unit: `max(x, 0)`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape and dtype.
    relu => ops::relu;
    /// Rectified linear unit capped at 6: `min(max(x, 0), 6)`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape and dtype.
    relu6 => ops::relu6;
    /// Scaled exponential linear unit: `scale * elu(x, alpha)` with
    /// `alpha = 1.67326324` and `scale = 1.05070098`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    selu => ops::selu;
    /// Softplus activation: `log(exp(x) + 1)`, computed without overflow.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    softplus => ops::softplus;
    /// Softsign activation: `x / (abs(x) + 1)`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    softsign => ops::softsign;
    /// Sigmoid linear unit (SiLU, swish): `x * sigmoid(x)`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    silu => ops::silu;
    /// Swish activation (alias of `silu`): `x * sigmoid(x)`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    swish => ops::swish;
    /// Hard sigmoid activation: `relu6(x + 3) / 6`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    hard_sigmoid => ops::hard_sigmoid;
    /// Hard SiLU (hard swish) activation: `x * relu6(x + 3) / 6`.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    hard_silu => ops::hard_silu;
    /// Hard swish activation (alias of `hard_silu`).
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A tensor of the same shape.
    hard_swish => ops::hard_swish;
    /// Logical NOT of the truth value of each element.
    ///
    /// Args:
    ///     x: input tensor (nonzero is true).
    ///
    /// Returns:
    ///     A bool tensor.
    logical_not => ops::logical_not;
    /// Tests elementwise for NaN.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    isnan => ops::isnan;
    /// Tests elementwise for positive or negative infinity.
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    isinf => ops::isinf;
    /// Tests elementwise for finiteness (not infinity and not NaN).
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     A bool tensor.
    isfinite => ops::isfinite;
    /// The floor of each element (integer inputs give float32).
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `floor(x)`.
    floor => ops::floor;
    /// The ceiling of each element (integer inputs give float32).
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `ceil(x)`.
    ceil => ops::ceil;
    /// Bitwise NOT of an integer tensor (logical NOT of a bool tensor).
    ///
    /// Args:
    ///     x: input tensor.
    ///
    /// Returns:
    ///     `~x`.
    bitwise_invert => ops::bitwise_invert;
}

/// Leaky version of a rectified linear unit: `x` for `x > 0`, `negative_slope * x` otherwise.
///
/// Args:
///     x: input tensor.
///     negative_slope: slope of the activation for `x < 0`. Defaults to 0.2.
///
/// Returns:
///     A tensor of the same shape.
#[pyfunction]
#[pyo3(signature = (x, negative_slope=0.2))]
pub fn leaky_relu(x: &Bound<'_, PyAny>, negative_slope: f64) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::leaky_relu(&to_tensor(x)?, negative_slope).py()?))
}

/// Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.
///
/// Args:
///     x: input tensor.
///     alpha: scale of the negative part. Defaults to 1.0.
///
/// Returns:
///     A tensor of the same shape.
#[pyfunction]
#[pyo3(signature = (x, alpha=1.0))]
pub fn elu(x: &Bound<'_, PyAny>, alpha: f64) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::elu(&to_tensor(x)?, alpha).py()?))
}

/// Gaussian error linear unit: `x * Phi(x)`, with `Phi` the standard normal CDF.
///
/// Args:
///     x: input tensor.
///     approximate: use the tanh approximation
///         `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x ** 3)))`. Defaults to True.
///
/// Returns:
///     A tensor of the same shape.
#[pyfunction]
#[pyo3(signature = (x, approximate=true))]
pub fn gelu(x: &Bound<'_, PyAny>, approximate: bool) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::gelu(&to_tensor(x)?, approximate).py()?))
}

/// Rounds to the given number of decimals, half to even (like numpy).
///
/// Args:
///     x: input tensor.
///     decimals: number of decimal places (negative rounds to tens, hundreds, ...).
///         Defaults to 0.
///
/// Returns:
///     A tensor of the input's dtype.
#[pyfunction]
#[pyo3(name = "round", signature = (x, decimals=0))]
pub fn round_op(x: &Bound<'_, PyAny>, decimals: i32) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::round(&to_tensor(x)?, decimals).py()?))
}

/// Clips (limits) the values of a tensor to `[x_min, x_max]`.
///
/// The gradient flows where `x_min <= x <= x_max` (bounds included).
///
/// Args:
///     x: input tensor.
///     x_min: minimum value (a number or a tensor broadcastable to `x`).
///     x_max: maximum value (a number or a tensor broadcastable to `x`).
///
/// Returns:
///     The clipped tensor.
#[pyfunction]
pub fn clip(x: &Bound<'_, PyAny>, x_min: &Bound<'_, PyAny>, x_max: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let t = to_tensor(x)?;
    let lo = weak_operand(x_min, t.dtype())?;
    let hi = weak_operand(x_max, t.dtype())?;
    Ok(PyTensor::new(ops::clip(&t, &lo, &hi).py()?))
}

/// Returns elements chosen from `x1` or `x2` depending on `condition`.
///
/// Args:
///     condition: where true (nonzero), yield `x1`, otherwise `x2`.
///     x1: values where `condition` is true.
///     x2: values where `condition` is false.
///
/// Returns:
///     A tensor with the elements of `x1` where `condition` is true and of `x2` elsewhere,
///     broadcast together. With neither `x1` nor `x2`, the indices of the true elements of
///     `condition`: a tuple of int64 tensors, one per axis.
#[pyfunction]
#[pyo3(name = "where", signature = (condition, x1=None, x2=None))]
pub fn where_op<'py>(
    py: Python<'py>,
    condition: &Bound<'py, PyAny>,
    x1: Option<&Bound<'py, PyAny>>,
    x2: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cond = to_tensor(condition)?;
    let x1 = x1.filter(|v| !v.is_none());
    let x2 = x2.filter(|v| !v.is_none());
    match (x1, x2) {
        (None, None) => {
            let idx: Vec<PyTensor> = ops::where_indices(&cond).py()?.into_iter().map(PyTensor::new).collect();
            Ok(PyTuple::new(py, idx)?.into_any())
        }
        (Some(a), Some(b)) => {
            let (a, b) = operands(a, b)?;
            Ok(Bound::new(py, PyTensor::new(ops::r#where(&cond, &a, &b).py()?))?.into_any())
        }
        _ => Err(PyValueError::new_err("where: x1 and x2 must be given together (or both left out to get the indices of the true elements)")),
    }
}

/// Casts a tensor to the desired dtype.
///
/// Args:
///     x: input tensor.
///     dtype: target dtype ("float32", numpy dtype, ...).
///
/// Returns:
///     A tensor of the given dtype; the gradient flows between float dtypes.
#[pyfunction]
pub fn cast(x: &Bound<'_, PyAny>, dtype: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let dtype = parse_dtype(dtype).map_err(|e| pyo3::exceptions::PyTypeError::new_err(format!("cast: {}", e.value(x.py()))))?;
    Ok(PyTensor::new(ops::cast(&to_tensor(x)?, dtype).py()?))
}

/// The SIMD instruction set the elementwise kernels run with: "avx512", "avx2" or "portable"
/// (detected at first use; `LAMINA_SIMD` caps it).
#[pyfunction]
fn _simd_level() -> &'static str {
    match lamina_core::cpu::simd::level() {
        lamina_core::cpu::simd::Level::Avx512 => "avx512",
        lamina_core::cpu::simd::Level::Avx2 => "avx2",
        lamina_core::cpu::simd::Level::Portable => "portable",
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    macro_rules! add {
        ($($f:ident),* $(,)?) => {
            $(m.add_function(wrap_pyfunction!($f, m)?)?;)*
        };
    }
    add!(
        add, subtract, multiply, divide, power_op, minimum, maximum, floor_divide, mod_op, equal, not_equal, less,
        less_equal, greater, greater_equal, logical_and, logical_or, logical_xor, bitwise_and, bitwise_or, bitwise_xor,
        negative, abs_op, absolute_op, sign, exp, expm1, log, log1p, sqrt, rsqrt, square, reciprocal, sin, cos, tanh,
        sigmoid, relu, relu6, selu, softplus, softsign, silu, swish, hard_sigmoid, hard_silu, hard_swish, logical_not,
        isnan, isinf, isfinite, floor, ceil, bitwise_invert, leaky_relu, elu, gelu, round_op, clip, where_op, cast,
        _simd_level,
    );
    Ok(())
}
