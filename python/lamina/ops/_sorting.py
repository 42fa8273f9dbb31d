"""Sorting, scans, order statistics and counting with keras.ops names.

The order (which element goes where) is found in numpy, because it is not differentiable; the
values are then gathered with the engine's take_along_axis, so sort, top_k, quantile, median
and percentile have gradients through the engine. cumsum is a product with a triangular matrix
of ones and cumprod a product over a masked square, both O(n^2) per row: exact and
differentiable, but they want engine scan kernels for long axes. argsort, searchsorted, unique,
histogram, bincount, digitize and argpartition return integers or counts and have no gradient.
"""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina.ops._linearize import float_tensor, from_numpy, to_tensor


def _axis_last(x, axis):
    """x with `axis` moved last (flattened when axis is None), and a function putting it back."""
    x = to_tensor(x)
    if axis is None:
        return _core.ravel(x), lambda y: y
    return _core.moveaxis(x, axis, -1), lambda y: _core.moveaxis(y, -1, axis)


def argsort(x, axis: int = -1):
    """Indices (int32) that sort `x` ascending along `axis` (stable; flattened when None)."""
    x = to_tensor(x)
    arr = np.asarray(x).ravel() if axis is None else np.asarray(x)
    return from_numpy(np.argsort(arr, axis=-1 if axis is None else axis, kind="stable").astype("int32"), x)


def sort(x, axis: int = -1):
    """`x` sorted ascending along `axis` (differentiable: gathered by argsort's indices)."""
    x = to_tensor(x)
    if axis is None:
        x, axis = _core.ravel(x), -1
    return _core.take_along_axis(x, argsort(x, axis), axis)


def argpartition(x, kth, axis: int = -1):
    """Indices that partition `x` around its kth smallest element along `axis`."""
    x = to_tensor(x)
    return from_numpy(np.argpartition(np.asarray(x), kth, axis=axis).astype("int32"), x)


def top_k(x, k: int, sorted: bool = True):  # noqa: A002 (keras.ops argument name)
    """The k largest values along the last axis and their indices (int32), largest first.

    Args:
        x: the input tensor.
        k: how many values to keep.
        sorted: kept for Keras' signature; the values always come largest first.

    Returns:
        A tuple `(values, indices)`.
    """
    x = to_tensor(x)
    if k > x.shape[-1]:
        raise ValueError(f"top_k: k={k} is larger than the last axis ({x.shape[-1]})")
    order = np.argsort(-np.asarray(x), axis=-1, kind="stable")[..., :k].astype("int32")
    idx = from_numpy(order, x)
    return _core.take_along_axis(x, idx, -1), idx


def in_top_k(targets, predictions, k: int):
    """True where the target class is among the k largest predictions of its row (ties count)."""
    p = to_tensor(predictions)
    t = _core.cast(to_tensor(targets), "int32")
    target_score = _core.take_along_axis(p, _core.expand_dims(t, -1), -1)
    better = _core.sum(_core.cast(_core.greater(p, target_score), "int32"), -1)
    return _core.less(better, k)


def searchsorted(sorted_sequence, values, side: str = "left"):
    """Indices (int32) where `values` would be inserted to keep the 1-D `sorted_sequence` sorted."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    s = np.asarray(to_tensor(sorted_sequence))
    if s.ndim != 1:
        raise ValueError(f"searchsorted expects a 1-D sorted_sequence, got shape {s.shape}")
    return to_tensor(np.searchsorted(s, np.asarray(to_tensor(values)), side=side).astype("int32"))


def digitize(x, bins):
    """The index (int32) of the bin each element of x falls in (numpy's digitize, right=False)."""
    return to_tensor(np.digitize(np.asarray(to_tensor(x)), np.asarray(to_tensor(bins))).astype("int32"))


def unique(x, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           axis: int | None = None, size: int | None = None, fill_value=None):
    """The unique elements of `x` (sorted), optionally with the inverse indices and the counts.

    `size` pads (with `fill_value`, default the smallest unique value) or truncates the result
    to a fixed length, as Keras' jax backend requires for compiled code.
    """
    arr = np.asarray(to_tensor(x))
    res = np.unique(arr, return_inverse=return_inverse, return_counts=return_counts, axis=axis)
    res = list(res) if isinstance(res, tuple) else [res]
    if size is not None:
        vals = res[0]
        fill = vals.min() if fill_value is None and vals.size else (fill_value or 0)
        padded = np.full((size,) + vals.shape[1:], fill, dtype=vals.dtype)
        padded[: min(size, len(vals))] = vals[:size]
        res[0] = padded
        if return_counts:
            counts = np.zeros(size, dtype=res[-1].dtype)
            counts[: min(size, len(res[-1]))] = res[-1][:size]
            res[-1] = counts
    out = [to_tensor(res[0])]
    if return_inverse:
        out.append(to_tensor(res[1].reshape(arr.shape if axis is None else -1).astype("int32")))
    if return_counts:
        out.append(to_tensor(res[-1].astype("int32")))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(x, weights=None, minlength: int = 0, sparse: bool = False):
    """Counts (int32, or sums of `weights`) of each non-negative integer in the 1-D or 2-D `x`
    (2-D: one count per row)."""
    arr = np.asarray(to_tensor(x))
    if arr.size and arr.min() < 0:
        raise ValueError(f"bincount: values must be non-negative, got {arr.min()}")
    n = max(int(arr.max()) + 1 if arr.size else 0, minlength)
    if weights is None:
        rows = arr.reshape(-1, arr.shape[-1]) if arr.ndim == 2 else arr[None]
        counts = np.stack([np.bincount(r, minlength=n) for r in rows]).astype("int32")
        return to_tensor(counts if arr.ndim == 2 else counts[0])
    w = to_tensor(weights)
    shape = (arr.shape[0], n) if arr.ndim == 2 else (n,)
    idx = np.stack([np.repeat(np.arange(arr.shape[0]), arr.shape[1]), arr.ravel()], 1) if arr.ndim == 2 \
        else arr.reshape(-1, 1)
    return _core.scatter(to_tensor(idx.astype("int32")), _core.ravel(w), shape)


def histogram(x, bins: int = 10, range=None):  # noqa: A002 (keras.ops argument name)
    """Counts of `x`'s values in `bins` equal-width bins over `range` (default: min to max).

    Returns:
        A tuple `(counts, bin_edges)`.
    """
    counts, edges = np.histogram(np.asarray(to_tensor(x)), bins=bins, range=range)
    return to_tensor(counts.astype("int32")), to_tensor(edges.astype("float32"))


def cumsum(x, axis: int | None = None, dtype=None):
    """Cumulative sum along `axis` (the flattened tensor when None)."""
    x = to_tensor(x, dtype)
    if x.dtype == "bool":
        x = _core.cast(x, "int32")
    y, back = _axis_last(x, axis)
    n = y.shape[-1]
    ones = to_tensor(np.triu(np.ones((n, n))).astype(y.dtype))
    return back(_core.matmul(y, ones))


def cumprod(x, axis: int | None = None, dtype=None):
    """Cumulative product along `axis` (the flattened tensor when None)."""
    x = to_tensor(x, dtype)
    if x.dtype == "bool":
        x = _core.cast(x, "int32")
    y, back = _axis_last(x, axis)
    n = y.shape[-1]
    keep = to_tensor(np.tril(np.ones((n, n), dtype=bool)))  # row i keeps elements j <= i
    square = _core.where(keep, _core.expand_dims(y, -2), _core.ones_like(_core.expand_dims(y, -2)))
    return back(_core.prod(square, -1))


def diff(a, n: int = 1, axis: int = -1):
    """The n-th discrete difference along `axis`."""
    x = to_tensor(a)
    for _ in range(n):
        length = x.shape[axis]
        hi = [0] * len(x.shape)
        shape = list(x.shape)
        shape[axis] = max(length - 1, 0)
        lo = list(hi)
        hi[axis % len(x.shape)] = 1
        x = _core.subtract(_core.slice(x, hi, shape), _core.slice(x, lo, shape))
    return x


def quantile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """The q-th quantiles (q in [0, 1]) of `x` along `axis`, interpolated like numpy.

    Args:
        x: the input tensor.
        q: a quantile or a 1-D sequence of them; a sequence adds a leading axis.
        axis: an axis, a tuple of axes, or None for all.
        method: "linear", "lower", "higher", "midpoint" or "nearest".
        keepdims: keep the reduced axes with size 1.
    """
    if method not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"quantile: unknown method {method!r}")
    x = float_tensor(x)
    ndim = len(x.shape)
    axes = tuple(range(ndim)) if axis is None else tuple(a % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    rest = [a for a in range(ndim) if a not in axes]
    moved = _core.transpose(x, rest + list(axes))
    flat = _core.reshape(moved, [x.shape[a] for a in rest] + [-1])
    s = sort(flat, -1)
    n = s.shape[-1]
    qs = np.atleast_1d(np.asarray(q, dtype="float64"))
    if qs.size and (qs.min() < 0 or qs.max() > 1):
        raise ValueError(f"quantile: q must be in [0, 1], got {q}")
    pos = qs * (n - 1)
    lo, hi = np.floor(pos).astype("int64"), np.ceil(pos).astype("int64")
    frac = pos - lo
    if method == "lower":
        hi, frac = lo, frac * 0
    elif method == "higher":
        lo, frac = hi, frac * 0
    elif method == "midpoint":
        frac = np.where(hi > lo, 0.5, 0.0)
    elif method == "nearest":
        near = np.round(pos).astype("int64")  # numpy rounds half to even, as np.quantile does
        lo = hi = near
        frac = frac * 0
    vl = _core.take(s, to_tensor(lo.astype("int32")), -1)
    vh = _core.take(s, to_tensor(hi.astype("int32")), -1)
    f = to_tensor(frac.astype(x.dtype))
    out = _core.add(vl, _core.multiply(_core.subtract(vh, vl), f))  # shape rest + [len(q)]
    out = _core.moveaxis(out, -1, 0)
    if keepdims:
        full = [len(qs)] + [1 if a in axes else x.shape[a] for a in range(ndim)]
        out = _core.reshape(out, full)
    if np.ndim(q) == 0:
        out = _core.squeeze(out, 0)
    return out


def percentile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """The q-th percentiles (q in [0, 100]); see quantile."""
    return quantile(x, np.asarray(q, dtype="float64") / 100.0, axis=axis, method=method, keepdims=keepdims)


def median(x, axis=None, keepdims: bool = False):
    """The median along `axis` (the mean of the two middle values for even counts)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


__all__ = [
    "argsort", "sort", "argpartition", "top_k", "in_top_k", "searchsorted", "digitize", "unique", "bincount",
    "histogram", "cumsum", "cumprod", "diff", "quantile", "percentile", "median",
]
