"""Optuna's pruning, as a lamina callback (what Optuna's integrations give other libraries)."""

from __future__ import annotations

from lamina.callbacks.callback import Callback

from .oracle import import_optuna


class OptunaPruningCallback(Callback):
    """Reports `monitor` to an Optuna trial after each epoch, and stops training (raising
    `optuna.TrialPruned`, which Optuna's `study.optimize` records as a pruned trial) when the
    study's pruner says the trial is behind.

    Args:
        trial: the `optuna.trial.Trial` being evaluated.
        monitor: the metric to report, e.g. "val_loss" or "val_accuracy".
    """

    def __init__(self, trial, monitor: str = "val_loss"):
        super().__init__()
        import_optuna()  # fail here, not at the first epoch, when Optuna is missing
        self.trial = trial
        self.monitor = monitor

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(f"OptunaPruningCallback: metric {self.monitor!r} is not in the epoch's logs "
                             f"{sorted(logs)}; pass validation data or another `monitor`.")
        self.trial.report(float(logs[self.monitor]), step=epoch)
        if self.trial.should_prune():
            raise import_optuna().TrialPruned(f"Trial was pruned at epoch {epoch}.")

    def __deepcopy__(self, memo):
        return self  # it belongs to its trial; a search copying its callbacks must not clone it
