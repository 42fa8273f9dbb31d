"""California housing prices (keras.datasets.california_housing), read from Keras' cache:
california_housing.npz in ~/.keras/datasets (or $KERAS_HOME/datasets). Nothing downloads."""

from __future__ import annotations

import numpy as np

from lamina.datasets import _keras_cache as cache


def load_data(version: str = "large", path: str = "california_housing.npz", test_split: float = 0.2, seed: int = 113):
    """8 features per district and its median house value, shuffled with `seed` and split as
    Keras does; version "small" keeps the first 600 rows.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"california_housing.load_data: test_split must be in [0, 1), got {test_split}")
    if version not in ("small", "large"):
        raise ValueError(f"california_housing.load_data: version must be 'small' or 'large', got {version!r}")
    with np.load(cache.cached_file(path, "california_housing", cache.ORIGIN + "california_housing.npz"),
                 allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return cache.shuffled_split(x, y, test_split, seed)
