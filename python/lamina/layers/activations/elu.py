"""The ELU activation layer."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer


class ELU(Layer):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Args:
        alpha: the scale of the negative part (default 1.0).
    """

    _lean_call = True

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        # Keras 3's ELU leaves alpha out of its config (so it reloads as 1.0 there); lamina keeps it.
        return {**super().get_config(), "alpha": self.alpha}
