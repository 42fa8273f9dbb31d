"""Elementwise math with keras.ops names that compose from the engine's primitives:
trigonometric and hyperbolic functions, logarithms in other bases, rounding and comparison
helpers.

Composed from engine ops (autodiff through the engine): tan, sinh, cosh, arcsinh, arccosh,
arctanh, log2, log10, exp2, cbrt, hypot, logaddexp, logaddexp2, sinc, deg2rad, rad2deg, trunc,
fmod, divide_no_nan, nan_to_num, fmax, fmin.
Values from numpy with the derivative composed from engine ops (see ops/_linearize.py; they
want engine kernels): arcsin, arccos, arctan, arctan2, erf, erfc.
"""

from __future__ import annotations

import math

import numpy as np

from lamina import _core
from lamina.ops._linearize import float_tensor, linearized, to_tensor

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def tan(x):
    """Tangent, elementwise."""
    x = float_tensor(x)
    return _core.divide(_core.sin(x), _core.cos(x))


def sinh(x):
    """Hyperbolic sine, elementwise."""
    x = float_tensor(x)
    return _core.multiply(_core.subtract(_core.exp(x), _core.exp(_core.negative(x))), 0.5)


def cosh(x):
    """Hyperbolic cosine, elementwise."""
    x = float_tensor(x)
    return _core.multiply(_core.add(_core.exp(x), _core.exp(_core.negative(x))), 0.5)


def arcsinh(x):
    """Inverse hyperbolic sine: sign(x) * log(|x| + sqrt(x^2 + 1)) (odd, so exact for large negative x)."""
    x = float_tensor(x)
    a = _core.abs(x)
    return _core.multiply(_core.sign(x), _core.log(_core.add(a, _core.sqrt(_core.add(_core.square(a), 1.0)))))


def arccosh(x):
    """Inverse hyperbolic cosine, for x >= 1 (nan below)."""
    x = float_tensor(x)
    return _core.log(_core.add(x, _core.sqrt(_core.subtract(_core.square(x), 1.0))))


def arctanh(x):
    """Inverse hyperbolic tangent, for |x| < 1."""
    x = float_tensor(x)
    return _core.multiply(_core.subtract(_core.log1p(x), _core.log1p(_core.negative(x))), 0.5)


def log2(x):
    """Base-2 logarithm, elementwise."""
    return _core.divide(_core.log(float_tensor(x)), _LN2)


def log10(x):
    """Base-10 logarithm, elementwise."""
    return _core.divide(_core.log(float_tensor(x)), _LN10)


def exp2(x):
    """2 to the power x, elementwise."""
    return _core.exp(_core.multiply(float_tensor(x), _LN2))


def cbrt(x):
    """Real cube root, elementwise (negative for negative x)."""
    x = float_tensor(x)
    return _core.multiply(_core.sign(x), _core.power(_core.abs(x), 1.0 / 3.0))


def hypot(x1, x2):
    """sqrt(x1^2 + x2^2), elementwise."""
    return _core.sqrt(_core.add(_core.square(float_tensor(x1)), _core.square(float_tensor(x2))))


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) without overflow: max + log1p(exp(-|x1 - x2|))."""
    x1, x2 = float_tensor(x1), float_tensor(x2)
    m = _core.maximum(x1, x2)
    return _core.add(m, _core.log1p(_core.exp(_core.negative(_core.abs(_core.subtract(x1, x2))))))


def logaddexp2(x1, x2):
    """log2(2^x1 + 2^x2) without overflow."""
    return _core.divide(logaddexp(_core.multiply(float_tensor(x1), _LN2), _core.multiply(float_tensor(x2), _LN2)), _LN2)


def sinc(x):
    """sin(pi x) / (pi x), with 1 at x = 0."""
    x = float_tensor(x)
    zero = _core.equal(x, 0.0)
    safe = _core.multiply(_core.where(zero, 1.0, x), math.pi)
    return _core.where(zero, 1.0, _core.divide(_core.sin(safe), safe))


def deg2rad(x):
    """Degrees to radians."""
    return _core.multiply(float_tensor(x), math.pi / 180.0)


def rad2deg(x):
    """Radians to degrees."""
    return _core.multiply(float_tensor(x), 180.0 / math.pi)


def trunc(x):
    """Rounds toward zero; integer inputs are returned unchanged."""
    x = to_tensor(x)
    if "float" not in x.dtype:
        return x
    return _core.multiply(_core.sign(x), _core.floor(_core.abs(x)))


def fabs(x):
    """Absolute value as a float."""
    return _core.abs(float_tensor(x))


def fmod(x1, x2):
    """Remainder of division with the sign of the dividend (C's fmod), elementwise."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    q = trunc(_core.divide(x1, x2))
    out = _core.subtract(x1, _core.multiply(q, x2))
    return out if "float" in x1.dtype or "float" in x2.dtype else _core.cast(out, _core.add(x1, x2).dtype)


def true_divide(x1, x2):
    """Alias of divide."""
    return _core.divide(x1, x2)


def divide_no_nan(x1, x2):
    """x1 / x2, with 0 wherever x2 is 0."""
    x1, x2 = float_tensor(x1), float_tensor(x2)
    zero = _core.equal(x2, 0.0)
    return _core.where(zero, 0.0, _core.divide(x1, _core.where(zero, 1.0, x2)))


def fmax(x1, x2):
    """Elementwise maximum that ignores nan (nan only where both are nan)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    return _core.where(_core.isnan(x1), x2, _core.where(_core.isnan(x2), x1, _core.maximum(x1, x2)))


def fmin(x1, x2):
    """Elementwise minimum that ignores nan (nan only where both are nan)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    return _core.where(_core.isnan(x1), x2, _core.where(_core.isnan(x2), x1, _core.minimum(x1, x2)))


def nan_to_num(x, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
    """Replaces nan, +inf and -inf by finite numbers (defaults: 0 and the dtype's extremes)."""
    x = to_tensor(x)
    if "float" not in x.dtype:
        return x
    big = float(np.finfo(x.dtype).max)
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    x = _core.where(_core.isnan(x), nan, x)
    x = _core.where(_core.logical_and(_core.isinf(x), _core.greater(x, 0.0)), posinf, x)
    return _core.where(_core.logical_and(_core.isinf(x), _core.less(x, 0.0)), neginf, x)


def signbit(x):
    """True where the sign bit is set (negative numbers and -0.0)."""
    return to_tensor(np.signbit(np.asarray(to_tensor(x))))


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    dt = _core.add(x1, x2).dtype if "float" in _core.add(x1, x2).dtype else "float32"
    x1, x2 = _core.cast(x1, dt), _core.cast(x2, dt)
    return _core.where(_core.less(x1, 0.0), 0.0, _core.where(_core.greater(x1, 0.0), 1.0, x2))


def _unary_np(fn_np, derivative):
    """An op whose value is fn_np(x) and whose derivative is derivative(x) (engine ops)."""

    def op(x):
        x = float_tensor(x)
        value = fn_np(np.asarray(x)).astype(x.dtype)
        d = _core.stop_gradient(derivative(x))
        return linearized(value, lambda dx: _core.multiply(d, dx), x)

    return op


def _one_minus_sq_rsqrt(x):
    return _core.rsqrt(_core.subtract(1.0, _core.square(x)))


arcsin = _unary_np(np.arcsin, _one_minus_sq_rsqrt)
arcsin.__name__, arcsin.__doc__ = "arcsin", "Inverse sine, elementwise (nan outside [-1, 1])."
arccos = _unary_np(np.arccos, lambda x: _core.negative(_one_minus_sq_rsqrt(x)))
arccos.__name__, arccos.__doc__ = "arccos", "Inverse cosine, elementwise (nan outside [-1, 1])."
arctan = _unary_np(np.arctan, lambda x: _core.reciprocal(_core.add(_core.square(x), 1.0)))
arctan.__name__, arctan.__doc__ = "arctan", "Inverse tangent, elementwise."
_erf_np = np.frompyfunc(math.erf, 1, 1)
_erfc_np = np.frompyfunc(math.erfc, 1, 1)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
erf = _unary_np(lambda a: _erf_np(a).astype(np.float64),
                lambda x: _core.multiply(_core.exp(_core.negative(_core.square(x))), _TWO_OVER_SQRT_PI))
erf.__name__, erf.__doc__ = "erf", "The Gauss error function, elementwise."
erfc = _unary_np(lambda a: _erfc_np(a).astype(np.float64),
                 lambda x: _core.multiply(_core.exp(_core.negative(_core.square(x))), -_TWO_OVER_SQRT_PI))
erfc.__name__, erfc.__doc__ = "erfc", "The complementary error function 1 - erf(x), elementwise."


def arctan2(x1, x2):
    """The angle of the point (x2, x1) in radians, in [-pi, pi]."""
    x1, x2 = float_tensor(x1), float_tensor(x2)
    dt = _core.add(x1, x2).dtype
    x1, x2 = _core.cast(x1, dt), _core.cast(x2, dt)
    x1, x2 = _core.broadcast_to(x1, _core.add(x1, x2).shape), _core.broadcast_to(x2, _core.add(x1, x2).shape)
    value = np.arctan2(np.asarray(x1), np.asarray(x2)).astype(dt)
    r2 = _core.stop_gradient(_core.add(_core.square(x1), _core.square(x2)))
    a, b = _core.stop_gradient(_core.divide(x2, r2)), _core.stop_gradient(_core.divide(x1, r2))
    return linearized(value, lambda d1, d2: _core.subtract(_core.multiply(a, d1), _core.multiply(b, d2)), x1, x2)


__all__ = [
    "tan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "log2", "log10", "exp2", "cbrt", "hypot",
    "logaddexp", "logaddexp2", "sinc", "deg2rad", "rad2deg", "trunc", "fabs", "fmod", "true_divide",
    "divide_no_nan", "fmax", "fmin", "nan_to_num", "signbit", "heaviside", "arcsin", "arccos", "arctan",
    "arctan2", "erf", "erfc",
]
