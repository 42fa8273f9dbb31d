"""The Softmax layer, with Keras' masking."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer


def masked_softmax(x, mask=None, axis=-1):
    """Keras' Softmax with a mask (True or > 0.5 where kept): masked logits set to -1e9 (-3e4 in
    float16) and masked outputs zeroed, so a fully masked row gives zeros rather than uniform."""
    if mask is not None:
        if len(mask.shape) > len(x.shape):
            raise ValueError(f"Softmax: the mask must be broadcastable to the inputs and have no more dimensions. "
                             f"Received: inputs.shape={tuple(x.shape)}, mask.shape={tuple(mask.shape)}")
        if mask.dtype != "bool":
            mask = ops.greater(mask, 0.5)
        x = ops.where(mask, x, -3e4 if x.dtype == "float16" else -1e9)
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    out = ops.softmax(x, axis=axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis)
    if mask is not None:
        out = ops.where(mask, out, 0.0)
    return out


class Softmax(Layer):
    """Softmax activation layer.

    Args:
        axis: the axis (or axes) normalized over (default -1).

    Call arguments: `inputs`, and `mask` (boolean, broadcastable to inputs; True where kept).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        return masked_softmax(inputs, mask, self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
