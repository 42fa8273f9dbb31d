"""Convolution layers: BaseConv, then Conv1D and Conv2D.

The kernel has Keras' layout, `(*kernel_size, in_channels // groups, filters)`, which is the
layout `ops.conv` takes, so the forward pass is one engine convolution plus the bias and the
activation.
"""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional.base_conv import BaseConvLayer, cast_like, positive_int


class BaseConv(BaseConvLayer):
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

    _plain_config_keys = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = positive_int(filters, "filters")
        self.groups = int(groups)
        if self.groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups}.")
        if self.filters % self.groups:
            raise ValueError("The number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={self.groups}, filters={self.filters}.")
        self._set_window(rank, kernel_size, strides, dilation_rate, padding, data_format, allow_causal=rank == 1)
        self._set_activation_and_weights(activation, use_bias,
                                         kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                                         bias=(bias_initializer, bias_regularizer, bias_constraint))

    def _known_channels(self, input_shape) -> int:
        channels = super()._known_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"Layer \"{self.name}\" ({type(self).__name__}): the number of input channels must be evenly divisible "
                f"by the number of groups. Received groups={self.groups}, but the input has {channels} channels "
                f"(full input shape is {tuple(input_shape)})."
            )
        return channels

    def _add_kernels(self, channels):
        self.kernel = self._add_role_weight("kernel", self.kernel_size + (channels // self.groups, self.filters))

    def _convolve(self, inputs):
        inputs = cast_like(inputs, self.kernel)
        if self.padding == "causal":
            # Pad (kernel - 1) * dilation cells before the steps, then a valid convolution.
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            steps = [(0, 0), (left, 0), (0, 0)] if self.data_format == "channels_last" else [(0, 0), (0, 0), (left, 0)]
            inputs = ops.pad(inputs, steps)
        return self.convolution_op(inputs, self.kernel)

    def convolution_op(self, inputs, kernel):
        """The convolution `call` runs before bias and activation, as in Keras: subclasses override
        it (or call it with their own kernel) to change the kernel or the op.

        Args:
            inputs: the input tensor (already causally padded for `padding="causal"`).
            kernel: the kernel to convolve with, shaped like `self.kernel`.

        Returns:
            The convolution's output.
        """
        padding = "valid" if self.padding == "causal" else self.padding
        return ops.conv(inputs, kernel, strides=self.strides, padding=padding, data_format=self.data_format,
                        dilation_rate=self.dilation_rate)


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
