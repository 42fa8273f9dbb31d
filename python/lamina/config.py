"""Global settings with Keras' names: float type, epsilon, image data format, and the naming
counters that `clear_session` resets."""

from __future__ import annotations

import collections
import re

from lamina._threads import get_num_threads, set_num_threads  # noqa: F401  (the engine's thread count)

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_UIDS: collections.Counter = collections.Counter()


def floatx() -> str:
    """The default float dtype ("float32")."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    if value not in ("float32", "float64"):
        raise ValueError(f"floatx must be 'float32' or 'float64', got {value!r}")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"image_data_format must be 'channels_last' or 'channels_first', got {value!r}")
    _IMAGE_DATA_FORMAT = value


def standardize_data_format(data_format: str | None) -> str:
    if data_format is None:
        return _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return data_format


def to_snake_case(name: str) -> str:
    # Keras' rule: a digit before a capital is not a word boundary (Conv2D -> conv2d).
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(prefix: str) -> str:
    """`prefix`, then `prefix_1`, `prefix_2`, ... as Keras names layers."""
    n = _UIDS[prefix]
    _UIDS[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def clear_session() -> None:
    """Resets the layer-name counters (and nothing else: lamina keeps no global graph)."""
    _UIDS.clear()
