"""Convolution layers: a shared BaseConv, then Conv1D and Conv2D.

The kernel has Keras' layout, `(*kernel_size, in_channels // groups, filters)`, which is the
layout `ops.conv` takes, so the forward pass is one engine convolution plus the bias and the
activation.
"""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.layer import Layer


def finish_conv(layer, outputs, rank: int, channels: int):
    """Adds the layer's bias (if any) along the channel axis, then applies its activation."""
    if layer.bias is not None:
        bias = layer.bias
        if layer.data_format == "channels_first":
            bias = ops.reshape(bias, (channels,) + (1,) * rank)
        outputs = ops.add(outputs, bias)
    if layer.activation is not activations.linear:
        outputs = layer.activation(outputs)
    return outputs


def cast_like(inputs, variable):
    """Inputs in the weights' dtype (Keras casts to the layer's compute dtype)."""
    return inputs if inputs.dtype == variable.dtype else ops.cast(inputs, variable.dtype)


class BaseConv(Layer):
    """N-D convolution layer (the base of Conv1D and Conv2D).

    Args:
        rank: the number of spatial axes (1 or 2).
        filters: the number of output channels.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of `rank` ints (default 1). Strides > 1 cannot be combined with
            dilation > 1.
        padding: "valid" (no padding), "same" (output `ceil(input / stride)` cells) or, for
            Conv1D only, "causal" (left padding, so output t only sees inputs <= t).
        data_format: "channels_last" (`(batch, *spatial, channels)`) or "channels_first"
            (`(batch, channels, *spatial)`); None means `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of `rank` ints (default 1).
        groups: input channels and filters are split in `groups` groups convolved separately.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Dense.

    Weights: "kernel" of shape `(*kernel_size, in_channels // groups, filters)` and "bias" of
    shape `(filters,)`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if filters is None or int(filters) <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}.")
        self.filters = int(filters)
        self.groups = int(groups)
        if self.groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups}.")
        if self.filters % self.groups:
            raise ValueError("The number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={self.groups}, filters={self.filters}.")
        self.kernel_size = window.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = window.standardize_tuple(strides, rank, "strides")
        self.dilation_rate = window.standardize_tuple(dilation_rate, rank, "dilation_rate")
        window.check_strides_dilation(self.strides, self.dilation_rate)
        self.padding = window.standardize_padding(padding, allow_causal=rank == 1)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.bias = None

    def build(self, input_shape):
        window.check_rank(self, input_shape, self.rank)
        channels = window.known_channels(self, input_shape, self.data_format)
        if channels % self.groups:
            raise ValueError(
                f"Layer \"{self.name}\" ({type(self).__name__}): the number of input channels must be evenly divisible "
                f"by the number of groups. Received groups={self.groups}, but the input has {channels} channels "
                f"(full input shape is {tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)  # raises when the window does not fit
        self.kernel = self.add_weight(shape=self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint, name="bias")
        self._input_channels = channels
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs):
        window.check_rank(self, inputs.shape, self.rank)
        window.check_channels(self, inputs.shape, self.data_format, self._input_channels)
        inputs = cast_like(inputs, self.kernel)
        padding = self.padding
        if padding == "causal":
            # Pad (kernel - 1) * dilation cells before the steps, then a valid convolution.
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            steps = [(0, 0), (left, 0), (0, 0)] if self.data_format == "channels_last" else [(0, 0), (0, 0), (left, 0)]
            inputs = ops.pad(inputs, steps)
            padding = "valid"
        outputs = ops.conv(inputs, self.kernel, strides=self.strides, padding=padding, data_format=self.data_format,
                           dilation_rate=self.dilation_rate)
        return finish_conv(self, outputs, self.rank, self.filters)

    def compute_output_shape(self, input_shape):
        return window.windowed_output_shape(self, input_shape, self.filters, self.kernel_size, self.strides,
                                            self.padding, self.data_format, self.dilation_rate)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Conv1D(BaseConv):
    """1-D convolution (temporal convolution) over inputs of shape `(batch, steps, channels)`
    (or `(batch, channels, steps)` with channels_first). See BaseConv for the arguments;
    `padding` may also be "causal"."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class Conv2D(BaseConv):
    """2-D convolution over images of shape `(batch, height, width, channels)` (or
    `(batch, channels, height, width)` with channels_first). See BaseConv for the arguments."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


Convolution1D = Conv1D
Convolution2D = Conv2D
