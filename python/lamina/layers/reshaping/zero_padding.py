"""ZeroPadding1D and ZeroPadding2D: zeros added around the spatial axes (one engine `pad`)."""

from __future__ import annotations

from lamina import ops
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.layer import Layer


def standardize_pairs(value, name: str) -> tuple:
    """An int, `(symmetric_height, symmetric_width)` or `((top, bottom), (left, right))` as
    two (before, after) pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value), (value, value))
    if not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"`{name}` should be either an int, a tuple of 2 ints (symmetric_height, symmetric_width), "
                         f"or a tuple of 2 tuples of 2 ints ((top, bottom), (left, right)). Received: {name}={value}.")
    return (window.standardize_tuple(value[0], 2, f"1st entry of {name}", allow_zero=True),
            window.standardize_tuple(value[1], 2, f"2nd entry of {name}", allow_zero=True))


def _grow(size, pair):
    return None if size is None else size + pair[0] + pair[1]


class ZeroPadding1D(Layer):
    """Pads the steps of `(batch, steps, channels)` inputs with zeros.

    Args:
        padding: int (both sides) or `(before, after)`; default 1.
        data_format: "channels_last" or "channels_first"; None means the global default.
    """

    _lean_call = True

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = window.standardize_tuple(padding, 2, "padding", allow_zero=True)

    def build(self, input_shape):
        window.check_rank(self, input_shape, 1)
        self.built = True

    def call(self, inputs):
        window.check_rank(self, inputs.shape, 1)
        widths = [(0, 0), self.padding, (0, 0)] if self.data_format == "channels_last" else [(0, 0), (0, 0), self.padding]
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        window.check_rank(self, input_shape, 1)
        shape = list(input_shape)
        axis = 1 if self.data_format == "channels_last" else 2
        shape[axis] = _grow(shape[axis], self.padding)
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding2D(Layer):
    """Pads the height and width of `(batch, height, width, channels)` inputs with zeros.

    Args:
        padding: int, `(symmetric_height, symmetric_width)` or `((top, bottom), (left, right))`;
            default `(1, 1)`.
        data_format: "channels_last" or "channels_first"; None means the global default.
    """

    _lean_call = True

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = standardize_pairs(padding, "padding")

    def build(self, input_shape):
        window.check_rank(self, input_shape, 2)
        self.built = True

    def call(self, inputs):
        window.check_rank(self, inputs.shape, 2)
        if self.data_format == "channels_last":
            widths = [(0, 0), *self.padding, (0, 0)]
        else:
            widths = [(0, 0), (0, 0), *self.padding]
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        window.check_rank(self, input_shape, 2)
        shape = list(input_shape)
        for pair, axis in zip(self.padding, window.spatial_axes(self.data_format, 2)):
            shape[axis] = _grow(shape[axis], pair)
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
