"""Window pooling layers: MaxPooling1D/2D and AveragePooling1D/2D, over the engine's
`ops.max_pool` and `ops.average_pool`."""

from __future__ import annotations

from lamina import ops
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.layer import Layer


class BasePooling(Layer):
    """N-D pooling layer (the base of the MaxPooling and AveragePooling layers).

    Args:
        pool_size: int or tuple of ints, the window size.
        strides: int or tuple of ints; None means `pool_size`.
        pool_dimensions: the number of spatial axes (1 or 2).
        pool_mode: "max" or "average".
        padding: "valid" or "same" (with "same", padded cells never win a max and are not
            counted in an average).
        data_format: "channels_last" or "channels_first"; None means the global default.
    """

    _lean_call = True

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_dimensions = pool_dimensions
        self.pool_size = window.standardize_tuple(pool_size, pool_dimensions, "pool_size")
        self.strides = window.standardize_tuple(pool_size if strides is None else strides, pool_dimensions, "strides")
        if pool_mode not in ("max", "average"):
            raise ValueError(f"`pool_mode` must be either 'max' or 'average'. Received: {pool_mode}.")
        self.pool_mode = pool_mode
        self.padding = window.standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # rank and window checks
        self.built = True

    def call(self, inputs):
        window.check_rank(self, inputs.shape, self.pool_dimensions)
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        return pool(inputs, self.pool_size, strides=self.strides, padding=self.padding, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        channels = tuple(input_shape)[window.channel_axis(self.data_format)] if len(input_shape) else None
        return window.windowed_output_shape(self, input_shape, channels, self.pool_size, self.strides, self.padding,
                                            self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Max pooling over the steps of `(batch, steps, channels)` inputs. See BasePooling."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 1, pool_mode="max", padding=padding, data_format=data_format, name=name,
                         **kwargs)


class MaxPooling2D(BasePooling):
    """Max pooling over the height and width of `(batch, height, width, channels)` inputs. See
    BasePooling."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 2, pool_mode="max", padding=padding, data_format=data_format, name=name,
                         **kwargs)


class AveragePooling1D(BasePooling):
    """Average pooling over the steps of `(batch, steps, channels)` inputs. See BasePooling."""

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 1, pool_mode="average", padding=padding, data_format=data_format,
                         name=name, **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling over the height and width of `(batch, height, width, channels)` inputs.
    See BasePooling."""

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 2, pool_mode="average", padding=padding, data_format=data_format,
                         name=name, **kwargs)


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
