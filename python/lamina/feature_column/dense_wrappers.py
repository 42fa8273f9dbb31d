"""indicator_column and embedding_column: categorical columns made dense for DNN models."""

from __future__ import annotations

import math

import numpy as np

from lamina.feature_column._inputs import FeatureBatch, SparseIds
from lamina.feature_column.base import CategoricalColumn, DenseColumn, multi_hot

COMBINERS = ("mean", "sqrtn", "sum")


class IndicatorColumn(DenseColumn):
    """See `indicator_column`."""

    _fields = ("categorical_column",)

    def __init__(self, categorical_column):
        self.categorical_column = categorical_column

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_indicator"

    @property
    def parents(self) -> list:
        return [self.categorical_column]

    @property
    def variable_shape(self) -> tuple:
        return (self.categorical_column.num_buckets,)

    def dense_values(self, batch: FeatureBatch) -> np.ndarray:
        return multi_hot(self.categorical_column.sparse_ids(batch), self.categorical_column.num_buckets)


def indicator_column(categorical_column) -> IndicatorColumn:
    """A multi-hot vector of `num_buckets` values per example: the count of each id (the sum
    of its weights for a weighted column)."""
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError(f"Unsupported input type. Input must be a CategoricalColumn. Given: {categorical_column!r}")
    return IndicatorColumn(categorical_column)


class EmbeddingColumn(DenseColumn):
    """See `embedding_column`. Its table is a weight of the model, looked up in the engine."""

    trainable_input = True
    _fields = ("categorical_column", "dimension", "combiner", "initializer", "ckpt_to_load_from",
               "tensor_name_in_ckpt", "max_norm", "trainable", "use_safe_embedding_lookup")

    def __init__(self, categorical_column, dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt,
                 max_norm, trainable, use_safe_embedding_lookup):
        self.categorical_column, self.dimension, self.combiner = categorical_column, dimension, combiner
        self.initializer, self.ckpt_to_load_from, self.tensor_name_in_ckpt = initializer, ckpt_to_load_from, tensor_name_in_ckpt
        self.max_norm, self.trainable, self.use_safe_embedding_lookup = max_norm, trainable, use_safe_embedding_lookup

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_embedding"

    @property
    def parents(self) -> list:
        return [self.categorical_column]

    @property
    def table_name(self) -> str:
        """The name of its table (shared embeddings share one)."""
        return self.name

    @property
    def variable_shape(self) -> tuple:
        return (self.dimension,)

    def make_initializer(self, seed=None):
        from lamina import initializers

        if self.initializer is not None:
            return self.initializer
        return initializers.TruncatedNormal(mean=0.0, stddev=1.0 / math.sqrt(self.dimension), seed=seed)

    def lookup_inputs(self, batch: FeatureBatch) -> tuple:
        """(ids, weights or None) ready for the engine: the weights fold in the combiner, so
        the embedding is `sum_k table[ids[:, k]] * weights[:, k]`; ids is [batch] when every
        example has exactly one id (then the lookup is the whole computation)."""
        return combined_lookup(self.categorical_column.sparse_ids(batch), self.combiner)


def combined_lookup(sparse: SparseIds, combiner: str) -> tuple:
    """Folds `combiner` into per-entry weights: 'sum' keeps them, 'mean' divides by their sum,
    'sqrtn' by the root of their sum of squares; rows without ids get all-zero weights."""
    ids, weights = sparse.ids, sparse.weights
    if weights is None and ids.shape[1] == 1:
        return ids[:, 0], None
    if weights is None:
        weights = np.ones(ids.shape, np.float32)
    if combiner == "mean":
        total = weights.sum(axis=1, keepdims=True)
    elif combiner == "sqrtn":
        total = np.sqrt((weights * weights).sum(axis=1, keepdims=True))
    else:
        return ids, weights
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(total > 0, weights / np.where(total > 0, total, 1.0), 0.0)
    return ids, scaled.astype(np.float32)


def embedding_column(categorical_column, dimension, combiner="mean", initializer=None, ckpt_to_load_from=None,
                     tensor_name_in_ckpt=None, max_norm=None, trainable=True, use_safe_embedding_lookup=True) -> EmbeddingColumn:
    """A dense vector of `dimension` values per example, learned per id.

    Args:
        categorical_column: the ids to embed.
        dimension: the embedding size.
        combiner: how several ids of one example combine: "mean" (default), "sqrtn" or "sum".
        initializer: the table's initializer; default a truncated normal with mean 0 and
            standard deviation 1/sqrt(dimension).
        ckpt_to_load_from, tensor_name_in_ckpt: a checkpoint (file or model_dir) and the name
            of the table in it to start from.
        max_norm: if given, each looked-up vector is scaled down to at most this L2 norm.
        trainable: whether training updates the table.
    """
    if dimension is None or int(dimension) < 1:
        raise ValueError(f"Invalid dimension {dimension}.")
    if (ckpt_to_load_from is None) != (tensor_name_in_ckpt is None):
        raise ValueError("Must specify both `ckpt_to_load_from` and `tensor_name_in_ckpt` or none of them.")
    if initializer is not None and not callable(initializer):
        raise ValueError(f"initializer must be callable if specified. Embedding of column_name: {categorical_column.name}")
    if combiner not in COMBINERS:
        raise ValueError(f"combiner must be one of {COMBINERS}, got {combiner!r}")
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError(f"embedding_column needs a categorical column. Given: {categorical_column!r}")
    return EmbeddingColumn(categorical_column, int(dimension), combiner, initializer, ckpt_to_load_from,
                           tensor_name_in_ckpt, None if max_norm is None else float(max_norm), bool(trainable),
                           bool(use_safe_embedding_lookup))


class SharedEmbeddingColumn(EmbeddingColumn):
    """See `shared_embeddings`: an embedding whose table is the one of its collection."""

    _fields = EmbeddingColumn._fields + ("shared_name",)

    def __init__(self, categorical_column, dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt,
                 max_norm, trainable, use_safe_embedding_lookup, shared_name):
        super().__init__(categorical_column, dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt,
                         max_norm, trainable, use_safe_embedding_lookup)
        self.shared_name = shared_name

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_shared_embedding"

    @property
    def table_name(self) -> str:
        return self.shared_name


def shared_embeddings(categorical_columns, dimension, combiner="mean", initializer=None,
                      shared_embedding_collection_name=None, ckpt_to_load_from=None, tensor_name_in_ckpt=None,
                      max_norm=None, trainable=True, use_safe_embedding_lookup=True) -> list:
    """Embeddings of several categorical columns that look up one shared table (e.g. a
    query and a document column over the same vocabulary).

    Args:
        categorical_columns: columns with the same number of buckets.
        dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt, max_norm,
            trainable: as for embedding_column (one table for all).
        shared_embedding_collection_name: the table's name (default the column names joined
            with '_', then '_shared_embedding').

    Returns:
        One dense column per categorical column, in their order.
    """
    columns = list(categorical_columns)
    if not columns:
        raise ValueError("shared_embeddings needs at least one categorical column")
    first = embedding_column(columns[0], dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt,
                             max_norm, trainable, use_safe_embedding_lookup)
    for c in columns:
        if not isinstance(c, CategoricalColumn):
            raise ValueError(f"All categorical_columns must be subclasses of CategoricalColumn. Given: {c!r}")
        if c.num_buckets != columns[0].num_buckets:
            raise ValueError(f"To use shared_embedding_column, all categorical_columns must have the same number of "
                             f"buckets. Given column: {c!r} with buckets: {c.num_buckets} does not match column: "
                             f"{columns[0]!r} with buckets: {columns[0].num_buckets}")
    name = shared_embedding_collection_name or "_".join(sorted(c.name for c in columns)) + "_shared_embedding"
    return [SharedEmbeddingColumn(c, first.dimension, first.combiner, first.initializer, first.ckpt_to_load_from,
                                  first.tensor_name_in_ckpt, first.max_norm, first.trainable,
                                  first.use_safe_embedding_lookup, name) for c in columns]
