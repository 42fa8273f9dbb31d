"""Elementwise ops: arithmetic, math functions, activations, comparisons, logical ops, casts."""

from lamina import _core

add = _core.add
subtract = _core.subtract
multiply = _core.multiply
divide = _core.divide
negative = _core.negative
exp = _core.exp
log = _core.log
cast = _core.cast

__all__ = ["add", "subtract", "multiply", "divide", "negative", "exp", "log", "cast"]
