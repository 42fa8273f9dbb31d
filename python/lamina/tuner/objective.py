"""What a search optimizes: a metric name and a direction, as KerasTuner's `Objective`."""

from __future__ import annotations

# Metric names (without "val_") whose direction is known, as KerasTuner infers them from Keras.
_MIN = {"loss", "crossentropy", "ce", "mse", "mae", "mape", "msle", "mean_squared_error", "mean_absolute_error",
        "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "root_mean_squared_error",
        "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "hinge",
        "squared_hinge", "categorical_hinge", "kl_divergence", "kld", "poisson", "logcosh", "log_cosh", "huber",
        "cosine_similarity_loss"}
_MAX = {"acc", "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
        "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "auc", "precision", "recall",
        "f1_score", "r2_score", "score", "cosine_similarity"}


class Objective:
    """A metric to optimize.

    Args:
        name: the metric's name in the training logs, e.g. "val_loss" or "val_accuracy".
        direction: "min" or "max".
    """

    def __init__(self, name: str, direction: str):
        if direction not in ("min", "max"):
            raise ValueError(f"Objective({name!r}): direction must be 'min' or 'max', got {direction!r}.")
        self.name = name
        self.direction = direction

    def has_value(self, logs: dict) -> bool:
        return self.name in logs

    def get_value(self, logs: dict) -> float:
        return logs[self.name]

    def better_than(self, a: float, b: float) -> bool:
        """Whether `a` is strictly better than `b`."""
        return a < b if self.direction == "min" else a > b

    def __eq__(self, other) -> bool:
        return isinstance(other, Objective) and (self.name, self.direction) == (other.name, other.direction)

    def __repr__(self) -> str:
        return f'Objective(name="{self.name}", direction="{self.direction}")'


def infer_direction(metric: str) -> str | None:
    """"min" or "max" for a known metric name (with or without "val_"), else None."""
    name = metric.removeprefix("val_").removeprefix("weighted_")
    if name in _MIN or name.endswith("_loss") or name.endswith("_error"):
        return "min"
    if name in _MAX or name.endswith("_accuracy"):
        return "max"
    return None


def create_objective(objective) -> Objective:
    """An `Objective` from a name (direction inferred), an `Objective`, or None (the value that
    `run_trial`/`HyperModel.fit` returns, minimized)."""
    if objective is None:
        return Objective("default_objective", "min")
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, (list, tuple)):
        raise NotImplementedError("lamina.tuner: several objectives are not supported; pass one Objective.")
    if not isinstance(objective, str):
        raise TypeError(f"objective must be a metric name or an Objective, got {objective!r}.")
    direction = infer_direction(objective)
    if direction is None:
        raise ValueError(f'Could not infer whether to minimize or maximize the metric "{objective}"; pass '
                         f'lamina.tuner.Objective("{objective}", direction="min" or "max").')
    return Objective(objective, direction)
