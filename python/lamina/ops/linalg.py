"""Linear algebra: matmul, dot, tensordot, einsum."""

from lamina import _core

matmul = _core.matmul

__all__ = ["matmul"]
