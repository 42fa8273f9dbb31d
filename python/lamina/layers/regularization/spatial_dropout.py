"""SpatialDropout1D/2D/3D: dropout of whole feature maps (channels) in training."""

from __future__ import annotations

from lamina import random
from lamina.config import standardize_data_format
from lamina.layers.core.basic import Dropout


class BaseSpatialDropout(Dropout):
    """Dropout whose mask is shared by every position of a channel: a dropped channel is zero
    across its whole feature map, the kept ones are scaled by 1 / (1 - rate)."""

    _ndim = None

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)

    def call(self, inputs, training=False):
        shape = tuple(inputs.shape)
        if len(shape) != self._ndim:
            raise ValueError(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim={self._ndim}, "
                f"found ndim={len(shape)}. Full shape received: {shape}"
            )
        if not training or self.rate == 0:
            return inputs
        return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(shape), seed=self._seed_generator)

    def _noise_shape(self, shape):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        # Keras' spatial dropouts write exactly these keys (no `trainable`, no `noise_shape`).
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(BaseSpatialDropout):
    """Spatial 1D dropout: drops entire 1D feature maps (channels) of
    `(samples, timesteps, channels)` inputs in training.

    Args:
        rate: fraction of the channels to drop, in [0, 1].
        seed: optional int seed.
    """

    _ndim = 3

    def _noise_shape(self, shape):
        return (shape[0], 1, shape[2])


class _SpatialDropoutND(BaseSpatialDropout):
    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = standardize_data_format(data_format)

    def _noise_shape(self, shape):
        spatial = (1,) * (self._ndim - 2)
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + spatial
        return (shape[0],) + spatial + (shape[-1],)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout2D(_SpatialDropoutND):
    """Spatial 2D dropout: drops entire 2D feature maps (channels) of 4D inputs in training.

    Args:
        rate: fraction of the channels to drop, in [0, 1].
        data_format: "channels_last" (`(samples, rows, cols, channels)`, the default from
            `image_data_format()`) or "channels_first" (`(samples, channels, rows, cols)`).
        seed: optional int seed.
    """

    _ndim = 4


class SpatialDropout3D(_SpatialDropoutND):
    """Spatial 3D dropout: drops entire 3D feature maps (channels) of 5D inputs in training.

    Args:
        rate: fraction of the channels to drop, in [0, 1].
        data_format: "channels_last" (default) or "channels_first".
        seed: optional int seed.
    """

    _ndim = 5
