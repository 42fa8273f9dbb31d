"""Shared helpers of the callbacks that watch a logged quantity (which direction is better)."""

from __future__ import annotations

import warnings

import numpy as np

_MODES = ("auto", "min", "max")


def check_mode(mode: str, owner: str) -> str:
    if mode not in _MODES:
        warnings.warn(f"{owner} mode {mode} is unknown, fallback to auto mode.", stacklevel=3)
        return "auto"
    return mode


def metric_direction(model, monitor: str):
    """'up', 'down' or None for the metric a log key names, from the model's compiled metrics
    (each Metric class declares `_direction`), as Keras' EarlyStopping infers it."""
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return "down"
    for m in getattr(model, "metrics", None) or []:
        if getattr(m, "name", None) == name and getattr(m, "_direction", None) in ("up", "down"):
            return m._direction
    return None


def monitor_value(logs, monitor: str, owner: str):
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(
            f"{owner} is conditioned on metric `{monitor}` which is not available. "
            f"Available metrics are: {','.join(list((logs or {}).keys()))}",
            stacklevel=3,
        )
    return value


def current_lr(model) -> float:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError('Optimizer must have a "learning_rate" attribute.')
    return float(np.asarray(optimizer.learning_rate))
