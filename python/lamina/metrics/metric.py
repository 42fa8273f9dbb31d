"""The Metric base class and the mean-style metrics built on it.

A metric keeps its state as a few Python floats; each `update_state` is a handful of engine
ops over the batch and one read of the result.
"""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina import ops


def _t(x):
    return x if isinstance(x, _core.Tensor) else _core.convert_to_tensor(x)


class Metric:
    """Base class: `update_state(...)`, `result()`, `reset_state()`; calling the metric updates
    it and returns the result.

    A subclass creates its state in `__init__`, after `super().__init__()`, usually with
    `add_variable`; the default `reset_state` sets every such variable to zeros.
    """

    def __init__(self, name=None, dtype=None):
        from lamina.config import to_snake_case

        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype or "float32"
        self._variables = []
        # lamina's own metrics keep their state as Python values that `reset_state` creates. A
        # user's `reset_state` may use variables its `__init__` creates after this call, so
        # it is not called here (Keras never calls it from the base constructor).
        if type(self).reset_state.__module__.startswith("lamina."):
            self.reset_state()

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None) -> _core.Variable:
        """Creates a state variable of this metric (not trainable).

        Args:
            shape: the variable's shape.
            initializer: an initializer name or instance (default "zeros").
            dtype: default the metric's dtype.
            aggregation: how the state combines across replicas (kept for Keras' signature).
            name: the variable's name.

        Returns:
            The new Variable.
        """
        from lamina import initializers

        dtype = dtype or self.dtype
        value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        var = _core.Variable(value, dtype=dtype, trainable=False, name=name or "variable")
        self._variables.append(var)
        return var

    add_weight = add_variable

    def reset_state(self) -> None:
        """Sets every state variable to zeros."""
        for v in self._variables:
            v.assign(np.zeros(tuple(v.shape), dtype=v.dtype))

    def update_state(self, *args, **kwargs) -> None:
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self) -> list:
        return list(self._variables)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The (weighted) mean of the values given to update_state."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        Mean.reset_state(self)  # also when a subclass overrides reset_state (not called above)

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        values = _t(values)
        if sample_weight is None:
            self.total += float(ops.sum(values))
            self.count += float(values.size)
        elif isinstance(sample_weight, (int, float)):
            # A scalar weight weighs a scalar value (the loss tracker uses the batch size).
            self.total += float(ops.sum(values)) * sample_weight
            self.count += sample_weight * (values.size if values.ndim else 1)
        else:
            w = ops.cast(_t(sample_weight), values.dtype)
            while w.ndim > values.ndim:
                w = ops.squeeze(w, -1)
            w = ops.broadcast_to(ops.reshape(w, tuple(w.shape) + (1,) * (values.ndim - w.ndim)), values.shape)
            self.total += float(ops.sum(ops.multiply(values, w)))
            self.count += float(ops.sum(w))

    def result(self):
        return self.total / self.count if self.count else 0.0


class Sum(Metric):
    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        Sum.reset_state(self)  # also when a subclass overrides reset_state

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        values = _t(values)
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(_t(sample_weight), values.dtype))
        self.total += float(ops.sum(values))

    def result(self):
        return self.total


class MeanMetricWrapper(Mean):
    """The mean over samples of `fn(y_true, y_pred)` (per-sample values)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", "metric"), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        from lamina.losses.loss import apply_mask, match_ranks

        mask = getattr(y_pred, "_keras_mask", None)  # read first: ops on y_pred do not carry it
        y_true, y_pred = _t(y_true), _t(y_pred)
        if not getattr(self._fn, "_sparse_labels", False):
            y_true, y_pred = match_ranks(y_true, y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}
