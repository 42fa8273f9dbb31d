"""Dense: y = activation(x @ kernel + bias)."""

from __future__ import annotations

import numpy as np

from lamina import _core, activations, constraints, initializers, ops, regularizers
from lamina.layers.layer import Layer

# Activations the engine's fused_linear op applies in the GEMM's epilogue.
_FUSED = {activations.linear: "linear", activations.relu: "relu"}


class Dense(Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: the output size.
        activation: activation name or function (default none).
        use_bias: whether to add a bias (default True).
        kernel_initializer: default "glorot_uniform". bias_initializer: default "zeros".
        kernel_regularizer, bias_regularizer, activity_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional constraints.

    The kernel has shape (input_dim, units), as in Keras.
    """

    _lean_call = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. Received: units={units}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self._fused_activation = _FUSED.get(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True
        self._int8 = None  # the engine's packed int8 kernel once `quantize("int8")` ran

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Dense layer '{self.name}': the last dimension of the inputs must be known, got shape {input_shape}")
        self.kernel = self.add_weight(shape=(in_dim, self.units), initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) if self.use_bias else None
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def quantize(self, mode: str) -> None:
        """Quantizes the kernel to int8 in place, as Keras 3's `Dense.quantize("int8")`.

        Args:
            mode: "int8": per-output-channel symmetric int8 weights (`kernel_scale`), and
                per-row int8 activations quantized at run time.
        """
        if mode != "int8":
            raise NotImplementedError(f"Dense layer '{self.name}': quantization mode {mode!r} is not supported; expected 'int8'")
        if not self.built:
            raise ValueError(f"Dense layer '{self.name}': cannot quantize a layer that is not built yet")
        from lamina.quantizers import abs_max_quantize

        kernel_q, scale = abs_max_quantize(self.kernel.numpy(), axis=0)
        bias = None if self.bias is None else np.asarray(self.bias.numpy(), dtype=np.float32)
        self.kernel_scale = scale[0]
        self._int8 = _core.Int8Dense(kernel_q, self.kernel_scale, bias)

    def call(self, inputs):
        if self._int8 is not None:
            outputs = self._int8(ops.cast(inputs, "float32"), relu=self._fused_activation == "relu")
            return outputs if self._fused_activation is not None else self.activation(outputs)
        kernel = self.kernel
        if inputs.dtype != kernel.dtype:
            inputs = ops.cast(inputs, kernel.dtype)
        try:
            outputs = _core.fused_linear(inputs, kernel, self.bias, self._fused_activation or "linear")
        except ValueError:
            # The shape check runs only on failure: this call is on every model's hot path.
            if inputs.shape[-1] != kernel.shape[0]:
                raise ValueError(
                    f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected axis -1 of input shape "
                    f"to have value {kernel.shape[0]}, but received input with shape {tuple(inputs.shape)}"
                ) from None
            raise
        return outputs if self._fused_activation is not None else self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        if self._int8 is not None:
            # Saving it as float would lose the quantization silently.
            raise NotImplementedError(f"Dense layer '{self.name}': saving an int8-quantized layer (Keras' "
                                      "int8_from_float32 format) is not supported by lamina yet; save the float model")
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
