"""RandomSearch (KerasTuner's), and OptunaSearch: any Optuna sampler and pruner behind the
same Tuner API."""

from __future__ import annotations

from .oracle import Oracle, import_optuna
from .pruning import OptunaPruningCallback
from .trial import TrialStatus
from .tuner import Tuner


class RandomSearchOracle(Oracle):
    """Draws every point at random (Optuna's RandomSampler); arguments as `Oracle`'s."""

    def populate_space(self, trial_id: str) -> dict:
        values, optuna_trial = self._random_values()
        return {"status": TrialStatus.RUNNING, "values": values, "optuna_trial": optuna_trial}


class RandomSearch(Tuner):
    """Random search.

    Args:
        hypermodel: a `HyperModel` or a function `build(hp)`.
        objective: a metric name or an `Objective`.
        max_trials: how many trials (10).
        seed: the random seed.
        hyperparameters, tune_new_entries, allow_new_entries, max_retries_per_trial,
            max_consecutive_failed_trials: as `Oracle`'s.
        **kwargs: `Tuner`'s (directory, project_name, overwrite, executions_per_trial, n_jobs, ...).
    """

    def __init__(self, hypermodel=None, objective=None, max_trials: int = 10, seed=None, hyperparameters=None,
                 tune_new_entries: bool = True, allow_new_entries: bool = True, max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3, **kwargs):
        oracle = RandomSearchOracle(objective=objective, max_trials=max_trials, seed=seed,
                                    hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                                    allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
                                    max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)


_SAMPLERS = {"random": "RandomSampler", "tpe": "TPESampler", "cmaes": "CmaEsSampler"}


class OptunaOracle(RandomSearchOracle):
    """Draws points with an Optuna sampler.

    Args:
        sampler: "tpe", "random", "cmaes" (needs the `cmaes` package), or an Optuna sampler.
        pruner: an Optuna pruner (e.g. `optuna.pruners.SuccessiveHalvingPruner()`) that stops
            trials whose per-epoch objective falls behind; None to train every trial fully.
        Other arguments: as `Oracle`'s.
    """

    def __init__(self, objective=None, max_trials: int = 10, sampler="tpe", pruner=None, **kwargs):
        super().__init__(objective=objective, max_trials=max_trials, **kwargs)
        if isinstance(sampler, str) and sampler not in _SAMPLERS:
            raise ValueError(f"sampler must be one of {sorted(_SAMPLERS)} or an Optuna sampler, got {sampler!r}.")
        if sampler == "cmaes":
            try:
                import cmaes  # noqa: F401  (Optuna's CmaEsSampler needs it)
            except ImportError as e:
                raise ImportError("sampler='cmaes' needs the cmaes package: pip install cmaes") from e
        self.sampler_spec = sampler
        self.pruner = pruner

    def make_sampler(self, seed: int):
        if not isinstance(self.sampler_spec, str):
            return self.sampler_spec
        return getattr(import_optuna().samplers, _SAMPLERS[self.sampler_spec])(seed=seed)


class OptunaSearch(Tuner):
    """A search driven by an Optuna sampler (TPE by default) and, optionally, pruner.

    Args:
        hypermodel: a `HyperModel` or a function `build(hp)`.
        objective: a metric name or an `Objective`.
        max_trials: how many trials (10).
        sampler: "tpe", "random", "cmaes", or an Optuna sampler instance.
        pruner: an Optuna pruner, e.g. `optuna.pruners.SuccessiveHalvingPruner()`.
        seed: the random seed.
        **kwargs: `Oracle`'s and `Tuner`'s other arguments.
    """

    def __init__(self, hypermodel=None, objective=None, max_trials: int = 10, sampler="tpe", pruner=None, seed=None,
                 hyperparameters=None, tune_new_entries: bool = True, allow_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3, **kwargs):
        oracle = OptunaOracle(objective=objective, max_trials=max_trials, sampler=sampler, pruner=pruner, seed=seed,
                              hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                              allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
                              max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)

    def _pruning_callback(self, trial):
        if self.oracle.pruner is None:
            return None
        optuna = import_optuna()
        study = getattr(self.oracle, "study", None)
        if study is None:  # in a worker process: reopened from the storage
            study = optuna.load_study(study_name=self.oracle.study_name, storage=self.oracle.storage_url,
                                      pruner=self.oracle.pruner)
        return OptunaPruningCallback(optuna.trial.Trial(study, trial.storage_id), monitor=self.oracle.objective.name)
