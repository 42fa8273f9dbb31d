"""Turning what users pass to fit/evaluate/predict (numpy arrays, lists/dicts of them,
lamina Datasets, Python generators) into batches of tensors.

numpy arrays stay numpy: each batch is sliced (or, when shuffling, gathered) from them and
converted on its own, so an epoch copies every sample once, in batch-sized pieces that stay in
cache, instead of converting and then shuffling whole datasets (two full copies per epoch).
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from lamina import _core
from lamina import config as lconfig
from lamina.layers.symbolic import flatten, map_structure

_Tensor = _core.Tensor


def check_counts(where: str, positive: dict, non_negative: dict | None = None) -> None:
    """Batch sizes and step counts (`positive`, None allowed) must be positive integers and
    epoch numbers (`non_negative`) integers >= 0: a batch size of 0 or -4 would otherwise train
    on nothing, silently. Raises ValueError naming `where` and the argument."""
    checks = [(name, value, 1) for name, value in positive.items() if value is not None]
    checks += [(name, value, 0) for name, value in (non_negative or {}).items()]
    for name, value, least in checks:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            kind = "a positive integer" if least else "an integer >= 0"
            raise ValueError(f"{where}: `{name}` must be {kind}{' or None' if least else ''}, got {value!r}")


def _to_engine(a):
    if a is None or isinstance(a, _Tensor):
        return a
    return _core.convert_to_tensor(_as_array(a))


def _as_array(a):
    """A model-ready numpy array (float64 cast to floatx, as Keras does); tensors pass as is."""
    if a is None or isinstance(a, _Tensor):
        return a
    arr = np.asarray(a)
    if arr.dtype == np.float64:
        arr = arr.astype(lconfig.floatx())
    elif arr.dtype.kind in "US":
        raise TypeError("string arrays cannot be fed to a model; encode them as numbers first")
    return arr


def _rows(a, rows, rows_tensor):
    """Rows of one array as a tensor: `rows` is a slice, or indices (also as `rows_tensor`)."""
    if a is None:
        return None
    if isinstance(a, _Tensor):
        return a[rows] if rows_tensor is None else _core.take(a, rows_tensor, 0)
    if isinstance(rows, slice):
        return _core.convert_to_tensor(np.ascontiguousarray(a[rows]))
    return _core.take_rows(a, rows)  # one copy, numpy array to tensor


def _num_rows(structure) -> int:
    sizes = {int(t.shape[0]) for t in flatten(structure) if t is not None and getattr(t, "shape", None) is not None and len(t.shape) > 0}
    if len(sizes) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the arrays have different numbers of samples {sorted(sizes)}. "
                         "Make sure all arrays contain the same number of samples.")
    if not sizes:
        raise ValueError("Expected arrays with a leading batch axis")
    return sizes.pop()


def class_weight_to_sample_weight(y, class_weight: dict) -> np.ndarray:
    """Per-sample weights from a {class: weight} dict (labels as ints or one-hot rows)."""
    y = np.asarray(y)
    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0].astype(np.int64)
    table = np.ones(int(max(max(class_weight) + 1, labels.max() + 1 if labels.size else 1)), dtype=np.float32)
    for k, w in class_weight.items():
        table[int(k)] = w
    return table[labels]


def is_array_like(x) -> bool:
    if isinstance(x, (np.ndarray, _Tensor)):
        return True
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, (np.ndarray, _Tensor)) for v in x):
        return True
    if isinstance(x, dict) and x and all(isinstance(v, (np.ndarray, _Tensor)) for v in x.values()):
        return True
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], (int, float, list)):
        return True
    return False


class ArrayAdapter:
    """Batches of in-memory arrays (numpy or tensors; lists/dicts for several inputs/outputs)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size: int | None = None, shuffle: bool = False,
                 steps: int | None = None, class_weight: dict | None = None):
        if isinstance(x, list) and x and not isinstance(x[0], (np.ndarray, _Tensor, list, dict)):
            x = np.asarray(x)
        self.x = map_structure(_as_array, x)
        self.y = map_structure(_as_array, y) if y is not None else None
        if class_weight is not None and y is not None:
            if sample_weight is not None:
                raise ValueError("`class_weight` and `sample_weight` cannot both be given")
            ys = flatten(y)
            if len(ys) != 1:
                raise ValueError("`class_weight` is only supported for models with a single output")
            sample_weight = class_weight_to_sample_weight(np.asarray(ys[0]), class_weight)
        self.sample_weight = _as_array(np.asarray(sample_weight, dtype=np.float32)) if sample_weight is not None else None
        parts = [self.x] + ([self.y] if self.y is not None else []) + ([self.sample_weight] if self.sample_weight is not None else [])
        self.n = _num_rows(parts)
        self._has_tensors = any(isinstance(t, _Tensor) for t in flatten(parts))
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle
        self.steps = steps

    @property
    def num_batches(self) -> int:
        n = math.ceil(self.n / self.batch_size)
        return min(n, self.steps) if self.steps is not None else n

    def as_one_batch(self) -> tuple:
        """All rows as a single batch of tensors (predict on a small input, *_on_batch)."""
        return (map_structure(_to_engine, self.x), map_structure(_to_engine, self.y) if self.y is not None else None,
                _to_engine(self.sample_weight))

    def __iter__(self) -> Iterator[tuple]:
        order = np.random.permutation(self.n) if self.shuffle and self.n > 1 else None
        for i in range(self.num_batches):
            start, stop = i * self.batch_size, min((i + 1) * self.batch_size, self.n)
            if order is None:
                rows, rows_tensor = slice(start, stop), None
            else:
                rows = order[start:stop]
                rows_tensor = _core.convert_to_tensor(rows) if self._has_tensors else None

            def cut(a):
                return _rows(a, rows, rows_tensor)

            yield (map_structure(cut, self.x), map_structure(cut, self.y) if self.y is not None else None,
                   cut(self.sample_weight))


def _unpack(element) -> tuple:
    if isinstance(element, tuple):
        if len(element) == 1:
            return element[0], None, None
        if len(element) == 2:
            return element[0], element[1], None
        if len(element) == 3:
            return element
        raise ValueError(f"Data elements must be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of {len(element)}")
    return element, None, None


class IterableAdapter:
    """Batches from a lamina Dataset, a generator or any iterable of (x, y[, sample_weight])."""

    def __init__(self, data, steps: int | None = None):
        self.data = data
        self.steps = steps
        self._iterator = None
        self._reiterable = not (hasattr(data, "__next__") and iter(data) is data)

    @property
    def num_batches(self) -> int | None:
        if self.steps is not None:
            return self.steps
        n = getattr(self.data, "cardinality", None)
        n = n() if callable(n) else n
        return n if isinstance(n, int) and n >= 0 else None

    def __iter__(self):
        if self._reiterable or self._iterator is None:
            self._iterator = iter(self.data)
        for i, element in enumerate(self._iterator):
            x, y, sw = _unpack(element)
            yield map_structure(_to_engine, x), map_structure(_to_engine, y) if y is not None else None, _to_engine(sw)
            if self.steps is not None and i + 1 >= self.steps:
                break


def make_adapter(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None, class_weight=None) -> Any:
    """The adapter for whatever was passed as `x`."""
    if x is None:
        raise ValueError("No data was provided: pass `x` (and `y` for training)")
    if is_array_like(x):
        return ArrayAdapter(x, y, sample_weight, batch_size, shuffle, steps, class_weight)
    if y is not None:
        raise ValueError("`y` must not be given when `x` is a dataset or a generator (it yields (x, y) pairs)")
    if hasattr(x, "__iter__") or hasattr(x, "__next__"):
        return IterableAdapter(x, steps)
    raise TypeError(f"Unrecognized data type: x={x!r} (of type {type(x).__name__})")


def split_for_validation(x, y, sample_weight, validation_split: float):
    """Keras' validation_split: the last fraction of the arrays, before any shuffling."""
    if not is_array_like(x):
        raise ValueError("`validation_split` is only supported for arrays, not datasets or generators")
    n = _num_rows([map_structure(np.asarray, x)])
    n_train = int(math.floor(n * (1.0 - validation_split)))
    if n_train == 0 or n_train == n:
        raise ValueError(f"validation_split={validation_split} leaves no samples for training or validation ({n} samples)")

    def cut(a, s):
        return None if a is None else map_structure(lambda t: t[s], a)

    train = (cut(x, slice(0, n_train)), cut(y, slice(0, n_train)), cut(sample_weight, slice(0, n_train)))
    val = (cut(x, slice(n_train, n)), cut(y, slice(n_train, n)), cut(sample_weight, slice(n_train, n)))
    return train, val
