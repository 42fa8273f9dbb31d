"""Layers for activations with arguments: ReLU and LeakyReLU (Keras' `keras.layers.ReLU`,
`keras.layers.LeakyReLU`)."""

from __future__ import annotations

from lamina import activations
from lamina.layers.layer import Layer


def _non_negative(layer: str, name: str, value) -> None:
    if value is None or value < 0.0:
        raise ValueError(f"{layer}: {name} must be a float >= 0, got {name}={value!r}")


class ReLU(Layer):
    """Rectified linear unit: `x` above `threshold` (0 at or below), at most `max_value`, and
    `negative_slope * (x - threshold)` below the threshold.

    Args:
        max_value: float >= 0, the largest output; None for no limit.
        negative_slope: float >= 0, the slope below the threshold.
        threshold: float >= 0, where the unit switches on.
    """

    _lean_call = True

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None:
            _non_negative("ReLU", "max_value", max_value)
        _non_negative("ReLU", "negative_slope", negative_slope)
        _non_negative("ReLU", "threshold", threshold)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """`x` for x >= 0, `negative_slope * x` below.

    Args:
        negative_slope: float >= 0 (Keras 2 files call it `alpha`).
    """

    _lean_call = True

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        # Keras 2 wrote (and Keras 3 still takes, with a warning) `alpha`.
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        _non_negative("LeakyReLU", "negative_slope", negative_slope)
        self.negative_slope = negative_slope
        self.supports_masking = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}
