"""The heads beyond the canned estimators' own: MultiLabelHead, PoissonRegressionHead,
LogisticRegressionHead and MultiHead (tf.estimator's), with TensorFlow's prediction and metric
keys. Give them to DNNEstimator, LinearEstimator or DNNLinearCombinedEstimator."""

from __future__ import annotations

import math

import numpy as np

from lamina import metrics, ops
from lamina.estimators.heads import SUM, SUM_OVER_BATCH_SIZE, EvalMetrics, Head, RegressionHead, _ClassHead


class PoissonRegressionHead(RegressionHead):
    """Regression of counts: predictions exp(logits), loss the Poisson negative log likelihood
    (with Stirling's term for labels > 1 when compute_full_loss, as TF's log_poisson_loss)."""

    def __init__(self, label_dimension=1, weight_column=None, loss_reduction=SUM_OVER_BATCH_SIZE,
                 compute_full_loss=True, name=None):
        super().__init__(label_dimension, weight_column, loss_reduction, name=name)
        self.compute_full_loss = compute_full_loss

    def encode_labels(self, labels):
        array = super().encode_labels(labels)
        if (array < 0).any():
            raise ValueError(f"Labels of a PoissonRegressionHead must be >= 0, got {array.min()}")
        return array

    def unreduced_loss(self, logits, labels):
        loss = ops.subtract(ops.exp(logits), ops.multiply(labels, logits))
        if self.compute_full_loss:
            safe = ops.maximum(labels, 1.0)
            stirling = ops.add(ops.subtract(ops.multiply(safe, ops.log(safe)), safe),
                               ops.multiply(0.5, ops.log(ops.multiply(2.0 * math.pi, safe))))
            loss = ops.add(loss, ops.where(ops.greater(labels, 1.0), stirling, ops.zeros_like(labels)))
        return loss

    def predicted(self, logits):
        return ops.exp(logits)

    def predictions(self, logits):
        return {"predictions": np.asarray(ops.exp(logits)), "logits": np.asarray(logits)}


class LogisticRegressionHead(RegressionHead):
    """Regression of values in [0, 1]: predictions sigmoid(logits), loss sigmoid cross-entropy."""

    def __init__(self, weight_column=None, loss_reduction=SUM_OVER_BATCH_SIZE, name=None):
        super().__init__(1, weight_column, loss_reduction, name=name)

    def encode_labels(self, labels):
        array = super().encode_labels(labels)
        if ((array < 0) | (array > 1)).any():
            raise ValueError(f"Labels of a LogisticRegressionHead must be in [0, 1], got values in "
                             f"[{array.min()}, {array.max()}]")
        return array

    def unreduced_loss(self, logits, labels):
        return ops.binary_crossentropy(labels, logits, from_logits=True)

    def predicted(self, logits):
        return ops.sigmoid(logits)

    def predictions(self, logits):
        return {"predictions": np.asarray(ops.sigmoid(logits)), "logits": np.asarray(logits)}


class MultiLabelHead(_ClassHead):
    """Zero or more of `n_classes` labels per example: multi-hot labels [batch, n_classes],
    sigmoid cross-entropy averaged over the classes.

    Args:
        n_classes: number of labels (> 1).
        weight_column: a feature key with per-example weights.
        thresholds: probabilities at which accuracy/precision/recall are reported.
        label_vocabulary, loss_fn, classes_for_class_based_metrics: TF's; not supported.
        loss_reduction: 'sum_over_batch_size' (default) or 'sum'.
        name: the head's name (its suffix in a MultiHead).
    """

    def __init__(self, n_classes, weight_column=None, thresholds=None, label_vocabulary=None,
                 loss_reduction=SUM_OVER_BATCH_SIZE, loss_fn=None, classes_for_class_based_metrics=None, name=None):
        if n_classes is None or int(n_classes) < 2:
            raise ValueError(f"n_classes must be > 1 for multi-label classification. Given: {n_classes}")
        if label_vocabulary is not None or loss_fn is not None or classes_for_class_based_metrics is not None:
            raise NotImplementedError("MultiLabelHead: label_vocabulary, loss_fn and classes_for_class_based_metrics "
                                      "are not supported; give multi-hot integer labels")
        super().__init__(n_classes, weight_column, None, loss_reduction, name=name)
        self.logits_dimension = self.n_classes
        self.thresholds = tuple(float(t) for t in (thresholds or ()))
        for t in self.thresholds:
            if not 0.0 < t < 1.0:
                raise ValueError(f"thresholds must be in (0, 1) range. Given: {t}")

    def encode_labels(self, labels):
        array = np.asarray(labels)
        if array.ndim != 2 or array.shape[1] != self.n_classes:
            raise ValueError(f"MultiLabelHead labels must be multi-hot, shape [batch, {self.n_classes}]; got shape "
                             f"{array.shape}")
        if array.dtype.kind not in "biuf" or not np.isin(array, (0, 1)).all():
            raise ValueError("MultiLabelHead labels must be 0 or 1 (multi-hot)")
        return array.astype(np.float32)

    def unreduced_loss(self, logits, labels):
        return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True), axis=1, keepdims=True)

    def predictions(self, logits):
        logits = np.asarray(logits)
        return {"logits": logits, "probabilities": np.asarray(ops.sigmoid(logits)),
                "classes": np.broadcast_to(self.class_names, logits.shape)}

    def new_metrics(self):
        return _MultiLabelMetrics(self)


class _MultiLabelMetrics(EvalMetrics):
    def __init__(self, head):
        self.head = head
        self.batch_loss, self.average_loss = metrics.Mean(), metrics.Mean()
        self.auc = metrics.AUC(num_thresholds=200)
        self.auc_pr = metrics.AUC(num_thresholds=200, curve="PR")
        self.at = {t: (metrics.BinaryAccuracy(threshold=t), metrics.Precision(thresholds=t),
                       metrics.Recall(thresholds=t)) for t in head.thresholds}

    def update(self, loss, per_example, logits, labels, weights):
        self.batch_loss.update_state(loss)
        self.average_loss.update_state(per_example, sample_weight=weights)
        probabilities = ops.sigmoid(logits)
        w = None if weights is None else ops.multiply(ops.reshape(weights, (-1, 1)), ops.ones_like(labels))
        self.auc.update_state(labels, probabilities, sample_weight=w)
        self.auc_pr.update_state(labels, probabilities, sample_weight=w)
        for accuracy, precision, recall in self.at.values():
            accuracy.update_state(labels, probabilities, sample_weight=w)
            precision.update_state(labels, probabilities, sample_weight=w)
            recall.update_state(labels, probabilities, sample_weight=w)

    def result(self, global_step):
        out = {"loss": self.batch_loss.result(), "average_loss": self.average_loss.result(),
               "auc": self.auc.result(), "auc_precision_recall": self.auc_pr.result()}
        for t, (accuracy, precision, recall) in self.at.items():
            out[f"accuracy/positive_threshold_{t:g}"] = accuracy.result()
            out[f"precision/positive_threshold_{t:g}"] = precision.result()
            out[f"recall/positive_threshold_{t:g}"] = recall.result()
        out = {k: np.float32(np.asarray(v)) for k, v in out.items()}
        out["global_step"] = np.int64(global_step)
        return out


class MultiHead(Head):
    """Several heads trained together on one network: the logits are split along the last
    axis in the heads' order, labels are a dict by head name, the loss is the (head_weights-
    weighted) sum of the heads' losses. Predictions are keyed (head name, key) and metrics
    `<key>/<head name>`, as TF's.

    Args:
        heads: heads with distinct, non-empty names.
        head_weights: one weight per head for the loss (default 1 each).
    """

    def __init__(self, heads, head_weights=None):
        heads = list(heads)
        if not heads:
            raise ValueError("Must specify heads. Given: {}".format(heads))
        names = [getattr(h, "name", None) for h in heads]
        if not all(names):
            raise ValueError(f"All given heads must have name specified. Given: {names}")
        if len(set(names)) != len(names):
            raise ValueError(f"Head names must be unique, given: {names}")
        if head_weights is not None and len(head_weights) != len(heads):
            raise ValueError(f"heads and head_weights must have the same size. Given len(heads): {len(heads)}. Given "
                             f"len(head_weights): {len(head_weights)}.")
        if any(getattr(h, "weight_column", None) for h in heads):
            raise NotImplementedError("MultiHead: heads with a weight_column are not supported")
        super().__init__(None, SUM)
        self.heads, self.names = heads, names
        self.head_weights = [float(w) for w in (head_weights or [1.0] * len(heads))]
        self.logits_dimension = sum(h.logits_dimension for h in heads)
        self._label_widths = None

    def _logit_slices(self, logits):
        start, out = 0, []
        for head in self.heads:
            out.append(logits[:, start:start + head.logits_dimension])
            start += head.logits_dimension
        return out

    def encode_labels(self, labels):
        if not isinstance(labels, dict):
            raise ValueError(f"MultiHead labels must be a dict keyed by head name {self.names}, got "
                             f"{type(labels).__name__}")
        missing = [n for n in self.names if n not in labels]
        if missing:
            raise ValueError(f"MultiHead labels lack heads {missing} (labels have {sorted(labels)})")
        encoded = [np.asarray(h.encode_labels(labels[n]), np.float32) for h, n in zip(self.heads, self.names)]
        encoded = [e.reshape(len(e), -1) for e in encoded]
        if len({len(e) for e in encoded}) != 1:
            raise ValueError(f"MultiHead labels have different batch sizes: {[len(e) for e in encoded]}")
        self._label_widths = [e.shape[1] for e in encoded]
        return np.concatenate(encoded, axis=1)

    def _label_slices(self, labels):
        start, out = 0, []
        for head, width in zip(self.heads, self._label_widths):
            part = labels[:, start:start + width]
            start += width
            if type(head).__name__ == "MultiClassHead":
                part = ops.cast(ops.reshape(part, (-1,)), "int64")
            out.append(part)
        return out

    def head_losses(self, logits, labels):
        return [head.loss(lg, lb) for head, lg, lb in zip(self.heads, self._logit_slices(logits),
                                                           self._label_slices(labels))]

    def loss(self, logits, labels, weights=None):
        total = None
        for weight, (loss, _) in zip(self.head_weights, self.head_losses(logits, labels)):
            part = ops.multiply(loss, weight)
            total = part if total is None else ops.add(total, part)
        return total, None

    def unreduced_loss(self, logits, labels):
        return None

    def predictions(self, logits):
        out = {}
        for name, head, part in zip(self.names, self.heads, self._logit_slices(logits)):
            out.update({(name, k): v for k, v in head.predictions(part).items()})
        return out

    def new_metrics(self):
        return _MultiHeadMetrics(self)



class _MultiHeadMetrics:
    def __init__(self, head: MultiHead):
        self.head = head
        self.batch_loss = metrics.Mean()
        self.parts = [h.new_metrics() for h in head.heads]

    def update(self, loss, per_example, logits, labels, weights):
        self.batch_loss.update_state(loss)
        head = self.head
        for tracker, sub, lg, lb in zip(self.parts, head.heads, head._logit_slices(logits), head._label_slices(labels)):
            sub_loss, sub_per_example = sub.loss(lg, lb)
            tracker.update(sub_loss, sub_per_example, lg, lb, None)

    def result(self, global_step):
        out = {"loss": np.float32(np.asarray(self.batch_loss.result()))}
        for name, tracker in zip(self.head.names, self.parts):
            for key, value in tracker.result(global_step).items():
                if key != "global_step":
                    out[f"{key}/{name}"] = value
        out["global_step"] = np.int64(global_step)
        return out
