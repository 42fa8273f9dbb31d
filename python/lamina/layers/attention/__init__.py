"""The attention layers."""

from lamina.layers.attention.attention import AdditiveAttention, Attention
from lamina.layers.attention.grouped_query_attention import GroupedQueryAttention, GroupQueryAttention
from lamina.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["Attention", "AdditiveAttention", "GroupedQueryAttention", "GroupQueryAttention", "MultiHeadAttention"]
