"""`lamina.utils`: to_categorical, normalize, set_random_seed, plotting a model or a History."""

from __future__ import annotations

import random as _python_random

import numpy as np

from lamina import _core
from lamina.models.data_adapter_utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
from lamina.utils.model_plot import model_to_dot, plot_model
from lamina.utils.plotting import plot_history


def set_random_seed(seed: int) -> None:
    """Sets every random seed lamina uses, as `keras.utils.set_random_seed`.

    Seeds Python's `random` module, numpy's global generator and lamina's global
    SeedGenerator (the one `lamina.random` functions draw from when `seed=None`), so that a
    program produces the same numbers on every run.

    Args:
        seed: a non-negative integer.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed expects an integer seed, got {seed!r} of type {type(seed).__name__}")
    _python_random.seed(seed)
    np.random.seed(seed % (2**32))
    _core.set_global_random_seed(seed)


def to_categorical(x, num_classes=None):
    """One-hot encodes integer class labels (numpy in, numpy out, as in Keras).

    Args:
        x: integer labels, any shape (a trailing axis of size 1 is dropped).
        num_classes: number of classes; default max(x) + 1.
    """
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {int(x.min())}")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and x.max() >= num_classes:
        raise ValueError(f"to_categorical: label {int(x.max())} is out of range for num_classes={num_classes}")
    out = np.zeros((x.size, num_classes), dtype="float32")
    out[np.arange(x.size), x] = 1.0
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalizes `x` to unit `order`-norm along `axis` (numpy in, numpy out)."""
    x = np.asarray(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return x / norm


__all__ = ["to_categorical", "normalize", "model_to_dot", "plot_history", "plot_model", "set_random_seed",
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]

# The rest of keras.utils.
from lamina.backend import clear_session, is_keras_tensor, standardize_dtype  # noqa: E402
from lamina.config import (disable_interactive_logging, enable_interactive_logging,  # noqa: E402
                           is_interactive_logging_enabled)
from lamina.saving.object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: E402
                                               get_registered_object)
from lamina.saving.serialization import (deserialize_keras_object, get_registered_name,  # noqa: E402
                                         register_keras_serializable, serialize_keras_object)
from lamina.utils.dataset_split import split_dataset  # noqa: E402
from lamina.utils.directory_datasets import (audio_dataset_from_directory, image_dataset_from_directory,  # noqa: E402
                                             text_dataset_from_directory)
from lamina.utils.file_cache import get_file  # noqa: E402
from lamina.utils.image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: E402
from lamina.utils.progbar import Progbar  # noqa: E402
from lamina.utils.py_dataset import PyDataset, Sequence  # noqa: E402
from lamina.utils.sequence_utils import pad_sequences  # noqa: E402
from lamina.utils.timeseries import timeseries_dataset_from_array  # noqa: E402


def get_source_inputs(tensor) -> list:
    """The Input tensors a symbolic tensor was computed from (the tensor itself if it is one)."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return [tensor]
    layer, node_index, _ = history
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors:
        return [tensor]
    sources = []
    for t in node.input_tensors:
        for s in get_source_inputs(t):
            if all(s is not seen for seen in sources):
                sources.append(s)
    return sources


class Config:
    """A dict-like bag of settings readable as attributes (keras.utils.Config).

    Example:
        config = Config(learning_rate=0.1)
        config.momentum = 0.9
        config.freeze()  # later changes raise
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    def freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self) -> None:
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def _check(self):
        if self._frozen:
            raise ValueError("Cannot change a frozen Config; call unfreeze() first")

    def __getattr__(self, name):
        try:
            return self._config[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute: '{name}'") from None

    def __setattr__(self, name, value):
        self._check()
        self._config[name] = value

    def __delattr__(self, name):
        self._check()
        del self._config[name]

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self._check()
        self._config[key] = value

    def __delitem__(self, key):
        self._check()
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __len__(self):
        return len(self._config)

    def __iter__(self):
        return iter(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key, default=None):
        return self._config.get(key, default)

    def update(self, *args, **kwargs):
        self._check()
        self._config.update(*args, **kwargs)

    def pop(self, *args):
        self._check()
        return self._config.pop(*args)

    def as_dict(self) -> dict:
        return dict(self._config)

    def to_json(self) -> str:
        import json

        return json.dumps(self._config)

    def __repr__(self) -> str:
        return f"<Config {self._config}>"


__all__ += [
    "Config", "CustomObjectScope", "Progbar", "PyDataset", "Sequence", "array_to_img", "audio_dataset_from_directory",
    "clear_session", "custom_object_scope", "deserialize_keras_object", "disable_interactive_logging",
    "enable_interactive_logging", "get_custom_objects", "get_file", "get_registered_name", "get_registered_object",
    "get_source_inputs", "image_dataset_from_directory", "img_to_array", "is_interactive_logging_enabled",
    "is_keras_tensor", "load_img", "pad_sequences", "register_keras_serializable", "save_img", "serialize_keras_object",
    "split_dataset", "standardize_dtype", "text_dataset_from_directory", "timeseries_dataset_from_array",
]
