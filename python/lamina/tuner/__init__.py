"""Hyperparameter search with KerasTuner's API, on Optuna's storage, samplers and pruners.

    import lamina as keras
    import lamina.tuner as keras_tuner      # in a KerasTuner script, only the imports change

    def build_model(hp):
        model = keras.Sequential([keras.Input((64,)),
                                  keras.layers.Dense(hp.Int("units", 32, 256, step=32), activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(keras.optimizers.Adam(hp.Float("lr", 1e-4, 1e-2, sampling="log")),
                      "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = keras_tuner.Hyperband(build_model, objective="val_accuracy", max_epochs=9, n_jobs=2)
    tuner.search(x, y, validation_data=(x_val, y_val))
    model = tuner.get_best_models()[0]

Needs Optuna (`pip install 'lamina[tuner]'`); BayesianOptimization also scikit-learn.
"""

from . import errors, oracles, tuners
from .bayesian import BayesianOptimization, BayesianOptimizationOracle
from .gridsearch import GridSearch, GridSearchOracle
from .hyperband import Hyperband, HyperbandOracle
from .hypermodel import HyperModel
from .hyperparameters import HyperParameters
from .objective import Objective
from .oracle import Oracle
from .pruning import OptunaPruningCallback
from .randomsearch import OptunaOracle, OptunaSearch, RandomSearch, RandomSearchOracle
from .trial import Trial, TrialStatus
from .tuner import Tuner

__all__ = ["BayesianOptimization", "BayesianOptimizationOracle", "GridSearch", "GridSearchOracle", "HyperModel",
           "HyperParameters", "Hyperband", "HyperbandOracle", "Objective", "OptunaOracle", "OptunaPruningCallback",
           "OptunaSearch", "Oracle", "RandomSearch", "RandomSearchOracle", "Trial", "TrialStatus", "Tuner", "errors",
           "oracles", "tuners"]
