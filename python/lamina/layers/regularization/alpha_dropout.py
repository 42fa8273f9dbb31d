"""AlphaDropout: dropout that keeps the mean and variance of SELU activations."""

from __future__ import annotations

from lamina import ops, random
from lamina.layers.layer import Layer

# SELU's constants: dropped units are set to its negative saturation value -alpha * scale.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout for self-normalizing networks: dropped units are set to SELU's negative
    saturation value and the result is affinely rescaled so that the mean and variance of the
    inputs are kept. Active only in training.

    Args:
        rate: drop probability, in [0, 1].
        noise_shape: shape of the binary keep mask, broadcast over the inputs (None entries
            take the input's size).
        seed: optional int seed.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if not inputs.dtype.startswith("float"):
            inputs = ops.cast(inputs, self.compute_dtype)
        shape = tuple(inputs.shape)
        if self.noise_shape is None:
            noise_shape = shape
        else:
            if len(self.noise_shape) != len(shape):
                raise ValueError(f"AlphaDropout layer '{self.name}': noise_shape {tuple(self.noise_shape)} must have the "
                                 f"rank of the inputs of shape {shape}")
            noise_shape = tuple(shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        kept = ops.cast(ops.greater_equal(random.uniform(noise_shape, seed=self.seed_generator), self.rate), inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        # x * kept + alpha_p * (1 - kept), then a * x + b.
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(ops.subtract(1.0, kept), alpha_p))
        return ops.add(ops.multiply(x, a), b)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}
