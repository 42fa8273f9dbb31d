"""Tensor creation: convert_to_tensor, zeros, ones, full, arange, eye, ..."""

from lamina import _core

convert_to_tensor = _core.convert_to_tensor

__all__ = ["convert_to_tensor"]
