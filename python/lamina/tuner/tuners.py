"""KerasTuner's `keras_tuner.tuners` names."""

from .bayesian import BayesianOptimization
from .gridsearch import GridSearch
from .hyperband import Hyperband
from .randomsearch import OptunaSearch, RandomSearch

__all__ = ["BayesianOptimization", "GridSearch", "Hyperband", "OptunaSearch", "RandomSearch"]
