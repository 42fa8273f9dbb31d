"""Hyperband with KerasTuner's bracket schedule (Li et al., JMLR 18, 2018, as KerasTuner runs it).

A bracket starts `size(b, 0)` random models trained `epochs(b, 0)` epochs; each later round
continues the best of the previous round from their checkpoints, for more epochs. Brackets
run from the most exploratory (most models, fewest epochs) to a single round of full-length
training, then again for `hyperband_iterations`.

The brackets are not kept in memory: they are read back from the study's trials each time
(each trial records which bracket instance and round it belongs to), so a resumed search
continues the schedule exactly where the crashed one was.
"""

from __future__ import annotations

import math
import os

from .oracle import Oracle
from .trial import TrialStatus
from .tuner import Tuner


class HyperbandOracle(Oracle):
    """Hyperband's schedule.

    Args:
        objective: a metric name or an `Objective`.
        max_epochs: the most epochs one model is trained (100).
        factor: how much each round shrinks the models and stretches the epochs (3).
        hyperband_iterations: how many times to run all the brackets (1).
        Other arguments: as `Oracle`'s.
    """

    def __init__(self, objective=None, max_epochs: int = 100, factor: int = 3, hyperband_iterations: int = 1,
                 seed=None, hyperparameters=None, allow_new_entries: bool = True, tune_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3):
        super().__init__(objective=objective, hyperparameters=hyperparameters, allow_new_entries=allow_new_entries,
                         tune_new_entries=tune_new_entries, seed=seed, max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials)
        if factor < 2:
            raise ValueError(f"Hyperband: factor must be an int > 1, got {factor}.")
        self.hyperband_iterations = hyperband_iterations or math.inf
        self.max_epochs = max_epochs
        self.min_epochs = 1
        self.factor = factor

    # ---- the schedule (KerasTuner's formulas) -------------------------------------------------

    def _get_num_brackets(self) -> int:
        epochs, brackets = self.max_epochs, 0
        while epochs >= self.min_epochs:
            epochs /= self.factor
            brackets += 1
        return brackets

    def _get_num_rounds(self, bracket_num: int) -> int:
        return bracket_num + 1

    def _get_size(self, bracket_num: int, round_num: int) -> int:
        """Models in a round: the last bracket's ~1+log(max_epochs) spread over the brackets."""
        last_size = math.ceil(1 + math.log(self.max_epochs, self.factor)) / (bracket_num + 1)
        return math.ceil(last_size * self.factor ** (bracket_num - round_num))

    def _get_epochs(self, bracket_num: int, round_num: int) -> int:
        return math.ceil(self.max_epochs / self.factor ** (bracket_num - round_num))

    # ---- brackets, read back from the trials --------------------------------------------------

    def _bracket_num(self, index: int) -> int:
        n = self._get_num_brackets()
        return n - 1 - index % n

    def _brackets(self) -> tuple[list[dict], int]:
        """The live brackets (oldest first) and the index of the newest bracket started."""
        brackets: dict[int, dict] = {}
        for trial in sorted(self.trials.values(), key=lambda t: t.number):
            index = trial.extra.get("bracket_index")
            if index is None:
                continue
            bracket = brackets.setdefault(index, self._new_bracket(index))
            values = trial.hyperparameters.values
            bracket["rounds"][values["tuner/round"]].append({"past_id": values.get("tuner/trial_id"),
                                                             "id": trial.trial_id})
        current = max(brackets, default=0)
        brackets.setdefault(current, self._new_bracket(current))
        live = [b for _, b in sorted(brackets.items()) if not self._complete(b)]
        return live, current

    def _new_bracket(self, index: int) -> dict:
        bracket_num = self._bracket_num(index)
        return {"index": index, "bracket_num": bracket_num,
                "rounds": [[] for _ in range(self._get_num_rounds(bracket_num))]}

    def _complete(self, bracket: dict) -> bool:
        last = len(bracket["rounds"]) - 1
        return len(bracket["rounds"][last]) == self._get_size(bracket["bracket_num"], last)

    def populate_space(self, trial_id: str) -> dict:
        brackets, current = self._brackets()
        current_bracket = self._bracket_num(current)
        for bracket in brackets:
            b, rounds = bracket["bracket_num"], bracket["rounds"]
            if len(rounds[0]) < self._get_size(b, 0):
                return self._random_trial(bracket, current_bracket)
            for r in range(1, len(rounds)):
                promoted = {info["past_id"] for info in rounds[r]}
                candidates = [self.trials[info["id"]] for info in rounds[r - 1] if info["id"] not in promoted]
                candidates = [t for t in candidates if t.status == TrialStatus.COMPLETED]
                if len(candidates) > self._get_size(b, r - 1) - self._get_size(b, r):
                    best = sorted(candidates, key=lambda t: t.score, reverse=self.objective.direction == "max")[0]
                    values = dict(best.hyperparameters.values)
                    values.update({"tuner/trial_id": best.trial_id, "tuner/epochs": self._get_epochs(b, r),
                                   "tuner/initial_epoch": self._get_epochs(b, r - 1),
                                   "tuner/bracket": current_bracket, "tuner/round": r})
                    return {"status": TrialStatus.RUNNING, "values": values,
                            "extra": {"bracket_index": bracket["index"]}}
        iteration = current // self._get_num_brackets()
        if current_bracket == 0 and iteration + 1 == self.hyperband_iterations:
            return {"status": TrialStatus.IDLE if self._running() else TrialStatus.STOPPED}
        return self._random_trial(self._new_bracket(current + 1), self._bracket_num(current + 1))

    def _running(self) -> bool:
        return any(t.status == TrialStatus.RUNNING for t in self.trials.values())

    def _random_trial(self, bracket: dict, current_bracket: int) -> dict:
        if not self.hyperparameters.space:
            return {"status": TrialStatus.IDLE if self._running() else TrialStatus.STOPPED}
        values, optuna_trial = self._random_values()
        b = bracket["bracket_num"]
        values.update({"tuner/epochs": self._get_epochs(b, 0), "tuner/initial_epoch": 0,
                       "tuner/bracket": current_bracket, "tuner/round": 0})
        return {"status": TrialStatus.RUNNING, "values": values, "optuna_trial": optuna_trial,
                "extra": {"bracket_index": bracket["index"]}}


class Hyperband(Tuner):
    """Hyperband: many short trainings, the best continued for longer.

    Args:
        hypermodel: a `HyperModel` or a function `build(hp)`.
        objective: a metric name or an `Objective`.
        max_epochs: the most epochs one model is trained (100).
        factor: the reduction factor (3).
        hyperband_iterations: how many times to run all the brackets (1).
        seed: the random seed.
        **kwargs: `Oracle`'s and `Tuner`'s other arguments.
    """

    def __init__(self, hypermodel=None, objective=None, max_epochs: int = 100, factor: int = 3,
                 hyperband_iterations: int = 1, seed=None, hyperparameters=None, tune_new_entries: bool = True,
                 allow_new_entries: bool = True, max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3, **kwargs):
        oracle = HyperbandOracle(objective=objective, max_epochs=max_epochs, factor=factor,
                                 hyperband_iterations=hyperband_iterations, seed=seed, hyperparameters=hyperparameters,
                                 tune_new_entries=tune_new_entries, allow_new_entries=allow_new_entries,
                                 max_retries_per_trial=max_retries_per_trial,
                                 max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)

    def run_trial(self, trial, *fit_args, **fit_kwargs):
        values = trial.hyperparameters.values
        if "tuner/epochs" in values:
            fit_kwargs["epochs"] = values["tuner/epochs"]
            fit_kwargs["initial_epoch"] = values["tuner/initial_epoch"]
        return super().run_trial(trial, *fit_args, **fit_kwargs)

    def _build_hypermodel(self, hp):
        model = super()._build_hypermodel(hp)
        if "tuner/trial_id" in hp.values:  # a later round: go on from the earlier round's best epoch
            past = os.path.join(self.project_dir, f"trial_{hp.values['tuner/trial_id']}", "checkpoint.weights.h5")
            model.load_weights(past)
        return model
