"""The canned models as lamina layers, and the input plan that feeds them.

An `InputPlan` turns a batch of raw features into the named numpy arrays one part of the model
(dnn or linear) reads: one float block for the weight-free dense columns, and (ids, weights)
for each column that looks up weights (embedding tables, the linear model's per-id weights).
The layers then do every numeric step in the engine.
"""

from __future__ import annotations

import numpy as np

from lamina import _core, activations, initializers, layers, ops
from lamina.feature_column.base import CategoricalColumn, DenseColumn, FeatureColumn
from lamina.feature_column.dense_wrappers import COMBINERS, EmbeddingColumn, combined_lookup
from lamina.feature_column.numeric import BucketizedColumn
from lamina.layers.layer import Layer


def check_columns(feature_columns, what: str) -> list:
    if feature_columns is None:
        return []
    if isinstance(feature_columns, FeatureColumn):
        feature_columns = [feature_columns]
    if isinstance(feature_columns, dict):
        raise ValueError(f"Expected {what} to be iterable, found dict.")
    columns = list(feature_columns)
    for c in columns:
        if not isinstance(c, FeatureColumn):
            raise ValueError(f"Items of {what} must be a FeatureColumn. Given (type {type(c).__name__}): {c!r}.")
    names = {}
    for c in columns:
        if c.name in names and names[c.name] != c:
            raise ValueError(f"Duplicate feature column name found for columns: {names[c.name]!r} and {c!r}. "
                             f"This usually means that these columns refer to same base feature. Either one must be "
                             f"discarded or a duplicated but renamed item must be inserted in features dict.")
        names[c.name] = c
    return sorted(set(columns), key=lambda c: c.name)


class InputPlan:
    """How the raw features become one model part's inputs.

    Args:
        columns: the part's feature columns.
        prefix: "dnn" or "linear" (the keys of the prepared arrays start with it).
        linear: whether the part is a linear model (categorical columns go in directly, with
            `sparse_combiner`) or a DNN (only dense columns).
    """

    def __init__(self, columns, prefix: str, linear: bool, sparse_combiner: str = "sum"):
        self.prefix = prefix
        self.linear = linear
        if sparse_combiner not in COMBINERS:
            raise ValueError(f"sparse_combiner must be one of {COMBINERS}, got {sparse_combiner!r}")
        self.sparse_combiner = sparse_combiner
        self.columns = columns
        self.dense, self.embeddings, self.categorical = [], [], []
        for c in columns:
            if linear and isinstance(c, (CategoricalColumn, BucketizedColumn)) and not isinstance(c, EmbeddingColumn):
                self.categorical.append(c)
            elif isinstance(c, EmbeddingColumn):
                self.embeddings.append(c)
            elif isinstance(c, DenseColumn):
                self.dense.append(c)
            elif linear:
                raise ValueError(f"Items of feature_columns must be either a DenseColumn or CategoricalColumn. Given: {c!r}")
            else:
                raise ValueError(f"Items of feature_columns must be a DenseColumn. You can wrap a categorical column "
                                 f"with an embedding_column or indicator_column. Given: {c!r}")
        self.dense_width = sum(c.dense_width for c in self.dense)

    @property
    def width(self) -> int:
        """Width of the dense input (weight-free columns, then the embeddings)."""
        return self.dense_width + sum(c.dimension for c in self.embeddings)

    def key(self, *parts) -> str:
        return "/".join((self.prefix,) + parts)

    def prepare(self, batch) -> dict:
        out = {}
        if self.dense:
            blocks = [c.dense_values(batch) for c in self.dense]
            out[self.key("dense")] = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
        for c in self.embeddings:
            ids, weights = c.lookup_inputs(batch)
            out[self.key(c.name, "ids")] = ids
            if weights is not None:
                out[self.key(c.name, "weights")] = weights
        for c in self.categorical:
            ids, weights = combined_lookup(c.sparse_ids(batch), self.sparse_combiner)
            out[self.key(c.name, "ids")] = ids
            if weights is not None:
                out[self.key(c.name, "weights")] = weights
        return out


def _weighted_lookup(table, ids, weights):
    """sum_k table[ids[:, k]] * weights[:, k] (or table[ids] for one id per example)."""
    rows = ops.take(table, ids, axis=0)
    if weights is None:
        return rows
    return ops.sum(ops.multiply(rows, ops.expand_dims(weights, -1)), axis=1)


def _clip_rows(rows, max_norm):
    norms = ops.sqrt(ops.sum(ops.square(rows), axis=-1, keepdims=True))
    return ops.multiply(rows, ops.minimum(1.0, ops.divide(max_norm, ops.maximum(norms, 1e-12))))


class FeatureInput(Layer):
    """The dense input of a part: the weight-free block, then each embedding (in the engine)."""

    def __init__(self, plan: InputPlan, scope: str, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.plan = plan
        self._tables = []
        self.named = {}
        for i, c in enumerate(plan.embeddings):
            key = f"{scope}/{c.table_name}/embedding_weights"
            table = self.named.get(key)  # shared embeddings: the table of the first column of the collection
            if table is None:
                table = self.add_weight(shape=(c.categorical_column.num_buckets, c.dimension),
                                        initializer=c.make_initializer(None if seed is None else seed + 101 + i),
                                        trainable=c.trainable, name="embedding_weights")
            self._tables.append(table)
            self.named[key] = table
        self.built = True

    def call(self, inputs):
        plan = self.plan
        parts = []
        if plan.dense:
            parts.append(inputs[plan.key("dense")])
        for c, table in zip(plan.embeddings, self._tables):
            ids = inputs[plan.key(c.name, "ids")]
            weights = inputs.get(plan.key(c.name, "weights"))
            if c.max_norm is None:
                parts.append(_weighted_lookup(table, ids, weights))
                continue
            rows = _clip_rows(ops.take(table, ids, axis=0), c.max_norm)
            parts.append(rows if weights is None else ops.sum(ops.multiply(rows, ops.expand_dims(weights, -1)), axis=1))
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=1)


class LinearLogits(Layer):
    """A linear model: per-column weights (one row per id for categorical columns) and a bias."""

    def __init__(self, plan: InputPlan, units: int, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.plan = plan
        self.units = units
        scope = "linear/linear_model"
        self.features = FeatureInput(plan, scope, seed=seed)
        self.named = dict(self.features.named)
        self._kernels = []
        for c in plan.dense + plan.embeddings:
            width = c.dimension if isinstance(c, EmbeddingColumn) else c.dense_width
            kernel = self.add_weight(shape=(width, units), initializer="zeros", name="weights")
            self._kernels.append(kernel)
            self.named[f"{scope}/{c.name}/weights"] = kernel
        self._tables = []
        for c in plan.categorical:
            table = self.add_weight(shape=(c.num_buckets, units), initializer="zeros", name="weights")
            self._tables.append(table)
            self.named[f"{scope}/{c.name}/weights"] = table
        self.bias = self.add_weight(shape=(units,), initializer="zeros", name="bias_weights")
        self.named[f"{scope}/bias_weights"] = self.bias
        self.built = True

    def call(self, inputs):
        plan = self.plan
        logits = None
        if self._kernels:
            kernel = self._kernels[0] if len(self._kernels) == 1 else ops.concatenate(self._kernels, axis=0)
            logits = ops.matmul(self.features.call(inputs), kernel)
        for c, table in zip(plan.categorical, self._tables):
            term = _weighted_lookup(table, inputs[plan.key(c.name, "ids")], inputs.get(plan.key(c.name, "weights")))
            logits = term if logits is None else ops.add(logits, term)
        if logits is None:
            return ops.broadcast_to(self.bias, (_batch_size(inputs), self.units))
        return ops.add(logits, self.bias)


def _batch_size(inputs: dict) -> int:
    return int(next(iter(inputs.values())).shape[0])


class DNNLogits(Layer):
    """Hidden Dense layers (each optionally followed by dropout and batch normalization) and a
    linear logits layer, as TensorFlow's DNN estimators build them."""

    def __init__(self, plan: InputPlan, units: int, hidden_units, activation_fn, dropout, batch_norm, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.plan = plan
        self.features = FeatureInput(plan, "dnn/input_from_feature_columns/input_layer", seed=seed)
        self.named = dict(self.features.named)
        hidden, dropouts, norms = [], [], []
        width = plan.width
        activation = activations.get(activation_fn) if isinstance(activation_fn, str) else activation_fn
        for i, n in enumerate(hidden_units):
            dense = layers.Dense(int(n), activation=activation,
                                 kernel_initializer=initializers.GlorotUniform(seed=None if seed is None else seed + i))
            dense.build((None, width))
            self.named[f"dnn/hiddenlayer_{i}/kernel"] = dense.kernel
            self.named[f"dnn/hiddenlayer_{i}/bias"] = dense.bias
            hidden.append(dense)
            dropouts.append(layers.Dropout(dropout, seed=None if seed is None else seed + 50 + i) if dropout else None)
            if batch_norm:
                norm = layers.BatchNormalization(momentum=0.999)
                norm.build((None, int(n)))
                for w in ("gamma", "beta", "moving_mean", "moving_variance"):
                    self.named[f"dnn/hiddenlayer_{i}/batchnorm_{i}/{w}"] = getattr(norm, w)
                norms.append(norm)
            else:
                norms.append(None)
            width = int(n)
        # Assigned once complete: a Layer tracks the sublayers of a list when it is assigned.
        self.hidden, self.dropouts, self.norms = hidden, dropouts, norms
        self.logits = layers.Dense(units, kernel_initializer=initializers.GlorotUniform(
            seed=None if seed is None else seed + 99))
        self.logits.build((None, width))
        self.named["dnn/logits/kernel"] = self.logits.kernel
        self.named["dnn/logits/bias"] = self.logits.bias
        self.built = True

    def call(self, inputs, training=False):
        # The sublayers are built and get engine tensors: their call() runs directly, without
        # Layer.__call__'s per-call checks (symbolic inputs, conversion, masks).
        net = self.features.call(inputs)
        for dense, dropout, norm in zip(self.hidden, self.dropouts, self.norms):
            net = dense.call(net)
            if dropout is not None and training:
                net = dropout.call(net, training=True)
            if norm is not None:
                net = norm.call(net, training=training)
        return self.logits.call(net)


class BaselineLogits(Layer):
    """Logits that ignore the features: one learned bias (the prior of the labels)."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.bias = self.add_weight(shape=(units,), initializer="zeros", name="bias")
        self.named = {"baseline/bias": self.bias}
        self.built = True

    def call(self, inputs):
        return ops.broadcast_to(self.bias, (_batch_size(inputs), self.units))


class CannedNetwork(Layer):
    """The whole model: the sum of the logits of its parts (linear, dnn, or both), from a dict
    of engine tensors (the prepared inputs)."""

    def __init__(self, parts: dict, **kwargs):
        super().__init__(**kwargs)
        self.parts = parts  # part name -> layer
        for name, part in parts.items():
            setattr(self, f"part_{name}", part)
        self.named = {}
        for part in parts.values():
            self.named.update(part.named)
        self.built = True

    def call(self, inputs, training=False):
        logits = None
        for part in self.parts.values():
            out = part.call(inputs, training=training) if isinstance(part, DNNLogits) else part.call(inputs)
            logits = out if logits is None else ops.add(logits, out)
        return logits

    def part_variables(self, name: str) -> list:
        """The trainable variables of a part, in the order of their names."""
        return [v for v in self.parts[name].named.values() if v.trainable]


def tensors(prepared: dict) -> dict:
    return {k: _core.convert_to_tensor(v) for k, v in prepared.items()}
