"""Making tensors from Python and numpy values."""

from __future__ import annotations

from typing import Any

from lamina import _core


def convert_to_tensor(x: Any, dtype: Any = None) -> _core.Tensor:
    """Converts an array-like to a Tensor.

    Args:
        x: a Tensor, Variable, numpy array, Python number or nested list. Tensors pass
            through unchanged; numpy arrays are copied. Python floats become float32 and
            Python ints int32 (Keras' defaults); numpy arrays keep their dtype.
        dtype: optional target dtype ("float32", numpy dtype, ...).
    """
    return _core.convert_to_tensor(x, dtype)


def tensor(x: Any, dtype: Any = None) -> _core.Tensor:
    """Alias of `convert_to_tensor`."""
    return _core.convert_to_tensor(x, dtype)
