"""Transposed convolution layers (sometimes called deconvolution): Conv1DTranspose and
Conv2DTranspose, over the engine's `ops.conv_transpose`.

The kernel has Keras' layout `(*kernel_size, filters, in_channels)`: the layout of the
convolution this layer is the transpose of.
"""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional import window
from lamina.layers.convolutional.base_conv import BaseConvLayer, cast_like, positive_int


class BaseConvTranspose(BaseConvLayer):
    """N-D transposed convolution layer (the base of Conv1DTranspose and Conv2DTranspose).

    Args:
        rank: the number of spatial axes (1 or 2).
        filters: the number of output channels.
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints (default 1); cannot be > 1 with dilation > 1.
        padding: "valid" or "same".
        output_padding: None, or int or tuple of `rank` ints, each smaller than its stride:
            extra cells at the end of each output axis. With None, an output axis has
            `input * stride + max(window - stride, 0)` cells ("valid") or `input * stride`
            ("same"); otherwise `(input - 1) * stride + window - 2 * pad + output_padding`,
            where pad is 0 ("valid") or `window // 2` ("same").
        data_format, dilation_rate, activation, use_bias, the initializers, regularizers and
            constraints: as in Conv2D.

    Weights: "kernel" of shape `(*kernel_size, filters, in_channels)` and "bias" `(filters,)`.
    """

    _plain_config_keys = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
                          "dilation_rate")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = positive_int(filters, "filters")
        self._set_window(rank, kernel_size, strides, dilation_rate, padding, data_format)
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = window.standardize_tuple(output_padding, rank, "output_padding", allow_zero=True)
            for i, (extra, stride) in enumerate(zip(self.output_padding, self.strides)):
                if extra >= stride:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all dimensions. At dimension "
                        f"{i}, `output_padding` is {extra} but `strides` is {stride}. Received: "
                        f"output_padding={self.output_padding}, strides={self.strides}"
                    )
        self._set_activation_and_weights(activation, use_bias,
                                         kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                                         bias=(bias_initializer, bias_regularizer, bias_constraint))

    def _add_kernels(self, channels):
        self.kernel = self._add_role_weight("kernel", self.kernel_size + (self.filters, channels))

    def _convolve(self, inputs):
        inputs = cast_like(inputs, self.kernel)
        return ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                  output_padding=self.output_padding, data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        window.check_rank(self, input_shape, self.rank)
        spatial = []
        for i, axis in enumerate(window.spatial_axes(self.data_format, self.rank)):
            extent = (self.kernel_size[i] - 1) * self.dilation_rate[i] + 1
            extra = None if self.output_padding is None else self.output_padding[i]
            n = window.transpose_output_length(input_shape[axis], extent, self.strides[i], self.padding, extra)
            if n is not None and n <= 0:
                raise ValueError(f"Layer \"{self.name}\" ({type(self).__name__}): input shape {input_shape} gives "
                                 f"{n} output cells on spatial axis {axis}")
            spatial.append(n)
        if self.data_format == "channels_last":
            return (input_shape[0], *spatial, self.filters)
        return (input_shape[0], self.filters, *spatial)


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution over `(batch, steps, channels)` inputs. See BaseConvTranspose."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution over `(batch, height, width, channels)` inputs. See
    BaseConvTranspose."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
