"""UpSampling1D and UpSampling2D: spatial axes enlarged by integer factors.

"nearest" repeats each cell (engine `repeat`). UpSampling2D's "bilinear" interpolates like
Keras' `ops.image.resize` (half-pixel centers, edges clamped): each output cell along an axis is
`(1 - t) * x[lo] + t * x[hi]`, computed with two engine `take`s per axis. The index and weight
tables depend only on the axis length and factor, so they are built once per length and cached.
"""

from __future__ import annotations

import functools

import numpy as np

from lamina import _core, ops
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.layer import Layer

_INTERPOLATIONS = ("nearest", "bilinear")


@functools.lru_cache(maxsize=64)
def _linear_taps(size: int, factor: int):
    """(lo, hi, t) for upsampling an axis of `size` cells by `factor`: output cell o samples
    input position (o + 0.5) / factor - 0.5, clamped to [0, size - 1]."""
    pos = np.clip((np.arange(size * factor) + 0.5) / factor - 0.5, 0.0, size - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, size - 1)
    return lo, hi, pos - lo


def _linear_upsample(x, axis: int, factor: int):
    """Linear interpolation of `x` along `axis` (engine ops only on the data)."""
    if not x.dtype.startswith("float"):
        x = ops.cast(x, "float32")
    size = x.shape[axis]
    lo, hi, t = _linear_taps(size, factor)
    shape = [1] * x.ndim
    shape[axis] = size * factor
    t = _core.convert_to_tensor(t.astype(x.dtype).reshape(shape))
    below = ops.take(x, _core.convert_to_tensor(lo), axis=axis)
    above = ops.take(x, _core.convert_to_tensor(hi), axis=axis)
    return ops.add(below, ops.multiply(ops.subtract(above, below), t))


def _scaled(size, factor):
    return None if size is None else size * factor


class UpSampling1D(Layer):
    """Repeats each step of `(batch, steps, features)` inputs `size` times.

    Args:
        size: the upsampling factor (default 2).
    """

    _lean_call = True

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = size

    def build(self, input_shape):
        window.check_rank(self, input_shape, 1)
        self.built = True

    def call(self, inputs):
        window.check_rank(self, inputs.shape, 1)
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        window.check_rank(self, input_shape, 1)
        return (input_shape[0], _scaled(input_shape[1], self.size), input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Enlarges the height and width of `(batch, height, width, channels)` inputs.

    Args:
        size: int or `(height_factor, width_factor)`; default (2, 2).
        data_format: "channels_last" or "channels_first"; None means the global default.
        interpolation: "nearest" (repeat cells) or "bilinear".
    """

    _lean_call = True

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = window.standardize_tuple(size, 2, "size")
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: `interpolation` must be one of {_INTERPOLATIONS} in lamina. "
                             f"Received: interpolation={interpolation!r}")

    def build(self, input_shape):
        window.check_rank(self, input_shape, 2)
        self.built = True

    def call(self, inputs):
        window.check_rank(self, inputs.shape, 2)
        for axis, factor in zip(window.spatial_axes(self.data_format, 2), self.size):
            if factor == 1:
                continue
            if self.interpolation == "nearest":
                inputs = ops.repeat(inputs, factor, axis=axis)
            else:
                inputs = _linear_upsample(inputs, axis, factor)
        return inputs

    def compute_output_shape(self, input_shape):
        window.check_rank(self, input_shape, 2)
        shape = list(input_shape)
        for axis, factor in zip(window.spatial_axes(self.data_format, 2), self.size):
            shape[axis] = _scaled(shape[axis], factor)
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
