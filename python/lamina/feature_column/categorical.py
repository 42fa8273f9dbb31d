"""The categorical columns: identity, vocabulary list/file, hash bucket, crossed, weighted.

Raw categorical features are [batch] (one value per example) or [batch, k] (up to k values;
'' for strings and -1 for integers mark an empty slot, as TensorFlow's dense-to-sparse
conversion does).
"""

from __future__ import annotations

import os

import numpy as np

from lamina.feature_column import _hashing
from lamina.feature_column._inputs import FeatureBatch, SparseIds, as_2d, as_float, as_ints, as_strings
from lamina.feature_column.base import CategoricalColumn, check_key
from lamina.feature_column.numeric import BucketizedColumn


def _is_string_dtype(dtype) -> bool:
    if dtype is None:
        return True
    if dtype in (str, bytes, "string", "str", "bytes", "object"):
        return True
    return np.dtype(dtype).kind in "USO"


def _dtype_name(dtype) -> str:
    return "string" if _is_string_dtype(dtype) else np.dtype(dtype).name


def _read(batch: FeatureBatch, key: str, column_name: str, string: bool):
    """(values [batch, k], present mask [batch, k])."""
    raw = as_2d(batch.raw(key, column_name))
    if string:
        values = as_strings(raw, key, f"Categorical column '{column_name}' (feature")
        return values, values != ""
    values = as_ints(raw, key, f"Categorical column '{column_name}' (feature")
    return values, values != -1


def _sparse(ids: np.ndarray, present: np.ndarray) -> SparseIds:
    if present.all():
        return SparseIds(ids.astype(np.int64, copy=False))
    return SparseIds(np.where(present, ids, 0).astype(np.int64), present.astype(np.float32))


def _first_row(mask: np.ndarray) -> int:
    return int(np.argwhere(mask.any(axis=1))[0, 0])


class IdentityCategoricalColumn(CategoricalColumn):
    """Integer ids used as they are; see `categorical_column_with_identity`."""

    _fields = ("key", "number_buckets", "default_value")

    def __init__(self, key, number_buckets, default_value):
        self.key, self.number_buckets, self.default_value = key, number_buckets, default_value

    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return self.number_buckets

    def _compute_ids(self, batch):
        values, present = _read(batch, self.key, self.name, string=False)
        outside = present & ((values < 0) | (values >= self.number_buckets))
        if outside.any():
            if self.default_value is None:
                bad = int(values[outside][0])
                raise ValueError(f"categorical_column_with_identity '{self.key}': value {bad} (row {_first_row(outside)}) "
                                 f"is outside [0, {self.number_buckets}) and the column has no default_value")
            values = np.where(outside, self.default_value, values)
        return _sparse(values, present)


def categorical_column_with_identity(key, num_buckets, default_value=None) -> IdentityCategoricalColumn:
    """Integer features used directly as ids in [0, num_buckets).

    Args:
        key: the feature's key. num_buckets: the number of ids.
        default_value: the id for values outside the range; None makes them an error.
    """
    key = check_key(key, "categorical_column_with_identity")
    if int(num_buckets) < 1:
        raise ValueError(f"num_buckets {num_buckets} < 1, column_name {key}")
    if default_value is not None and not 0 <= int(default_value) < int(num_buckets):
        raise ValueError(f"default_value {default_value} not in range [0, {num_buckets}), column_name {key}")
    return IdentityCategoricalColumn(key, int(num_buckets), None if default_value is None else int(default_value))


class _VocabularyColumn(CategoricalColumn):
    """Shared lookup of the vocabulary columns: index in the vocabulary; other values go to
    an out-of-vocabulary bucket by hash, or to default_value, or are an error."""

    def _vocabulary(self) -> tuple:
        raise NotImplementedError

    @property
    def num_buckets(self) -> int:
        return self.vocabulary_size + self.num_oov_buckets

    def _compute_ids(self, batch):
        string = _is_string_dtype(self.dtype)
        values, present = _read(batch, self.key, self.name, string=string)
        vocab = self._vocabulary()
        uniq, inverse = np.unique(values.reshape(-1), return_inverse=True)
        index = {v: i for i, v in enumerate(vocab)}
        uniq_ids = np.fromiter((index.get(v.item() if hasattr(v, "item") else v, -1) for v in uniq),
                               dtype=np.int64, count=len(uniq))
        ids = uniq_ids[inverse].reshape(values.shape)
        unknown = present & (ids < 0)
        if unknown.any():
            if self.num_oov_buckets > 0:
                oov = _hashing.bucket(_hashing.fingerprint(values[unknown]), self.num_oov_buckets)
                ids[unknown] = self.vocabulary_size + oov
            elif self.default_value is not None and self.default_value >= 0:
                ids[unknown] = self.default_value
            else:
                bad = values[unknown][0]
                raise ValueError(
                    f"Categorical column '{self.key}': value {bad.item() if hasattr(bad, 'item') else bad!r} "
                    f"(row {_first_row(unknown)}) is not in the vocabulary of {self.vocabulary_size} entries, and the "
                    f"column has no num_oov_buckets or default_value to put it in")
        return _sparse(ids, present)


class VocabularyListCategoricalColumn(_VocabularyColumn):
    """See `categorical_column_with_vocabulary_list`."""

    _fields = ("key", "vocabulary_list", "dtype", "default_value", "num_oov_buckets")

    def __init__(self, key, vocabulary_list, dtype, default_value, num_oov_buckets):
        self.key, self.vocabulary_list, self.dtype = key, vocabulary_list, dtype
        self.default_value, self.num_oov_buckets = default_value, num_oov_buckets

    @property
    def name(self) -> str:
        return self.key

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary_list)

    def _vocabulary(self) -> tuple:
        return self.vocabulary_list


def _check_oov(key, default_value, num_oov_buckets):
    if num_oov_buckets is None or int(num_oov_buckets) < 0:
        raise ValueError(f"Invalid num_oov_buckets {num_oov_buckets} in {key}.")
    if int(num_oov_buckets) > 0 and default_value is not None and default_value != -1:
        raise ValueError(f"Can't specify both num_oov_buckets and default_value in {key}.")


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1,
                                            num_oov_buckets=0) -> VocabularyListCategoricalColumn:
    """Strings or integers mapped to their index in `vocabulary_list`.

    Args:
        key: the feature's key.
        vocabulary_list: the known values (strings or integers, no duplicates).
        dtype: "string" or an integer dtype; default inferred from the list.
        default_value: the id of unknown values; the default -1 makes an unknown value an
            error (TensorFlow drops them silently) unless num_oov_buckets > 0.
        num_oov_buckets: unknown values are hashed into ids [len(vocabulary_list),
            len(vocabulary_list) + num_oov_buckets). Exclusive with default_value.
    """
    key = check_key(key, "categorical_column_with_vocabulary_list")
    if vocabulary_list is None or isinstance(vocabulary_list, (str, bytes)) or len(vocabulary_list) < 1:
        raise ValueError(f"vocabulary_list {vocabulary_list!r} must be non-empty, column_name: {key}")
    values = [v.decode("utf-8") if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v) for v in vocabulary_list]
    strings = all(isinstance(v, str) for v in values)
    ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)
    if not (strings or ints):
        raise ValueError(f"vocabulary_list of column '{key}' must hold only strings or only integers, got {values[:5]!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"Duplicate keys in vocabulary_list {values!r}, column_name: {key}")
    if dtype is None:
        dtype = "string" if strings else "int64"
    if _is_string_dtype(dtype) != strings:
        raise ValueError(f"dtype {dtype!r} of column '{key}' does not match the vocabulary list "
                         f"({'strings' if strings else 'integers'})")
    _check_oov(key, default_value, num_oov_buckets)
    if default_value is not None and default_value != -1 and not 0 <= int(default_value) < len(values):
        raise ValueError(f"default_value {default_value} of column '{key}' must be -1 or an index into the vocabulary")
    return VocabularyListCategoricalColumn(key, tuple(values), _dtype_name(dtype),
                                           -1 if default_value is None else int(default_value), int(num_oov_buckets))


class VocabularyFileCategoricalColumn(_VocabularyColumn):
    """See `categorical_column_with_vocabulary_file`."""

    _fields = ("key", "vocabulary_file", "vocabulary_size", "num_oov_buckets", "dtype", "default_value")

    def __init__(self, key, vocabulary_file, vocabulary_size, num_oov_buckets, dtype, default_value):
        self.key, self.vocabulary_file, self.vocabulary_size = key, vocabulary_file, vocabulary_size
        self.num_oov_buckets, self.dtype, self.default_value = num_oov_buckets, dtype, default_value

    @property
    def name(self) -> str:
        return self.key

    def _vocabulary(self) -> tuple:
        cached = self.__dict__.get("_loaded")
        if cached is None:
            cached = _read_vocabulary(self.vocabulary_file, self.vocabulary_size, self.dtype, self.key)
            object.__setattr__(self, "_loaded", cached)
        return cached

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_loaded", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)


def _read_vocabulary(path: str, size: int, dtype: str, key: str) -> tuple:
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\r\n") for line in f]
    if len(lines) < size:
        raise ValueError(f"vocabulary_file {path} of column '{key}' has {len(lines)} lines, fewer than "
                         f"vocabulary_size={size}")
    lines = lines[:size]
    if dtype != "string":
        try:
            return tuple(int(v) for v in lines)
        except ValueError:
            raise ValueError(f"vocabulary_file {path} of integer column '{key}' has a line that is not an integer") from None
    return tuple(lines)


def categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None, dtype="string",
                                            default_value=None, num_oov_buckets=0) -> VocabularyFileCategoricalColumn:
    """Like `categorical_column_with_vocabulary_list`, with the vocabulary read from a text file
    (one entry per line; the first `vocabulary_size` lines, all of them when None)."""
    key = check_key(key, "categorical_column_with_vocabulary_file")
    if not vocabulary_file:
        raise ValueError(f"Missing vocabulary_file in {key}.")
    if not os.path.exists(vocabulary_file):
        raise ValueError(f"vocabulary_file {vocabulary_file} of column '{key}' does not exist")
    if vocabulary_size is None:
        with open(vocabulary_file, encoding="utf-8") as f:
            vocabulary_size = sum(1 for _ in f)
    if int(vocabulary_size) < 1:
        raise ValueError(f"Invalid vocabulary_size in {key}.")
    _check_oov(key, default_value, num_oov_buckets)
    dtype = _dtype_name(dtype)
    column = VocabularyFileCategoricalColumn(key, os.fspath(vocabulary_file), int(vocabulary_size), int(num_oov_buckets),
                                             dtype, None if default_value is None else int(default_value))
    column._vocabulary()  # read now: a bad file is an error at definition, not mid-training
    return column


class HashedCategoricalColumn(CategoricalColumn):
    """See `categorical_column_with_hash_bucket`."""

    _fields = ("key", "hash_bucket_size", "dtype")

    def __init__(self, key, hash_bucket_size, dtype):
        self.key, self.hash_bucket_size, self.dtype = key, hash_bucket_size, dtype

    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return self.hash_bucket_size

    def _compute_ids(self, batch):
        values, present = _read(batch, self.key, self.name, string=self.dtype == "string")
        return _sparse(_hashing.bucket(_hashing.fingerprint(values), self.hash_bucket_size), present)


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype="string") -> HashedCategoricalColumn:
    """Strings (or integers, hashed as their decimal text) spread over `hash_bucket_size` ids by
    a stable fingerprint: a value lands in the same bucket on every run and machine."""
    key = check_key(key, "categorical_column_with_hash_bucket")
    if hash_bucket_size is None or int(hash_bucket_size) < 1:
        raise ValueError(f"hash_bucket_size must be at least 1. hash_bucket_size: {hash_bucket_size}, key: {key}")
    name = _dtype_name(dtype)
    if name != "string" and np.dtype(name).kind not in "iu":
        raise ValueError(f"dtype must be string or integer. dtype: {dtype!r}, column_name: {key}")
    return HashedCategoricalColumn(key, int(hash_bucket_size), name)


_DEFAULT_HASH_KEY = 0xDECAFCAFFE  # TensorFlow's default seed for crossed columns


class CrossedColumn(CategoricalColumn):
    """See `crossed_column`."""

    _fields = ("keys", "hash_bucket_size", "hash_key")

    def __init__(self, keys, hash_bucket_size, hash_key):
        self.keys, self.hash_bucket_size, self.hash_key = keys, hash_bucket_size, hash_key

    @property
    def name(self) -> str:
        return "_X_".join(sorted(k if isinstance(k, str) else k.name for k in self.keys))

    @property
    def parents(self) -> list:
        return [k for k in self.keys if not isinstance(k, str)]

    @property
    def num_buckets(self) -> int:
        return self.hash_bucket_size

    def _part(self, batch, key):
        """(fingerprints [batch, k], present [batch, k]) of one crossed input."""
        if isinstance(key, str):
            raw = as_2d(batch.raw(key, self.name))
            if raw.dtype.kind in "iub" or (raw.dtype.kind == "f" and (raw == np.round(raw)).all()):
                values = as_ints(raw, key, f"Crossed column '{self.name}' (feature")
                return _hashing.fingerprint(values), values != -1
            if raw.dtype.kind == "f":
                as_float(raw, key, f"Crossed column '{self.name}' (feature")
                raise ValueError(f"Crossed column '{self.name}': feature '{key}' holds non-integer numbers; cross a "
                                 f"bucketized_column of it instead")
            values = as_strings(raw, key, f"Crossed column '{self.name}' (feature")
            return _hashing.fingerprint(values), values != ""
        sparse = key.sparse_ids(batch)
        return _hashing.fingerprint(sparse.ids), sparse.present

    def _compute_ids(self, batch):
        hashes, present = None, None
        for key in self.keys:
            h, p = self._part(batch, key)
            if hashes is None:
                hashes = _hashing.combine(np.full(h.shape, self.hash_key, dtype=np.uint64), h)
                present = p
                continue
            # Every combination of the values so far with this input's values (cartesian product).
            n = len(h)
            hashes = _hashing.combine(hashes[:, :, None], h[:, None, :]).reshape(n, -1)
            present = (present[:, :, None] & p[:, None, :]).reshape(n, -1)
        return _sparse(_hashing.bucket(hashes, self.hash_bucket_size), present)


def crossed_column(keys, hash_bucket_size, hash_key=None) -> CrossedColumn:
    """Feature crosses: each combination of the inputs' values is hashed into
    `hash_bucket_size` ids.

    Args:
        keys: two or more feature keys (strings) or categorical columns (not hash bucket
            columns: cross their keys instead).
        hash_bucket_size: the number of ids.
        hash_key: optional seed of the hash (TensorFlow's default otherwise).
    """
    if not hash_bucket_size or int(hash_bucket_size) < 1:
        raise ValueError(f"hash_bucket_size must be > 1. hash_bucket_size: {hash_bucket_size}")
    if isinstance(keys, (str, bytes)) or not hasattr(keys, "__len__") or len(keys) < 2:
        raise ValueError(f"keys must be a list with length > 1. Given: {keys!r}")
    for key in keys:
        if isinstance(key, str):
            continue
        if isinstance(key, HashedCategoricalColumn):
            raise ValueError(f"categorical_column_with_hash_bucket is not supported for crossing. Hashing before "
                             f"crossing will increase probability of collision. Instead, use the feature name as a "
                             f"string. Given: {key!r}")
        if not isinstance(key, CategoricalColumn):
            raise ValueError(f"Unsupported key type. All keys must be either string, or categorical column except "
                             f"HashedCategoricalColumn. Given: {key!r}")
    return CrossedColumn(tuple(keys), int(hash_bucket_size), _DEFAULT_HASH_KEY if hash_key is None else int(hash_key))


class WeightedCategoricalColumn(CategoricalColumn):
    """See `weighted_categorical_column`."""

    _fields = ("categorical_column", "weight_feature_key", "dtype")

    def __init__(self, categorical_column, weight_feature_key, dtype):
        self.categorical_column, self.weight_feature_key, self.dtype = categorical_column, weight_feature_key, dtype

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_weighted_by_{self.weight_feature_key}"

    @property
    def parents(self) -> list:
        return [self.categorical_column]

    @property
    def num_buckets(self) -> int:
        return self.categorical_column.num_buckets

    def _compute_ids(self, batch):
        sparse = self.categorical_column.sparse_ids(batch)
        raw = batch.raw(self.weight_feature_key, self.name)
        weights = as_float(as_2d(raw), self.weight_feature_key, f"Weight feature of column '{self.name}' (feature")
        if weights.shape != sparse.ids.shape:
            raise ValueError(f"weighted_categorical_column '{self.name}': the weights ('{self.weight_feature_key}', "
                             f"shape {raw.shape}) must have the shape of the ids ({sparse.ids.shape})")
        return SparseIds(sparse.ids, np.where(sparse.present, weights, 0.0).astype(np.float32))


def weighted_categorical_column(categorical_column, weight_feature_key, dtype="float32") -> WeightedCategoricalColumn:
    """Gives each id of `categorical_column` a weight from feature `weight_feature_key` (same
    shape as the ids), e.g. term frequencies; linear models and embeddings use the weights."""
    if not isinstance(categorical_column, CategoricalColumn) or isinstance(categorical_column, BucketizedColumn):
        raise ValueError(f"categorical_column must be a categorical column. Given: {categorical_column!r}")
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"dtype {dtype!r} is not convertible to float.")
    weight_feature_key = check_key(weight_feature_key, "weighted_categorical_column")
    return WeightedCategoricalColumn(categorical_column, weight_feature_key, np.dtype(dtype).name)
