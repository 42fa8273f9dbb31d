"""Attention (Luong dot-product) and AdditiveAttention (Bahdanau), called on
`[query, value]` or `[query, value, key]` as in Keras."""

from __future__ import annotations

from lamina import ops, random
from lamina.layers.layer import Layer, _Spec
from lamina.layers.attention.multi_head_attention import causal_mask


class Attention(Layer):
    """Dot-product attention: `softmax(query . key^T) . value`.

    Args:
        use_scale: whether to learn a scalar `scale` multiplying the scores.
        score_mode: "dot" (query . key) or "concat" (sum of tanh(query + key), times a learnt
            scalar `concat_score_weight`).
        dropout: dropout rate on the attention weights (training only).
        seed: the dropout seed.

    Call arguments: `inputs=[query (B, Tq, dim), value (B, Tv, dim), key (optional)]`,
    `mask=[query_mask, value_mask]`, `return_attention_scores`, `training`, `use_causal_mask`.
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        self.use_scale, self.score_mode, self.dropout, self.seed = use_scale, score_mode, dropout, seed
        self.supports_masking = True
        self._seed_generator = random.SeedGenerator(seed) if dropout > 0 else None

    def build(self, input_shape):
        self._validate(input_shape)
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") if self.use_scale else None
        self.concat_score_weight = None
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones")
        self.built = True

    def _validate(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: inputs={inputs}.")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{name} layer mask must be a list of length 2 or 3, namely [query_mask, value_mask]. "
                             f"Received: mask={mask}.")

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        summed = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def call(self, inputs, mask=None, training=False, return_attention_scores: bool = False,
             use_causal_mask: bool = False):
        self._validate(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._scores(q, k)
        allowed = None if v_mask is None else ops.expand_dims(ops.cast(v_mask, "bool"), -2)
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1])
            allowed = causal if allowed is None else ops.logical_and(allowed, causal)
        if allowed is not None:
            scores = ops.where(allowed, scores, ops.subtract(scores, 65504.0 if scores.dtype == "float16" else 1.0e9))
        weights = ops.softmax(scores, axis=-1)
        applied = weights
        if training and self.dropout > 0:
            applied = random.dropout(weights, self.dropout, seed=self._seed_generator)
        out = ops.matmul(applied, v)
        if q_mask is not None:
            out = ops.where(ops.expand_dims(ops.cast(q_mask, "bool"), -1), out, 0.0)
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or not isinstance(previous_mask, (list, tuple)) or previous_mask[0] is None:
            return None
        return previous_mask[0]

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False, **kwargs):
        self._validate(inputs)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        out = _Spec(tuple(q.shape[:-1]) + (v.shape[-1],), self.compute_dtype)
        if return_attention_scores:
            return out, _Spec(tuple(q.shape[:-1]) + (k.shape[-2],), self.compute_dtype)
        return out

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention: scores `sum(scale * tanh(query + key), -1)`.

    Args:
        use_scale: whether to learn a `scale` vector of the feature size (default True).
        dropout: dropout rate on the attention weights (training only).

    Called like Attention.
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],), initializer="glorot_uniform")
        self.built = True

    def _scores(self, query, key):
        t = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        return ops.sum(t if self.scale is None else ops.multiply(self.scale, t), axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
