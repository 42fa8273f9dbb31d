"""Rescaling: `inputs * scale + offset`."""

from __future__ import annotations

import numpy as np

from lamina import ops
from lamina.layers.layer import Layer


class Rescaling(Layer):
    """Multiplies the inputs by `scale` and adds `offset` (e.g. `scale=1/255` for images).

    Args:
        scale: a number, or an array broadcast against the inputs (e.g. per channel).
        offset: a number or array (default 0).
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, self.dtype)
        scale = self.scale if np.ndim(self.scale) == 0 else np.asarray(self.scale, dtype=self.dtype)
        offset = self.offset if np.ndim(self.offset) == 0 else np.asarray(self.offset, dtype=self.dtype)
        return ops.add(ops.multiply(inputs, scale), offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        plain = lambda v: np.asarray(v).tolist() if np.ndim(v) else float(v)  # noqa: E731
        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}
