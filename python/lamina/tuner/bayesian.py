"""BayesianOptimization: KerasTuner's Gaussian-process search, on scikit-learn's
GaussianProcessRegressor (Optuna's own GP sampler needs PyTorch).

Each hyperparameter is a coordinate in [0, 1] (its `value_to_prob`); a GP with a Matern 5/2
kernel is fitted to the scores (negated when maximizing, so lower is better), and the next
point minimizes the lower confidence bound mu - beta * sigma (KerasTuner calls it the upper
confidence bound of the negated score), found by L-BFGS-B from 50 random starts. Trials still
running count at their predicted mu + sigma, so parallel workers spread out.
"""

from __future__ import annotations

import numpy as np

from .hyperparameters import Fixed, HyperParameters
from .oracle import Oracle
from .trial import TrialStatus
from .tuner import Tuner

_RESTARTS = 50


def _require(what: str):
    try:
        import scipy.optimize  # noqa: F401
        import sklearn.gaussian_process  # noqa: F401
    except ImportError as e:
        raise ImportError(f"{what} needs scikit-learn and scipy: pip install 'lamina[tuner]' "
                          "(or: pip install scikit-learn)") from e


class BayesianOptimizationOracle(Oracle):
    """Gaussian-process search.

    Args:
        objective: a metric name or an `Objective`.
        max_trials: how many trials (10).
        num_initial_points: random trials before the GP is used (3 x the tuned
            hyperparameters, at least 3).
        alpha: noise added to the GP kernel's diagonal (1e-4).
        beta: how much the acquisition favours uncertainty (2.6).
        Other arguments: as `Oracle`'s.
    """

    def __init__(self, objective=None, max_trials: int = 10, num_initial_points: int | None = None,
                 alpha: float = 1e-4, beta: float = 2.6, seed=None, hyperparameters=None,
                 allow_new_entries: bool = True, tune_new_entries: bool = True, max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3):
        _require("BayesianOptimization")
        super().__init__(objective=objective, max_trials=max_trials, hyperparameters=hyperparameters,
                         allow_new_entries=allow_new_entries, tune_new_entries=tune_new_entries, seed=seed,
                         max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials)
        self.num_initial_points = num_initial_points
        self.alpha = alpha
        self.beta = beta
        self._random_state = np.random.RandomState(self.seed)
        self.gpr = self._make_gpr()

    def _make_gpr(self):
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import Matern
        return GaussianProcessRegressor(kernel=Matern(nu=2.5), n_restarts_optimizer=20, normalize_y=True,
                                        alpha=self.alpha, random_state=self.seed)

    def _tuned(self) -> list:
        return [hp for hp in self.hyperparameters.space if not isinstance(hp, Fixed)]

    def _vectorize_trials(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = [], []
        for trial in self.trials.values():
            if trial.status in (TrialStatus.FAILED, TrialStatus.INVALID):
                continue
            values = trial.hyperparameters.values
            vector = []
            for hp in self._tuned():
                active = trial.hyperparameters.is_active(hp) and hp.name in values
                vector.append(hp.value_to_prob(values[hp.name] if active else hp.default))
            if trial.status == TrialStatus.RUNNING:
                mean, std = self.gpr.predict(np.array([vector]), return_std=True)
                score = float(np.ravel(mean)[0] + np.ravel(std)[0])
            else:
                score = trial.score if self.objective.direction == "min" else -trial.score
            x.append(vector)
            y.append(score)
        return np.array(x), np.array(y)

    def _vector_to_values(self, vector) -> dict:
        hps = HyperParameters()
        i = 0
        for hp in self.hyperparameters.space:
            hps.merge([hp])
            if isinstance(hp, Fixed):
                value = hp.value
            else:
                value = hp.prob_to_value(vector[i])
                i += 1
            if hps.is_active(hp):
                hps.values[hp.name] = value
        return hps.values

    def populate_space(self, trial_id: str) -> dict:
        import scipy.optimize
        completed = [t for t in self.trials.values() if t.status == TrialStatus.COMPLETED]
        initial = self.num_initial_points or max(3 * len(self.hyperparameters.space), 3)
        if len(completed) < initial:
            values, optuna_trial = self._random_values()
            return {"status": TrialStatus.RUNNING, "values": values, "optuna_trial": optuna_trial}
        x, y = self._vectorize_trials()
        self.gpr.fit(np.nan_to_num(x, posinf=0, neginf=0), np.nan_to_num(y, posinf=0, neginf=0))

        def lower_confidence_bound(v):
            mean, std = self.gpr.predict(v.reshape(1, -1), return_std=True)
            return float(np.ravel(mean)[0] - self.beta * np.ravel(std)[0])

        bounds = np.array([[0.0, 1.0]] * len(self._tuned()))
        starts = self._random_state.uniform(bounds[:, 0], bounds[:, 1], size=(_RESTARTS, len(bounds)))
        best_value, best_x = np.inf, None
        for start in starts:
            result = scipy.optimize.minimize(lower_confidence_bound, x0=start, bounds=bounds, method="L-BFGS-B")
            if float(np.ravel(result.fun)[0]) < best_value:
                best_value, best_x = float(np.ravel(result.fun)[0]), result.x
        return {"status": TrialStatus.RUNNING, "values": self._vector_to_values(best_x)}


class BayesianOptimization(Tuner):
    """Bayesian optimization with a Gaussian process.

    Args:
        hypermodel: a `HyperModel` or a function `build(hp)`.
        objective: a metric name or an `Objective`.
        max_trials: how many trials (10).
        num_initial_points, alpha, beta: as `BayesianOptimizationOracle`'s.
        **kwargs: `Oracle`'s and `Tuner`'s other arguments.
    """

    def __init__(self, hypermodel=None, objective=None, max_trials: int = 10, num_initial_points=None,
                 alpha: float = 1e-4, beta: float = 2.6, seed=None, hyperparameters=None,
                 tune_new_entries: bool = True, allow_new_entries: bool = True, max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3, **kwargs):
        oracle = BayesianOptimizationOracle(objective=objective, max_trials=max_trials,
                                            num_initial_points=num_initial_points, alpha=alpha, beta=beta, seed=seed,
                                            hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                                            allow_new_entries=allow_new_entries,
                                            max_retries_per_trial=max_retries_per_trial,
                                            max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)
