"""Tensor creation: convert_to_tensor, zeros, ones, full (and the _like forms), arange, eye, identity."""

from lamina import _core

convert_to_tensor = _core.convert_to_tensor
zeros = _core.zeros
ones = _core.ones
full = _core.full
zeros_like = _core.zeros_like
ones_like = _core.ones_like
full_like = _core.full_like
arange = _core.arange
eye = _core.eye
identity = _core.identity

__all__ = [
    "convert_to_tensor", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "arange", "eye",
    "identity",
]
