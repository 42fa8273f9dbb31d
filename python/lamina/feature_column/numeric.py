"""numeric_column and bucketized_column."""

from __future__ import annotations

import numpy as np

from lamina.feature_column._inputs import FeatureBatch, SparseIds, as_float
from lamina.feature_column.base import CategoricalColumn, DenseColumn, check_key


def _shape_tuple(shape, what: str) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"{what}: shape must be an int or a tuple of ints, got {shape!r}") from None
    if not shape or any(d < 1 for d in shape):
        raise ValueError(f"{what}: shape dimensions must be positive integers, got {shape}")
    return shape


class NumericColumn(DenseColumn):
    """Real-valued input; see `numeric_column`."""

    _fields = ("key", "shape", "default_value", "dtype", "normalizer_fn")

    def __init__(self, key, shape, default_value, dtype, normalizer_fn):
        self.key, self.shape, self.default_value, self.dtype, self.normalizer_fn = key, shape, default_value, dtype, normalizer_fn

    @property
    def name(self) -> str:
        return self.key

    @property
    def variable_shape(self) -> tuple:
        return self.shape

    def numeric_values(self, batch: FeatureBatch) -> np.ndarray:
        """float32 [batch, *shape], normalized."""
        cached = batch.cache.get(self)
        if cached is not None:
            return cached
        raw = batch.raw(self.key, self.name)
        values = as_float(raw, self.key, "Feature")
        n = len(values)
        want = int(np.prod(self.shape))
        if values.size != n * want:
            raise ValueError(f"numeric_column '{self.key}' has shape {self.shape}, so each example needs {want} value(s); "
                             f"the feature has shape {raw.shape}")
        values = values.reshape((n,) + self.shape)
        if self.normalizer_fn is not None:
            values = np.asarray(self.normalizer_fn(values), dtype=np.float32).reshape((n,) + self.shape)
            if not np.isfinite(values).all():
                raise ValueError(f"normalizer_fn of numeric_column '{self.key}' produced NaN or infinite values")
        batch.cache[self] = values
        return values

    def dense_values(self, batch: FeatureBatch) -> np.ndarray:
        values = self.numeric_values(batch)
        return values.reshape(len(values), -1)


def numeric_column(key, shape=(1,), default_value=None, dtype="float32", normalizer_fn=None) -> NumericColumn:
    """Real-valued data.

    Args:
        key: the feature's key in the features dict (also the column's name).
        shape: the shape of one example's value (default (1,): a scalar per example).
        default_value: one value per element of `shape` (or a single value for all), used by
            parsing specs; a missing feature is still an error.
        dtype: a float or integer dtype (values are fed to the model as float32).
        normalizer_fn: optional function applied to the batch's values (a [batch, *shape]
            float32 array), e.g. `lambda x: (x - mean) / std`.
    """
    key = check_key(key, "numeric_column")
    shape = _shape_tuple(shape, f"numeric_column '{key}'")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn!r}")
    dtype_name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if np.dtype(dtype_name).kind not in "iuf":
        raise ValueError(f"dtype must be convertible to float. dtype: {dtype!r}, key: {key}")
    if default_value is not None:
        array = np.asarray(default_value, dtype=np.float64)
        if array.ndim == 0:
            default_value = tuple([float(array)] * int(np.prod(shape))) if int(np.prod(shape)) > 1 else float(array)
        elif array.size != int(np.prod(shape)):
            raise ValueError(f"The shape of default_value must be equal to given shape. default_value: {default_value}, "
                             f"shape: {shape}, key: {key}")
        else:
            default_value = tuple(array.reshape(-1).tolist())
    return NumericColumn(key, shape, default_value, dtype_name, normalizer_fn)


class BucketizedColumn(DenseColumn, CategoricalColumn):
    """A numeric column cut into ranges; see `bucketized_column`."""

    _fields = ("source_column", "boundaries")

    def __init__(self, source_column, boundaries):
        self.source_column, self.boundaries = source_column, boundaries

    @property
    def name(self) -> str:
        return f"{self.source_column.name}_bucketized"

    @property
    def parents(self) -> list:
        return [self.source_column]

    @property
    def _buckets_per_value(self) -> int:
        return len(self.boundaries) + 1

    @property
    def num_buckets(self) -> int:
        return self._buckets_per_value * int(np.prod(self.source_column.shape))

    @property
    def variable_shape(self) -> tuple:
        return tuple(self.source_column.shape) + (self._buckets_per_value,)

    def _bucket_of(self, batch: FeatureBatch) -> np.ndarray:
        values = self.source_column.numeric_values(batch)
        # Bucket i is [boundaries[i-1], boundaries[i]): a value equal to a boundary goes up.
        return np.searchsorted(np.asarray(self.boundaries, np.float32), values.reshape(len(values), -1), side="right")

    def _compute_ids(self, batch: FeatureBatch) -> SparseIds:
        buckets = self._bucket_of(batch)
        # Element j of a multi-dimensional source has its own range of ids, as in TensorFlow.
        offsets = np.arange(buckets.shape[1], dtype=np.int64) * self._buckets_per_value
        return SparseIds(buckets.astype(np.int64) + offsets)

    def dense_values(self, batch: FeatureBatch) -> np.ndarray:
        ids = self.sparse_ids(batch).ids
        out = np.zeros((ids.shape[0], self.num_buckets), dtype=np.float32)
        np.put_along_axis(out, ids, 1.0, axis=1)
        return out


def bucketized_column(source_column, boundaries) -> BucketizedColumn:
    """Discretizes a numeric column: `len(boundaries) + 1` buckets, (-inf, b0), [b0, b1), ...,
    [b_last, +inf). Dense models see a one-hot vector per value; linear models learn one weight
    per bucket.

    Args:
        source_column: a `numeric_column`.
        boundaries: a sorted list of floats.
    """
    if not isinstance(source_column, NumericColumn):
        raise ValueError(f"source_column must be a column generated with numeric_column(). Given: {source_column!r}")
    if isinstance(boundaries, (str, bytes)) or not hasattr(boundaries, "__iter__"):
        raise ValueError(f"boundaries must be a sorted list. Given: {boundaries!r}")
    boundaries = tuple(float(b) for b in boundaries)
    if not boundaries:
        raise ValueError("boundaries must not be empty.")
    if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
        raise ValueError(f"boundaries must be a sorted list (strictly increasing). Given: {list(boundaries)}")
    return BucketizedColumn(source_column, boundaries)
