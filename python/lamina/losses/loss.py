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
        values = self.call(_as_tensor(y_true), y_pred)
        return reduce_values(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def match_ranks(y_true, y_pred):
    """Keras' squeeze-or-expand: when the ranks differ by one, drop a trailing size-1 axis of
    the higher-rank side, else add one to the lower-rank side (labels (n,) vs outputs (n, 1))."""
    diff = y_pred.ndim - y_true.ndim
    if diff == 1:
        return (y_true, ops.squeeze(y_pred, -1)) if y_pred.shape[-1] == 1 else (ops.expand_dims(y_true, -1), y_pred)
    if diff == -1:
        return (ops.squeeze(y_true, -1), y_pred) if y_true.shape[-1] == 1 else (y_true, ops.expand_dims(y_pred, -1))
    return y_true, y_pred


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
