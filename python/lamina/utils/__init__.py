"""`lamina.utils`: to_categorical, normalize, set_random_seed, plotting a model or a History."""

from __future__ import annotations

import random as _python_random

import numpy as np

from lamina import _core
from lamina.models.data_adapter_utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
from lamina.utils.model_plot import model_to_dot, plot_model
from lamina.utils.plotting import plot_history


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
    np.random.seed(seed % (2**32))
    _core.set_global_random_seed(seed)


def to_categorical(x, num_classes=None):
    """One-hot encodes integer class labels (numpy in, numpy out, as in Keras).

    Args:
        x: integer labels, any shape (a trailing axis of size 1 is dropped).
        num_classes: number of classes; default max(x) + 1.
    """
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {int(x.min())}")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and x.max() >= num_classes:
        raise ValueError(f"to_categorical: label {int(x.max())} is out of range for num_classes={num_classes}")
    out = np.zeros((x.size, num_classes), dtype="float32")
    out[np.arange(x.size), x] = 1.0
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalizes `x` to unit `order`-norm along `axis` (numpy in, numpy out)."""
    x = np.asarray(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return x / norm


__all__ = ["to_categorical", "normalize", "model_to_dot", "plot_history", "plot_model", "set_random_seed",
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]
