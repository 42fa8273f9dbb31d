"""The callbacks that change the optimizer's learning rate: LearningRateScheduler and
ReduceLROnPlateau. Both put the epoch's learning rate in the epoch logs as "learning_rate"."""

from __future__ import annotations

import inspect
import numbers
import warnings

import numpy as np

from lamina.callbacks._monitor import check_mode, current_lr
from lamina.callbacks.callback import Callback


def _takes_lr(schedule) -> bool | None:
    """Whether `schedule` accepts (epoch, lr); None when its signature can't be read."""
    try:
        sig = inspect.signature(schedule)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(0, 0.0)
        return True
    except TypeError:
        return False


class LearningRateScheduler(Callback):
    """Sets the learning rate at the beginning of every epoch from `schedule`.

    Args:
        schedule: `schedule(epoch)` or `schedule(epoch, lr)` (epoch 0-based, lr the current
            learning rate as a float) returning the new learning rate (a float).
        verbose: 1 prints a message when the rate is set.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = current_lr(self.model)
        takes_lr = _takes_lr(self.schedule)
        if takes_lr is None:
            try:
                lr = self.schedule(epoch, lr)
            except TypeError:  # a one-argument schedule
                lr = self.schedule(epoch)
        else:
            lr = self.schedule(epoch, lr) if takes_lr else self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, (numbers.Real, np.floating, np.integer)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = current_lr(self.model)


class ReduceLROnPlateau(Callback):
    """Reduce the learning rate when a metric has stopped improving.

    Args:
        monitor: quantity to be monitored.
        factor: factor by which the learning rate is reduced (`new_lr = lr * factor`), < 1.
        patience: number of epochs with no improvement after which the rate is reduced.
        verbose: 1 prints a message when the rate is reduced.
        mode: "min", "max" or "auto" ("max" for keys containing "acc", else "min").
        min_delta: threshold for measuring a new optimum.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: lower bound on the learning rate.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = check_mode(mode, "Learning rate reduction")
        self.monitor_op = None
        self._reset()

    def _reset(self) -> None:
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        # The rate this epoch trained with (Keras logs it before any reduction).
        logs["learning_rate"] = current_lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = current_lr(self.model)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
