"""`lamina.backend`: Keras' keras.backend namespace (settings and dtype helpers)."""

from __future__ import annotations

import numpy as np

from lamina.config import (clear_session, epsilon, floatx, image_data_format, set_epsilon, set_floatx,  # noqa: F401
                           set_image_data_format)

_DTYPE_ALIASES = {"int": "int32"}  # Keras' name for the default integer (jax and numpy backends)
_UIDS: dict = {}


def backend() -> str:
    """The name of the backend: "lamina" (its Rust engine)."""
    return "lamina"


def standardize_dtype(dtype) -> str:
    """A dtype (string, numpy dtype, Python type or tensor dtype) as Keras' string name; None means floatx."""
    if dtype is None:
        return floatx()
    if dtype is bool:
        return "bool"
    if dtype is int:
        return "int32"
    if dtype is float:
        return "float32"
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None) or str(dtype)
    name = _DTYPE_ALIASES.get(name, name)
    try:
        return np.dtype(name).name
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype}") from None


def is_float_dtype(dtype) -> bool:
    """True for floating-point dtypes."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    """True for signed and unsigned integer dtypes."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes) -> str:
    """The dtype of a binary op on these dtypes, by lamina's rule (as Keras': an integer with
    float32 stays float32; Python int/float take the other operand's kind)."""
    if not dtypes:
        return floatx()
    names = [standardize_dtype(d) for d in dtypes if d not in (int, float, bool)]
    if not names:
        return "float32" if float in dtypes else ("int32" if int in dtypes else "bool")
    floats = [n for n in names if is_float_dtype(n)]
    if floats:
        return max(floats, key=lambda n: np.dtype(n).itemsize)
    if float in dtypes:
        return floatx()
    ints = [n for n in names if is_int_dtype(n)]
    return np.result_type(*ints).name if ints else "bool"


def get_uid(prefix: str = "") -> int:
    """A counter per prefix, starting at 1 (Keras' naming helper)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def is_keras_tensor(x) -> bool:
    """True for symbolic tensors (made by Input or by calling layers on them)."""
    from lamina.layers.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


__all__ = [
    "backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype", "is_int_dtype",
    "is_keras_tensor", "result_type", "set_epsilon", "set_floatx", "set_image_data_format", "standardize_dtype",
]
