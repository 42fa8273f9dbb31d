"""split_dataset: one dataset (arrays, a tuple/dict of arrays, or a lamina Dataset) cut into
two lamina Datasets, as keras.utils.split_dataset does."""

from __future__ import annotations

import numpy as np

from lamina.data import Dataset


def _sizes(left_size, right_size, total):
    for name, v in (("left_size", left_size), ("right_size", right_size)):
        if v is not None and type(v) not in (int, float):
            raise TypeError(f"split_dataset: {name} must be an int, a float or None, got {type(v).__name__}")
        if type(v) is int and not 0 < v < total or type(v) is float and not 0 < v < 1:
            raise ValueError(f"split_dataset: {name} must be a positive int below {total} or a float in (0, 1), got {v}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("split_dataset: left_size + right_size is greater than 1")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"split_dataset: left_size + right_size ({left + right}) exceeds the {total} samples")
    if left == 0 or right == 0:
        raise ValueError(f"split_dataset: a split of {total} samples into {left} and {right} leaves one side empty")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle: bool = False, seed=None, preferred_backend=None):
    """Splits a dataset into a left and a right part.

    Args:
        dataset: a numpy array, a tuple/list/dict of arrays with the same first dimension, or
            a finite lamina Dataset (read once into memory).
        left_size: samples in the left part: an int, or a float fraction.
        right_size: samples in the right part (taken from the end): an int or a fraction.
            With one of the two None, it is the rest.
        shuffle: shuffle the samples (with `seed`) before splitting.
        seed: the shuffling seed.
        preferred_backend: accepted for Keras' signature.

    Returns:
        A tuple of two lamina Datasets.
    """
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: give left_size or right_size (or both)")
    if isinstance(dataset, Dataset):
        samples = list(dataset.as_numpy_iterator())
        total = len(samples)

        def pick(idx):
            return Dataset(lambda: iter([samples[i] for i in idx]), len(idx))
    else:
        arrays = {k: np.asarray(v) for k, v in dataset.items()} if isinstance(dataset, dict) else \
            tuple(np.asarray(a) for a in dataset) if isinstance(dataset, (tuple, list)) else np.asarray(dataset)
        leaves = list(arrays.values()) if isinstance(arrays, dict) else list(arrays) if isinstance(arrays, tuple) else [arrays]
        total = len(leaves[0])
        if any(len(a) != total for a in leaves):
            raise ValueError(f"split_dataset: the arrays have different lengths {[len(a) for a in leaves]}")

        def pick(idx):
            if isinstance(arrays, dict):
                return Dataset.from_tensor_slices({k: v[idx] for k, v in arrays.items()})
            if isinstance(arrays, tuple):
                return Dataset.from_tensor_slices(tuple(a[idx] for a in arrays))
            return Dataset.from_tensor_slices(arrays[idx])

    left, right = _sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        np.random.RandomState(np.random.randint(2**31 - 1) if seed is None else seed).shuffle(order)
    return pick(order[:left]), pick(order[total - right:])
