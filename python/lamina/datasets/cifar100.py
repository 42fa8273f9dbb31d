"""CIFAR-100 (keras.datasets.cifar100), read from Keras' cache: the extracted
cifar-100-python archive in ~/.keras/datasets/cifar-100-python-target/ (or the archive itself
saved as ~/.keras/datasets/cifar-100-python-target_archive, extracted on first use). Nothing
downloads."""

from __future__ import annotations

import os

import numpy as np

from lamina import config
from lamina.datasets import _keras_cache as cache
from lamina.utils.file_cache import get_file, keras_cache_dir

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"


def _batch(path: str, label_key: str):
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in cache.load_pickle(path).items()}
    return np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32), np.asarray(d[label_key]).reshape(-1, 1)


def load_data(label_mode: str = "fine"):
    """32x32 colour images with fine (100 classes) or coarse (20 superclasses) labels.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images, channels last unless
        lamina.config.image_data_format() is channels_first, and labels of shape (n, 1).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'cifar100.load_data: label_mode must be "fine" or "coarse", got {label_mode!r}')
    try:
        root = get_file(fname="cifar-100-python-target", origin=_ORIGIN, extract=True)
    except FileNotFoundError:
        raise FileNotFoundError(
            "cifar100: the CIFAR-100 files are missing and lamina downloads nothing. Download "
            f"{_ORIGIN} and either extract it into {_cache_folder()} (giving "
            f"{os.path.join(_cache_folder(), 'cifar-100-python', 'train')}) or save the archive as "
            f"{_cache_folder()}_archive."
        ) from None
    folder = os.path.join(root, "cifar-100-python")
    x_train, y_train = _batch(os.path.join(folder, "train"), f"{label_mode}_labels")
    x_test, y_test = _batch(os.path.join(folder, "test"), f"{label_mode}_labels")
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)


def _cache_folder() -> str:
    return os.path.join(keras_cache_dir(), "datasets", "cifar-100-python-target")
