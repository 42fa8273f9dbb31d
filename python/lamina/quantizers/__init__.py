"""int8 quantization as in Keras 3 (`keras.quantizers`, `Model.quantize("int8")`).

Weights: per-output-channel symmetric int8 (`abs_max_quantize` along the input axis).
Activations: quantized per row at run time inside the engine's int8 Dense kernel
(`lamina._core.Int8Dense`), which multiplies int8 x int8 -> int32 and dequantizes, adds the
bias and applies ReLU in one call.
"""

from __future__ import annotations

import warnings

import numpy as np

from lamina import _core

# Keras' backend.epsilon(), added to the abs-max so that all-zero rows/columns get a finite scale.
_EPSILON = 1e-7


def abs_max_quantize(inputs, axis: int, value_range=(-127, 127), epsilon: float = _EPSILON):
    """Symmetric abs-max quantization, as Keras' `keras.quantizers.abs_max_quantize`.

    Args:
        inputs: float array.
        axis: the axis reduced to find the abs-max (one scale per remaining index).
        value_range: the int range, (-127, 127) as in Keras.
        epsilon: added to the abs-max before dividing.

    Returns:
        `(int8 array, float32 scale)` with `q = clip(round(x * scale))`, scale kept as a
        size-1 axis where `axis` was.
    """
    x = np.asarray(inputs, dtype=np.float32)
    scale = np.float32(value_range[1]) / (np.max(np.abs(x), axis=axis, keepdims=True) + np.float32(epsilon))
    q = np.clip(np.round(x * scale), value_range[0], value_range[1]).astype(np.int8)
    return q, scale.astype(np.float32)


def int8_isas() -> tuple[list[str], str]:
    """The int8 paths this CPU has (best last) and the one in use (after `LAMINA_INT8_ISA`)."""
    return _core._int8_isas()


def int8_pays_off() -> bool:
    """Whether the int8 path in use beats float32 here. Only AVX-512 VNNI does: in
    bench/int8.py the AVX2 path (vpmaddwd) was 0.7-0.9x float32 at batch 8-32."""
    return int8_isas()[1] == "vnni"


def quantize_model(model, mode: str, exclude=()) -> None:
    """`Model.quantize`: quantizes every Dense sublayer in place.

    Args:
        model: a built model.
        mode: "int8" (the only mode lamina runs).
        exclude: names of layers to keep in float.
    """
    if mode != "int8":
        raise NotImplementedError(f"Model.quantize: mode {mode!r} is not supported by lamina; expected 'int8'")
    from lamina.layers.core.dense import Dense

    if not model.built:
        raise ValueError(f"Model '{model.name}': cannot quantize a model that is not built yet; build or call it first")
    if not int8_pays_off():
        warnings.warn(f"Model.quantize('int8'): the int8 path here ({int8_isas()[1]}) is slower than float32 "
                      "(only AVX-512 VNNI beats it), so the layers stay float32", stacklevel=3)
        return
    found = False
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, Dense) and layer.name not in exclude and layer.built:
            layer.quantize(mode)
            found = True
    if not found:
        raise ValueError(f"Model '{model.name}': no layer to quantize (lamina quantizes Dense layers)")
