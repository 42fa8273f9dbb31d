"""HyperModel: builds a model from hyperparameters, and optionally says how to train it."""

from __future__ import annotations


class HyperModel:
    """Subclass and override `build(hp)` (and `fit` to change how a trial trains).

    Args:
        name: an optional name.
        tunable: whether the hyperparameters this hypermodel declares are tuned.
    """

    def __init__(self, name: str | None = None, tunable: bool = True):
        self.name = name
        self.tunable = tunable

    def build(self, hp):
        """Returns a compiled model (or a scikit-learn-style estimator) for the values in `hp`."""
        raise NotImplementedError

    def declare_hyperparameters(self, hp) -> None:
        """Registers hyperparameters before the first build (nothing by default)."""

    def fit(self, hp, model, *args, **kwargs):
        """Trains `model`; returns its History (or a metrics dict, or the objective's value).

        Args:
            hp: the trial's `HyperParameters`.
            model: what `build(hp)` returned.
            *args, **kwargs: what `search()` was given, with the tuner's callbacks added.
        """
        return model.fit(*args, **kwargs)


class _FunctionHyperModel(HyperModel):
    def __init__(self, build_fn):
        super().__init__()
        self.build_fn = build_fn

    def build(self, hp):
        return self.build_fn(hp)


def get_hypermodel(hypermodel) -> HyperModel | None:
    """A HyperModel from a HyperModel, a `build(hp)` callable, or None."""
    if hypermodel is None or isinstance(hypermodel, HyperModel):
        return hypermodel
    if not callable(hypermodel):
        raise TypeError(f"hypermodel must be a HyperModel or a callable build(hp), got {hypermodel!r}.")
    return _FunctionHyperModel(hypermodel)
