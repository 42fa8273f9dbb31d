"""keras.ops core utilities run eagerly in Python: control flow (cond, switch, fori_loop,
while_loop, scan, map, associative_scan, vectorized_map), dtype helpers, integer bit ops,
segment reductions and window functions.

The control-flow ops call the user's functions with engine tensors, so their gradients are
the engine's; the integer-only ops (shifts, gcd, lcm, nextafter) and the windows compute in
numpy and have no gradient.
"""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina.ops._linearize import from_numpy, to_tensor


def is_tensor(x) -> bool:
    """True for lamina tensors (and Variables)."""
    return isinstance(x, _core.Tensor)


def convert_to_numpy(x) -> np.ndarray:
    """A numpy array with the values of `x`."""
    return np.asarray(to_tensor(x))


def dtype(x) -> str:
    """The dtype of `x` as a string ("float32", ...)."""
    return str(to_tensor(x).dtype)


def saturate_cast(x, dtype):
    """Cast to `dtype`, clipping values to its range first (no wrap-around for integers)."""
    x = to_tensor(x)
    if "int" in str(dtype):
        info = np.iinfo(dtype)
        lo, hi = float(info.min), float(info.max)
        if "float" in x.dtype:
            x = _core.clip(x, lo, hi)
        else:
            x = _core.cast(_core.clip(_core.cast(x, "float64"), lo, hi), "float64")
    return _core.cast(x, dtype)


def stop_gradient(variable):
    """The same values, treated as a constant by autodiff."""
    return _core.stop_gradient(variable)


def cond(pred, true_fn, false_fn):
    """true_fn() if pred else false_fn()."""
    return true_fn() if bool(np.asarray(to_tensor(pred))) else false_fn()


def switch(index, branches, *operands):
    """branches[index](*operands), index clamped to the valid range."""
    i = int(np.clip(int(np.asarray(to_tensor(index))), 0, len(branches) - 1))
    return branches[i](*operands)


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in range(lower, upper); returns val."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):  # noqa: A002 (keras.ops argument name)
    """Runs `body` on `loop_vars` while `cond(*loop_vars)` holds (at most maximum_iterations times)."""
    single = not isinstance(loop_vars, (list, tuple))
    vars_ = (loop_vars,) if single else tuple(loop_vars)
    n = 0
    while bool(np.asarray(to_tensor(cond(*vars_)))) and (maximum_iterations is None or n < maximum_iterations):
        out = body(*vars_)
        vars_ = (out,) if single else tuple(out)
        n += 1
    return vars_[0] if single else type(loop_vars)(vars_)


def scan(f, init, xs=None, length=None, reverse: bool = False, unroll: int = 1):
    """carry, y = f(carry, x) over the leading axis of xs; returns (carry, stacked ys)."""
    from lamina import tree

    if xs is None:
        if length is None:
            raise ValueError("scan: give xs or length")
        steps = [None] * length
    else:
        flat = tree.flatten(xs)
        n = to_tensor(flat[0]).shape[0]
        steps = [tree.pack_sequence_as(xs, [to_tensor(a)[i] for a in flat]) for i in range(n)]
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    carry, ys = init, [None] * len(steps)
    for i in order:
        carry, ys[i] = f(carry, steps[i])
    if not steps or ys[0] is None:
        return carry, None
    flat_ys = [tree.flatten(y) for y in ys]
    stacked = [_core.stack([fy[j] for fy in flat_ys], 0) for j in range(len(flat_ys[0]))]
    return carry, tree.pack_sequence_as(ys[0], stacked)


def map(f, xs):  # noqa: A001 (keras.ops name)
    """f applied to each slice of xs along its leading axis, the results stacked."""
    return scan(lambda _, x: (None, f(x)), None, xs)[1]


def vectorized_map(function, elements):
    """function applied to each slice of `elements` along axis 0, the results stacked."""
    return map(function, elements)


def associative_scan(f, elems, reverse: bool = False, axis: int = 0):
    """Inclusive scan with an associative `f` along `axis` (sequentially, eagerly)."""
    from lamina import tree

    flat = [to_tensor(e) for e in tree.flatten(elems)]
    moved = [_core.moveaxis(e, axis, 0) for e in flat]
    n = moved[0].shape[0]
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    acc, outs = None, [None] * n
    for i in order:
        cur = tree.pack_sequence_as(elems, [m[i] for m in moved])
        acc = cur if acc is None else f(acc, cur)
        outs[i] = tree.flatten(acc)
    stacked = [_core.moveaxis(_core.stack([o[j] for o in outs], 0), 0, axis) for j in range(len(flat))]
    return tree.pack_sequence_as(elems, stacked)


def _int_np(fn):
    def op(x1, x2):
        a, b = to_tensor(x1), to_tensor(x2)
        return from_numpy(fn(np.asarray(a), np.asarray(b)), a)

    return op


left_shift = _int_np(np.left_shift)
left_shift.__name__, left_shift.__doc__ = "left_shift", "x1 shifted left by x2 bits (integers)."
right_shift = _int_np(np.right_shift)
right_shift.__name__, right_shift.__doc__ = "right_shift", "x1 shifted right by x2 bits (integers)."
bitwise_left_shift, bitwise_right_shift = left_shift, right_shift
gcd = _int_np(np.gcd)
gcd.__name__, gcd.__doc__ = "gcd", "Greatest common divisor, elementwise (integers)."
lcm = _int_np(np.lcm)
lcm.__name__, lcm.__doc__ = "lcm", "Least common multiple, elementwise (integers)."
nextafter = _int_np(np.nextafter)
nextafter.__name__, nextafter.__doc__ = "nextafter", "The next float after x1 toward x2 (no gradient)."


def bitwise_not(x):
    """Bitwise inversion (alias of bitwise_invert)."""
    return _core.bitwise_invert(x)


def ldexp(x1, x2):
    """x1 * 2**x2."""
    a, b = to_tensor(x1), to_tensor(x2)
    a = a if "float" in a.dtype else _core.cast(a, "float32")
    return _core.multiply(a, _core.power(2.0, _core.cast(b, a.dtype)))


def _window(fn, doc):
    def op(x):
        return to_tensor(fn(int(np.asarray(to_tensor(x)))).astype("float32"))

    op.__name__, op.__doc__ = fn.__name__, doc
    return op


bartlett = _window(np.bartlett, "The Bartlett (triangular) window of length x.")
blackman = _window(np.blackman, "The Blackman window of length x.")
hamming = _window(np.hamming, "The Hamming window of length x.")
hanning = _window(np.hanning, "The Hann window of length x.")


def kaiser(x, beta):
    """The Kaiser window of length x with shape parameter beta."""
    return to_tensor(np.kaiser(int(np.asarray(to_tensor(x))), float(beta)).astype("float32"))


def _segment_ids(segment_ids, num_segments):
    ids = np.asarray(to_tensor(segment_ids)).astype("int64")
    n = int(ids.max()) + 1 if num_segments is None and ids.size else (num_segments or 0)
    return ids, n


def segment_sum(data, segment_ids, num_segments=None, sorted: bool = False):  # noqa: A002
    """Sums of the rows of `data` sharing a segment id (ids outside [0, num_segments) drop)."""
    data = to_tensor(data)
    ids, n = _segment_ids(segment_ids, num_segments)
    keep = (ids >= 0) & (ids < n)
    rows = _core.take(data, to_tensor(np.nonzero(keep)[0].astype("int32")), 0)
    return _core.scatter(to_tensor(ids[keep].reshape(-1, 1).astype("int32")), rows, (n,) + tuple(data.shape[1:]))


def _segment_pick(data, segment_ids, num_segments, pick, empty):
    data = to_tensor(data)
    ids, n = _segment_ids(segment_ids, num_segments)
    arr = np.asarray(data)
    rows_idx = np.zeros((n,) + arr.shape[1:], dtype="int32")
    present = np.zeros(n, dtype=bool)
    for s in range(n):
        members = np.nonzero(ids == s)[0]
        if members.size:
            present[s] = True
            rows_idx[s] = members[pick(arr[members], axis=0)]
    gathered = _core.take_along_axis(data, to_tensor(rows_idx), 0) if n else _core.zeros((0,) + tuple(data.shape[1:]), data.dtype)
    mask = to_tensor(present.reshape((n,) + (1,) * (arr.ndim - 1)))
    return _core.where(mask, gathered, _core.full_like(gathered, empty))


def segment_max(data, segment_ids, num_segments=None, sorted: bool = False):  # noqa: A002
    """Maxima of the rows of `data` sharing a segment id (empty segments: the dtype's lowest value)."""
    dt = to_tensor(data).dtype
    low = np.finfo(dt).min if "float" in dt else np.iinfo(dt).min
    return _segment_pick(data, segment_ids, num_segments, np.argmax, low)


def segment_min(data, segment_ids, num_segments=None, sorted: bool = False):  # noqa: A002
    """Minima of the rows of `data` sharing a segment id (empty segments: the dtype's highest value)."""
    dt = to_tensor(data).dtype
    high = np.finfo(dt).max if "float" in dt else np.iinfo(dt).max
    return _segment_pick(data, segment_ids, num_segments, np.argmin, high)


__all__ = [
    "is_tensor", "convert_to_numpy", "dtype", "saturate_cast", "stop_gradient", "cond", "switch", "fori_loop",
    "while_loop", "scan", "map", "vectorized_map", "associative_scan", "left_shift", "right_shift",
    "bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm", "nextafter", "bitwise_not", "ldexp", "bartlett",
    "blackman", "hamming", "hanning", "kaiser", "segment_sum", "segment_max", "segment_min",
]
