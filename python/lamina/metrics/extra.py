"""More of Keras' metrics: the loss-function means (hinge family, KL divergence, Poisson, ...),
F1/F-beta, R2, Pearson and concordance correlation, the IoU family, and precision/recall or
sensitivity/specificity at a fixed value of the other. The per-batch arithmetic runs as engine
ops; the small accumulated states (counts per class or threshold) live in numpy, as in
confusion.py."""

from __future__ import annotations

import warnings

import numpy as np

from lamina import losses, ops
from lamina.config import epsilon
from lamina.losses.loss import match_ranks
from lamina.metrics.confusion import _ConfusionMetric
from lamina.metrics.metric import MeanMetricWrapper, Metric, _t


def _np(x) -> np.ndarray:
    return np.asarray(x)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r between y_true and y_pred along `axis`."""
    y_pred = _t(y_pred)
    y_true, y_pred = match_ranks(ops.cast(_t(y_true), y_pred.dtype), y_pred)
    t = ops.subtract(y_true, ops.mean(y_true, axis=axis, keepdims=True))
    p = ops.subtract(y_pred, ops.mean(y_pred, axis=axis, keepdims=True))
    t = ops.divide(t, ops.std(t, axis=axis, keepdims=True))
    p = ops.divide(p, ops.std(p, axis=axis, keepdims=True))
    return ops.mean(ops.multiply(t, p), axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along `axis`, computed as Keras 3 computes it (its
    covariance term centres y_true on y_pred's mean)."""
    y_pred = _t(y_pred)
    y_true, y_pred = match_ranks(ops.cast(_t(y_true), y_pred.dtype), y_pred)
    t_mean = ops.mean(y_true, axis=axis, keepdims=True)
    p_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    t_var = ops.var(ops.subtract(y_true, t_mean), axis=axis, keepdims=True)
    p_var = ops.var(ops.subtract(y_pred, p_mean), axis=axis, keepdims=True)
    covar = ops.multiply(ops.subtract(y_true, p_mean), ops.subtract(y_pred, p_mean))
    norm = ops.add(ops.add(t_var, p_var), ops.square(ops.subtract(t_mean, p_mean)))
    return ops.mean(ops.divide(ops.multiply(covar, 2.0), ops.add(norm, epsilon())), axis=axis)


def _mean_wrapper(cls_name, fn, default_name, config_has_args=True, **defaults):
    def get_config(self):
        # Keras leaves `axis` out of some of these configs; lamina writes the same keys.
        return MeanMetricWrapper.get_config(self) if config_has_args else {"name": self.name, "dtype": self.dtype}

    def __init__(self, name=default_name, dtype=None, **kwargs):
        params = {**defaults, **{k: v for k, v in kwargs.items() if k in defaults}}
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{cls_name}: unexpected keyword arguments {sorted(unknown)}")
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **params)

    return type(cls_name, (MeanMetricWrapper,), {"__init__": __init__, "get_config": get_config, "__doc__": f"Keras' {cls_name}: the mean of `{fn.__name__}`."})


CategoricalHinge = _mean_wrapper("CategoricalHinge", losses.categorical_hinge, "categorical_hinge")
CosineSimilarity = _mean_wrapper("CosineSimilarity", lambda t, p, axis=-1: ops.negative(losses.cosine_similarity(t, p, axis)),
                                 "cosine_similarity", config_has_args=False, axis=-1)
Hinge = _mean_wrapper("Hinge", losses.hinge, "hinge")
SquaredHinge = _mean_wrapper("SquaredHinge", losses.squared_hinge, "squared_hinge")
KLDivergence = _mean_wrapper("KLDivergence", losses.kl_divergence, "kl_divergence")
LogCoshError = _mean_wrapper("LogCoshError", losses.log_cosh, "logcosh")
MeanAbsolutePercentageError = _mean_wrapper("MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
                                            "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _mean_wrapper("MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
                                            "mean_squared_logarithmic_error")
Poisson = _mean_wrapper("Poisson", losses.poisson, "poisson")
PearsonCorrelation = _mean_wrapper("PearsonCorrelation", pearson_correlation, "pearson_correlation", axis=-1)
ConcordanceCorrelation = _mean_wrapper("ConcordanceCorrelation", concordance_correlation, "concordance_correlation", axis=-1)


class FBetaScore(Metric):
    """F-beta score per class (or averaged: "micro", "macro", "weighted").

    Args:
        average: None (one score per class), "micro", "macro" or "weighted".
        beta: the weight of recall against precision (a float > 0).
        threshold: a prediction above it is positive; None marks each row's largest value.
        name: the metric's name.
        dtype: the metric's dtype.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"FBetaScore: average must be None, 'micro', 'macro' or 'weighted', got {average!r}")
        if not isinstance(beta, float) or beta <= 0:
            raise ValueError(f"FBetaScore: beta must be a Python float > 0, got {beta!r}")
        if threshold is not None and (not isinstance(threshold, float) or not 0 < threshold <= 1):
            raise ValueError(f"FBetaScore: threshold must be a Python float in (0, 1], got {threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.true_positives = self.false_positives = self.false_negatives = self.intermediate_weights = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(_t(y_true), "float32")
        y_pred = ops.cast(_t(y_pred), "float32")
        if len(y_pred.shape) != 2:
            raise ValueError(f"{type(self).__name__} expects predictions of shape (batch, classes), got {tuple(y_pred.shape)}")
        if self.threshold is None:
            top = ops.max(y_pred, axis=-1, keepdims=True)
            pred = ops.logical_and(ops.greater_equal(y_pred, top), ops.greater(ops.abs(y_pred), 1e-9))
        else:
            pred = ops.greater(y_pred, self.threshold)
        pred = ops.cast(pred, "float32")
        w = None if sample_weight is None else ops.expand_dims(ops.cast(_t(sample_weight), "float32"), 1)

        def total(v):
            return _np(ops.sum(v if w is None else ops.multiply(v, w), axis=self.axis)).astype(np.float64)

        self.true_positives = self.true_positives + total(ops.multiply(pred, y_true))
        self.false_positives = self.false_positives + total(ops.multiply(pred, ops.subtract(1.0, y_true)))
        self.false_negatives = self.false_negatives + total(ops.multiply(ops.subtract(1.0, pred), y_true))
        self.intermediate_weights = self.intermediate_weights + total(y_true)

    def result(self):
        eps = epsilon()
        tp = np.asarray(self.true_positives, dtype=np.float32)
        precision = tp / (tp + np.float32(self.false_positives) + eps)
        recall = tp / (tp + np.float32(self.false_negatives) + eps)
        b2 = self.beta ** 2
        score = (precision * recall) / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            weights = np.float32(self.intermediate_weights)
            return float(np.sum(score * weights / (np.sum(weights) + eps)))
        if self.average is not None:
            return float(np.mean(score))
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score (F-beta with beta = 1); see FBetaScore."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """Coefficient of determination, per output and aggregated.

    Args:
        class_aggregation: "uniform_average", "variance_weighted_average" or None (per output).
        num_regressors: for the adjusted R2 (0: plain R2).
        name: the metric's name.
        dtype: the metric's dtype.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError(f"R2Score: invalid class_aggregation {class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0, got {num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.sum = self.squared_sum = self.total_mse = self.count = 0.0
        self.num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(_t(y_pred), "float32")
        y_true, y_pred = match_ranks(ops.cast(_t(y_true), "float32"), y_pred)
        if len(y_true.shape) != 2:
            raise ValueError(f"R2Score expects inputs of shape (samples, outputs), got {tuple(y_true.shape)}")
        w = ops.ones_like(y_true) if sample_weight is None else ops.cast(_t(sample_weight), "float32")
        if len(w.shape) == 1:
            w = ops.expand_dims(w, 1)
        w = ops.broadcast_to(w, y_true.shape)
        wt = ops.multiply(y_true, w)
        self.sum = self.sum + _np(ops.sum(wt, axis=0))
        self.squared_sum = self.squared_sum + _np(ops.sum(ops.multiply(y_true, wt), axis=0))
        self.total_mse = self.total_mse + _np(ops.sum(ops.multiply(ops.square(ops.subtract(y_true, y_pred)), w), axis=0))
        self.count = self.count + _np(ops.sum(w, axis=0))
        self.num_samples += int(np.prod(y_true.shape))

    def result(self):
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = 1 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        p, n = self.num_regressors, self.num_samples
        if p:
            if p >= n - 1:
                warnings.warn("R2Score: too few samples for the adjusted R2; giving the plain R2", stacklevel=2)
            else:
                score = 1 - (1 - score) * (n - 1) / (n - p - 1)
        return float(score) if np.ndim(score) == 0 else score.astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation, "num_regressors": self.num_regressors}


class _IoUBase(Metric):
    """Accumulates a num_classes x num_classes confusion matrix (rows: true, columns: predicted)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        self.num_classes, self.ignore_class = num_classes, ignore_class
        self.sparse_y_true, self.sparse_y_pred, self.axis = sparse_y_true, sparse_y_pred, axis
        super().__init__(name=name, dtype=dtype or "int32")

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = _np(ops.argmax(_t(y_true), axis=self.axis) if not self.sparse_y_true else _t(y_true))
        p = _np(ops.argmax(_t(y_pred), axis=self.axis) if not self.sparse_y_pred else _t(y_pred))
        t, p = t.reshape(-1).astype(np.int64), p.reshape(-1).astype(np.int64)
        w = np.ones(t.shape) if sample_weight is None else np.broadcast_to(_np(_t(sample_weight)).reshape(-1), t.shape)
        if "int" in self.dtype:
            w = w.astype(np.int64)  # Keras casts the weights to the metric's (integer) dtype
        ok = (t >= 0) & (t < self.num_classes) & (p >= 0) & (p < self.num_classes)
        if self.ignore_class is not None:
            ok &= t != self.ignore_class
        np.add.at(self.total_cm, (t[ok], p[ok]), w[ok])

    def _iou(self, class_ids):
        cm = self.total_cm
        tp = np.diag(cm)[class_ids].astype(np.float32)
        denom = (cm.sum(0) + cm.sum(1) - np.diag(cm))[class_ids].astype(np.float32)
        valid = denom > 1e-9
        iou = np.where(valid, tp / (denom + epsilon()), 0.0)
        return float(np.sum(iou) / (np.sum(valid) + epsilon()))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class IoU(_IoUBase):
    """Intersection over union averaged over `target_class_ids`, from a confusion matrix."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"IoU: target class id {max(target_class_ids)} is out of range [0, {num_classes})")
        self.target_class_ids = list(target_class_ids)
        super().__init__(num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis)

    def result(self):
        return self._iou(self.target_class_ids)

    def get_config(self):
        return {**super().get_config(), "target_class_ids": self.target_class_ids}


class MeanIoU(_IoUBase):
    """Intersection over union averaged over all classes."""

    def result(self):
        return self._iou(list(range(self.num_classes)))


class BinaryIoU(IoU):
    """IoU of binary predictions thresholded at `threshold` (>=), over `target_class_ids`."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        self.threshold = threshold
        super().__init__(2, target_class_ids, name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        pred = ops.cast(ops.greater_equal(ops.cast(_t(y_pred), "float32"), self.threshold), "int32")
        super().update_state(ops.cast(_t(y_true), "int32"), pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "target_class_ids": self.target_class_ids, "threshold": self.threshold}


class OneHotIoU(IoU):
    """IoU with one-hot targets (and one-hot or score predictions)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """Mean IoU with one-hot targets (and one-hot or score predictions)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class _AtFixedValue(_ConfusionMetric):
    """Counts at `num_thresholds` evenly spaced thresholds in [0, 1]; the result is the best
    `dependent` among thresholds where `constrained` >= value."""

    _value_name = ""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if not 0 <= value <= 1:
            raise ValueError(f"{type(self).__name__}: {self._value_name} must be in [0, 1], got {value}")
        if num_thresholds <= 0:
            raise ValueError(f"{type(self).__name__}: num_thresholds must be > 0, got {num_thresholds}")
        setattr(self, self._value_name, value)
        self.value, self.num_thresholds = value, num_thresholds
        thresholds = [0.5] if num_thresholds == 1 else \
            [0.0] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0]
        super().__init__(thresholds, class_id=class_id, name=name, dtype=dtype)

    def _rates(self):
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        with np.errstate(divide="ignore", invalid="ignore"):
            def ratio(a, b):
                return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)

            return {"recall": ratio(tp, tp + fn), "precision": ratio(tp, tp + fp), "specificity": ratio(tn, tn + fp)}

    def result(self):
        rates = self._rates()
        constrained, dependent = rates[self._constrained], rates[self._dependent]
        feasible = constrained >= self.value
        return float(np.max(np.where(feasible, dependent, 0.0), initial=0.0))

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "class_id": self.class_id,
                self._value_name: self.value}


class PrecisionAtRecall(_AtFixedValue):
    """The best precision among thresholds whose recall is at least `recall`."""

    _value_name, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtFixedValue):
    """The best recall among thresholds whose precision is at least `precision`."""

    _value_name, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


class SensitivityAtSpecificity(_AtFixedValue):
    """The best sensitivity (recall) among thresholds whose specificity is at least `specificity`."""

    _value_name, _constrained, _dependent = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtFixedValue):
    """The best specificity among thresholds whose sensitivity (recall) is at least `sensitivity`."""

    _value_name, _constrained, _dependent = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


# Keras' metric functions (per-sample values), as keras.metrics exports them.
from lamina.losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,  # noqa: E402,F401
                           categorical_focal_crossentropy, categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                           mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                           mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge)

__all__ = [
    "BinaryIoU", "CategoricalHinge", "ConcordanceCorrelation", "CosineSimilarity", "F1Score", "FBetaScore", "Hinge", "IoU",
    "KLDivergence", "LogCoshError", "MeanAbsolutePercentageError", "MeanIoU", "MeanSquaredLogarithmicError", "OneHotIoU",
    "OneHotMeanIoU", "PearsonCorrelation", "Poisson", "PrecisionAtRecall", "R2Score", "RecallAtPrecision",
    "SensitivityAtSpecificity", "SpecificityAtSensitivity", "SquaredHinge", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge",
    "concordance_correlation", "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error", "pearson_correlation",
    "poisson", "sparse_categorical_crossentropy", "squared_hinge",
]
