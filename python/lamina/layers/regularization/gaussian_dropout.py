"""GaussianDropout: multiplies by 1-centered Gaussian noise in training."""

from __future__ import annotations

import math

from lamina import ops, random
from lamina.layers.layer import Layer


class GaussianDropout(Layer):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation
    `sqrt(rate / (1 - rate))`; active only in training, the identity at inference.

    Args:
        rate: drop probability (as with `Dropout`), in [0, 1).
        seed: optional int seed for reproducible noise.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate = rate
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            raise ValueError(f"GaussianDropout layer '{self.name}': rate=1 gives an infinite noise standard deviation")
        if not inputs.dtype.startswith("float"):
            inputs = ops.cast(inputs, self.compute_dtype)
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random.normal(tuple(inputs.shape), mean=1.0, stddev=stddev, dtype=inputs.dtype, seed=self.seed_generator)
        return ops.multiply(inputs, noise)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
