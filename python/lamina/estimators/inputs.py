"""`numpy_input_fn` and `pandas_input_fn`: input functions over in-memory data, as
tf.compat.v1.estimator.inputs has them. Each returns an `input_fn` whose dataset yields
batches of `(features dict, labels)`."""

from __future__ import annotations

import numpy as np

from lamina.data import Dataset


def _check_common(batch_size, num_epochs, shuffle, what):
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be provided and explicitly set as boolean (it is recommended to set it as True "
                         f"for training); got {shuffle!r}")
    if int(batch_size) < 1:
        raise ValueError(f"{what}: batch_size must be positive, got {batch_size}")
    if num_epochs is not None and int(num_epochs) < 1:
        raise ValueError(f"{what}: num_epochs must be None or positive, got {num_epochs}")


def _make_input_fn(features: dict, labels, batch_size, num_epochs, shuffle, queue_capacity, seed):
    sizes = {k: len(v) for k, v in features.items()}
    if labels is not None:
        sizes["(labels)"] = len(labels)
    if len(set(sizes.values())) > 1:
        raise ValueError(f"Every feature and the labels need the same number of rows, got {sizes}")

    def input_fn():
        source = (features, labels) if labels is not None else features
        ds = Dataset.from_tensor_slices(source)
        if shuffle:
            # A shuffle buffer of at least the data's size is a full reshuffle each epoch.
            ds = ds.shuffle(int(queue_capacity), seed=seed)
        ds = ds.repeat(num_epochs)
        return ds.batch(int(batch_size))

    return input_fn


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000, num_threads=1,
                   seed=None):
    """An input_fn over numpy arrays.

    Args:
        x: a dict of arrays (feature key -> values); the keys are what feature columns name.
        y: the labels (an array), or None for predict.
        batch_size: examples per batch (default 128).
        num_epochs: passes over the data; None repeats forever (then train needs steps).
        shuffle: required, True or False.
        queue_capacity: the shuffle buffer size (default 1000).
        num_threads: accepted for compatibility.
        seed: seed of the shuffling.
    """
    _check_common(batch_size, num_epochs, shuffle, "numpy_input_fn")
    if isinstance(x, dict):
        features = {str(k): np.asarray(v) for k, v in x.items()}
    else:
        raise TypeError(f"x must be a dict of arrays (feature key -> values) for the canned estimators; got "
                        f"{type(x).__name__}")
    if isinstance(y, dict):
        raise ValueError("y as a dict (several labels) is not supported by the canned estimators; give one array")
    labels = None if y is None else np.asarray(y)
    return _make_input_fn(features, labels, batch_size, num_epochs, shuffle, queue_capacity, seed)


def pandas_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000, num_threads=1,
                    target_column="target", seed=None):
    """An input_fn over a pandas DataFrame (its columns are the features) and an optional
    Series of labels (aligned by position; indexes must match, as in TensorFlow)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("pandas_input_fn needs pandas: pip install pandas") from None
    _check_common(batch_size, num_epochs, shuffle, "pandas_input_fn")
    if not isinstance(x, pd.DataFrame):
        raise TypeError(f"x must be a pandas DataFrame, got {type(x).__name__}")
    if y is not None:
        if target_column in x.columns:
            raise ValueError(f"Cannot use name {target_column} for target column: DataFrame already has a column with "
                             f"that name: {list(x.columns)}")
        if not np.array_equal(np.asarray(x.index), np.asarray(y.index)):
            raise ValueError("Index for x and y are mismatched.\nIndex for x: %s\nIndex for y: %s\n" % (x.index, y.index))
        y = y.to_numpy()
    features = {str(c): x[c].to_numpy() for c in x.columns}
    return _make_input_fn(features, y, batch_size, num_epochs, shuffle, queue_capacity, seed)
