"""keras.ops math helpers composed from engine ops: cdist, extract_sequences, segment_prod,
and view (a bit reinterpretation, computed in numpy: it has no gradient)."""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina.ops._linearize import from_numpy, to_tensor


def cdist(x, y):
    """Euclidean distances between the rows of x (..., P, M) and of y (..., R, M): (..., P, R)."""
    x, y = to_tensor(x), to_tensor(y)
    if len(x.shape) < 2 or len(y.shape) < 2:
        raise ValueError(f"cdist: inputs must have rank >= 2, got shapes {tuple(x.shape)} and {tuple(y.shape)}")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist: the last dimensions differ, {x.shape[-1]} and {y.shape[-1]}")
    diff = _core.subtract(_core.expand_dims(x, -2), _core.expand_dims(y, -3))
    return _core.sqrt(_core.sum(_core.multiply(diff, diff), -1))


def extract_sequences(x, sequence_length: int, sequence_stride: int):
    """Frames of `sequence_length` along the last axis, every `sequence_stride` samples:
    shape (..., num_sequences, sequence_length)."""
    x = to_tensor(x)
    n = x.shape[-1]
    if sequence_length > n:
        raise ValueError(f"extract_sequences: sequence_length {sequence_length} exceeds the signal length {n}")
    starts = np.arange(0, n - sequence_length + 1, sequence_stride)
    idx = starts[:, None] + np.arange(sequence_length)[None, :]
    return _core.take(x, to_tensor(idx.astype("int32")), len(x.shape) - 1)


def segment_prod(data, segment_ids, num_segments=None, sorted: bool = False):  # noqa: A002 (keras.ops name)
    """Products of the rows of `data` sharing a segment id (empty segments: 1)."""
    data = to_tensor(data)
    ids = np.asarray(to_tensor(segment_ids)).astype("int64")
    n = int(ids.max()) + 1 if num_segments is None and ids.size else (num_segments or 0)
    member = (ids[None, :] == np.arange(n)[:, None]).reshape((n, len(ids)) + (1,) * (len(data.shape) - 1))
    rows = _core.where(to_tensor(member), _core.expand_dims(data, 0), _core.ones_like(_core.expand_dims(data, 0)))
    return _core.prod(rows, 1)


def view(x, dtype=None):
    """The same bytes read as `dtype` (the last axis rescaled by the item sizes), as numpy's view."""
    x = to_tensor(x)
    if dtype is None:
        return x
    return from_numpy(np.ascontiguousarray(np.asarray(x)).view(np.dtype(str(dtype))), x)


__all__ = ["cdist", "extract_sequences", "segment_prod", "view"]
