"""EinsumDense: a dense layer whose product with the kernel is an einsum equation."""

from __future__ import annotations

import re

import numpy as np

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.layers.layer import Layer


def einsum_weight_shapes(equation: str, bias_axes, input_shape, output_shape):
    """Kernel shape, bias shape (or None), full output shape, and the kernel's input and
    output axes, from an equation `ab,bc->ac`, `...b,bc->...c` or `ab...,bc->ac...`."""
    eq = equation.replace("...", "0")
    left = False
    m = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", eq)
    if m is None:
        m = re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", eq)
        left = m is not None
    if m is None:
        m = re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", eq)
    if m is None:
        raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                         "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    in_spec, w_spec, out_spec = m.groups()
    input_shape = list(input_shape)
    elided = len(input_shape) - len(in_spec)
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and left:
        out[1:1] = input_shape[1:elided]
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    if left:
        in_pos = {d: i + elided - len(input_shape) for i, d in enumerate(in_spec)}
        out_pos = {d: i + elided for i, d in enumerate(out_spec)}
    else:
        in_pos = {d: i for i, d in enumerate(in_spec)}
        out_pos = {d: i for i, d in enumerate(out_spec)}
    for d in in_spec:
        if d in out_pos and out[out_pos[d]] is not None and out[out_pos[d]] != input_shape[in_pos[d]]:
            raise ValueError(f"EinsumDense '{equation}': input shape and output shape do not match at shared dimension "
                             f"'{d}'. Input shape is {input_shape[in_pos[d]]}, and output shape is {out[out_pos[d]]}.")
    for d in out_spec:
        if d in in_pos and out[out_pos[d]] is None:
            out[out_pos[d]] = input_shape[in_pos[d]]  # a size the output shares with the input
        if d not in in_spec and d not in w_spec:
            raise ValueError(f"EinsumDense '{equation}': dimension '{d}' of the output has no match in the input "
                             f"'{in_spec}' or the weight '{w_spec}'")
    kernel, in_axes, out_axes = [], [], []
    for i, d in enumerate(w_spec):
        if d in out_pos:
            kernel.append(out[out_pos[d]])
            out_axes.append(i)
        elif d in in_pos:
            kernel.append(input_shape[in_pos[d]])
            in_axes.append(i)
        else:
            raise ValueError(f"EinsumDense '{equation}': weight dimension '{d}' has no match in the input '{in_spec}' "
                             f"or the output '{out_spec}'; the weight must be fully specified")
    bias = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"EinsumDense '{equation}': bias dimension '{c}' is not in the output spec '{out_spec}'")
        offset = elided if left else 0
        first = min(out_spec.find(c) for c in bias_axes)
        bias = [out[i + offset] if c in bias_axes else 1 for i, c in enumerate(out_spec) if i >= first]
        if not left:
            bias.extend([1] * max(elided, 0))
    return kernel, bias, out, in_axes, out_axes


class _FanAware:
    """A VarianceScaling initializer told which kernel axes are fan-in and fan-out (Keras
    passes input_axes/output_axes for an einsum kernel): it samples the (fan_in, fan_out)
    matrix and reshapes it, the entries being independent."""

    def __init__(self, init, shape, in_axes, out_axes):
        self.init, self.shape = init, shape
        self.fans = (int(np.prod([shape[i] for i in in_axes])), int(np.prod([shape[i] for i in out_axes])))

    def __call__(self, shape, dtype=None):
        return np.asarray(self.init(self.fans, dtype=dtype)).reshape(shape)


class EinsumDense(Layer):
    """A dense layer computing `activation(einsum(equation, inputs, kernel) + bias)`.

    Args:
        equation: the einsum equation, e.g. `"abc,cde->abde"` (input, kernel -> output).
        output_shape: the output shape without the batch axis (None for sizes taken from the
            input); an int for a single axis.
        activation: activation name or function (default none).
        bias_axes: the output axes (letters) the bias spans, or None for no bias.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: as in Dense.
        lora_rank, lora_alpha: accepted for Keras compatibility; LoRA is not supported yet.

    The kernel's axes are the letters of the equation's second operand, in order (Keras' layout).
    """

    def __init__(self, equation: str, output_shape, activation=None, bias_axes: str | None = None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank:
            raise NotImplementedError(f"EinsumDense '{self.name}': lora_rank is not supported by lamina yet")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank, self.lora_alpha = None, None

    def build(self, input_shape):
        kernel_shape, bias_shape, _, in_axes, out_axes = einsum_weight_shapes(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if None in kernel_shape:
            raise ValueError(f"EinsumDense '{self.name}': the kernel shape {kernel_shape} has unknown sizes; "
                             f"input shape {tuple(input_shape)}, output_shape {self.partial_output_shape}")
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling):
            init = _FanAware(init, kernel_shape, in_axes, out_axes)
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=init,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return tuple(einsum_weight_shapes(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2])

    def get_config(self):
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
