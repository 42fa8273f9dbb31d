"""BaseConvLayer: what the convolution layers (BaseConv, BaseConvTranspose, BaseDepthwiseConv,
BaseSeparableConv) share.

Each layer keeps its own constructor, so that its arguments stay Keras' (names, order, defaults)
and it checks them in its own order; it calls `_set_window` and `_set_activation_and_weights`
for the arguments all of them have. The subclass then supplies:
- `_plain_config_keys`: the get_config keys stored as plain attributes, in Keras' order;
- `_add_kernels(channels)`: the weights other than the bias, named as in Keras;
- `_convolve(inputs)`: the engine op;
- `_output_channels(channels)`: when the output channels are not `filters`.
"""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.layer import Layer


def positive_int(value, name: str) -> int:
    """`filters` or `depth_multiplier` as an int, with Keras' message unless it is > 0."""
    if value is None or int(value) <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly positive value. "
                         f"Received {name}={value}.")
    return int(value)


def cast_like(inputs, variable):
    """Inputs in the weights' dtype (Keras casts to the layer's compute dtype)."""
    return inputs if inputs.dtype == variable.dtype else ops.cast(inputs, variable.dtype)


class BaseConvLayer(Layer):
    """The base of the convolution layers: argument normalization, building, the bias and
    activation after the convolution, and get_config."""

    _lean_call = True

    _plain_config_keys: tuple = ()

    def _set_window(self, rank, kernel_size, strides, dilation_rate, padding, data_format, allow_causal=False):
        """Standardizes the window arguments (ints become tuples of `rank` ints)."""
        self.rank = rank
        self.kernel_size = window.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = window.standardize_tuple(strides, rank, "strides")
        self.dilation_rate = window.standardize_tuple(dilation_rate, rank, "dilation_rate")
        window.check_strides_dilation(self.strides, self.dilation_rate)
        self.padding = window.standardize_padding(padding, allow_causal=allow_causal)
        self.data_format = standardize_data_format(data_format)

    def _set_activation_and_weights(self, activation, use_bias, **weights):
        """Sets the activation, use_bias and, for each weight role passed as
        `role=(initializer, regularizer, constraint)` (Keras' order, "bias" last), the attributes
        `<role>_initializer`, `<role>_regularizer` and `<role>_constraint`."""
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self._weight_roles = tuple(weights)
        # All initializers, then all regularizers, then all constraints: the order Keras lists them in.
        for role, (initializer, _, _) in weights.items():
            setattr(self, f"{role}_initializer", initializers.get(initializer))
        for role, (_, regularizer, _) in weights.items():
            setattr(self, f"{role}_regularizer", regularizers.get(regularizer))
        for role, (_, _, constraint) in weights.items():
            setattr(self, f"{role}_constraint", constraints.get(constraint))
        self.bias = None

    def _add_role_weight(self, role: str, shape: tuple, name: str | None = None):
        """A weight with the initializer, regularizer and constraint of `role`, named `name` (or `role`)."""
        return self.add_weight(shape=shape, initializer=getattr(self, f"{role}_initializer"),
                               regularizer=getattr(self, f"{role}_regularizer"),
                               constraint=getattr(self, f"{role}_constraint"), name=name or role)

    def _output_channels(self, input_channels):
        return self.filters

    def _known_channels(self, input_shape) -> int:
        """The input's channel count, which the weights' shapes need."""
        return window.known_channels(self, input_shape, self.data_format)

    def build(self, input_shape):
        window.check_rank(self, input_shape, self.rank)
        channels = self._known_channels(input_shape)
        self.compute_output_shape(input_shape)  # raises when the window does not fit
        self._add_kernels(channels)
        if self.use_bias:
            self.bias = self._add_role_weight("bias", (self._output_channels(channels),))
        self._input_channels = channels
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs):
        window.check_rank(self, inputs.shape, self.rank)
        window.check_channels(self, inputs.shape, self.data_format, self._input_channels)
        outputs = self._convolve(inputs)
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (self._output_channels(self._input_channels),) + (1,) * self.rank)
            outputs = ops.add(outputs, bias)
        if self.activation is not activations.linear:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        window.check_rank(self, input_shape, self.rank)
        channels = tuple(input_shape)[window.channel_axis(self.data_format)]
        return window.windowed_output_shape(self, input_shape, self._output_channels(channels), self.kernel_size,
                                            self.strides, self.padding, self.data_format, self.dilation_rate)

    def get_config(self):
        config = {**super().get_config(), **{key: getattr(self, key) for key in self._plain_config_keys}}
        config["activation"] = activations.serialize(self.activation)
        config["use_bias"] = self.use_bias
        for role in self._weight_roles:
            config[f"{role}_initializer"] = initializers.serialize(getattr(self, f"{role}_initializer"))
        for role in self._weight_roles:
            config[f"{role}_regularizer"] = regularizers.serialize(getattr(self, f"{role}_regularizer"))
        # When set, Layer.get_config has put this key near the front already; assigning keeps it there.
        config["activity_regularizer"] = regularizers.serialize(self._activity_regularizer)
        for role in self._weight_roles:
            config[f"{role}_constraint"] = constraints.serialize(getattr(self, f"{role}_constraint"))
        return config
