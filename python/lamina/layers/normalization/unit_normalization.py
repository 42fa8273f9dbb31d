"""UnitNormalization: scales each sample to unit L2 norm over `axis`."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer
from lamina.layers.normalization._common import canonical_axes

_EPSILON = 1e-12  # Keras' value: the norm is floored at 1e-12


class UnitNormalization(Layer):
    """Normalizes a batch of inputs so that each input has unit L2 norm over `axis`:
    `x / sqrt(max(sum(x ** 2), 1e-24))`.

    Args:
        axis: an int or a list of ints, the axes to normalize over (default -1).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis={axis!r}")
        self.supports_masking = True

    def call(self, inputs):
        if not inputs.dtype.startswith("float"):
            inputs = ops.cast(inputs, self.compute_dtype)
        axes = canonical_axes(self.axis, len(inputs.shape), self.name)
        square_sum = ops.sum(ops.square(inputs), axis=axes, keepdims=True)
        return ops.multiply(inputs, ops.rsqrt(ops.maximum(square_sum, _EPSILON * _EPSILON)))

    def compute_output_shape(self, input_shape):
        canonical_axes(self.axis, len(input_shape), self.name)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
