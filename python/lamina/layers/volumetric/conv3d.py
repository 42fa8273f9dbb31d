"""Conv3D over volumes `(batch, depth, height, width, channels)`."""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional.base_conv import cast_like
from lamina.layers.convolutional.conv import BaseConv
from lamina.layers.volumetric.depth_slices import conv3d, from_channels_last, to_channels_last


class Conv3D(BaseConv):
    """3-D convolution over volumes of shape `(batch, depth, height, width, channels)` (or
    `(batch, channels, depth, height, width)` with channels_first). Arguments as Conv2D; the
    kernel has Keras' layout `(kd, kh, kw, in_channels, filters)`. `groups` must be 1."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        if groups != 1:
            raise NotImplementedError("Conv3D: groups > 1 is not supported by lamina yet")
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)

    def _convolve(self, inputs):
        x = to_channels_last(cast_like(inputs, self.kernel), self.data_format)
        y = conv3d(x, self.kernel, self.strides, self.padding, self.dilation_rate)
        return from_channels_last(y, self.data_format)


Convolution3D = Conv3D
