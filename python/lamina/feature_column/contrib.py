"""The older names of TensorFlow's contrib API (tf.contrib.layers), mapped onto the columns
of this package. Their per-column `combiner` is kept on the column for reference; linear
models combine several ids of one example with the estimator's `sparse_combiner`."""

from __future__ import annotations

import numpy as np

from lamina.feature_column import categorical, dense_wrappers, numeric
from lamina.feature_column._inputs import as_2d, as_ints
from lamina.feature_column.base import CategoricalColumn, check_key


def real_valued_column(column_name, dimension=1, default_value=None, dtype="float32", normalizer=None):
    """contrib name of `numeric_column(column_name, shape=(dimension,), ...)`."""
    return numeric.numeric_column(column_name, shape=(int(dimension),), default_value=default_value, dtype=dtype,
                                  normalizer_fn=normalizer)


class IntegerizedCategoricalColumn(CategoricalColumn):
    """Integer ids taken modulo `bucket_size`; see `sparse_column_with_integerized_feature`."""

    _fields = ("key", "bucket_size", "combiner", "dtype")

    def __init__(self, key, bucket_size, combiner, dtype):
        self.key, self.bucket_size, self.combiner, self.dtype = key, bucket_size, combiner, dtype

    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return self.bucket_size

    def _compute_ids(self, batch):
        values = as_ints(as_2d(batch.raw(self.key, self.name)), self.key, f"Categorical column '{self.name}' (feature")
        present = values != -1
        return categorical._sparse(np.mod(values, self.bucket_size), present)


def sparse_column_with_integerized_feature(column_name, bucket_size, combiner="sum", dtype="int64"):
    """Integer features used as ids modulo `bucket_size` (contrib)."""
    column_name = check_key(column_name, "sparse_column_with_integerized_feature")
    if int(bucket_size) < 1:
        raise ValueError(f"bucket_size must be at least 1. bucket_size: {bucket_size}, column_name: {column_name}")
    if np.dtype(dtype).kind not in "iu":
        raise ValueError(f"dtype must be an integer. dtype: {dtype!r}, column_name: {column_name}")
    return IntegerizedCategoricalColumn(column_name, int(bucket_size), combiner, np.dtype(dtype).name)


def sparse_column_with_keys(column_name, keys, default_value=-1, combiner="sum", dtype="string"):
    """contrib name of `categorical_column_with_vocabulary_list(column_name, keys, ...)`."""
    return categorical.categorical_column_with_vocabulary_list(column_name, keys, dtype=dtype, default_value=default_value)


def sparse_column_with_hash_bucket(column_name, hash_bucket_size, combiner="sum", dtype="string"):
    """contrib name of `categorical_column_with_hash_bucket`."""
    return categorical.categorical_column_with_hash_bucket(column_name, hash_bucket_size, dtype=dtype)


def one_hot_column(sparse_id_column):
    """contrib name of `indicator_column`."""
    return dense_wrappers.indicator_column(sparse_id_column)
