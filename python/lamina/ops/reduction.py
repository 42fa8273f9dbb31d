"""Reductions over any axes, with keepdims."""

from lamina import _core

sum = _core.sum  # noqa: A001 (keras.ops name)

__all__ = ["sum"]
