"""GridSearch: every combination of the hyperparameters' values, in KerasTuner's order."""

from __future__ import annotations

from .oracle import Oracle
from .trial import TrialStatus
from .tuner import Tuner


class GridSearchOracle(Oracle):
    """Walks the grid like an odometer: the defaults first, then the last hyperparameter
    declared turns fastest. A hyperparameter's values are its choices or steps (ten evenly
    spread values for a continuous one), its default first. Arguments as `Oracle`'s."""

    def _grid(self) -> dict:
        grid = {}
        for hp in self.hyperparameters.space:
            values = list(hp.values)
            if hp.default in values:
                values.remove(hp.default)
            grid[hp.name] = [hp.default] + values
        return grid

    def _next_values(self, values: dict) -> dict | None:
        hps = self.get_space()
        grid = self._grid()
        hps.values = dict(values)
        for hp in reversed(hps.space):
            if hps.is_active(hp) and hps.values[hp.name] != grid[hp.name][-1]:
                hps.values[hp.name] = grid[hp.name][grid[hp.name].index(hps.values[hp.name]) + 1]
                hps.ensure_active_values()
                return hps.values
            hps.values[hp.name] = hp.default  # this wheel wraps around; turn the next one
        return None

    def populate_space(self, trial_id: str) -> dict:
        if not self.trials:
            hps = self.get_space()
            values = {hp.name: hp.default for hp in hps.space if hps.is_active(hp)}
        else:
            last = max(self.trials.values(), key=lambda t: t.number)
            values = self._next_values(last.hyperparameters.values)
        if values is None:
            return {"status": TrialStatus.STOPPED}
        return {"status": TrialStatus.RUNNING, "values": values}


class GridSearch(Tuner):
    """Grid search over every combination (continuous ranges without a step: ten values each).

    Args:
        hypermodel: a `HyperModel` or a function `build(hp)`.
        objective: a metric name or an `Objective`.
        max_trials: stop after this many trials (None: the whole grid).
        **kwargs: `Oracle`'s and `Tuner`'s other arguments.
    """

    def __init__(self, hypermodel=None, objective=None, max_trials: int | None = None, seed=None,
                 hyperparameters=None, tune_new_entries: bool = True, allow_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3, **kwargs):
        oracle = GridSearchOracle(objective=objective, max_trials=max_trials, seed=seed,
                                  hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                                  allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
                                  max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)
