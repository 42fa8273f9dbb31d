"""Sequence feature columns and `SequenceFeatures`, the input of RNN models in a model_fn
(tf.feature_column.sequence_* and tf.keras.experimental.SequenceFeatures).

A sequence feature is, per example, a list of values of any length: a list of lists (or of
arrays), or a 2-D array when every example has the same length (TF takes a SparseTensor).
`SequenceFeatures(columns)(features)` returns `(sequence_input, sequence_length)`: a
[batch, max length, total width] tensor, zero past each example's end, and the lengths.
"""

from __future__ import annotations

import numpy as np

from lamina import _core, ops
from lamina.feature_column import categorical
from lamina.feature_column._inputs import FeatureBatch
from lamina.feature_column.base import CategoricalColumn, FeatureColumn
from lamina.feature_column.dense_wrappers import EmbeddingColumn, IndicatorColumn
from lamina.layers.layer import Layer


class SequenceNumericColumn(FeatureColumn):
    """See `sequence_numeric_column`."""

    _fields = ("key", "shape", "default_value", "dtype", "normalizer_fn")

    def __init__(self, key, shape, default_value, dtype, normalizer_fn):
        self.key, self.shape, self.default_value = key, shape, default_value
        self.dtype, self.normalizer_fn = dtype, normalizer_fn

    @property
    def name(self) -> str:
        return self.key

    @property
    def width(self) -> int:
        return int(np.prod(self.shape))


class SequenceCategoricalColumn(CategoricalColumn):
    """A categorical column applied at every step of a sequence; it feeds SequenceFeatures
    through embedding_column or indicator_column."""

    _fields = ("categorical_column",)

    def __init__(self, categorical_column):
        self.categorical_column = categorical_column

    @property
    def name(self) -> str:
        return self.categorical_column.name

    @property
    def key(self) -> str:
        return self.categorical_column.key

    @property
    def num_buckets(self) -> int:
        return self.categorical_column.num_buckets

    @property
    def parents(self) -> list:
        return [self.categorical_column]

    def sparse_ids(self, batch):
        raise ValueError(f"Sequence column '{self.name}' feeds SequenceFeatures (the input of an RNN), not the canned "
                         f"estimators or DenseFeatures")


def sequence_numeric_column(key, shape=(1,), default_value=0.0, dtype="float32", normalizer_fn=None):
    """A sequence of numbers (or of `shape` arrays) per example.

    Args:
        key: the feature key.
        shape: the shape of each step's value (default (1,)).
        default_value: the value of padded steps.
        dtype: float dtype.
        normalizer_fn: applied to the values (a numpy function of the padded array).
    """
    shape = (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)
    if not shape or any(d < 1 for d in shape):
        raise ValueError(f"shape dimensions must be greater than 0. Given: {shape}")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    return SequenceNumericColumn(key, shape, float(default_value), str(dtype), normalizer_fn)


def sequence_categorical_column_with_identity(key, num_buckets, default_value=None):
    """Integer ids in [0, num_buckets) at each step (see categorical_column_with_identity)."""
    return SequenceCategoricalColumn(categorical.categorical_column_with_identity(key, num_buckets, default_value))


def sequence_categorical_column_with_hash_bucket(key, hash_bucket_size, dtype="string"):
    """Hashed strings or integers at each step (see categorical_column_with_hash_bucket)."""
    return SequenceCategoricalColumn(categorical.categorical_column_with_hash_bucket(key, hash_bucket_size, dtype))


def sequence_categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1,
                                                     num_oov_buckets=0):
    """Vocabulary tokens at each step (see categorical_column_with_vocabulary_list)."""
    return SequenceCategoricalColumn(categorical.categorical_column_with_vocabulary_list(
        key, vocabulary_list, dtype=dtype, default_value=default_value, num_oov_buckets=num_oov_buckets))


def sequence_categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None, num_oov_buckets=0,
                                                     default_value=None, dtype="string"):
    """Vocabulary-file tokens at each step (see categorical_column_with_vocabulary_file)."""
    return SequenceCategoricalColumn(categorical.categorical_column_with_vocabulary_file(
        key, vocabulary_file, vocabulary_size=vocabulary_size, dtype=dtype, default_value=default_value,
        num_oov_buckets=num_oov_buckets))


def _sequences(features, key: str) -> list:
    if key not in features:
        raise ValueError(f"SequenceFeatures: the features have no '{key}' (they have {sorted(features)})")
    raw = features[key]
    if isinstance(raw, (_core.Tensor, np.ndarray)) and np.asarray(raw).dtype != object:
        array = np.asarray(raw)
        if array.ndim < 2:
            raise ValueError(f"Sequence feature '{key}' needs one sequence per example ([batch, steps, ...] or a list of "
                             f"lists); got shape {array.shape}")
        return list(array)
    return [np.asarray(s) for s in raw]


class SequenceFeatures(Layer):
    """The sequence input of an RNN from sequence columns (TF's SequenceFeatures).

    Args:
        feature_columns: sequence_numeric_column's, and embedding_column/indicator_column of
            sequence_categorical_column_*'s. They are concatenated in the order of their names.
        trainable: whether the embedding tables are trained.

    Call args:
        features: the dict of raw features.

    Returns:
        (sequence_input [batch, max length, width], sequence_length [batch] int64 array).
    """

    def __init__(self, feature_columns, trainable: bool = True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        columns = list(feature_columns)
        for c in columns:
            inner = getattr(c, "categorical_column", None)
            if isinstance(c, SequenceNumericColumn):
                continue
            if isinstance(c, (EmbeddingColumn, IndicatorColumn)) and isinstance(inner, SequenceCategoricalColumn):
                continue
            raise ValueError(f"All feature_columns must be sequence dense columns (sequence_numeric_column, or an "
                             f"embedding/indicator column of a sequence_categorical_column_*). Given: {c!r}")
        self.columns = sorted(columns, key=lambda c: c.name)
        self._tables = {}
        # The tables' shapes come from the columns, not the inputs (a dict of ragged values).
        for c in self.columns:
            if isinstance(c, EmbeddingColumn) and c.table_name not in self._tables:
                self._tables[c.table_name] = self.add_weight(
                    shape=(c.categorical_column.num_buckets, c.dimension), initializer=c.make_initializer(),
                    trainable=c.trainable, name=f"{c.table_name}/embedding_weights")
        self.built = True

    def __call__(self, features, training=None):
        # Raw features (strings, ragged lists) are not tensors: no input conversion or shape build.
        return self.call(features, training)

    def call(self, features, training=None):
        blocks, lengths = [], None
        for c in self.columns:
            key = c.key if isinstance(c, SequenceNumericColumn) else c.categorical_column.key
            sequences = _sequences(features, key)
            these = np.array([len(s) for s in sequences], np.int64)
            if lengths is not None and not np.array_equal(lengths, these):
                raise ValueError(f"SequenceFeatures: column '{c.name}' has sequence lengths {these.tolist()[:8]} but an "
                                 f"earlier column has {lengths.tolist()[:8]}; all must match")
            lengths = these
            blocks.append(self._block(c, sequences, these))
        return ops.concatenate(blocks, axis=-1) if len(blocks) > 1 else blocks[0], lengths

    def _block(self, column, sequences, lengths):
        steps = int(lengths.max()) if len(lengths) else 0
        mask = (np.arange(steps)[None, :] < lengths[:, None]).astype(np.float32)
        if isinstance(column, SequenceNumericColumn):
            out = np.full((len(sequences), steps, column.width), column.default_value, np.float32)
            for i, s in enumerate(sequences):
                out[i, :len(s)] = np.asarray(s, np.float32).reshape(len(s), column.width)
            if column.normalizer_fn is not None:
                out = np.asarray(column.normalizer_fn(out), np.float32)
            return _core.convert_to_tensor(out)
        inner = column.categorical_column.categorical_column
        flat = np.concatenate([np.asarray(s).reshape(-1) for s in sequences]) if steps else np.zeros(0)
        sparse = inner.sparse_ids(FeatureBatch({inner.key: flat}))
        ids = np.zeros((len(sequences), steps), np.int64)
        present = mask.copy()
        ids[mask.astype(bool)] = sparse.ids[:, 0]
        present[mask.astype(bool)] *= sparse.present[:, 0]
        present_t = ops.expand_dims(_core.convert_to_tensor(present), -1)
        if isinstance(column, EmbeddingColumn):
            rows = ops.take(self._tables[column.table_name], _core.convert_to_tensor(ids), axis=0)
            return ops.multiply(rows, present_t)
        return ops.multiply(ops.one_hot(_core.convert_to_tensor(ids), inner.num_buckets), present_t)
