"""A trial: one point of the search space, its status and the metrics its training reported."""

from __future__ import annotations

from .hyperparameters import HyperParameters


class TrialStatus:
    RUNNING = "RUNNING"  # being trained (or waiting to be retried after a crash)
    IDLE = "IDLE"  # the oracle waits for running trials before it can say what to try next
    INVALID = "INVALID"  # training raised; retried up to `max_retries_per_trial` times
    STOPPED = "STOPPED"  # the search is over
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"  # gave up on it (FailedTrialError, or out of retries)


class MetricsTracker:
    """Each metric's values by step (epoch), with the direction that makes one value better."""

    def __init__(self, history: dict | None = None, directions: dict | None = None):
        self.history: dict[str, list[list]] = {k: [list(p) for p in v] for k, v in (history or {}).items()}
        self.directions: dict[str, str | None] = dict(directions or {})

    def exists(self, name: str) -> bool:
        return name in self.history

    def register(self, name: str, direction: str | None = None) -> None:
        self.history.setdefault(name, [])
        self.directions[name] = direction

    def update(self, name: str, value: float, step: int = 0) -> None:
        self.history.setdefault(name, []).append([int(step), float(value)])

    def get_history(self, name: str) -> list:
        return self.history.get(name, [])

    def get_last_value(self, name: str):
        points = self.get_history(name)
        return points[-1][1] if points else None

    def _best(self, name: str):
        points = self.get_history(name)
        if not points:
            return None
        pick = max if self.directions.get(name) == "max" else min
        return pick(points, key=lambda p: p[1])

    def get_best_value(self, name: str):
        best = self._best(name)
        return None if best is None else best[1]

    def get_best_step(self, name: str):
        best = self._best(name)
        return None if best is None else best[0]

    def get_config(self) -> dict:
        return {"history": self.history, "directions": self.directions}


class Trial:
    """One trial of a search.

    Attributes:
        trial_id: its id ("00", "01", ... zero-padded to `max_trials`' digits, as KerasTuner's).
        hyperparameters: a `HyperParameters` whose `values` are this trial's.
        status: a `TrialStatus` value.
        score: the objective's best value (None until completed).
        best_step: the epoch that gave `score`.
        metrics: a `MetricsTracker`.
        message: the traceback of a failed run.
    """

    def __init__(self, hyperparameters: HyperParameters, trial_id: str | None = None, status=TrialStatus.RUNNING,
                 message: str | None = None):
        self.hyperparameters = hyperparameters
        self.trial_id = trial_id
        self.status = status
        self.message = message
        self.score = None
        self.best_step = 0
        self.metrics = MetricsTracker()
        self.pruned = False
        self.number: int | None = None  # the Optuna trial number in the study
        self.storage_id: int | None = None  # the Optuna storage's id of that trial
        self.owner: list | None = None  # [host, pid] of the search running it
        self.runs = 0  # how many times it has been run
        self.extra: dict = {}  # an oracle's own bookkeeping (Hyperband's bracket)
        self.state: str | None = None  # the Optuna trial's state when read from the study

    def summary(self) -> None:
        """Prints the trial's hyperparameters and score, as KerasTuner's `Trial.summary`."""
        print(f"Trial {self.trial_id} summary")
        print("Hyperparameters:")
        for name, value in self.hyperparameters.values.items():
            print(f"{name}: {value}")
        if self.score is not None:
            print(f"Score: {self.score}")
        if self.message:
            print(self.message)

    def __repr__(self) -> str:
        return f"Trial(trial_id={self.trial_id!r}, status={self.status!r}, score={self.score})"
