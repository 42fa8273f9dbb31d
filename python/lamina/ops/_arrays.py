"""Array construction and rearrangement with keras.ops.numpy names, composed from engine ops
(so views and gradients come from the engine): tri/tril/triu, diag, meshgrid, linspace,
stacking and splitting, roll, rot90, kron, cross, vander, and array properties."""

from __future__ import annotations

import builtins

import numpy as np

from lamina import _core
from lamina.ops._linearize import float_tensor, to_tensor


def ndim(x) -> int:
    """The number of axes of `x`."""
    return len(to_tensor(x).shape)


def size(x) -> int:
    """The number of elements of `x`."""
    return int(np.prod(to_tensor(x).shape, dtype=np.int64))


def array(x, dtype=None):
    """A tensor holding `x` (alias of convert_to_tensor)."""
    return to_tensor(x, dtype)


def copy(x):
    """A copy of `x` with its own storage."""
    return _core.add(to_tensor(x), 0) if to_tensor(x).dtype != "bool" else _core.logical_or(x, False)


def empty(shape, dtype=None):
    """A tensor of `shape` (lamina fills it with zeros)."""
    return _core.zeros(shape, dtype or "float32")


def empty_like(x, dtype=None):
    """A tensor shaped like `x` (lamina fills it with zeros)."""
    return _core.zeros_like(x, dtype) if dtype else _core.zeros_like(x)


def tri(N: int, M: int | None = None, k: int = 0, dtype=None):
    """Ones at and below the k-th diagonal of an N x M matrix, zeros above."""
    return to_tensor(np.tri(N, M, k, dtype=dtype or "float32"))


def _band(x, k: int, lower: bool):
    x = to_tensor(x)
    n, m = x.shape[-2], x.shape[-1]
    keep = np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)
    zero = _core.zeros_like(x)
    return _core.where(to_tensor(keep), x, zero)


def tril(x, k: int = 0):
    """`x` with the entries above the k-th diagonal of its last two axes set to 0."""
    return _band(x, k, lower=True)


def triu(x, k: int = 0):
    """`x` with the entries below the k-th diagonal of its last two axes set to 0."""
    return _band(x, k, lower=False)


def diag(x, k: int = 0):
    """The k-th diagonal of a matrix, or a matrix with a vector on its k-th diagonal."""
    x = to_tensor(x)
    if len(x.shape) == 2:
        return _core.diagonal(x, k, 0, 1)
    if len(x.shape) != 1:
        raise ValueError(f"diag expects a 1-D or 2-D tensor, got shape {tuple(x.shape)}")
    n = x.shape[0] + builtins.abs(k)
    rows = np.arange(x.shape[0]) + builtins.max(-k, 0)
    cols = np.arange(x.shape[0]) + builtins.max(k, 0)
    idx = to_tensor(np.stack([rows, cols], axis=1).astype("int32"))
    return _core.scatter(idx, x, (n, n))


def diagflat(x, k: int = 0):
    """A matrix with the flattened `x` on its k-th diagonal."""
    return diag(_core.ravel(to_tensor(x)), k)


def meshgrid(*x, indexing: str = "xy"):
    """Coordinate matrices from coordinate vectors ("xy": Cartesian, "ij": matrix indexing)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vecs = [_core.ravel(to_tensor(v)) for v in x]
    shape = [v.shape[0] for v in vecs]
    if indexing == "xy" and len(vecs) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, v in enumerate(vecs):
        axis = i
        if indexing == "xy" and len(vecs) >= 2 and i < 2:
            axis = 1 - i
        view = [1] * len(vecs)
        view[axis] = v.shape[0]
        out.append(_core.broadcast_to(_core.reshape(v, view), shape))
    return out


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype=None, axis: int = 0):
    """`num` evenly spaced numbers from `start` to `stop` (inclusive with `endpoint`)."""
    values = np.linspace(np.asarray(start), np.asarray(stop), num, endpoint=endpoint, retstep=retstep, axis=axis)
    if retstep:
        return to_tensor(values[0].astype(dtype or "float32")), values[1]
    return to_tensor(values.astype(dtype or "float32"))


def logspace(start, stop, num: int = 50, endpoint: bool = True, base: float = 10, dtype=None, axis: int = 0):
    """Numbers spaced evenly on a log scale, from base**start to base**stop."""
    values = np.logspace(np.asarray(start), np.asarray(stop), num, endpoint=endpoint, base=base, axis=axis)
    return to_tensor(values.astype(dtype or "float32"))


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
    """Numbers spaced evenly on a log scale, from start to stop."""
    values = np.geomspace(np.asarray(start), np.asarray(stop), num, endpoint=endpoint, axis=axis)
    return to_tensor(values.astype(dtype or "float32"))


def _atleast(x, n: int):
    x = to_tensor(x)
    shape = list(x.shape)
    if len(shape) >= n:
        return x
    if n == 3 and len(shape) == 2:
        return _core.reshape(x, shape + [1])
    if n == 3 and len(shape) == 1:
        return _core.reshape(x, [1] + shape + [1])
    return _core.reshape(x, [1] * (n - len(shape)) + shape)


def hstack(xs):
    """Stacks tensors along the second axis (the first for 1-D tensors)."""
    xs = [to_tensor(x) for x in xs]
    return _core.concatenate(xs, 0 if len(xs[0].shape) == 1 else 1)


def vstack(xs):
    """Stacks tensors along the first axis, 1-D tensors as rows."""
    return _core.concatenate([_atleast(x, 2) for x in xs], 0)


def dstack(xs):
    """Stacks tensors along the third axis."""
    return _core.concatenate([_atleast(x, 3) for x in xs], 2)


def array_split(x, indices_or_sections, axis: int = 0):
    """Splits into sections of nearly equal size (the first ones one longer), or at indices."""
    x = to_tensor(x)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise ValueError(f"array_split: the number of sections must be positive, got {k}")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        bounds = list(np.cumsum(sizes)[:-1])
    else:
        bounds = list(indices_or_sections)
    out, start = [], 0
    for stop in bounds + [n]:
        stop = builtins.min(builtins.max(int(stop), start), n)
        begin = [0] * len(x.shape)
        begin[axis] = start
        shape = list(x.shape)
        shape[axis] = stop - start
        out.append(_core.slice(x, begin, shape))
        start = stop
    return out


def hsplit(x, indices_or_sections):
    """Splits along the second axis (the first for 1-D tensors)."""
    x = to_tensor(x)
    return _core.split(x, indices_or_sections, 0 if len(x.shape) == 1 else 1)


def vsplit(x, indices_or_sections):
    """Splits along the first axis."""
    return _core.split(to_tensor(x), indices_or_sections, 0)


def dsplit(x, indices_or_sections):
    """Splits along the third axis."""
    return _core.split(to_tensor(x), indices_or_sections, 2)


def append(x1, x2, axis: int | None = None):
    """`x2` appended to `x1` along `axis` (both flattened when axis is None)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    if axis is None:
        return _core.concatenate([_core.ravel(x1), _core.ravel(x2)], 0)
    return _core.concatenate([x1, x2], axis)


def fliplr(x):
    """Reverses the second axis."""
    return _core.flip(x, 1)


def flipud(x):
    """Reverses the first axis."""
    return _core.flip(x, 0)


def roll(x, shift, axis=None):
    """Rolls elements along `axis` (the flattened tensor when None); elements leaving one end
    come back at the other."""
    x = to_tensor(x)
    if axis is None:
        return _core.reshape(roll(_core.ravel(x), shift, 0), x.shape)
    shifts = shift if isinstance(shift, (list, tuple)) else [shift]
    axes = axis if isinstance(axis, (list, tuple)) else [axis] * len(shifts)
    for s, a in zip(shifts, axes):
        n = x.shape[a]
        if n == 0:
            continue
        s = int(s) % n
        if s:
            head, tail = _core.split(x, [n - s], a)
            x = _core.concatenate([tail, head], a)
    return x


def rot90(array, k: int = 1, axes=(0, 1)):
    """Rotates by 90 degrees k times in the plane of `axes` (from the first toward the second)."""
    x = to_tensor(array)
    a, b = axes
    k %= 4
    if k == 1:
        return _core.swapaxes(_core.flip(x, b), a, b)
    if k == 2:
        return _core.flip(_core.flip(x, a), b)
    if k == 3:
        return _core.flip(_core.swapaxes(x, a, b), b)
    return x


def kron(x1, x2):
    """The Kronecker product of two tensors of the same rank (or ranks made equal with 1s)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    n = builtins.max(len(x1.shape), len(x2.shape))
    s1 = [1] * (n - len(x1.shape)) + list(x1.shape)
    s2 = [1] * (n - len(x2.shape)) + list(x2.shape)
    a = _core.reshape(x1, [d for s in s1 for d in (s, 1)])
    b = _core.reshape(x2, [d for s in s2 for d in (1, s)])
    return _core.reshape(_core.multiply(a, b), [p * q for p, q in zip(s1, s2)])


def cross(x1, x2, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None):
    """The cross product of 3-vectors (or the z-component for 2-vectors) along an axis."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _core.moveaxis(to_tensor(x1), axisa, -1)
    b = _core.moveaxis(to_tensor(x2), axisb, -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, got {na} and {nb}")
    ac = [a[..., i] for i in range(na)] + ([_core.zeros_like(a[..., 0])] if na == 2 else [])
    bc = [b[..., i] for i in range(nb)] + ([_core.zeros_like(b[..., 0])] if nb == 2 else [])
    m, s = _core.multiply, _core.subtract
    z = s(m(ac[0], bc[1]), m(ac[1], bc[0]))
    if na == 2 and nb == 2:
        return z
    out = _core.stack([s(m(ac[1], bc[2]), m(ac[2], bc[1])), s(m(ac[2], bc[0]), m(ac[0], bc[2])), z], -1)
    return _core.moveaxis(out, -1, axisc)


def vander(x, N: int | None = None, increasing: bool = False):
    """The Vandermonde matrix of a vector: columns are powers of x."""
    x = to_tensor(x)
    n = x.shape[0] if N is None else N
    powers = np.arange(n) if increasing else np.arange(n)[::-1]
    p = to_tensor(powers.astype(x.dtype if "float" in x.dtype else "int32"))
    return _core.power(_core.expand_dims(x, 1), _core.expand_dims(p, 0))


def select(condlist, choicelist, default=0):
    """Per element, the value of the first choice whose condition holds, else `default`."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions but {len(choicelist)} choices")
    out = to_tensor(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = _core.where(cond, choice, out)
    return out


def get_item(x, key):
    """x[key]."""
    return to_tensor(x)[key]


def unravel_index(indices, shape):
    """Flat indices to a tuple of coordinate tensors for an array of `shape`."""
    coords = np.unravel_index(np.asarray(to_tensor(indices)), tuple(shape))
    return tuple(to_tensor(c.astype("int32")) for c in coords)


def nonzero(x):
    """A tuple of index tensors, one per axis, of the nonzero elements."""
    return tuple(to_tensor(i.astype("int32")) for i in np.nonzero(np.asarray(to_tensor(x))))


def isin(x1, x2, assume_unique: bool = False, invert: bool = False):
    """True where an element of x1 is in x2."""
    a, b = to_tensor(x1), _core.ravel(to_tensor(x2))
    hit = _core.any(_core.equal(_core.expand_dims(a, -1), b), -1)
    return _core.logical_not(hit) if invert else hit


def isclose(x1, x2, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """|x1 - x2| <= atol + rtol * |x2|, elementwise (infinities equal only to themselves)."""
    x1, x2 = float_tensor(x1), float_tensor(x2)
    close = _core.less_equal(_core.abs(_core.subtract(x1, x2)), _core.add(atol, _core.multiply(rtol, _core.abs(x2))))
    close = _core.logical_or(close, _core.equal(x1, x2))
    if equal_nan:
        close = _core.logical_or(close, _core.logical_and(_core.isnan(x1), _core.isnan(x2)))
    return close


def allclose(x1, x2, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """True when isclose holds everywhere."""
    return _core.all(isclose(x1, x2, rtol, atol, equal_nan))


def isneginf(x):
    """True where x is -inf."""
    x = to_tensor(x)
    return _core.logical_and(_core.isinf(x), _core.less(x, 0))


def isposinf(x):
    """True where x is +inf."""
    x = to_tensor(x)
    return _core.logical_and(_core.isinf(x), _core.greater(x, 0))


def isreal(x):
    """True everywhere (lamina has no complex dtypes)."""
    return _core.ones_like(to_tensor(x), "bool")


def real(x):
    """The real part: `x` itself (lamina has no complex dtypes)."""
    return to_tensor(x)


def imag(x):
    """The imaginary part: zeros (lamina has no complex dtypes)."""
    return _core.zeros_like(to_tensor(x))


def conj(x):
    """The complex conjugate: `x` itself (lamina has no complex dtypes)."""
    return to_tensor(x)


conjugate = conj


def angle(x):
    """The argument of x: pi where x < 0, else 0 (lamina has no complex dtypes)."""
    x = float_tensor(x)
    return _core.where(_core.less(x, 0.0), float(np.pi), _core.zeros_like(x))


__all__ = [
    "ndim", "size", "array", "copy", "empty", "empty_like", "tri", "tril", "triu", "diag", "diagflat",
    "meshgrid", "linspace", "logspace", "geomspace", "hstack", "vstack", "dstack", "array_split", "hsplit",
    "vsplit", "dsplit", "append", "fliplr", "flipud", "roll", "rot90", "kron", "cross", "vander", "select",
    "get_item", "unravel_index", "nonzero", "isin", "isclose", "allclose", "isneginf", "isposinf", "isreal",
    "real", "imag", "conj", "conjugate", "angle",
]
