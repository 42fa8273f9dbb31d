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


# ------------------------------------------------------------------------------------------------
# The rest of keras.config: switches lamina honours (logging, unsafe deserialization) and the
# backend query.

_INTERACTIVE_LOGGING = True
_TRACEBACK_FILTERING = True


def backend() -> str:
    """The backend's name: "lamina" (every op runs in lamina's Rust engine)."""
    return "lamina"


def set_backend(backend: str) -> None:
    """Keras switches backends here; lamina has one, so only "lamina" is accepted."""
    if backend != "lamina":
        raise ValueError(f"lamina runs only on its own engine; set_backend({backend!r}) is not possible "
                         "(use real Keras for the jax, tensorflow or torch backends)")


def enable_unsafe_deserialization() -> None:
    """Lets loading run code stored in files (Lambda layers holding bytecode), for the rest of
    the process, as `safe_mode=False` does for one call."""
    from lamina.saving import serialization

    serialization.set_default_safe_mode(False)


def enable_interactive_logging() -> None:
    """Progress bars and logs go to stdout (the default)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = True


def disable_interactive_logging() -> None:
    """Progress output goes to Python's `logging` instead of stdout."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = False


def is_interactive_logging_enabled() -> bool:
    """Whether progress output goes to stdout."""
    return _INTERACTIVE_LOGGING


def enable_traceback_filtering() -> None:
    """Accepted for Keras compatibility: lamina's tracebacks are never filtered."""
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = True


def disable_traceback_filtering() -> None:
    """Accepted for Keras compatibility: lamina's tracebacks are never filtered."""
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = False


def is_traceback_filtering_enabled() -> bool:
    """The flag set by enable/disable_traceback_filtering."""
    return _TRACEBACK_FILTERING


def is_nnx_enabled() -> bool:
    """False: Flax NNX integration is a Keras-on-JAX feature lamina does not have."""
    return False
