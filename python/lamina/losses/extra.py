"""More of Keras' losses, composed from engine ops: the focal cross-entropies, categorical
hinge, Dice, Tversky, generalized cross-entropy and Circle."""

from __future__ import annotations

from lamina import ops
from lamina.config import epsilon
from lamina.losses.loss import Loss, _as_tensor, reduce_values
from lamina.losses.losses import LossFunctionWrapper, _wrapper


def categorical_hinge(y_true, y_pred):
    """max(0, 1 + max over wrong classes of y_pred - y_pred of the true class), per sample."""
    y_pred = _as_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                              label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by (1 - p_t)^gamma (and alpha-balanced with apply_class_balancing),
    averaged over `axis`."""
    y_pred = _as_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = ops.add(ops.multiply(y_true, y_pred), ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha), ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        focal = ops.multiply(weight, focal)
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy with each class term scaled by alpha * (1 - p)^gamma."""
    if isinstance(axis, bool):
        raise ValueError(f"categorical_focal_crossentropy: axis must be an int, got {axis!r}")
    y_pred = _as_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / y_true.shape[-1])
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    out = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    out = ops.clip(out, epsilon(), 1.0 - epsilon())
    cce = ops.multiply(ops.negative(y_true), ops.log(out))
    return ops.sum(ops.multiply(ops.multiply(ops.power(ops.subtract(1.0, out), gamma), alpha), cce), axis=axis)


def dice(y_true, y_pred, axis=None):
    """1 - 2 |y_true . y_pred| / (|y_true| + |y_pred|), summed over `axis` (all axes when None)."""
    y_pred = _as_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    inter = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    denom = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), epsilon())
    return ops.subtract(1.0, ops.divide(ops.multiply(inter, 2.0), denom))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN), with soft counts summed over `axis`."""
    y_pred = _as_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    tp = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denom = ops.add(ops.add(ops.add(tp, ops.multiply(fp, alpha)), ops.multiply(fn, beta)), epsilon())
    return ops.subtract(1.0, ops.divide(tp, denom))


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p^q) / q, p being the predicted probability of the integer label (noise-robust)."""
    y_pred = _as_tensor(y_pred)
    onehot = ops.one_hot(ops.cast(y_true, "int32"), y_pred.shape[-1], dtype=y_pred.dtype)
    p = ops.sum(ops.multiply(y_pred, onehot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, q)), q)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss of L2-normalized embeddings `y_pred` with integer labels `y_true`, against
    themselves or against `ref_embeddings` / `ref_labels`; 0 for samples without positive or
    negative pairs."""
    y_pred = _as_tensor(y_pred)
    labels = ops.cast(y_true, "int32")
    refs = y_pred if ref_embeddings is None else _as_tensor(ref_embeddings)
    ref_labels = labels if ref_labels is None else ops.cast(ref_labels, "int32")
    dist = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(refs))), 0.0)
    same = ops.equal(ops.expand_dims(labels, 1), ops.expand_dims(ref_labels, 0))
    pos = same
    if remove_diagonal:
        n, m = same.shape
        pos = ops.logical_and(same, ops.logical_not(ops.cast(ops.eye(n, m), "bool")))
    neg = ops.logical_not(same)
    posf, negf = ops.cast(pos, dist.dtype), ops.cast(neg, dist.dtype)
    pos_w = ops.maximum(ops.multiply(ops.add(dist, margin), posf), 0.0)
    neg_w = ops.maximum(ops.multiply(ops.subtract(1.0 + margin, dist), negf), 0.0)
    pos_terms = ops.multiply(ops.multiply(pos_w, ops.subtract(margin, dist)), -float(gamma))
    neg_terms = ops.multiply(ops.multiply(neg_w, ops.subtract(1.0 - margin, dist)), float(gamma))
    p_loss = ops.logsumexp(ops.where(pos, pos_terms, float("-inf")), axis=1)
    n_loss = ops.logsumexp(ops.where(neg, neg_terms, float("-inf")), axis=1)
    return ops.softplus(ops.add(p_loss, n_loss))


CategoricalHinge = _wrapper("CategoricalHinge", categorical_hinge, "categorical_hinge")
BinaryFocalCrossentropy = _wrapper("BinaryFocalCrossentropy", binary_focal_crossentropy, "binary_focal_crossentropy",
                                   apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = _wrapper("CategoricalFocalCrossentropy", categorical_focal_crossentropy,
                                        "categorical_focal_crossentropy", alpha=0.25, gamma=2.0, from_logits=False,
                                        label_smoothing=0.0, axis=-1)


class Dice(LossFunctionWrapper):
    """Keras' Dice loss (1 - Dice coefficient over `axis`, all axes when None)."""

    fn = staticmethod(dice)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


class Tversky(LossFunctionWrapper):
    """Keras' Tversky loss (alpha weighs false positives, beta false negatives)."""

    fn = staticmethod(tversky)

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None, dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Keras' generalized cross-entropy for integer labels (q in (0, 1): MAE-like near 1, CE-like near 0)."""

    fn = staticmethod(categorical_generalized_cross_entropy)

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in (0, 1), got {q}")
        super().__init__(reduction=reduction, name=name, dtype=dtype, q=q)

    def call(self, y_true, y_pred):
        return categorical_generalized_cross_entropy(y_true, y_pred, **self.fn_kwargs)


class Circle(Loss):
    """Keras' Circle loss for metric learning on L2-normalized embeddings with integer labels.

    As in Keras, samples whose loss is 0 (no positive or negative pair) are left out of the
    "sum_over_batch_size" and "mean" averages.
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size", name="circle",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal

    def call(self, y_true, y_pred):
        return circle(y_true, y_pred, remove_diagonal=self.remove_diagonal, gamma=self.gamma, margin=self.margin)

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(_as_tensor(y_true), y_pred)
        if self.reduction not in ("sum_over_batch_size", "mean"):
            return reduce_values(values, sample_weight, self.reduction)
        kept = ops.cast(ops.greater(values, 0.0), values.dtype)
        weighted = values if sample_weight is None else reduce_values(values, sample_weight, "none")
        return ops.divide(ops.sum(weighted), ops.add(ops.sum(kept), epsilon()))

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma, "margin": self.margin, "remove_diagonal": self.remove_diagonal}


__all__ = [
    "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "Dice", "Tversky", "binary_focal_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge", "circle", "dice", "tversky",
]
