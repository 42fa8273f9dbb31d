"""Data, model-building functions and skips shared by the tuner tests. Module-level, so
worker processes (which unpickle the build function by name) can import them."""

import importlib
import importlib.util
import os
import time

import numpy as np
import pytest

import lamina as keras
from lamina.tuner import HyperModel


def require(module: str):
    """The module, or a skip; under CI=true a missing module is a failure instead."""
    if module == "keras_tuner" and "KERAS_BACKEND" not in os.environ and importlib.util.find_spec("tensorflow") is None:
        os.environ["KERAS_BACKEND"] = "jax"  # Keras 3 defaults to TensorFlow; use the backend that is here
    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"{module} is not installed (pip install 'lamina[tuner]')")


def digits(n_train: int = 600):
    """Bundled digits, scaled: a small train/validation split and the test set."""
    (x, y), (x_test, y_test) = keras.datasets.digits.load_data()
    x = x.reshape(len(x), -1).astype("float32") / 16
    x_test = x_test.reshape(len(x_test), -1).astype("float32") / 16
    return (x[:n_train], y[:n_train]), (x[n_train:n_train + 300], y[n_train:n_train + 300]), (x_test, y_test)


def build_mlp(hp):
    """Depth, widths, dropout (conditional) and learning rate: the KerasTuner tutorial's space."""
    model = keras.Sequential([keras.Input((64,))])
    for i in range(hp.Int("layers", 1, 2)):
        model.add(keras.layers.Dense(hp.Int(f"units_{i}", 16, 64, step=16), activation="relu"))
    if hp.Boolean("dropout"):
        with hp.conditional_scope("dropout", [True]):
            model.add(keras.layers.Dropout(hp.Float("rate", 0.1, 0.4)))
    model.add(keras.layers.Dense(10, activation="softmax"))
    lr = hp.Float("lr", 1e-3, 3e-2, sampling="log")
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def build_by_lr(hp):
    """One tuned learning rate; a tiny one leaves the model near chance (for pruning)."""
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(hp.Float("lr", 1e-6, 3e-2, sampling="log")),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def build_estimator(hp):
    """A canned Estimator, tuned the same way: hidden units, optimizer and learning rate."""
    units = hp.Int("hidden_units", 8, 32, step=8)
    lr = hp.Float("learning_rate", 1e-3, 1e-1, sampling="log")
    optimizer = keras.optimizers.Adam(lr) if hp.Choice("optimizer", ["adam", "sgd"]) == "adam" \
        else keras.optimizers.SGD(lr)
    return keras.estimators.DNNClassifier(hidden_units=[units], n_classes=10, optimizer=optimizer)


def accuracy(model, x, y) -> float:
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == y))


class ScriptedHyperModel(HyperModel):
    """Builds a tiny model and 'trains' it at once, reporting val_loss = x + (0 or 1,
    alternating between calls, so averaging executions is visible), after `pause` seconds
    (so the trials of several processes overlap)."""

    def __init__(self, pause: float = 0.0):
        super().__init__()
        self.pause = pause
        self.calls = 0

    def build(self, hp):
        hp.Float("x", 0.0, 1.0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        return model

    def fit(self, hp, model, *args, **kwargs):
        time.sleep(self.pause)
        self.calls += 1
        return {"val_loss": hp["x"] + (self.calls + 1) % 2}


def build_reporting_threads(hp):
    """build_mlp, also noting which process built it and the engine thread count it was given."""
    with open(os.path.join(os.environ["LAMINA_TUNER_TEST_DIR"], f"built-{os.getpid()}"), "w") as f:
        f.write(os.environ.get("RAYON_NUM_THREADS", "unset"))
    return build_mlp(hp)
