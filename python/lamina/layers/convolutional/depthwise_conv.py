"""Depthwise convolution layers: DepthwiseConv1D and DepthwiseConv2D, over the engine's
`ops.depthwise_conv`.

Each input channel is convolved with its own `depth_multiplier` filters; output channel
`c * depth_multiplier + m` comes from input channel `c` and `kernel[..., c, m]`.
"""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.convolutional.conv import cast_like, finish_conv
from lamina.layers.layer import Layer


class BaseDepthwiseConv(Layer):
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

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if depth_multiplier is None or int(depth_multiplier) <= 0:
            raise ValueError("Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
                             f"Received depth_multiplier={depth_multiplier}.")
        self.depth_multiplier = int(depth_multiplier)
        self.kernel_size = window.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = window.standardize_tuple(strides, rank, "strides")
        self.dilation_rate = window.standardize_tuple(dilation_rate, rank, "dilation_rate")
        window.check_strides_dilation(self.strides, self.dilation_rate)
        self.padding = window.standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.bias = None

    def build(self, input_shape):
        window.check_rank(self, input_shape, self.rank)
        channels = window.known_channels(self, input_shape, self.data_format)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(channels * self.depth_multiplier,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint, name="bias")
        self._input_channels = channels
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs):
        window.check_rank(self, inputs.shape, self.rank)
        window.check_channels(self, inputs.shape, self.data_format, self._input_channels)
        inputs = cast_like(inputs, self.kernel)
        outputs = ops.depthwise_conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                     data_format=self.data_format, dilation_rate=self.dilation_rate)
        return finish_conv(self, outputs, self.rank, self._input_channels * self.depth_multiplier)

    def compute_output_shape(self, input_shape):
        window.check_rank(self, input_shape, self.rank)
        channels = tuple(input_shape)[window.channel_axis(self.data_format)]
        out_channels = None if channels is None else channels * self.depth_multiplier
        return window.windowed_output_shape(self, input_shape, out_channels, self.kernel_size, self.strides,
                                            self.padding, self.data_format, self.dilation_rate)

    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


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
