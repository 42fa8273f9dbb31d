"""Scaled dot-product attention with keras.ops' signature, composed from engine ops.

`dot_product_attention` is written here from einsum, where and softmax (each an engine op with
its own backward); a fused engine kernel (scores, mask, softmax and the value product in one
pass per head) is still to come.
"""

from __future__ import annotations

import math

import numpy as np

from lamina import _core

# jax's choice for masked logits: finite, so a fully masked row softmaxes to uniform weights
# (as in Keras' backends) instead of NaN.
_MASKED_LOGIT = float(0.7 * np.finfo(np.float32).min)


def _as_tensor(x, dtype=None):
    if isinstance(x, (_core.Tensor, _core.Variable)):
        return x
    return _core.convert_to_tensor(np.asarray(x, dtype=dtype))


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal: bool = False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention: `softmax(query . key * scale + bias) . value`.

    Args:
        query: shape `(B, T, N, H)`.
        key: shape `(B, S, K, H)`; `K == N` is multi-head attention, `K` dividing `N` grouped-query
            attention (query head `n` reads key/value head `n // (N // K)`).
        value: same shape as `key` except maybe the last axis.
        bias: optional, broadcastable to `(B, N, T, S)`, added to the logits.
        mask: optional boolean, broadcastable to `(B, N, T, S)`: True where attention is allowed.
        scale: the logits' scale, default `1 / sqrt(H)`.
        is_causal: whether query position `t` only attends to key positions `s <= t`.
        flash_attention: accepted for Keras compatibility; lamina has no flash kernel, so `True`
            raises.
        attn_logits_soft_cap: only supported by Keras on JAX/TPU; anything but None raises.

    Returns:
        The attention output, shaped like `query` with value's last axis.
    """
    if flash_attention:
        raise ValueError("dot_product_attention: flash attention is not supported by lamina's CPU engine; "
                         "pass flash_attention=None or False")
    if attn_logits_soft_cap is not None:
        raise ValueError("dot_product_attention: attn_logits_soft_cap is only supported by Keras on JAX/TPU")
    query, key, value = _as_tensor(query), _as_tensor(key), _as_tensor(value)
    if len(query.shape) != 4 or len(key.shape) != 4 or len(value.shape) != 4:
        raise ValueError("dot_product_attention only supports 4D inputs (B, T, N, H). Received: "
                         f"query.shape={tuple(query.shape)}, key.shape={tuple(key.shape)}, value.shape={tuple(value.shape)}")
    num_heads, kv_heads = query.shape[2], key.shape[2]
    if value.shape[2] != kv_heads or num_heads % kv_heads:
        raise ValueError(f"dot_product_attention: the number of query heads ({num_heads}) must be a multiple of the "
                         f"key/value heads (key {kv_heads}, value {value.shape[2]})")
    if kv_heads != num_heads:
        groups = num_heads // kv_heads
        key = _core.repeat(key, groups, axis=2)
        value = _core.repeat(value, groups, axis=2)
    if scale is None:
        scale = 1.0 / math.sqrt(key.shape[-1])
    # Batched matmuls over (batch, heads): measured faster here, forward and backward, than the
    # equivalent einsums "btnh,bsnh->bnts" and "bnts,bsnh->btnh".
    logits = _core.multiply(_core.matmul(_core.transpose(query, (0, 2, 1, 3)), _core.transpose(key, (0, 2, 3, 1))),
                            float(scale))
    if bias is not None:
        logits = _core.add(logits, _as_tensor(bias, "float32"))
    allowed = None
    if mask is not None:
        allowed = _as_tensor(mask)
        if allowed.dtype != "bool":
            allowed = _core.cast(allowed, "bool")
    if is_causal:
        t, s = query.shape[1], key.shape[1]
        causal = _core.convert_to_tensor(np.tril(np.ones((t, s), dtype=bool)))
        allowed = causal if allowed is None else _core.logical_and(allowed, causal)
    if allowed is not None:
        logits = _core.where(allowed, logits, _MASKED_LOGIT)
    probs = _core.softmax(logits, axis=-1)
    return _core.transpose(_core.matmul(probs, _core.transpose(value, (0, 2, 1, 3))), (0, 2, 1, 3))


__all__ = ["dot_product_attention"]
