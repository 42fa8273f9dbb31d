"""`lamina.utils`: helpers that are not ops."""

from __future__ import annotations

import random as _python_random

import numpy as _np

from lamina import _core


def set_random_seed(seed: int) -> None:
    """Sets every random seed lamina uses, as `keras.utils.set_random_seed`.

    Seeds Python's `random` module, numpy's global generator and lamina's global
    SeedGenerator (the one `lamina.random` functions draw from when `seed=None`), so that a
    program produces the same numbers on every run.

    Args:
        seed: a non-negative integer.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed expects an integer seed, got {seed!r} of type {type(seed).__name__}")
    _python_random.seed(seed)
    _np.random.seed(seed % (2**32))
    _core.set_global_random_seed(seed)


__all__ = ["set_random_seed"]
