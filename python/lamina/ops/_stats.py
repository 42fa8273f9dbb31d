"""Reductions with keras.ops.numpy names composed from the engine's: amax/amin, ptp, average,
the nan-ignoring family (nansum, nanmean, ...), trapezoid, corrcoef and correlate."""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina.ops._linearize import float_tensor, to_tensor


def amax(x, axis=None, keepdims: bool = False):
    """Maximum along `axis` (alias of max)."""
    return _core.max(x, axis, keepdims)


def amin(x, axis=None, keepdims: bool = False):
    """Minimum along `axis` (alias of min)."""
    return _core.min(x, axis, keepdims)


def ptp(x, axis=None, keepdims: bool = False):
    """Range (max - min) along `axis`."""
    return _core.subtract(_core.max(x, axis, keepdims), _core.min(x, axis, keepdims))


def average(x, axis=None, weights=None):
    """The weighted average along `axis`; 1-D weights apply along that axis."""
    x = float_tensor(x)
    if weights is None:
        return _core.mean(x, axis)
    w = float_tensor(weights)
    if len(w.shape) == 1 and len(x.shape) > 1:
        if axis is None:
            raise ValueError("average: 1-D weights for an N-D input need an axis")
        shape = [1] * len(x.shape)
        shape[axis] = w.shape[0]
        w = _core.reshape(w, shape)
    w = _core.broadcast_to(w, x.shape)
    return _core.divide(_core.sum(_core.multiply(x, w), axis), _core.sum(w, axis))


def _fill_nan(x, value):
    x = to_tensor(x)
    if "float" not in x.dtype:
        return x
    return _core.where(_core.isnan(x), value, x)


def nansum(x, axis=None, keepdims: bool = False):
    """Sum ignoring nan."""
    return _core.sum(_fill_nan(x, 0.0), axis, keepdims)


def nanprod(x, axis=None, keepdims: bool = False):
    """Product ignoring nan."""
    return _core.prod(_fill_nan(x, 1.0), axis, keepdims)


def _count(x, axis, keepdims):
    x = to_tensor(x)
    ok = _core.logical_not(_core.isnan(x)) if "float" in x.dtype else _core.ones_like(x, "bool")
    return _core.sum(_core.cast(ok, x.dtype if "float" in x.dtype else "float32"), axis, keepdims)


def nanmean(x, axis=None, keepdims: bool = False):
    """Mean ignoring nan (nan where every value is nan)."""
    x = float_tensor(x)
    return _core.divide(nansum(x, axis, keepdims), _count(x, axis, keepdims))


def nanvar(x, axis=None, keepdims: bool = False):
    """Variance ignoring nan."""
    x = float_tensor(x)
    m = nanmean(x, axis, True)
    return nanmean(_core.square(_core.subtract(x, m)), axis, keepdims)


def nanstd(x, axis=None, keepdims: bool = False):
    """Standard deviation ignoring nan."""
    return _core.sqrt(nanvar(x, axis, keepdims))


def nanmax(x, axis=None, keepdims: bool = False):
    """Maximum ignoring nan."""
    return _core.max(_fill_nan(x, -np.inf), axis, keepdims)


def nanmin(x, axis=None, keepdims: bool = False):
    """Minimum ignoring nan."""
    return _core.min(_fill_nan(x, np.inf), axis, keepdims)


def nanargmax(x, axis=None, keepdims: bool = False):
    """Index of the maximum ignoring nan."""
    return _core.argmax(_fill_nan(x, -np.inf), axis, keepdims)


def nanargmin(x, axis=None, keepdims: bool = False):
    """Index of the minimum ignoring nan."""
    return _core.argmin(_fill_nan(x, np.inf), axis, keepdims)


def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum treating nan as 0."""
    from lamina.ops._sorting import cumsum

    return cumsum(_fill_nan(x, 0.0), axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    """Cumulative product treating nan as 1."""
    from lamina.ops._sorting import cumprod

    return cumprod(_fill_nan(x, 1.0), axis, dtype)


def nanquantile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """Quantiles ignoring nan (values computed in numpy; no gradient)."""
    res = np.nanquantile(np.asarray(to_tensor(x)), q, axis=axis, method=method, keepdims=keepdims)
    return to_tensor(np.asarray(res, dtype=to_tensor(x).dtype if "float" in to_tensor(x).dtype else "float32"))


def nanpercentile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """Percentiles ignoring nan (values computed in numpy; no gradient)."""
    return nanquantile(x, np.asarray(q, dtype="float64") / 100.0, axis, method, keepdims)


def nanmedian(x, axis=None, keepdims: bool = False):
    """Median ignoring nan (values computed in numpy; no gradient)."""
    return nanquantile(x, 0.5, axis, keepdims=keepdims)


def trapezoid(y, x=None, dx: float = 1.0, axis: int = -1):
    """Integral of y along `axis` by the trapezoidal rule (sample points x, or spacing dx)."""
    from lamina.ops._sorting import diff

    y = float_tensor(y)
    n = y.shape[axis]
    lo = [0] * len(y.shape)
    hi = list(lo)
    hi[axis % len(y.shape)] = 1
    shape = list(y.shape)
    shape[axis] = n - 1
    mid = _core.multiply(_core.add(_core.slice(y, lo, shape), _core.slice(y, hi, shape)), 0.5)
    if x is None:
        return _core.multiply(_core.sum(mid, axis), dx)
    d = _core.cast(diff(float_tensor(x), axis=-1 if len(to_tensor(x).shape) == 1 else axis), y.dtype)
    if len(d.shape) == 1 and len(y.shape) > 1:
        view = [1] * len(y.shape)
        view[axis] = d.shape[0]
        d = _core.reshape(d, view)
    return _core.sum(_core.multiply(mid, d), axis)


def corrcoef(x):
    """Pearson correlation coefficients between the rows of a 2-D tensor."""
    x = float_tensor(x)
    if len(x.shape) == 1:
        x = _core.expand_dims(x, 0)
    c = _core.subtract(x, _core.mean(x, 1, True))
    cov = _core.matmul(c, _core.transpose(c, [1, 0]))
    d = _core.sqrt(_core.diagonal(cov, 0, 0, 1))
    return _core.divide(_core.divide(cov, _core.expand_dims(d, 1)), _core.expand_dims(d, 0))


def correlate(x1, x2, mode: str = "valid"):
    """Cross-correlation of two 1-D tensors (numpy's correlate: "valid", "same" or "full")."""
    a, v = float_tensor(x1), float_tensor(x2)
    n, m = a.shape[0], v.shape[0]
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}")
    pad = {"valid": (0, 0), "same": (m // 2, m - 1 - m // 2), "full": (m - 1, m - 1)}[mode]
    ap = _core.pad(a, [pad])
    length = n + pad[0] + pad[1] - m + 1
    idx = np.arange(length)[:, None] + np.arange(m)[None, :]
    windows = _core.take(ap, to_tensor(idx.astype("int32")), 0)
    return _core.sum(_core.multiply(windows, v), 1)


__all__ = [
    "amax", "amin", "ptp", "average", "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
    "nanargmax", "nanargmin", "nancumsum", "nancumprod", "nanquantile", "nanpercentile", "nanmedian",
    "trapezoid", "corrcoef", "correlate",
]
