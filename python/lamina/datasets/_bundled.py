"""Loading and splitting the datasets shipped in datasets/data/."""

from __future__ import annotations

import os

import numpy as np

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")


def load_npz(name: str) -> dict:
    with np.load(os.path.join(DATA_DIR, f"{name}.npz"), allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int):
    """Shuffles with `seed` and keeps the last `test_split` fraction for testing, as
    keras.datasets.boston_housing does."""
    if not 0.0 <= test_split < 1.0:
        raise ValueError(f"test_split must be in [0, 1), got {test_split}")
    order = np.random.RandomState(seed).permutation(len(x))
    x, y = x[order], y[order]
    n_train = int(round(len(x) * (1.0 - test_split)))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
