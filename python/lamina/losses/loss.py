"""The Loss base class: per-sample values from `call`, then Keras' reductions with sample weights."""

from __future__ import annotations

from lamina import _core
from lamina import ops

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss:
    """Base class of losses.

    Args:
        name: the loss's name.
        reduction: "sum_over_batch_size" (default: weighted sum / number of values), "sum",
            "mean", "mean_with_sample_weight" (weighted sum / sum of weights), or "none".
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`: {reduction!r}; expected one of {REDUCTIONS}")
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype or "float32"

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)  # read first: ops on y_pred do not carry it
        values = self.call(_as_tensor(y_true), y_pred)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, normalize=self.reduction in ("sum_over_batch_size", "mean"))
        return reduce_values(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def match_ranks(y_true, y_pred):
    """Keras' squeeze-or-expand, for ranks that differ by one: when the higher-rank side ends in
    a size-1 axis, a rank-1 other side gains that axis (labels (n,) vs outputs (n, 1) keep one
    value per sample, as Keras' `expand_rank_1`) and a higher-rank one loses it from the first;
    without a size-1 axis, the lower-rank side gains one."""
    diff = y_pred.ndim - y_true.ndim
    if diff == 1:
        if y_pred.shape[-1] == 1 and y_true.ndim > 1:
            return y_true, ops.squeeze(y_pred, -1)
        return ops.expand_dims(y_true, -1), y_pred
    if diff == -1:
        if y_true.shape[-1] == 1 and y_pred.ndim > 1:
            return ops.squeeze(y_true, -1), y_pred
        return y_true, ops.expand_dims(y_pred, -1)
    return y_true, y_pred


def apply_mask(sample_weight, mask, normalize: bool = False):
    """Folds a mask of the predictions (False: padding) into the sample weights, as Keras does.

    With `normalize`, kept entries weigh size/kept, so that a mean over every entry is the mean
    over the kept ones."""
    weights = ops.cast(_as_tensor(mask), "float32")
    if normalize:
        kept = float(ops.sum(weights))
        weights = ops.multiply(weights, weights.size / kept if kept else 0.0)
    if sample_weight is None:
        return weights
    sample_weight = ops.cast(_as_tensor(sample_weight), "float32")
    while sample_weight.ndim < weights.ndim:  # per-sample weights (n,) against a mask (n, steps)
        sample_weight = ops.expand_dims(sample_weight, -1)
    return ops.multiply(sample_weight, weights)


def _as_tensor(x):
    return x if isinstance(x, _core.Tensor) else _core.convert_to_tensor(x)


def _snake(name: str) -> str:
    from lamina.config import to_snake_case

    return to_snake_case(name)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Applies sample weights (broadcast over the trailing axes) and reduces."""
    if sample_weight is not None:
        sw = _as_tensor(sample_weight)
        if sw.dtype != values.dtype:
            sw = ops.cast(sw, values.dtype)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:
            sw = ops.squeeze(sw, -1)
        while sw.ndim < values.ndim:
            sw = ops.expand_dims(sw, -1)
        values = ops.multiply(values, sw)
    if reduction in ("none", None):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return ops.divide(total, ops.maximum(ops.sum(ops.broadcast_to(sw, values.shape)), 1e-12))
    n = 1
    for d in values.shape:
        n *= d
    return ops.divide(total, float(max(n, 1)))
