"""The legacy full-model HDF5 format (`model.save("m.h5")`) of Keras 2 and 3.

Root attributes `model_config` (the architecture as JSON), `training_config` (compile
arguments, when compiled), `keras_version` and `backend`; the weights in `/model_weights` (see
legacy_h5_weights) and the optimizer's state in `/optimizer_weights`. Files from h5py 2 hold the
JSON as bytes.
"""

from __future__ import annotations

import json
import os

import numpy as np

from lamina.saving import file_checks, legacy_h5_weights
from lamina.utils.atomic_write import atomic_write


def _attr_text(attrs, name: str, filepath: str):
    value = file_checks.read_attr(attrs, name, filepath)
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if not isinstance(value, (bytes, np.bytes_, str)):
        raise ValueError(f"{filepath}: the '{name}' attribute holds {type(value).__name__}, not JSON text (corrupt file?)")
    try:
        return value.decode("utf8") if isinstance(value, (bytes, np.bytes_)) else value
    except UnicodeDecodeError as e:
        raise ValueError(f"{filepath}: the '{name}' attribute is not UTF-8 text (corrupt file?): {e}") from e


def _json_attr(attrs, name: str, filepath: str):
    from lamina.saving.saving_api import parse_config

    text = _attr_text(attrs, name, filepath)
    return None if text is None else parse_config(text, filepath, f"the '{name}' attribute")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from lamina.saving.saving_api import _with_h5
    from lamina.saving.serialization import deserialize_keras_object

    filepath = str(filepath)

    def read(f):
        config = _json_attr(f.attrs, "model_config", filepath)
        if config is None:
            raise ValueError(f"{filepath}: no model_config attribute: this HDF5 file holds weights only; "
                             "build the model and call model.load_weights() instead")
        model = deserialize_keras_object(config, custom_objects=custom_objects, category="models", safe_mode=safe_mode)
        group = f["model_weights"] if "model_weights" in f else f
        legacy_h5_weights.assign(legacy_h5_weights.stage_model_weights(group, model, filepath))
        if compile:
            _compile_as_saved(f, model, filepath, custom_objects)
        return model

    return _with_h5(filepath, "r", read)


def _compile_as_saved(f, model, filepath: str, custom_objects) -> None:
    from lamina.saving import keras_compat, optimizer_state
    from lamina.saving.saving_api import compile_saved

    training = _json_attr(f.attrs, "training_config", filepath)
    if not training:
        return
    if not compile_saved(model, filepath, lambda: model.compile(**keras_compat.compile_args(training, custom_objects))):
        return
    if "optimizer_weights" in f:
        weights = f["optimizer_weights"]
        names = legacy_h5_weights.read_name_list(weights.attrs, "weight_names", filepath)
        missing = [n for n in names if n not in weights]
        if missing:
            raise ValueError(f"{filepath}: optimizer_weights lists '{missing[0]}', which the file lacks (corrupt file?)")
        stored = [file_checks.DatasetRef(weights[n], filepath, f"'optimizer_weights/{n}'") for n in names]
        optimizer_state.restore(model.optimizer, model, stored, filepath, names)


# Keras 3.15's legacy loader cannot resolve loss abbreviations (it fails on its own files
# compiled with loss="mse"); the full names mean the same to every Keras.
_LOSS_NAMES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
               "msle": "mean_squared_logarithmic_error", "kld": "kl_divergence", "logcosh": "log_cosh"}


def _full_loss_names(value):
    if isinstance(value, str):
        return _LOSS_NAMES.get(value, value)
    if isinstance(value, list):
        return [_full_loss_names(v) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _full_loss_names(v) for k, v in value.items()}
    return value


def _training_config(model) -> dict | None:
    from lamina.saving.serialization import serialize_keras_object

    cc = getattr(model, "_compile_config", None)
    if not cc or model.optimizer is None:
        return None
    opt = model.optimizer
    return {
        "loss": _full_loss_names(serialize_keras_object(cc.get("loss"))),
        "loss_weights": cc.get("loss_weights"),
        "metrics": serialize_keras_object(cc.get("metrics")),
        "weighted_metrics": serialize_keras_object(cc.get("weighted_metrics")),
        "optimizer_config": {"class_name": type(opt).__name__, "config": opt.get_config()},
    }


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Writes the model as Keras 3's `save_model_to_hdf5` lays it out, so Keras 2 and 3 load it."""
    from lamina.saving import optimizer_state
    from lamina.saving.saving_api import KERAS_FORMAT_VERSION, LAMINA_VERSION, _with_h5
    from lamina.saving.serialization import serialize_keras_object

    filepath = str(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(filepath)
    full = serialize_keras_object(model)
    model_config = {"class_name": full["class_name"], "config": full["config"]}

    def write(f):
        f.attrs["keras_version"] = KERAS_FORMAT_VERSION
        f.attrs["lamina_version"] = LAMINA_VERSION
        f.attrs["backend"] = "lamina"
        f.attrs["model_config"] = json.dumps(model_config)
        training = _training_config(model) if include_optimizer else None
        if training is not None:
            f.attrs["training_config"] = json.dumps(training)
        legacy_h5_weights.write_model_weights(f.create_group("model_weights"), model)
        if training is not None:
            variables = optimizer_state.keras_variables(model.optimizer, model)
            group = f.create_group("optimizer_weights")
            names = [f"{model.optimizer.name}/{name}" for name, _ in variables]
            legacy_h5_weights.write_name_list(group.attrs, "weight_names", names)
            for name, (_, value) in zip(names, variables):
                group.create_dataset(name, data=value)

    atomic_write(filepath, lambda tmp: _with_h5(tmp, "w", write))
