"""GroupedQueryAttention: query heads share fewer key/value heads (Keras' layout)."""

from __future__ import annotations

from lamina import constraints, initializers, ops, regularizers
from lamina.layers.attention.multi_head_attention import MultiHeadAttention
from lamina.layers.core.basic import Dropout
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.layer import Layer


class GroupedQueryAttention(MultiHeadAttention):
    """Grouped-query attention: `num_query_heads` heads of size `head_dim` read
    `num_key_value_heads` key/value heads, each shared by `num_query_heads // num_key_value_heads`
    consecutive query heads.

    Args:
        head_dim: the size of each head.
        num_query_heads: the number of query heads.
        num_key_value_heads: the number of key and value heads (divides num_query_heads).
        dropout, use_bias, sliding_window, flash_attention, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint, use_gate, seed: as in MultiHeadAttention.

    Called like MultiHeadAttention on `(B, T, dim)` query and `(B, S, dim)` value/key.
    """

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int, dropout: float = 0.0,
                 use_bias: bool = True, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate: bool = False, seed=None, **kwargs):
        if num_query_heads % num_key_value_heads:
            raise ValueError("GroupedQueryAttention: `num_query_heads` must be divisible by `num_key_value_heads`. "
                             f"Received: {num_query_heads} and {num_key_value_heads}")
        super().__init__(num_heads=num_query_heads, key_dim=head_dim, dropout=dropout, use_bias=use_bias,
                         sliding_window=sliding_window, flash_attention=flash_attention,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, use_gate=use_gate, seed=seed, **kwargs)
        self.head_dim, self.num_query_heads, self.num_key_value_heads = head_dim, num_query_heads, num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            raise ValueError(f"GroupedQueryAttention '{self.name}' needs both query and value shapes to build")
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be equal, but are "
                             f"{query_shape[-1]}, {value_shape[-1]}")
        kw = self._sublayer_kwargs
        bias = self.use_bias
        self.feature_dim = query_shape[-1]
        self.query_dense = EinsumDense("bqm,muh->bquh", (None, self.num_query_heads, self.head_dim),
                                       bias_axes="uh" if bias else None, name="query", **kw())
        self.query_dense.build(tuple(query_shape))
        self.key_dense = EinsumDense("bkm,mvh->bkvh", (None, self.num_key_value_heads, self.head_dim),
                                     bias_axes="vh" if bias else None, name="key", **kw())
        self.key_dense.build(tuple(key_shape))
        self.value_dense = EinsumDense("bkm,mvh->bkvh", (None, self.num_key_value_heads, self.head_dim),
                                       bias_axes="vh" if bias else None, name="value", **kw())
        self.value_dense.build(tuple(value_shape))
        self.output_dense = EinsumDense("bquh,uhm->bqm", (None, self.feature_dim), bias_axes="m" if bias else None,
                                        name="attention_output", **kw())
        self.output_dense.build((None, None, self.num_query_heads, self.head_dim))
        self.attention_axes = (1,)
        self._dot_equation, self._combine_equation = "bkuh,bquh->buqk", "buqk,bkuh->bquh"
        self._norm_axes = (-1,)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed)
        self._build_shapes = {"query_shape": tuple(query_shape), "value_shape": tuple(value_shape)}
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores: bool = False, training=None, use_causal_mask: bool = False):
        if key is None:
            key = value
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        q = self.query_dense(query)
        k = ops.repeat(self.key_dense(key), self.num_repeats, axis=2)
        v = ops.repeat(self.value_dense(value), self.num_repeats, axis=2)
        out, scores = self._compute_attention(q, k, v, mask, training, return_attention_scores)
        out = self.output_dense(out)
        return (out, scores) if return_attention_scores else out

    def get_config(self):
        config = Layer.get_config(self)
        config.update({
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.projection_activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config


GroupQueryAttention = GroupedQueryAttention
