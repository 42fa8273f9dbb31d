"""GaussianNoise: adds zero-centered Gaussian noise in training."""

from __future__ import annotations

from lamina import ops, random
from lamina.layers.layer import Layer


class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev` to the inputs; active
    only in training (`training=True`), the identity at inference.

    Args:
        stddev: standard deviation of the noise, in [0, 1].
        seed: optional int seed for reproducible noise.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError("Invalid value received for argument `stddev`. Expected a float value between 0 and 1. "
                             f"Received: stddev={stddev}")
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if stddev > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        if not inputs.dtype.startswith("float"):
            inputs = ops.cast(inputs, self.compute_dtype)
        noise = random.normal(tuple(inputs.shape), mean=0.0, stddev=float(self.stddev), dtype=inputs.dtype,
                              seed=self.seed_generator)
        return ops.add(inputs, noise)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
