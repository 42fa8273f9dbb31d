"""Masking: marks timesteps whose features all equal `mask_value` as padding."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer


class Masking(Layer):
    """Masks timesteps to skip: a timestep (a position of every axis but the last) is masked
    when all its features equal `mask_value`. The output is the input with masked timesteps
    set to 0, carrying the boolean mask `any(inputs != mask_value, axis=-1)` (as
    `_keras_mask`) for downstream layers such as RNNs.

    Args:
        mask_value: the padding value (default 0.0).
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config") is not None:
            from lamina.saving.serialization import deserialize_keras_object

            mask_value = deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self._last_mask = None  # (inputs, mask) of the last call, so compute_mask need not redo it

    def _boolean_mask(self, inputs):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        if len(inputs.shape) < 1:
            raise ValueError(f"Masking layer '{self.name}' needs inputs of rank >= 1, got a scalar")
        mask = self._boolean_mask(inputs)
        self._last_mask = (inputs, mask)
        return ops.where(ops.expand_dims(mask, -1), inputs, ops.zeros((), dtype=inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        last, self._last_mask = self._last_mask, None
        if last is not None and last[0] is inputs:
            return last[1]
        return self._boolean_mask(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
