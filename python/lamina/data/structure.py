"""Nested structures of a Dataset's elements (tuples, dicts and leaves) and their specs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def map_structure(fn, s):
    """Applies `fn` to every leaf; tuples, lists and dicts keep their shape."""
    if isinstance(s, tuple):
        return tuple(map_structure(fn, x) for x in s)
    if isinstance(s, list):
        return [map_structure(fn, x) for x in s]
    if isinstance(s, dict):
        return {k: map_structure(fn, v) for k, v in s.items()}
    return fn(s)


def slices_structure(fn, s):
    """Like map_structure, but as tf.data reads a source: tuples and dicts are structure, while
    a list is one tensor (its items stacked), as `tf.convert_to_tensor` makes of it."""
    if isinstance(s, tuple):
        return tuple(slices_structure(fn, x) for x in s)
    if isinstance(s, dict):
        return {k: slices_structure(fn, v) for k, v in s.items()}
    return fn(s)


def as_tensor(value) -> np.ndarray:
    """A component as tf.convert_to_tensor makes it: numpy arrays keep their dtype, Python ints
    become int32 (int64 when too large) and Python floats float32, strings bytes objects."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    a = np.asarray(value)
    if a.dtype.kind == "i" and a.dtype != np.int32 and (a.size == 0 or (a.min() >= -2**31 and a.max() < 2**31)):
        return a.astype(np.int32)
    if a.dtype == np.float64:
        return a.astype(np.float32)
    if a.dtype.kind in "SU":
        return np.array([x.encode() if isinstance(x, str) else x for x in a.ravel().tolist()],
                        dtype=object).reshape(a.shape)
    return a


def leaves(s) -> list:
    if isinstance(s, (tuple, list)):
        return [leaf for x in s for leaf in leaves(x)]
    if isinstance(s, dict):
        return [leaf for k in s for leaf in leaves(s[k])]
    return [s]


def zip_structures(fn, structures: list):
    """Applies `fn` to the list of corresponding leaves of same-shaped structures."""
    first = structures[0]
    if isinstance(first, tuple):
        return tuple(zip_structures(fn, [s[i] for s in structures]) for i in range(len(first)))
    if isinstance(first, list):
        return [zip_structures(fn, [s[i] for s in structures]) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: zip_structures(fn, [s[k] for s in structures]) for k in first}
    return fn(structures)


def stack(elements: list):
    """Stacks a list of same-shaped elements along a new first axis (tf.data's batch)."""
    def stack_leaves(xs):
        if isinstance(xs[0], bytes):  # numpy's S dtype would drop trailing NUL bytes of records
            return np.array(xs, dtype=object)
        arrays = [np.asarray(x) for x in xs]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"batch: cannot batch elements of different shapes {sorted(shapes)}; "
                             f"use padded_batch")
        return np.stack(arrays)

    return zip_structures(stack_leaves, elements)


def call_unpacked(fn, element):
    """tf.data's calling convention: a tuple element is unpacked into positional arguments."""
    return fn(*element) if isinstance(element, tuple) else fn(element)


class ElementArray(np.ndarray):
    """A numpy array that is also an element of a Dataset: `.numpy()` gives the plain array."""

    def numpy(self) -> np.ndarray:
        return self.view(np.ndarray)


def as_element_array(leaf):
    if isinstance(leaf, (np.ndarray, np.generic, int, float, bool)):
        return np.asarray(leaf).view(ElementArray)
    return leaf


def as_numpy(leaf):
    """A leaf as tf.data's as_numpy_iterator gives it: scalar strings as bytes, else numpy."""
    if isinstance(leaf, (bytes, str)):
        return leaf.encode() if isinstance(leaf, str) else leaf
    a = np.asarray(leaf)
    if a.ndim == 0:  # a numpy scalar (np.int64...), or bytes for a string, as tf.data gives
        return a.item() if a.dtype.kind in "SO" else a[()]
    return a


@dataclass(frozen=True)
class TensorSpec:
    """The shape (None where it varies) and dtype of one component of a dataset's elements."""
    shape: tuple
    dtype: np.dtype
    name: str | None = None


def spec_of(leaf) -> TensorSpec:
    if isinstance(leaf, bytes):
        return TensorSpec((), np.dtype(object))
    a = np.asarray(leaf)
    return TensorSpec(tuple(a.shape), a.dtype)


def merge_specs(a, b):
    """The spec covering both: dimensions that differ become None."""
    if isinstance(a, TensorSpec):
        if len(a.shape) != len(b.shape):
            return TensorSpec(None, a.dtype)
        return TensorSpec(tuple(x if x == y else None for x, y in zip(a.shape, b.shape)), a.dtype)
    return zip_structures(lambda pair: merge_specs(*pair), [a, b])
