"""MultiHeadAttention with Keras 3's weight layout: EinsumDense sublayers `query_dense`,
`key_dense`, `value_dense` (kernel `(dim, heads, key_dim)`, bias `(heads, key_dim)`) and
`output_dense` (kernel `(heads, value_dim, dim)`, bias `(dim,)`)."""

from __future__ import annotations

import math
import string

import numpy as np

from lamina import _core, constraints, initializers, ops, regularizers
from lamina.layers.activations.softmax import masked_softmax
from lamina.layers.core.basic import Dropout
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.layer import Layer, _Spec
from lamina.ops.attention import dot_product_attention

_LETTERS = string.ascii_lowercase


def projection_equation(free_dims: int, bound_dims: int, output_dims: int):
    """Einsum equation, bias axes and output rank of a projection: the input's last
    `bound_dims` axes are contracted with the kernel, which adds `output_dims` axes."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    new = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new, free_dims + output_dims


def attention_equations(rank: int, attn_axes: tuple):
    """The scores and combine equations for projected tensors of `rank` axes laid out as
    (batch, <other dims>, <attention dims>, heads, channels), and the scores' rank."""
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _LETTERS[offset]
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes] + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def causal_mask(t: int, s: int):
    """Boolean (1, T, S): query position i sees key positions j <= i."""
    return _core.convert_to_tensor(np.tril(np.ones((t, s), dtype=bool))[None])


class MultiHeadAttention(Layer):
    """Multi-head attention as in "Attention Is All You Need", with Keras' arguments.

    Args:
        num_heads: the number of attention heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (default key_dim).
        dropout: dropout rate on the attention weights (training only).
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (default the query's last axis).
        attention_axes: the axes attention runs over (default all but batch, heads, features).
        sliding_window: if set, position i only attends to |i - j| < sliding_window.
        flash_attention: accepted for Keras compatibility; True raises (no flash kernel).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        use_gate: a sigmoid gate on the attention output (not supported yet: raises).
        seed: the dropout seed.

    Call arguments: `query (B, T, dim)`, `value (B, S, dim)`, `key` (default value),
    `attention_mask` (boolean `(B, T, S)`), `return_attention_scores`, `training`,
    `use_causal_mask`. Keras masks on query/value/key are combined into the attention mask.
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, use_gate: bool = False, seed=None, **kwargs):
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"MultiHeadAttention: `{arg}` must be a positive integer. Received: {arg}={value}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(f"MultiHeadAttention: `value_dim` must be a positive integer or None. Received: {value_dim}")
        if flash_attention:
            raise ValueError("MultiHeadAttention: flash_attention is not supported by lamina's CPU engine")
        if use_gate:
            raise NotImplementedError("MultiHeadAttention: use_gate=True is not supported by lamina yet")
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"MultiHeadAttention: `sliding_window` must be None or a positive integer, got {sliding_window}")
        super().__init__(activity_regularizer=None, **kwargs)
        self.supports_masking = True
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout, self.use_bias, self.use_gate = dropout, use_bias, use_gate
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"MultiHeadAttention: `attention_axes` must be an int, list, or tuple, got {attention_axes}")
        self.attention_axes = attention_axes
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.projection_activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._scale = 1.0 / math.sqrt(float(key_dim))

    # -- building ------------------------------------------------------------------------------

    def _sublayer_kwargs(self) -> dict:
        # Fresh initializer instances per projection, as Keras clones them.
        return dict(kernel_initializer=type(self.kernel_initializer).from_config(self.kernel_initializer.get_config()),
                    bias_initializer=type(self.bias_initializer).from_config(self.bias_initializer.get_config()),
                    kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                    activity_regularizer=self.projection_activity_regularizer,
                    kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint, dtype=self.dtype)

    def _projection(self, rank: int, heads_dim: int, name: str) -> EinsumDense:
        equation, bias_axes, out_rank = projection_equation(rank - 1, 1, 2)
        return EinsumDense(equation, output_shape=[None] * (out_rank - 3) + [self.num_heads, heads_dim],
                           bias_axes=bias_axes if self.use_bias else None, name=name, **self._sublayer_kwargs())

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            raise ValueError(f"MultiHeadAttention '{self.name}' needs both query and value shapes to build")
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}")
        self.query_dense = self._projection(len(query_shape), self.key_dim, "query")
        self.query_dense.build(tuple(query_shape))
        self.key_dense = self._projection(len(key_shape), self.key_dim, "key")
        self.key_dense.build(tuple(key_shape))
        self.value_dense = self._projection(len(value_shape), self.value_dim, "value")
        self.value_dense.build(tuple(value_shape))
        rank = len(value_shape) + 1  # projected: heads axis added
        if self.attention_axes is None:
            self.attention_axes = tuple(range(1, rank - 2))
        else:
            self.attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self.attention_axes)
        self._dot_equation, self._combine_equation, scores_rank = attention_equations(rank, self.attention_axes)
        self._norm_axes = tuple(range(scores_rank - len(self.attention_axes), scores_rank))
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed)
        out_shape = self._output_shape or (query_shape[-1],)
        equation, bias_axes, out_rank = projection_equation(len(query_shape) - 1, 2, len(out_shape))
        self.output_dense = EinsumDense(equation, output_shape=[None] * (out_rank - 1 - len(out_shape)) + list(out_shape),
                                        bias_axes=bias_axes if self.use_bias else None, name="attention_output",
                                        **self._sublayer_kwargs())
        self.output_dense.build(tuple(query_shape[:-1]) + (self.num_heads, self.value_dim))
        self._build_shapes = {"query_shape": tuple(query_shape), "value_shape": tuple(value_shape)}
        if key_shape is not value_shape:
            self._build_shapes["key_shape"] = tuple(key_shape)
        self.built = True

    def get_build_config(self):
        return {"shapes_dict": self._build_shapes} if self.built else None

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError(f"MultiHeadAttention '{self.name}' must be called with both `query` and `value`")
        if not self.built:
            self.build(tuple(query.shape), tuple(value.shape), None if key is None else tuple(key.shape))
        if key is not None:
            kwargs["key"] = key
        return super().__call__(query, value, **kwargs)

    # -- calling -------------------------------------------------------------------------------

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask):
        """The boolean (B, T, S) mask from the inputs' Keras masks, the causal and sliding-window
        masks and the given attention_mask, combined with AND (None when there is none)."""
        parts = []
        if query_mask is not None:
            parts.append(ops.expand_dims(ops.cast(query_mask, "bool"), -1))
        for m in (value_mask, key_mask):
            if m is not None:
                parts.append(ops.expand_dims(ops.cast(m, "bool"), -2))
        t, s = query.shape[1], value.shape[1]
        if use_causal_mask:
            parts.append(causal_mask(t, s))
        if self.sliding_window is not None:
            i, j = np.arange(t)[:, None], np.arange(s)[None, :]
            parts.append(_core.convert_to_tensor((np.abs(i - j) < self.sliding_window)[None]))
        if attention_mask is not None:
            parts.insert(0, ops.cast(attention_mask, "bool"))
        if not parts:
            return None
        mask = parts[0]
        for p in parts[1:]:
            mask = ops.logical_and(mask, p)
        return mask

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        fast = not (self.dropout > 0.0 or return_attention_scores or len(query.shape) != 4)
        if fast:
            if attention_mask is not None:
                while len(attention_mask.shape) < 4:
                    attention_mask = ops.expand_dims(attention_mask, -len(self.attention_axes) * 2 - 1)
            return dot_product_attention(query, key, value, mask=attention_mask, scale=self._scale), None
        query = ops.multiply(query, self._scale)
        scores = ops.einsum(self._dot_equation, key, query)
        if attention_mask is not None:
            while len(attention_mask.shape) < len(scores.shape):
                attention_mask = ops.expand_dims(attention_mask, -len(self.attention_axes) * 2 - 1)
        scores = masked_softmax(scores, attention_mask, self._norm_axes)
        weights = self._dropout_layer(scores, training=training) if self.dropout > 0.0 else scores
        return ops.einsum(self._combine_equation, weights, value), scores

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores: bool = False, training=None, use_causal_mask: bool = False):
        if key is None:
            key = value
        # Keras reads each input's own mask (query's always wins over query_mask).
        query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key_mask is None and key is not value:
            key_mask = getattr(key, "_keras_mask", None)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        q = self.query_dense(query)
        k = self.key_dense(key)
        v = self.value_dense(value)
        out, scores = self._compute_attention(q, k, v, mask, training, return_attention_scores)
        out = self.output_dense(out)
        if return_attention_scores:
            return out, scores
        return out

    def compute_mask(self, inputs, previous_mask=None):
        query = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        return getattr(query, "_keras_mask", None)

    def compute_output_spec(self, query, value=None, key=None, return_attention_scores=False, **kwargs):
        shape = tuple(query.shape)
        if self._output_shape:
            shape = shape[:-1] + tuple(self._output_shape)
        out = _Spec(shape, self.compute_dtype)
        if return_attention_scores:
            return out, _Spec((query.shape[0], self.num_heads, query.shape[1], value.shape[1]), self.compute_dtype)
        return out

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self.attention_axes,
            "sliding_window": self.sliding_window,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.projection_activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }

