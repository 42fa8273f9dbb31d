"""ZeroPadding3D, Cropping3D and UpSampling3D over `(batch, depth, height, width, channels)`."""

from __future__ import annotations

from lamina import ops
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.layer import Layer


def _triple_pairs(value, name: str) -> tuple:
    """An int, three ints (symmetric per axis) or three (before, after) pairs, as three pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value),) * 3
    if not hasattr(value, "__len__") or len(value) != 3:
        raise ValueError(f"`{name}` should be an int, a tuple of 3 ints, or a tuple of 3 tuples of 2 ints. "
                         f"Received: {name}={value}.")
    return tuple(window.standardize_tuple(v, 2, f"entry {i} of {name}", allow_zero=True) for i, v in enumerate(value))


class _Spatial3D(Layer):
    _lean_call = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)

    def _axes(self):
        return window.spatial_axes(self.data_format, 3)

    def build(self, input_shape):
        window.check_rank(self, input_shape, 3)
        self.built = True


class ZeroPadding3D(_Spatial3D):
    """Pads depth, height and width with zeros.

    Args:
        padding: int, 3 ints, or `((d0, d1), (h0, h1), (w0, w1))`; default (1, 1, 1).
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _triple_pairs(padding, "padding")

    def call(self, inputs):
        widths = [(0, 0)] * 5
        for axis, pair in zip(self._axes(), self.padding):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(self._axes(), self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + a + b
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping3D(_Spatial3D):
    """Crops depth, height and width.

    Args:
        cropping: int, 3 ints, or `((d0, d1), (h0, h1), (w0, w1))`; default (1, 1, 1).
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _triple_pairs(cropping, "cropping")

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        index = [slice(None)] * 5
        for axis, (a, b) in zip(self._axes(), self.cropping):
            index[axis] = slice(a, inputs.shape[axis] - b)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(self._axes(), self.cropping):
            if shape[axis] is not None:
                if a + b >= shape[axis]:
                    raise ValueError(f"Cropping3D '{self.name}': cropping {self.cropping} is too large for input shape "
                                     f"{tuple(input_shape)}")
                shape[axis] -= a + b
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class UpSampling3D(_Spatial3D):
    """Repeats each cell `size` times along depth, height and width.

    Args:
        size: int or 3 ints; default (2, 2, 2).
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = window.standardize_tuple(size, 3, "size")

    def call(self, inputs):
        for axis, factor in zip(self._axes(), self.size):
            if factor > 1:
                inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._axes(), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
