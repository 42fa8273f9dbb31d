"""Conv3DTranspose over volumes `(batch, depth, height, width, channels)`."""

from __future__ import annotations

from lamina.layers.convolutional.base_conv import cast_like
from lamina.layers.convolutional.conv_transpose import BaseConvTranspose
from lamina.layers.volumetric.depth_slices import conv3d_transpose, from_channels_last, to_channels_last


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution over `(batch, depth, height, width, channels)` inputs.
    Arguments as Conv2DTranspose; the kernel has Keras' layout `(kd, kh, kw, filters, in_channels)`."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)

    def _convolve(self, inputs):
        x = to_channels_last(cast_like(inputs, self.kernel), self.data_format)
        y = conv3d_transpose(x, self.kernel, self.strides, self.padding, self.output_padding, self.dilation_rate)
        return from_channels_last(y, self.data_format)


Convolution3DTranspose = Conv3DTranspose
