"""The Tuner: asks its oracle for trials, builds and trains a model for each, reports metrics.

Trials run in this process (`n_jobs=1`) or in `n_jobs` worker processes, each with the
engine's threads split between them (see workers.py)."""

from __future__ import annotations

import collections
import copy
import os
import pickle
import time
import traceback

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.models.model import Model

from . import errors
from .hypermodel import get_hypermodel
from .trial import Trial, TrialStatus

_WAIT_S = 0.5  # between asks while the oracle is IDLE and nothing of ours runs


class _BestEpoch(Callback):
    """Keeps every epoch's logs, and saves the weights of the best epoch seen in the trial so
    far (shared by its executions), as KerasTuner's SaveBestEpoch does."""

    def __init__(self, objective, filepath: str):
        super().__init__()
        self.objective = objective
        self.filepath = filepath
        self.best = None
        self.epochs: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        self.epochs.append(logs)
        if not self.objective.has_value(logs):
            self.model.save_weights(self.filepath)  # nothing to compare: keep the latest
            return
        value = self.objective.get_value(logs)
        if self.best is None or self.objective.better_than(value, self.best):
            self.best = value
            self.model.save_weights(self.filepath)


def _best_epoch(epochs: list[dict], objective) -> tuple[dict, int]:
    """The logs of the epoch where the objective was best, and that epoch's index."""
    if not epochs:
        return {}, 0
    best = 0
    for i, logs in enumerate(epochs):
        if objective.has_value(logs) and objective.better_than(logs[objective.name], epochs[best][objective.name]):
            best = i
    return epochs[best], best


def _to_metrics(result, objective) -> tuple[dict, int]:
    """KerasTuner's rule for what `run_trial` returns: a number (the objective), a dict of
    metrics, a History (its best epoch), or a list of those (averaged over executions)."""
    if isinstance(result, list):
        parts = [_to_metrics(r, objective) for r in result]
        names = collections.defaultdict(list)
        for metrics, _ in parts:
            for k, v in metrics.items():
                names[k].append(v)
        averaged = {k: float(np.mean(v)) for k, v in names.items()}
        # The step: the best epoch of the execution that reached the best objective value.
        scored = [(m[objective.name], step) for m, step in parts if objective.name in m]
        pick = min if objective.direction == "min" else max
        return averaged, pick(scored)[1] if scored else 0
    if isinstance(result, dict):
        return {k: float(v) for k, v in result.items()}, 0
    if hasattr(result, "history"):
        history = result.history
        n = max((len(v) for v in history.values()), default=0)
        return _best_epoch([{k: float(v[i]) for k, v in history.items() if i < len(v)} for i in range(n)], objective)
    if isinstance(result, (int, float, np.floating, np.integer)):
        return {objective.name: float(result)}, 0
    raise errors.FatalTypeError(f"run_trial()/HyperModel.fit() must return a History, a dict of metrics, a "
                                f"number or a list of those; got {type(result).__name__}.")


def _is_keras_model(model) -> bool:
    return isinstance(model, Model)


def _is_estimator(model) -> bool:
    return hasattr(model, "fit") and hasattr(model, "score") and hasattr(model, "get_params")


class Tuner:
    """Base class of the tuners (KerasTuner's `Tuner`).

    Args:
        oracle: the `Oracle` that picks the trials.
        hypermodel: a `HyperModel` or a function `build(hp)` returning a compiled model (or a
            scikit-learn-style lamina estimator).
        max_model_size: trials whose model has more parameters fail.
        optimizer, loss, metrics: override the model's compile arguments.
        directory, project_name: where the study, checkpoints and trial files live
            ("./untitled_project"); a search there resumes unless `overwrite`.
        overwrite: start over instead of resuming.
        executions_per_trial: models trained per trial (their metrics are averaged).
        n_jobs: trials trained at the same time, each in its own worker process with
            1/n_jobs of the machine's cores for the engine. With n_jobs > 1 the hypermodel and
            the callbacks must be picklable, and a script needs an `if __name__ == "__main__":`
            guard, as for any multiprocessing.
        storage: an Optuna storage URL to share the study between processes and hosts (default:
            an SQLite file in the project directory), or an Optuna storage object (e.g.
            `optuna.storages.InMemoryStorage()`, which keeps nothing after the process ends).
        tuner_id: this tuner's id ("tuner0"; or the KERASTUNER_TUNER_ID environment variable).
    """

    def __init__(self, oracle, hypermodel=None, max_model_size=None, optimizer=None, loss=None, metrics=None,
                 distribution_strategy=None, directory=None, project_name=None, logger=None, tuner_id=None,
                 overwrite: bool = False, executions_per_trial: int = 1, n_jobs: int = 1, storage: str | None = None,
                 **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized arguments {list(kwargs)} for Tuner.")
        if hypermodel is None and type(self).run_trial is Tuner.run_trial:
            raise ValueError("hypermodel=None is allowed only when a Tuner subclass defines run_trial().")
        if distribution_strategy is not None:
            raise NotImplementedError("lamina.tuner: distribution_strategy is not supported; use n_jobs.")
        if n_jobs < 1:
            raise ValueError(f"n_jobs must be >= 1, got {n_jobs}.")
        if n_jobs > 1 and storage is not None and not isinstance(storage, str):
            raise ValueError("n_jobs > 1 needs a storage the worker processes can open: a URL, not an object.")
        self.oracle = oracle
        self.hypermodel = get_hypermodel(hypermodel)
        self.max_model_size = max_model_size
        self.optimizer, self.loss, self.metrics = optimizer, loss, metrics
        self.executions_per_trial = executions_per_trial
        self.n_jobs = n_jobs
        self.directory = str(directory or ".")
        self.project_name = project_name or "untitled_project"
        self.tuner_id = tuner_id or os.environ.get("KERASTUNER_TUNER_ID", "tuner0")
        self.oracle._set_project_dir(self.directory, self.project_name, storage=storage, overwrite=overwrite)
        if self.oracle.trials:
            print(f"Reloading Tuner from {self.project_dir} ({len(self.oracle.trials)} trials)")
        self._populate_initial_space()
        self._verbose = 1
        self._search_start = None

    @property
    def project_dir(self) -> str:
        return os.path.join(self.directory, self.project_name)

    def get_trial_dir(self, trial_id: str) -> str:
        path = os.path.join(self.project_dir, f"trial_{trial_id}")
        os.makedirs(path, exist_ok=True)
        return path

    def _checkpoint_path(self, trial_id: str) -> str:
        return os.path.join(self.get_trial_dir(trial_id), "checkpoint.weights.h5")

    def _estimator_path(self, trial_id: str) -> str:
        return os.path.join(self.get_trial_dir(trial_id), "estimator.pkl")

    # ---- the search space --------------------------------------------------------------------

    def _populate_initial_space(self) -> None:
        """Builds the model once per conditional branch so the oracle knows the whole space."""
        if self.hypermodel is None:
            return
        hp = self.oracle.get_space()
        self.hypermodel.declare_hyperparameters(hp)
        self.oracle.update_space(hp)
        seen_active, never_active = [], []
        hp = self.oracle.get_space()
        while True:
            self.hypermodel.build(hp)
            self.oracle.update_space(hp)
            for scope in hp.active_scopes:
                if scope not in seen_active:
                    seen_active.append(copy.deepcopy(scope))
                if scope in never_active:
                    never_active.remove(scope)
            for scope in hp.inactive_scopes:
                if scope not in seen_active and scope not in never_active:
                    never_active.append(copy.deepcopy(scope))
            if not never_active:
                break
            hp = self.oracle.get_space()
            for condition in never_active[0]:
                hp.values[condition.name] = condition.values[0]
            hp.ensure_active_values()
        self.oracle.save()

    def search_space_summary(self, extended: bool = False) -> None:
        """Prints the search space."""
        hp = self.oracle.get_space()
        print("Search space summary")
        print(f"Default search space size: {len(hp.space)}")
        for p in hp.space:
            config = p.get_config()
            name = config.pop("name")
            print(f"{name} ({type(p).__name__})")
            print(config)

    # ---- one trial ---------------------------------------------------------------------------

    def _build_hypermodel(self, hp):
        model = self.hypermodel.build(hp)
        if (self.optimizer or self.loss or self.metrics) and _is_keras_model(model):
            # lamina's Model keeps its compile arguments here (it has no `model.loss` attribute).
            compiled = getattr(model, "_compile_config", {})
            model.compile(optimizer=self.optimizer or model.optimizer, loss=self.loss or compiled.get("loss"),
                          metrics=self.metrics or compiled.get("metrics"))
        return model

    def _try_build(self, hp):
        import lamina
        lamina.clear_session()
        model = self._build_hypermodel(hp)
        if not (_is_keras_model(model) or _is_estimator(model)):
            raise errors.FatalTypeError(f"The model-building function must return a lamina Model or a "
                                        f"scikit-learn-style estimator, got {type(model).__name__}.")
        if self.max_model_size and _is_keras_model(model) and model.count_params() > self.max_model_size:
            raise errors.FailedTrialError(f"Oversized model: {model.count_params()} parameters. Skip model.")
        return model

    def _fit_estimator(self, trial, model, x, y=None, validation_data=None, epochs=None, **unused) -> dict:
        """Trains a scikit-learn-style estimator; its metrics are `score` and `val_score`
        (and `accuracy`/`val_accuracy` for a classifier, whose score is the accuracy)."""
        if epochs is not None and "epochs" in model.get_params():
            model.set_params(epochs=epochs)
        model.fit(x, y)
        with open(self._estimator_path(trial.trial_id), "wb") as f:
            pickle.dump(model, f)
        metrics = {"score": float(model.score(x, y))}
        if validation_data is not None:
            metrics["val_score"] = float(model.score(validation_data[0], validation_data[1]))
        if hasattr(model, "classes_"):
            metrics.update({k.replace("score", "accuracy"): v for k, v in metrics.items()})
        return metrics

    def _build_and_fit_model(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        model = self._try_build(hp)
        if _is_estimator(model):
            return self._fit_estimator(trial, model, *args, **kwargs)
        return self.hypermodel.fit(hp, model, *args, **kwargs)

    def run_trial(self, trial: Trial, *args, **kwargs):
        """Trains `executions_per_trial` models for `trial`; returns their Histories.

        Args:
            trial: the `Trial` (its `hyperparameters.values` hold the point to try).
            *args, **kwargs: what `search()` was given.
        """
        user_callbacks = kwargs.pop("callbacks", None) or []
        best_epoch = _BestEpoch(self.oracle.objective, self._checkpoint_path(trial.trial_id))
        pruning = self._pruning_callback(trial)
        results = []
        for _ in range(self.executions_per_trial):
            try:
                callbacks = copy.deepcopy(user_callbacks)
            except Exception as e:
                raise errors.FatalValueError(f"Callbacks given to search() must be deep-copyable: {e}") from e
            callbacks = callbacks + [best_epoch] + ([pruning] if pruning else [])
            best_epoch.epochs = []
            try:
                results.append(self._build_and_fit_model(trial, *args, **{**kwargs, "callbacks": callbacks}))
            except Exception as e:
                if type(e).__name__ != "TrialPruned":
                    raise
                trial.pruned = True  # stopped by the pruner: score the epochs it reached
                results.append(_best_epoch(best_epoch.epochs, self.oracle.objective)[0])
                break
        return results

    def _pruning_callback(self, trial):
        return None  # tuners with an Optuna pruner report each epoch (see OptunaSearch)

    def load_model(self, trial: Trial):
        """The model of a trial, with the weights of its best epoch."""
        if os.path.exists(self._estimator_path(trial.trial_id)):
            with open(self._estimator_path(trial.trial_id), "rb") as f:
                return pickle.load(f)
        model = self._try_build(trial.hyperparameters)
        model.load_weights(self._checkpoint_path(trial.trial_id))
        return model

    # ---- the search --------------------------------------------------------------------------

    def search(self, *fit_args, **fit_kwargs) -> None:
        """Runs trials until the oracle stops (`max_trials`, or its schedule is done).

        Args:
            *fit_args, **fit_kwargs: passed to `model.fit` for each trial (x, y, epochs,
                validation_data, callbacks, ...); `verbose` also sets how much the search prints.
        """
        verbose = fit_kwargs.get("verbose", 1)
        self._verbose = 1 if verbose == "auto" else verbose
        self._search_start = time.time()
        self.on_search_begin()
        if self.n_jobs == 1:
            self._search_here(fit_args, fit_kwargs)
        else:
            self._search_in_workers(fit_args, fit_kwargs)
        self.on_search_end()

    def _search_here(self, fit_args, fit_kwargs) -> None:
        while True:
            trial = self.oracle.create_trial(self.tuner_id)
            if trial.status == TrialStatus.STOPPED:
                return
            if trial.status == TrialStatus.IDLE:
                time.sleep(_WAIT_S)  # other processes on the study hold the trials it waits for
                continue
            self.on_trial_begin(trial)
            self._finish(trial, run_trial_outcome(self, trial, fit_args, fit_kwargs))

    def _search_in_workers(self, fit_args, fit_kwargs) -> None:
        from .workers import WorkerPool
        running: dict[int, Trial] = {}
        stopped = False
        with WorkerPool(self.n_jobs, self, fit_args, fit_kwargs) as pool:
            while True:
                while not stopped and len(running) < self.n_jobs:
                    slot = next(i for i in range(self.n_jobs) if i not in running)
                    trial = self.oracle.create_trial(f"{self.tuner_id}-{slot}")
                    if trial.status == TrialStatus.STOPPED:
                        stopped = True
                    elif trial.status == TrialStatus.IDLE:
                        if not running:
                            time.sleep(_WAIT_S)
                        break
                    else:
                        self.on_trial_begin(trial)
                        pool.submit(slot, trial)
                        running[slot] = trial
                if not running:
                    if stopped:
                        return
                    continue
                slot, outcome = pool.next_result()
                self._finish(running.pop(slot), outcome)

    def _finish(self, trial: Trial, outcome: dict) -> None:
        if outcome.get("fatal"):
            raise errors.FatalError(f"Trial {trial.trial_id} stopped the search:\n{outcome['message']}")
        trial.hyperparameters = type(trial.hyperparameters).from_config(outcome["hyperparameters"])
        trial.pruned = outcome.get("pruned", False)
        trial.message = outcome.get("message")
        trial.status = outcome["status"]
        if trial.status == TrialStatus.COMPLETED:
            try:
                self.oracle.update_trial(trial.trial_id, outcome["metrics"], step=outcome["step"])
            except ValueError as e:
                trial.status, trial.message = TrialStatus.INVALID, str(e)
        self.on_trial_end(trial)

    # ---- hooks and results -------------------------------------------------------------------

    def on_search_begin(self): ...

    def on_search_end(self): ...

    def on_trial_begin(self, trial: Trial) -> None:
        trial._began = time.time()
        if self._verbose:
            print(f"\nSearch: Running Trial #{trial.number + 1 if trial.number is not None else trial.trial_id}")
            best = self.oracle.get_best_trials(1)
            best_values = best[0].hyperparameters.values if best else {}
            rows = [(k, str(v), str(best_values.get(k, "?"))) for k, v in trial.hyperparameters.values.items()]
            width = max([len(r[0]) for r in rows] + [5])
            print(f"{'Value':<12}|{'Best Value So Far':<18}|Hyperparameter")
            for name, value, best_value in rows:
                print(f"{value:<12}|{best_value:<18}|{name:<{width}}")

    def on_trial_end(self, trial: Trial) -> None:
        self.oracle.end_trial(trial)
        if self._verbose:
            elapsed = time.time() - getattr(trial, "_began", time.time())
            print(f"Trial {trial.number + 1 if trial.number is not None else trial.trial_id} Complete "
                  f"[{time.strftime('%Hh %Mm %Ss', time.gmtime(elapsed))}]"
                  + (" (pruned)" if trial.pruned else "") + ("" if trial.status == TrialStatus.COMPLETED
                                                             else f" {trial.status}"))
            if trial.score is not None:
                print(f"{self.oracle.objective.name}: {trial.score}")
            best = self.oracle.get_best_trials(1)
            if best:
                print(f"\nBest {self.oracle.objective.name} So Far: {best[0].score}")
            total = time.time() - (self._search_start or time.time())
            print(f"Total elapsed time: {time.strftime('%Hh %Mm %Ss', time.gmtime(total))}")

    def get_best_models(self, num_models: int = 1) -> list:
        """The best trials' models, with the weights of their best epoch (best first)."""
        return [self.load_model(t) for t in self.oracle.get_best_trials(num_models)]

    def get_best_hyperparameters(self, num_trials: int = 1) -> list:
        """The best trials' `HyperParameters` (best first)."""
        return [t.hyperparameters for t in self.oracle.get_best_trials(num_trials)]

    def results_summary(self, num_trials: int = 10) -> None:
        """Prints the best trials: their hyperparameters and scores."""
        print("Results summary")
        print(f"Results in {self.project_dir}")
        print(f"Showing {num_trials} best trials")
        print(self.oracle.objective)
        for trial in self.oracle.get_best_trials(num_trials):
            print()
            trial.summary()

    @property
    def remaining_trials(self):
        return self.oracle.remaining_trials()

    def __getstate__(self):
        # What a worker process needs to run trials: not the oracle's storage connection.
        state = dict(self.__dict__)
        state["oracle"] = _OracleView(self.oracle)
        return state


class _OracleView:
    """What run_trial may read of the oracle in a worker process."""

    def __init__(self, oracle):
        self.objective = oracle.objective
        self.storage_url = oracle.storage_url
        self.study_name = oracle.study_name
        self.pruner = getattr(oracle, "pruner", None)


def run_trial_outcome(tuner: Tuner, trial: Trial, fit_args, fit_kwargs) -> dict:
    """Runs one trial and says how it went, as a picklable dict (what a worker sends back)."""
    outcome = {"status": TrialStatus.COMPLETED, "metrics": {}, "step": 0, "pruned": False}
    try:
        results = tuner.run_trial(trial, *fit_args, **copy.copy(fit_kwargs))
        outcome["metrics"], outcome["step"] = _to_metrics(results, tuner.oracle.objective)
        outcome["pruned"] = trial.pruned
    except errors.FatalError:
        outcome.update(fatal=True, message=traceback.format_exc())
    except errors.FailedTrialError:
        outcome.update(status=TrialStatus.FAILED, message=traceback.format_exc())
    except Exception:
        outcome.update(status=TrialStatus.INVALID, message=traceback.format_exc())
        if tuner._verbose:
            print(outcome["message"])
    outcome["hyperparameters"] = trial.hyperparameters.get_config()
    return outcome
