"""CategoryEncoding, and the integer-to-one_hot/multi_hot/count encoding the index layers share."""

from __future__ import annotations

from lamina import _core, ops
from lamina.layers.layer import Layer

_MODES = ("one_hot", "multi_hot", "count")


def encode_categorical(inputs, output_mode: str, depth: int, dtype: str = "float32", count_weights=None):
    """Integer ids to "int" (cast), "one_hot" (a trailing size-1 axis is replaced), "multi_hot"
    or "count" (over the last axis of a batch; over everything for a rank 1 input)."""
    if output_mode == "int":
        return ops.cast(inputs, dtype)
    if len(inputs.shape) == 0:
        inputs = ops.expand_dims(inputs, -1)
    if output_mode == "one_hot":
        if len(inputs.shape) > 1 and inputs.shape[-1] == 1:
            inputs = ops.squeeze(inputs, -1)
        return ops.one_hot(ops.cast(inputs, "int64"), depth, dtype=dtype)
    hot = ops.one_hot(ops.cast(inputs, "int64"), depth, dtype=dtype if count_weights is None else "float32")
    axis = 1 if len(inputs.shape) > 1 else 0
    if output_mode == "multi_hot":
        return ops.cast(ops.max(hot, axis=axis), dtype)
    if count_weights is not None:
        hot = ops.multiply(hot, ops.expand_dims(_core.convert_to_tensor(count_weights), -1))
    return ops.sum(hot, axis=axis)


def encoded_shape(input_shape, output_mode: str, depth: int):
    if output_mode == "int":
        return tuple(input_shape)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return tuple(input_shape[:-1]) + (depth,)
        return tuple(input_shape) + (depth,)
    if len(input_shape) >= 2:
        return (input_shape[0],) + tuple(input_shape[2:]) + (depth,)
    return (depth,)


class CategoryEncoding(Layer):
    """Encodes integer ids in `[0, num_tokens)` as one-hot, multi-hot or count vectors.

    Args:
        num_tokens: the number of ids (the output's last size).
        output_mode: "multi_hot" (default; "binary" is its old name), "one_hot" or "count".
        sparse: accepted for Keras compatibility; True raises (no sparse tensors in lamina).

    Call arguments: `inputs`, and `count_weights` (same shape, "count" mode only).
    """

    def __init__(self, num_tokens=None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in _MODES:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True is not supported by lamina (no sparse tensors)")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                             f"Received `count_weights={count_weights}`.")
        return encode_categorical(inputs, self.output_mode, self.num_tokens, self.dtype, count_weights)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}
