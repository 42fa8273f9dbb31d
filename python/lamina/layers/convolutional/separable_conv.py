"""Separable convolution layers: SeparableConv1D and SeparableConv2D, over the engine's
`ops.separable_conv` (a depthwise convolution, then a pointwise 1x1 convolution)."""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional.base_conv import BaseConvLayer, cast_like, positive_int


class BaseSeparableConv(BaseConvLayer):
    """N-D separable convolution layer (the base of SeparableConv1D and SeparableConv2D).

    Args:
        rank: the number of spatial axes (1 or 2).
        depth_multiplier: filters per input channel in the depthwise step.
        filters: output channels of the pointwise step.
        kernel_size, strides, padding ("valid" or "same"), data_format, dilation_rate: of the
            depthwise step, as in Conv2D.
        activation, use_bias: as in Conv2D.
        depthwise_* / pointwise_* / bias_*: initializer, regularizer and constraint of each weight.

    Weights: "depthwise_kernel" `(*kernel_size, in_channels, depth_multiplier)`,
    "pointwise_kernel" `(*ones, in_channels * depth_multiplier, filters)` and "bias" `(filters,)`.
    """

    _plain_config_keys = ("depth_multiplier", "filters", "kernel_size", "strides", "padding", "data_format",
                          "dilation_rate")

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier")
        self.filters = positive_int(filters, "filters")
        self._set_window(rank, kernel_size, strides, dilation_rate, padding, data_format)
        self._set_activation_and_weights(activation, use_bias,
                                         depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
                                         pointwise=(pointwise_initializer, pointwise_regularizer, pointwise_constraint),
                                         bias=(bias_initializer, bias_regularizer, bias_constraint))

    def _add_kernels(self, channels):
        self.depthwise_kernel = self._add_role_weight("depthwise", self.kernel_size + (channels, self.depth_multiplier),
                                                      name="depthwise_kernel")
        self.pointwise_kernel = self._add_role_weight(
            "pointwise", (1,) * self.rank + (channels * self.depth_multiplier, self.filters), name="pointwise_kernel")

    def _convolve(self, inputs):
        inputs = cast_like(inputs, self.depthwise_kernel)
        return ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, strides=self.strides,
                                  padding=self.padding, data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)


class SeparableConv1D(BaseSeparableConv):
    """1-D separable convolution over `(batch, steps, channels)` inputs. See BaseSeparableConv."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, depth_multiplier, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
                         pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs)


class SeparableConv2D(BaseSeparableConv):
    """2-D separable convolution over `(batch, height, width, channels)` inputs. See
    BaseSeparableConv."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, depth_multiplier, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
                         pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs)


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
