"""Saving and loading in Keras 3's native formats.

- `.keras`: a zip (stored) of config.json, metadata.json and model.weights.h5.
- `.weights.h5`: HDF5 with each object's variables at `<path>/vars/<i>`: the model's layers at
  `layers/<snake_case class name>[_n]`, their sublayers under the attribute that holds them
  (e.g. `layers/lstm/cell/vars`), the optimizer at `optimizer/vars`.

Weights are checked against the file first and assigned only when all of them fit, so a
failed load never leaves a model half-overwritten.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from lamina.config import to_snake_case

LAMINA_VERSION = "0.1.0"
KERAS_FORMAT_VERSION = "3.10.0"


def _h5py():
    import h5py

    return h5py


# ------------------------------------------------------------------------------------------------
# object tree: which variables live at which path

def _own_variables(layer) -> list:
    seen, out = set(), []
    for v in layer._trainable_variables + layer._non_trainable_variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _children(layer) -> list:
    """(path component, sublayer) for each sublayer a layer holds, as Keras names them."""
    from lamina.layers.layer import Layer
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if isinstance(layer, (Functional, Sequential)) or getattr(layer, "_save_children_as_layers", False):
        return [("layers/" + name, sub) for name, sub in _unique_class_names(layer.layers)]
    out, seen = [], set()
    for attr in sorted(vars(layer)):
        value = getattr(layer, attr)
        if isinstance(value, Layer) and id(value) not in seen and not attr.startswith("_"):
            seen.add(id(value))
            out.append((attr, value))
    listed = [l for l in layer._layers if id(l) not in seen]
    out.extend(("layers/" + name, sub) for name, sub in _unique_class_names(listed))
    return out


def _unique_class_names(layers) -> list:
    counts: dict = {}
    out = []
    for layer in layers:
        base = to_snake_case(type(layer).__name__)
        n = counts.get(base, 0)
        counts[base] = n + 1
        out.append((base if n == 0 else f"{base}_{n}", layer))
    return out


def variable_paths(model) -> list:
    """(path, variable) for every variable of the model, in Keras' .weights.h5 layout."""
    out = []

    def walk(layer, prefix):
        for i, v in enumerate(_own_variables(layer)):
            out.append((f"{prefix}/vars/{i}", v))
        for name, sub in _children(layer):
            walk(sub, f"{prefix}/{name}")

    for i, v in enumerate(_own_variables(model)):
        out.append((f"vars/{i}", v))
    for name, sub in _children(model):
        walk(sub, name)
    return out


# ------------------------------------------------------------------------------------------------
# weights files

def _write_weights(model, f, include_optimizer: bool = True) -> None:
    f.create_group("vars")
    for path, v in variable_paths(model):
        group, index = path.rsplit("/", 1)
        g = f.require_group(group)
        g.attrs["name"] = getattr(v, "name", "")
        g.create_dataset(index, data=np.asarray(v))
    opt = getattr(model, "optimizer", None)
    if include_optimizer and opt is not None:
        g = f.require_group("optimizer/vars")
        for i, v in enumerate(opt.variables):
            g.create_dataset(str(i), data=np.asarray(v))


def _read_weights(model, f, filepath: str, skip_mismatch: bool = False) -> None:
    staged = []
    for path, v in variable_paths(model):
        if path not in f:
            if skip_mismatch:
                continue
            raise ValueError(f"{filepath}: missing weight '{path}' (variable '{v.name}' of shape {tuple(v.shape)})")
        data = f[path][()]
        if tuple(data.shape) != tuple(v.shape):
            if skip_mismatch:
                continue
            raise ValueError(
                f"{filepath}: weight '{path}' for variable '{getattr(v, 'path', v.name)}' has shape {tuple(data.shape)}, "
                f"expected {tuple(v.shape)}"
            )
        staged.append((v, data))
    for v, data in staged:
        v.assign(data)
    opt = getattr(model, "optimizer", None)
    if opt is not None and "optimizer/vars" in f:
        group = f["optimizer/vars"]
        stored = [group[str(i)][()] for i in range(len(group))]
        if not opt._tracked and model.trainable_weights:
            opt.build(model.trainable_weights)
        current = opt.variables
        if len(stored) == len(current) and all(tuple(s.shape) == tuple(c.shape) for s, c in zip(stored, current)):
            for c, s in zip(current, stored):
                c.assign(s)
        else:
            import warnings

            warnings.warn(f"{filepath}: the optimizer's saved state does not match this optimizer; it starts fresh.")


def save_weights(model, filepath, overwrite: bool = True) -> None:
    filepath = str(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`, got {filepath!r}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(filepath)
    _atomic_write(filepath, lambda tmp: _with_h5(tmp, "w", lambda f: _write_weights(model, f)))


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    filepath = str(filepath)
    if filepath.endswith(".keras"):
        with _open_zip(filepath) as z:
            with z.open("model.weights.h5") as wf:
                data = io.BytesIO(wf.read())
        _with_h5(data, "r", lambda f: _read_weights(model, f, filepath, skip_mismatch))
        return
    _with_h5(filepath, "r", lambda f: _read_weights(model, f, filepath, skip_mismatch))


def _with_h5(target, mode, fn):
    h5py = _h5py()
    try:
        f = h5py.File(target, mode)
    except OSError as e:
        raise ValueError(f"{target if isinstance(target, str) else 'the archive'}: not a readable HDF5 file ({e})") from e
    with f:
        return fn(f)


def _atomic_write(filepath: str, write) -> None:
    """Writes to a temporary file beside `filepath`, then renames: a crash never leaves a broken file."""
    directory = os.path.dirname(os.path.abspath(filepath)) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, filepath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# ------------------------------------------------------------------------------------------------
# .keras archives

def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True, **kwargs) -> None:
    from lamina.saving.serialization import serialize_keras_object

    filepath = str(filepath)
    if filepath.endswith(".h5") and not filepath.endswith(".weights.h5"):
        from lamina.saving import legacy_h5

        return legacy_h5.save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)
    if not filepath.endswith(".keras"):
        raise ValueError(f"Invalid filepath extension for saving {filepath!r}: use `.keras` (or `.h5` for the legacy format)")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(filepath)
    config = serialize_keras_object(model)
    metadata = {"keras_version": KERAS_FORMAT_VERSION, "lamina_version": LAMINA_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    _with_h5(buffer, "w", lambda f: _write_weights(model, f, include_optimizer))

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("metadata.json", json.dumps(metadata))
            z.writestr("config.json", json.dumps(config))
            z.writestr("model.weights.h5", buffer.getvalue())

    _atomic_write(filepath, write)


def _open_zip(filepath: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"{filepath}: not a .keras archive (a zip file) or truncated ({e})") from e


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Loads a model saved with `model.save` (`.keras`, or a legacy `.h5`)."""
    from lamina.saving.serialization import deserialize_keras_object

    filepath = str(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath!r}")
    if filepath.endswith(".h5") or filepath.endswith(".hdf5"):
        from lamina.saving import legacy_h5

        return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    with _open_zip(filepath) as z:
        names = set(z.namelist())
        missing = {"config.json", "model.weights.h5"} - names
        if missing:
            raise ValueError(f"{filepath}: the archive lacks {sorted(missing)}")
        config = json.loads(z.read("config.json"))
        weights = io.BytesIO(z.read("model.weights.h5"))
    model = deserialize_keras_object(config, custom_objects=custom_objects, category="models", safe_mode=safe_mode)
    if compile and config.get("compile_config"):
        _compile_from_config(model, config["compile_config"], custom_objects)
    _with_h5(weights, "r", lambda f: _read_weights(model, f, filepath))
    return model


def _compile_from_config(model, cc: dict, custom_objects) -> None:
    from lamina.saving.serialization import deserialize_keras_object

    def de(v, category):
        if isinstance(v, dict) and "class_name" in v:
            return deserialize_keras_object(v, custom_objects=custom_objects, category=category)
        if isinstance(v, list):
            return [de(x, category) for x in v]
        if isinstance(v, dict):
            return {k: de(x, category) for k, x in v.items()}
        return v

    model.compile(optimizer=de(cc.get("optimizer") or "rmsprop", "optimizers"), loss=de(cc.get("loss"), "losses"),
                  loss_weights=cc.get("loss_weights"), metrics=de(cc.get("metrics"), "metrics"),
                  weighted_metrics=de(cc.get("weighted_metrics"), "metrics"))
