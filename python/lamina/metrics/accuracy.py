"""Accuracy metrics (per-sample 0/1 values averaged) and the regression error metrics."""

from __future__ import annotations

import math

from lamina import ops
from lamina.metrics.metric import Mean, MeanMetricWrapper, _t


def accuracy(y_true, y_pred):
    return ops.cast(ops.equal(y_true, ops.cast(y_pred, y_true.dtype)), "float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    pred = ops.cast(ops.greater(y_pred, threshold), "float32")
    return ops.mean(ops.cast(ops.equal(ops.cast(y_true, "float32"), pred), "float32"), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return ops.cast(ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)), "float32")


def sparse_categorical_accuracy(y_true, y_pred):
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return ops.cast(ops.equal(ops.cast(y_true, "int32"), ops.cast(ops.argmax(y_pred, axis=-1), "int32")), "float32")


def _in_top_k(labels, y_pred, k):
    # A label is in the top k when fewer than k classes score strictly higher than it.
    target = ops.take_along_axis(y_pred, ops.expand_dims(ops.cast(labels, "int32"), -1), axis=-1)
    higher = ops.sum(ops.cast(ops.greater(y_pred, target), "int32"), axis=-1)
    return ops.cast(ops.less(higher, k), "float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return _in_top_k(ops.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return _in_top_k(y_true, y_pred, k)


class Accuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


def _mse(y_true, y_pred):
    return ops.mean(ops.square(ops.subtract(y_pred, ops.cast(y_true, y_pred.dtype))), axis=-1)


def _mae(y_true, y_pred):
    return ops.mean(ops.abs(ops.subtract(y_pred, ops.cast(y_true, y_pred.dtype))), axis=-1)


class MeanSquaredError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(_mse, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(_mae, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of 100 * |y_true - y_pred| / max(|y_true|, epsilon) over the last axis, per sample."""

    _direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        from lamina.losses.losses import mean_absolute_percentage_error

        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the mean squared error over every element seen."""

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        from lamina.losses.loss import match_ranks

        y_true, y_pred = match_ranks(_t(y_true), _t(y_pred))
        super().update_state(ops.square(ops.subtract(y_pred, ops.cast(y_true, y_pred.dtype))), sample_weight)

    def result(self):
        return math.sqrt(super().result())


# Labels of these metrics are class ids, one rank below the predictions: no rank matching.
sparse_categorical_accuracy._sparse_labels = True
sparse_top_k_categorical_accuracy._sparse_labels = True
