"""Confusion-matrix metrics (TruePositives ... AUC, Precision, Recall) and the probabilistic
metrics (cross-entropies as metrics), computed as Keras computes them.

Per batch, the work is engine ops: predictions compared against every threshold at once
(a (thresholds, samples) boolean tensor), then one matmul with the per-sample weights of the
positive and negative labels gives the weighted true/false positive counts at every threshold.
Only the accumulators, one small float64 array per count (one entry per threshold, or
thresholds x labels for multi-label AUC), live in numpy.
"""

from __future__ import annotations

import numpy as np

from lamina import ops
from lamina.metrics.metric import MeanMetricWrapper, Metric, _t

# What Keras puts in place of the predictions outside the top k (below any threshold).
NEG_INF = -1e10
_EPSILON = 1e-7


def _parse_thresholds(thresholds, default):
    """A list of floats in [0, 1] (Keras: a float, a list/tuple, or None for the default)."""
    if thresholds is None:
        return [float(default)]
    values = [float(thresholds)] if np.isscalar(thresholds) else [float(t) for t in thresholds]
    if not values:
        raise ValueError("Thresholds must be a non-empty list of floats in [0, 1]. Received: thresholds=[]")
    for t in values:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
    return values


def _filter_top_k(y_pred, k: int):
    """Keeps each row's k largest predictions (ties: the lower index first, as top_k orders
    them) and sets the others to NEG_INF.

    An element's rank is the number of elements of its row that are larger, plus the number of
    equal ones before it: one (..., C, C) comparison, cheap for the class counts metrics see."""
    n = y_pred.shape[-1]
    mine = ops.expand_dims(y_pred, -1)  # (..., C, 1): the element being ranked
    others = ops.expand_dims(y_pred, -2)  # (..., 1, C): what it is compared with
    earlier = _t(np.tril(np.ones((n, n), dtype=np.float32), k=-1))  # [i, j] = 1 where j < i
    greater = ops.cast(ops.greater(others, mine), "float32")
    tied_before = ops.multiply(ops.cast(ops.equal(others, mine), "float32"), earlier)
    rank = ops.sum(ops.add(greater, tied_before), axis=-1)
    return ops.where(ops.less(rank, float(k)), y_pred, ops.full_like(y_pred, NEG_INF))


def _as_float(x):
    x = _t(x)
    return x if x.dtype in ("float32", "float64") else ops.cast(x, "float32")


def confusion_counts(y_true, y_pred, thresholds, top_k=None, class_id=None, sample_weight=None, multi_label=False,
                     label_weights=None):
    """Weighted (tp, fp, tn, fn) at each threshold as float64 numpy arrays: shape (t,), or
    (t, labels) with `multi_label=True`. A prediction counts as positive when it is strictly
    greater than the threshold; a label is positive when it is nonzero."""
    y_true, y_pred = _t(y_true), _as_float(y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        if y_true.size != y_pred.size:
            raise ValueError(
                f"y_true and y_pred must have the same number of elements: y_true has shape {tuple(y_true.shape)} "
                f"and y_pred has shape {tuple(y_pred.shape)}"
            )
        y_true = ops.reshape(y_true, y_pred.shape)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    weights = None
    if sample_weight is not None:
        w = ops.cast(_t(sample_weight), y_pred.dtype)
        while w.ndim > y_pred.ndim:
            w = ops.squeeze(w, -1)
        w = ops.reshape(w, tuple(w.shape) + (1,) * (y_pred.ndim - w.ndim))
        weights = ops.broadcast_to(w, y_pred.shape)
    if label_weights is not None and not multi_label:
        lw = ops.cast(_t(np.asarray(label_weights)), y_pred.dtype)
        weights = ops.broadcast_to(lw, y_pred.shape) if weights is None else ops.multiply(weights, lw)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
        if weights is not None:
            weights = weights[..., class_id]

    positive = ops.cast(ops.not_equal(y_true, 0), y_pred.dtype)
    negative = ops.subtract(1.0, positive)
    if weights is not None:
        positive, negative = ops.multiply(positive, weights), ops.multiply(negative, weights)
    thr = _t(np.asarray(thresholds, dtype=np.float32 if y_pred.dtype == "float32" else np.float64))

    if multi_label:
        if y_pred.ndim != 2:
            y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
            positive = ops.reshape(positive, y_pred.shape)
            negative = ops.reshape(negative, y_pred.shape)
        # (t, 1, 1) against (1, N, C): counts per threshold and label.
        above = ops.cast(ops.greater(ops.expand_dims(y_pred, 0), ops.reshape(thr, (-1, 1, 1))), y_pred.dtype)
        tp = ops.sum(ops.multiply(above, positive), axis=1)
        fp = ops.sum(ops.multiply(above, negative), axis=1)
        pos_total, neg_total = ops.sum(positive, axis=0), ops.sum(negative, axis=0)
    else:
        flat = ops.reshape(y_pred, (1, -1))
        above = ops.cast(ops.greater(flat, ops.reshape(thr, (-1, 1))), y_pred.dtype)
        # One matmul: (t, N) @ (N, 2) -> per threshold, the weight of positive and negative labels above it.
        both = ops.matmul(above, ops.stack([ops.reshape(positive, (-1,)), ops.reshape(negative, (-1,))], axis=1))
        both = np.asarray(both, dtype=np.float64)
        tp, fp = both[:, 0], both[:, 1]
        pos_total, neg_total = float(ops.sum(positive)), float(ops.sum(negative))
    tp, fp = np.asarray(tp, dtype=np.float64), np.asarray(fp, dtype=np.float64)
    pos_total, neg_total = np.asarray(pos_total, dtype=np.float64), np.asarray(neg_total, dtype=np.float64)
    return tp, fp, neg_total - fp, pos_total - tp


def _divide_no_nan(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=b != 0)
    return out


def _scalar_or_array(values):
    return float(values[0]) if values.shape == (1,) else values.astype(np.float64)


class _ConfusionMetric(Metric):
    """Accumulates the four counts at a list of thresholds."""

    def __init__(self, thresholds, top_k=None, class_id=None, name=None, dtype=None):
        self.thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        n = len(self.thresholds)
        self.true_positives = np.zeros(n)
        self.false_positives = np.zeros(n)
        self.true_negatives = np.zeros(n)
        self.false_negatives = np.zeros(n)

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, tn, fn = confusion_counts(y_true, y_pred, self.thresholds, top_k=self.top_k, class_id=self.class_id,
                                          sample_weight=sample_weight)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn


class _CountMetric(_ConfusionMetric):
    _field = ""

    def __init__(self, thresholds=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        super().__init__(_parse_thresholds(thresholds, 0.5), name=name, dtype=dtype)

    def result(self):
        return _scalar_or_array(getattr(self, self._field))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_CountMetric):
    """The (weighted) number of true positives: predictions above the threshold(s) with a positive label."""
    _field = "true_positives"
    _direction = "up"


class FalsePositives(_CountMetric):
    """The (weighted) number of false positives: predictions above the threshold(s) with a negative label."""
    _field = "false_positives"
    _direction = "down"


class TrueNegatives(_CountMetric):
    """The (weighted) number of true negatives: predictions at or below the threshold(s) with a negative label."""
    _field = "true_negatives"
    _direction = "up"


class FalseNegatives(_CountMetric):
    """The (weighted) number of false negatives: predictions at or below the threshold(s) with a positive label."""
    _field = "false_negatives"
    _direction = "down"


class Precision(_ConfusionMetric):
    """tp / (tp + fp), 0 when nothing was predicted positive.

    Args:
        thresholds: a float or list of floats in [0, 1]; a prediction above it counts as
            positive (default 0.5, or "any of the top k" with `top_k`). With several
            thresholds the result is an array, one value per threshold.
        top_k: only the k largest predictions of each sample can count as positive.
        class_id: compute the metric for this class (the last axis) only.
    """
    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        default = 0.5 if top_k is None else NEG_INF
        parsed = _parse_thresholds(thresholds, default) if thresholds is not None else [default]
        super().__init__(parsed, top_k=top_k, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return _scalar_or_array(_divide_no_nan(self.true_positives, self.true_positives + self.false_positives))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Recall(Precision):
    """tp / (tp + fn), 0 when there were no positive labels. Same arguments as Precision."""

    def result(self):
        return _scalar_or_array(_divide_no_nan(self.true_positives, self.true_positives + self.false_negatives))


_CURVES = {"roc": "ROC", "pr": "PR"}
_SUMMATIONS = {"interpolation": "interpolation", "majoring": "majoring", "minoring": "minoring"}


class AUC(Metric):
    """Approximates the area under the ROC or precision-recall curve with a Riemann sum over
    `num_thresholds` thresholds, as Keras does.

    Args:
        num_thresholds: number of thresholds (> 1), evenly spaced in [0, 1], with the first
            just below 0 and the last just above 1 (epsilon padding) so that every prediction
            falls inside.
        curve: "ROC" or "PR".
        summation_method: "interpolation" (trapezoids; for PR, Davis & Goadrich's
            interpolation), "minoring" or "majoring" (left/right Riemann sums).
        thresholds: explicit thresholds in [0, 1] instead of `num_thresholds` (the padded
            end points are added).
        multi_label: the last axis holds independent labels: one curve per label, averaged
            (weighted by `label_weights` when given). Otherwise everything is flattened into
            one curve.
        num_labels: the number of labels when `multi_label=True` (inferred from the first batch
            when None).
        label_weights: per-label weights (for the average with multi_label, for the counts
            without it).
        from_logits: the predictions are logits (a sigmoid is applied first).
    """
    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        key = str(curve).lower()
        if key not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC"]')
        self.curve = _CURVES[key]
        key = str(summation_method).lower()
        if key not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self.summation_method = _SUMMATIONS[key]
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = np.array([0.0 - _EPSILON] + inner + [1.0 + _EPSILON])
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype=np.float64)
        self.from_logits = from_logits
        super().__init__(name=name, dtype=dtype)

    @property
    def thresholds(self) -> list:
        return list(self._thresholds)

    def reset_state(self):
        shape = (self.num_thresholds, self.num_labels) if self.multi_label and self.num_labels else (self.num_thresholds,)
        self.true_positives = np.zeros(shape)
        self.false_positives = np.zeros(shape)
        self.true_negatives = np.zeros(shape)
        self.false_negatives = np.zeros(shape)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _as_float(y_pred)
        if self.from_logits:
            y_pred = ops.sigmoid(y_pred)
        if self.multi_label and y_pred.ndim < 2:
            raise ValueError(f"AUC(multi_label=True) expects predictions of shape (samples, labels), got {tuple(y_pred.shape)}")
        tp, fp, tn, fn = confusion_counts(y_true, y_pred, self._thresholds, sample_weight=sample_weight,
                                          multi_label=self.multi_label,
                                          label_weights=None if self.multi_label else self.label_weights)
        if self.multi_label and self.true_positives.ndim == 1:
            self.num_labels = tp.shape[1]
            self.reset_state()
        if self.true_positives.shape != tp.shape:
            raise ValueError(f"AUC: the number of labels changed from {self.true_positives.shape[1]} to {tp.shape[1]}")
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def _average(self, by_label):
        if not self.multi_label:
            return float(np.sum(by_label))
        by_label = np.sum(by_label, axis=0)
        if self.label_weights is None:
            return float(np.mean(by_label)) if by_label.size else 0.0
        return float(_divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights)))

    def interpolate_pr_auc(self) -> float:
        """PR AUC with Davis & Goadrich (2006) interpolation: precision varies along the segment
        between two thresholds as the ratio of two linear functions, integrated exactly."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        both_positive = np.logical_and(p[:-1] > 0, p[1:] > 0)
        safe_p_ratio = np.where(both_positive, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
        increments = _divide_no_nan(prec_slope * (dtp + intercept * np.log(safe_p_ratio)),
                                    np.maximum(tp[1:] + fn[1:], 0))
        return self._average(increments)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "from_logits": self.from_logits,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist()}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


# ------------------------------------------------------------------------------------------------
# probabilistic metrics: the mean over samples of a cross-entropy

def _losses():
    from lamina.losses import losses

    return losses


def _binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    return _losses().binary_crossentropy(y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing)


def _categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    return _losses().categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                              label_smoothing=label_smoothing, axis=axis)


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    return _losses().sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary cross-entropy between labels and predictions."""
    _direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(_binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy between one-hot labels and predictions."""
    _direction = "down"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy between integer labels and predictions."""
    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1):
        super().__init__(_sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits, axis=axis)
