"""Depthwise convolution layers: DepthwiseConv1D and DepthwiseConv2D, over the engine's
`ops.depthwise_conv`.

Each input channel is convolved with its own `depth_multiplier` filters; output channel
`c * depth_multiplier + m` comes from input channel `c` and `kernel[..., c, m]`.
"""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional.base_conv import BaseConvLayer, cast_like, positive_int


class BaseDepthwiseConv(BaseConvLayer):
    """N-D depthwise convolution layer (the base of DepthwiseConv1D and DepthwiseConv2D).

    Args:
        rank: the number of spatial axes (1 or 2).
        depth_multiplier: the number of filters per input channel.
        kernel_size, strides, padding ("valid" or "same"), data_format, dilation_rate,
            activation, use_bias: as in Conv2D.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: of the kernel.
        bias_initializer, bias_regularizer, bias_constraint, activity_regularizer: as in Conv2D.

    Weights (Keras 3 names): "kernel" of shape `(*kernel_size, in_channels, depth_multiplier)`
    and "bias" of shape `(in_channels * depth_multiplier,)`.
    """

    _plain_config_keys = ("depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate")

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier")
        self._set_window(rank, kernel_size, strides, dilation_rate, padding, data_format)
        self._set_activation_and_weights(activation, use_bias,
                                         depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
                                         bias=(bias_initializer, bias_regularizer, bias_constraint))

    def _output_channels(self, input_channels):
        return None if input_channels is None else input_channels * self.depth_multiplier

    def _add_kernels(self, channels):
        # Keras 3 names the depthwise kernel "kernel" here (Keras 2: "depthwise_kernel").
        self.kernel = self._add_role_weight("depthwise", self.kernel_size + (channels, self.depth_multiplier),
                                            name="kernel")

    def _convolve(self, inputs):
        inputs = cast_like(inputs, self.kernel)
        return ops.depthwise_conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                  data_format=self.data_format, dilation_rate=self.dilation_rate)


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution over `(batch, steps, channels)` inputs. See BaseDepthwiseConv."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(1, depth_multiplier, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution over `(batch, height, width, channels)` inputs. See
    BaseDepthwiseConv."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, depth_multiplier, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
