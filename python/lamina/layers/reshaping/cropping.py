"""Cropping1D and Cropping2D: cells removed from the ends of the spatial axes (an engine slice)."""

from __future__ import annotations

from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.layer import Layer
from lamina.layers.reshaping.zero_padding import standardize_pairs


def _cropped(layer, shape, axes, pairs):
    """The shape after cropping, raising when a crop removes a whole axis."""
    shape = list(shape)
    for axis, (before, after) in zip(axes, pairs):
        if shape[axis] is None:
            continue
        if before + after >= shape[axis]:
            raise ValueError(
                f"Layer \"{layer.name}\" ({type(layer).__name__}): values in `cropping` must be smaller than the "
                f"corresponding spatial dimension of the input. Received: input shape={tuple(shape)}, "
                f"cropping={layer.cropping}"
            )
        shape[axis] -= before + after
    return tuple(shape)


def _crop(inputs, axes, pairs):
    index = [slice(None)] * inputs.ndim
    for axis, (before, after) in zip(axes, pairs):
        index[axis] = slice(before, inputs.shape[axis] - after)
    return inputs[tuple(index)]


class Cropping1D(Layer):
    """Crops the steps of `(batch, steps, channels)` inputs.

    Args:
        cropping: int (both ends) or `(start, end)`: how many steps to remove; default (1, 1).
    """

    _lean_call = True

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = window.standardize_tuple(cropping, 2, "cropping", allow_zero=True)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        return _crop(inputs, [1], [self.cropping])

    def compute_output_shape(self, input_shape):
        window.check_rank(self, input_shape, 1)
        return _cropped(self, input_shape, [1], [self.cropping])

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(Layer):
    """Crops the height and width of `(batch, height, width, channels)` inputs.

    Args:
        cropping: int, `(symmetric_height, symmetric_width)` or `((top, bottom), (left, right))`;
            default no cropping.
        data_format: "channels_last" or "channels_first"; None means the global default.
    """

    _lean_call = True

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = standardize_pairs(cropping, "cropping")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        return _crop(inputs, window.spatial_axes(self.data_format, 2), self.cropping)

    def compute_output_shape(self, input_shape):
        window.check_rank(self, input_shape, 2)
        return _cropped(self, input_shape, window.spatial_axes(self.data_format, 2), self.cropping)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}
