"""KerasTuner's `keras_tuner.oracles` names."""

from .bayesian import BayesianOptimizationOracle as BayesianOptimization
from .gridsearch import GridSearchOracle as GridSearch
from .hyperband import HyperbandOracle as Hyperband
from .randomsearch import RandomSearchOracle as RandomSearch

__all__ = ["BayesianOptimization", "GridSearch", "Hyperband", "RandomSearch"]
