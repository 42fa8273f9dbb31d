"""CIFAR-10: 60,000 32x32 colour images in 10 classes. Not bundled: reads the standard
"CIFAR-10 python version" batches (data_batch_1..5, test_batch)."""

from __future__ import annotations

import os
import pickle

import numpy as np

from lamina.datasets._files import cache_dir, missing


def _read_batch(path: str):
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="bytes")
    x = np.asarray(d[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    y = np.asarray(d[b"labels"], dtype=np.uint8).reshape(-1, 1)
    return x, y


def load_data(path: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images (n, 32, 32, 3) and labels
    (n, 1), from `path` (the extracted cifar-10-batches-py folder) or
    ~/.lamina/datasets/cifar10/cifar-10-batches-py.

    The batches are Python pickles; only load files you trust.
    """
    folder = path or os.path.join(cache_dir("cifar10"), "cifar-10-batches-py")
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    if not all(os.path.exists(os.path.join(folder, n)) for n in names):
        raise missing("CIFAR-10", folder, names, "www.cs.toronto.edu/~kriz/cifar.html (python version)")
    parts = [_read_batch(os.path.join(folder, n)) for n in names[:5]]
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    x_test, y_test = _read_batch(os.path.join(folder, "test_batch"))
    return (x_train, y_train), (x_test, y_test)
