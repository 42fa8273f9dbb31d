"""Transposed convolution layers (sometimes called deconvolution): Conv1DTranspose and
Conv2DTranspose, over the engine's `ops.conv_transpose`.

The kernel has Keras' layout `(*kernel_size, filters, in_channels)`: the layout of the
convolution this layer is the transpose of.
"""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.convolutional.conv import cast_like, finish_conv
from lamina.layers.layer import Layer


class BaseConvTranspose(Layer):
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

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if filters is None or int(filters) <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}.")
        self.filters = int(filters)
        self.kernel_size = window.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = window.standardize_tuple(strides, rank, "strides")
        self.dilation_rate = window.standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = window.standardize_padding(padding)
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
        window.check_strides_dilation(self.strides, self.dilation_rate)
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
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, channels), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint, name="kernel")
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
        outputs = ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                     output_padding=self.output_padding, data_format=self.data_format,
                                     dilation_rate=self.dilation_rate)
        return finish_conv(self, outputs, self.rank, self.filters)

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

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
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
