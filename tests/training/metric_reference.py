"""Per-sample numpy references for every metric in `lamina.metrics`, and the data each one is
checked on.

Each reference takes the whole data set at once, `y` (labels as given to fit), `p` (the
model's outputs), `w` (per-sample weights or None) and `mask` (per-timestep mask of the
outputs or None), and computes the metric the way Keras 3 defines it: one value per sample
(per timestep under a mask), then their weighted mean; or, for the confusion-matrix metrics,
weighted counts over every sample. Nothing here knows about batches, so a metric that averages
per batch instead of per sample disagrees with it whenever the last batch is short.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-7
THRESHOLD = 0.5


def _col(a):
    """Labels or outputs as (n, d): 1-D labels (n,) and outputs (n, 1) line up sample by sample."""
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(len(a), -1) if a.ndim <= 2 else a.reshape(a.shape[:-1] + (-1,))


def _weights(shape, w, mask):
    """Weights of the per-sample (or per-timestep) values of `shape`."""
    weights = np.ones(shape)
    if w is not None:
        weights = weights * np.asarray(w, dtype=np.float64).reshape((len(w),) + (1,) * (len(shape) - 1))
    if mask is not None:
        weights = weights * np.asarray(mask, dtype=np.float64).reshape(shape)
    return weights


def weighted_mean(values, w=None, mask=None):
    values = np.asarray(values, dtype=np.float64)
    weights = _weights(values.shape, w, mask)
    return float(np.sum(values * weights) / np.sum(weights))


def _labels(y):
    return np.asarray(y).reshape(len(y)).astype(np.int64)


# ---- mean metrics: one value per sample (per timestep under a mask) ------------------------

def accuracy(y, p, w=None, mask=None):
    return weighted_mean(np.mean(_col(y) == _col(p), axis=-1), w, mask)


def binary_accuracy(y, p, w=None, mask=None):
    return weighted_mean(np.mean(_col(y) == (_col(p) > THRESHOLD), axis=-1), w, mask)


def categorical_accuracy(y, p, w=None, mask=None):
    return weighted_mean(np.argmax(y, -1) == np.argmax(p, -1), w, mask)


def sparse_categorical_accuracy(y, p, w=None, mask=None):
    return weighted_mean(_labels(y) == np.argmax(p, -1), w, mask)


def _in_top_k(labels, p, k):
    target = np.take_along_axis(p, labels[:, None], axis=-1)
    return np.sum(p > target, axis=-1) < k


def top_k_categorical_accuracy(y, p, w=None, mask=None, k=2):
    return weighted_mean(_in_top_k(np.argmax(y, -1), p, k), w, mask)


def sparse_top_k_categorical_accuracy(y, p, w=None, mask=None, k=2):
    return weighted_mean(_in_top_k(_labels(y), p, k), w, mask)


def mean_squared_error(y, p, w=None, mask=None):
    return weighted_mean(np.mean((_col(y) - _col(p)) ** 2, axis=-1), w, mask)


def mean_absolute_error(y, p, w=None, mask=None):
    return weighted_mean(np.mean(np.abs(_col(y) - _col(p)), axis=-1), w, mask)


def mean_absolute_percentage_error(y, p, w=None, mask=None):
    y, p = _col(y), _col(p)
    return weighted_mean(100.0 * np.mean(np.abs(y - p) / np.maximum(np.abs(y), EPSILON), axis=-1), w, mask)


def root_mean_squared_error(y, p, w=None, mask=None):
    # Keras' RMSE is a Mean of squared errors, not a wrapped function: it ignores masks.
    return float(np.sqrt(mean_squared_error(y, p, w)))


def binary_crossentropy(y, p, w=None, mask=None):
    y, p = _col(y), np.clip(_col(p), EPSILON, 1 - EPSILON)
    return weighted_mean(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=-1), w, mask)


def categorical_crossentropy(y, p, w=None, mask=None):
    p = np.asarray(p, dtype=np.float64)
    p = np.clip(p / np.sum(p, axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
    return weighted_mean(-np.sum(np.asarray(y) * np.log(p), axis=-1), w, mask)


def sparse_categorical_crossentropy(y, p, w=None, mask=None):
    p = np.clip(np.asarray(p, dtype=np.float64), EPSILON, 1 - EPSILON)
    return weighted_mean(-np.log(np.take_along_axis(p, _labels(y)[:, None], axis=-1)[:, 0]), w, mask)


# ---- confusion-matrix metrics: weighted counts over all samples (masks do not apply) -------

def confusion_counts(y, p, w=None, thresholds=(THRESHOLD,)):
    """Weighted (tp, fp, tn, fn) at each threshold; a prediction is positive when above it."""
    y, p = _col(y).ravel() != 0, _col(p).ravel()
    weights = np.ones_like(p) if w is None else np.repeat(np.asarray(w, dtype=np.float64), len(p) // len(w))
    above = p[None, :] > np.asarray(thresholds, dtype=np.float64)[:, None]
    tp = np.sum(above * y * weights, axis=1)
    fp = np.sum(above * ~y * weights, axis=1)
    return tp, fp, np.sum(~y * weights) - fp, np.sum(y * weights) - tp


def _count(i):
    return lambda y, p, w=None, mask=None: float(confusion_counts(y, p, w)[i][0])


true_positives, false_positives, true_negatives, false_negatives = (_count(i) for i in range(4))


def precision(y, p, w=None, mask=None):
    tp, fp, _, _ = confusion_counts(y, p, w)
    return float(tp[0] / (tp[0] + fp[0]))


def recall(y, p, w=None, mask=None):
    tp, _, _, fn = confusion_counts(y, p, w)
    return float(tp[0] / (tp[0] + fn[0]))


def auc(y, p, w=None, mask=None, num_thresholds=200):
    """ROC AUC as Keras approximates it: trapezoids between evenly spaced thresholds."""
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    tp, fp, tn, fn = confusion_counts(y, p, w, [-EPSILON] + inner + [1 + EPSILON])
    tpr, fpr = tp / (tp + fn), fp / (fp + tn)
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


# ---- data --------------------------------------------------------------------------------

def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def make_data(kind: str, n: int, rng, label_rank: int = 1):
    """(y, p) of one kind: "binary" (0/1 labels, probabilities (n, 1)), "classes" (class ids
    against predicted ids (n, 1)), "categorical" (one-hot (n, 3) against probabilities),
    "sparse" (class ids against probabilities (n, 3)), "regression" (values, outputs (n, 1)),
    "regression2" (two targets per sample). `label_rank` 1 gives labels (n,), 2 gives (n, 1)."""
    if kind == "binary":
        y, p = (rng.random(n) > 0.5).astype("float32"), rng.random((n, 1)).astype("float32")
    elif kind == "classes":
        y = rng.integers(0, 3, n).astype("float32")
        p = np.where(rng.random(n) > 0.4, y, (y + 1) % 3)[:, None].astype("float32")
    elif kind == "categorical":
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
        return y, softmax(rng.normal(size=(n, 3))).astype("float32")
    elif kind == "sparse":
        y, p = rng.integers(0, 3, n), softmax(rng.normal(size=(n, 3))).astype("float32")
    elif kind == "regression":
        y, p = rng.normal(size=n).astype("float32"), rng.normal(size=(n, 1)).astype("float32")
    elif kind == "regression2":
        return rng.normal(size=(n, 2)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")
    else:
        raise ValueError(kind)
    return (y if label_rank == 1 else y[:, None]), p


# Every metric class of lamina.metrics: (constructor kwargs, data kinds, numpy reference).
# Keras' classes of the same names take the same kwargs.
METRICS = {
    "Accuracy": ({}, ["classes"], accuracy),
    "BinaryAccuracy": ({}, ["binary"], binary_accuracy),
    "CategoricalAccuracy": ({}, ["categorical"], categorical_accuracy),
    "SparseCategoricalAccuracy": ({}, ["sparse"], sparse_categorical_accuracy),
    "TopKCategoricalAccuracy": ({"k": 2}, ["categorical"], top_k_categorical_accuracy),
    "SparseTopKCategoricalAccuracy": ({"k": 2}, ["sparse"], sparse_top_k_categorical_accuracy),
    "MeanSquaredError": ({}, ["regression", "regression2", "binary"], mean_squared_error),
    "MeanAbsoluteError": ({}, ["regression", "regression2", "binary"], mean_absolute_error),
    "MeanAbsolutePercentageError": ({}, ["regression", "regression2"], mean_absolute_percentage_error),
    "RootMeanSquaredError": ({}, ["regression", "regression2"], root_mean_squared_error),
    "BinaryCrossentropy": ({}, ["binary"], binary_crossentropy),
    "CategoricalCrossentropy": ({}, ["categorical"], categorical_crossentropy),
    "SparseCategoricalCrossentropy": ({}, ["sparse"], sparse_categorical_crossentropy),
    "AUC": ({}, ["binary"], auc),
    "Precision": ({}, ["binary"], precision),
    "Recall": ({}, ["binary"], recall),
    "TruePositives": ({}, ["binary"], true_positives),
    "FalsePositives": ({}, ["binary"], false_positives),
    "TrueNegatives": ({}, ["binary"], true_negatives),
    "FalseNegatives": ({}, ["binary"], false_negatives),
}

# Metrics that Keras computes through MeanMetricWrapper, so a mask on the outputs applies.
MASKED = {"Accuracy", "BinaryAccuracy", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
          "BinaryCrossentropy"}
