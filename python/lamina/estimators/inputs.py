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
    if isinstance(labels, dict):
        sizes.update({f"(labels '{k}')": len(v) for k, v in labels.items()})
    elif labels is not None:
        sizes["(labels)"] = len(labels)
    if len(set(sizes.values())) > 1:
        raise ValueError(f"Every feature and the labels need the same number of rows, got {sizes}")

    n = next(iter(sizes.values())) if sizes else 0

    def input_fn():
        source = (features, labels) if labels is not None else features
        Dataset.from_tensor_slices(source)  # the same checks as any in-memory dataset
        # The batches' row indices, made a batch at a time with numpy: each epoch is a full
        # permutation when shuffling (a better shuffle than a queue_capacity buffer, and no
        # per-example Python), and a batch may span two epochs, as with TensorFlow's queue.
        cardinality = None if num_epochs is None else -(-n * int(num_epochs) // int(batch_size))
        return Dataset._indexed(source, lambda: _batch_indices(n, int(batch_size), num_epochs, shuffle, seed),
                                cardinality, batched=True)

    return input_fn


def _batch_indices(n: int, batch_size: int, num_epochs, shuffle: bool, seed):
    rng = np.random.default_rng(seed)
    pending = np.empty(0, dtype=np.int64)
    epoch = 0
    while num_epochs is None or epoch < num_epochs:
        order = rng.permutation(n) if shuffle else np.arange(n)
        epoch += 1
        pending = np.concatenate([pending, order]) if len(pending) else order
        while len(pending) >= batch_size:
            yield pending[:batch_size]
            pending = pending[batch_size:]
        if n == 0:
            return
    if len(pending):
        yield pending


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000, num_threads=1,
                   seed=None):
    """An input_fn over numpy arrays.

    Args:
        x: a dict of arrays (feature key -> values); the keys are what feature columns name.
        y: the labels (an array, or a dict of arrays for a MultiHead), or None for predict.
        batch_size: examples per batch (default 128).
        num_epochs: passes over the data; None repeats forever (then train needs steps).
        shuffle: required, True or False.
        queue_capacity: accepted for compatibility (each epoch is fully shuffled).
        num_threads: accepted for compatibility.
        seed: seed of the shuffling.
    """
    _check_common(batch_size, num_epochs, shuffle, "numpy_input_fn")
    if isinstance(x, dict):
        features = {str(k): np.asarray(v) for k, v in x.items()}
    else:
        raise TypeError(f"x must be a dict of arrays (feature key -> values) for the canned estimators; got "
                        f"{type(x).__name__}")
    labels = None if y is None else {str(k): np.asarray(v) for k, v in y.items()} if isinstance(y, dict) else np.asarray(y)
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
