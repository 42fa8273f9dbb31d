"""Reading one batch of raw features for the columns: each feature is fetched and checked once
(missing key, row count, dtype, NaN), with errors that name the feature and the column.

Feature columns turn raw values into model inputs on the input side, in numpy, as a tf.data
`map` would: lookups, hashing and bucketizing have no weights. Everything with weights
(embeddings, the linear model's per-id weights, the dense layers) runs in the engine.
"""

from __future__ import annotations

import numpy as np


class SparseIds:
    """Categorical ids of a batch: `ids` (int64, [batch, k]) and `weights` (float32, [batch, k];
    0 marks a missing entry), or weights None when every entry is present with weight 1."""

    __slots__ = ("ids", "weights")

    def __init__(self, ids: np.ndarray, weights: np.ndarray | None = None):
        self.ids = ids
        self.weights = weights

    @property
    def present(self) -> np.ndarray:
        return np.ones(self.ids.shape, bool) if self.weights is None else self.weights != 0


class FeatureBatch:
    """The raw features of one batch (a dict of arrays), read and checked once per key."""

    def __init__(self, features):
        if not isinstance(features, dict):
            if hasattr(features, "columns") and hasattr(features, "__getitem__"):  # a pandas DataFrame
                features = {str(c): features[c].to_numpy() for c in features.columns}
            else:
                raise TypeError(f"features must be a dict of arrays (feature key -> values), got {type(features).__name__}")
        self.features = features
        self._arrays: dict = {}
        self._rows: tuple | None = None  # (key, number of rows) of the first feature read
        self.cache: dict = {}  # column -> transformed value, shared by columns that reuse a column

    def raw(self, key: str, column_name: str) -> np.ndarray:
        """The values of feature `key` as a numpy array of rank >= 1."""
        if key in self._arrays:
            return self._arrays[key]
        if key not in self.features:
            raise ValueError(f"Feature '{key}' is not in features dictionary (feature column '{column_name}' needs it); "
                             f"the features given are {sorted(map(str, self.features))}")
        value = self.features[key]
        if hasattr(value, "to_numpy"):  # pandas Series
            value = value.to_numpy()
        array = np.asarray(value)
        if array.ndim == 0:
            raise ValueError(f"Feature '{key}' (column '{column_name}') is a scalar; features must be batches with one "
                             f"row per example (an input_fn's dataset needs .batch())")
        if self._rows is None:
            self._rows = (key, len(array))
        elif len(array) != self._rows[1]:
            raise ValueError(f"Feature '{key}' has {len(array)} rows but feature '{self._rows[0]}' has {self._rows[1]}; "
                             f"every feature of a batch needs one row per example")
        self._arrays[key] = array
        return array

    @property
    def num_rows(self) -> int | None:
        """The batch size (from the features read so far, else from any feature)."""
        if self._rows is None:
            for key, value in self.features.items():
                if np.ndim(value) >= 1:
                    return len(value)
            return None
        return self._rows[1]


def _first_bad(mask: np.ndarray) -> int:
    return int(np.argwhere(mask.reshape(len(mask), -1).any(axis=1))[0, 0])


def as_float(array: np.ndarray, key: str, what: str) -> np.ndarray:
    """`array` as float32, refusing text and NaN/inf with a message naming the feature."""
    if array.dtype.kind not in "biuf":
        sample = array.reshape(-1)[0] if array.size else None
        text = array.dtype.kind in "USa" or any(isinstance(v, (str, bytes)) for v in array.reshape(-1)[:1000])
        try:
            if text:  # numbers written as text are a wrong dtype too, as in TensorFlow
                raise TypeError
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{what} '{key}' needs numeric values, got dtype {array.dtype} (e.g. {sample!r})") from None
    out = array.astype(np.float32, copy=False)
    if out.dtype.kind == "f" and not np.isfinite(out).all():
        bad = ~np.isfinite(out)
        kind = "NaN" if np.isnan(out).any() else "an infinite value"
        raise ValueError(f"{what} '{key}' contains {kind} (first at row {_first_bad(bad)}); "
                         f"fill or drop missing values before training")
    return out


def as_strings(array: np.ndarray, key: str, what: str) -> np.ndarray:
    """`array` as a numpy unicode array (bytes decoded as UTF-8); numbers are refused."""
    if array.dtype.kind == "U":
        return array
    if array.dtype.kind == "S":
        return np.char.decode(array, "utf-8")
    if array.dtype.kind == "O":
        flat = array.reshape(-1)
        bad = [v for v in flat if not isinstance(v, (str, bytes))]
        if bad:
            raise ValueError(f"{what} '{key}' has string values but the feature holds {type(bad[0]).__name__} "
                             f"values (e.g. {bad[0]!r}); convert them to strings or use an integer column")
        return np.array([v.decode("utf-8") if isinstance(v, bytes) else v for v in flat], dtype=str).reshape(array.shape)
    raise ValueError(f"{what} '{key}' has string values but the feature has dtype {array.dtype}; "
                     f"give strings, or declare the column with an integer dtype")


def as_ints(array: np.ndarray, key: str, what: str) -> np.ndarray:
    """`array` as int64; floats must hold whole numbers, text is refused."""
    if array.dtype.kind in "iub":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ValueError(f"{what} '{key}' contains NaN or an infinite value (first at row "
                             f"{_first_bad(~np.isfinite(array))}); fill or drop missing values before training")
        if (array != np.round(array)).any():
            raise ValueError(f"{what} '{key}' needs integer values, got non-integer numbers of dtype {array.dtype}")
        return array.astype(np.int64)
    if array.dtype.kind == "O":
        try:
            return as_ints(np.array(array.tolist(), dtype=np.float64), key, what)
        except (TypeError, ValueError):
            pass
    raise ValueError(f"{what} '{key}' needs integer values, got dtype {array.dtype}; "
                     f"for string values use a string (vocabulary or hash) column")


def as_2d(array: np.ndarray) -> np.ndarray:
    """Categorical values as [batch, k] (a rank-1 feature has one value per row)."""
    if array.ndim == 1:
        return array[:, None]
    return array.reshape(len(array), -1)
