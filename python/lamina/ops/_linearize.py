"""Ops whose value the engine has no kernel for yet, computed in numpy, with their derivative
composed from engine ops so that autodiff still works.

`linearized(value, tangent, *inputs)` returns `stop_gradient(value) + tangent(*deltas)` where
each delta is `x - stop_gradient(x)`: zero in value (so the forward is exactly `value`), but
carrying the gradient of `x`. `tangent` must be linear in the deltas and written with engine
ops; the engine's autodiff then gives the exact first derivative (not higher ones). Ops built
this way are listed in the module docstrings that use it; each should become an engine
kernel when it matters for speed or a GPU.
"""

from __future__ import annotations

import numpy as np

from lamina import _core


def to_tensor(x, dtype=None):
    """`x` as an engine tensor (tensors pass through unchanged unless `dtype` differs)."""
    if isinstance(x, _core.Tensor):
        return x if dtype is None or x.dtype == dtype else _core.cast(x, dtype)
    if isinstance(x, np.ndarray):
        # The engine's conversion reads Fortran-ordered arrays in memory order (reported as a
        # bindings bug); a C-ordered copy converts correctly.
        x = np.ascontiguousarray(x).reshape(x.shape)  # (ascontiguousarray makes 0-d arrays 1-d)
    return _core.convert_to_tensor(x, dtype) if dtype is not None else _core.convert_to_tensor(x)


def float_tensor(x):
    """`x` as a float tensor: integer and bool inputs become float32, as Keras' float ops do."""
    t = to_tensor(x)
    return t if "float" in t.dtype else _core.cast(t, "float32")


def from_numpy(value: np.ndarray, like):
    """`value` as a tensor on the device of `like` (a tensor)."""
    value = np.asarray(value)
    out = _core.convert_to_tensor(np.ascontiguousarray(value).reshape(value.shape))
    device = getattr(like, "device", "cpu")
    return out if device == "cpu" else out.to(device)


def linearized(value: np.ndarray, tangent, *inputs):
    """A tensor equal to `value` whose gradient with respect to `inputs` is that of
    `tangent(*deltas)` (see the module docstring)."""
    const = from_numpy(value, inputs[0])
    if not _core.is_recording() and not any(getattr(x, "_tracked", False) for x in inputs):
        return const
    deltas = [_core.subtract(x, _core.stop_gradient(x)) for x in inputs]
    return _core.add(const, tangent(*deltas))
