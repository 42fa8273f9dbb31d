"""The PReLU activation layer: a leaky ReLU with a learnt slope."""

from __future__ import annotations

from lamina import constraints, initializers, ops, regularizers
from lamina.layers.layer import Layer


class PReLU(Layer):
    """Parametric ReLU: `x` for `x >= 0`, `alpha * x` otherwise, `alpha` learnt.

    Args:
        alpha_initializer: the initializer of `alpha` (default zeros).
        alpha_regularizer, alpha_constraint: optional regularizer and constraint of `alpha`.
        shared_axes: the axes (1-based, batch excluded) along which one `alpha` is shared,
            e.g. `[1, 2]` for one slope per channel of an image.

    `alpha` has the input's shape without the batch axis, with 1 on the shared axes.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis <= len(shape):
                raise ValueError(f"PReLU '{self.name}': shared axis {axis} is out of range for input shape "
                                 f"{tuple(input_shape)} (axes count from 1, after the batch axis)")
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(f"PReLU '{self.name}': the input shape {tuple(input_shape)} has unknown sizes outside "
                             "shared_axes")
        self.alpha = self.add_weight(shape=shape, name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs):
        return ops.subtract(ops.relu(inputs), ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
