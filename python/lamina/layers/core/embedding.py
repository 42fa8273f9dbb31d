"""Embedding: maps integer ids to dense vectors with the engine's `take` (whose gradient is a
scatter-add into the table)."""

from __future__ import annotations

import warnings

from lamina import constraints, initializers, ops, regularizers
from lamina.layers.layer import Layer


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value} (of type {type(value).__name__}).")
    return value


class Embedding(Layer):
    """Turns non-negative integer ids into dense vectors: `outputs = embeddings[inputs]`.

    Args:
        input_dim: size of the vocabulary (ids are in `[0, input_dim)`).
        output_dim: size of each embedding vector.
        embeddings_initializer: initializer of the table (default "uniform": U(-0.05, 0.05)).
        embeddings_regularizer, activity_regularizer, embeddings_constraint: optional.
        mask_zero: whether id 0 is padding: the output then carries the mask `inputs != 0`
            (as `_keras_mask`), which downstream layers such as RNNs use to skip padded steps.
            With `mask_zero=True`, id 0 cannot be used as a regular id.
        weights: optional initial table, a `(input_dim, output_dim)` array (or a one-element
            list of it).
        input_length: accepted (and ignored) for Keras 2 configs.

    The table is the weight `embeddings`, shaped `(input_dim, output_dim)`. Inputs of shape
    `(batch, ...)` give outputs of shape `(batch, ..., output_dim)`; float ids are truncated to
    ints, and ids outside `[0, input_dim)` raise an error.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        input_dim = _positive_int(input_dim, "input_dim")
        output_dim = _positive_int(output_dim, "output_dim")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        if lora_rank:
            raise NotImplementedError("Embedding: LoRA (`lora_rank`) is not supported by lamina")
        if quantization_config is not None:
            raise NotImplementedError("Embedding: quantized embeddings (`quantization_config`) are not supported by lamina")
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.embeddings = None
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
                                          name="embeddings", regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, trainable=True)
        if input_shape is not None:
            self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs):
        # The gpu has no int64 arithmetic (the range check below reduces the ids): int32 there.
        if inputs.dtype not in ("int32", "int64") or (inputs.dtype == "int64" and inputs.device == "gpu"):
            inputs = ops.cast(inputs, "int32")
        if inputs.size:
            # `take` wraps negative ids like numpy; an embedding lookup must not.
            low = int(ops.min(inputs))
            if low < 0:
                raise IndexError(self._range_message(low))
        try:
            return ops.take(self.embeddings, inputs, axis=0)
        except IndexError:
            raise IndexError(self._range_message(int(ops.max(inputs)))) from None

    def _range_message(self, bad_id: int) -> str:
        return (f"Embedding layer '{self.name}': input id {bad_id} is out of range; ids must be in [0, {self.input_dim}) "
                f"(input_dim={self.input_dim})")

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
