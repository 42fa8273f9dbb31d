"""The kinds of feature column: dense ones give each example a float vector, categorical ones
give each example ids in [0, num_buckets)."""

from __future__ import annotations

import numpy as np

from lamina.feature_column._inputs import FeatureBatch, SparseIds


class FeatureColumn:
    """Base of every feature column. Columns are immutable values: equal when their
    arguments are equal, hashable, and picklable (unless given a lambda)."""

    _fields: tuple = ()

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def parents(self) -> list:
        """The columns this one is built on."""
        return []

    def _values(self) -> tuple:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + tuple(_hashable(v) for v in self._values()))

    def __setattr__(self, name, value):
        if name in self._fields and name in self.__dict__:
            raise AttributeError(f"{type(self).__name__} is immutable: cannot set '{name}'")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"


def _hashable(value):
    if isinstance(value, (list, np.ndarray)):
        return tuple(np.asarray(value).reshape(-1).tolist())
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


class DenseColumn(FeatureColumn):
    """A column giving each example a float vector of `dense_width` values."""

    trainable_input = False  # True for columns with weights of their own (embedding_column)

    @property
    def variable_shape(self) -> tuple:
        raise NotImplementedError

    @property
    def dense_width(self) -> int:
        return int(np.prod(self.variable_shape))

    def dense_values(self, batch: FeatureBatch) -> np.ndarray:
        """float32 [batch, dense_width] (columns without weights only)."""
        raise NotImplementedError


class CategoricalColumn(FeatureColumn):
    """A column giving each example zero or more ids in [0, num_buckets)."""

    @property
    def num_buckets(self) -> int:
        raise NotImplementedError

    def sparse_ids(self, batch: FeatureBatch) -> SparseIds:
        cached = batch.cache.get(self)
        if cached is None:
            cached = batch.cache[self] = self._compute_ids(batch)
        return cached

    def _compute_ids(self, batch: FeatureBatch) -> SparseIds:
        raise NotImplementedError


def check_key(key, what: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"{what}: key must be a non-empty string, got {key!r}")
    return key


def multi_hot(sparse: SparseIds, num_buckets: int) -> np.ndarray:
    """float32 [batch, num_buckets]: per example, the summed weights of each id (counts when
    unweighted), as indicator_column gives."""
    ids, weights = sparse.ids, sparse.weights
    out = np.zeros((ids.shape[0], num_buckets), dtype=np.float32)
    rows = np.broadcast_to(np.arange(ids.shape[0])[:, None], ids.shape)
    np.add.at(out, (rows.reshape(-1), ids.reshape(-1)), 1.0 if weights is None else weights.reshape(-1))
    return out
