"""Heads: what the logits mean. Each head checks and encodes labels (in numpy, before any
step, with errors that name the offending values), computes the loss in the engine, turns
logits into TensorFlow's prediction dicts and keeps TensorFlow's evaluation metrics.
"""

from __future__ import annotations

import numpy as np

from lamina import _core, metrics, ops

SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
SUM = "sum"


class Reduction:
    """Loss reductions accepted by `loss_reduction` (tf.losses.Reduction's names)."""

    SUM = SUM
    SUM_OVER_BATCH_SIZE = SUM_OVER_BATCH_SIZE


def check_reduction(value) -> str:
    name = str(getattr(value, "value", value)).lower()
    if name not in (SUM, SUM_OVER_BATCH_SIZE):
        raise ValueError(f"Invalid loss_reduction: {value!r}; use 'sum_over_batch_size' or 'sum'")
    return name


class Head:
    logits_dimension: int = 1

    def __init__(self, weight_column=None, loss_reduction=SUM_OVER_BATCH_SIZE, name=None):
        self.weight_column = weight_column
        self.loss_reduction = check_reduction(loss_reduction)
        self.name = name  # its suffix in a MultiHead

    # -- labels ---------------------------------------------------------------------------------
    def encode_labels(self, labels) -> np.ndarray:
        raise NotImplementedError

    # -- loss -----------------------------------------------------------------------------------
    def unreduced_loss(self, logits, labels):
        """Per-example (per-element for regression) losses, a [batch, d] tensor."""
        raise NotImplementedError

    def loss(self, logits, labels, weights=None):
        """(training loss, weighted per-example losses) as engine tensors."""
        per_example = self.unreduced_loss(logits, labels)
        if weights is not None:
            per_example = ops.multiply(per_example, ops.reshape(weights, (-1, 1)))
        total = ops.sum(per_example)
        if self.loss_reduction == SUM_OVER_BATCH_SIZE:
            total = ops.divide(total, float(per_example.size))
        return total, per_example

    # -- predictions and metrics ----------------------------------------------------------------
    def predictions(self, logits) -> dict:
        """TensorFlow's prediction arrays of a batch, from the logits tensor."""
        raise NotImplementedError

    def new_metrics(self) -> "EvalMetrics":
        return EvalMetrics(self)


class RegressionHead(Head):
    def __init__(self, label_dimension=1, weight_column=None, loss_reduction=SUM_OVER_BATCH_SIZE, name=None):
        super().__init__(weight_column, loss_reduction, name)
        if int(label_dimension) < 1:
            raise ValueError(f"Invalid label_dimension {label_dimension}.")
        self.label_dimension = self.logits_dimension = int(label_dimension)

    def encode_labels(self, labels) -> np.ndarray:
        array = np.asarray(labels)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"Regression labels must be numbers, got dtype {array.dtype}")
        array = array.astype(np.float32).reshape(len(array), -1)
        if array.shape[1] != self.label_dimension:
            raise ValueError(f"Mismatched label shape: labels have shape {np.shape(labels)}, expected [batch, "
                             f"{self.label_dimension}] (label_dimension={self.label_dimension})")
        if not np.isfinite(array).all():
            raise ValueError("Labels contain NaN or infinite values")
        return array

    def unreduced_loss(self, logits, labels):
        return ops.square(ops.subtract(logits, labels))

    def predicted(self, logits):
        """The predicted values (the inverse link of the logits)."""
        return logits

    def predictions(self, logits):
        return {"predictions": np.asarray(logits)}


class _ClassHead(Head):
    def __init__(self, n_classes, weight_column=None, label_vocabulary=None, loss_reduction=SUM_OVER_BATCH_SIZE,
                 name=None):
        super().__init__(weight_column, loss_reduction, name)
        self.n_classes = int(n_classes)
        if label_vocabulary is not None:
            if isinstance(label_vocabulary, (str, bytes)) or not all(isinstance(v, (str, bytes)) for v in label_vocabulary):
                raise ValueError(f"label_vocabulary should be a list of strings. Given: {label_vocabulary!r}")
            vocab = [v.decode() if isinstance(v, bytes) else v for v in label_vocabulary]
            if len(vocab) != self.n_classes:
                raise ValueError(f"label_vocabulary has {len(vocab)} entries but n_classes is {self.n_classes}; they must "
                                 f"match")
            if len(set(vocab)) != len(vocab):
                raise ValueError(f"label_vocabulary has duplicates: {vocab}")
            label_vocabulary = tuple(vocab)
        self.label_vocabulary = label_vocabulary
        names = label_vocabulary or [str(i) for i in range(self.n_classes)]
        self.class_names = np.array([n.encode("utf-8") for n in names], dtype=object)

    def _class_ids(self, labels) -> np.ndarray:
        array = np.asarray(labels)
        if self.label_vocabulary is not None:
            if array.dtype.kind not in "USO":
                raise ValueError(f"Labels must be strings of label_vocabulary {list(self.label_vocabulary)}, got dtype "
                                 f"{array.dtype}")
            flat = [v.decode() if isinstance(v, bytes) else str(v) for v in array.reshape(-1)]
            index = {v: i for i, v in enumerate(self.label_vocabulary)}
            unknown = sorted({v for v in flat if v not in index})
            if unknown:
                raise ValueError(f"Labels {unknown[:5]} are not in label_vocabulary {list(self.label_vocabulary)}")
            return np.array([index[v] for v in flat], dtype=np.int64).reshape(array.shape)
        if array.dtype.kind in "USO":
            raise ValueError(f"Labels are strings ({array.reshape(-1)[:3].tolist()}...): pass label_vocabulary with the "
                             f"class names, or give integer labels in [0, {self.n_classes})")
        if array.dtype.kind == "f":
            if not np.isfinite(array).all():
                raise ValueError("Labels contain NaN or infinite values")
        return array

    def _all_classes(self, out: dict, n: int) -> dict:
        """Adds TF's all_class_ids and all_classes (every class, for each example)."""
        out["all_class_ids"] = np.broadcast_to(np.arange(self.n_classes, dtype=np.int32), (n, self.n_classes))
        out["all_classes"] = np.broadcast_to(self.class_names, (n, self.n_classes))
        return out

    def _check_range(self, ids: np.ndarray) -> None:
        if ids.size and ids.min() < 0:
            raise ValueError(f"Labels must be >= 0, got {ids.min()}")
        if ids.size and ids.max() > self.n_classes - 1:
            raise ValueError(f"Labels must be <= n_classes - 1 = {self.n_classes - 1}, got {ids.max()} "
                             f"(n_classes={self.n_classes})")


class BinaryClassHead(_ClassHead):
    logits_dimension = 1

    def __init__(self, weight_column=None, label_vocabulary=None, loss_reduction=SUM_OVER_BATCH_SIZE, name=None):
        super().__init__(2, weight_column, label_vocabulary, loss_reduction, name)

    def encode_labels(self, labels):
        ids = self._class_ids(labels)
        ids = ids.reshape(len(ids), -1)
        if ids.shape[1] != 1:
            raise ValueError(f"Labels of a binary classifier need shape [batch] or [batch, 1], got {np.shape(labels)}")
        if ids.dtype.kind == "f" and ((ids < 0) | (ids > 1)).any():
            raise ValueError(f"Labels must be in [0, 1] for a binary classifier, got values in [{ids.min()}, {ids.max()}]")
        self._check_range(ids)
        return ids.astype(np.float32)

    def unreduced_loss(self, logits, labels):
        return ops.binary_crossentropy(labels, logits, from_logits=True)

    def predictions(self, logits):
        logistic = ops.sigmoid(logits)
        probabilities = np.asarray(ops.concatenate([ops.subtract(1.0, logistic), logistic], axis=1))
        logits = np.asarray(logits)
        class_ids = (logits > 0).astype(np.int64)
        return self._all_classes({"logits": logits, "logistic": np.asarray(logistic), "probabilities": probabilities,
                                  "class_ids": class_ids, "classes": self.class_names[class_ids]}, len(logits))


class MultiClassHead(_ClassHead):
    def __init__(self, n_classes, weight_column=None, label_vocabulary=None, loss_reduction=SUM_OVER_BATCH_SIZE,
                 name=None):
        if n_classes is None or int(n_classes) <= 2:
            raise ValueError(f"n_classes must be > 2: {n_classes}.")
        super().__init__(n_classes, weight_column, label_vocabulary, loss_reduction, name)
        self.logits_dimension = self.n_classes

    def encode_labels(self, labels):
        ids = self._class_ids(labels)
        ids = ids.reshape(len(ids), -1)
        if ids.shape[1] != 1:
            raise ValueError(f"Labels of a classifier need shape [batch] or [batch, 1], got {np.shape(labels)}")
        if ids.dtype.kind == "f" and (ids != np.round(ids)).any():
            raise ValueError("Labels of a multi-class classifier must be integer class ids, got non-integer numbers")
        self._check_range(ids)
        return ids[:, 0].astype(np.int64)

    def unreduced_loss(self, logits, labels):
        return ops.reshape(ops.sparse_categorical_crossentropy(labels, logits, from_logits=True), (-1, 1))

    def predictions(self, logits):
        probabilities = np.asarray(ops.softmax(logits, axis=1))
        logits = np.asarray(logits)
        class_ids = logits.argmax(axis=1).astype(np.int64)[:, None]
        return self._all_classes({"logits": logits, "probabilities": probabilities, "class_ids": class_ids,
                                  "classes": self.class_names[class_ids]}, len(logits))


def classification_head(n_classes, weight_column, label_vocabulary, loss_reduction):
    if n_classes is None or int(n_classes) < 2:
        raise ValueError(f"n_classes must be > 1: {n_classes}")
    if int(n_classes) == 2:
        return BinaryClassHead(weight_column, label_vocabulary, loss_reduction)
    return MultiClassHead(n_classes, weight_column, label_vocabulary, loss_reduction)


class EvalMetrics:
    """TensorFlow's evaluation metrics for a head, accumulated over batches."""

    def __init__(self, head: Head):
        self.head = head
        self.batch_loss = metrics.Mean()
        self.average_loss = metrics.Mean()
        self.binary = isinstance(head, BinaryClassHead)
        self.classifier = isinstance(head, _ClassHead)
        if self.classifier:
            self.accuracy = metrics.Mean()
        if self.binary or not self.classifier:
            self.prediction_mean = metrics.Mean()
            self.label_mean = metrics.Mean()
        if self.binary:
            self.precision = metrics.Precision()
            self.recall = metrics.Recall()
            self.auc = metrics.AUC(num_thresholds=200)
            self.auc_pr = metrics.AUC(num_thresholds=200, curve="PR")

    def update(self, loss, per_example, logits, labels, weights) -> None:
        """All arguments are engine tensors of one batch (weights may be None)."""
        self.batch_loss.update_state(loss)
        head = self.head
        n = per_example.shape[0]
        w = weights if weights is not None else None
        self.average_loss.update_state(per_example, sample_weight=w)
        if isinstance(head, MultiClassHead):
            correct = ops.cast(ops.equal(ops.argmax(logits, axis=1), ops.cast(labels, "int32")), "float32")
            self.accuracy.update_state(correct, sample_weight=w)
            return
        if self.binary:
            logistic = ops.sigmoid(logits)
            correct = ops.cast(ops.equal(ops.cast(ops.greater(logits, 0.0), "float32"), labels), "float32")
            self.accuracy.update_state(correct, sample_weight=w)
            self.prediction_mean.update_state(logistic, sample_weight=w)
            self.label_mean.update_state(labels, sample_weight=w)
            self.precision.update_state(labels, logistic, sample_weight=w)
            self.recall.update_state(labels, logistic, sample_weight=w)
            self.auc.update_state(labels, logistic, sample_weight=w)
            self.auc_pr.update_state(labels, logistic, sample_weight=w)
            return
        self.prediction_mean.update_state(head.predicted(logits), sample_weight=w)
        self.label_mean.update_state(labels, sample_weight=w)
        del n

    def result(self, global_step: int) -> dict:
        out = {"loss": self.batch_loss.result(), "average_loss": self.average_loss.result()}
        if self.classifier:
            out["accuracy"] = self.accuracy.result()
        if self.binary:
            out.update({"precision": self.precision.result(), "recall": self.recall.result(),
                        "auc": self.auc.result(), "auc_precision_recall": self.auc_pr.result()})
        if self.binary or not self.classifier:
            out["prediction/mean"] = self.prediction_mean.result()
            out["label/mean"] = self.label_mean.result()
        if self.binary:
            label_mean = float(np.asarray(out["label/mean"]))
            out["accuracy_baseline"] = max(label_mean, 1.0 - label_mean)
        out = {k: np.float32(np.asarray(v)) for k, v in out.items()}
        out["global_step"] = np.int64(global_step)
        return out


def to_tensor(array):
    return _core.convert_to_tensor(array)
