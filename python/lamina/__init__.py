"""lamina: a Keras-style modeling toolkit whose every tensor operation runs in a Rust engine.

`import lamina as keras` gives Keras' namespaces: layers, models, Sequential, Model, Input,
optimizers, losses, metrics, callbacks, initializers, regularizers, constraints, activations,
utils, ops, random, datasets. The engine (`lamina._core`) holds tensors, ops and autodiff.
"""

from lamina import _threads

_threads.configure_before_engine()  # before the engine starts its thread pool

from lamina._core import Tensor, Variable  # noqa: E402
from lamina.tensors import convert_to_tensor, tensor
from lamina.autodiff import GradientTape, stop_gradient
from lamina import ops
from lamina import random
from lamina import activations, constraints, initializers, regularizers
from lamina import layers, losses, metrics, optimizers, callbacks
from lamina import models, saving, datasets, utils, data
from lamina import feature_column
from lamina import distribute, distribution
from lamina import backend, preprocessing, tree
from lamina import export
from lamina import io
from lamina.device import device, get_default_device, list_devices, set_default_device
from lamina.config import clear_session, epsilon, floatx, image_data_format, set_floatx
from lamina.layers import Input, InputLayer, Layer
from lamina.models import Model, Sequential
from lamina.saving import register_keras_serializable

from lamina._version import __version__

_threads.engine_imported()


def __getattr__(name):
    # `lamina.estimators` loads on first use: it brings in scikit-learn when that is installed.
    # `estimator` is TensorFlow's name for it (`import lamina as tf; tf.estimator.DNNClassifier`).
    if name in ("estimators", "estimator"):
        import importlib

        return importlib.import_module("lamina.estimators")
    # `tf.keras` is TensorFlow's name for its Keras API, which lamina is: `import lamina as tf;
    # tf.keras.layers.Dense` keeps ported TensorFlow code unchanged.
    if name == "keras":
        import sys

        return sys.modules[__name__]
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")


__all__ = [
    "GradientTape", "Input", "InputLayer", "Layer", "Model", "Sequential", "Tensor", "Variable", "activations",
    "backend", "preprocessing", "tree",
    "callbacks", "clear_session", "constraints", "convert_to_tensor", "data", "datasets", "device", "distribute", "distribution", "epsilon", "estimators",
    "estimator", "feature_column", "floatx", "get_default_device",
    "image_data_format", "initializers", "layers", "list_devices", "losses", "metrics", "models", "ops", "optimizers", "random",
    "register_keras_serializable", "regularizers", "saving", "set_default_device", "set_floatx", "stop_gradient", "tensor", "utils",
]
