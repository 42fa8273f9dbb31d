"""Boston housing prices (keras.datasets.boston_housing), read from Keras' cache:
boston_housing.npz in ~/.keras/datasets (or $KERAS_HOME/datasets). Nothing downloads."""

from __future__ import annotations

import numpy as np

from lamina.datasets import _keras_cache as cache


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113):
    """13 features per house and its median price, shuffled with `seed` and split as Keras does.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"boston_housing.load_data: test_split must be in [0, 1), got {test_split}")
    with np.load(cache.cached_file(path, "boston_housing", cache.ORIGIN + "boston_housing.npz"), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return cache.shuffled_split(x, y, test_split, seed)
