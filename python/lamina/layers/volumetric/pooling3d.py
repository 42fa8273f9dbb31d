"""MaxPooling3D, AveragePooling3D and the global 3-D poolings."""

from __future__ import annotations

from lamina import ops
from lamina.layers.pooling.global_pooling import BaseGlobalPooling
from lamina.layers.pooling.pooling import BasePooling
from lamina.layers.convolutional import window
from lamina.layers.volumetric.depth_slices import from_channels_last, pool3d, to_channels_last


class _Pooling3D(BasePooling):
    def call(self, inputs):
        window.check_rank(self, inputs.shape, 3)
        x = to_channels_last(inputs, self.data_format)
        return from_channels_last(pool3d(x, self.pool_size, self.strides, self.padding, self.pool_mode),
                                  self.data_format)


class MaxPooling3D(_Pooling3D):
    """Max pooling over depth, height and width of `(batch, depth, height, width, channels)`
    inputs. Args: pool_size (default (2, 2, 2)), strides (default pool_size), padding, data_format."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 3, pool_mode="max", padding=padding, data_format=data_format, name=name,
                         **kwargs)


class AveragePooling3D(_Pooling3D):
    """Average pooling over depth, height and width (see MaxPooling3D)."""

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 3, pool_mode="average", padding=padding, data_format=data_format,
                         name=name, **kwargs)


class GlobalAveragePooling3D(BaseGlobalPooling):
    """The mean over depth, height and width. Args: data_format, keepdims."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return self._reduce(inputs, ops.mean)


class GlobalMaxPooling3D(BaseGlobalPooling):
    """The max over depth, height and width. Args: data_format, keepdims."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return self._reduce(inputs, ops.max)


MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
GlobalAvgPool3D, GlobalMaxPool3D = GlobalAveragePooling3D, GlobalMaxPooling3D
